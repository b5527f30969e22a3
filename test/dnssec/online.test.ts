// Online signing (the authoritative server's per-zone signer hook): answers
// signed as served, with minimally covering NSEC "white lies". The shapes are
// checked here; whether real validators accept them is checked with `delv`
// in online.real.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { epsilonPredecessor, immediateSuccessor, OnlineSigner, publishKeys, successorAfterDescendants } from '../../dns/dnssec/online.ts';
import { signatureInput } from '../../dns/dnssec/signed-data.ts';
import { verifyDenial, type DenialKind } from '../../dns/dnssec/denial.ts';
import { makeQuery } from '../../dns/message.ts';
import { canonicalCompare, nameEquals } from '../../dns/name.ts';
import { groupRRsets } from '../../dns/rrset.ts';
import type { Message, NsecData, RR, RrsigData, RRTypeName } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { answerQuery } from '../../servers/authoritative/answer.ts';
import { ZoneSet } from '../../servers/authoritative/zone-set.ts';
import { ksk, ORIGIN, zsk13, ZONE_TEXT } from './online-fixtures.ts';

const NOW_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
const keys = [ksk, zsk13];

function setup(signer: OnlineSigner): ZoneSet {
  const zone = parseZoneText(ZONE_TEXT, ORIGIN);
  publishKeys(zone, keys);
  const zones = new ZoneSet();
  zones.add(zone, { onlineSigner: signer });
  return zones;
}
function ask(zones: ZoneSet, qname: string, qtype: RRTypeName): Message {
  return answerQuery(zones, makeQuery(qname, qtype, { do: true, rd: false }));
}
function nsecs(m: Message): RR[] {
  return m.authority.filter((r) => r.type === 'NSEC');
}
/** Every RRset in the message that has RRSIGs verifies under our keys. Returns the number of signed RRsets. */
function verifyAll(m: Message): number {
  let n = 0;
  for (const section of [m.answer, m.authority, m.additional]) {
    const sigs = section.filter((r) => r.type === 'RRSIG');
    for (const set of groupRRsets(section.filter((r) => r.type !== 'RRSIG'))) {
      for (const sig of sigs.filter((s) => nameEquals(s.name, set.name) && (s.data as RrsigData).typeCovered === set.type)) {
        const d = sig.data as RrsigData;
        const key = keys.find((k) => k.keyTag === d.keyTag)!;
        assert.ok(key.verify(signatureInput(set, d), d.signature), `RRSIG over ${set.name} ${set.type} verifies`);
        n++;
      }
    }
  }
  return n;
}

describe('online signer: answer shapes', () => {
  const signer = new OnlineSigner({ keys, now: () => NOW_MS });
  const zones = setup(signer);

  test('positive answer: RRSIG by the ZSK with times from the lab clock; DNSKEY signed by the KSK', () => {
    const m = ask(zones, 'www.slack.test', 'A');
    const sig = m.answer.find((r) => r.type === 'RRSIG')!.data as RrsigData;
    assert.equal(sig.keyTag, zsk13.keyTag);
    assert.equal(sig.inception, NOW_MS / 1000 - 3600);
    assert.equal(sig.expiration, NOW_MS / 1000 + 7 * 86400);
    assert.equal(sig.labels, 3);
    assert.ok(verifyAll(m) >= 2, 'answer A and authority NS');
    const k = ask(zones, ORIGIN, 'DNSKEY');
    assert.deepEqual(
      k.answer.filter((r) => r.type === 'RRSIG').map((r) => (r.data as RrsigData).keyTag),
      [ksk.keyTag],
    );
    verifyAll(k);
  });

  test('NODATA: NSEC owner = qname, next = \\000.qname, bitmap = types present + RRSIG NSEC', () => {
    const m = ask(zones, 'www.slack.test', 'AAAA');
    const [nsec] = nsecs(m);
    assert.equal(nsec?.name, 'www.slack.test');
    assert.equal((nsec!.data as NsecData).nextDomain, '\\000.www.slack.test');
    assert.deepEqual((nsec!.data as NsecData).types, ['A', 'RRSIG', 'NSEC']);
    assert.equal(verifyAll(m), 2, 'SOA and NSEC signed');
  });

  test('wildcard answer: Labels field of the wildcard and an NSEC covering the next closer name', () => {
    const m = ask(zones, 'app.slack.test', 'A');
    const sig = m.answer.find((r) => r.type === 'RRSIG')!.data as RrsigData;
    assert.equal(sig.labels, 2, '*.slack.test has 2 labels without the *');
    const [cover] = nsecs(m);
    assert.ok(cover, 'NSEC proving app.slack.test itself does not exist');
    assert.ok(canonicalCompare(cover.name, 'app.slack.test') < 0 && canonicalCompare('app.slack.test', (cover.data as NsecData).nextDomain) < 0);
    verifyAll(m);
  });

  test('wildcard NODATA (Route 53 style): bitmap lists the wildcard types; the Slack quirk drops them', () => {
    const good = nsecs(ask(zones, 'app.slack.test', 'AAAA'));
    assert.equal(good.length, 1);
    assert.equal(good[0]!.name, 'app.slack.test');
    assert.deepEqual((good[0]!.data as NsecData).types, ['A', 'RRSIG', 'NSEC']);
    signer.setQuirks([{ kind: 'nsec-bitmap-omits-wildcard-types' }]);
    try {
      const bad = ask(zones, 'app.slack.test', 'AAAA');
      assert.deepEqual((nsecs(bad)[0]!.data as NsecData).types, ['RRSIG', 'NSEC'], 'the 2021 Route 53 bitmap');
      verifyAll(bad); // validly signed: the bug is in what it says
    } finally {
      signer.setQuirks([]);
    }
  });

  test('NXDOMAIN: two minimally covering NSECs (next closer name, wildcard), nothing real denied', () => {
    const m = ask(zones, 'x.y.ent.slack.test', 'A');
    assert.equal(m.rcode, 'NXDOMAIN');
    const list = nsecs(m);
    assert.equal(list.length, 2);
    const zoneNames = ['slack.test', 'ent.slack.test', 'b.ent.slack.test', 'a.b.ent.slack.test', 'www.slack.test', '*.slack.test'];
    for (const n of list) {
      const next = (n.data as NsecData).nextDomain;
      for (const real of zoneNames)
        assert.ok(!(canonicalCompare(n.name, real) < 0 && canonicalCompare(real, next) < 0), `${n.name}..${next} must not cover ${real}`);
    }
    const covers = (name: string) => list.some((n) => canonicalCompare(n.name, name) < 0 && canonicalCompare(name, (n.data as NsecData).nextDomain) < 0);
    assert.ok(covers('y.ent.slack.test'), 'next closer name covered');
    assert.ok(covers('*.ent.slack.test'), 'wildcard at the closest encloser covered');
    verifyAll(m);
  });

  test('compact denial ("black lies", RFC 9824): NXDOMAIN becomes NODATA at qname', () => {
    const compact = setup(new OnlineSigner({ keys, now: () => NOW_MS, nxdomain: 'compact', nxname: true }));
    const m = ask(compact, 'nx.www.slack.test.', 'TXT');
    assert.equal(m.rcode, 'NOERROR');
    const [n] = nsecs(m);
    assert.equal(n?.name, 'nx.www.slack.test');
    assert.deepEqual((n!.data as NsecData).types, ['RRSIG', 'NSEC', 'TYPE128']);
  });

  test('referral: NS and glue unsigned; signed DS, or an NSEC at the cut proving no DS', () => {
    const insecure = ask(zones, 'www.sub.slack.test', 'A');
    assert.equal(insecure.flags.aa, false);
    assert.ok(!insecure.authority.some((r) => r.type === 'RRSIG' && (r.data as RrsigData).typeCovered === 'NS'));
    assert.ok(!insecure.additional.some((r) => r.type === 'RRSIG'), 'glue unsigned');
    const [n] = nsecs(insecure);
    assert.equal(n?.name, 'sub.slack.test');
    assert.deepEqual((n!.data as NsecData).types, ['NS', 'RRSIG', 'NSEC']);
    const secure = ask(zones, 'www.secure.slack.test', 'A');
    assert.ok(secure.authority.some((r) => r.type === 'RRSIG' && (r.data as RrsigData).typeCovered === 'DS'));
    assert.equal(nsecs(secure).length, 0);
    verifyAll(secure);
  });

  test('quirks: corrupt signature, missing RRSIG, expired signature', () => {
    signer.setQuirks([
      { kind: 'corrupt-signature', owner: 'www.slack.test', type: 'A' },
      { kind: 'missing-rrsig', owner: ORIGIN, type: 'NS' },
      { kind: 'signature-validity', owner: ORIGIN, type: 'SOA', inception: NOW_MS / 1000 - 7200, expiration: NOW_MS / 1000 - 3600 },
    ]);
    try {
      const m = ask(zones, 'www.slack.test', 'A');
      assert.throws(() => verifyAll(m), /verifies/);
      assert.ok(!m.authority.some((r) => r.type === 'RRSIG'), 'apex NS left unsigned');
      const neg = ask(zones, 'www.slack.test', 'TXT');
      const soaSig = neg.authority.find((r) => r.type === 'RRSIG' && (r.data as RrsigData).typeCovered === 'SOA')!.data as RrsigData;
      assert.ok(soaSig.expiration < NOW_MS / 1000);
    } finally {
      signer.setQuirks([]);
    }
  });

  test('the independent validator (validate.ts) accepts every white-lie proof', () => {
    const proof = (qname: string, qtype: RRTypeName, kind: DenialKind, opts: { wildcard?: string } = {}) => {
      const m = ask(zones, qname, qtype);
      return verifyDenial(kind, { qname, qtype, zone: ORIGIN }, m.authority, opts).status;
    };
    assert.equal(proof('www.slack.test', 'AAAA', 'nodata'), 'secure');
    assert.equal(proof('b.ent.slack.test', 'A', 'nodata'), 'secure');
    assert.equal(proof('x.y.ent.slack.test', 'A', 'nxdomain'), 'secure');
    assert.equal(proof('nx.www.slack.test', 'A', 'nxdomain'), 'secure');
    assert.equal(proof('app.slack.test', 'A', 'wildcard-answer', { wildcard: '*.slack.test' }), 'secure');
    assert.equal(proof('app.slack.test', 'AAAA', 'nodata'), 'secure');
    const ref = ask(zones, 'www.sub.slack.test', 'A');
    assert.equal(verifyDenial('no-ds', { qname: 'sub.slack.test', qtype: 'DS', zone: ORIGIN }, ref.authority).status, 'secure');
  });

  test('Slack mechanism (RFC 8198): with the quirk, the NSEC from the AAAA answer also "proves" that A does not exist', () => {
    const aggressive = (records: RR[]) => verifyDenial('nodata', { qname: 'app.slack.test', qtype: 'A', zone: ORIGIN }, records).status;
    assert.equal(aggressive(ask(zones, 'app.slack.test', 'AAAA').authority), 'bogus', 'correct bitmap lists A: it cannot deny A');
    signer.setQuirks([{ kind: 'nsec-bitmap-omits-wildcard-types' }]);
    try {
      assert.equal(aggressive(ask(zones, 'app.slack.test', 'AAAA').authority), 'secure', 'the broken bitmap denies A, which exists');
    } finally {
      signer.setQuirks([]);
    }
  });

  test('a malformed record in the zone is served unsigned instead of throwing', () => {
    const z = setup(new OnlineSigner({ keys, now: () => NOW_MS }));
    z.get(ORIGIN)!.add({ name: 'bad.slack.test', type: 'A', class: 'IN', ttl: 300, data: 'not-an-address' } as RR);
    const m = ask(z, 'bad.slack.test', 'A');
    assert.ok(!m.answer.some((r) => r.type === 'RRSIG'));
  });

  test('epsilon names: predecessor < name < successors, and descendants stay inside the span', () => {
    for (const name of ['app.slack.test', 'a.slack.test', '0.slack.test', '[.slack.test', 'a\\000.slack.test', 'Z.slack.test']) {
      const pred = epsilonPredecessor(name);
      assert.ok(canonicalCompare(pred, name) < 0, `${pred} < ${name}`);
      assert.ok(canonicalCompare(name, immediateSuccessor(name)) < 0);
      const after = successorAfterDescendants(name);
      assert.ok(canonicalCompare(`deep.child.${name}`, after) < 0 && canonicalCompare(name, after) < 0, `descendants of ${name} before ${after}`);
    }
  });
});
