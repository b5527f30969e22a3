// NSEC3 proofs (RFC 5155 §8) from zones signed by dnssec-signzone: closest
// encloser + next closer + wildcard, NODATA, wildcard answers, opt-out for
// unsigned delegations, and the RFC 9276 iteration limit.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromBase32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { nsec3Covers, verifyDenial } from '../../dns/dnssec/denial.ts';
import { validateChain } from '../../dns/dnssec/chain.ts';
import { verifyRRset, verifyRRsets } from '../../dns/dnssec/validate.ts';
import { labels } from '../../dns/name.ts';
import type { Name } from '../../dns/types.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { Nsec3Data, RR } from '../../dns/types.ts';
import { NOW, parentZoneText, requireBindTools, Signed, signWithBind, withData, type Alg } from './validate-fixtures.ts';

const ORIGIN = 'n3.example';

/** Pick NSEC3 records by hash, independently of the validator's own search. */
class N3 {
  constructor(readonly z: Signed) {}
  private h(name: Name, d: Nsec3Data): Buffer {
    return nsec3Hash(name, d.salt, d.iterations);
  }
  private withSig(r: RR): RR[] {
    return [r, ...this.z.sigsFor(r.name, 'NSEC3')];
  }
  match(name: Name): RR[] {
    const r = this.z.nsec3s.find((x) => fromBase32hex(labels(x.name)[0]!).equals(this.h(name, x.data as Nsec3Data)));
    assert.ok(r, `no NSEC3 matches ${name}`);
    return this.withSig(r);
  }
  cover(name: Name): RR[] {
    const r = this.z.nsec3s.find((x) => {
      const d = x.data as Nsec3Data;
      const h = this.h(name, d);
      const own = fromBase32hex(labels(x.name)[0]!);
      const lo = Buffer.compare(own, h) < 0;
      const hi = Buffer.compare(h, d.nextHashedOwner) < 0;
      return Buffer.compare(own, d.nextHashedOwner) < 0 ? lo && hi : lo || hi;
    });
    assert.ok(r, `no NSEC3 covers ${name}`);
    return this.withSig(r);
  }
}

const cases: { alg: Alg; optOut: boolean; salt: string; iterations: number }[] = [
  { alg: 8, optOut: false, salt: '-', iterations: 0 },
  { alg: 13, optOut: true, salt: 'abcd', iterations: 5 },
  { alg: 15, optOut: false, salt: 'cafe', iterations: 3 },
];

for (const k of cases) {
  describe(`NSEC3 proofs, algorithm ${k.alg}, ${k.optOut ? 'opt-out' : 'no opt-out'}, salt ${k.salt}, ${k.iterations} iterations`, () => {
    let dir: string;
    let z: Signed;
    let n3: N3;
    let keys: RR[];
    const q = (qname: string, qtype: RR['type'] = 'A') => ({ qname: `${qname}.${ORIGIN}`, qtype, zone: ORIGIN });

    before(() => {
      requireBindTools();
      dir = mkdtempSync(join(tmpdir(), `dnslab-validate-n3-${k.alg}-`));
      const signed = signWithBind({
        dir,
        origin: ORIGIN,
        zoneText: parentZoneText('sub DS 11111 13 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD'),
        algorithm: k.alg,
        nsec3: { salt: k.salt, iterations: k.iterations, optOut: k.optOut },
      });
      z = new Signed(ORIGIN, signed.records);
      n3 = new N3(z);
      keys = z.dnskeys.records;
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('every authoritative RRset, NSEC3 and NSEC3PARAM included, verifies secure', () => {
      const sets = z.authoritativeRRsets();
      assert.ok(sets.some((s) => s.type === 'NSEC3') && sets.some((s) => s.type === 'NSEC3PARAM'));
      for (const s of sets) assert.equal(verifyRRset(s, z.sigs, keys, ORIGIN, NOW).status, 'secure', `${s.name} ${s.type}`);
      assert.equal(
        z.nsec3s.every((r) => ((r.data as Nsec3Data).flags & 1) === (k.optOut ? 1 : 0)),
        true,
      );
    });

    test('NXDOMAIN: closest encloser + next closer + wildcard', () => {
      for (const name of ['nope', 'x.y.nope']) {
        const proof = [...n3.match(ORIGIN), ...n3.cover(`nope.${ORIGIN}`), ...n3.cover(`*.${ORIGIN}`)];
        assert.equal(verifyRRsets(proof, keys, ORIGIN, NOW).status, 'secure');
        const d = verifyDenial('nxdomain', q(name), proof);
        // With opt-out the span may hide an unsigned delegation: insecure (RFC 5155 §9.2, as Unbound).
        assert.equal(d.status, k.optOut ? 'insecure' : 'secure', d.reason);
        assert.equal(d.closestEncloser, ORIGIN);
        assert.equal(d.optOut, k.optOut ? true : undefined);
      }
    });

    test('NXDOMAIN with a piece missing is bogus EDE 12', () => {
      // One NSEC3 can play two roles (e.g. the apex NSEC3 may also cover the wildcard), and then omitting one role
      // omits nothing. So pick a closest encloser and a qname under it whose three pieces are three different
      // records, and leave out each in turn.
      const enclosers = [ORIGIN, `www.${ORIGIN}`, `mail.${ORIGIN}`, `ns1.${ORIGIN}`, `deep.${ORIGIN}`, `b.deep.${ORIGIN}`];
      const choice = enclosers
        .flatMap((ce) => Array.from({ length: 20 }, (_, i) => ({ ce, qname: `n${i}.${ce}` })))
        .map(({ ce, qname }) => ({ qname, pieces: { 'closest encloser': n3.match(ce), 'next closer': n3.cover(qname), wildcard: n3.cover(`*.${ce}`) } }))
        .find(({ pieces }) => new Set(Object.values(pieces).map((rrs) => rrs[0]!.name.toLowerCase())).size === 3);
      assert.ok(choice, 'a qname whose three proof pieces are distinct NSEC3 records');
      const { qname, pieces } = choice;
      const full = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, Object.values(pieces).flat());
      assert.equal(full.status, k.optOut ? 'insecure' : 'secure', `${qname} with all three pieces: ${full.reason}`);
      for (const what of Object.keys(pieces)) {
        const rest = Object.entries(pieces)
          .filter(([w]) => w !== what)
          .flatMap(([, rrs]) => rrs);
        const d = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, rest);
        assert.equal(d.status, 'bogus', `${qname} without the ${what}: ${d.reason}`);
        assert.equal(d.ede, EdeCode.NSEC_MISSING, what);
      }
    });

    test('NXDOMAIN for an existing name or a wildcard-covered one is bogus', () => {
      assert.equal(verifyDenial('nxdomain', q('www'), z.nsec3s).status, 'bogus');
      const w = verifyDenial('nxdomain', q('zz.wild'), z.nsec3s);
      assert.equal(w.status, 'bogus');
      assert.match(w.reason, /wildcard/);
    });

    test('NODATA: www TXT and the empty non-terminal b.deep secure; www A and alias A bogus', () => {
      assert.equal(verifyDenial('nodata', q('www', 'TXT'), n3.match(`www.${ORIGIN}`)).status, 'secure');
      assert.equal(verifyDenial('nodata', q('b.deep'), n3.match(`b.deep.${ORIGIN}`)).status, 'secure');
      assert.equal(verifyDenial('nodata', q('www', 'A'), n3.match(`www.${ORIGIN}`)).status, 'bogus');
      assert.equal(verifyDenial('nodata', q('alias', 'A'), n3.match(`alias.${ORIGIN}`)).status, 'bogus');
    });

    test('wildcard answer: next closer covered under the RRSIG-derived closest encloser', () => {
      const qname = `host.wild.${ORIGIN}`;
      const src = z.rrset(`*.wild.${ORIGIN}`, 'A');
      const expanded: RRset = { ...src, name: qname, records: src.records.map((r) => ({ ...r, name: qname })) };
      const v = verifyRRset(
        expanded,
        z.sigsFor(`*.wild.${ORIGIN}`, 'A').map((r) => ({ ...r, name: qname })),
        keys,
        ORIGIN,
        NOW,
      );
      assert.equal(v.status, 'secure', v.reason);
      assert.equal(v.wildcard, `*.wild.${ORIGIN}`);
      const proof = n3.cover(qname);
      const d = verifyDenial('wildcard-answer', { qname, qtype: 'A', zone: ORIGIN }, proof, { wildcard: v.wildcard });
      assert.equal(d.status, k.optOut ? 'insecure' : 'secure', d.reason);
      assert.equal(d.closestEncloser, `wild.${ORIGIN}`);
      const derived = verifyDenial('wildcard-answer', { qname, qtype: 'A', zone: ORIGIN }, proof);
      assert.equal(derived.closestEncloser, `wild.${ORIGIN}`);
      // No covering NSEC3 for the next closer → a closer match may exist.
      assert.equal(verifyDenial('wildcard-answer', { qname, qtype: 'A', zone: ORIGIN }, n3.match(`wild.${ORIGIN}`), { wildcard: v.wildcard }).status, 'bogus');
    });

    test('wildcard NODATA: host.wild MX', () => {
      const qname = `host.wild.${ORIGIN}`;
      const proof = [...n3.match(`wild.${ORIGIN}`), ...n3.cover(qname), ...n3.match(`*.wild.${ORIGIN}`)];
      const d = verifyDenial('wildcard-nodata', { qname, qtype: 'MX', zone: ORIGIN }, proof);
      assert.equal(d.status, k.optOut ? 'insecure' : 'secure', d.reason);
      assert.equal(verifyDenial('wildcard-nodata', { qname, qtype: 'TXT', zone: ORIGIN }, proof).status, 'bogus');
    });

    test('no DS at the unsigned delegation: matching NSEC3, or opt-out covering the next closer', () => {
      const name = `unsigned.${ORIGIN}`;
      const proof = k.optOut ? [...n3.match(ORIGIN), ...n3.cover(name)] : n3.match(name);
      const d = verifyDenial('no-ds', { qname: name, qtype: 'DS', zone: ORIGIN }, proof);
      assert.equal(d.status, 'secure', d.reason);
      assert.equal(d.optOut, k.optOut ? true : undefined);
      const chain = validateChain(
        [],
        [
          { zone: ORIGIN, dnskey: { rrset: z.dnskeys, signatures: z.sigsFor(ORIGIN, 'DNSKEY') } },
          { zone: name, dsDenial: proof },
        ],
        NOW,
      );
      assert.equal(chain.status, 'indeterminate', 'no anchor given');
      const anchored = validateChain(
        keys.filter((r) => (r.data as { flags: number }).flags === 257),
        [
          { zone: ORIGIN, dnskey: { rrset: z.dnskeys, signatures: z.sigsFor(ORIGIN, 'DNSKEY') } },
          { zone: name, dsDenial: proof },
        ],
        NOW,
      );
      assert.deepEqual(
        anchored.zones.map((x) => x.status),
        ['secure', 'insecure'],
        anchored.reason,
      );
    });

    test('no DS at the signed delegation (DS bit) is bogus; opt-out cannot hide it', () => {
      assert.equal(verifyDenial('no-ds', { qname: `sub.${ORIGIN}`, qtype: 'DS', zone: ORIGIN }, n3.match(`sub.${ORIGIN}`)).status, 'bogus');
      // Without its matching NSEC3 the next closer "sub" is not covered by any span (it matches).
      assert.equal(verifyDenial('no-ds', { qname: `sub.${ORIGIN}`, qtype: 'DS', zone: ORIGIN }, n3.match(ORIGIN)).status, 'bogus');
    });

    test('below a delegation the delegation NSEC3 cannot be the closest encloser (RFC 5155 §8.3)', () => {
      const qname = `x.sub.${ORIGIN}`;
      const proof = [...n3.match(`sub.${ORIGIN}`), ...n3.cover(qname), ...n3.cover(`*.sub.${ORIGIN}`)];
      const d = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, proof);
      assert.equal(d.status, 'bogus');
      assert.match(d.reason, /delegation/);
    });

    test('a DNAME owner cannot be the closest encloser (RFC 5155 §8.3)', () => {
      const qname = `x.dn.${ORIGIN}`;
      const proof = [...n3.match(`dn.${ORIGIN}`), ...n3.cover(qname), ...n3.cover(`*.dn.${ORIGIN}`)];
      const d = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, proof);
      assert.equal(d.status, 'bogus');
      assert.match(d.reason, /DNAME/);
    });

    test('iterations above the limit → insecure EDE 27 (RFC 9276); unknown hash → insecure; bad flags ignored', () => {
      const proof = [...n3.match(ORIGIN), ...n3.cover(`nope.${ORIGIN}`), ...n3.cover(`*.${ORIGIN}`)].filter((r) => r.type === 'NSEC3');
      const many = proof.map((r) => withData(r, { iterations: 151 }));
      const d = verifyDenial('nxdomain', q('nope'), many);
      assert.equal(d.status, 'insecure');
      assert.equal(d.ede, EdeCode.UNSUPPORTED_NSEC3_ITERATIONS_VALUE);
      const limited = verifyDenial('nxdomain', q('nope'), proof, { nsec3IterationLimit: k.iterations - 1 });
      if (k.iterations > 0) assert.equal(limited.ede, EdeCode.UNSUPPORTED_NSEC3_ITERATIONS_VALUE);
      assert.equal(verifyDenial('nxdomain', q('nope'), proof, { nsec3IterationLimit: k.iterations }).status, k.optOut ? 'insecure' : 'secure');
      const unknownHash = verifyDenial(
        'nxdomain',
        q('nope'),
        proof.map((r) => withData(r, { hashAlgorithm: 2 })),
      );
      assert.equal(unknownHash.status, 'insecure');
      const badFlags = verifyDenial(
        'nxdomain',
        q('nope'),
        proof.map((r) => withData(r, { flags: 0x80 })),
      );
      assert.equal(badFlags.status, 'bogus');
      assert.equal(badFlags.ede, EdeCode.NSEC_MISSING);
    });

    test('nsec3Covers (RFC 8198 helper) agrees with the hash order', () => {
      const [cov] = n3.cover(`nope.${ORIGIN}`);
      assert.equal(nsec3Covers(cov!, `nope.${ORIGIN}`, ORIGIN), true);
      const [m] = n3.match(`www.${ORIGIN}`);
      assert.equal(nsec3Covers(m!, `www.${ORIGIN}`, ORIGIN), false, 'a matching NSEC3 does not cover');
      assert.equal(nsec3Covers(cov!, `nope.${ORIGIN}`, 'other.example'), false, 'records of another zone never cover');
      const foreign = ['a.other', 'b.other', 'c.other', 'd.other', 'e.other'];
      assert.ok(
        foreign.every((n) => !nsec3Covers(cov!, n, ORIGIN)),
        'names outside the zone are never covered',
      );
      if (k.iterations > 0) assert.equal(nsec3Covers(cov!, `nope.${ORIGIN}`, ORIGIN, k.iterations - 1), false, 'iterations above the limit: not used');
    });
  });
}
