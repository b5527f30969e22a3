// The validator against zones signed by BIND (dnssec-keygen/dnssec-signzone),
// algorithms 8, 13 and 15 with NSEC: every RRset secure, the chain of trust
// from DS, every NSEC denial kind, and tampering → bogus with the right EDE.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keyTag } from '../../dns/dnssec/algorithms.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { nsecCovers, verifyDenial } from '../../dns/dnssec/denial.ts';
import { validateChain, type ZoneEvidence } from '../../dns/dnssec/chain.ts';
import { verifyDnskeys, verifyRRset, verifyRRsets } from '../../dns/dnssec/validate.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { DnskeyData, DsData, NsecData, RR, RrsigData } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import {
  childZoneText,
  EXPIRATION,
  flipByte,
  INCEPTION,
  NOW,
  parentZoneText,
  requireBindTools,
  Signed,
  signWithBind,
  withData,
  type Alg,
  type SignedZone,
} from './validate-fixtures.ts';

const ORIGIN = 'val.example';
const CHILD = `sub.${ORIGIN}`;

for (const alg of [8, 13, 15] as Alg[]) {
  describe(`validator vs dnssec-signzone, algorithm ${alg}, NSEC`, () => {
    let dir: string;
    let parent: SignedZone;
    let child: SignedZone;
    let z: Signed;
    let c: Signed;

    before(() => {
      requireBindTools();
      dir = mkdtempSync(join(tmpdir(), `dnslab-validate-${alg}-`));
      child = signWithBind({ dir, origin: CHILD, zoneText: childZoneText(), algorithm: alg });
      const childDs = child.ds(2);
      const dsLine = `sub ${childDs.ttl} IN DS ${(childDs.data as DsData).keyTag} ${(childDs.data as DsData).algorithm} 2 ${(childDs.data as DsData).digest.toString('hex')}`;
      parent = signWithBind({ dir, origin: ORIGIN, zoneText: parentZoneText(dsLine), algorithm: alg });
      z = new Signed(ORIGIN, parent.records);
      c = new Signed(CHILD, child.records);
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('every authoritative RRset verifies secure with the zone keys', () => {
      const sets = z.authoritativeRRsets();
      assert.ok(sets.length >= 20, `expected at least 20 RRsets, got ${sets.length}`);
      for (const set of sets) {
        const v = verifyRRset(set, z.sigs, z.dnskeys.records, ORIGIN, NOW);
        assert.equal(v.status, 'secure', `${set.name} ${set.type}: ${v.reason}`);
        assert.equal(v.ttl, set.ttl);
        assert.equal(v.wildcard, undefined);
      }
    });

    test('the delegation NS and glue are unsigned: no RRSIG → bogus, EDE 10', () => {
      const v = verifyRRset(z.rrset(`unsigned.${ORIGIN}`, 'NS'), z.sigs, z.dnskeys.records, ORIGIN, NOW);
      assert.equal(v.status, 'bogus');
      assert.equal(v.ede, EdeCode.RRSIGS_MISSING);
    });

    for (const digest of [1, 2, 4] as const) {
      test(`DNSKEY RRset authenticates from a DS with digest type ${digest} (dnssec-dsfromkey)`, () => {
        const v = verifyDnskeys(z.dnskeys, z.sigs, [parent.ds(digest)], NOW);
        assert.equal(v.status, 'secure', v.reason);
        assert.equal(v.keyTag, (parent.ds(digest).data as DsData).keyTag);
      });
    }

    test('RFC 4509 §3: SHA-1 DS records are ignored when a SHA-256 DS is present', () => {
      const sha1 = parent.ds(1);
      const badSha256 = withData(parent.ds(2), { digest: flipByte((parent.ds(2).data as DsData).digest) });
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, [sha1], NOW).status, 'secure', 'SHA-1 alone still validates (RFC 8624 §3.3)');
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, [sha1, badSha256], NOW).status, 'bogus', 'a downgrade to SHA-1 is not accepted');
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, [sha1, parent.ds(2)], NOW).status, 'secure');
    });

    test('DNSKEY RRset authenticates from a trust-anchor DNSKEY', () => {
      const ksk = z.dnskeys.records.find((r) => (r.data as DnskeyData).flags === 257)!;
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, [ksk], NOW).status, 'secure');
    });

    test('wildcard expansion: reconstructs *.wild, reports it, and the NSEC no-closer-match proof holds', () => {
      for (const qname of [`host.wild.${ORIGIN}`, `a.b.wild.${ORIGIN}`]) {
        const src = z.rrset(`*.wild.${ORIGIN}`, 'A');
        const expanded: RRset = { ...src, name: qname, records: src.records.map((r) => ({ ...r, name: qname })) };
        const sigs = z.sigsFor(`*.wild.${ORIGIN}`, 'A').map((r) => ({ ...r, name: qname }));
        const v = verifyRRset(expanded, sigs, z.dnskeys.records, ORIGIN, NOW);
        assert.equal(v.status, 'secure', v.reason);
        assert.equal(v.wildcard, `*.wild.${ORIGIN}`);
        const proof = z.nsecCovering(qname);
        assert.equal(verifyRRsets(proof, z.dnskeys.records, ORIGIN, NOW).status, 'secure');
        const d = verifyDenial('wildcard-answer', { qname, qtype: 'A', zone: ORIGIN }, proof, { wildcard: v.wildcard });
        assert.equal(d.status, 'secure', d.reason);
        assert.equal(d.closestEncloser, `wild.${ORIGIN}`);
      }
    });

    test('wildcard answer for a name that exists is bogus (a closer match exists)', () => {
      const d = verifyDenial('wildcard-answer', { qname: `www.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecAt(`www.${ORIGIN}`), { wildcard: `*.${ORIGIN}` });
      assert.equal(d.status, 'bogus');
    });

    test('wildcard answer claiming a higher wildcard than the NSEC shows is bogus', () => {
      const qname = `host.wild.${ORIGIN}`;
      const d = verifyDenial('wildcard-answer', { qname, qtype: 'A', zone: ORIGIN }, z.nsecCovering(qname), { wildcard: `*.${ORIGIN}` });
      assert.equal(d.status, 'bogus', d.reason);
    });

    test('NXDOMAIN: covering NSEC + wildcard NSEC → secure; without the wildcard proof → bogus EDE 12', () => {
      const qname = `nope.${ORIGIN}`;
      const proof = [...z.nsecCovering(qname), ...z.nsecCovering(`*.${ORIGIN}`)];
      assert.equal(verifyRRsets(proof, z.dnskeys.records, ORIGIN, NOW).status, 'secure');
      const ok = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, proof);
      assert.equal(ok.status, 'secure', ok.reason);
      assert.equal(ok.closestEncloser, ORIGIN);
      // nope.* and *.val.example fall in different NSEC spans in this zone.
      const covering = z.nsecCovering(qname);
      if (covering[0]!.name !== z.nsecCovering(`*.${ORIGIN}`)[0]!.name) {
        const partial = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, covering);
        assert.equal(partial.status, 'bogus');
        assert.equal(partial.ede, EdeCode.NSEC_MISSING);
      }
    });

    test('NXDOMAIN for a name that exists, or below a wildcard, is bogus', () => {
      const www = verifyDenial('nxdomain', { qname: `www.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecs);
      assert.equal(www.status, 'bogus');
      const wild = verifyDenial('nxdomain', { qname: `zz.wild.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecs);
      assert.equal(wild.status, 'bogus', 'the *.wild NSEC proves the wildcard exists');
      assert.match(wild.reason, /wildcard/);
    });

    test('NXDOMAIN below a delegation cannot be proven by the parent-side NSEC (RFC 6840 §4.1)', () => {
      const d = verifyDenial('nxdomain', { qname: `x.unsigned.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecs);
      assert.equal(d.status, 'bogus');
      assert.match(d.reason, /delegation/);
    });

    test('names below a DNAME cannot be denied by the NSEC at the DNAME owner (RFC 6840 §4.1)', () => {
      const d = verifyDenial('nxdomain', { qname: `x.dn.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecs);
      assert.equal(d.status, 'bogus');
      assert.match(d.reason, /DNAME/);
      assert.equal(
        verifyDenial('nodata', { qname: `dn.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecAt(`dn.${ORIGIN}`)).status,
        'secure',
        'the owner itself has no A',
      );
    });

    test('NODATA: www TXT secure; www A and alias A (CNAME bit) bogus', () => {
      const proof = z.nsecAt(`www.${ORIGIN}`);
      assert.equal(verifyRRsets(proof, z.dnskeys.records, ORIGIN, NOW).status, 'secure');
      assert.equal(verifyDenial('nodata', { qname: `www.${ORIGIN}`, qtype: 'TXT', zone: ORIGIN }, proof).status, 'secure');
      assert.equal(verifyDenial('nodata', { qname: `www.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, proof).status, 'bogus');
      assert.equal(verifyDenial('nodata', { qname: `alias.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecAt(`alias.${ORIGIN}`)).status, 'bogus');
    });

    test('NODATA at an empty non-terminal (b.deep) is secure', () => {
      const qname = `b.deep.${ORIGIN}`;
      const d = verifyDenial('nodata', { qname, qtype: 'A', zone: ORIGIN }, z.nsecCovering(qname));
      assert.equal(d.status, 'secure', d.reason);
      assert.equal(verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, z.nsecCovering(qname)).status, 'bogus', 'an ENT exists');
    });

    test('wildcard NODATA: host.wild MX secure; host.wild TXT bogus (the wildcard has TXT)', () => {
      const qname = `host.wild.${ORIGIN}`;
      const proof = [...z.nsecCovering(qname), ...z.nsecAt(`*.wild.${ORIGIN}`)];
      const d = verifyDenial('wildcard-nodata', { qname, qtype: 'MX', zone: ORIGIN }, proof);
      assert.equal(d.status, 'secure', d.reason);
      assert.equal(verifyDenial('nodata', { qname, qtype: 'MX', zone: ORIGIN }, proof).status, 'secure', "'nodata' accepts a wildcard NODATA proof");
      assert.equal(verifyDenial('wildcard-nodata', { qname, qtype: 'TXT', zone: ORIGIN }, proof).status, 'bogus');
    });

    test('no DS at an unsigned delegation: NS bit, no DS/SOA → proven; at the signed delegation → bogus', () => {
      const ok = verifyDenial('no-ds', { qname: `unsigned.${ORIGIN}`, qtype: 'DS', zone: ORIGIN }, z.nsecAt(`unsigned.${ORIGIN}`));
      assert.equal(ok.status, 'secure', ok.reason);
      const signed = verifyDenial('no-ds', { qname: CHILD, qtype: 'DS', zone: ORIGIN }, z.nsecAt(CHILD));
      assert.equal(signed.status, 'bogus');
      // The child's apex NSEC (SOA bit) must not deny the DS in the parent.
      const apex = verifyDenial('no-ds', { qname: CHILD, qtype: 'DS', zone: ORIGIN }, c.nsecAt(CHILD));
      assert.equal(apex.status, 'bogus');
      assert.match(apex.reason, /child apex/);
      const nodataApex = verifyDenial('nodata', { qname: CHILD, qtype: 'DS', zone: ORIGIN }, c.nsecAt(CHILD));
      assert.equal(nodataApex.status, 'bogus');
    });

    test('a parent-side NSEC at a delegation cannot deny child types (NODATA A at the cut)', () => {
      const d = verifyDenial('nodata', { qname: CHILD, qtype: 'A', zone: ORIGIN }, z.nsecAt(CHILD));
      assert.equal(d.status, 'bogus', 'signed delegation (DS bit) → bogus');
      const u = verifyDenial('nodata', { qname: `unsigned.${ORIGIN}`, qtype: 'A', zone: ORIGIN }, z.nsecAt(`unsigned.${ORIGIN}`));
      assert.equal(u.status, 'insecure', 'unsigned delegation → the child data is insecure');
    });

    test('wrong NSEC range: a shrunk span no longer covers qname (bogus EDE 12) and its signature breaks', () => {
      const qname = `nope.${ORIGIN}`;
      const [nsec, ...sigs] = z.nsecCovering(qname);
      const shrunk = withData(nsec!, { nextDomain: `nopd.${ORIGIN}` });
      const d = verifyDenial('nxdomain', { qname, qtype: 'A', zone: ORIGIN }, [shrunk, ...z.nsecCovering(`*.${ORIGIN}`)]);
      assert.equal(d.status, 'bogus');
      assert.equal(d.ede, EdeCode.NSEC_MISSING);
      const widened = withData(nsec!, { nextDomain: `zzzz.${ORIGIN}` });
      const s = verifyRRsets([widened, ...sigs], z.dnskeys.records, ORIGIN, NOW);
      assert.equal(s.status, 'bogus');
      assert.equal(s.ede, EdeCode.DNSSEC_BOGUS);
    });

    test('tampering: a flipped signature byte or changed RDATA → bogus EDE 6', () => {
      const set = z.rrset(`www.${ORIGIN}`, 'A');
      const sig = z.sigsFor(`www.${ORIGIN}`, 'A')[0]!;
      const badSig = withData(sig, { signature: flipByte((sig.data as RrsigData).signature) });
      const v1 = verifyRRset(set, [badSig], z.dnskeys.records, ORIGIN, NOW);
      assert.equal(v1.status, 'bogus');
      assert.equal(v1.ede, EdeCode.DNSSEC_BOGUS);
      const changed: RRset = { ...set, records: [{ ...set.records[0]!, data: '192.0.2.9' } as RR] };
      const v2 = verifyRRset(changed, [sig], z.dnskeys.records, ORIGIN, NOW);
      assert.equal(v2.status, 'bogus');
      assert.equal(v2.ede, EdeCode.DNSSEC_BOGUS);
    });

    test('owner case and duplicate records do not matter (RFC 4034 §6.2, §6.3)', () => {
      const set = z.rrset(`www.${ORIGIN}`, 'AAAA');
      const upper: RRset = { ...set, name: `WWW.Val.EXAMPLE`, records: [...set.records, ...set.records].map((r) => ({ ...r, name: 'WWW.Val.EXAMPLE' })) };
      assert.equal(verifyRRset(upper, z.sigsFor(`www.${ORIGIN}`, 'AAAA'), z.dnskeys.records, ORIGIN, NOW).status, 'secure');
    });

    test('time window: expired → EDE 7, not yet valid → EDE 8; TTL capped by original TTL and expiry', () => {
      const set = z.rrset(`mail.${ORIGIN}`, 'MX');
      const sigs = z.sigsFor(`mail.${ORIGIN}`, 'MX');
      const expired = verifyRRset(set, sigs, z.dnskeys.records, ORIGIN, EXPIRATION + 1);
      assert.equal(expired.status, 'bogus');
      assert.equal(expired.ede, EdeCode.SIGNATURE_EXPIRED);
      const early = verifyRRset(set, sigs, z.dnskeys.records, ORIGIN, INCEPTION - 1);
      assert.equal(early.ede, EdeCode.SIGNATURE_NOT_YET_VALID);
      assert.equal(verifyRRset(set, sigs, z.dnskeys.records, ORIGIN, EXPIRATION).status, 'secure', 'expiration itself is still valid');
      assert.equal(verifyRRset(set, sigs, z.dnskeys.records, ORIGIN, EXPIRATION - 100).ttl, 100);
      const longTtl: RRset = { ...set, ttl: 86400, records: set.records.map((r) => ({ ...r, ttl: 86400 })) };
      const v = verifyRRset(longTtl, sigs, z.dnskeys.records, ORIGIN, NOW);
      assert.equal(v.status, 'secure', 'signature input uses the Original TTL');
      assert.equal(v.ttl, 300);
    });

    test('RFC 1982 serial arithmetic: a window that wraps 2^32 is honoured', () => {
      const set = z.rrset(`mail.${ORIGIN}`, 'MX');
      const sig = withData(z.sigsFor(`mail.${ORIGIN}`, 'MX')[0]!, { inception: 0xffffff00, expiration: 0x100 });
      // Inside the wrapped window: times pass, so the failure is the (now altered) signature.
      const inside = verifyRRset(set, [sig], z.dnskeys.records, ORIGIN, 2 ** 32 + 10);
      assert.equal(inside.ede, EdeCode.DNSSEC_BOGUS, inside.reason);
      assert.equal(verifyRRset(set, [sig], z.dnskeys.records, ORIGIN, 2 ** 32 - 0x200).ede, EdeCode.SIGNATURE_NOT_YET_VALID);
      assert.equal(verifyRRset(set, [sig], z.dnskeys.records, ORIGIN, 2 ** 32 + 0x200).ede, EdeCode.SIGNATURE_EXPIRED);
    });

    test('missing keys: no DNSKEY → EDE 9; only the KSK (ZSK signed it) → EDE 9; no RRSIG → EDE 10', () => {
      const set = z.rrset(`www.${ORIGIN}`, 'A');
      const sigs = z.sigsFor(`www.${ORIGIN}`, 'A');
      assert.equal(verifyRRset(set, sigs, [], ORIGIN, NOW).ede, EdeCode.DNSKEY_MISSING);
      const kskOnly = z.dnskeys.records.filter((r) => (r.data as DnskeyData).flags === 257);
      const v = verifyRRset(set, sigs, kskOnly, ORIGIN, NOW);
      assert.equal(v.status, 'bogus');
      assert.equal(v.ede, EdeCode.DNSKEY_MISSING);
      assert.equal(verifyRRset(set, [], z.dnskeys.records, ORIGIN, NOW).ede, EdeCode.RRSIGS_MISSING);
    });

    test('RRSIG field checks: wrong signer, Labels above the owner count, wrong key tag', () => {
      const set = z.rrset(`www.${ORIGIN}`, 'A');
      const sig = z.sigsFor(`www.${ORIGIN}`, 'A')[0]!;
      assert.equal(verifyRRset(set, [sig], z.dnskeys.records, 'example', NOW).status, 'bogus', 'signer is not the zone asked for');
      assert.equal(verifyRRset(set, [withData(sig, { signersName: 'example' })], z.dnskeys.records, ORIGIN, NOW).ede, EdeCode.RRSIGS_MISSING);
      assert.equal(verifyRRset(set, [withData(sig, { labels: 4 })], z.dnskeys.records, ORIGIN, NOW).status, 'bogus');
      assert.equal(
        verifyRRset(set, [withData(sig, { keyTag: ((sig.data as RrsigData).keyTag + 1) & 0xffff })], z.dnskeys.records, ORIGIN, NOW).ede,
        EdeCode.DNSKEY_MISSING,
      );
      assert.equal(verifyRRset(set, [withData(sig, { typeCovered: 'AAAA' })], z.dnskeys.records, ORIGIN, NOW).ede, EdeCode.RRSIGS_MISSING);
    });

    test('wrong DS (digest altered) → bogus EDE 9; DNSKEY RRset missing → bogus EDE 9', () => {
      const ds = parent.ds(2);
      const wrong = withData(ds, { digest: flipByte((ds.data as DsData).digest) });
      const v = verifyDnskeys(z.dnskeys, z.sigs, [wrong], NOW);
      assert.equal(v.status, 'bogus');
      assert.equal(v.ede, EdeCode.DNSKEY_MISSING);
      const empty: RRset = { ...z.dnskeys, records: [] };
      assert.equal(verifyDnskeys(empty, [], [ds], NOW).ede, EdeCode.DNSKEY_MISSING);
    });

    test('DNSKEY RRset whose self-signature was made by a key no DS matches → bogus', () => {
      // Keep only the ZSK's signature over the DNSKEY RRset: the DS names the KSK.
      const zskTag = keyTag(z.dnskeys.records.find((r) => (r.data as DnskeyData).flags === 256)!.data as DnskeyData);
      const sigs = z.sigsFor(ORIGIN, 'DNSKEY').filter((s) => (s.data as RrsigData).keyTag === zskTag);
      const v = verifyDnskeys(z.dnskeys, sigs, [parent.ds(2)], NOW);
      assert.equal(v.status, 'bogus', v.reason);
      assert.equal(v.ede, EdeCode.RRSIGS_MISSING);
    });

    test('unsupported algorithms and digests → insecure, not bogus (RFC 8624)', () => {
      const alg253 = z.rrset(`alg253.${ORIGIN}`, 'DS');
      const v1 = verifyDnskeys({ name: `alg253.${ORIGIN}`, type: 'DNSKEY', class: 'IN', ttl: 0, records: [] }, [], alg253.records, NOW);
      assert.equal(v1.status, 'insecure');
      assert.equal(v1.ede, EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM);
      const gost = z.rrset(`gost.${ORIGIN}`, 'DS');
      const v2 = verifyDnskeys({ name: `gost.${ORIGIN}`, type: 'DNSKEY', class: 'IN', ttl: 0, records: [] }, [], gost.records, NOW);
      assert.equal(v2.status, 'insecure');
      assert.equal(v2.ede, EdeCode.UNSUPPORTED_DS_DIGEST_TYPE);
      // A validator configured without this zone's algorithm treats it as unsigned.
      const others = [8, 13, 15].filter((a) => a !== alg);
      const v3 = verifyDnskeys(z.dnskeys, z.sigs, [parent.ds(2)], NOW, { algorithms: others });
      assert.equal(v3.status, 'insecure');
      assert.equal(v3.ede, EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM);
      const v4 = verifyRRset(z.rrset(`www.${ORIGIN}`, 'A'), z.sigs, z.dnskeys.records, ORIGIN, NOW, { algorithms: others });
      assert.equal(v4.status, 'insecure');
      // RFC 8624 §3.1 MUST NOT validate: RSAMD5 (1), DSA (3), DSA-NSEC3-SHA1 (6), GOST (12).
      for (const a of [1, 3, 6, 12]) {
        const ds = parseRecord(`${ORIGIN}. 300 IN DS 1000 ${a} 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD`);
        assert.equal(verifyDnskeys(z.dnskeys, z.sigs, [ds], NOW).status, 'insecure', `algorithm ${a}`);
      }
      // An unsupported DS next to a good one does not weaken the good one.
      const mixed = [parent.ds(2), parseRecord(`${ORIGIN}. 300 IN DS 1000 253 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD`)];
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, mixed, NOW).status, 'secure');
      const mixedBad = [withData(parent.ds(2), { digest: flipByte((parent.ds(2).data as DsData).digest) }), mixed[1]!];
      assert.equal(verifyDnskeys(z.dnskeys, z.sigs, mixedBad, NOW).status, 'bogus', 'a supported but wrong DS stays bogus');
    });

    test('chain: anchor DS → parent DNSKEY → DS → child DNSKEY → child answer secure', () => {
      const chain: ZoneEvidence[] = [
        { zone: ORIGIN, dnskey: { rrset: z.dnskeys, signatures: z.sigsFor(ORIGIN, 'DNSKEY') } },
        {
          zone: CHILD,
          ds: { rrset: z.rrset(CHILD, 'DS'), signatures: z.sigsFor(CHILD, 'DS') },
          dnskey: { rrset: c.dnskeys, signatures: c.sigsFor(CHILD, 'DNSKEY') },
        },
      ];
      const r = validateChain([parent.ds(2)], chain, NOW);
      assert.equal(r.status, 'secure', r.reason);
      assert.deepEqual(
        r.zones.map((x) => x.status),
        ['secure', 'secure'],
      );
      assert.ok(r.keys && r.keys.length === 2);
      const host = verifyRRset(c.rrset(`host.${CHILD}`, 'A'), c.sigs, r.keys, CHILD, NOW);
      assert.equal(host.status, 'secure', host.reason);
      // The parent's keys must not validate the child's data.
      assert.equal(verifyRRset(c.rrset(`host.${CHILD}`, 'A'), c.sigs, r.zones[0]!.keys!, CHILD, NOW).status, 'bogus');
    });

    test('chain failures: wrong anchor, forged DS, child keys missing → bogus with EDE; below stays bogus', () => {
      const good: ZoneEvidence[] = [
        { zone: ORIGIN, dnskey: { rrset: z.dnskeys, signatures: z.sigsFor(ORIGIN, 'DNSKEY') } },
        {
          zone: CHILD,
          ds: { rrset: z.rrset(CHILD, 'DS'), signatures: z.sigsFor(CHILD, 'DS') },
          dnskey: { rrset: c.dnskeys, signatures: c.sigsFor(CHILD, 'DNSKEY') },
        },
      ];
      const wrongAnchor = validateChain([withData(parent.ds(2), { digest: flipByte((parent.ds(2).data as DsData).digest) })], good, NOW);
      assert.deepEqual(
        wrongAnchor.zones.map((x) => x.status),
        ['bogus', 'bogus'],
      );
      assert.equal(wrongAnchor.ede, EdeCode.DNSKEY_MISSING);
      const dsSet = z.rrset(CHILD, 'DS');
      const forgedDs: RRset = { ...dsSet, records: dsSet.records.map((r) => withData(r, { digest: flipByte((r.data as DsData).digest) })) };
      const forged = validateChain([parent.ds(2)], [good[0]!, { ...good[1]!, ds: { rrset: forgedDs, signatures: z.sigsFor(CHILD, 'DS') } }], NOW);
      assert.equal(forged.status, 'bogus');
      assert.equal(forged.ede, EdeCode.DNSSEC_BOGUS, forged.reason);
      const noKeys = validateChain([parent.ds(2)], [good[0]!, { zone: CHILD, ds: good[1]!.ds! }], NOW);
      assert.equal(noKeys.status, 'bogus');
      assert.equal(noKeys.ede, EdeCode.DNSKEY_MISSING);
      const noAnchor = validateChain([], good, NOW);
      assert.equal(noAnchor.status, 'indeterminate');
    });

    test('chain: provably unsigned delegation → insecure; alg-253-only DS → insecure EDE 1; no proof → bogus', () => {
      const top: ZoneEvidence = { zone: ORIGIN, dnskey: { rrset: z.dnskeys, signatures: z.sigsFor(ORIGIN, 'DNSKEY') } };
      const unsigned = validateChain([parent.ds(2)], [top, { zone: `unsigned.${ORIGIN}`, dsDenial: z.nsecAt(`unsigned.${ORIGIN}`) }], NOW);
      assert.deepEqual(
        unsigned.zones.map((x) => x.status),
        ['secure', 'insecure'],
      );
      assert.equal(unsigned.keys, undefined);
      const a253 = validateChain(
        [parent.ds(2)],
        [top, { zone: `alg253.${ORIGIN}`, ds: { rrset: z.rrset(`alg253.${ORIGIN}`, 'DS'), signatures: z.sigsFor(`alg253.${ORIGIN}`, 'DS') } }],
        NOW,
      );
      assert.equal(a253.status, 'insecure', a253.reason);
      assert.equal(a253.ede, EdeCode.UNSUPPORTED_DNSKEY_ALGORITHM);
      const nothing = validateChain([parent.ds(2)], [top, { zone: `unsigned.${ORIGIN}` }], NOW);
      assert.equal(nothing.status, 'bogus');
      // A denial whose NSEC signature is broken does not make the zone insecure.
      const [n, s] = z.nsecAt(`unsigned.${ORIGIN}`);
      const broken = validateChain(
        [parent.ds(2)],
        [top, { zone: `unsigned.${ORIGIN}`, dsDenial: [n!, withData(s!, { signature: flipByte((s!.data as RrsigData).signature) })] }],
        NOW,
      );
      assert.equal(broken.status, 'bogus');
      // …and a signed delegation's NSEC (DS bit set) does not either.
      const lie = validateChain([parent.ds(2)], [top, { zone: CHILD, dsDenial: z.nsecAt(CHILD) }], NOW);
      assert.equal(lie.status, 'bogus');
    });

    test('nsecCovers (RFC 8198 helper): inside the span only, never below a delegation, never an empty non-terminal', () => {
      const [cov] = z.nsecCovering(`nope.${ORIGIN}`);
      assert.equal(nsecCovers(cov!, `nope.${ORIGIN}`), true);
      assert.equal(nsecCovers(cov!, cov!.name), false, 'the owner itself exists');
      const [www] = z.nsecAt(`www.${ORIGIN}`);
      assert.equal(nsecCovers(www!, `www.${ORIGIN}`), false);
      const [cut] = z.nsecAt(`unsigned.${ORIGIN}`);
      assert.equal(nsecCovers(cut!, `x.unsigned.${ORIGIN}`), false, 'parent-side NSEC says nothing below the cut');
      const last = z.nsecs.find((n) => (n.data as NsecData).nextDomain === ORIGIN)!;
      assert.equal(nsecCovers(last, `zzzz.${ORIGIN}`), true, 'the last NSEC covers to the end of the zone');
      assert.equal(nsecCovers(last, 'zzzz.other'), false, 'but not names of other zones that sort later');
      const [ent] = z.nsecCovering(`b.deep.${ORIGIN}`);
      assert.equal(nsecCovers(ent!, `b.deep.${ORIGIN}`), false, 'b.deep is an empty non-terminal');
    });

    test('NSEC bitmaps from BIND list what the names hold', () => {
      // Sanity of the fixture itself, so the denial tests above are meaningful.
      const www = z.nsecAt(`www.${ORIGIN}`)[0]!.data as NsecData;
      assert.ok(www.types.includes('A') && www.types.includes('AAAA') && !www.types.includes('TXT'));
    });
  });
}
