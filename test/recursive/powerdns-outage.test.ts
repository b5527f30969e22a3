// PowerDNS Recursor 4.8 while every authoritative server of a zone is silent (facebook-query-storm, measured
// against real 4.8.8 at clock rate 20): each resolution asks each server once and waits network-timeout (1.5 s)
// for it, with no EDNS fallback, and the SERVFAIL that follows is answered from the packet cache for 60 s.
// Each switch is tested against the same engine with that one switch off.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { PROFILES, settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { ADDR, buildWorld, drive, engineOnWorld } from './world.ts';

function setup(overrides: Partial<ResolverSettings> = {}) {
  const { w, upstream, engine } = engineOnWorld(
    buildWorld(new VirtualClock()),
    settingsFor('powerdns', { validate: false, ...overrides }),
    'powerdns-outage-test',
  );
  const q = (name: string) => drive(w.clock, engine.resolve(name, 'A'));
  const deadExample = () => {
    w.servers.get(ADDR.example)!.setQuirks([{ kind: 'drop' }]);
    w.servers.get(ADDR.exampleLame)!.setQuirks([{ kind: 'drop' }]);
  };
  const toExample = () => upstream.log.filter((l) => l.server === ADDR.example || l.server === ADDR.exampleLame);
  return { w, engine, upstream, q, deadExample, toExample };
}

const elapsed = (r: { summary: { startedAt: number; finishedAt: number } }) => r.summary.finishedAt - r.summary.startedAt;

describe('PowerDNS profile: dead authoritatives', () => {
  it('the profile sets the switches (packetcache-servfail-ttl=60, network-timeout=1500, no EDNS fallback on timeout, EDE only for bogus)', () => {
    assert.equal(PROFILES.powerdns.servfailCacheS, 60);
    assert.equal(PROFILES.powerdns.fixedUpstreamTimeoutMs, 1500);
    assert.equal(PROFILES.powerdns.ednsOffAfterTimeouts, false);
    assert.equal(PROFILES.powerdns.edeBogusOnly, true);
    for (const p of ['unbound', 'bind', 'knot-resolver'] as const) {
      assert.equal(PROFILES[p].servfailCacheS, 0, p);
      assert.equal(PROFILES[p].fixedUpstreamTimeoutMs, 0, p);
      // Unbound and BIND do not either (test/recursive/unbound-infra-cycle.test.ts, test/recursive/bind-retry-interval.test.ts)
      assert.equal(PROFILES[p].ednsOffAfterTimeouts, p === 'knot-resolver', p);
      assert.equal(PROFILES[p].edeBogusOnly, false, p);
    }
  });

  it('servfailCacheS: a SERVFAIL is answered again for 60 s with no upstream query, then the question goes upstream again', async () => {
    const { w, q, deadExample, toExample } = setup();
    deadExample();
    const first = await q('www.example.lab');
    assert.equal(first.rcode, 'SERVFAIL');
    const sent = toExample().length;
    assert.ok(sent > 0);
    await w.clock.runFor(30_000);
    const again = await q('www.example.lab');
    assert.equal(again.rcode, 'SERVFAIL');
    assert.equal(again.summary.queriesSent, 0);
    assert.equal(elapsed(again), 0, 'answered at once');
    assert.equal(toExample().length, sent, 'no query to the dead servers within 60 s');
    await w.clock.runFor(31_000);
    const later = await q('www.example.lab');
    assert.equal(later.rcode, 'SERVFAIL');
    assert.ok(toExample().length > sent, 'after 60 s the question is asked again');
  });

  it('servfailCacheS 0: every query goes upstream again', async () => {
    const { w, q, deadExample, toExample } = setup({ servfailCacheS: 0 });
    deadExample();
    await q('www.example.lab');
    const sent = toExample().length;
    await w.clock.runFor(30_000);
    const again = await q('www.example.lab');
    assert.equal(again.rcode, 'SERVFAIL');
    assert.ok(toExample().length > sent, 'asked the dead servers again');
  });

  it('a cached SERVFAIL goes with a cache flush (rec_control wipe-cache wipes the packet cache too)', async () => {
    const { w, engine, q, deadExample } = setup();
    assert.equal((await q('www.example.lab')).rcode, 'NOERROR');
    deadExample();
    await w.clock.runFor(400_000);
    assert.equal((await q('www.example.lab')).rcode, 'SERVFAIL');
    w.servers.get(ADDR.example)!.setQuirks([]);
    w.servers.get(ADDR.exampleLame)!.setQuirks([]);
    assert.equal((await q('www.example.lab')).rcode, 'SERVFAIL', 'still the cached SERVFAIL');
    await w.clock.runFor(11_000); // past the 10 s timeout throttle (timeoutThrottleS), well inside the 60 s
    assert.equal((await q('www.example.lab')).rcode, 'SERVFAIL', 'no flush: the cached SERVFAIL');
    engine.flushTree('example.lab');
    assert.equal((await q('www.example.lab')).rcode, 'NOERROR');
  });

  it('fixedUpstreamTimeoutMs + ednsOffAfterTimeouts off: one query per dead server, 1.5 s each, SERVFAIL after 3 s', async () => {
    const { w, q, deadExample, toExample } = setup();
    assert.equal((await q('www.example.lab')).rcode, 'NOERROR');
    deadExample();
    await w.clock.runFor(400_000);
    const before = toExample().length;
    const r = await q('www.example.lab');
    assert.equal(r.rcode, 'SERVFAIL');
    const asked = toExample().slice(before);
    assert.deepEqual(asked.map((l) => l.server).sort(), [ADDR.example, ADDR.exampleLame].sort(), 'each server once');
    assert.equal(elapsed(r), 3000, 'two waits of network-timeout');
  });

  it('fixedUpstreamTimeoutMs 0: the wait follows the RTT history (a server that answered in 5 ms is given up on sooner)', async () => {
    const { w, q, deadExample } = setup({ fixedUpstreamTimeoutMs: 0 });
    assert.equal((await q('www.example.lab')).rcode, 'NOERROR');
    deadExample();
    await w.clock.runFor(400_000);
    const r = await q('www.example.lab');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(elapsed(r) < 3000, `${elapsed(r)} ms`);
  });

  it('ednsOffAfterTimeouts: the second resolution against silent servers asks each once more without EDNS; off, it does not', async () => {
    const count = async (ednsOffAfterTimeouts: boolean) => {
      const { w, q, deadExample, toExample } = setup({ ednsOffAfterTimeouts });
      deadExample();
      assert.equal((await q('www.example.lab')).rcode, 'SERVFAIL');
      await w.clock.runFor(70_000); // past the timeout throttle and the cached SERVFAIL
      const before = toExample().length;
      assert.equal((await q('www.example.lab')).rcode, 'SERVFAIL');
      return toExample().length - before;
    };
    assert.equal(await count(false), 2);
    assert.equal(await count(true), 4);
  });

  it('edeBogusOnly: the stale answer carries no EDE for the client (the summary keeps EDE 3); off, the client gets EDE 3', async () => {
    const stale = async (edeBogusOnly: boolean) => {
      const { w, q, deadExample } = setup({ serveStale: true, ede: true, edeBogusOnly });
      assert.equal((await q('www.example.lab')).rcode, 'NOERROR');
      deadExample();
      await w.clock.runFor(400_000);
      const r = await q('www.example.lab');
      assert.equal(r.rcode, 'NOERROR');
      assert.equal(r.summary.stale, true);
      assert.equal(r.summary.ede?.code, 3);
      return r.ede?.code;
    };
    assert.equal(await stale(true), undefined);
    assert.equal(await stale(false), 3);
  });
});
