// NSEC3 owner hashing (RFC 5155 §5). The base32hex text of a hash is in
// dns/base32hex.ts.

import { createHash } from 'node:crypto';
import { canonicalName, labelOctets, labels } from '../name.ts';
import { DnslabError, type Name } from '../types.ts';

/** Uncompressed wire form of a name in canonical (lowercase) form, RFC 4034 §6.2. */
export function canonicalNameWire(name: Name): Buffer {
  const parts: Buffer[] = [];
  for (const label of labels(canonicalName(name))) {
    const octets = labelOctets(label);
    parts.push(Buffer.from([octets.length]), octets);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** The only NSEC3 hash algorithm defined (RFC 5155 §11). */
export const NSEC3_SHA1 = 1;

/**
 * RFC 5155 §5: IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt).
 * x is the canonical wire form of the owner name; iterations counts the
 * ADDITIONAL hashings (0 means one SHA-1).
 */
export function nsec3Hash(name: Name, salt: Buffer, iterations: number): Buffer {
  if (!Number.isInteger(iterations) || iterations < 0 || iterations > 0xffff) {
    throw new DnslabError('BAD_NSEC3_ITERATIONS', `NSEC3 iterations must be an integer 0..65535, got ${iterations}`);
  }
  let digest = createHash('sha1').update(canonicalNameWire(name)).update(salt).digest();
  for (let i = 0; i < iterations; i++) digest = createHash('sha1').update(digest).update(salt).digest();
  return digest;
}
