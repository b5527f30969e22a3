// Test helpers for the authoritative server: build zones and queries as
// Message objects without depending on the zone-file parser or wire codec.

import { base32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import { canonicalCompare, canonicalName, joinName, labels, fromLabels, isSubdomain, nameEquals } from '../../dns/name.ts';
import type { Message, Name, RR, RRTypeName, RrsigData, Nsec3Data } from '../../dns/types.ts';
import { Zone } from '../../dns/zone/zone.ts';

export function rr(name: Name, type: RRTypeName, data: unknown, ttl = 3600): RR {
  return { name, type, class: 'IN', ttl, data } as RR;
}

export function query(
  qname: Name,
  qtype: RRTypeName,
  opts: { id?: number; edns?: boolean; do?: boolean; size?: number; version?: number; qclass?: 'IN' | 'CH' | 'ANY'; opcode?: Message['opcode'] } = {},
): Message {
  const m: Message = {
    id: opts.id ?? 4242,
    opcode: opts.opcode ?? 'QUERY',
    rcode: 'NOERROR',
    flags: { qr: false, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
    question: [{ qname, qtype, qclass: opts.qclass ?? 'IN' }],
    answer: [],
    authority: [],
    additional: [],
  };
  if (opts.edns !== false && (opts.edns || opts.do || opts.size !== undefined || opts.version !== undefined)) {
    m.edns = { udpPayloadSize: opts.size ?? 1232, version: opts.version ?? 0, do: opts.do ?? false, z: 0, options: [] };
  }
  return m;
}

export const SOA = { mname: 'ns1.example', rname: 'hostmaster.example', serial: 1, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 };

/** The zone used across the unit tests (mirrors the differential test's zone). */
export function exampleZone(): Zone {
  return new Zone('example', [
    rr('example', 'SOA', SOA),
    rr('example', 'NS', 'ns1.example'),
    rr('example', 'NS', 'ns2.example'),
    rr('example', 'MX', { preference: 10, exchange: 'mail.example' }),
    rr('ns1.example', 'A', '192.0.2.1'),
    rr('ns2.example', 'A', '192.0.2.2'),
    rr('mail.example', 'A', '192.0.2.3'),
    rr('www.example', 'A', '192.0.2.10'),
    rr('www.example', 'AAAA', '2001:db8::10'),
    rr('alias.example', 'CNAME', 'www.example'),
    rr('ext.example', 'CNAME', 'www.other.test'),
    rr('loop1.example', 'CNAME', 'loop2.example'),
    rr('loop2.example', 'CNAME', 'loop1.example'),
    rr('*.wild.example', 'A', '192.0.2.20'),
    rr('*.wild.example', 'TXT', [Buffer.from('wild')]),
    rr('*.wild.example', 'MX', { preference: 5, exchange: 'mail.example' }),
    rr('ent.deep.wild.example', 'A', '192.0.2.30'),
    rr('sub.example', 'NS', 'ns.sub.example'),
    rr('sub.example', 'NS', 'ns.other.test'),
    rr('sub.example', 'DS', { keyTag: 12345, algorithm: 13, digestType: 2, digest: Buffer.alloc(32, 1) }),
    rr('ns.sub.example', 'A', '192.0.2.40'),
    rr('unsigned.example', 'NS', 'ns1.example'),
    rr('dn.example', 'DNAME', 'www.example'),
  ]);
}

function fakeSig(owner: Name, type: RRTypeName, origin: Name, ttl: number): RR {
  const data: RrsigData = {
    typeCovered: type,
    algorithm: 13,
    labels: labels(owner).filter((l) => l !== '*').length,
    originalTTL: ttl,
    expiration: 2000000000,
    inception: 1700000000,
    keyTag: 1,
    signersName: origin,
    signature: Buffer.from(`sig:${canonicalName(owner)}:${type}`),
  };
  return rr(owner, 'RRSIG', data, ttl);
}

/** Authoritative (signed) names: not glue below a cut; a cut itself counts. */
function signedOwners(zone: Zone): Name[] {
  return zone.sortedNames().filter((n) => !zone.isBelowCut(n));
}

function addSignatures(zone: Zone): void {
  for (const set of [...zone.rrsets()]) {
    if (set.type === 'RRSIG') continue;
    if (zone.isBelowCut(set.name)) continue;
    // At a cut only DS (and NSEC/NSEC3) are signed (RFC 4035 §2.2).
    if (!nameEquals(set.name, zone.origin) && zone.get(set.name, 'NS') && set.type !== 'DS' && set.type !== 'NSEC') continue;
    zone.add(fakeSig(set.name, set.type, zone.origin, set.ttl));
  }
}

/**
 * Structure-only signing: a correct NSEC chain and one fake RRSIG per
 * authoritative RRset. Signatures do not verify; the answer logic never checks them.
 */
export function fakeSignNsec(zone: Zone): Zone {
  const owners = signedOwners(zone);
  owners.forEach((owner, i) => {
    const next = owners[(i + 1) % owners.length]!;
    const types = zone.rrsetsAt(owner).map((s) => s.type);
    const isCut = !nameEquals(owner, zone.origin) && types.includes('NS');
    const bitmap = [...new Set<RRTypeName>([...types, 'NSEC', ...(isCut && !types.includes('DS') ? [] : (['RRSIG'] as RRTypeName[]))])];
    zone.add(rr(owner, 'NSEC', { nextDomain: next, types: bitmap }, 300));
  });
  addSignatures(zone);
  return zone;
}

/** Structure-only NSEC3 signing (RFC 5155), optionally opt-out for insecure delegations. */
export function fakeSignNsec3(zone: Zone, opts: { optOut?: boolean; salt?: Buffer; iterations?: number } = {}): Zone {
  const salt = opts.salt ?? Buffer.from('abcd', 'hex');
  const iterations = opts.iterations ?? 0;
  const names = new Map<string, Name>();
  for (const owner of signedOwners(zone)) {
    const insecureCut = !nameEquals(owner, zone.origin) && zone.get(owner, 'NS') && !zone.get(owner, 'DS');
    if (opts.optOut && insecureCut) continue;
    // The owner and every empty non-terminal between it and the apex (RFC 5155 §7.1).
    const ls = labels(owner);
    for (let n = labels(zone.origin).length; n <= ls.length; n++) {
      const anc = fromLabels(ls.slice(ls.length - n));
      names.set(canonicalName(anc), anc);
    }
  }
  const hashed = [...names.values()].map((n) => ({ n, h: nsec3Hash(n, salt, iterations) })).sort((a, b) => Buffer.compare(a.h, b.h));
  hashed.forEach(({ n, h }, i) => {
    const next = hashed[(i + 1) % hashed.length]!.h;
    const types = zone.rrsetsAt(n).map((s) => s.type);
    const isCut = !nameEquals(n, zone.origin) && types.includes('NS');
    const bitmap = [...types];
    if (types.length > 0 && !(isCut && !types.includes('DS'))) bitmap.push('RRSIG');
    if (nameEquals(n, zone.origin)) bitmap.push('NSEC3PARAM');
    const data: Nsec3Data = { hashAlgorithm: 1, flags: opts.optOut ? 1 : 0, iterations, salt, nextHashedOwner: next, types: bitmap };
    zone.add(rr(joinName(base32hex(h).toLowerCase(), zone.origin), 'NSEC3', data, 300));
  });
  zone.add(rr(zone.origin, 'NSEC3PARAM', { hashAlgorithm: 1, flags: 0, iterations, salt }, 0));
  addSignatures(zone);
  return zone;
}

/** Owner/type pairs of a section, canonical, sorted — for order-insensitive asserts. */
export function sectionKeys(rrs: readonly RR[]): string[] {
  return rrs.map((r) => `${canonicalName(r.name)} ${r.type}${r.type === 'RRSIG' ? '/' + (r.data as RrsigData).typeCovered : ''}`).sort();
}

export function uniqueKeys(rrs: readonly RR[]): string[] {
  return [...new Set(sectionKeys(rrs))];
}

export { canonicalCompare, isSubdomain };
