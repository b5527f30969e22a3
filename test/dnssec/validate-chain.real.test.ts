// validateChain from the root down: ".", "example", "val.example",
// "sub.val.example", each zone signed by dnssec-signzone with its DS in the
// parent, plus unsigned delegations at the root and in "example". Exercises
// the root name in every position (signer ".", closest encloser ".", "*.").

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EdeCode } from '../../dns/wire/edns.ts';
import { validateChain, type ZoneEvidence } from '../../dns/dnssec/chain.ts';
import { verifyDenial } from '../../dns/dnssec/denial.ts';
import { verifyRRset, verifyRRsets } from '../../dns/dnssec/validate.ts';
import type { DnskeyData, DsData, RR } from '../../dns/types.ts';
import { childZoneText, NOW, parentZoneText, requireBindTools, Signed, signWithBind, type SignedZone } from './validate-fixtures.ts';

function dsLine(owner: string, ds: RR): string {
  const d = ds.data as DsData;
  return `${owner} 300 IN DS ${d.keyTag} ${d.algorithm} ${d.digestType} ${d.digest.toString('hex')}`;
}

describe('validateChain from the root', () => {
  let dir: string;
  const signed = new Map<string, SignedZone>();
  const z = new Map<string, Signed>();

  before(() => {
    requireBindTools();
    dir = mkdtempSync(join(tmpdir(), 'dnslab-validate-chain-'));
    const sign = (origin: string, text: string, algorithm: 8 | 13 | 15) => {
      const s = signWithBind({ dir, origin, zoneText: text, algorithm });
      signed.set(origin, s);
      z.set(origin, new Signed(origin, s.records));
      return s;
    };
    // Bottom-up, so each parent can carry its child's DS. Mixed algorithms on purpose.
    const sub = sign('sub.val.example', childZoneText(), 15);
    const val = sign('val.example', parentZoneText(dsLine('sub', sub.ds(2))), 13);
    const example = sign(
      'example',
      `$TTL 300
@ SOA ns hostmaster 1 3600 900 604800 300
@ NS ns
ns A 192.0.2.20
val NS ns.val
ns.val A 192.0.2.21
${dsLine('val', val.ds(4))}
plain NS ns.plain
ns.plain A 192.0.2.22
`,
      8,
    );
    sign(
      '.',
      `$TTL 300
@ SOA a.root-servers.lab. hostmaster.lab. 1 3600 900 604800 300
@ NS a.root-servers.lab.
example. NS ns.example.
ns.example. A 192.0.2.20
${dsLine('example.', example.ds(2))}
unsignedtld. NS ns.unsignedtld.
ns.unsignedtld. A 192.0.2.30
`,
      13,
    );
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const keys = (zone: string): ZoneEvidence['dnskey'] => ({ rrset: z.get(zone)!.dnskeys, signatures: z.get(zone)!.sigsFor(zone, 'DNSKEY') });
  const ds = (parent: string, child: string): ZoneEvidence['ds'] => ({
    rrset: z.get(parent)!.rrset(child, 'DS'),
    signatures: z.get(parent)!.sigsFor(child, 'DS'),
  });
  const fullChain = (): ZoneEvidence[] => [
    { zone: '.', dnskey: keys('.') },
    { zone: 'example', ds: ds('.', 'example'), dnskey: keys('example') },
    { zone: 'val.example', ds: ds('example', 'val.example'), dnskey: keys('val.example') },
    { zone: 'sub.val.example', ds: ds('val.example', 'sub.val.example'), dnskey: keys('sub.val.example') },
  ];

  test('root DS anchor → four secure zones, answer in the leaf secure', () => {
    const r = validateChain([signed.get('.')!.ds(2)], fullChain(), NOW);
    assert.equal(r.status, 'secure', r.reason);
    assert.deepEqual(
      r.zones.map((x) => [x.zone, x.status]),
      [
        ['.', 'secure'],
        ['example', 'secure'],
        ['val.example', 'secure'],
        ['sub.val.example', 'secure'],
      ],
    );
    const leaf = z.get('sub.val.example')!;
    assert.equal(verifyRRset(leaf.rrset('host.sub.val.example', 'A'), leaf.sigs, r.keys!, 'sub.val.example', NOW).status, 'secure');
  });

  test('root DNSKEY (KSK) as the anchor works the same', () => {
    const ksk = z.get('.')!.dnskeys.records.find((k) => (k.data as DnskeyData).flags === 257)!;
    assert.equal(validateChain([ksk], fullChain(), NOW).status, 'secure');
  });

  test('a broken link in the middle makes it and everything below bogus', () => {
    const chain = fullChain();
    chain[2] = { ...chain[2]!, dnskey: keys('sub.val.example') }; // wrong zone's keys for val.example
    const r = validateChain([signed.get('.')!.ds(2)], chain, NOW);
    assert.deepEqual(
      r.zones.map((x) => x.status),
      ['secure', 'secure', 'bogus', 'bogus'],
    );
    assert.equal(r.ede, EdeCode.DNSKEY_MISSING);
  });

  test('unsigned delegations: root → unsignedtld and example → plain are insecure', () => {
    const root = z.get('.')!;
    const tld = validateChain(
      [signed.get('.')!.ds(2)],
      [
        { zone: '.', dnskey: keys('.') },
        { zone: 'unsignedtld', dsDenial: root.nsecAt('unsignedtld') },
      ],
      NOW,
    );
    assert.deepEqual(
      tld.zones.map((x) => x.status),
      ['secure', 'insecure'],
      tld.reason,
    );
    const ex = z.get('example')!;
    const plain = validateChain(
      [signed.get('.')!.ds(2)],
      [
        { zone: '.', dnskey: keys('.') },
        { zone: 'example', ds: ds('.', 'example'), dnskey: keys('example') },
        { zone: 'plain.example', dsDenial: ex.nsecAt('plain.example') },
      ],
      NOW,
    );
    assert.deepEqual(
      plain.zones.map((x) => x.status),
      ['secure', 'secure', 'insecure'],
    );
    // The root's NSEC for "example" (DS bit set) cannot deny example's DS.
    const lie = validateChain(
      [signed.get('.')!.ds(2)],
      [
        { zone: '.', dnskey: keys('.') },
        { zone: 'example', dsDenial: root.nsecAt('example') },
      ],
      NOW,
    );
    assert.equal(lie.status, 'bogus');
  });

  test('chain entries out of order are bogus, not silently accepted', () => {
    const c = fullChain();
    const r = validateChain([signed.get('.')!.ds(2)], [c[0]!, c[2]!, c[1]!], NOW);
    assert.equal(r.status, 'bogus', r.reason);
    assert.deepEqual(
      r.zones.map((x) => `${x.zone} ${x.status}`),
      ['. secure', `${c[2]!.zone} bogus`, `${c[1]!.zone} bogus`],
    );
    // A zone that is not below the one before it is refused for that reason, whatever its evidence.
    const back = validateChain([signed.get('.')!.ds(2)], [c[0]!, c[1]!, c[0]!], NOW);
    assert.equal(back.status, 'bogus');
    assert.match(back.reason, new RegExp(`chain out of order: \\. is not below ${c[1]!.zone.replace(/\./g, '\\.')}\\.`));
  });

  test('NXDOMAIN in the root zone: closest encloser "." and wildcard "*."', () => {
    const root = z.get('.')!;
    const proof = [...root.nsecCovering('nope'), ...root.nsecCovering('*')];
    assert.equal(verifyRRsets(proof, root.dnskeys.records, '.', NOW).status, 'secure');
    const d = verifyDenial('nxdomain', { qname: 'nope', qtype: 'A', zone: '.' }, proof);
    assert.equal(d.status, 'secure', d.reason);
    assert.equal(d.closestEncloser, '.');
    assert.equal(verifyDenial('nxdomain', { qname: 'example', qtype: 'A', zone: '.' }, root.nsecs).status, 'bogus');
  });
});
