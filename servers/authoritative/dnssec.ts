// Serving pre-signed zones ("Serving" in README.md): which RRSIGs go with an
// RRset, and which NSEC/NSEC3 records prove a denial. The zone already holds
// every signature and chain record; this module only selects them, following
// RFC 4035 §3.1.1–3.1.4 (NSEC) and RFC 5155 §7.2 (NSEC3, incl. opt-out).

import { fromBase32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import { ancestorWithLabels, canonicalCompare, canonicalName, joinName, labelCount, labels, nameEquals } from '../../dns/name.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { Name, Nsec3Data, Nsec3ParamData, RR, RrsigData, RRTypeName } from '../../dns/types.ts';
import type { Zone } from '../../dns/zone/zone.ts';

/** RRSIGs at `owner` covering `type`, renamed to `as` (wildcard expansion, RFC 4035 §3.1.3.3). */
export function signaturesFor(zone: Zone, owner: Name, type: RRTypeName, as?: Name): RR[] {
  const set = zone.get(owner, 'RRSIG');
  if (!set) return [];
  const out: RR[] = [];
  for (const rr of set.records) {
    if ((rr.data as RrsigData).typeCovered !== type) continue;
    out.push(as === undefined ? rr : { ...rr, name: as });
  }
  return out;
}

/** A zone counts as signed when its apex SOA carries an RRSIG. */
export function isSigned(zone: Zone): boolean {
  return signaturesFor(zone, zone.origin, 'SOA').length > 0;
}

interface Nsec3Entry {
  hash: Buffer;
  rrset: RRset;
}
interface ChainIndex {
  version: number;
  nsec: RRset[];
  nsec3: Nsec3Entry[];
  params: Nsec3ParamData | undefined;
}

// Indexes are rebuilt lazily when the zone's version moves (scenarios edit zones live).
const indexes = new WeakMap<Zone, ChainIndex>();

function chainIndex(zone: Zone): ChainIndex {
  const cached = indexes.get(zone);
  if (cached && cached.version === zone.version) return cached;
  const nsec: RRset[] = [];
  const nsec3: Nsec3Entry[] = [];
  let firstNsec3: Nsec3Data | undefined;
  for (const set of zone.rrsets()) {
    if (set.type === 'NSEC') nsec.push(set);
    else if (set.type === 'NSEC3') {
      const first = labels(set.name)[0];
      if (first === undefined) continue;
      let hash: Buffer;
      try {
        hash = fromBase32hex(first);
      } catch {
        continue; // not a hashed owner: ignore rather than fail the whole zone
      }
      nsec3.push({ hash, rrset: set });
      firstNsec3 ??= set.records[0]?.data as Nsec3Data | undefined;
    }
  }
  // zone.rrsets() is in canonical order already; NSEC3 needs hash order.
  nsec3.sort((a, b) => Buffer.compare(a.hash, b.hash));
  const paramRR = zone.get(zone.origin, 'NSEC3PARAM')?.records[0];
  let params = paramRR?.data as Nsec3ParamData | undefined;
  if (params === undefined && firstNsec3) {
    params = { hashAlgorithm: firstNsec3.hashAlgorithm, flags: 0, iterations: firstNsec3.iterations, salt: firstNsec3.salt };
  }
  const idx: ChainIndex = { version: zone.version, nsec, nsec3, params };
  indexes.set(zone, idx);
  return idx;
}

export type DenialMode = 'nsec' | 'nsec3' | 'none';

export function denialMode(zone: Zone): DenialMode {
  const idx = chainIndex(zone);
  if (idx.nsec3.length > 0 && idx.params) return 'nsec3';
  if (idx.nsec.length > 0) return 'nsec';
  return 'none';
}

/** The NSEC RRset that matches or covers `name`: the last NSEC owner ≤ name in canonical order. */
export function nsecFor(zone: Zone, name: Name): RRset | undefined {
  const list = chainIndex(zone).nsec;
  if (list.length === 0) return undefined;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (canonicalCompare(list[mid]!.name, name) <= 0) lo = mid + 1;
    else hi = mid;
  }
  // lo-1 is the predecessor; before the first owner the chain wraps to the last NSEC.
  return list[lo - 1] ?? list[list.length - 1];
}

function hashOf(zone: Zone, name: Name): Buffer | undefined {
  const p = chainIndex(zone).params;
  if (!p) return undefined;
  return nsec3Hash(canonicalName(name), p.salt, p.iterations);
}

/** NSEC3 whose owner hash equals H(name). */
export function nsec3Matching(zone: Zone, name: Name): RRset | undefined {
  const h = hashOf(zone, name);
  if (!h) return undefined;
  const list = chainIndex(zone).nsec3;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = Buffer.compare(list[mid]!.hash, h);
    if (c === 0) return list[mid]!.rrset;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** NSEC3 covering H(name): the last owner hash < H(name), wrapping (RFC 5155 §3.1.7). */
export function nsec3Covering(zone: Zone, name: Name): RRset | undefined {
  const h = hashOf(zone, name);
  const list = chainIndex(zone).nsec3;
  if (!h || list.length === 0) return undefined;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Buffer.compare(list[mid]!.hash, h) < 0) lo = mid + 1;
    else hi = mid;
  }
  return (list[lo - 1] ?? list[list.length - 1])!.rrset;
}

/**
 * RFC 5155 §7.2.1 closest encloser proof: the NSEC3 matching the closest
 * provable encloser and the one covering the next closer name.
 */
export function closestEncloserProof(zone: Zone, qname: Name): { closestEncloser: Name; records: RRset[] } {
  const originLabels = labelCount(zone.origin);
  const qLabels = labelCount(qname);
  for (let n = qLabels - 1; n >= originLabels; n--) {
    const candidate = ancestorWithLabels(qname, n);
    const match = nsec3Matching(zone, candidate);
    if (!match) continue;
    const nextCloser = ancestorWithLabels(qname, n + 1);
    const cover = nsec3Covering(zone, nextCloser);
    return { closestEncloser: candidate, records: cover ? [match, cover] : [match] };
  }
  return { closestEncloser: zone.origin, records: [] };
}

export type DenialCase =
  | { kind: 'nxdomain'; qname: Name }
  | { kind: 'nodata'; qname: Name; qtype: RRTypeName }
  | { kind: 'wildcard-answer'; qname: Name; closestEncloser: Name }
  | { kind: 'wildcard-nodata'; qname: Name; closestEncloser: Name }
  | { kind: 'no-ds'; cut: Name };

/** The NSEC or NSEC3 RRsets (without signatures) proving a denial, deduplicated. */
export function denialRecords(zone: Zone, denial: DenialCase): RRset[] {
  const mode = denialMode(zone);
  const out: RRset[] = [];
  const push = (s: RRset | undefined) => {
    if (s && !out.some((o) => o.type === s.type && nameEquals(o.name, s.name))) out.push(s);
  };
  if (mode === 'nsec') {
    switch (denial.kind) {
      case 'nxdomain': {
        // RFC 4035 §3.1.3.2: NSEC covering qname, and NSEC proving no wildcard at the closest encloser.
        push(nsecFor(zone, denial.qname));
        push(nsecFor(zone, joinName('*', zone.closestEncloser(denial.qname))));
        break;
      }
      case 'nodata':
        // §3.1.3.1: the NSEC at qname (its bitmap lacks qtype); for an empty
        // non-terminal, the NSEC whose span covers it.
        push(nsecFor(zone, denial.qname));
        break;
      case 'wildcard-answer':
        // §3.1.3.3: prove that qname itself does not exist.
        push(nsecFor(zone, denial.qname));
        break;
      case 'wildcard-nodata':
        // §3.1.3.4: no exact match, and the wildcard owns no qtype.
        push(nsecFor(zone, denial.qname));
        push(nsecFor(zone, joinName('*', denial.closestEncloser)));
        break;
      case 'no-ds':
        push(nsecFor(zone, denial.cut));
        break;
    }
  } else if (mode === 'nsec3') {
    switch (denial.kind) {
      case 'nxdomain': {
        // RFC 5155 §7.2.2: closest encloser proof + NSEC3 covering the wildcard
        // at the closest encloser; in NSD's order (next closer, encloser, wildcard).
        const proof = closestEncloserProof(zone, denial.qname);
        for (const s of [...proof.records].reverse()) push(s);
        push(nsec3Covering(zone, joinName('*', proof.closestEncloser)));
        break;
      }
      case 'nodata': {
        // §7.2.3: the matching NSEC3; §7.2.4: for DS with no match (opt-out), the closest encloser proof.
        const match = nsec3Matching(zone, denial.qname);
        if (match) push(match);
        else for (const s of closestEncloserProof(zone, denial.qname).records) push(s);
        break;
      }
      case 'wildcard-answer': {
        // §7.2.6: NSEC3 covering the next closer name.
        const nextCloser = ancestorWithLabels(denial.qname, labelCount(denial.closestEncloser) + 1);
        push(nsec3Covering(zone, nextCloser));
        break;
      }
      case 'wildcard-nodata': {
        // §7.2.5: closest encloser proof + NSEC3 matching the wildcard.
        const nextCloser = ancestorWithLabels(denial.qname, labelCount(denial.closestEncloser) + 1);
        push(nsec3Covering(zone, nextCloser));
        push(nsec3Matching(zone, denial.closestEncloser));
        push(nsec3Matching(zone, joinName('*', denial.closestEncloser)));
        break;
      }
      case 'no-ds': {
        // §7.2.7: matching NSEC3 at the cut, or (opt-out) the closest provable encloser proof.
        const match = nsec3Matching(zone, denial.cut);
        if (match) push(match);
        else for (const s of closestEncloserProof(zone, denial.cut).records) push(s);
        break;
      }
    }
  }
  return out;
}
