// Fixtures for the validator tests: zones signed by BIND's own tools
// (dnssec-keygen, dnssec-signzone, dnssec-dsfromkey), never by dnslab's
// signer, so a bug shared by our signer and validator cannot hide.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type ExecFileSyncOptionsWithStringEncoding } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalCompare, isSubdomain, joinName, nameEquals } from '../../dns/name.ts';
import { groupRRsets, type RRset } from '../../dns/rrset.ts';
import type { Name, NsecData, RR, RrsigData } from '../../dns/types.ts';
import { parseMasterFile } from '../../dns/zone/master-file.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';

export function requireTool(bin: string, pkg: string): void {
  const r = spawnSync(bin, ['-h'], { encoding: 'utf8' });
  if (r.error) assert.fail(`${bin} not found: install the Debian package ${pkg}`);
}

export function requireBindTools(): void {
  for (const bin of ['dnssec-keygen', 'dnssec-signzone', 'dnssec-dsfromkey']) requireTool(bin, 'bind9-utils (or bind9-dnsutils)');
}

export type Alg = 5 | 7 | 8 | 10 | 13 | 14 | 15 | 16;
const ALG_NAME: Record<Alg, string[]> = {
  5: ['-a', 'RSASHA1', '-b', '2048'],
  7: ['-a', 'NSEC3RSASHA1', '-b', '2048'],
  8: ['-a', 'RSASHA256', '-b', '2048'],
  10: ['-a', 'RSASHA512', '-b', '2048'],
  13: ['-a', 'ECDSAP256SHA256'],
  14: ['-a', 'ECDSAP384SHA384'],
  15: ['-a', 'ED25519'],
  16: ['-a', 'ED448'],
};

/** Inception/expiration used by every fixture zone (dnssec-signzone -s/-e). */
export const INCEPTION = Date.UTC(2026, 0, 1) / 1000;
export const EXPIRATION = Date.UTC(2027, 0, 1) / 1000;
/** A "now" inside the validity window. */
export const NOW = Date.UTC(2026, 5, 1) / 1000;

function stamp(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export interface SignOptions {
  dir: string;
  origin: Name;
  zoneText: string;
  algorithm: Alg;
  nsec3?: { salt: string; iterations: number; optOut: boolean };
  /** dnssec-signzone -s/-e values; default INCEPTION/EXPIRATION. Strings like "now-3600" are passed through. */
  inception?: number | string;
  expiration?: number | string;
  /** Pass -P: skip dnssec-signzone's own verification (needed for already-expired signatures). */
  noVerify?: boolean;
}

export interface SignedZone {
  origin: Name;
  records: RR[];
  signedPath: string;
  kskFile: string;
  /** DS for the KSK via dnssec-dsfromkey (digest 1, 2 or 4). */
  ds(digest: 1 | 2 | 4): RR;
}

/** Generate a KSK and a ZSK with dnssec-keygen and sign with dnssec-signzone (which verifies its own output). */
export function signWithBind(o: SignOptions): SignedZone {
  const keyDir = join(o.dir, `keys-${o.origin}`);
  execFileSync('mkdir', ['-p', keyDir]);
  const quiet: ExecFileSyncOptionsWithStringEncoding = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] };
  const ksk = execFileSync('dnssec-keygen', ['-q', '-K', keyDir, ...ALG_NAME[o.algorithm], '-f', 'KSK', o.origin], quiet).trim();
  execFileSync('dnssec-keygen', ['-q', '-K', keyDir, ...ALG_NAME[o.algorithm], o.origin], quiet);
  const zonePath = join(o.dir, `${o.origin}.db`);
  const signedPath = join(o.dir, `${o.origin}.signed`);
  writeFileSync(zonePath, o.zoneText);
  const t = (v: number | string | undefined, d: number) => (typeof v === 'string' ? v : stamp(v ?? d));
  // -d: dsset-* files go to the temp dir, not the current directory.
  const args = ['-q', '-K', keyDir, '-d', o.dir, '-S', '-o', o.origin, '-f', signedPath, '-s', t(o.inception, INCEPTION), '-e', t(o.expiration, EXPIRATION)];
  if (o.noVerify) args.push('-P');
  if (o.nsec3) {
    args.push('-3', o.nsec3.salt, '-H', String(o.nsec3.iterations));
    if (o.nsec3.optOut) args.push('-A');
  }
  args.push(zonePath);
  execFileSync('dnssec-signzone', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: o.dir });
  const records = parseMasterFile(readFileSync(signedPath, 'utf8'), { origin: o.origin, fileName: signedPath });
  const kskFile = join(keyDir, `${ksk}.key`);
  return {
    origin: o.origin,
    records,
    signedPath,
    kskFile,
    ds(digest) {
      const flag = digest === 1 ? ['-1'] : digest === 2 ? ['-2'] : ['-a', 'SHA-384'];
      return parseRecord(execFileSync('dnssec-dsfromkey', [...flag, kskFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
    },
  };
}

/** The lab zone used by most validator tests. `extra` adds lines (e.g. a child's DS). */
export function parentZoneText(extra = ''): string {
  return `$TTL 300
@ IN SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 127.0.6.1
www A 192.0.2.1
www AAAA 2001:db8::1
*.wild A 192.0.2.2
*.wild TXT "wild"
mail MX 10 www
alias CNAME www
a.b.deep TXT "deep"
dn DNAME elsewhere.example.
unsigned NS ns.unsigned
ns.unsigned A 192.0.2.53
sub NS ns.sub
ns.sub A 192.0.2.54
alg253 NS ns.alg253
ns.alg253 A 192.0.2.55
alg253 DS 12345 253 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD
gost NS ns.gost
ns.gost A 192.0.2.56
gost DS 12345 13 3 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD
${extra}
`;
}

export function childZoneText(): string {
  return `$TTL 300
@ IN SOA ns hostmaster 1 3600 900 604800 300
@ NS ns
ns A 192.0.2.54
host A 192.0.2.99
`;
}

/** Accessors over a signed zone's records. */
export class Signed {
  readonly sigs: RR[];
  readonly nsecs: RR[];
  readonly nsec3s: RR[];
  constructor(
    readonly origin: Name,
    readonly records: readonly RR[],
  ) {
    this.sigs = records.filter((r) => r.type === 'RRSIG');
    this.nsecs = records.filter((r) => r.type === 'NSEC');
    this.nsec3s = records.filter((r) => r.type === 'NSEC3');
  }
  rrset(name: Name, type: RR['type']): RRset {
    const set = groupRRsets(this.records.filter((r) => nameEquals(r.name, name) && r.type === type))[0];
    assert.ok(set, `fixture has no ${name} ${type}`);
    return set;
  }
  sigsFor(name: Name, type: RR['type']): RR[] {
    return this.sigs.filter((r) => nameEquals(r.name, name) && (r.data as RrsigData).typeCovered === type);
  }
  get dnskeys(): RRset {
    return this.rrset(this.origin, 'DNSKEY');
  }
  /** Delegation points (NS not at the apex). */
  cuts(): Name[] {
    return this.records.filter((r) => r.type === 'NS' && !nameEquals(r.name, this.origin)).map((r) => r.name);
  }
  /** RRsets the zone is authoritative for (what dnssec-signzone signs). */
  authoritativeRRsets(): RRset[] {
    const cuts = this.cuts();
    return groupRRsets(this.records.filter((r) => r.type !== 'RRSIG')).filter((s) => {
      if (cuts.some((c) => isSubdomain(s.name, c) && !nameEquals(s.name, c))) return false;
      if (cuts.some((c) => nameEquals(s.name, c))) return s.type === 'DS' || s.type === 'NSEC';
      return true;
    });
  }
  /** The NSEC owned by `name`, with its RRSIG. */
  nsecAt(name: Name): RR[] {
    const n = this.nsecs.filter((r) => nameEquals(r.name, name));
    assert.equal(n.length, 1, `no NSEC at ${name}`);
    return [...n, ...this.sigsFor(name, 'NSEC')];
  }
  /** The NSEC whose span contains `name` (owner < name < next, plain canonical order), with its RRSIG. */
  nsecCovering(name: Name): RR[] {
    const n = this.nsecs.find((r) => {
      const next = (r.data as NsecData).nextDomain;
      const lo = canonicalCompare(r.name, name) < 0;
      const hi = canonicalCompare(name, next) < 0;
      return canonicalCompare(r.name, next) < 0 ? lo && hi : lo || hi;
    });
    assert.ok(n, `no NSEC span contains ${name}`);
    return [n, ...this.sigsFor(n.name, 'NSEC')];
  }
  wildcardOf(name: Name): Name {
    return joinName('*', name);
  }
}

/** Copy a record with changed data (deep enough for our mutations). */
export function withData<T extends RR>(rr: T, patch: Partial<Record<string, unknown>>): T {
  return { ...rr, data: { ...(rr.data as object), ...patch } } as T;
}

export function flipByte(b: Buffer, index = Math.floor(b.length / 2)): Buffer {
  const out = Buffer.from(b);
  out[index] = out[index]! ^ 0x01;
  return out;
}
