// The algorithms dnslab validates but does not sign with (RFC 8624 §3.1):
// RSASHA1 (5), RSASHA1-NSEC3-SHA1 (7), RSASHA512 (10), ECDSAP384SHA384 (14),
// ED448 (16) — zones signed by dnssec-signzone must validate, tampering must
// not, and a validator configured without the algorithm treats them as unsigned.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EdeCode, verifyDenial, verifyDnskeys, verifyRRset } from '../../dns/dnssec/validate.ts';
import type { RrsigData } from '../../dns/types.ts';
import { flipByte, NOW, parentZoneText, requireBindTools, Signed, signWithBind, withData, type Alg, type SignedZone } from './validate-fixtures.ts';

describe('validator: algorithms 5, 7, 10, 14, 16 from dnssec-signzone', () => {
  let dir: string;
  const zones = new Map<Alg, { signed: SignedZone; z: Signed; origin: string }>();

  before(() => {
    requireBindTools();
    dir = mkdtempSync(join(tmpdir(), 'dnslab-validate-algs-'));
    for (const alg of [5, 7, 10, 14, 16] as Alg[]) {
      const origin = `alg${alg}.example`;
      // Algorithm 7 exists to signal NSEC3 support, so sign that zone with NSEC3.
      const nsec3 = alg === 7 ? { salt: 'ab', iterations: 1, optOut: false } : undefined;
      const signed = signWithBind({ dir: join(dir, String(alg)), origin, zoneText: parentZoneText(), algorithm: alg, ...(nsec3 ? { nsec3 } : {}) });
      zones.set(alg, { signed, z: new Signed(origin, signed.records), origin });
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const alg of [5, 7, 10, 14, 16] as Alg[]) {
    test(`algorithm ${alg}: every RRset secure, DNSKEY from DS, tampering bogus, excluded → insecure`, () => {
      const { signed, z, origin } = zones.get(alg)!;
      const sets = z.authoritativeRRsets();
      assert.ok(sets.length >= 15);
      for (const s of sets) assert.equal(verifyRRset(s, z.sigs, z.dnskeys.records, origin, NOW).status, 'secure', `${s.name} ${s.type}`);
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, [signed.ds(2)], NOW).status, 'secure');
      const set = z.rrset(`www.${origin}`, 'A');
      const sig = z.sigsFor(`www.${origin}`, 'A')[0]!;
      const bad = verifyRRset(set, [withData(sig, { signature: flipByte((sig.data as RrsigData).signature) })], z.dnskeys.records, origin, NOW);
      assert.equal(bad.status, 'bogus');
      assert.equal(bad.ede, EdeCode.DNSSEC_BOGUS);
      const without = verifyDnskeys(z.dnskeys, z.sigs, [signed.ds(2)], NOW, { algorithms: [8, 13, 15] });
      assert.equal(without.status, 'insecure');
      assert.equal(without.ede, EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM);
      const denial = alg === 7 ? z.nsec3s : z.nsecs;
      assert.equal(verifyDenial('nodata', { qname: `www.${origin}`, qtype: 'TXT', zone: origin }, denial).status, 'secure');
    });
  }
});
