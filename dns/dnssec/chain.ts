// A chain of trust (RFC 4035 §5): trust anchor -> DS -> DNSKEY -> … one zone
// at a time, using the signature checks of validate.ts and the no-DS proofs of
// denial.ts.

import { nameEquals } from '../name.ts';
import type { RRset } from '../rrset.ts';
import type { Name, RR } from '../types.ts';
import { EdeCode } from '../wire/edns.ts';
import { fmt, isStrictSubdomain, verifyDnskeys, verifyRRset, verifyRRsets, type Verdict } from './validate.ts';
import { verifyDenial, type DenialOptions } from './denial.ts';

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
      zones.push({
        zone: ev.zone,
        status: stop.status,
        reason: `below ${fmt(stop.zone)}, which is ${stop.status}`,
        ...(stop.ede !== undefined ? { ede: stop.ede } : {}),
      });
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

function chainStep(
  anchors: readonly RR[],
  chain: readonly ZoneEvidence[],
  i: number,
  parentKeys: RR[] | undefined,
  now: number,
  options?: DenialOptions,
): ZoneVerdict {
  const ev = chain[i]!;
  const zone = ev.zone;
  const keysVerdict = (dsOrAnchors: readonly RR[]): ZoneVerdict => {
    // A missing DNSKEY RRset is bogus, unless the DS set has only unsupported
    // algorithms/digests (then the zone is insecure): verifyDnskeys decides.
    const dnskey = ev.dnskey ?? { rrset: { name: zone, type: 'DNSKEY' as const, class: 'IN' as const, ttl: 0, records: [] }, signatures: [] };
    if (!nameEquals(dnskey.rrset.name, zone) || dnskey.rrset.type !== 'DNSKEY') {
      return {
        zone,
        status: 'bogus',
        reason: `${fmt(zone)}: the DNSKEY evidence is ${fmt(dnskey.rrset.name)} ${dnskey.rrset.type}, not the zone's DNSKEY RRset`,
        ede: EdeCode.DNSKEY_MISSING,
      };
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
  if (!isStrictSubdomain(zone, parent))
    return { zone, status: 'bogus', reason: `chain out of order: ${fmt(zone)} is not below ${fmt(parent)}`, ede: EdeCode.DNSSEC_BOGUS };
  const pk = parentKeys ?? [];
  if (ev.ds && ev.ds.rrset.records.length > 0) {
    if (!nameEquals(ev.ds.rrset.name, zone) || ev.ds.rrset.type !== 'DS') {
      return {
        zone,
        status: 'bogus',
        reason: `${fmt(zone)}: the DS evidence is ${fmt(ev.ds.rrset.name)} ${ev.ds.rrset.type}, not the zone's DS RRset`,
        ede: EdeCode.DNSSEC_BOGUS,
      };
    }
    const dsv = verifyRRset(ev.ds.rrset, ev.ds.signatures, pk, parent, now, options);
    if (dsv.status !== 'secure') return { ...dsv, zone, reason: `DS for ${fmt(zone)} from ${fmt(parent)}: ${dsv.reason}` };
    return keysVerdict(ev.ds.rrset.records);
  }
  if (ev.dsDenial && ev.dsDenial.length > 0) {
    const checked = verifyRRsets(ev.dsDenial, pk, parent, now, options);
    const proofRecords = checked.secure.filter((r) => r.type === 'NSEC' || r.type === 'NSEC3');
    if (proofRecords.length === 0) {
      return {
        zone,
        status: checked.status === 'insecure' ? 'insecure' : 'bogus',
        reason: `no verified NSEC/NSEC3 denying DS for ${fmt(zone)}: ${checked.reason}`,
        ede: checked.ede ?? EdeCode.NSEC_MISSING,
      };
    }
    const d = verifyDenial('no-ds', { qname: zone, qtype: 'DS', zone: parent }, proofRecords, options);
    if (d.status === 'secure') return { zone, status: 'insecure', reason: `${fmt(parent)} proves ${fmt(zone)} has no DS: ${d.reason}` };
    return { ...d, zone };
  }
  return { zone, status: 'bogus', reason: `${fmt(zone)}: neither a DS RRset nor a proof of its absence from ${fmt(parent)}`, ede: EdeCode.NSEC_MISSING };
}
