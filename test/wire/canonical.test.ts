// Canonical RR form and RRset order (RFC 4034 §6.2–6.3, RFC 6840 §5.1), checked
// by hand; canonical.real.test.ts checks it against signatures BIND makes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRdata, canonicalRecord, sortCanonical } from '../../dns/wire/canonical.ts';
import { encodeRdata } from '../../dns/wire/rdata.ts';
import type { RR } from '../../dns/types.ts';
import { hex } from './fixtures.ts';

test('embedded names are lowercased for NS, CNAME, SOA, PTR, MX, SRV, NAPTR, DNAME, RRSIG; NSEC, HTTPS, TXT kept', () => {
  const lowered: RR[] = [
    { name: 'x', type: 'NS', class: 'IN', ttl: 1, data: 'NS1.Example' },
    { name: 'x', type: 'CNAME', class: 'IN', ttl: 1, data: 'NS1.Example' },
    { name: 'x', type: 'DNAME', class: 'IN', ttl: 1, data: 'NS1.Example' },
    { name: 'x', type: 'PTR', class: 'IN', ttl: 1, data: 'NS1.Example' },
    { name: 'x', type: 'MX', class: 'IN', ttl: 1, data: { preference: 1, exchange: 'NS1.Example' } },
    { name: 'x', type: 'SRV', class: 'IN', ttl: 1, data: { priority: 1, weight: 1, port: 1, target: 'NS1.Example' } },
  ];
  for (const rr of lowered) {
    const c = canonicalRdata(rr);
    assert.ok(c.includes(Buffer.from('ns1')), `${rr.type} lowercased`);
    assert.ok(!c.includes(Buffer.from('NS1')), `${rr.type} lowercased`);
  }
  // Types with names among other fields: every name lowercased, nothing else touched. The expected octets are the
  // record encoded with its names already in lower case.
  const same = (rr: RR, lower: RR['data']) =>
    assert.ok(canonicalRdata(rr).equals(encodeRdata({ ...rr, data: lower } as RR)), `${rr.type}: only the names lowercased`);
  const soa = { mname: 'NS1.Example', rname: 'HostMaster.Example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 };
  same({ name: 'x', type: 'SOA', class: 'IN', ttl: 1, data: soa }, { ...soa, mname: 'ns1.example', rname: 'hostmaster.example' });
  const naptr = { order: 1, preference: 2, flags: 'U', services: 'E2U+SIP', regexp: '!^.*$!SIP:Info@Example.COM!', replacement: 'NS1.Example' };
  same({ name: 'x', type: 'NAPTR', class: 'IN', ttl: 1, data: naptr }, { ...naptr, replacement: 'ns1.example' });
  const rrsig = {
    typeCovered: 'A' as const,
    algorithm: 13,
    labels: 2,
    originalTTL: 300,
    expiration: 2,
    inception: 1,
    keyTag: 7,
    signersName: 'NS1.Example',
    signature: Buffer.from('SIG over NS1'),
  };
  same({ name: 'x', type: 'RRSIG', class: 'IN', ttl: 1, data: rrsig }, { ...rrsig, signersName: 'ns1.example' });
  // …and the uppercase is really in the input: encoding without canonicalisation keeps it.
  assert.ok(encodeRdata({ name: 'x', type: 'NAPTR', class: 'IN', ttl: 1, data: naptr }).includes(Buffer.from('NS1')));
  // RFC 6840 §5.1: NSEC next name is NOT lowercased; SVCB/HTTPS targets are not in the list.
  const kept: RR[] = [
    { name: 'x', type: 'NSEC', class: 'IN', ttl: 1, data: { nextDomain: 'NS1.Example', types: ['A'] } },
    { name: 'x', type: 'HTTPS', class: 'IN', ttl: 1, data: { priority: 1, target: 'NS1.Example', params: [] } },
    { name: 'x', type: 'TXT', class: 'IN', ttl: 1, data: [Buffer.from('NS1')] },
  ];
  for (const rr of kept) assert.ok(canonicalRdata(rr).equals(encodeRdata(rr)), `${rr.type} unchanged`);
  // octets given as escapes are lowercased as octets: \065 is 'A'
  assert.equal(canonicalRdata({ name: 'x', type: 'NS', class: 'IN', ttl: 1, data: '\\065b.\\.C' }).toString('hex'), '026162022e6300');
});

test('canonicalRecord: lowercased owner, type, class, TTL override, RDLENGTH, RDATA, no compression', () => {
  const rr: RR = { name: 'WWW.Example', type: 'MX', class: 'IN', ttl: 60, data: { preference: 10, exchange: 'WWW.Example' } };
  const b = canonicalRecord(rr, 3600);
  assert.equal(b.toString('hex'), '03777777076578616d706c6500' + '000f' + '0001' + '00000e10' + '000f' + '000a' + '03777777076578616d706c6500');
  assert.equal(canonicalRecord(rr).readUInt32BE(17), 60);
});

test('sortCanonical orders by canonical RDATA octets, shorter first on a common prefix, duplicates once', () => {
  const mk = (data: string): RR => ({ name: 'x', type: 'NS', class: 'IN', ttl: 1, data });
  const sorted = sortCanonical([mk('b.example'), mk('aa.example'), mk('A.example'), mk('a.example'), mk('z')]);
  // RDATA: 01 7a 00 (z) < 01 61 07.. (a.example)? no: 01 61 < 01 7a, so a.example, then z, then b.example? compare 2nd octet: 61 < 62 < 7a
  assert.deepEqual(
    sorted.map((r) => r.data),
    ['A.example', 'b.example', 'z', 'aa.example'],
  );
  const raw = (h: string): RR => ({ name: 'x', type: 'TYPE65280', class: 'IN', ttl: 1, data: hex(h) });
  assert.deepEqual(
    sortCanonical([raw('aa00'), raw('aa'), raw('00ff'), raw('ab')]).map((r) => (r.data as Buffer).toString('hex')),
    ['00ff', 'aa', 'aa00', 'ab'],
  );
  const a = (d: string): RR => ({ name: 'x', type: 'A', class: 'IN', ttl: 1, data: d });
  assert.deepEqual(
    sortCanonical([a('192.0.2.30'), a('192.0.2.4'), a('192.0.2.3')]).map((r) => r.data),
    ['192.0.2.3', '192.0.2.4', '192.0.2.30'],
  );
});
