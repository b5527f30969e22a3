import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { signRRset, signZone, SigningError } from '../../dns/dnssec/sign.ts';
import { rrsigLabels, rrsigTime, signatureInput } from '../../dns/dnssec/signed-data.ts';
import { nameEquals } from '../../dns/name.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { NsecData, Nsec3Data, RR, RrsigData, RRTypeName } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { ORIGIN, sigsAt, zone } from './sign-fixtures.ts';

const T = { inception: 1_790_000_000, expiration: 1_790_000_000 + 30 * 86400 };
const ksk = generateKey({ algorithm: 13, owner: ORIGIN, ksk: true, seed: 'sign-ksk' });
const zsk = generateKey({ algorithm: 13, owner: ORIGIN, seed: 'sign-zsk' });

function covered(z: Zone, name: string): RRTypeName[] {
  return [...new Set(sigsAt(z, name).map((s) => s.typeCovered))].sort();
}

describe('signRRset / signatureInput (RFC 4034 §3.1.8.1, §6)', () => {
  const set: RRset = { name: 'WWW.Example.Test', type: 'A', class: 'IN', ttl: 300, records: [] };
  set.records = ['192.0.2.2', '192.0.2.1', '192.0.2.2'].map((a) => ({ name: set.name, type: 'A', class: 'IN', ttl: 300, data: a }) as RR);

  test('order, duplicates and owner case do not change the signed data', () => {
    const rrsig = signRRset(set, zsk, { signer: ORIGIN, ...T });
    const d = rrsig.data as RrsigData;
    const reordered: RRset = { ...set, name: 'www.example.test', records: [set.records[1]!, set.records[0]!] };
    assert.ok(zsk.verify(signatureInput(reordered, d), d.signature));
    assert.equal(d.labels, 3);
    assert.equal(d.originalTTL, 300);
    assert.equal(d.keyTag, zsk.keyTag);
    assert.equal(rrsig.ttl, 300);
    // The data itself changes the input.
    const other: RRset = { ...set, records: [set.records[0]!] };
    assert.ok(!zsk.verify(signatureInput(other, d), d.signature));
  });

  test('a Labels field below the owner count signs the wildcard form (RFC 4035 §5.3.2)', () => {
    const expanded: RRset = {
      name: 'app.wild.example.test',
      type: 'TXT',
      class: 'IN',
      ttl: 60,
      records: [{ name: 'app.wild.example.test', type: 'TXT', class: 'IN', ttl: 60, data: [Buffer.from('w')] }],
    };
    const rrsig = signRRset(expanded, zsk, { signer: ORIGIN, ...T, labels: 3 });
    const d = rrsig.data as RrsigData;
    const wildcard: RRset = { ...expanded, name: '*.wild.example.test', records: expanded.records.map((r) => ({ ...r, name: '*.wild.example.test' })) };
    assert.ok(zsk.verify(signatureInput(wildcard, d), d.signature), 'same octets as the wildcard RRset');
    assert.equal(rrsigLabels('*.wild.example.test'), 3);
  });

  test('RRSIG times live in 32-bit serial space', () => {
    assert.equal(rrsigTime(2 ** 32 + 5), 5);
    assert.equal(rrsigTime(1_790_000_000.9), 1_790_000_000);
  });
});

describe('signZone (RFC 4035 §2)', () => {
  const input = zone();
  const before = input.size;
  const signed = signZone(input, [ksk, zsk], { ...T });

  test('returns a new zone and leaves the input alone', () => {
    assert.equal(input.size, before);
    assert.ok(signed.size > before);
  });

  test('apex: DNSKEY by the KSK, everything else by the ZSK', () => {
    const apex = sigsAt(signed, ORIGIN);
    assert.deepEqual(
      apex.filter((s) => s.typeCovered === 'DNSKEY').map((s) => s.keyTag),
      [ksk.keyTag],
    );
    assert.deepEqual(
      apex.filter((s) => s.typeCovered === 'SOA').map((s) => s.keyTag),
      [zsk.keyTag],
    );
    assert.deepEqual(covered(signed, ORIGIN), ['DNSKEY', 'NS', 'NSEC', 'SOA']);
  });

  test('delegations: NS and glue and occluded data unsigned, DS signed, NSEC bitmap without occluded types', () => {
    assert.deepEqual(covered(signed, `sub.${ORIGIN}`), ['NSEC']);
    assert.deepEqual(covered(signed, `ns.sub.${ORIGIN}`), []);
    assert.deepEqual(covered(signed, `deeper.ns.sub.${ORIGIN}`), []);
    assert.equal(signed.get(`ns.sub.${ORIGIN}`, 'NSEC'), undefined, 'glue is not in the chain');
    assert.deepEqual((signed.get(`sub.${ORIGIN}`, 'NSEC')!.records[0]!.data as NsecData).types, ['NS', 'RRSIG', 'NSEC']);
    assert.deepEqual(covered(signed, `secure.${ORIGIN}`), ['DS', 'NSEC']);
    assert.deepEqual((signed.get(`secure.${ORIGIN}`, 'NSEC')!.records[0]!.data as NsecData).types, ['NS', 'DS', 'RRSIG', 'NSEC']);
  });

  test('names below a DNAME are occluded: DNAME signed, data below it neither signed nor chained (RFC 6672 §2.4)', () => {
    assert.deepEqual(covered(signed, `dn.${ORIGIN}`), ['DNAME', 'NSEC']);
    assert.deepEqual(covered(signed, `x.dn.${ORIGIN}`), []);
    assert.equal(signed.get(`x.dn.${ORIGIN}`, 'NSEC'), undefined);
    assert.ok(signed.get(`x.dn.${ORIGIN}`, 'A'), 'the data itself stays in the zone');
  });

  test('NSEC chain: canonical order, wraps to the apex, TTL = min(SOA TTL, MINIMUM)', () => {
    const chain = [...signed.records()].filter((r) => r.type === 'NSEC');
    const owners = chain.map((r) => r.name);
    assert.deepEqual(owners, [
      'example.test',
      'a.b.c.example.test',
      'dn.example.test',
      'ns1.example.test',
      'secure.example.test',
      'sub.example.test',
      '*.wild.example.test',
      'www.example.test',
    ]);
    chain.forEach((r, i) => assert.ok(nameEquals((r.data as NsecData).nextDomain, owners[(i + 1) % owners.length]!)));
    assert.ok(chain.every((r) => r.ttl === 300));
  });

  test('re-signing a signed zone replaces the DNSSEC records instead of piling them up', () => {
    const again = signZone(signed, [ksk, zsk], { ...T, inception: T.inception + 10 });
    assert.equal(again.size, signed.size);
    assert.ok(sigsAt(again, `www.${ORIGIN}`).every((s) => s.inception === T.inception + 10));
  });

  test('NSEC3: empty non-terminals get NSEC3s, opt-out drops the insecure delegation only', () => {
    const n3 = signZone(zone(), [ksk, zsk], { ...T, denial: 'nsec3', nsec3: { optOut: false } });
    const list = [...n3.records()].filter((r) => r.type === 'NSEC3').map((r) => r.data as Nsec3Data);
    // apex, ns1, www, *.wild, wild (ENT), a.b.c, b.c (ENT), c (ENT), sub, secure, dn
    assert.equal(list.length, 11);
    assert.equal(list.filter((d) => d.types.length === 0).length, 3);
    const oo = signZone(zone(), [ksk, zsk], { ...T, denial: 'nsec3', nsec3: { optOut: true, salt: Buffer.from('ab', 'hex'), iterations: 3 } });
    const ooList = [...oo.records()].filter((r) => r.type === 'NSEC3').map((r) => r.data as Nsec3Data);
    assert.equal(ooList.length, 10);
    assert.ok(ooList.every((d) => d.flags === 1 && d.iterations === 3 && d.salt.toString('hex') === 'ab'));
    assert.equal(oo.get(ORIGIN, 'NSEC3PARAM')!.records.length, 1);
    assert.equal([...oo.records()].filter((r) => r.type === 'NSEC').length, 0);
  });

  test('CDS/CDNSKEY for the KSK, signed by the KSK; a lone KSK signs everything (CSK)', () => {
    const z = signZone(zone(), [ksk, zsk], { ...T, cds: { digestTypes: [2, 4] } });
    assert.equal(z.get(ORIGIN, 'CDS')!.records.length, 2);
    assert.equal(z.get(ORIGIN, 'CDNSKEY')!.records.length, 1);
    assert.deepEqual(
      sigsAt(z, ORIGIN)
        .filter((s) => s.typeCovered === 'CDS')
        .map((s) => s.keyTag),
      [ksk.keyTag],
    );
    const csk = signZone(zone(), [ksk], { ...T });
    assert.ok(sigsAt(csk, `www.${ORIGIN}`).every((s) => s.keyTag === ksk.keyTag));
  });

  test('two algorithms: every RRset signed by both (RFC 4035 §2.2, RFC 6840 §5.11)', () => {
    const ed = generateKey({ algorithm: 15, owner: ORIGIN, seed: 'ed' });
    const z = signZone(zone(), [ksk, zsk, ed], { ...T });
    const algs = sigsAt(z, `www.${ORIGIN}`)
      .filter((s) => s.typeCovered === 'A')
      .map((s) => s.algorithm)
      .sort();
    assert.deepEqual(algs, [13, 15], 'one ZSK per algorithm');
    assert.deepEqual(
      sigsAt(z, ORIGIN)
        .filter((s) => s.typeCovered === 'DNSKEY')
        .map((s) => s.algorithm)
        .sort(),
      [13, 15],
    );
  });

  test('errors are typed: no keys, foreign key, no SOA, bad validity, bad salt', () => {
    const err = (fn: () => unknown, code: string) => assert.throws(fn, (e: unknown) => e instanceof SigningError && e.code === code);
    err(() => signZone(zone(), [], T), 'NO_KEYS');
    err(() => signZone(zone(), [generateKey({ algorithm: 15, owner: 'other.test' })], T), 'KEY_OWNER');
    err(() => signZone(parseZoneText('$TTL 60\nwww A 192.0.2.1\n', ORIGIN), [zsk], T), 'NO_SOA');
    err(() => signZone(zone(), [zsk], { inception: 10, expiration: 5 }), 'BAD_VALIDITY');
    err(() => signZone(zone(), [zsk], { ...T, denial: 'nsec3', nsec3: { salt: Buffer.alloc(256) } }), 'BAD_NSEC3');
  });
});
