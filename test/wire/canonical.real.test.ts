// Canonical RR form and RRset order (RFC 4034 §6.2–6.3) against signatures
// made live by BIND's dnssec-signzone (bind9): each RRSIG must verify over the
// bytes our canonical form gives. The hand-made cases are in canonical.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalRdata, canonicalRecord, sortCanonical } from '../../dns/wire/canonical.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { rrsetKey } from '../../dns/rrset.ts';
import type { DnskeyData, RR, RrsigData } from '../../dns/types.ts';

function binary(name: string, pkg: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  assert.fail(`${name} not found: install the Debian package "${pkg}" (apt-get install -y ${pkg})`);
}

test('signatures made by BIND dnssec-signzone verify over our canonical form (mixed-case names, NSEC, HTTPS, URI, SRV, DNAME)', () => {
  const keygen = binary('dnssec-keygen', 'bind9');
  const signzone = binary('dnssec-signzone', 'bind9');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnslab-wire-canon-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'db'),
      [
        '$ORIGIN Example.',
        '$TTL 300',
        '@ SOA NS1.Example. HostMaster.Example. 1 7200 3600 1209600 300',
        '@ NS NS1.Example.',
        '@ NS ns2.EXAMPLE.',
        '@ MX 10 Mail.Example.',
        'NS1 A 192.0.2.1',
        'ns2 A 192.0.2.2',
        'Mail A 192.0.2.3',
        'Mail A 192.0.2.30',
        'Mail A 192.0.2.4',
        '_sip._udp SRV 0 5 5060 SIP.Example.',
        'SIP A 192.0.2.4',
        'www CNAME Mail.Example.',
        'd DNAME Other.Example.',
        '_http._tcp URI 10 1 "https://Example/"',
        'svc HTTPS 1 Svc.Example. alpn=h2',
        'txt TXT "a" "b c"',
        '',
      ].join('\n'),
    );
    execFileSync(keygen, ['-q', '-K', dir, '-a', 'ECDSAP256SHA256', '-f', 'KSK', 'Example'], { cwd: dir, timeout: 20_000 });
    execFileSync(
      signzone,
      [
        '-q',
        '-z',
        '-K',
        dir,
        '-d',
        dir,
        '-O',
        'full',
        '-o',
        'Example.',
        '-s',
        '20261101000000',
        '-e',
        '20261231000000',
        '-S',
        '-f',
        path.join(dir, 'db.signed'),
        path.join(dir, 'db'),
      ],
      {
        cwd: dir,
        timeout: 20_000,
      },
    );
    const records = fs
      .readFileSync(path.join(dir, 'db.signed'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith(';'))
      .map((l) => parseRecord(l));
    const dnskey = records.find((r) => r.type === 'DNSKEY')!.data as DnskeyData;
    assert.equal(dnskey.algorithm, 13);
    const key = crypto.createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: dnskey.key.subarray(0, 32).toString('base64url'), y: dnskey.key.subarray(32).toString('base64url') },
      format: 'jwk',
    });
    const sets = new Map<string, RR[]>();
    for (const rr of records) {
      if (rr.type === 'RRSIG') continue;
      const k = rrsetKey(rr.name, rr.type, rr.class);
      sets.set(k, [...(sets.get(k) ?? []), rr]);
    }
    const sigs = records.filter((r) => r.type === 'RRSIG');
    const verified = new Set<string>();
    for (const sig of sigs) {
      const d = sig.data as RrsigData;
      const rrset = sets.get(rrsetKey(sig.name, d.typeCovered, sig.class));
      assert.ok(rrset, `RRset for ${sig.name} ${d.typeCovered}`);
      const prefix = canonicalRdata({ ...sig, data: { ...d, signature: Buffer.alloc(0) } } as RR);
      const data = Buffer.concat([prefix, ...sortCanonical(rrset).map((rr) => canonicalRecord(rr, d.originalTTL))]);
      const ok = crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, d.signature);
      assert.ok(ok, `RRSIG over ${sig.name} ${d.typeCovered} verifies`);
      verified.add(d.typeCovered);
    }
    for (const t of ['SOA', 'NS', 'MX', 'A', 'SRV', 'CNAME', 'DNAME', 'URI', 'HTTPS', 'TXT', 'NSEC', 'DNSKEY'])
      assert.ok(verified.has(t as never), `verified an RRSIG over ${t}`);
    assert.ok(sigs.length >= 20);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
