// The resolver against a signed dnslab hierarchy (root → lab → SLDs) served by
// AuthoritativeServer objects, on the lab clock. Each test names the resolver
// path it exercises and checks rcode, AD and the answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { settingsFor, type ProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { ADDR, buildWorld, engineOnWorld, type World } from './world.ts';

function setup(overrides: Partial<ResolverSettings> = {}, profile: ProfileName = 'unbound', world?: World) {
  return engineOnWorld(world ?? buildWorld(new VirtualClock()), settingsFor(profile, { ede: true, ...overrides }), 'resolve-test');
}

const rdata = (rrs: { type: string; data: unknown }[], type: string) => rrs.filter((r) => r.type === type).map((r) => String(r.data));

describe('recursive resolution on a signed lab hierarchy', () => {
  it('positive answer, validated: AD=1, A record', async () => {
    const { q } = setup();
    const r = await q('www.example.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.ad, true, JSON.stringify(r.ede));
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.10']);
    assert.ok(
      r.answer.some((x) => x.type === 'RRSIG'),
      'DO=1 gets RRSIGs',
    );
    assert.ok(r.summary.queriesSent >= 3);
  });

  it('CNAME into another zone (NSEC3-signed) is followed and both links validate', async () => {
    const { q } = setup();
    const r = await q('alias.example.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(rdata(r.answer, 'CNAME'), ['www.other.lab']);
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.20']);
    assert.equal(r.ad, true, JSON.stringify(r.ede));
  });

  it('NXDOMAIN with an NSEC proof validates (AD=1)', async () => {
    const { q } = setup();
    const r = await q('nope.example.lab', 'A');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.equal(r.ad, true, JSON.stringify(r.ede));
    assert.ok(r.authority.some((x) => x.type === 'SOA'));
  });

  it('NXDOMAIN with an NSEC3 proof validates', async () => {
    const { q } = setup();
    const r = await q('nope.other.lab', 'A');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.equal(r.ad, true, JSON.stringify(r.ede));
  });

  it('NODATA validates', async () => {
    const { q } = setup();
    const r = await q('www.example.lab', 'AAAA');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.answer.length, 0);
    assert.equal(r.ad, true, JSON.stringify(r.ede));
  });

  it('wildcard answer with its no-closer-match proof validates', async () => {
    const { q } = setup();
    const r = await q('anything.wild.example.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.99']);
    assert.equal(r.answer.find((x) => x.type === 'A')!.name, 'anything.wild.example.lab');
    assert.equal(r.ad, true, JSON.stringify(r.ede));
  });

  it('DNAME: the CNAME is synthesised and followed', async () => {
    const { q } = setup();
    const r = await q('www.sub.example.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(rdata(r.answer, 'DNAME'), ['other.lab']);
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.20']);
    assert.equal(r.ad, true, JSON.stringify(r.ede));
  });

  it('glueless delegation: the NS name is resolved first (insecure zone, AD=0)', async () => {
    const { q, upstream } = setup();
    const r = await q('www.glueless.lab', 'A');
    assert.equal(r.rcode, 'NOERROR', JSON.stringify(r.ede));
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.30']);
    assert.equal(r.ad, false);
    assert.equal(r.security, 'insecure');
    assert.ok(
      upstream.log.some((l) => l.qname === 'ns2.other.lab'),
      'looked up the NS name',
    );
  });

  it('insecure delegation (no DS, proven by NSEC): answer without AD, not SERVFAIL', async () => {
    const { q } = setup();
    const r = await q('www.insecure.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.40']);
    assert.equal(r.ad, false);
    assert.equal(r.security, 'insecure');
  });

  it('insecure delegation below an empty non-terminal of a signed parent (ent.lab) is insecure, not bogus', async () => {
    const { q } = setup();
    const r = await q('www.child.ent.lab', 'A');
    assert.equal(r.rcode, 'NOERROR', JSON.stringify(r.ede));
    assert.deepEqual(rdata(r.answer, 'A'), ['192.0.2.41']);
    assert.equal(r.security, 'insecure');
  });

  it('bogus signature → SERVFAIL with EDE; CD=1 returns the data unvalidated', async () => {
    const { q } = setup();
    const r = await q('www.bogus.lab', 'A');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.equal(r.answer.length, 0);
    assert.ok(r.ede, 'EDE present');
    assert.ok([6, 7, 10].includes(r.ede!.code), `EDE ${r.ede!.code}`);
    const ok = await q('ok.bogus.lab', 'A');
    assert.equal(ok.rcode, 'NOERROR', 'other names in the zone still validate');
    assert.equal(ok.ad, true);
    const cd = await q('www.bogus.lab', 'A', { do: true, cd: true });
    assert.equal(cd.rcode, 'NOERROR');
    assert.deepEqual(rdata(cd.answer, 'A'), ['192.0.2.50']);
    assert.equal(cd.ad, false);
  });

  it('DS that matches no DNSKEY → SERVFAIL (EDE DNSSEC bogus family)', async () => {
    const { q } = setup();
    const r = await q('www.dsmismatch.lab', 'A');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(r.ede);
  });

  it('lame server among good ones: REFUSED server skipped, answer from the good one', async () => {
    const { q, events } = setup();
    for (const name of ['c.example.lab', 'f.example.lab', 'www.example.lab', 'mail.example.lab', 'alias.example.lab', 'nope.example.lab']) {
      const r = await q(name, 'A', { do: true });
      assert.ok(r.rcode === 'NOERROR' || r.rcode === 'NXDOMAIN', `${name} ${r.rcode}`);
    }
    const fromLame = events.filter((e) => e.type === 'upstream-response' && e.server.address === ADDR.exampleLame);
    // The seeded choice tries the REFUSED server once; it is marked lame and avoided afterwards.
    assert.ok(fromLame.every((e) => e.type === 'upstream-response' && e.rcode === 'REFUSED'));
    assert.equal(fromLame.length, 1, `lame server asked ${fromLame.length} times`);
  });

  it('TC=1 over UDP → the same question over TCP', async () => {
    const { q, upstream } = setup();
    const r = await q('big.lab', 'TXT', { do: false });
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(rdata(r.answer, 'TXT').length, 12);
    const forBig = upstream.log.filter((l) => l.server === ADDR.big && l.qname === 'big.lab' && l.qtype === 'TXT');
    assert.deepEqual(
      forBig.map((l) => l.tcp),
      [false, true],
    );
  });

  it('negative caching: NXDOMAIN is served from cache until min(SOA TTL, MINIMUM) passes (RFC 2308)', async () => {
    const { q, w } = setup({ aggressiveNsec: false });
    const first = await q('gone.example.lab', 'A');
    assert.equal(first.rcode, 'NXDOMAIN');
    const again = await q('gone.example.lab', 'A');
    assert.equal(again.rcode, 'NXDOMAIN');
    assert.equal(again.summary.queriesSent, 0, 'from the negative cache');
    // The SOA's own TTL is 3600 and its MINIMUM 300: the negative TTL is 300 (RFC 2308 §5), counting down.
    const soaTtl = (m: typeof again) => m.authority.find((x) => x.type === 'SOA')!.ttl;
    assert.equal(soaTtl(first), 300);
    assert.equal(soaTtl(again), 300);
    await w.clock.runFor(299_000);
    const edge = await q('gone.example.lab', 'A');
    assert.equal(edge.rcode, 'NXDOMAIN');
    assert.equal(edge.summary.queriesSent, 0, 'still in the negative cache at 299 s');
    assert.equal(soaTtl(edge), 1);
    await w.clock.runFor(2_000);
    const later = await q('gone.example.lab', 'A');
    assert.equal(later.rcode, 'NXDOMAIN');
    assert.ok(later.summary.queriesSent > 0, 'asked again after the negative TTL');
  });

  it('positive TTLs count down on the lab clock and the data is re-fetched after expiry', async () => {
    const { q, w } = setup();
    await q('www.example.lab', 'A');
    await w.clock.runFor(100_000);
    const cached = await q('www.example.lab', 'A');
    assert.equal(cached.summary.queriesSent, 0);
    assert.equal(cached.answer.find((x) => x.type === 'A')!.ttl, 200);
    await w.clock.runFor(201_000);
    const refetched = await q('www.example.lab', 'A');
    assert.ok(refetched.summary.queriesSent > 0);
  });

  it('RD=0 answers from cache only', async () => {
    const { q } = setup();
    const miss = await q('www.example.lab', 'A', { rd: false });
    assert.equal(miss.summary.queriesSent, 0);
    assert.equal(miss.answer.length, 0);
    await q('www.example.lab', 'A');
    const hit = await q('www.example.lab', 'A', { rd: false });
    assert.deepEqual(rdata(hit.answer, 'A'), ['192.0.2.10']);
    assert.equal(hit.summary.queriesSent, 0);
  });
});
