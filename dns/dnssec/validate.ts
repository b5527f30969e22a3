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
//   verifyRRset    one RRset against already-trusted DNSKEYs      (RFC 4035 §5.3)
//   verifyDnskeys  a DNSKEY RRset against DS / trust anchors      (RFC 4035 §5.2)
//   verifyDenial   NSEC/NSEC3 proofs from verified records        (RFC 4035 §5.4, RFC 5155 §8)
//   validateChain  trust anchor → DS → DNSKEY → … per zone        (RFC 4035 §5)

import { canonicalCompare, canonicalName, fromLabels, isSubdomain, joinName, labelCount, labels, nameEquals, normalizeName, ROOT } from '../name.ts';
import { groupRRsets, type RRset } from '../rrset.ts';
import { RRType, type DnskeyData, type DsData, type Name, type Nsec3Data, type NsecData, type RR, type RRTypeName, type RrsigData } from '../types.ts';
import { EdeCode } from '../wire/edns.ts';
import { DnskeyFlag, dsMatches, keyTag } from './algorithms.ts';
import { fromBase32hex } from '../base32hex.ts';
import { classToNumber, typeToNumber } from '../wire/types-map.ts';
import { nsec3Hash } from './nsec3-hash.ts';
import { signatureProblem } from './public-key.ts';
import { signatureInput, signedOwner } from './signed-data.ts';

/** RFC 4035 §4.3 security states. */
export type SecurityStatus = 'secure' | 'insecure' | 'bogus' | 'indeterminate';

/** RFC 8914 INFO-CODEs, the same table the wire codec encodes (one table, one name per code). */
export { EdeCode };

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
function typeNumber(t: RRTypeName | string): number {
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

function isObject(x: unknown): x is Record<string, unknown> {
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

function asNsec(rr: RR): NsecData | undefined {
  const d = rr.data as unknown;
  if (rr.type !== 'NSEC' || !isObject(d) || typeof d.nextDomain !== 'string' || !Array.isArray(d.types)) return undefined;
  return d as unknown as NsecData;
}

function asNsec3(rr: RR): Nsec3Data | undefined {
  const d = rr.data as unknown;
  if (rr.type !== 'NSEC3' || !isObject(d) || !Buffer.isBuffer(d.salt) || !Buffer.isBuffer(d.nextHashedOwner) || !Array.isArray(d.types)) return undefined;
  if (typeof d.hashAlgorithm !== 'number' || typeof d.flags !== 'number' || typeof d.iterations !== 'number') return undefined;
  return d as unknown as Nsec3Data;
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
function sameName(a: Name, b: Name): boolean {
  return a === b || nameEquals(a, b);
}

/** Longest common ancestor of two names. */
function commonAncestor(a: Name, b: Name): Name {
  const la = labels(canonicalName(a));
  const lb = labels(canonicalName(b));
  let n = 0;
  while (n < la.length && n < lb.length && la[la.length - 1 - n] === lb[lb.length - 1 - n]) n++;
  return fromLabels(la.slice(la.length - n));
}

function isStrictSubdomain(sub: Name, ancestor: Name): boolean {
  return isSubdomain(sub, ancestor) && !nameEquals(sub, ancestor);
}

function fmt(name: Name): string {
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
      failures.push({ rank: 1, reason: `${tag}: Labels field ${sig.labels} exceeds the owner's ${ownerLabels} labels (RFC 4035 §5.3.1)`, ede: EdeCode.DNSSEC_BOGUS });
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
    return { status: 'insecure', reason: `${what}: zone ${fmt(signer)} has keys only of unsupported algorithms (${algs}) (RFC 8624)`, ede: EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM };
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
  const dsAnchors = anchors.filter((a) => a.type === 'DS' && nameEquals(a.name, zone)).map(asDs).filter((d): d is DsData => d !== undefined);
  const keyAnchors = anchors.filter((a) => a.type === 'DNSKEY' && nameEquals(a.name, zone)).map(asDnskey).filter((d): d is DnskeyData => d !== undefined);
  if (dsAnchors.length === 0 && keyAnchors.length === 0) {
    return { status: 'indeterminate', reason: `${what}: no DS or trust anchor for ${fmt(zone)} was given`, ede: EdeCode.DNSSEC_INDETERMINATE };
  }
  const present = dnskeys.records.map(asDnskey).filter((d): d is DnskeyData => d !== undefined);
  const usableDs = dsAnchors.filter((d) => algorithms.has(d.algorithm) && digests.has(d.digestType));
  const usableKeyAnchors = keyAnchors.filter((k) => algorithms.has(k.algorithm));
  if (usableDs.length === 0 && usableKeyAnchors.length === 0) {
    // RFC 4035 §5.2 / RFC 6840 §5.2: nothing we can check → treat the zone as unsigned.
    const algOnly = dsAnchors.some((d) => !algorithms.has(d.algorithm)) || keyAnchors.length > 0;
    const list = [...dsAnchors.map((d) => `DS ${d.keyTag} alg ${d.algorithm} digest ${d.digestType}`), ...keyAnchors.map((k) => `DNSKEY alg ${k.algorithm}`)].join(', ');
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
      failures.push({ rank: 2, reason: `${what}: key ${safeKeyTag(t.data)} matched by ${t.via} lacks the Zone Key flag (RFC 4034 §2.1.1)`, ede: EdeCode.NO_ZONE_KEY_BIT_SET });
      continue;
    }
    const tag = safeKeyTag(t.data);
    const bySigner = signatures.filter((r) => {
      const sig = asRrsig(r);
      return sig !== undefined && sig.keyTag === tag && sig.algorithm === t.data.algorithm && typeNumber(sig.typeCovered) === RRType.DNSKEY;
    });
    if (bySigner.length === 0) {
      failures.push({ rank: 3, reason: `${what}: no RRSIG by key ${tag} (matched by ${t.via}) over the DNSKEY RRset (RFC 4035 §5.2)`, ede: EdeCode.RRSIGS_MISSING });
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
// NSEC (RFC 4035 §5.4, RFC 6840 §4.1)

interface NsecView {
  owner: Name;
  next: Name;
  types: Set<number>;
}

function nsecView(rr: RR): NsecView | undefined {
  const d = asNsec(rr);
  if (!d) return undefined;
  return { owner: rr.name, next: d.nextDomain, types: new Set(d.types.map(typeNumber)) };
}

/** Is `name` strictly inside the (owner, next) interval, wrapping at the zone's end? */
function nsecRange(v: NsecView, name: Name): boolean {
  const lo = canonicalCompare(v.owner, name);
  const hi = canonicalCompare(name, v.next);
  if (canonicalCompare(v.owner, v.next) < 0) return lo < 0 && hi < 0;
  // Last NSEC of the zone: next is the apex (or itself for a one-name zone),
  // so the span runs from the owner to the end of the zone — not beyond it
  // into names of other zones that merely sort later.
  return lo < 0 && isSubdomain(name, v.next);
}

/**
 * An NSEC at a delegation (NS without SOA) or at a DNAME owner is from the
 * parent side / a redirection and says nothing about names below it (RFC 6840 §4.1).
 */
function isAncestorDelegation(v: NsecView, name: Name): boolean {
  if (!isStrictSubdomain(name, v.owner)) return false;
  return v.types.has(RRType.DNAME) || (v.types.has(RRType.NS) && !v.types.has(RRType.SOA));
}

function cutKind(types: Set<number>): string {
  return types.has(RRType.DNAME) ? 'DNAME' : 'delegation (NS without SOA)';
}

function nsecViewCovers(v: NsecView, name: Name): boolean {
  if (!nsecRange(v, name)) return false;
  if (isAncestorDelegation(v, name)) return false;
  // A next name below `name` means `name` is an empty non-terminal: it exists.
  if (isStrictSubdomain(v.next, name)) return false;
  return true;
}

/**
 * RFC 8198 helper: does this NSEC prove `name` does not exist? True when
 * `name` lies strictly between owner and next, the NSEC is not from a
 * delegation/DNAME above `name` (RFC 6840 §4.1), and next is not below `name`
 * (which would make `name` an empty non-terminal).
 */
export function nsecCovers(nsec: RR, name: Name): boolean {
  try {
    const v = nsecView(nsec);
    return v !== undefined && nsecViewCovers(v, name);
  } catch {
    return false;
  }
}

/** Closest encloser implied by an NSEC covering qname: the longer common ancestor with owner or next. */
function nsecClosestEncloser(v: NsecView, qname: Name): Name {
  const a = commonAncestor(qname, v.owner);
  const b = commonAncestor(qname, v.next);
  return labelCount(a) >= labelCount(b) ? a : b;
}

type DenialVerdict = Verdict & { optOut?: boolean; closestEncloser?: Name };

function bogus(reason: string, ede: number = EdeCode.DNSSEC_BOGUS): DenialVerdict {
  return { status: 'bogus', reason, ede };
}

/**
 * NODATA bitmap rules shared by NSEC and NSEC3 (RFC 4035 §5.4, RFC 5155 §8.5,
 * RFC 6840 §4.1): undefined when the bitmap denies qtype, else the verdict.
 * A parent-side record at a delegation cannot deny child data; when it also
 * shows no DS the child is provably unsigned, so the answer is insecure rather
 * than bogus (as Unbound does) — only for `exact` matches of qname.
 */
function bitmapVerdict(types: Set<number>, qname: Name, qtype: RRTypeName, zone: Name, kind: string, exact: boolean): DenialVerdict | undefined {
  const qt = typeNumber(qtype);
  if (types.has(qt)) return bogus(`${kind} at ${fmt(qname)} lists ${qtype}: it exists`);
  if (types.has(RRType.CNAME)) return bogus(`${kind} at ${fmt(qname)} lists CNAME: the answer should have been the CNAME`);
  if (qt !== RRType.DS && types.has(RRType.NS) && !types.has(RRType.SOA)) {
    if (exact && !types.has(RRType.DS)) {
      return { status: 'insecure', reason: `${kind} at ${fmt(qname)} is from the parent side of an unsigned delegation: ${qtype} belongs to the insecure child zone` };
    }
    return bogus(`${kind} at ${fmt(qname)} is from the parent side of a delegation and cannot deny ${qtype} in the child (RFC 6840 §4.1)`);
  }
  if (qt === RRType.DS && types.has(RRType.SOA) && !nameEquals(qname, ROOT)) {
    return bogus(`${kind} at ${fmt(qname)} is from the child apex (SOA bit set) and cannot deny DS, which lives in ${fmt(zone)} (RFC 6840 §4.1)`);
  }
  return undefined;
}

function nsecDenial(kind: DenialKind, q: { qname: Name; qtype: RRTypeName; zone: Name }, views: NsecView[], options?: DenialOptions): DenialVerdict {
  const { qname, qtype, zone } = q;
  const matching = views.find((v) => nameEquals(v.owner, qname));
  const cover = views.find((v) => nsecViewCovers(v, qname));
  const noCover = (): DenialVerdict => {
    const ancestor = views.find((v) => nsecRange(v, qname) && isAncestorDelegation(v, qname));
    if (ancestor) return bogus(`NSEC ${fmt(ancestor.owner)} is at a ${cutKind(ancestor.types)} above ${fmt(qname)} and cannot prove names below it absent (RFC 6840 §4.1)`);
    const ent = views.find((v) => nsecRange(v, qname) && isStrictSubdomain(v.next, qname));
    if (ent) return bogus(`NSEC ${fmt(ent.owner)} -> ${fmt(ent.next)} shows ${fmt(qname)} is an empty non-terminal, so it exists`);
    return bogus(`no NSEC covers ${fmt(qname)}`, EdeCode.NSEC_MISSING);
  };
  const wildcardAbsent = (ce: Name): DenialVerdict | undefined => {
    const wc = joinName('*', ce);
    const wcMatch = views.find((v) => nameEquals(v.owner, wc));
    if (wcMatch) return bogus(`NSEC shows wildcard ${fmt(wc)} exists, so ${fmt(qname)} should have been synthesized`);
    if (!views.some((v) => nsecViewCovers(v, wc))) return bogus(`no NSEC proves wildcard ${fmt(wc)} absent`, EdeCode.NSEC_MISSING);
    return undefined;
  };
  switch (kind) {
    case 'nxdomain': {
      if (matching) return bogus(`NSEC at ${fmt(qname)} shows the name exists`);
      if (!cover) return noCover();
      const ce = nsecClosestEncloser(cover, qname);
      if (!isSubdomain(ce, zone)) return bogus(`closest encloser ${fmt(ce)} is outside zone ${fmt(zone)}`);
      const wcProblem = wildcardAbsent(ce);
      if (wcProblem) return wcProblem;
      return { status: 'secure', reason: `NXDOMAIN proven: NSEC ${fmt(cover.owner)} -> ${fmt(cover.next)} covers ${fmt(qname)}, no wildcard at ${fmt(joinName('*', ce))}`, closestEncloser: ce };
    }
    case 'nodata': {
      if (matching) {
        const problem = bitmapVerdict(matching.types, qname, qtype, zone, 'NSEC', true);
        if (problem) return problem;
        return { status: 'secure', reason: `NODATA proven: NSEC at ${fmt(qname)} has neither ${qtype} nor CNAME` };
      }
      const ent = views.find((v) => nsecRange(v, qname) && isStrictSubdomain(v.next, qname) && !isAncestorDelegation(v, qname));
      if (ent) return { status: 'secure', reason: `NODATA proven: ${fmt(qname)} is an empty non-terminal (NSEC ${fmt(ent.owner)} -> ${fmt(ent.next)})` };
      // A NOERROR/NODATA answer may equally come from a wildcard (RFC 4035 §3.1.3.4).
      if (cover) {
        const wild = nsecDenial('wildcard-nodata', q, views, options);
        if (wild.status === 'secure') return wild;
      }
      if (!cover) return bogus(`no NSEC at ${fmt(qname)} proves ${qtype} absent`, EdeCode.NSEC_MISSING);
      return bogus(`no NSEC at ${fmt(qname)} and no wildcard NODATA proof for ${qtype}`, EdeCode.NSEC_MISSING);
    }
    case 'wildcard-nodata': {
      if (matching) return bogus(`NSEC at ${fmt(qname)} shows the name exists: not a wildcard answer`);
      if (!cover) return noCover();
      const ce = nsecClosestEncloser(cover, qname);
      const wc = joinName('*', ce);
      const wcMatch = views.find((v) => nameEquals(v.owner, wc));
      if (!wcMatch) return bogus(`no NSEC at wildcard ${fmt(wc)} shows ${qtype} absent`, EdeCode.NSEC_MISSING);
      const problem = bitmapVerdict(wcMatch.types, wc, qtype, zone, 'NSEC', false);
      if (problem) return problem;
      return { status: 'secure', reason: `wildcard NODATA proven: NSEC covers ${fmt(qname)}; NSEC at ${fmt(wc)} has neither ${qtype} nor CNAME`, closestEncloser: ce };
    }
    case 'wildcard-answer': {
      if (matching) return bogus(`NSEC at ${fmt(qname)} shows the name exists: the wildcard must not have been used`);
      if (!cover) return noCover();
      const ce = nsecClosestEncloser(cover, qname);
      if (options?.wildcard !== undefined) {
        const expected = fromLabels(labels(options.wildcard).slice(1));
        if (!nameEquals(ce, expected)) return bogus(`NSEC ${fmt(cover.owner)} -> ${fmt(cover.next)} implies closest encloser ${fmt(ce)}, but the answer came from ${fmt(options.wildcard)}`);
      }
      return { status: 'secure', reason: `wildcard answer proven: NSEC ${fmt(cover.owner)} -> ${fmt(cover.next)} shows no closer match for ${fmt(qname)}`, closestEncloser: ce };
    }
    case 'no-ds': {
      if (!matching) {
        if (cover) return bogus(`NSEC shows ${fmt(qname)} does not exist at all: not a delegation`);
        return bogus(`no NSEC at ${fmt(qname)} proves the delegation has no DS`, EdeCode.NSEC_MISSING);
      }
      if (matching.types.has(RRType.DS)) return bogus(`NSEC at ${fmt(qname)} lists DS: it exists`);
      if (matching.types.has(RRType.SOA)) return bogus(`NSEC at ${fmt(qname)} is from the child apex (SOA bit set) and cannot deny DS (RFC 6840 §4.1)`);
      if (!matching.types.has(RRType.NS)) return bogus(`NSEC at ${fmt(qname)} has no NS bit: ${fmt(qname)} is not a delegation`);
      return { status: 'secure', reason: `no DS proven: NSEC at delegation ${fmt(qname)} has NS but neither DS nor SOA` };
    }
  }
}

// ---------------------------------------------------------------------------
// NSEC3 (RFC 5155 §8)

interface Nsec3View {
  ownerHash: Buffer;
  next: Buffer;
  types: Set<number>;
  optOut: boolean;
  iterations: number;
  salt: Buffer;
  owner: Name;
}

function nsec3View(rr: RR, zone: Name): Nsec3View | undefined | 'unknown-hash' {
  const d = asNsec3(rr);
  if (!d) return undefined;
  const ls = labels(rr.name);
  if (ls.length === 0 || !nameEquals(fromLabels(ls.slice(1)), zone)) return undefined;
  // RFC 5155 §8.1: unknown hash algorithms are ignored; §8.2: flags other than 0/1 are ignored.
  if (d.hashAlgorithm !== 1) return 'unknown-hash';
  if ((d.flags & 0xfe) !== 0) return undefined;
  let ownerHash: Buffer;
  try {
    ownerHash = fromBase32hex(ls[0]!);
  } catch {
    return undefined;
  }
  if (ownerHash.length !== 20 || d.nextHashedOwner.length !== 20) return undefined;
  return { ownerHash, next: d.nextHashedOwner, types: new Set(d.types.map(typeNumber)), optOut: (d.flags & 1) === 1, iterations: d.iterations, salt: d.salt, owner: rr.name };
}

class Nsec3Hasher {
  private readonly cache = new Map<string, Buffer>();
  hash(name: Name, v: Nsec3View): Buffer {
    const id = `${canonicalName(name)}|${v.iterations}|${v.salt.toString('hex')}`;
    let h = this.cache.get(id);
    if (!h) {
      h = nsec3Hash(name, v.salt, v.iterations);
      this.cache.set(id, h);
    }
    return h;
  }
  matches(v: Nsec3View, name: Name): boolean {
    return this.hash(name, v).equals(v.ownerHash);
  }
  covers(v: Nsec3View, name: Name): boolean {
    const h = this.hash(name, v);
    const lo = Buffer.compare(v.ownerHash, h);
    const hi = Buffer.compare(h, v.next);
    if (Buffer.compare(v.ownerHash, v.next) < 0) return lo < 0 && hi < 0;
    return lo < 0 || hi < 0;
  }
}

/**
 * RFC 8198 helper: does this NSEC3 of `zone` cover the hash of `name`
 * (strictly between owner hash and next hashed owner, wrapping)? False for
 * records of another zone, unknown hash algorithms, malformed data, and
 * iterations above `iterationLimit` (RFC 9276 §3.2: not worth the hashing).
 */
export function nsec3Covers(nsec3: RR, name: Name, zone: Name, iterationLimit: number = DEFAULT_NSEC3_ITERATION_LIMIT): boolean {
  try {
    const v = nsec3View(nsec3, zone);
    if (v === undefined || v === 'unknown-hash' || v.iterations > iterationLimit || !isSubdomain(name, zone)) return false;
    return new Nsec3Hasher().covers(v, name);
  } catch {
    return false;
  }
}

interface ClosestEncloserProof {
  ce: Name;
  /** qname itself matched an NSEC3. */
  exact: boolean;
  ceRecord: Nsec3View;
  nextCloser?: Name;
  ncRecord?: Nsec3View;
}

/** RFC 5155 §8.3: longest ancestor of qname with a matching NSEC3, and an NSEC3 covering the next closer name. */
function closestEncloserProof(qname: Name, zone: Name, views: Nsec3View[], hasher: Nsec3Hasher): ClosestEncloserProof | string {
  const ls = labels(qname);
  const zoneLabels = labelCount(zone);
  for (let n = ls.length; n >= zoneLabels; n--) {
    const candidate = fromLabels(ls.slice(ls.length - n));
    const ceRecord = views.find((v) => hasher.matches(v, candidate));
    if (!ceRecord) continue;
    if (n === ls.length) return { ce: candidate, exact: true, ceRecord };
    // RFC 5155 §8.3: a closest encloser with DNAME, or NS without SOA, is a
    // cut the zone is not authoritative below.
    if (ceRecord.types.has(RRType.DNAME) || (ceRecord.types.has(RRType.NS) && !ceRecord.types.has(RRType.SOA))) {
      return `NSEC3 for closest encloser ${fmt(candidate)} is at a ${cutKind(ceRecord.types)} and cannot prove names below it absent (RFC 5155 §8.3)`;
    }
    const nextCloser = fromLabels(ls.slice(ls.length - n - 1));
    const ncRecord = views.find((v) => hasher.covers(v, nextCloser));
    if (!ncRecord) return `no NSEC3 covers the next closer name ${fmt(nextCloser)} (closest encloser ${fmt(candidate)})`;
    return { ce: candidate, exact: false, ceRecord, nextCloser, ncRecord };
  }
  return `no NSEC3 matches any ancestor of ${fmt(qname)} in ${fmt(zone)}: closest encloser not proven`;
}

function nsec3Denial(kind: DenialKind, q: { qname: Name; qtype: RRTypeName; zone: Name }, views: Nsec3View[], options?: DenialOptions): DenialVerdict {
  const { qname, qtype, zone } = q;
  const hasher = new Nsec3Hasher();
  const qt = typeNumber(qtype);
  const wildcardMissing = (ce: Name): DenialVerdict | undefined => {
    const wc = joinName('*', ce);
    if (views.some((v) => hasher.matches(v, wc))) return bogus(`NSEC3 shows wildcard ${fmt(wc)} exists, so ${fmt(qname)} should have been synthesized`);
    if (!views.some((v) => hasher.covers(v, wc))) return bogus(`no NSEC3 covers wildcard ${fmt(wc)}`, EdeCode.NSEC_MISSING);
    return undefined;
  };
  switch (kind) {
    case 'nxdomain': {
      const p = closestEncloserProof(qname, zone, views, hasher);
      if (typeof p === 'string') return bogus(p, EdeCode.NSEC_MISSING);
      if (p.exact) return bogus(`NSEC3 matches ${fmt(qname)}: the name exists`);
      const w = wildcardMissing(p.ce);
      if (w) return w;
      if (p.ncRecord!.optOut) {
        // RFC 5155 §9.2: an opt-out span may hide an unsigned delegation, so the
        // name's non-existence is not authenticated.
        return { status: 'insecure', reason: `NXDOMAIN for ${fmt(qname)} only proven by an opt-out NSEC3 covering ${fmt(p.nextCloser!)}: an unsigned delegation may exist (RFC 5155 §9.2)`, optOut: true, closestEncloser: p.ce };
      }
      return { status: 'secure', reason: `NXDOMAIN proven: closest encloser ${fmt(p.ce)}, next closer ${fmt(p.nextCloser!)} covered, no wildcard`, closestEncloser: p.ce };
    }
    case 'nodata': {
      const m = views.find((v) => hasher.matches(v, qname));
      if (m) {
        const problem = bitmapVerdict(m.types, qname, qtype, zone, 'NSEC3', true);
        if (problem) return problem;
        return { status: 'secure', reason: `NODATA proven: NSEC3 matching ${fmt(qname)} has neither ${qtype} nor CNAME` };
      }
      if (qt === RRType.DS) return nsec3Denial('no-ds', q, views, options);
      const wild = nsec3Denial('wildcard-nodata', q, views, options);
      if (wild.status !== 'bogus') return wild;
      // RFC 5155 §8.5 as corrected by erratum 3441: an empty non-terminal that
      // only exists because of an unsigned delegation in an opt-out span.
      const p = closestEncloserProof(qname, zone, views, hasher);
      if (typeof p !== 'string' && !p.exact && p.ncRecord!.optOut) {
        return { status: 'insecure', reason: `NODATA for ${fmt(qname)}: next closer ${fmt(p.nextCloser!)} is in an opt-out span (RFC 5155 §8.5, erratum 3441; §9.2)`, optOut: true, closestEncloser: p.ce };
      }
      return bogus(`no NSEC3 matches ${fmt(qname)} and no wildcard NODATA proof (${wild.reason})`, EdeCode.NSEC_MISSING);
    }
    case 'wildcard-nodata': {
      const p = closestEncloserProof(qname, zone, views, hasher);
      if (typeof p === 'string') return bogus(p, EdeCode.NSEC_MISSING);
      if (p.exact) return bogus(`NSEC3 matches ${fmt(qname)}: the name exists, not a wildcard answer`);
      const wc = joinName('*', p.ce);
      const m = views.find((v) => hasher.matches(v, wc));
      if (!m) return bogus(`no NSEC3 matches wildcard ${fmt(wc)}`, EdeCode.NSEC_MISSING);
      const problem = bitmapVerdict(m.types, wc, qtype, zone, 'NSEC3', false);
      if (problem) return problem;
      if (p.ncRecord!.optOut) {
        // RFC 5155 §9.2: the next closer lies in an opt-out span; no AD.
        return { status: 'insecure', reason: `wildcard NODATA for ${fmt(qname)}: next closer ${fmt(p.nextCloser!)} is in an opt-out span (RFC 5155 §9.2)`, optOut: true, closestEncloser: p.ce };
      }
      return { status: 'secure', reason: `wildcard NODATA proven: closest encloser ${fmt(p.ce)}, NSEC3 at ${fmt(wc)} has neither ${qtype} nor CNAME`, closestEncloser: p.ce };
    }
    case 'wildcard-answer': {
      // RFC 5155 §8.8: the closest encloser comes from the RRSIG Labels field;
      // only the next closer name needs a covering NSEC3.
      const ls = labels(qname);
      const candidates: Name[] = [];
      if (options?.wildcard !== undefined) candidates.push(fromLabels(labels(options.wildcard).slice(1)));
      else for (let n = ls.length - 1; n >= labelCount(zone); n--) candidates.push(fromLabels(ls.slice(ls.length - n)));
      for (const ce of candidates) {
        if (!isStrictSubdomain(qname, ce) || !isSubdomain(ce, zone)) return bogus(`wildcard ${fmt(joinName('*', ce))} cannot have produced ${fmt(qname)}`);
        const nextCloser = fromLabels(ls.slice(ls.length - labelCount(ce) - 1));
        const nc = views.find((v) => hasher.covers(v, nextCloser));
        if (nc && nc.optOut) {
          // RFC 5155 §9.2: an opt-out span may hide an unsigned delegation at the next closer name.
          return { status: 'insecure', reason: `wildcard answer: next closer ${fmt(nextCloser)} is in an opt-out span, so a closer unsigned delegation may exist (RFC 5155 §9.2)`, closestEncloser: ce, optOut: true };
        }
        if (nc) return { status: 'secure', reason: `wildcard answer proven: NSEC3 covers next closer ${fmt(nextCloser)} under closest encloser ${fmt(ce)}`, closestEncloser: ce };
      }
      return bogus(`no NSEC3 covers the next closer name of ${fmt(qname)}: a closer match may exist`, EdeCode.NSEC_MISSING);
    }
    case 'no-ds': {
      const m = views.find((v) => hasher.matches(v, qname));
      if (m) {
        if (m.types.has(RRType.DS)) return bogus(`NSEC3 at ${fmt(qname)} lists DS: it exists`);
        if (m.types.has(RRType.SOA)) return bogus(`NSEC3 at ${fmt(qname)} is from the child apex (SOA bit set) and cannot deny DS (RFC 6840 §4.1)`);
        if (!m.types.has(RRType.NS)) return bogus(`NSEC3 at ${fmt(qname)} has no NS bit: not a delegation`);
        return { status: 'secure', reason: `no DS proven: NSEC3 at delegation ${fmt(qname)} has NS but neither DS nor SOA` };
      }
      // RFC 5155 §8.6: no match → closest encloser proof with an opt-out next closer.
      const p = closestEncloserProof(qname, zone, views, hasher);
      if (typeof p === 'string') return bogus(p, EdeCode.NSEC_MISSING);
      if (!p.ncRecord!.optOut) return bogus(`NSEC3 covering next closer ${fmt(p.nextCloser!)} has no opt-out flag: ${fmt(qname)} is not an insecure delegation (RFC 5155 §8.6)`);
      return { status: 'secure', reason: `no DS proven via opt-out NSEC3 covering ${fmt(p.nextCloser!)} (RFC 5155 §8.6)`, optOut: true, closestEncloser: p.ce };
    }
  }
}

export type DenialKind = 'nxdomain' | 'nodata' | 'wildcard-answer' | 'wildcard-nodata' | 'no-ds';

export interface DenialOptions extends ValidatorOptions {
  /** For 'wildcard-answer': the wildcard owner from verifyRRset's verdict (e.g. "*.example.jp"). */
  wildcard?: Name;
}

/**
 * RFC 4035 §5.4, RFC 5155 §8: check a denial from NSEC/NSEC3 records whose
 * signatures were already verified (see verifyRRsets). Other record types in
 * `records` (RRSIG, SOA…) are ignored, as are NSEC/NSEC3 outside `query.zone`.
 *
 * 'secure' means the denial is proven; 'bogus' that it is not. 'insecure'
 * comes from NSEC3 parameters we may not act on (iterations above the limit,
 * EDE 27; only unknown hash algorithms) or an NXDOMAIN resting on an opt-out
 * span. 'nodata' also accepts a wildcard-NODATA proof (a NOERROR/NODATA
 * response can be either); for qtype DS it also accepts an opt-out proof.
 * `optOut` is set when an opt-out NSEC3 was used; `closestEncloser` when the
 * proof established one (for 'wildcard-answer' the caller must check it is the
 * parent of verifyRRset's `wildcard`, or pass that as `options.wildcard`).
 */
export function verifyDenial(
  kind: DenialKind,
  query: { qname: Name; qtype: RRTypeName; zone: Name },
  records: readonly RR[],
  options?: DenialOptions,
): DenialVerdict {
  try {
    return verifyDenialUnsafe(kind, query, records, options);
  } catch (e) {
    return bogus(`${kind} proof for ${fmt(query.qname)} ${query.qtype}: malformed denial records: ${(e as Error).message}`);
  }
}

function verifyDenialUnsafe(kind: DenialKind, query: { qname: Name; qtype: RRTypeName; zone: Name }, records: readonly RR[], options?: DenialOptions): DenialVerdict {
  const prefix = `${kind} ${fmt(query.qname)} ${query.qtype}: `;
  if (!isSubdomain(query.qname, query.zone)) return bogus(`${prefix}${fmt(query.qname)} is not in zone ${fmt(query.zone)}`);
  const nsecs = records
    .filter((r) => r.type === 'NSEC' && isSubdomain(r.name, query.zone))
    .map(nsecView)
    .filter((v): v is NsecView => v !== undefined && isSubdomain(v.next, query.zone));
  let unknownHash = false;
  const nsec3s: Nsec3View[] = [];
  for (const r of records) {
    if (r.type !== 'NSEC3') continue;
    const v = nsec3View(r, query.zone);
    if (v === 'unknown-hash') unknownHash = true;
    else if (v) nsec3s.push(v);
  }
  let nsecResult: DenialVerdict | undefined;
  if (nsecs.length > 0) {
    nsecResult = nsecDenial(kind, query, nsecs, options);
    if (nsecResult.status === 'secure' || nsec3s.length === 0) return { ...nsecResult, reason: prefix + nsecResult.reason };
  }
  if (nsec3s.length === 0) {
    if (unknownHash) return { status: 'insecure', reason: `${prefix}only NSEC3 records with unknown hash algorithms (RFC 5155 §8.1)` };
    return bogus(`${prefix}no NSEC or NSEC3 records of zone ${fmt(query.zone)}`, EdeCode.NSEC_MISSING);
  }
  const limit = options?.nsec3IterationLimit ?? DEFAULT_NSEC3_ITERATION_LIMIT;
  const tooMany = nsec3s.find((v) => v.iterations > limit);
  if (tooMany) {
    // RFC 9276 §3.2: refuse the work, treat the answer as unsigned.
    return { status: 'insecure', reason: `${prefix}NSEC3 ${fmt(tooMany.owner)} uses ${tooMany.iterations} iterations, above the limit ${limit} (RFC 9276 §3.2)`, ede: EdeCode.UNSUPPORTED_NSEC3_ITERATIONS_VALUE };
  }
  const r = nsec3Denial(kind, query, nsec3s, options);
  return { ...r, reason: prefix + r.reason };
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

// ---------------------------------------------------------------------------
// Chain of trust

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
 * Walk a chain of trust (RFC 4035 §5): DNSKEY of the first zone from `anchors`
 * (DS or DNSKEY records owned by that zone), then for each following zone its
 * DS (signed by the parent's keys) and its DNSKEY RRset (self-signed by a key a
 * DS matches). A proven missing DS (dsDenial), or a DS set with only
 * unsupported algorithms/digests, makes that zone and all below it insecure; a
 * failure makes it and all below it bogus. Each entry's zone must lie below the
 * previous one (entries need not be adjacent labels, only real zone cuts).
 */
export function validateChain(anchors: readonly RR[], chain: readonly ZoneEvidence[], now: number, options?: DenialOptions): ChainResult {
  const zones: ZoneVerdict[] = [];
  let keys: RR[] | undefined;
  let stop: ZoneVerdict | undefined;
  for (let i = 0; i < chain.length; i++) {
    const ev = chain[i]!;
    if (stop) {
      zones.push({ zone: ev.zone, status: stop.status, reason: `below ${fmt(stop.zone)}, which is ${stop.status}`, ...(stop.ede !== undefined ? { ede: stop.ede } : {}) });
      continue;
    }
    let v: ZoneVerdict;
    try {
      v = chainStep(anchors, chain, i, keys, now, options);
    } catch (e) {
      v = { zone: ev.zone, status: 'bogus', reason: `${fmt(ev.zone)}: malformed chain evidence: ${(e as Error).message}`, ede: EdeCode.DNSSEC_BOGUS };
    }
    zones.push(v);
    if (v.status === 'secure') keys = v.keys;
    else stop = v;
  }
  const last = zones[zones.length - 1];
  if (!last) return { status: 'indeterminate', reason: 'empty chain', ede: EdeCode.DNSSEC_INDETERMINATE, zones };
  const result: ChainResult = { status: last.status, reason: last.reason, zones };
  if (last.ede !== undefined) result.ede = last.ede;
  if (last.status === 'secure' && keys) result.keys = keys;
  return result;
}

function chainStep(anchors: readonly RR[], chain: readonly ZoneEvidence[], i: number, parentKeys: RR[] | undefined, now: number, options?: DenialOptions): ZoneVerdict {
  const ev = chain[i]!;
  const zone = ev.zone;
  const keysVerdict = (dsOrAnchors: readonly RR[]): ZoneVerdict => {
    // A missing DNSKEY RRset is bogus, unless the DS set has only unsupported
    // algorithms/digests (then the zone is insecure): verifyDnskeys decides.
    const dnskey = ev.dnskey ?? { rrset: { name: zone, type: 'DNSKEY' as const, class: 'IN' as const, ttl: 0, records: [] }, signatures: [] };
    if (!nameEquals(dnskey.rrset.name, zone) || dnskey.rrset.type !== 'DNSKEY') {
      return { zone, status: 'bogus', reason: `${fmt(zone)}: the DNSKEY evidence is ${fmt(dnskey.rrset.name)} ${dnskey.rrset.type}, not the zone's DNSKEY RRset`, ede: EdeCode.DNSKEY_MISSING };
    }
    const v = verifyDnskeys(dnskey.rrset, dnskey.signatures, dsOrAnchors, now, options);
    return v.status === 'secure' ? { ...v, zone, keys: [...dnskey.rrset.records] } : { ...v, zone };
  };
  if (i === 0) {
    const own = anchors.filter((a) => nameEquals(a.name, zone) && (a.type === 'DS' || a.type === 'DNSKEY'));
    if (own.length === 0) return { zone, status: 'indeterminate', reason: `no trust anchor for ${fmt(zone)}`, ede: EdeCode.DNSSEC_INDETERMINATE };
    return keysVerdict(own);
  }
  const parent = chain[i - 1]!.zone;
  if (!isStrictSubdomain(zone, parent)) return { zone, status: 'bogus', reason: `chain out of order: ${fmt(zone)} is not below ${fmt(parent)}`, ede: EdeCode.DNSSEC_BOGUS };
  const pk = parentKeys ?? [];
  if (ev.ds && ev.ds.rrset.records.length > 0) {
    if (!nameEquals(ev.ds.rrset.name, zone) || ev.ds.rrset.type !== 'DS') {
      return { zone, status: 'bogus', reason: `${fmt(zone)}: the DS evidence is ${fmt(ev.ds.rrset.name)} ${ev.ds.rrset.type}, not the zone's DS RRset`, ede: EdeCode.DNSSEC_BOGUS };
    }
    const dsv = verifyRRset(ev.ds.rrset, ev.ds.signatures, pk, parent, now, options);
    if (dsv.status !== 'secure') return { ...dsv, zone, reason: `DS for ${fmt(zone)} from ${fmt(parent)}: ${dsv.reason}` };
    return keysVerdict(ev.ds.rrset.records);
  }
  if (ev.dsDenial && ev.dsDenial.length > 0) {
    const checked = verifyRRsets(ev.dsDenial, pk, parent, now, options);
    const proofRecords = checked.secure.filter((r) => r.type === 'NSEC' || r.type === 'NSEC3');
    if (proofRecords.length === 0) {
      return { zone, status: checked.status === 'insecure' ? 'insecure' : 'bogus', reason: `no verified NSEC/NSEC3 denying DS for ${fmt(zone)}: ${checked.reason}`, ede: checked.ede ?? EdeCode.NSEC_MISSING };
    }
    const d = verifyDenial('no-ds', { qname: zone, qtype: 'DS', zone: parent }, proofRecords, options);
    if (d.status === 'secure') return { zone, status: 'insecure', reason: `${fmt(parent)} proves ${fmt(zone)} has no DS: ${d.reason}` };
    return { ...d, zone };
  }
  return { zone, status: 'bogus', reason: `${fmt(zone)}: neither a DS RRset nor a proof of its absence from ${fmt(parent)}`, ede: EdeCode.NSEC_MISSING };
}
