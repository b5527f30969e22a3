// DNSSEC validation (RFC 4033–4035, RFC 5155 §8, RFC 6840, RFC 8624, RFC 9276):
// RRSIG checks and signature verification, DS→DNSKEY chain of trust, and
// NSEC/NSEC3 denial-of-existence proofs. Every function returns a `Verdict`
// with a human reason and, when one applies, an RFC 8914 Extended DNS Error
// INFO-CODE. Malformed input (bad keys, truncated signatures, unknown
// algorithms) yields a bogus/insecure verdict, never an exception.
//
// Time is the lab clock's `now` in Unix seconds, handed in by the caller.
//
// SKELETON: signatures are final (see /work/briefs/contracts.md); bodies are
// being filled in.

import type { RRset } from '../rrset.ts';
import type { Name, RR, RRTypeName } from '../types.ts';

/** RFC 4035 §4.3 security states. */
export type SecurityStatus = 'secure' | 'insecure' | 'bogus' | 'indeterminate';

/** RFC 8914 INFO-CODEs the validator reports. */
export const EdeCode = {
  OTHER: 0,
  UNSUPPORTED_DNSKEY_ALGORITHM: 1,
  UNSUPPORTED_DS_DIGEST_TYPE: 2,
  DNSSEC_INDETERMINATE: 5,
  DNSSEC_BOGUS: 6,
  SIGNATURE_EXPIRED: 7,
  SIGNATURE_NOT_YET_VALID: 8,
  DNSKEY_MISSING: 9,
  RRSIGS_MISSING: 10,
  NO_ZONE_KEY_BIT_SET: 11,
  NSEC_MISSING: 12,
  /** RFC 9276 §3.2 */
  UNSUPPORTED_NSEC3_ITERATIONS: 27,
} as const;

export interface Verdict {
  status: SecurityStatus;
  reason: string;
  /** RFC 8914 INFO-CODE */
  ede?: number;
  /**
   * verifyRRset only: set when the verifying RRSIG's Labels field shows the
   * RRset was synthesized from a wildcard (RFC 4035 §5.3.4). It is the wildcard
   * owner, e.g. "*.example.jp"; its parent is the closest encloser. The caller
   * must then obtain a 'wildcard-answer' denial proving no closer match.
   */
  wildcard?: Name;
  /** verifyRRset only: TTL the validated RRset may be cached for (RFC 4035 §5.3.3). */
  ttl?: number;
  /** verifyRRset/verifyDnskeys: key tag of the key whose signature verified. */
  keyTag?: number;
}

/** Knobs shared by the validator functions; every field has an RFC default. */
export interface ValidatorOptions {
  /** DNSKEY/RRSIG algorithms treated as supported (RFC 8624 §3.1 "MUST"/"RECOMMENDED" validate). Default: 5, 7, 8, 10, 13, 14, 15, 16. */
  algorithms?: readonly number[];
  /** DS digest types treated as supported (RFC 8624 §3.3). Default: 1, 2, 4. */
  digests?: readonly number[];
  /** NSEC3 iterations above this make a denial insecure (RFC 9276 §3.2). Default 150. */
  nsec3IterationLimit?: number;
}

/** RFC 4035 §5.3: at least one RRSIG over `rrset` by `signer` verifies with one of `keys` at `now` (Unix seconds). */
export function verifyRRset(rrset: RRset, signatures: readonly RR[], keys: readonly RR[], signer: Name, now: number, options?: ValidatorOptions): Verdict {
  void rrset, signatures, keys, signer, now, options;
  return { status: 'indeterminate', reason: 'validator not implemented yet', ede: EdeCode.DNSSEC_INDETERMINATE };
}

/** RFC 4035 §5.2: authenticate a DNSKEY RRset from DS records or trust-anchor DS/DNSKEY records. */
export function verifyDnskeys(dnskeys: RRset, signatures: readonly RR[], anchors: readonly RR[], now: number, options?: ValidatorOptions): Verdict {
  void dnskeys, signatures, anchors, now, options;
  return { status: 'indeterminate', reason: 'validator not implemented yet', ede: EdeCode.DNSSEC_INDETERMINATE };
}

export type DenialKind = 'nxdomain' | 'nodata' | 'wildcard-answer' | 'wildcard-nodata' | 'no-ds';

export interface DenialOptions extends ValidatorOptions {
  /** For 'wildcard-answer': the wildcard owner from verifyRRset's verdict (e.g. "*.example.jp"). */
  wildcard?: Name;
}

/** RFC 4035 §5.4, RFC 5155 §8: check a denial from NSEC/NSEC3 records whose signatures were already verified. */
export function verifyDenial(
  kind: DenialKind,
  query: { qname: Name; qtype: RRTypeName; zone: Name },
  records: readonly RR[],
  options?: DenialOptions,
): Verdict & { optOut?: boolean; closestEncloser?: Name } {
  void kind, query, records, options;
  return { status: 'indeterminate', reason: 'validator not implemented yet', ede: EdeCode.DNSSEC_INDETERMINATE };
}

/** RFC 8198 helper: does this NSEC prove `name` does not exist (strictly inside its range, not below a delegation/DNAME at its owner)? */
export function nsecCovers(nsec: RR, name: Name): boolean {
  void nsec, name;
  return false;
}

/** RFC 8198 helper: does this NSEC3 (of `zone`) cover the hash of `name` (strictly between owner hash and next hash)? */
export function nsec3Covers(nsec3: RR, name: Name, zone: Name): boolean {
  void nsec3, name, zone;
  return false;
}

/** Evidence for one zone in a chain of trust, ordered top-down from the trust anchor's zone. */
export interface ZoneEvidence {
  /** The zone apex. */
  zone: Name;
  /** DS RRset for `zone` as served by the parent, with its RRSIGs (absent for the anchored zone). */
  ds?: { rrset: RRset; signatures: readonly RR[] };
  /** When the parent has no DS: NSEC/NSEC3 records plus their RRSIGs proving it ('no-ds' denial). */
  dsDenial?: readonly RR[];
  /** DNSKEY RRset of `zone` with its RRSIGs. */
  dnskey?: { rrset: RRset; signatures: readonly RR[] };
}

export interface ZoneVerdict extends Verdict {
  zone: Name;
  /** Validated DNSKEY records of this zone (only when status is 'secure'). */
  keys?: RR[];
}

export interface ChainResult extends Verdict {
  /** One verdict per evidence entry, same order. */
  zones: ZoneVerdict[];
  /** Validated keys of the last zone, ready for verifyRRset (only when status is 'secure'). */
  keys?: RR[];
}

/**
 * Walk a chain of trust (RFC 4035 §5): DNSKEY of the first zone from `anchors`,
 * then for each following zone its DS (signed by the parent's keys) and its
 * DNSKEY RRset (self-signed by a key a DS matches). A provable missing DS or a
 * DS set with only unsupported algorithms/digests makes that zone and all
 * below it insecure; a failure makes it and all below it bogus.
 */
export function validateChain(anchors: readonly RR[], chain: readonly ZoneEvidence[], now: number, options?: DenialOptions): ChainResult {
  void anchors, chain, now, options;
  return { status: 'indeterminate', reason: 'validator not implemented yet', ede: EdeCode.DNSSEC_INDETERMINATE, zones: [] };
}
