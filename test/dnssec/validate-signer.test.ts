// Interop inside dnslab: zones signed by dnslab's own signer (dns/dnssec/sign.ts)
// validate with dnslab's validator, and the signer's deliberate-breakage quirks
// (expired/not-yet-valid/missing/corrupt signatures, bitmap omission — the
// incidents scenarios reproduce) give the verdicts and EDE codes scenarios
// will assert on. The validator's correctness itself is established against
// BIND-signed zones in the other validate*.test.ts files.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone, type SignZoneOptions, type ZoneSigningQuirk } from '../../dns/dnssec/sign.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { verifyDenial } from '../../dns/dnssec/denial.ts';
import { verifyDnskeys, verifyRRset, verifyRRsets } from '../../dns/dnssec/validate.ts';
import { nameEquals } from '../../dns/name.ts';
import type { RrsigData } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { EXPIRATION, INCEPTION, NOW, parentZoneText, Signed } from './validate-fixtures.ts';

const ORIGIN = 'own.example';

function signed(alg: 8 | 13 | 15, extra: Partial<SignZoneOptions> = {}) {
  const keys = [
    generateKey({ algorithm: alg, ksk: true, owner: ORIGIN, seed: `ksk-${alg}` }),
    generateKey({ algorithm: alg, owner: ORIGIN, seed: `zsk-${alg}` }),
  ];
  const zone = signZone(parseZoneText(parentZoneText(), ORIGIN), keys, { inception: INCEPTION, expiration: EXPIRATION, ...extra });
  return { z: new Signed(ORIGIN, [...zone.records()]), ds: dsRecords(keys, [2]), zone };
}

function authoritative(zone: Zone) {
  return new Signed(ORIGIN, [...zone.records()]).authoritativeRRsets();
}

describe('dnslab signer → dnslab validator', () => {
  for (const alg of [8, 13, 15] as const) {
    test(`algorithm ${alg}: NSEC and NSEC3 zones validate end to end`, () => {
      for (const denial of ['nsec', 'nsec3'] as const) {
        const { z, ds, zone } = signed(alg, { denial, nsec3: { iterations: 0, optOut: false } });
        assert.equal(verifyDnskeys(z.dnskeys, z.sigs, ds, NOW).status, 'secure');
        for (const s of authoritative(zone))
          assert.equal(verifyRRset(s, z.sigs, z.dnskeys.records, ORIGIN, NOW).status, 'secure', `${denial} ${s.name} ${s.type}`);
        const all = [...z.nsecs, ...z.nsec3s];
        assert.equal(verifyDenial('nxdomain', { qname: `nope.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, all).status, 'secure', denial);
        assert.equal(verifyDenial('nodata', { qname: `www.${ORIGIN}`, qtype: 'TXT', zone: ORIGIN }, all).status, 'secure', denial);
        assert.equal(verifyDenial('no-ds', { qname: `unsigned.${ORIGIN}`, qtype: 'DS', zone: ORIGIN }, all).status, 'secure', denial);
      }
    });
  }

  test('signer quirks map to the EDE codes scenarios expect', () => {
    const www = `www.${ORIGIN}`;
    const cases: [ZoneSigningQuirk, number][] = [
      [{ kind: 'signature-validity', owner: www, type: 'A', inception: INCEPTION - 2000, expiration: INCEPTION - 1000 }, EdeCode.SIGNATURE_EXPIRED],
      [{ kind: 'signature-validity', owner: www, type: 'A', inception: EXPIRATION + 1000, expiration: EXPIRATION + 2000 }, EdeCode.SIGNATURE_NOT_YET_VALID],
      [{ kind: 'missing-rrsig', owner: www, type: 'A' }, EdeCode.RRSIGS_MISSING],
      [{ kind: 'corrupt-signature', owner: www, type: 'A' }, EdeCode.DNSSEC_BOGUS],
    ];
    for (const [quirk, ede] of cases) {
      const { z } = signed(13, { quirks: [quirk] });
      const v = verifyRRset(z.rrset(www, 'A'), z.sigs, z.dnskeys.records, ORIGIN, NOW);
      assert.equal(v.status, 'bogus', quirk.kind);
      assert.equal(v.ede, ede, `${quirk.kind}: ${v.reason}`);
      assert.equal(verifyRRset(z.rrset(www, 'AAAA'), z.sigs, z.dnskeys.records, ORIGIN, NOW).status, 'secure', 'other RRsets untouched');
    }
  });

  test('bitmap-omit (the Slack incident): a signed NSEC that hides AAAA makes a false NODATA "secure"', () => {
    // The NSEC is validly signed, so the validator cannot tell — that is the incident.
    const { z } = signed(13, { quirks: [{ kind: 'bitmap-omit', owner: `www.${ORIGIN}`, types: ['AAAA'] }] });
    const proof = z.nsecAt(`www.${ORIGIN}`);
    assert.equal(verifyRRsets(proof, z.dnskeys.records, ORIGIN, NOW).status, 'secure');
    assert.equal(verifyDenial('nodata', { qname: `www.${ORIGIN}`, qtype: 'AAAA', zone: ORIGIN }, proof).status, 'secure');
    assert.ok(
      z.sigs.some((s) => nameEquals(s.name, `www.${ORIGIN}`) && (s.data as RrsigData).typeCovered === 'AAAA'),
      'while AAAA is really there',
    );
  });
});
