// NSEC3 owner hashing (RFC 5155 §5) and the base32hex encoding NSEC3 owner
// labels and the Next Hashed Owner field use in presentation (RFC 4648 §7,
// without padding, RFC 5155 §3.3). Lowercase output, as signers print it.

import { createHash } from 'node:crypto';
import { canonicalName, labelOctets, labels } from '../name.ts';
import { DnslabError, type Name } from '../types.ts';

export class Base32HexError extends DnslabError {
  constructor(message: string) {
    super('BAD_BASE32HEX', message);
    this.name = 'Base32HexError';
  }
}

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

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** base32hex (RFC 4648 §7), lowercase, no padding. */
export function base32hex(buf: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decode base32hex (either case, padding optional). Throws Base32HexError on bad input. */
export function fromBase32hex(s: string): Buffer {
  const text = s.replace(/=+$/, '').toLowerCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const v = ALPHABET.indexOf(text[i]!);
    if (v < 0) throw new Base32HexError(`"${s}" is not base32hex: character "${text[i]}" at ${i} is outside 0-9a-v`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  // RFC 4648 §3.5: leftover pad bits must be zero, and a whole 5-bit group left over is impossible.
  if (bits >= 5 || value !== 0) throw new Base32HexError(`"${s}" is not canonical base32hex (length ${text.length} leaves non-zero or excess bits)`);
  return Buffer.from(out);
}
