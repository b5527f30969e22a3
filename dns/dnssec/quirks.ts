// Named DNSSEC signing faults for incident scenarios. A quirk is data handed
// to signZone (offline) or OnlineSigner (online); these constructors give the
// common ones names and sensible defaults. Each says which incident or
// failure mode it reproduces.

import { createHash } from 'node:crypto';
import type { DsData, Name, RR, RRTypeName } from '../types.ts';
import { makeDs, type DsDigestType } from './algorithms.ts';
import type { SigningKey } from './keys.ts';
import type { OnlineSigningQuirk } from './online.ts';
import type { ZoneSigningQuirk } from './sign.ts';

export type { OnlineSigningQuirk, ZoneSigningQuirk };

interface Target {
  owner?: Name;
  type?: RRTypeName;
}

/** Signatures that expired `agoSeconds` before `now` (Unix seconds): resolvers answer SERVFAIL (EDE 7). */
export function expiredSignatures(now: number, target: Target = {}, agoSeconds = 3600): ZoneSigningQuirk {
  return { kind: 'signature-validity', ...target, inception: now - agoSeconds - 30 * 86400, expiration: now - agoSeconds };
}

/** Signatures whose inception is `aheadSeconds` after `now` (e.g. a signer clock running fast): EDE 8. */
export function notYetValidSignatures(now: number, target: Target = {}, aheadSeconds = 86400): ZoneSigningQuirk {
  return { kind: 'signature-validity', ...target, inception: now + aheadSeconds, expiration: now + aheadSeconds + 30 * 86400 };
}

/** No RRSIG for one RRset (optionally only the one by `keyTag`): EDE 10 "RRSIGs Missing". */
export function missingRrsig(owner: Name, type: RRTypeName, keyTag?: number): ZoneSigningQuirk {
  return keyTag === undefined ? { kind: 'missing-rrsig', owner, type } : { kind: 'missing-rrsig', owner, type, keyTag };
}

/** A signature with flipped octets: bogus (EDE 6 "DNSSEC Bogus"). */
export function corruptSignature(owner: Name, type: RRTypeName, keyTag?: number): ZoneSigningQuirk {
  return keyTag === undefined ? { kind: 'corrupt-signature', owner, type } : { kind: 'corrupt-signature', owner, type, keyTag };
}

/**
 * A DS that matches no DNSKEY: right key tag and algorithm (so it looks
 * plausible to an operator) but a digest of something else — what a
 * registrar typo or a DS left over from an old key looks like (EDE 9
 * "DNSKEY Missing" at the resolver). `how: 'tag'` instead keeps the digest
 * and points at a key tag nobody has.
 */
export function dsMatchingNoKey(key: SigningKey, how: 'digest' | 'tag' = 'digest', digestType: DsDigestType = 2): DsData {
  const ds = makeDs(key.owner, key.dnskey, digestType);
  if (how === 'tag') return { ...ds, keyTag: (ds.keyTag + 1) & 0xffff };
  const other = createHash(digestType === 4 ? 'sha384' : digestType === 1 ? 'sha1' : 'sha256')
    .update('dnslab: no such key')
    .update(ds.digest)
    .digest();
  return { ...ds, digest: other };
}

/** The same as a DS record for the parent zone. */
export function dsRecordMatchingNoKey(key: SigningKey, ttl = 86400, how: 'digest' | 'tag' = 'digest'): RR {
  return { name: key.owner, type: 'DS', class: 'IN', ttl, data: dsMatchingNoKey(key, how) };
}
