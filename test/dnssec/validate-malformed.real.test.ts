// Malformed DNSSEC material must give bogus/insecure verdicts with a reason,
// never an exception: bad key lengths, RSA exponent oddities, points off the
// curve, wrong signature lengths, unknown algorithms, garbage RDATA shapes.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { keyTag, makeDs } from '../../dns/dnssec/algorithms.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { nsec3Covers, nsecCovers, verifyDenial } from '../../dns/dnssec/denial.ts';
import { validateChain } from '../../dns/dnssec/chain.ts';
import { verifyDnskeys, verifyRRset, verifyRRsets } from '../../dns/dnssec/validate.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { DnskeyData, RR, RrsigData } from '../../dns/types.ts';
import { NOW, parentZoneText, requireBindTools, Signed, signWithBind, withData, type Alg } from './validate-fixtures.ts';

const ORIGIN = 'bad.example';
const STATUSES = new Set(['secure', 'insecure', 'bogus', 'indeterminate']);

interface Fixture {
  z: Signed;
  set: RRset;
  sig: RR;
  zsk: RR;
}

describe('malformed DNSSEC data never crashes the validator', () => {
  let dir: string;
  const fx = new Map<Alg, Fixture>();

  before(() => {
    requireBindTools();
    dir = mkdtempSync(join(tmpdir(), 'dnslab-validate-bad-'));
    for (const alg of [8, 13, 15] as Alg[]) {
      const z = new Signed(ORIGIN, signWithBind({ dir: join(dir, String(alg)), origin: ORIGIN, zoneText: parentZoneText(), algorithm: alg }).records);
      const set = z.rrset(`www.${ORIGIN}`, 'A');
      const sig = z.sigsFor(`www.${ORIGIN}`, 'A')[0]!;
      const zsk = z.dnskeys.records.find((r) => (r.data as DnskeyData).flags === 256)!;
      fx.set(alg, { z, set, sig, zsk });
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Verify www A with the ZSK's public key replaced by `key` (RRSIG key tag follows, so the key is actually parsed). */
  function withKey(alg: Alg, key: Buffer) {
    const { set, sig, zsk } = fx.get(alg)!;
    const data = { ...(zsk.data as DnskeyData), key };
    const k = { ...zsk, data } as RR;
    const s = withData(sig, { keyTag: keyTag(data) });
    return verifyRRset(set, [s], [k], ORIGIN, NOW);
  }

  function rsaKey(exponent: Buffer, modulus: Buffer): Buffer {
    const head = exponent.length < 256 ? Buffer.from([exponent.length]) : Buffer.from([0, exponent.length >> 8, exponent.length & 0xff]);
    return Buffer.concat([head, exponent, modulus]);
  }

  test('ECDSA P-256 keys that are not 64 octets, or not on the curve → bogus with a reason', () => {
    const good = (fx.get(13)!.zsk.data as DnskeyData).key;
    for (const [what, key, re] of [
      ['63 octets', good.subarray(0, 63), /64 octets/],
      ['65 octets (SEC1 prefix)', Buffer.concat([Buffer.from([4]), good]), /64 octets/],
      ['empty', Buffer.alloc(0), /64 octets/],
      ['off the curve', Buffer.concat([good.subarray(0, 32), Buffer.alloc(32, 0x11)]), /curve/],
    ] as const) {
      const v = withKey(13, key);
      assert.equal(v.status, 'bogus', what);
      assert.match(v.reason, re, `${what}: ${v.reason}`);
    }
  });

  test('Ed25519 keys of the wrong length → bogus', () => {
    const good = (fx.get(15)!.zsk.data as DnskeyData).key;
    for (const key of [good.subarray(0, 31), Buffer.concat([good, Buffer.from([0])])]) {
      const v = withKey(15, key);
      assert.equal(v.status, 'bogus');
      assert.match(v.reason, /32 octets/);
    }
  });

  test('RSA exponent/modulus oddities → bogus with a reason (RFC 3110)', () => {
    const good = (fx.get(8)!.zsk.data as DnskeyData).key;
    const expLen = good[0]!;
    const e = good.subarray(1, 1 + expLen);
    const n = good.subarray(1 + expLen);
    const cases: [string, Buffer, RegExp][] = [
      ['two octets', good.subarray(0, 2), /too short/],
      ['exponent length 0 (long form)', Buffer.concat([Buffer.from([0, 0, 0]), n]), /exponent length is zero/],
      ['exponent longer than the key', Buffer.concat([Buffer.from([200]), e]), /leaves no modulus/],
      ['exponent with a leading zero', rsaKey(Buffer.concat([Buffer.from([0]), e]), n), /leading zero/],
      ['even exponent', rsaKey(Buffer.from([0x01, 0x00, 0x00]), n), /even/],
      ['exponent 1', rsaKey(Buffer.from([1]), n), /exponent is 1/],
      ['modulus with a leading zero', rsaKey(e, Buffer.concat([Buffer.from([0]), n])), /leading zero/],
      ['even modulus', rsaKey(e, Buffer.concat([n.subarray(0, -1), Buffer.from([n[n.length - 1]! & 0xfe])])), /modulus is even/],
      ['256-bit modulus', rsaKey(e, Buffer.concat([n.subarray(0, 31), Buffer.from([0x01])])), /outside 512\.\.4096/],
      ['long-form exponent length', rsaKey(Buffer.alloc(300, 1), n), /absurdly long/],
    ];
    for (const [what, key, re] of cases) {
      const v = withKey(8, key);
      assert.equal(v.status, 'bogus', what);
      assert.match(v.reason, re, `${what}: ${v.reason}`);
    }
    // The long form of a normal exponent is legal and still verifies.
    assert.equal(withKey(8, Buffer.concat([Buffer.from([0, 0, expLen]), e, n])).status, 'secure');
  });

  for (const alg of [8, 13, 15] as Alg[]) {
    test(`algorithm ${alg}: signatures of the wrong length → bogus naming the length`, () => {
      const { z, set, sig } = fx.get(alg)!;
      const raw = (sig.data as RrsigData).signature;
      for (const s of [raw.subarray(0, raw.length - 1), Buffer.concat([raw, Buffer.from([0])]), Buffer.alloc(0)]) {
        const v = verifyRRset(set, [withData(sig, { signature: s })], z.dnskeys.records, ORIGIN, NOW);
        assert.equal(v.status, 'bogus');
        assert.equal(v.ede, EdeCode.DNSSEC_BOGUS);
        assert.match(v.reason, new RegExp(`signature is ${s.length} octets`));
      }
    });
  }

  test('unknown algorithm 200 (DNSKEY + RRSIG) → insecure EDE 1; next to a good key it stays bogus if only alg 200 signed', () => {
    const { z, set, sig, zsk } = fx.get(13)!;
    const odd = { ...zsk, data: { ...(zsk.data as DnskeyData), algorithm: 200 } } as RR;
    const oddSig = withData(sig, { algorithm: 200, keyTag: keyTag(odd.data as DnskeyData) });
    const v = verifyRRset(set, [oddSig], [odd], ORIGIN, NOW);
    assert.equal(v.status, 'insecure');
    assert.equal(v.ede, EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM);
    const downgrade = verifyRRset(set, [oddSig], [...z.dnskeys.records, odd], ORIGIN, NOW);
    assert.equal(downgrade.status, 'bogus', 'a zone with a supported key cannot be downgraded by alg-200 signatures');
    assert.equal(downgrade.ede, EdeCode.RRSIGS_MISSING);
  });

  test('revoked keys, keys without the Zone flag and protocol ≠ 3 are not used', () => {
    const { set, sig, zsk } = fx.get(13)!;
    for (const patch of [{ flags: 256 | 0x80 }, { flags: 0 }, { protocol: 2 }]) {
      const data = { ...(zsk.data as DnskeyData), ...patch };
      const v = verifyRRset(set, [withData(sig, { keyTag: keyTag(data) })], [{ ...zsk, data } as RR], ORIGIN, NOW);
      assert.equal(v.status, 'bogus', JSON.stringify(patch));
      assert.equal(v.ede, EdeCode.DNSKEY_MISSING);
    }
  });

  test('a DS that matches a key without the Zone flag → bogus EDE 11', () => {
    const { z } = fx.get(13)!;
    const ksk = z.dnskeys.records.find((r) => (r.data as DnskeyData).flags === 257)!;
    const noZone = { ...ksk, data: { ...(ksk.data as DnskeyData), flags: 1 } } as RR;
    const dnskeys: RRset = { ...z.dnskeys, records: z.dnskeys.records.map((r) => (r === ksk ? noZone : r)) };
    const ds: RR = { name: ORIGIN, type: 'DS', class: 'IN', ttl: 300, data: makeDs(ORIGIN, noZone.data as DnskeyData, 2) };
    const v = verifyDnskeys(dnskeys, z.sigs, [ds], NOW);
    assert.equal(v.status, 'bogus');
    assert.equal(v.ede, EdeCode.NO_ZONE_KEY_BIT_SET);
  });

  test('records whose RDATA has the wrong shape are ignored, not thrown on', () => {
    const { z, set, sig } = fx.get(13)!;
    const junk = [
      { ...sig, data: Buffer.from('garbage') },
      { ...sig, data: { typeCovered: 'A' } },
      { ...sig, data: null },
    ] as unknown as RR[];
    const v = verifyRRset(set, junk, z.dnskeys.records, ORIGIN, NOW);
    assert.equal(v.status, 'bogus');
    assert.equal(v.ede, EdeCode.RRSIGS_MISSING);
    const keys = z.dnskeys.records.map((r) => ({ ...r, data: Buffer.alloc(3) })) as unknown as RR[];
    assert.equal(verifyRRset(set, [sig], keys, ORIGIN, NOW).ede, EdeCode.DNSKEY_MISSING);
    const nsec = { name: `a.${ORIGIN}`, type: 'NSEC', class: 'IN', ttl: 300, data: Buffer.alloc(4) } as unknown as RR;
    assert.equal(nsecCovers(nsec, `b.${ORIGIN}`), false);
    const n3 = {
      name: `not-base32!.${ORIGIN}`,
      type: 'NSEC3',
      class: 'IN',
      ttl: 300,
      data: { hashAlgorithm: 1, flags: 0, iterations: 0, salt: Buffer.alloc(0), nextHashedOwner: Buffer.alloc(20), types: [] },
    } as RR;
    assert.equal(nsec3Covers(n3, `b.${ORIGIN}`, ORIGIN), false);
    const d = verifyDenial('nxdomain', { qname: `b.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, [nsec, n3]);
    assert.equal(d.status, 'bogus');
    assert.equal(d.ede, EdeCode.NSEC_MISSING);
    const chain = validateChain([sig], [{ zone: ORIGIN, dnskey: { rrset: z.dnskeys, signatures: junk } }], NOW);
    assert.ok(STATUSES.has(chain.status));
  });

  test('fuzz: 600 random mutations of signatures, keys, DS and NSEC records never throw', () => {
    // Deterministic LCG so a failure reproduces. Its high bits pick: the low bits of a power-of-two LCG cycle with
    // a short period (seed % 8 repeated one value and the whole loop mutated only the signature bytes).
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => rnd(256)));
    const weird = () => [0, -1, 2 ** 32, NaN, 1.5, 65535, 255, rnd(1 << 16)][rnd(8)]!;
    // Control: each unmutated fixture verifies, so a 'bogus' below is the validator's doing.
    for (const [alg, { z, set, sig }] of fx) assert.equal(verifyRRset(set, [sig], z.dnskeys.records, ORIGIN, NOW).status, 'secure', `alg ${alg} fixture`);
    const fields = new Set<number>();
    let secure = 0;
    for (let i = 0; i < 600; i++) {
      const alg = ([8, 13, 15] as Alg[])[rnd(3)]!;
      const { z, set, sig } = fx.get(alg)!;
      const sd = sig.data as RrsigData;
      const field = rnd(8);
      fields.add(field);
      const mutSig =
        field === 0
          ? withData(sig, { signature: bytes(rnd(600)) })
          : field === 1
            ? withData(sig, { labels: weird() })
            : field === 2
              ? withData(sig, { expiration: weird(), inception: weird() })
              : field === 3
                ? withData(sig, { signersName: rnd(2) ? '.' : 'x'.repeat(rnd(300)) })
                : field === 4
                  ? withData(sig, { algorithm: weird() })
                  : field === 5
                    ? withData(sig, { originalTTL: weird() })
                    : field === 6
                      ? withData(sig, { typeCovered: (['A', 'TYPE65535', 'TYPE99999', 'BOGUS'] as const)[rnd(4)] })
                      : withData(sig, { signature: Buffer.concat([sd.signature.subarray(0, rnd(sd.signature.length)), bytes(rnd(8))]) });
      const keys = z.dnskeys.records.map((k) => (rnd(3) === 0 ? withData(k, { key: bytes(rnd(300)), algorithm: rnd(2) ? alg : weird() }) : k));
      const realNow = rnd(2) === 1;
      const v = verifyRRset(set, [mutSig], keys, ORIGIN, realNow ? NOW : weird());
      assert.ok(STATUSES.has(v.status), `iteration ${i}`);
      assert.equal(typeof v.reason, 'string');
      // Secure exactly when nothing that matters changed: the mutation left the RRSIG as it was (e.g. typeCovered
      // 'A' on this A RRset), its signing key is intact and the time is real. Anything else alters signed data.
      const signingKey = z.dnskeys.records.findIndex((k) => keyTag(k.data as DnskeyData) === sd.keyTag);
      const benign = isDeepStrictEqual(mutSig.data, sig.data) && keys[signingKey] === z.dnskeys.records[signingKey] && realNow;
      assert.equal(v.status === 'secure', benign, `iteration ${i} (field ${field}): ${v.status}: ${v.reason}`);
      if (v.status === 'secure') secure++;
      const ds: RR = {
        name: ORIGIN,
        type: 'DS',
        class: 'IN',
        ttl: 300,
        data: { keyTag: weird(), algorithm: rnd(2) ? alg : weird(), digestType: weird(), digest: bytes(rnd(70)) },
      };
      assert.ok(STATUSES.has(verifyDnskeys(z.dnskeys, z.sigs, [ds], NOW).status));
      const nsecs = z.nsecs
        .slice(0, 3)
        .map((n) => withData(n, { nextDomain: rnd(2) ? `${'a'.repeat(rnd(70))}.${ORIGIN}` : '.', types: rnd(2) ? ['A', 'TYPE70000'] : [] }));
      assert.ok(
        STATUSES.has(
          verifyDenial(
            (['nxdomain', 'nodata', 'wildcard-answer', 'wildcard-nodata', 'no-ds'] as const)[rnd(5)]!,
            { qname: `q${i}.${ORIGIN}`, qtype: 'A', zone: ORIGIN },
            nsecs,
          ).status,
        ),
      );
      assert.ok(STATUSES.has(verifyRRsets([...nsecs, mutSig], keys, ORIGIN, NOW).status));
    }
    assert.equal(fields.size, 8, 'every field was mutated');
    assert.ok(secure > 0 && secure < 60, `${secure} benign iterations verified`);
  });
});
