// Rollover and multi-signer primitives: a resolver still holding the previous
// step's cached DNSKEY/DS validates the new step's data (the property each
// rollover method exists for). Skipping a step must break that — so the checks
// can fail. Validation here uses dns/dnssec/validate.ts; that every step is a
// complete zone for BIND's dnssec-verify is checked in rollover.real.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { corruptSignature, dsRecordMatchingNoKey, expiredSignatures, missingRrsig, notYetValidSignatures } from '../../dns/dnssec/quirks.ts';
import {
  algorithmRollover,
  dsRRset,
  initialKeyState,
  kskDoubleDsRollover,
  kskDoubleSignatureRollover,
  multiSignerModel2,
  zskDoubleSignatureRollover,
  zskPrePublishRollover,
  type KeyState,
} from '../../dns/dnssec/rollover.ts';
import { signZone } from '../../dns/dnssec/sign.ts';
import { verifyDnskeys, verifyRRset } from '../../dns/dnssec/validate.ts';
import type { RrsigData, RR } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { k, ksk1, ksk2, NOW, ORIGIN, sign, times, ZONE, zsk1, zsk2 } from './rollover-fixtures.ts';

function rrsetWithSigs(zone: Zone, name: string, type: 'A' | 'DNSKEY') {
  const set = zone.get(name, type)!;
  const sigs = zone.get(name, 'RRSIG')!.records.filter((r) => (r.data as RrsigData).typeCovered === type);
  return { set, sigs };
}
function dnskeys(zone: Zone): RR[] {
  return zone.get(ORIGIN, 'DNSKEY')!.records;
}
/** A resolver holding `cachedDnskeys` validates www A from `zone`. */
function wwwValidates(zone: Zone, cachedDnskeys: RR[]): boolean {
  const { set, sigs } = rrsetWithSigs(zone, `www.${ORIGIN}`, 'A');
  return verifyRRset(set, sigs, cachedDnskeys, ORIGIN, NOW).status === 'secure';
}
/** A resolver holding the DS RRset `cachedDs` authenticates the DNSKEY RRset served by `zone`. */
function dnskeyValidates(zone: Zone, cachedDs: RR[]): boolean {
  const { set, sigs } = rrsetWithSigs(zone, ORIGIN, 'DNSKEY');
  return verifyDnskeys(set, sigs, cachedDs, NOW).status === 'secure';
}
const tags = (rrs: RR[]) => rrs.map((r) => (r.data as RrsigData).keyTag).sort((a, b) => a - b);

describe('ZSK rollovers', () => {
  const s0 = initialKeyState(ORIGIN, [ksk1, zsk1]);

  test('pre-publication: each step validates with the previous step cached', () => {
    const steps = zskPrePublishRollover(s0, zsk1, zsk2);
    assert.equal(steps.length, 3);
    let previous = sign(s0);
    for (const step of steps) {
      const zone = sign(step.state);
      assert.ok(wwwValidates(zone, dnskeys(previous)), `${step.name}: data validates with the previous DNSKEY RRset cached`);
      assert.ok(dnskeyValidates(zone, dsRRset(step.state)));
      previous = zone;
    }
    assert.deepEqual(tags(rrsetWithSigs(sign(steps[1]!.state), `www.${ORIGIN}`, 'A').sigs), [zsk2.keyTag]);
    assert.deepEqual(dnskeys(sign(steps[2]!.state)).length, 2);
  });

  test('skipping pre-publication breaks resolvers holding the old DNSKEY RRset', () => {
    const direct = sign(zskPrePublishRollover(s0, zsk1, zsk2)[2]!.state);
    assert.equal(wwwValidates(direct, dnskeys(sign(s0))), false);
  });

  test('double signature: both ZSKs sign during the overlap', () => {
    const [both, done] = zskDoubleSignatureRollover(s0, zsk1, zsk2);
    const zone = sign(both!.state);
    assert.deepEqual(
      tags(rrsetWithSigs(zone, `www.${ORIGIN}`, 'A').sigs),
      [zsk1.keyTag, zsk2.keyTag].sort((a, b) => a - b),
    );
    assert.ok(wwwValidates(sign(done!.state), dnskeys(zone)));
  });
});

describe('KSK rollovers', () => {
  const s0 = initialKeyState(ORIGIN, [ksk1, zsk1]);
  for (const [name, roll] of [
    ['double-DS', kskDoubleDsRollover],
    ['double-signature', kskDoubleSignatureRollover],
  ] as const) {
    test(`${name}: the DNSKEY RRset validates from the cached DS of the previous step and the current DS`, () => {
      const steps = roll(s0, ksk1, ksk2);
      let previous: KeyState = s0;
      for (const step of steps) {
        const zone = sign(step.state);
        assert.ok(dnskeyValidates(zone, dsRRset(previous)), `${step.name}: with the previous DS cached`);
        assert.ok(dnskeyValidates(zone, dsRRset(step.state)), `${step.name}: with the new DS`);
        // A resolver that cached the previous DNSKEY set keeps validating data too.
        assert.ok(wwwValidates(zone, dnskeys(sign(previous))));
        previous = step.state;
      }
      assert.deepEqual(
        dsRRset(steps[steps.length - 1]!.state).map((r) => (r.data as { keyTag: number }).keyTag),
        [ksk2.keyTag],
      );
    });
  }

  test('swapping the KSK without the double-DS phase fails for a resolver with the old DS', () => {
    const [added, swapped] = kskDoubleDsRollover(s0, ksk1, ksk2);
    // Done properly: by the swap, resolvers hold the double DS of the first step, and the new KSK validates.
    assert.equal(dnskeyValidates(sign(swapped!.state), dsRRset(added!.state)), true);
    // Skipped: the parent never got the new DS, so the only DS anyone can fetch or cache is the old one.
    const withoutNewDs: KeyState = { ...swapped!.state, ds: s0.ds };
    assert.deepEqual(
      dsRRset(withoutNewDs).map((r) => (r.data as { keyTag: number }).keyTag),
      [ksk1.keyTag],
    );
    assert.equal(dnskeyValidates(sign(withoutNewDs), dsRRset(withoutNewDs)), false);
  });
});

describe('algorithm rollover (RFC 6781 §4.1.4, conservative)', () => {
  test("13 -> 15: every step validates from the previous step's cached DNSKEY and DS", () => {
    const oldKeys = [ksk1, zsk1];
    const newKeys = [k('aksk', true, 15), k('azsk', false, 15)];
    const s0 = initialKeyState(ORIGIN, oldKeys);
    const steps = algorithmRollover(s0, oldKeys, newKeys);
    assert.equal(steps.length, 5);
    let previous: KeyState = s0;
    for (const step of steps) {
      const zone = sign(step.state);
      const cachedKeys = dnskeys(sign(previous));
      assert.ok(wwwValidates(zone, cachedKeys), `${step.name}: data validates with the previous DNSKEY RRset`);
      assert.ok(dnskeyValidates(zone, dsRRset(previous)), `${step.name}: DNSKEY RRset validates with the previous DS`);
      assert.ok(dnskeyValidates(zone, dsRRset(step.state)), `${step.name}: and with the current DS`);
      previous = step.state;
    }
    // Step 1 signs with algorithm 15 while its DNSKEYs are withheld.
    const first = sign(steps[0]!.state);
    assert.deepEqual([...new Set(dnskeys(first).map((r) => (r.data as { algorithm: number }).algorithm))], [13]);
    assert.deepEqual([...new Set(rrsetWithSigs(first, `www.${ORIGIN}`, 'A').sigs.map((r) => (r.data as RrsigData).algorithm))].sort(), [13, 15]);
    const last = sign(steps[4]!.state);
    assert.deepEqual([...new Set(dnskeys(last).map((r) => (r.data as { algorithm: number }).algorithm))], [15]);
  });

  test('skipping the steps breaks resolvers holding the old DS or the old DNSKEY RRset', () => {
    const oldKeys = [ksk1, zsk1];
    const newKeys = [k('aksk', true, 15), k('azsk', false, 15)];
    const s0 = initialKeyState(ORIGIN, oldKeys);
    // Jump to the end: only algorithm 15 keys and DS. A resolver still holding the old DS cannot authenticate.
    const end = algorithmRollover(s0, oldKeys, newKeys)[4]!.state;
    assert.equal(dnskeyValidates(sign(end), dsRRset(s0)), false);
    // And one holding the old DNSKEY RRset cannot validate the new-only signatures.
    assert.equal(wwwValidates(sign(end), dnskeys(sign(s0))), false);
  });
});

describe('multi-signer (RFC 8901 model 2)', () => {
  test('each provider signs with its own keys; answers from either validate with either DNSKEY RRset and the joint DS', () => {
    const a = { ksk: ksk1, zsk: zsk1 };
    const b = { ksk: k('bksk', true, 15), zsk: k('bzsk', false, 15) };
    const [stateA, stateB] = multiSignerModel2(ORIGIN, [a, b]);
    const zoneA = sign(stateA!);
    const zoneB = sign(stateB!);
    assert.equal(stateA!.ds.length, 2);
    for (const [served, cachedKeysFrom] of [
      [zoneA, zoneB],
      [zoneB, zoneA],
    ] as const) {
      assert.ok(wwwValidates(served, dnskeys(cachedKeysFrom)), 'data from one provider validates with the other provider DNSKEY RRset');
      assert.ok(dnskeyValidates(served, dsRRset(stateA!)));
    }
    // Without the exchange of ZSKs, mixing providers fails.
    const [loneA] = multiSignerModel2(ORIGIN, [a]);
    const [loneB] = multiSignerModel2(ORIGIN, [b]);
    assert.equal(wwwValidates(sign(loneB!), dnskeys(sign(loneA!))), false);
  });
});

describe('named quirks', () => {
  const state = initialKeyState(ORIGIN, [ksk1, zsk1]);
  const signedWith = (quirks: Parameters<typeof signZone>[2]['quirks']) => signZone(parseZoneText(ZONE, ORIGIN), [ksk1, zsk1], { ...times, quirks });

  test('expired / not-yet-valid / missing / corrupt signatures are bogus for the validator', () => {
    const keys = dnskeys(sign(state));
    assert.ok(wwwValidates(signedWith([]), keys), 'baseline');
    for (const q of [expiredSignatures(NOW, { owner: `www.${ORIGIN}` }), notYetValidSignatures(NOW, { type: 'A' }), corruptSignature(`www.${ORIGIN}`, 'A')]) {
      assert.equal(wwwValidates(signedWith([q]), keys), false, JSON.stringify(q));
    }
    const missing = signedWith([missingRrsig(`www.${ORIGIN}`, 'A')]);
    assert.equal(
      missing.get(`www.${ORIGIN}`, 'RRSIG')!.records.some((r) => (r.data as RrsigData).typeCovered === 'A'),
      false,
    );
  });

  test('a DS that matches no key: plausible tag and algorithm, DNSKEY RRset not authenticated', () => {
    const zone = sign(state);
    for (const how of ['digest', 'tag'] as const) {
      const bad = dsRecordMatchingNoKey(ksk1, 86400, how);
      assert.equal((bad.data as { algorithm: number }).algorithm, 13);
      assert.equal(dnskeyValidates(zone, [bad]), false, how);
    }
    assert.ok(dnskeyValidates(zone, dsRRset(state)));
  });
});

describe('rollover with an online signer', () => {
  test('publishState + setKeys: each pre-publish step validates with the previous DNSKEY RRset cached', async () => {
    const { OnlineSigner } = await import('../../dns/dnssec/online.ts');
    const { publishState } = await import('../../dns/dnssec/rollover.ts');
    const { ZoneSet } = await import('../../servers/authoritative/zone-set.ts');
    const { answerQuery } = await import('../../servers/authoritative/answer.ts');
    const { makeQuery } = await import('../../dns/message.ts');
    const { groupRRsets } = await import('../../dns/rrset.ts');
    const zone = parseZoneText(ZONE, ORIGIN);
    const s0 = initialKeyState(ORIGIN, [ksk1, zsk1]);
    const signer = new OnlineSigner({ keys: publishState(zone, s0), now: () => NOW * 1000 });
    const zones = new ZoneSet();
    zones.add(zone, { onlineSigner: signer });
    const ask = (qname: string, qtype: 'A' | 'DNSKEY') => answerQuery(zones, makeQuery(qname, qtype, { do: true, rd: false }));
    const wwwOk = (cached: RR[]) => {
      const m = ask(`www.${ORIGIN}`, 'A');
      const set = groupRRsets(m.answer.filter((r) => r.type === 'A'))[0]!;
      return (
        verifyRRset(
          set,
          m.answer.filter((r) => r.type === 'RRSIG'),
          cached,
          ORIGIN,
          NOW,
        ).status === 'secure'
      );
    };
    let cached = ask(ORIGIN, 'DNSKEY').answer.filter((r) => r.type === 'DNSKEY');
    assert.ok(wwwOk(cached));
    for (const step of zskPrePublishRollover(s0, zsk1, zsk2)) {
      signer.setKeys(publishState(zone, step.state));
      assert.ok(wwwOk(cached), `${step.name}: validates with the previous DNSKEY RRset`);
      cached = ask(ORIGIN, 'DNSKEY').answer.filter((r) => r.type === 'DNSKEY');
    }
    assert.deepEqual(cached.map((r) => (r.data as { flags: number }).flags).sort(), [256, 257]);
    // Jumping straight to the new ZSK fails for the cache from before the rollover.
    const before = initialKeyState(ORIGIN, [ksk1, zsk1]);
    signer.setKeys(publishState(zone, before));
    const old = ask(ORIGIN, 'DNSKEY').answer.filter((r) => r.type === 'DNSKEY');
    signer.setKeys(publishState(zone, zskPrePublishRollover(before, zsk1, zsk2)[2]!.state));
    assert.equal(wwwOk(old), false);
  });
});
