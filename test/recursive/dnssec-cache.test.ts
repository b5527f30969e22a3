// Cache behaviour that incidents depend on: RFC 8198 aggressive NSEC (the
// Slack bitmap outage, new names hidden by cached NSEC), DS/DNSKEY living by
// their own TTLs (the Slack rollback outage), flushing, serve-stale (RFC 8767)
// and the bounded amount of work per client query.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nsec3Covers } from '../../dns/dnssec/denial.ts';
import { VirtualClock } from '../../net/clock.ts';
import { settingsFor, type ProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { ADDR, buildWorld, engineOnWorld } from './world.ts';

function setup(overrides: Partial<ResolverSettings> = {}, profile: ProfileName = 'unbound', world?: ReturnType<typeof buildWorld>) {
  return engineOnWorld(world ?? buildWorld(new VirtualClock()), settingsFor(profile, { ede: true, ...overrides }), 'cache-test');
}

describe('aggressive use of DNSSEC-validated cache (RFC 8198)', () => {
  it('after one validated NXDOMAIN, another name in the same NSEC span is answered with no upstream query', async () => {
    const { q, upstream } = setup({ aggressiveNsec: true });
    const first = await q('b.example.lab', 'A');
    assert.equal(first.rcode, 'NXDOMAIN');
    assert.equal(first.ad, true);
    const before = upstream.sent;
    // alias.example.lab → c.example.lab covers both b and bb.
    const second = await q('bb.example.lab', 'A');
    assert.equal(second.rcode, 'NXDOMAIN');
    assert.equal(second.ad, true);
    assert.equal(upstream.sent, before, 'no upstream query');
    assert.equal(second.summary.aggressive, true);
    assert.ok(
      second.authority.some((r) => r.type === 'NSEC'),
      'the covering NSEC is in the synthesised answer',
    );
  });

  it('with the switch off the same query goes upstream', async () => {
    const { q, upstream } = setup({ aggressiveNsec: false });
    await q('b.example.lab', 'A');
    const before = upstream.sent;
    const second = await q('bb.example.lab', 'A');
    assert.equal(second.rcode, 'NXDOMAIN');
    assert.ok(upstream.sent > before, 'asked upstream');
    assert.equal(second.summary.aggressive, false);
  });

  it('NODATA for one type is synthesised for another type missing from the NSEC bitmap (the Slack mechanism)', async () => {
    const { q, upstream } = setup({ aggressiveNsec: true });
    const aaaa = await q('www.example.lab', 'AAAA');
    assert.equal(aaaa.rcode, 'NOERROR');
    assert.equal(aaaa.answer.length, 0);
    const before = upstream.sent;
    const txt = await q('www.example.lab', 'TXT');
    assert.equal(txt.rcode, 'NOERROR');
    assert.equal(txt.answer.length, 0);
    assert.equal(upstream.sent, before);
    // …but a type in the bitmap is never denied from the cache.
    const a = await q('www.example.lab', 'A');
    assert.deepEqual(
      a.answer.filter((r) => r.type === 'A').map((r) => r.data),
      ['192.0.2.10'],
    );
  });

  it('Slack 2021: an NSEC bitmap missing A turns an AAAA NODATA into an A outage only with aggressive NSEC, and only AAAA-first', async () => {
    const broken = () => buildWorld(new VirtualClock(), { exampleQuirks: [{ kind: 'bitmap-omit', owner: 'www.example.lab', types: ['A'] }] });
    const aggressive = setup({ aggressiveNsec: true }, 'google-public-dns', broken());
    assert.equal((await aggressive.q('www.example.lab', 'AAAA')).answer.length, 0);
    const outage = await aggressive.q('www.example.lab', 'A');
    assert.equal(outage.rcode, 'NOERROR');
    assert.deepEqual(
      outage.answer.filter((r) => r.type === 'A'),
      [],
      'A denied from the cached NSEC',
    );
    assert.equal(outage.summary.aggressive, true);
    const classic = setup({ aggressiveNsec: false }, 'unbound', broken());
    await classic.q('www.example.lab', 'AAAA');
    assert.deepEqual(
      (await classic.q('www.example.lab', 'A')).answer.filter((r) => r.type === 'A').map((r) => r.data),
      ['192.0.2.10'],
    );
    const aFirst = setup({ aggressiveNsec: true }, 'google-public-dns', broken());
    assert.deepEqual(
      (await aFirst.q('www.example.lab', 'A')).answer.filter((r) => r.type === 'A').map((r) => r.data),
      ['192.0.2.10'],
      'A before AAAA works',
    );
  });

  it('a name added after the NSEC was cached stays hidden until the NSEC expires (RFC 8198 §6)', async () => {
    const { q, w } = setup({ aggressiveNsec: true });
    await q('b.example.lab', 'A');
    w.resign('example.lab', (z) => z.add({ name: 'new.example.lab', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.77' }));
    assert.equal((await q('bz.example.lab', 'A')).rcode, 'NXDOMAIN');
    // new.example.lab sorts after mail and ns*: its span was not cached; bc is inside the cached span.
    assert.equal((await q('bc.example.lab', 'A')).summary.queriesSent, 0);
    await w.clock.runFor(301_000); // NSEC TTL = min(NSEC TTL, SOA MINIMUM 300)
    const fresh = await q('bc.example.lab', 'A');
    assert.ok(fresh.summary.queriesSent > 0);
  });

  it('a name under a cached, validated wildcard is answered by expanding it locally (RFC 8198 §5.3)', async () => {
    const { q, upstream } = setup({ aggressiveNsec: true });
    const first = await q('anything.wild.example.lab', 'A');
    assert.equal(first.ad, true);
    const before = upstream.sent;
    const second = await q('other.wild.example.lab', 'A');
    assert.equal(upstream.sent, before, 'no upstream query');
    assert.equal(second.rcode, 'NOERROR');
    assert.equal(second.ad, true);
    assert.deepEqual(
      second.answer.filter((r) => r.type === 'A').map((r) => `${r.name} ${r.data}`),
      ['other.wild.example.lab 192.0.2.99'],
    );
    // Switch off: asked upstream.
    const off = setup({ aggressiveNsec: false });
    await off.q('anything.wild.example.lab', 'A');
    const b2 = off.upstream.sent;
    await off.q('other.wild.example.lab', 'A');
    assert.ok(off.upstream.sent > b2);
  });

  it('NSEC3 spans are used by profiles that allow it (knot-resolver) and not by unbound', async () => {
    const knot = setup({}, 'knot-resolver');
    const first = await knot.q('nope.other.lab', 'A');
    assert.equal(first.rcode, 'NXDOMAIN');
    assert.equal(first.ad, true);
    // The proof's NSEC3 records (closest encloser, next closer, wildcard): a name whose hash falls in one of their
    // spans is provably absent from the cache alone (other.lab itself is the closest encloser, *.other.lab is
    // covered); a name whose hash falls in the zone's other span is not.
    const spans = first.authority.filter((r) => r.type === 'NSEC3');
    assert.equal(spans.length, 3);
    const names = Array.from({ length: 40 }, (_, i) => `n${i}.other.lab`);
    const inside = names.find((n) => spans.some((r) => nsec3Covers(r, n, 'other.lab')))!;
    const outside = names.find((n) => !spans.some((r) => nsec3Covers(r, n, 'other.lab')))!;
    assert.ok(inside && outside);
    const k2 = await knot.q(inside, 'A');
    assert.equal(k2.rcode, 'NXDOMAIN');
    assert.equal(k2.ad, true);
    assert.equal(k2.summary.queriesSent, 0, `${inside}: synthesised from the cached NSEC3 spans`);
    assert.equal(k2.summary.aggressive, true);
    assert.ok(
      k2.authority.some((r) => r.type === 'NSEC3'),
      'the NSEC3 proof is in the synthesised answer',
    );
    const k3 = await knot.q(outside, 'A');
    assert.equal(k3.rcode, 'NXDOMAIN');
    assert.ok(k3.summary.queriesSent > 0, `${outside}: its hash is in no cached span, so it is asked`);
    assert.equal(k3.summary.aggressive, false);
    const unb = setup({}, 'unbound');
    await unb.q('nope.other.lab', 'A');
    const u2 = await unb.q(inside, 'A');
    assert.equal(u2.rcode, 'NXDOMAIN');
    assert.ok(u2.summary.queriesSent > 0, 'unbound: NSEC only');
    assert.equal(u2.summary.aggressive, false);
  });
});

describe('DS and DNSKEY live by their own TTLs', () => {
  it('turning DNSSEC off without waiting out the DS TTL: SERVFAIL until the cached DS expires; a flush ends it at once', async () => {
    const { q, w, engine } = setup({ aggressiveNsec: false });
    const before = await q('www.example.lab', 'A');
    assert.equal(before.ad, true);
    // Operator removes the DS at the TLD and unsigns the zone at the same moment (step 2 skipped).
    w.resign('lab', (z) => z.remove('example.lab', 'DS'));
    w.serveUnsigned('example.lab');
    await w.clock.runFor(3_601_000); // A (300) and DNSKEY (3600) expired; DS (86400) still cached
    const during = await q('www.example.lab', 'A');
    assert.equal(during.rcode, 'SERVFAIL', 'cached DS says signed, zone has no DNSKEY');
    assert.ok(during.ede);
    // Still failing later the same day…
    await w.clock.runFor(40_000_000);
    assert.equal((await q('www.example.lab', 'A')).rcode, 'SERVFAIL');
    // …and fine once the DS TTL (counted from when it was cached) has passed.
    await w.clock.runFor(86_400_000 - 43_601_000 + 1_000);
    const after = await q('www.example.lab', 'A');
    assert.equal(after.rcode, 'NOERROR', JSON.stringify(after.ede));
    assert.equal(after.ad, false);
    assert.equal(after.security, 'insecure');
    void engine;
  });

  it('flushTree on the zone ends the outage immediately (what users of Google Public DNS did)', async () => {
    const { q, w, engine } = setup({ aggressiveNsec: false });
    await q('www.example.lab', 'A');
    w.resign('lab', (z) => z.remove('example.lab', 'DS'));
    w.serveUnsigned('example.lab');
    await w.clock.runFor(3_601_000);
    assert.equal((await q('www.example.lab', 'A')).rcode, 'SERVFAIL');
    assert.ok(engine.flushTree('example.lab') > 0);
    const r = await q('www.example.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.security, 'insecure');
  });

  it('flushName forgets one name only; flushAll everything', async () => {
    const { q, engine } = setup();
    await q('www.example.lab', 'A');
    await q('c.example.lab', 'A');
    engine.flushName('www.example.lab');
    assert.ok((await q('www.example.lab', 'A')).summary.queriesSent > 0);
    assert.equal((await q('c.example.lab', 'A')).summary.queriesSent, 0);
    engine.flushAll();
    assert.ok((await q('c.example.lab', 'A')).summary.queriesSent > 0);
  });
});

describe('serve-stale (RFC 8767) and bounded work', () => {
  const silence = (w: ReturnType<typeof buildWorld>) => {
    w.servers.get(ADDR.example)!.setQuirks([{ kind: 'drop' }]);
    w.servers.get(ADDR.exampleLame)!.setQuirks([{ kind: 'drop' }]);
  };

  it('with serve-stale on, expired data is served (TTL 30, EDE 3) when the authoritatives are unreachable', async () => {
    const { q, w } = setup({ serveStale: true, maxStaleTtl: 86400 });
    await q('www.example.lab', 'A');
    silence(w);
    await w.clock.runFor(400_000);
    const r = await q('www.example.lab', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.answer.find((x) => x.type === 'A')!.ttl, 30);
    assert.equal(r.ede?.code, 3);
    assert.equal(r.summary.stale, true);
  });

  it('without serve-stale the same situation is SERVFAIL, after a bounded number of queries', async () => {
    const { q, w } = setup({ serveStale: false });
    await q('www.example.lab', 'A');
    silence(w);
    await w.clock.runFor(400_000);
    const r = await q('www.example.lab', 'A');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(r.summary.queriesSent > 0 && r.summary.queriesSent <= 32, `sent ${r.summary.queriesSent}`);
    assert.ok(r.summary.timeouts > 0);
  });
});
