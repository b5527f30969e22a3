// Zone checks like those real servers run when loading a zone
// (named-checkzone, kzonecheck / knotc zone-check, nsd-checkzone).
// Errors are what makes those servers refuse the zone; warnings are what
// they print and load anyway.

import { isSubdomain, labels, nameEquals, toFqdn } from '../name.ts';
import type { MxData, Name, RR, RRTypeName, RrsigData, SrvData } from '../types.ts';
import { loadedVersion, recordsAsLoaded, sourceOf, type SourcePosition } from './master-file.ts';
import { Zone } from './zone.ts';

export type ZoneProblemCode =
  | 'NO_SOA'
  | 'MULTIPLE_SOA'
  | 'SOA_NOT_AT_APEX'
  | 'NO_APEX_NS'
  | 'CNAME_AND_OTHER_DATA'
  | 'MULTIPLE_CNAME'
  | 'MULTIPLE_DNAME'
  | 'DNAME_WITH_DESCENDANTS'
  | 'OUT_OF_ZONE'
  | 'MISSING_GLUE'
  | 'NS_TARGET_IS_CNAME'
  | 'MX_TARGET_IS_CNAME'
  | 'SRV_TARGET_IS_CNAME'
  | 'TTL_MISMATCH'
  | 'OCCLUDED_DATA'
  | 'DS_NOT_AT_DELEGATION'
  | 'DS_AT_APEX'
  | 'NSEC3_BAD_OWNER'
  | 'NS_AT_WILDCARD';

export interface ZoneProblem {
  severity: 'error' | 'warning';
  code: ZoneProblemCode;
  owner: Name;
  message: string;
  /** The file and line of the record the problem is about, when it is about one (zone-wide problems have none). */
  source?: SourcePosition;
}

/** One problem as `dnslab zone check` and `dnslab auth` print it: `FILE[:LINE]: error CODE: message`. */
export function formatProblem(file: string, p: ZoneProblem): string {
  const where = p.source ? `${p.source.file}:${p.source.line}` : file;
  return `${where}: ${p.severity} ${p.code}: ${p.message}`;
}

/** Types that may sit beside a CNAME (RFC 2181 §10.1, RFC 4035 §2.5: RRSIG and NSEC). */
const ALLOWED_BESIDE_CNAME = new Set<RRTypeName>(['CNAME', 'RRSIG', 'NSEC']);

/**
 * Check a zone. When the zone came from parseZoneText/loadZoneFile the
 * records as written in the file are checked too (TTL differences inside an
 * RRset and out-of-zone data cannot be seen in a built Zone).
 */
export function checkZone(zone: Zone): ZoneProblem[] {
  // Records as written in the file, unless the zone was edited since loading.
  const loaded = loadedVersion(zone) === zone.version ? recordsAsLoaded(zone) : undefined;
  return checkRecords(zone.origin, loaded ?? [...zone.records()], zone);
}

/** Check records meant to form the zone at `origin` (`built`: a Zone already holding their in-zone part). */
export function checkRecords(origin: Name, records: readonly RR[], built?: Zone): ZoneProblem[] {
  const problems: ZoneProblem[] = [];
  const at = (rr: RR): string => {
    const pos = sourceOf(rr);
    return pos ? ` (${pos.file}:${pos.line})` : '';
  };
  // The first record of each owner and of each owner+type, for the line a problem points at.
  const firstAt = new Map<string, RR>();
  for (const rr of records) {
    const owner = toFqdn(rr.name).toLowerCase();
    if (!firstAt.has(owner)) firstAt.set(owner, rr);
    if (!firstAt.has(`${owner}|${rr.type}`)) firstAt.set(`${owner}|${rr.type}`, rr);
  }
  /** `about`: the record the problem is about, or the type of its first record at `owner` ('' any type); none for zone-wide problems. */
  const push = (severity: ZoneProblem['severity'], code: ZoneProblemCode, owner: Name, message: string, about?: RR | RRTypeName | ''): void => {
    const key = toFqdn(owner).toLowerCase();
    const rr = typeof about === 'object' ? about : about === undefined ? undefined : firstAt.get(about === '' ? key : `${key}|${about}`);
    const source = rr ? sourceOf(rr) : undefined;
    problems.push({ severity, code, owner, message, ...(source ? { source } : {}) });
  };

  // Out-of-zone data: a Zone cannot hold it, so check the raw list first.
  const inZone: RR[] = [];
  for (const rr of records) {
    if (isSubdomain(rr.name, origin)) inZone.push(rr);
    else push('error', 'OUT_OF_ZONE', rr.name, `${toFqdn(rr.name)} ${rr.type}${at(rr)} is outside zone ${toFqdn(origin)}`, rr);
  }

  // TTL differences inside an RRset (RFC 2181 §5.2); RRSIGs grouped by covered type.
  const firstTtl = new Map<string, RR>();
  const reported = new Set<string>();
  for (const rr of inZone) {
    const covered = rr.type === 'RRSIG' ? `|${(rr.data as RrsigData).typeCovered}` : '';
    const key = `${toFqdn(rr.name).toLowerCase()}|${rr.class}|${rr.type}${covered}`;
    const first = firstTtl.get(key);
    if (!first) firstTtl.set(key, rr);
    else if (first.ttl !== rr.ttl && !reported.has(key)) {
      reported.add(key);
      push(
        'warning',
        'TTL_MISMATCH',
        rr.name,
        `${toFqdn(rr.name)} ${rr.type}: TTL ${rr.ttl}${at(rr)} differs from ${first.ttl}${at(first)} in the same RRset (RFC 2181 §5.2); servers disagree on which one they load`,
        rr,
      );
    }
  }

  let zone = built;
  if (!zone) {
    zone = new Zone(origin);
    for (const rr of inZone) zone.add(rr);
  }

  // SOA: exactly one, at the apex (RFC 1035 §5.2, RFC 1034 §4.2.1).
  const soa = zone.get(origin, 'SOA');
  if (!soa) push('error', 'NO_SOA', origin, `no SOA record at the apex ${toFqdn(origin)}: every zone starts with exactly one SOA`);
  else if (soa.records.length > 1)
    push('error', 'MULTIPLE_SOA', origin, `${soa.records.length} SOA records at ${toFqdn(origin)}: a zone has exactly one`, 'SOA');
  if (!zone.get(origin, 'NS')) push('error', 'NO_APEX_NS', origin, `no NS records at the apex ${toFqdn(origin)}: the zone must list its name servers`);

  for (const name of zone.sortedNames()) {
    const sets = zone.rrsetsAt(name);
    const types = new Set(sets.map((s) => s.type));
    const apex = nameEquals(name, origin);
    const cut = zone.findDelegation(name);
    const belowCut = cut !== undefined && !nameEquals(cut.name, name);

    if (types.has('SOA') && !apex) push('error', 'SOA_NOT_AT_APEX', name, `SOA at ${toFqdn(name)}, not at the apex ${toFqdn(origin)}`, 'SOA');

    const cname = zone.get(name, 'CNAME');
    if (cname) {
      if (cname.records.length > 1)
        push(
          'error',
          'MULTIPLE_CNAME',
          name,
          `${cname.records.length} CNAME records at ${toFqdn(name)}: a CNAME RRset holds one record (RFC 2181 §10.1)`,
          'CNAME',
        );
      const others = [...types].filter((t) => !ALLOWED_BESIDE_CNAME.has(t));
      if (others.length > 0) {
        push(
          'error',
          'CNAME_AND_OTHER_DATA',
          name,
          `${toFqdn(name)} has a CNAME and other data (${others.join(', ')}); only RRSIG and NSEC may sit beside a CNAME (RFC 2181 §10.1, RFC 4035 §2.5)`,
          'CNAME',
        );
      }
    }
    const dname = zone.get(name, 'DNAME');
    if (dname) {
      if (dname.records.length > 1)
        push(
          'error',
          'MULTIPLE_DNAME',
          name,
          `${dname.records.length} DNAME records at ${toFqdn(name)}: a DNAME RRset holds one record (RFC 6672 §2.4)`,
          'DNAME',
        );
      if (zone.hasDescendants(name)) {
        const below = zone.sortedNames().find((n) => !nameEquals(n, name) && isSubdomain(n, name));
        push(
          'error',
          'DNAME_WITH_DESCENDANTS',
          name,
          `${toFqdn(name)} has a DNAME but ${below ? toFqdn(below) : 'a name'} lies below it: a DNAME owner has no descendants (RFC 6672 §2.4)`,
          'DNAME',
        );
      }
    }
    if (types.has('NSEC3') && !isHashedOwner(name, origin)) {
      push(
        'error',
        'NSEC3_BAD_OWNER',
        name,
        `NSEC3 at ${toFqdn(name)}: an NSEC3 owner is one base32hex hash label directly below the apex (RFC 5155 §3); BIND refuses or ignores it`,
        'NSEC3',
      );
    }
    if (types.has('DS') && apex) {
      push(
        'error',
        'DS_AT_APEX',
        name,
        `DS at the apex ${toFqdn(name)}: a zone's DS belongs in its parent zone (RFC 4035 §2.4); BIND refuses to load this`,
        'DS',
      );
    } else if (types.has('DS') && !types.has('NS')) {
      push(
        'warning',
        'DS_NOT_AT_DELEGATION',
        name,
        `DS at ${toFqdn(name)}, which is not a delegation point: DS lives in the parent at a cut (RFC 4035 §2.4)`,
        'DS',
      );
    }
    if (types.has('NS') && name.startsWith('*.') && !apex) {
      push('warning', 'NS_AT_WILDCARD', name, `NS at the wildcard ${toFqdn(name)} (RFC 4592 §4.2 discourages it)`, 'NS');
    }
    if (belowCut) {
      const nonGlue = [...types].filter((t) => t !== 'A' && t !== 'AAAA');
      if (nonGlue.length > 0) {
        push(
          'warning',
          'OCCLUDED_DATA',
          name,
          `${toFqdn(name)} ${nonGlue.join(', ')} lies below the delegation ${toFqdn(cut.name)} and is not glue: it will never be served`,
          '',
        );
      }
    }

    // Targets of NS, MX, SRV (RFC 2181 §10.3: never an alias).
    const ns = zone.get(name, 'NS');
    if (ns && !belowCut) {
      for (const rr of ns.records) {
        const target = rr.data as Name;
        if (!isSubdomain(target, origin)) continue;
        if (zone.get(target, 'CNAME')) {
          push(
            'warning',
            'NS_TARGET_IS_CNAME',
            name,
            `NS ${toFqdn(target)} at ${toFqdn(name)} is a CNAME; NS targets must be canonical names (RFC 2181 §10.3)`,
            'NS',
          );
          continue;
        }
        // RFC 1034 §4.2.1: a server name inside the zone (at or below the
        // apex or a cut) needs address records here, or nobody can reach it.
        if (!zone.get(target, 'A') && !zone.get(target, 'AAAA')) {
          const targetCut = zone.findDelegation(target);
          const inside = targetCut !== undefined ? `below the delegation ${toFqdn(targetCut.name)}` : `inside ${toFqdn(origin)}`;
          push('error', 'MISSING_GLUE', name, `NS ${toFqdn(target)} at ${toFqdn(name)} is ${inside} but has no A or AAAA record (glue) in this zone`, 'NS');
        }
      }
    }
    for (const [type, code] of [
      ['MX', 'MX_TARGET_IS_CNAME'],
      ['SRV', 'SRV_TARGET_IS_CNAME'],
    ] as const) {
      const set = zone.get(name, type);
      if (!set || belowCut) continue;
      for (const rr of set.records) {
        const target = type === 'MX' ? (rr.data as MxData).exchange : (rr.data as SrvData).target;
        if (isSubdomain(target, origin) && zone.get(target, 'CNAME')) {
          push('warning', code, name, `${type} target ${toFqdn(target)} at ${toFqdn(name)} is a CNAME (RFC 2181 §10.3)`, type);
        }
      }
    }
  }
  return problems;
}

function isHashedOwner(name: Name, origin: Name): boolean {
  const l = labels(name);
  // SHA-1 hashes are 20 octets, 32 base32hex characters; other lengths are other algorithms.
  return l.length === labels(origin).length + 1 && /^[0-9a-vA-V]+$/.test(l[0]!) && (l[0]!.length * 5) % 8 < 5;
}

/** Only the errors (what makes a server refuse to load the zone). */
export function zoneErrors(problems: readonly ZoneProblem[]): ZoneProblem[] {
  return problems.filter((p) => p.severity === 'error');
}
