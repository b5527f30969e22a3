// RFC 8767 §5 client response timer: stale data reaches the client after
// staleClientTimeoutMs of lab time while every authoritative is silent, the
// resolution goes on in the background and refreshes the cache, fresh answers
// that arrive in time win, and nothing older than maxStaleTtl is served.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { PROFILES, settingsFor, type ProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import type { Quirk } from '../../servers/authoritative/quirks.ts';
import { ADDR, buildWorld, drive, engineOnWorld } from './world.ts';

// The servers of this world answer in 5 ms, so with the default RTO floor a
// resolution against dead servers gives up within 0.7 s — before any timer.
// An RTO floor of 1 s makes failing take longer than 1.8 s, as it does on the
// Internet (Unbound's unknown-server-time-limit alone is 376 ms per try).
const SLOW_FAILURE: Partial<ResolverSettings> = { minRtoMs: 1000 };

function setup(overrides: Partial<ResolverSettings>, profile: ProfileName = 'google-public-dns') {
  const { w, upstream, engine, events, q } = engineOnWorld(
    buildWorld(new VirtualClock()),
    settingsFor(profile, { ede: true, ...SLOW_FAILURE, ...overrides }),
    'serve-stale-test',
  );
  /** Both servers of example.lab get these quirks. */
  const exampleServers = (quirks: Quirk[]) => {
    w.servers.get(ADDR.example)!.setQuirks(quirks);
    w.servers.get(ADDR.exampleLame)!.setQuirks(quirks);
  };
  return { w, upstream, engine, events, q, exampleServers };
}

const elapsed = (r: { summary: { startedAt: number; finishedAt: number } }) => r.summary.finishedAt - r.summary.startedAt;
const aTtl = (r: { answer: { type: string; ttl: number }[] }) => r.answer.find((x) => x.type === 'A')?.ttl;

describe('serve-stale client response timer (RFC 8767 §5)', () => {
  it('all authoritatives dead: the stale answer (TTL 30, EDE 3) arrives at 1.8 s of lab time, not after the failed resolution', async () => {
    const { q, w, exampleServers } = setup({ staleClientTimeoutMs: 1800 });
    assert.equal(aTtl(await q('www.example.lab')), 300);
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000); // TTL 300 has run out
    const r = await q('www.example.lab');
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(
      r.answer.filter((x) => x.type === 'A').map((x) => x.data),
      ['192.0.2.10'],
    );
    assert.equal(aTtl(r), 30);
    assert.equal(r.ede?.code, 3);
    assert.equal(r.summary.stale, true);
    assert.equal(elapsed(r), 1800, 'answered when the timer fired');
  });

  it("with the timer 'off' the same stale answer only comes after the resolution failed (later than 1.8 s)", async () => {
    const { q, w, exampleServers } = setup({ staleClientTimeoutMs: 'off' });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000);
    const r = await q('www.example.lab');
    assert.equal(r.ede?.code, 3);
    assert.equal(aTtl(r), 30);
    assert.ok(elapsed(r) > 1800, `stale answer after ${elapsed(r)} ms`);
  });

  it('servers that answer in time give the fresh answer (no EDE, full TTL)', async () => {
    const { q, w, exampleServers } = setup({ staleClientTimeoutMs: 1800 });
    await q('www.example.lab');
    exampleServers([{ kind: 'delay', ms: 500 }]);
    await w.clock.runFor(400_000);
    const r = await q('www.example.lab');
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.ede, undefined);
    assert.equal(r.summary.stale, false);
    assert.equal(aTtl(r), 300);
    assert.ok(elapsed(r) < 1800, `fresh after ${elapsed(r)} ms`);
  });

  it('a slow upstream: stale at 1.8 s, and the background resolution refreshes the cache for the next client', async () => {
    const { q, w, exampleServers, upstream } = setup({ staleClientTimeoutMs: 1800 });
    await q('www.example.lab');
    exampleServers([{ kind: 'delay', ms: 3000 }]);
    await w.clock.runFor(400_000);
    const stale = await q('www.example.lab');
    assert.equal(stale.ede?.code, 3);
    assert.equal(elapsed(stale), 1800);
    await w.clock.runFor(5_000); // the background resolution gets its answer at ~3 s
    const sentBefore = upstream.sent;
    const next = await q('www.example.lab');
    assert.equal(upstream.sent, sentBefore, 'answered from the refreshed cache');
    assert.equal(next.ede, undefined);
    assert.equal(next.summary.stale, false);
    const ttl = aTtl(next)!;
    assert.ok(ttl > 290 && ttl <= 300, `fresh TTL ${ttl}`);
  });

  it('no stale data beyond maxStaleTtl: SERVFAIL once the data is older than the stale window', async () => {
    const { q, w, exampleServers } = setup({ staleClientTimeoutMs: 1800, maxStaleTtl: 60 });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(330_000); // expired 30 s ago: inside the window
    const inside = await q('www.example.lab');
    assert.equal(inside.ede?.code, 3);
    await w.clock.runFor(120_000); // now 150 s past expiry
    const outside = await q('www.example.lab');
    assert.equal(outside.rcode, 'SERVFAIL');
    assert.equal(outside.summary.stale, false);
    assert.ok(elapsed(outside) > 1800, 'the client waited for the whole failed resolution');
  });

  it('clients joining a resolution in progress get the stale answer at their own timer', async () => {
    const { engine, w, exampleServers, q } = setup({ staleClientTimeoutMs: 1800 });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000);
    const first = engine.resolve('www.example.lab', 'A', { do: true });
    await w.clock.runFor(1000);
    const joiner = await drive(w.clock, engine.resolve('www.example.lab', 'A', { do: true }));
    const r1 = await drive(w.clock, first);
    assert.equal(r1.ede?.code, 3);
    assert.equal(joiner.summary.coalesced, true);
    assert.equal(joiner.ede?.code, 3);
    assert.equal(elapsed(joiner), 1800);
  });

  it('serve-stale off: no timer, SERVFAIL', async () => {
    const { q, w, exampleServers } = setup({ serveStale: false, staleClientTimeoutMs: 1800 });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000);
    const r = await q('www.example.lab');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.equal(r.summary.stale, false);
  });

  it('failure recheck timer: within 30 s of a failed refresh stale data comes at once, with no upstream query; after 30 s it tries again', async () => {
    const { q, w, exampleServers, upstream } = setup({ staleClientTimeoutMs: 1800, staleRefreshIntervalS: 30 });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000);
    const first = await q('www.example.lab');
    assert.equal(first.ede?.code, 3);
    await w.clock.runFor(10_000); // the background resolution has failed by now
    const before = upstream.sent;
    const quick = await q('www.example.lab');
    assert.equal(quick.ede?.code, 3);
    assert.equal(aTtl(quick), 30);
    assert.equal(elapsed(quick), 0);
    assert.equal(upstream.sent, before, 'no upstream query inside the recheck window');
    await w.clock.runFor(30_000);
    const again = await q('www.example.lab');
    assert.equal(again.ede?.code, 3);
    assert.ok(upstream.sent > before, 'tried the servers again after 30 s');
    assert.equal(elapsed(again), 1800);
  });

  it('with the recheck timer 0 every client query tries the dead servers again', async () => {
    const { q, w, exampleServers, upstream } = setup({ staleClientTimeoutMs: 1800, staleRefreshIntervalS: 0 });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000);
    await q('www.example.lab');
    await w.clock.runFor(10_000);
    const before = upstream.sent;
    const r = await q('www.example.lab');
    assert.equal(r.ede?.code, 3);
    assert.ok(upstream.sent > before);
    assert.equal(elapsed(r), 1800);
  });

  it('after the recheck window, servers that are back give the fresh answer again', async () => {
    const { q, w, exampleServers } = setup({ staleClientTimeoutMs: 1800, staleRefreshIntervalS: 30 });
    await q('www.example.lab');
    exampleServers([{ kind: 'drop' }]);
    await w.clock.runFor(400_000);
    await q('www.example.lab');
    await w.clock.runFor(40_000);
    exampleServers([]);
    const fresh = await q('www.example.lab');
    assert.equal(fresh.ede, undefined);
    assert.equal(aTtl(fresh), 300);
  });

  it('profiles carry the products’ documented timers', () => {
    assert.equal(PROFILES.unbound.staleClientTimeoutMs, 0); // serve-expired-client-timeout: 0 (1.17.1)
    assert.equal(PROFILES.bind.staleClientTimeoutMs, 'off'); // stale-answer-client-timeout off (9.18.49 named -C)
    assert.equal(PROFILES.bind.staleRefreshIntervalS, 30); // stale-refresh-time 30
    assert.equal(PROFILES['google-public-dns'].staleClientTimeoutMs, 1800);
    assert.equal(PROFILES['google-public-dns'].serveStale, true);
  });

  it('looking for stale data that is not used leaves no trace: one cache hit event per fresh answer', async () => {
    const { q, events } = setup({ serveStale: true }, 'unbound'); // timer 0: the look happens on every query
    await q('www.example.lab');
    const r = await q('www.example.lab');
    assert.equal(r.summary.fromCache, true);
    const hits = events.filter((e) => e.type === 'cache' && 'resolution' in e && e.resolution === r.summary.resolution);
    assert.deepEqual(
      hits.map((e) => (e.type === 'cache' ? e.action : '')),
      ['hit'],
    );
  });

  it("Unbound's timer 0 answers stale data at once and still refreshes in the background", async () => {
    const { q, w, exampleServers, upstream } = setup({ serveStale: true, staleAnswerTtl: 30 }, 'unbound');
    await q('www.example.lab');
    exampleServers([{ kind: 'delay', ms: 1000 }]);
    await w.clock.runFor(400_000);
    const stale = await q('www.example.lab');
    assert.equal(stale.ede?.code, 3);
    assert.equal(elapsed(stale), 0);
    await w.clock.runFor(3_000);
    const before = upstream.sent;
    const fresh = await q('www.example.lab');
    assert.equal(upstream.sent, before);
    assert.equal(fresh.summary.stale, false);
  });
});
