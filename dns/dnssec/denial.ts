// DNSSEC denial of existence (RFC 4035 §5.4, RFC 5155 §8, RFC 6840 §4.1,
// RFC 9276): NSEC and NSEC3 proofs from records whose signatures were already
// verified (dns/dnssec/validate.ts), and the RFC 8198 covering helpers.
// Malformed records give a bogus verdict, never an exception.

import { canonicalCompare, canonicalName, fromLabels, isSubdomain, joinName, labelCount, labels, nameEquals, ROOT } from '../name.ts';
import { RRType, type Name, type Nsec3Data, type NsecData, type RR, type RRTypeName } from '../types.ts';
import { EdeCode } from '../wire/edns.ts';
import { fromBase32hex } from '../base32hex.ts';
import { nsec3Hash } from './nsec3-hash.ts';
import { DEFAULT_NSEC3_ITERATION_LIMIT, fmt, isObject, isStrictSubdomain, typeNumber, type ValidatorOptions, type Verdict } from './validate.ts';

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

/** Longest common ancestor of two names. */
function commonAncestor(a: Name, b: Name): Name {
  const la = labels(canonicalName(a));
  const lb = labels(canonicalName(b));
  let n = 0;
  while (n < la.length && n < lb.length && la[la.length - 1 - n] === lb[lb.length - 1 - n]) n++;
  return fromLabels(la.slice(la.length - n));
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
      return {
        status: 'insecure',
        reason: `${kind} at ${fmt(qname)} is from the parent side of an unsigned delegation: ${qtype} belongs to the insecure child zone`,
      };
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
    if (ancestor)
      return bogus(`NSEC ${fmt(ancestor.owner)} is at a ${cutKind(ancestor.types)} above ${fmt(qname)} and cannot prove names below it absent (RFC 6840 §4.1)`);
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
      return {
        status: 'secure',
        reason: `NXDOMAIN proven: NSEC ${fmt(cover.owner)} -> ${fmt(cover.next)} covers ${fmt(qname)}, no wildcard at ${fmt(joinName('*', ce))}`,
        closestEncloser: ce,
      };
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
      return {
        status: 'secure',
        reason: `wildcard NODATA proven: NSEC covers ${fmt(qname)}; NSEC at ${fmt(wc)} has neither ${qtype} nor CNAME`,
        closestEncloser: ce,
      };
    }
    case 'wildcard-answer': {
      if (matching) return bogus(`NSEC at ${fmt(qname)} shows the name exists: the wildcard must not have been used`);
      if (!cover) return noCover();
      const ce = nsecClosestEncloser(cover, qname);
      if (options?.wildcard !== undefined) {
        const expected = fromLabels(labels(options.wildcard).slice(1));
        if (!nameEquals(ce, expected))
          return bogus(`NSEC ${fmt(cover.owner)} -> ${fmt(cover.next)} implies closest encloser ${fmt(ce)}, but the answer came from ${fmt(options.wildcard)}`);
      }
      return {
        status: 'secure',
        reason: `wildcard answer proven: NSEC ${fmt(cover.owner)} -> ${fmt(cover.next)} shows no closer match for ${fmt(qname)}`,
        closestEncloser: ce,
      };
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
  return {
    ownerHash,
    next: d.nextHashedOwner,
    types: new Set(d.types.map(typeNumber)),
    optOut: (d.flags & 1) === 1,
    iterations: d.iterations,
    salt: d.salt,
    owner: rr.name,
  };
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
        return {
          status: 'insecure',
          reason: `NXDOMAIN for ${fmt(qname)} only proven by an opt-out NSEC3 covering ${fmt(p.nextCloser!)}: an unsigned delegation may exist (RFC 5155 §9.2)`,
          optOut: true,
          closestEncloser: p.ce,
        };
      }
      return {
        status: 'secure',
        reason: `NXDOMAIN proven: closest encloser ${fmt(p.ce)}, next closer ${fmt(p.nextCloser!)} covered, no wildcard`,
        closestEncloser: p.ce,
      };
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
        return {
          status: 'insecure',
          reason: `NODATA for ${fmt(qname)}: next closer ${fmt(p.nextCloser!)} is in an opt-out span (RFC 5155 §8.5, erratum 3441; §9.2)`,
          optOut: true,
          closestEncloser: p.ce,
        };
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
        return {
          status: 'insecure',
          reason: `wildcard NODATA for ${fmt(qname)}: next closer ${fmt(p.nextCloser!)} is in an opt-out span (RFC 5155 §9.2)`,
          optOut: true,
          closestEncloser: p.ce,
        };
      }
      return {
        status: 'secure',
        reason: `wildcard NODATA proven: closest encloser ${fmt(p.ce)}, NSEC3 at ${fmt(wc)} has neither ${qtype} nor CNAME`,
        closestEncloser: p.ce,
      };
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
          return {
            status: 'insecure',
            reason: `wildcard answer: next closer ${fmt(nextCloser)} is in an opt-out span, so a closer unsigned delegation may exist (RFC 5155 §9.2)`,
            closestEncloser: ce,
            optOut: true,
          };
        }
        if (nc)
          return {
            status: 'secure',
            reason: `wildcard answer proven: NSEC3 covers next closer ${fmt(nextCloser)} under closest encloser ${fmt(ce)}`,
            closestEncloser: ce,
          };
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
      if (!p.ncRecord!.optOut)
        return bogus(`NSEC3 covering next closer ${fmt(p.nextCloser!)} has no opt-out flag: ${fmt(qname)} is not an insecure delegation (RFC 5155 §8.6)`);
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

function verifyDenialUnsafe(
  kind: DenialKind,
  query: { qname: Name; qtype: RRTypeName; zone: Name },
  records: readonly RR[],
  options?: DenialOptions,
): DenialVerdict {
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
    return {
      status: 'insecure',
      reason: `${prefix}NSEC3 ${fmt(tooMany.owner)} uses ${tooMany.iterations} iterations, above the limit ${limit} (RFC 9276 §3.2)`,
      ede: EdeCode.UNSUPPORTED_NSEC3_ITERATIONS_VALUE,
    };
  }
  const r = nsec3Denial(kind, query, nsec3s, options);
  return { ...r, reason: prefix + r.reason };
}
