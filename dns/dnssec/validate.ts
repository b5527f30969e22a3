// DNSSEC validation (RFC 4033–4035, RFC 5155 §8, RFC 6840, RFC 8624, RFC 9276):
// RRSIG checks and signature verification, DS→DNSKEY chain of trust, and
// NSEC/NSEC3 denial-of-existence proofs. Every function returns a `Verdict`
// with a human reason and, when one applies, an RFC 8914 Extended DNS Error
// INFO-CODE. Malformed input (bad keys, truncated signatures, unknown
// algorithms, garbage RDATA shapes) yields a bogus/insecure verdict, never an
// exception.
//
// Time is the lab clock's `now` in Unix seconds, handed in by the caller; the
// RRSIG validity window is compared with RFC 1982 serial arithmetic (RFC 4034
// §3.1.5), so signatures keep working across the 2106 wrap.
//
// The functions are layered the way a resolver uses them:
//   verifyRRset    one RRset against already-trusted DNSKEYs      (RFC 4035 §5.3)   this file
//   verifyDnskeys  a DNSKEY RRset against DS / trust anchors      (RFC 4035 §5.2)   this file
//   verifyDenial   NSEC/NSEC3 proofs from verified records        (RFC 4035 §5.4, RFC 5155 §8)   denial.ts
//   validateChain  trust anchor → DS → DNSKEY → … per zone        (RFC 4035 §5)     chain.ts

import { isSubdomain, labels, nameEquals, normalizeName, ROOT } from '../name.ts';
import { groupRRsets, type RRset } from '../rrset.ts';
import { RRType, type DnskeyData, type DsData, type Name, type RR, type RRTypeName, type RrsigData } from '../types.ts';
import { EdeCode } from '../wire/edns.ts';
import { DnskeyFlag, dsMatches, keyTag } from './algorithms.ts';
import { classToNumber, typeToNumber } from '../wire/types-map.ts';
import { signatureProblem } from './public-key.ts';
import { signatureInput, signedOwner } from './signed-data.ts';

/** RFC 4035 §4.3 security states. */
export type SecurityStatus = 'secure' | 'insecure' | 'bogus' | 'indeterminate';

export interface Verdict {
  status: SecurityStatus;
  reason: string;
  /** RFC 8914 INFO-CODE */
  ede?: number;
  /**
   * verifyRRset only: set when the verifying RRSIG's Labels field shows the
   * RRset was synthesized from a wildcard (RFC 4035 §5.3.4). It is the wildcard
   * owner, e.g. "*.example.jp"; its parent is the closest encloser. The caller
   * must then obtain a 'wildcard-answer' denial proving no closer match, and
   * pass this value as `options.wildcard` to verifyDenial.
   */
  wildcard?: Name;
  /** verifyRRset only: TTL the validated RRset may be cached for (RFC 4035 §5.3.3). */
  ttl?: number;
  /** verifyRRset/verifyDnskeys: key tag of the key whose signature verified. */
  keyTag?: number;
}

/** Knobs shared by the validator functions; every field has an RFC default. */
export interface ValidatorOptions {
  /**
   * DNSKEY/RRSIG algorithms treated as supported. Default: 5, 7, 8, 10, 13,
   * 14, 15, 16 — RFC 8624 §3.1 lists 1, 3, 6, 12 as MUST NOT validate, so they
   * are unsupported (→ insecure, not bogus).
   */
  algorithms?: readonly number[];
  /** DS digest types treated as supported (RFC 8624 §3.3: 1 and 2 MUST, 4 RECOMMENDED; 3 MAY). Default: 1, 2, 4. */
  digests?: readonly number[];
  /** NSEC3 iterations above this make a denial insecure (RFC 9276 §3.2). Default 150. */
  nsec3IterationLimit?: number;
}

export const DEFAULT_ALGORITHMS: readonly number[] = [5, 7, 8, 10, 13, 14, 15, 16];
export const DEFAULT_DIGESTS: readonly number[] = [1, 2, 4];
export const DEFAULT_NSEC3_ITERATION_LIMIT = 150;

const DEFAULT_ALGORITHM_SET: ReadonlySet<number> = new Set(DEFAULT_ALGORITHMS);

function supportedAlgorithms(options?: ValidatorOptions): ReadonlySet<number> {
  return options?.algorithms ? new Set(options.algorithms) : DEFAULT_ALGORITHM_SET;
}

// ---------------------------------------------------------------------------
// Small helpers

/** The type's number, or -1 for a name that is no type (malformed RDATA must not throw here). */
export function typeNumber(t: RRTypeName | string): number {
  try {
    return typeToNumber(t as RRTypeName);
  } catch {
    return -1;
  }
}

/** RFC 1982 serial-number comparison on 32-bit values: is a < b? */
function serialLt(a: number, b: number): boolean {
  const x = a >>> 0;
  const y = b >>> 0;
  return x !== y && ((x < y && y - x < 0x80000000) || (x > y && x - y > 0x80000000));
}

/** Seconds from `now` to serial time `t` (negative when t is in the past), within ±2^31. */
function serialDiff(t: number, now: number): number {
  return ((t >>> 0) - (now >>> 0)) | 0;
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function asRrsig(rr: RR): RrsigData | undefined {
  const d = rr.data as unknown;
  if (rr.type !== 'RRSIG' || !isObject(d)) return undefined;
  if (typeof d.typeCovered !== 'string' || typeof d.signersName !== 'string' || !Buffer.isBuffer(d.signature)) return undefined;
  for (const k of ['algorithm', 'labels', 'originalTTL', 'expiration', 'inception', 'keyTag'] as const) if (typeof d[k] !== 'number') return undefined;
  return d as unknown as RrsigData;
}

function asDnskey(rr: RR): DnskeyData | undefined {
  const d = rr.data as unknown;
  if (rr.type !== 'DNSKEY' || !isObject(d) || !Buffer.isBuffer(d.key)) return undefined;
  if (typeof d.flags !== 'number' || typeof d.protocol !== 'number' || typeof d.algorithm !== 'number') return undefined;
  return d as unknown as DnskeyData;
}

function asDs(rr: RR): DsData | undefined {
  const d = rr.data as unknown;
  if (rr.type !== 'DS' || !isObject(d) || !Buffer.isBuffer(d.digest)) return undefined;
  if (typeof d.keyTag !== 'number' || typeof d.algorithm !== 'number' || typeof d.digestType !== 'number') return undefined;
  return d as unknown as DsData;
}

const KEY_TAGS = new WeakMap<DnskeyData, number>();

function safeKeyTag(k: DnskeyData): number {
  let tag = KEY_TAGS.get(k);
  if (tag === undefined) {
    try {
      tag = keyTag(k);
    } catch {
      tag = -1;
    }
    KEY_TAGS.set(k, tag);
  }
  return tag;
}

/** Names are usually spelled identically; skip the canonical comparison then. */
export function sameName(a: Name, b: Name): boolean {
  return a === b || nameEquals(a, b);
}

export function isStrictSubdomain(sub: Name, ancestor: Name): boolean {
  return isSubdomain(sub, ancestor) && !nameEquals(sub, ancestor);
}

export function fmt(name: Name): string {
  const n = normalizeName(name);
  return n === ROOT ? '.' : `${n}.`;
}

// ---------------------------------------------------------------------------
// RRSIG checks (RFC 4035 §5.3)

interface Failure {
  rank: number;
  reason: string;
  ede: number;
}

function worst(failures: readonly Failure[]): Failure | undefined {
  let best: Failure | undefined;
  for (const f of failures) if (!best || f.rank > best.rank) best = f;
  return best;
}

function usableZoneKeys(keys: readonly RR[], signer: Name): { rr: RR; data: DnskeyData; tag: number }[] {
  const out: { rr: RR; data: DnskeyData; tag: number }[] = [];
  for (const rr of keys) {
    const data = asDnskey(rr);
    if (!data || !sameName(rr.name, signer)) continue;
    // RFC 4034 §2.1.1: without the Zone Key bit the key must not verify RRSIGs;
    // RFC 4034 §2.1.2: protocol must be 3; RFC 5011 §2.1: revoked keys are not used.
    if ((data.flags & DnskeyFlag.ZONE) === 0 || data.protocol !== 3 || (data.flags & DnskeyFlag.REVOKE) !== 0) continue;
    out.push({ rr, data, tag: safeKeyTag(data) });
  }
  return out;
}

/** RFC 4035 §5.3: at least one RRSIG over `rrset` by `signer` verifies with one of `keys` at `now` (Unix seconds). */
export function verifyRRset(rrset: RRset, signatures: readonly RR[], keys: readonly RR[], signer: Name, now: number, options?: ValidatorOptions): Verdict {
  try {
    return verifyRRsetUnsafe(rrset, signatures, keys, signer, now, options);
  } catch (e) {
    return { status: 'bogus', reason: `${fmt(rrset.name)} ${rrset.type}: cannot validate malformed data: ${(e as Error).message}`, ede: EdeCode.DNSSEC_BOGUS };
  }
}

function verifyRRsetUnsafe(rrset: RRset, signatures: readonly RR[], keys: readonly RR[], signer: Name, now: number, options?: ValidatorOptions): Verdict {
  const what = `${fmt(rrset.name)} ${rrset.type}`;
  const algorithms = supportedAlgorithms(options);
  const covering: { rr: RR; sig: RrsigData }[] = [];
  for (const rr of signatures) {
    const sig = asRrsig(rr);
    if (sig && typeNumber(sig.typeCovered) === typeNumber(rrset.type) && sameName(rr.name, rrset.name)) covering.push({ rr, sig });
  }
  if (covering.length === 0) return { status: 'bogus', reason: `${what}: no RRSIG covers it (RFC 4035 §5.3)`, ede: EdeCode.RRSIGS_MISSING };
  if (rrset.records.length === 0) return { status: 'bogus', reason: `${what}: the RRset is empty`, ede: EdeCode.DNSSEC_BOGUS };

  const zoneKeys = usableZoneKeys(keys, signer);
  const failures: Failure[] = [];
  const ls = labels(rrset.name);
  const ownerLabels = ls[0] === '*' ? ls.length - 1 : ls.length;
  const inZone = isSubdomain(rrset.name, signer);
  const nowSerial = now >>> 0;
  for (const { rr, sig } of covering) {
    const tag = `RRSIG(${what}) alg ${sig.algorithm} tag ${sig.keyTag}`;
    // RFC 4035 §5.3.1 checks, in order.
    if (rr.class !== rrset.class && classToNumber(rr.class) !== classToNumber(rrset.class)) {
      failures.push({ rank: 1, reason: `${tag}: class ${rr.class} differs from the RRset's ${rrset.class}`, ede: EdeCode.RRSIGS_MISSING });
      continue;
    }
    if (!sameName(sig.signersName, signer)) {
      failures.push({ rank: 1, reason: `${tag}: signer ${fmt(sig.signersName)} is not the zone ${fmt(signer)}`, ede: EdeCode.RRSIGS_MISSING });
      continue;
    }
    if (!inZone) {
      failures.push({ rank: 1, reason: `${tag}: owner is outside the signer's zone ${fmt(signer)}`, ede: EdeCode.DNSSEC_BOGUS });
      continue;
    }
    if (sig.labels > ownerLabels) {
      failures.push({
        rank: 1,
        reason: `${tag}: Labels field ${sig.labels} exceeds the owner's ${ownerLabels} labels (RFC 4035 §5.3.1)`,
        ede: EdeCode.DNSSEC_BOGUS,
      });
      continue;
    }
    if (!algorithms.has(sig.algorithm)) {
      failures.push({ rank: 0, reason: `${tag}: algorithm ${sig.algorithm} is not supported (RFC 8624)`, ede: EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM });
      continue;
    }
    const candidates = zoneKeys.filter((k) => k.data.algorithm === sig.algorithm && k.tag === sig.keyTag);
    if (candidates.length === 0) {
      failures.push({ rank: 2, reason: `${tag}: no zone DNSKEY of ${fmt(signer)} with that algorithm and key tag`, ede: EdeCode.DNSKEY_MISSING });
      continue;
    }
    if (serialLt(sig.expiration, nowSerial)) {
      failures.push({ rank: 5, reason: `${tag}: signature expired at ${sig.expiration} (now ${now})`, ede: EdeCode.SIGNATURE_EXPIRED });
      continue;
    }
    if (serialLt(nowSerial, sig.inception)) {
      failures.push({ rank: 5, reason: `${tag}: signature not valid until ${sig.inception} (now ${now})`, ede: EdeCode.SIGNATURE_NOT_YET_VALID });
      continue;
    }
    // RFC 4035 §5.3.2: rebuild the wildcard owner when Labels < owner labels.
    const expanded = sig.labels < ownerLabels;
    const owner = expanded ? signedOwner(rrset.name, sig.labels) : rrset.name;
    const data = signatureInput(rrset, sig);
    for (const key of candidates) {
      const problem = signatureProblem(sig.algorithm, key.data, data, sig.signature);
      if (problem === undefined) {
        const ttl = Math.max(0, Math.min(rrset.ttl, sig.originalTTL, serialDiff(sig.expiration, nowSerial)));
        const verdict: Verdict = { status: 'secure', reason: `${what} verified by ${tag}`, ttl, keyTag: key.tag };
        if (expanded) verdict.wildcard = owner;
        return verdict;
      }
      failures.push({ rank: problem.startsWith('DNSKEY') ? 3 : 4, reason: `${tag}: ${problem}`, ede: EdeCode.DNSSEC_BOGUS });
    }
  }
  // RFC 6840 §5.2 / RFC 4035 §5.2: only when the zone has no key of a supported
  // algorithm is an unverifiable RRset insecure; otherwise an attacker could
  // downgrade by swapping in signatures of an unknown algorithm.
  if (zoneKeys.length > 0 && !zoneKeys.some((k) => algorithms.has(k.data.algorithm))) {
    const algs = [...new Set(zoneKeys.map((k) => k.data.algorithm))].join(', ');
    return {
      status: 'insecure',
      reason: `${what}: zone ${fmt(signer)} has keys only of unsupported algorithms (${algs}) (RFC 8624)`,
      ede: EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM,
    };
  }
  const f = worst(failures)!;
  if (f.rank === 0) return { status: 'bogus', reason: `${what}: no RRSIG of a supported algorithm; ${f.reason}`, ede: EdeCode.RRSIGS_MISSING };
  return { status: 'bogus', reason: f.reason, ede: f.ede };
}

// ---------------------------------------------------------------------------
// DNSKEY RRset from DS / trust anchors (RFC 4035 §5.2)

/** RFC 4035 §5.2: authenticate a DNSKEY RRset from DS records or trust-anchor DS/DNSKEY records. */
export function verifyDnskeys(dnskeys: RRset, signatures: readonly RR[], anchors: readonly RR[], now: number, options?: ValidatorOptions): Verdict {
  try {
    return verifyDnskeysUnsafe(dnskeys, signatures, anchors, now, options);
  } catch (e) {
    return { status: 'bogus', reason: `${fmt(dnskeys.name)} DNSKEY: cannot validate malformed data: ${(e as Error).message}`, ede: EdeCode.DNSSEC_BOGUS };
  }
}

function verifyDnskeysUnsafe(dnskeys: RRset, signatures: readonly RR[], anchors: readonly RR[], now: number, options?: ValidatorOptions): Verdict {
  const zone = dnskeys.name;
  const what = `${fmt(zone)} DNSKEY`;
  const algorithms = supportedAlgorithms(options);
  const digests = new Set(options?.digests ?? DEFAULT_DIGESTS);
  const dsAnchors = anchors
    .filter((a) => a.type === 'DS' && nameEquals(a.name, zone))
    .map(asDs)
    .filter((d): d is DsData => d !== undefined);
  const keyAnchors = anchors
    .filter((a) => a.type === 'DNSKEY' && nameEquals(a.name, zone))
    .map(asDnskey)
    .filter((d): d is DnskeyData => d !== undefined);
  if (dsAnchors.length === 0 && keyAnchors.length === 0) {
    return { status: 'indeterminate', reason: `${what}: no DS or trust anchor for ${fmt(zone)} was given`, ede: EdeCode.DNSSEC_INDETERMINATE };
  }
  const present = dnskeys.records.map(asDnskey).filter((d): d is DnskeyData => d !== undefined);
  const usableDs = dsAnchors.filter((d) => algorithms.has(d.algorithm) && digests.has(d.digestType));
  const usableKeyAnchors = keyAnchors.filter((k) => algorithms.has(k.algorithm));
  if (usableDs.length === 0 && usableKeyAnchors.length === 0) {
    // RFC 4035 §5.2 / RFC 6840 §5.2: nothing we can check → treat the zone as unsigned.
    const algOnly = dsAnchors.some((d) => !algorithms.has(d.algorithm)) || keyAnchors.length > 0;
    const list = [
      ...dsAnchors.map((d) => `DS ${d.keyTag} alg ${d.algorithm} digest ${d.digestType}`),
      ...keyAnchors.map((k) => `DNSKEY alg ${k.algorithm}`),
    ].join(', ');
    return {
      status: 'insecure',
      reason: `${what}: every DS/anchor uses an unsupported ${algOnly ? 'algorithm' : 'digest type'} (${list}) (RFC 8624)`,
      ede: algOnly ? EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM : EdeCode.UNSUPPORTED_DS_DIGEST_TYPE,
    };
  }
  if (present.length === 0) return { status: 'bogus', reason: `${what}: the DNSKEY RRset is missing or empty`, ede: EdeCode.DNSKEY_MISSING };
  // RFC 4509 §3: ignore SHA-1 DS records when SHA-256 ones are present.
  const preferred = usableDs.some((d) => d.digestType === 2) ? usableDs.filter((d) => d.digestType !== 1) : usableDs;

  const trusted: { data: DnskeyData; via: string }[] = [];
  for (const ds of preferred) {
    for (const k of present) {
      if (dsMatches(zone, ds, k)) trusted.push({ data: k, via: `DS ${ds.keyTag}/${ds.algorithm}/${ds.digestType}` });
    }
  }
  for (const a of usableKeyAnchors) {
    for (const k of present) if (k.algorithm === a.algorithm && k.key.equals(a.key)) trusted.push({ data: k, via: `trust-anchor DNSKEY ${safeKeyTag(a)}` });
  }
  if (trusted.length === 0) {
    const want = [...preferred.map((d) => `${d.keyTag}/alg ${d.algorithm}`), ...usableKeyAnchors.map((k) => `${safeKeyTag(k)}/alg ${k.algorithm}`)].join(', ');
    const have = present.map((k) => `${safeKeyTag(k)}/alg ${k.algorithm}`).join(', ');
    return { status: 'bogus', reason: `${what}: no DNSKEY matches a DS or trust anchor (want ${want}; have ${have})`, ede: EdeCode.DNSKEY_MISSING };
  }
  const failures: Failure[] = [];
  for (const t of trusted) {
    if ((t.data.flags & DnskeyFlag.ZONE) === 0) {
      failures.push({
        rank: 2,
        reason: `${what}: key ${safeKeyTag(t.data)} matched by ${t.via} lacks the Zone Key flag (RFC 4034 §2.1.1)`,
        ede: EdeCode.NO_ZONE_KEY_BIT_SET,
      });
      continue;
    }
    const tag = safeKeyTag(t.data);
    const bySigner = signatures.filter((r) => {
      const sig = asRrsig(r);
      return sig !== undefined && sig.keyTag === tag && sig.algorithm === t.data.algorithm && typeNumber(sig.typeCovered) === RRType.DNSKEY;
    });
    if (bySigner.length === 0) {
      failures.push({
        rank: 3,
        reason: `${what}: no RRSIG by key ${tag} (matched by ${t.via}) over the DNSKEY RRset (RFC 4035 §5.2)`,
        ede: EdeCode.RRSIGS_MISSING,
      });
      continue;
    }
    const keyRR: RR = { name: zone, type: 'DNSKEY', class: dnskeys.class, ttl: dnskeys.ttl, data: t.data };
    const v = verifyRRsetUnsafe(dnskeys, bySigner, [keyRR], zone, now, options);
    if (v.status === 'secure') return { ...v, reason: `${what} self-signed by key ${v.keyTag ?? '?'} matched by ${t.via}` };
    const rank = v.ede === EdeCode.SIGNATURE_EXPIRED || v.ede === EdeCode.SIGNATURE_NOT_YET_VALID ? 5 : v.ede === EdeCode.DNSSEC_BOGUS ? 4 : 3;
    failures.push({ rank, reason: `${v.reason} (key ${safeKeyTag(t.data)} matched by ${t.via})`, ede: v.ede ?? EdeCode.DNSSEC_BOGUS });
  }
  const f = worst(failures)!;
  return { status: 'bogus', reason: f.reason, ede: f.ede };
}

// ---------------------------------------------------------------------------
// Convenience for resolvers: verify every RRset in a section

export interface RRsetsResult extends Verdict {
  /** Records (non-RRSIG) whose RRsets verified secure. */
  secure: RR[];
  /** Verdict per RRset, in first-seen order. */
  rrsets: { rrset: RRset; verdict: Verdict }[];
}

/**
 * Verify every non-RRSIG RRset in `records` (RRSIGs taken from the same list)
 * against `keys` of `signer`. Status is the worst of the per-RRset verdicts
 * (bogus > indeterminate > insecure > secure); useful for checking the
 * NSEC/NSEC3 records of a negative answer before verifyDenial.
 */
export function verifyRRsets(records: readonly RR[], keys: readonly RR[], signer: Name, now: number, options?: ValidatorOptions): RRsetsResult {
  const sigs = records.filter((r) => r.type === 'RRSIG');
  const sets = groupRRsets(records.filter((r) => r.type !== 'RRSIG'));
  const out: RRsetsResult = { status: 'secure', reason: 'all RRsets verified', secure: [], rrsets: [] };
  const order: Record<SecurityStatus, number> = { secure: 0, insecure: 1, indeterminate: 2, bogus: 3 };
  if (sets.length === 0) return { ...out, status: 'bogus', reason: 'no records to verify', ede: EdeCode.NSEC_MISSING };
  for (const rrset of sets) {
    const verdict = verifyRRset(rrset, sigs, keys, signer, now, options);
    out.rrsets.push({ rrset, verdict });
    if (verdict.status === 'secure') out.secure.push(...rrset.records);
    if (order[verdict.status] > order[out.status]) {
      out.status = verdict.status;
      out.reason = verdict.reason;
      if (verdict.ede !== undefined) out.ede = verdict.ede;
      else delete out.ede;
    }
  }
  return out;
}
