// RFC 8767 serve-stale through ServeStale's public API, on a ResolverCache filled by hand and a VirtualClock:
// when a failed resolution gets stale data and what it carries (EDE 3, security, the CNAME chain, NXDOMAIN),
// the failure recheck window, the client response timer, and Knot Resolver's look at the timer at each step.
// No network: the engine-level behaviour is in serve-stale.test.ts and knot-serve-stale.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Name, RR, RRTypeName } from '../../dns/types.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { VirtualClock } from '../../net/clock.ts';
import { ResolverCache, Trust, type CacheSecurity } from '../../servers/recursive/cache.ts';
import type { CacheEvent, ResolverEvent } from '../../servers/recursive/events.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import { StaleAtStep, type Ctx, type Outcome } from '../../servers/recursive/resolution.ts';
import { ServeStale } from '../../servers/recursive/serve-stale.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';

const a = (name: Name, address: string, ttl = 60): RR => ({ name, type: 'A', class: 'IN', ttl, data: address });
const set = (rr: RR) => ({ name: rr.name, type: rr.type, class: rr.class, ttl: rr.ttl, records: [rr] });
const SERVFAIL: Outcome = { rcode: 'SERVFAIL', answer: [], authority: [], security: 'indeterminate' };
const NOERROR: Outcome = { rcode: 'NOERROR', answer: [], authority: [], security: 'secure' };

function setup(overrides: Partial<ResolverSettings> = {}) {
  const settings = settingsFor('unbound', {
    serveStale: true,
    maxStaleTtl: 0,
    staleAnswerTtl: 30,
    staleRefreshIntervalS: 30,
    staleClientTimeoutMs: 1800,
    ...overrides,
  });
  const clock = new VirtualClock();
  const cache = new ResolverCache(clock, settings);
  const events: CacheEvent[] = [];
  const stale = new ServeStale(settings, cache, clock, (e: ResolverEvent) => void (e.type === 'cache' && events.push(e)));
  const ctx = (extra: Partial<Ctx> = {}): Ctx => ({
    id: 3,
    sent: 0,
    timeouts: 0,
    tcp: 0,
    validate: true,
    inProgress: new Set(),
    startedAt: clock.now(),
    aggressive: false,
    stale: false,
    udpTimeouts: new Map(),
    ...extra,
  });
  const store = (rr: RR, security: CacheSecurity = 'secure') => cache.storeRRset(set(rr), [], Trust.AuthAnswer, security);
  return { settings, clock, cache, events, stale, ctx, store };
}

/** www.lab A cached at T+0 with TTL 60, then the clock moved 2 minutes on: expired, servable stale. */
async function expired(overrides: Partial<ResolverSettings> = {}, security: CacheSecurity = 'secure') {
  const s = setup(overrides);
  s.store(a('www.lab', '192.0.2.1'), security);
  await s.clock.runFor(120_000);
  return s;
}

const addresses = (o: Outcome) => o.answer.flatMap((x) => x.rrset.records.map((r) => `${r.name} ${r.type} ${String(r.data)} ${r.ttl}`));

describe('ServeStale.afterResolution (RFC 8767 §4)', () => {
  it('a SERVFAIL with stale data in the cache: the stale answer with TTL 30, EDE 3, one "stale" event', async () => {
    const s = await expired();
    const ctx = s.ctx();
    const out = s.stale.afterResolution(ctx, 'www.lab', 'A', true, SERVFAIL, false);
    assert.equal(out.rcode, 'NOERROR');
    assert.deepEqual(addresses(out), ['www.lab A 192.0.2.1 30']);
    assert.equal(out.ede, EdeCode.STALE_ANSWER);
    assert.equal(out.reason, 'stale answer (RFC 8767)');
    assert.equal(out.security, 'secure');
    assert.equal(ctx.stale, true);
    const last = s.events.at(-1)!;
    assert.deepEqual(
      [last.action, last.qname, last.qtype, last.resolution, last.detail],
      ['stale', 'www.lab', 'A', 3, 'served stale after failed resolution (RFC 8767)'],
    );
  });

  it('the failure stands: serve-stale off, RD=0, a bogus outcome, no stale data, or fresh data only', async () => {
    assert.equal((await expired({ serveStale: false })).stale.afterResolution(setup().ctx(), 'www.lab', 'A', true, SERVFAIL, false), SERVFAIL);
    const s = await expired();
    assert.equal(s.stale.afterResolution(s.ctx(), 'www.lab', 'A', false, SERVFAIL, false), SERVFAIL, 'RD=0');
    const bogus: Outcome = { ...SERVFAIL, security: 'bogus' };
    assert.equal(s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, bogus, false), bogus, 'a validation failure is not served around');
    assert.equal(s.stale.afterResolution(s.ctx(), 'other.lab', 'A', true, SERVFAIL, false), SERVFAIL, 'nothing cached');
    const fresh = setup();
    fresh.store(a('www.lab', '192.0.2.1'));
    const ctx = fresh.ctx();
    assert.equal(fresh.stale.afterResolution(ctx, 'www.lab', 'A', true, SERVFAIL, false), SERVFAIL, 'nothing stale involved');
    assert.equal(ctx.stale, false);
  });

  it('bogus data in the cache is never served stale', async () => {
    const s = await expired({}, 'bogus');
    assert.equal(s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, SERVFAIL, false), SERVFAIL);
  });

  it('after a limit (limited): no stale data where stale data is looked at only in the steps (kresd); otherwise stale', async () => {
    const kresd = await expired({ staleTimerAtStepsOnly: true });
    assert.equal(kresd.stale.afterResolution(kresd.ctx(), 'www.lab', 'A', true, SERVFAIL, true), SERVFAIL);
    assert.equal(kresd.stale.afterResolution(kresd.ctx(), 'www.lab', 'A', true, SERVFAIL, false).rcode, 'NOERROR');
    const other = await expired();
    assert.equal(other.stale.afterResolution(other.ctx(), 'www.lab', 'A', true, SERVFAIL, true).rcode, 'NOERROR');
  });

  it('a stale CNAME chain is followed through the cache; an unvalidated link makes the answer indeterminate', async () => {
    const s = setup();
    s.cache.storeRRset(set({ name: 'alias.lab', type: 'CNAME', class: 'IN', ttl: 60, data: 'www.lab' }), [], Trust.AuthAnswer, 'unchecked');
    s.store(a('www.lab', '192.0.2.1'));
    await s.clock.runFor(120_000);
    const out = s.stale.afterResolution(s.ctx(), 'alias.lab', 'A', true, SERVFAIL, false);
    assert.deepEqual(addresses(out), ['alias.lab CNAME www.lab 30', 'www.lab A 192.0.2.1 30']);
    assert.equal(out.security, 'indeterminate');
    const plain = s.stale.afterResolution(s.ctx({ validate: false }), 'www.lab', 'A', true, SERVFAIL, false);
    assert.equal(plain.security, 'unchecked', 'without validation nothing is secure');
  });

  it('the CNAME chain is followed at most maxRestarts times', async () => {
    const s = setup({ maxRestarts: 1 });
    s.cache.storeRRset(set({ name: 'a1.lab', type: 'CNAME', class: 'IN', ttl: 60, data: 'a2.lab' }), [], Trust.AuthAnswer, 'secure');
    s.cache.storeRRset(set({ name: 'a2.lab', type: 'CNAME', class: 'IN', ttl: 60, data: 'www.lab' }), [], Trust.AuthAnswer, 'secure');
    s.store(a('www.lab', '192.0.2.1'));
    await s.clock.runFor(120_000);
    assert.equal(s.stale.afterResolution(s.ctx(), 'a1.lab', 'A', true, SERVFAIL, false), SERVFAIL, 'two links, one restart');
    assert.equal(s.stale.afterResolution(s.ctx(), 'a2.lab', 'A', true, SERVFAIL, false).rcode, 'NOERROR');
  });

  it('a stale NXDOMAIN is served as NXDOMAIN with its authority section', async () => {
    const s = setup();
    const soa: RR = {
      name: 'lab',
      type: 'SOA',
      class: 'IN',
      ttl: 60,
      data: { mname: 'ns.lab', rname: 'h.lab', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 },
    };
    s.cache.storeNegative({ kind: 'nxdomain', qname: 'gone.lab', qtype: 'A', zone: 'lab', authority: [soa], security: 'secure' }, 60);
    await s.clock.runFor(120_000);
    const out = s.stale.afterResolution(s.ctx(), 'gone.lab', 'A', true, SERVFAIL, false);
    assert.equal(out.rcode, 'NXDOMAIN');
    assert.deepEqual(
      out.authority.map((r) => r.type),
      ['SOA'],
    );
    assert.equal(out.ede, EdeCode.STALE_ANSWER);
  });
});

describe('ServeStale.duringRecheck (RFC 8767 §5 failure recheck timer)', () => {
  it('after a failed refresh, the same question gets stale data at once for staleRefreshIntervalS, then asks again', async () => {
    const s = await expired();
    assert.equal(s.stale.duringRecheck(s.ctx(), 'www.lab', 'A', true), undefined, 'no failure yet');
    s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, SERVFAIL, false);
    await s.clock.runFor(10_000);
    const ctx = s.ctx();
    const out = s.stale.duringRecheck(ctx, 'www.lab', 'A', true);
    assert.deepEqual(addresses(out!), ['www.lab A 192.0.2.1 30']);
    assert.equal(ctx.stale, true);
    assert.equal(s.events.at(-1)!.detail, 'refresh failed 10 s ago; not retried for 30 s (RFC 8767 §5)');
    assert.equal(s.stale.duringRecheck(s.ctx(), 'www.lab', 'AAAA', true), undefined, 'another type');
    assert.equal(s.stale.duringRecheck(s.ctx(), 'WWW.lab', 'A', false), undefined, 'RD=0');
    await s.clock.runFor(19_999);
    assert.ok(s.stale.duringRecheck(s.ctx(), 'WWW.lab', 'A', true), 'names match case-insensitively; 29.999 s is inside');
    await s.clock.runFor(1);
    assert.equal(s.stale.duringRecheck(s.ctx(), 'www.lab', 'A', true), undefined, 'the window is over');
  });

  it('any other end of a resolution closes the window; so does clear(); interval 0 or serve-stale off: no window', async () => {
    const s = await expired();
    s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, SERVFAIL, false);
    s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, NOERROR, false);
    assert.equal(s.stale.duringRecheck(s.ctx(), 'www.lab', 'A', true), undefined);
    s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, SERVFAIL, false);
    s.stale.clear();
    assert.equal(s.stale.duringRecheck(s.ctx(), 'www.lab', 'A', true), undefined);
    const zero = await expired({ staleRefreshIntervalS: 0 });
    zero.stale.afterResolution(zero.ctx(), 'www.lab', 'A', true, SERVFAIL, false);
    assert.equal(zero.stale.duringRecheck(zero.ctx(), 'www.lab', 'A', true), undefined);
    const off = await expired({ serveStale: false });
    off.stale.afterResolution(off.ctx(), 'www.lab', 'A', true, SERVFAIL, false);
    assert.equal(off.stale.duringRecheck(off.ctx(), 'www.lab', 'A', true), undefined);
  });

  it('a failure without stale data still opens the window (the next question is not retried either)', async () => {
    const s = setup();
    s.stale.afterResolution(s.ctx(), 'www.lab', 'A', true, SERVFAIL, false);
    s.store(a('www.lab', '192.0.2.1', 1));
    await s.clock.runFor(5_000);
    assert.ok(s.stale.duringRecheck(s.ctx(), 'www.lab', 'A', true));
  });
});

describe('ServeStale.withClientResponseTimer (RFC 8767 §5 client response timer)', () => {
  const later = (clock: VirtualClock, ms: number, outcome: Outcome) => new Promise<Outcome>((resolve) => clock.setTimer(ms, () => resolve(outcome)));

  it('upstream slower than 1.8 s: the stale answer when the timer fires; the resolution goes on', async () => {
    const s = await expired();
    const t0 = s.clock.now();
    const pending = later(s.clock, 5_000, NOERROR);
    const run = s.stale.withClientResponseTimer(s.ctx(), 'www.lab', 'A', pending);
    await s.clock.runFor(1_799);
    let done: Outcome | undefined;
    void run.then((o) => (done = o));
    await s.clock.runFor(0);
    assert.equal(done, undefined, 'not before 1.8 s');
    await s.clock.runFor(1);
    const out = await run;
    assert.equal(s.clock.now() - t0, 1_800);
    assert.equal(out.ede, EdeCode.STALE_ANSWER);
    assert.match(s.events.at(-1)!.detail!, /^client response timer \(1800 ms\) expired before upstream answered/);
  });

  it('upstream faster than the timer: its answer, and the timer is cleared', async () => {
    const s = await expired();
    const out = await Promise.all([s.stale.withClientResponseTimer(s.ctx(), 'www.lab', 'A', later(s.clock, 1_000, NOERROR)), s.clock.runFor(1_000)]);
    assert.equal(out[0], NOERROR);
    assert.equal(s.clock.pending, 0, 'the 1.8 s timer is gone');
  });

  it('the timer fires with nothing stale: the client waits for the resolution', async () => {
    const s = setup();
    const pending = later(s.clock, 5_000, SERVFAIL);
    const run = s.stale.withClientResponseTimer(s.ctx(), 'www.lab', 'A', pending);
    await s.clock.runFor(5_000);
    assert.equal(await run, SERVFAIL);
  });

  it("timer 0: stale data at once if there is any, else the resolution's answer; 'off' or kresd's step timer: no timer", async () => {
    const zero = await expired({ staleClientTimeoutMs: 0 });
    const never = new Promise<Outcome>(() => undefined);
    assert.equal((await zero.stale.withClientResponseTimer(zero.ctx(), 'www.lab', 'A', never)).ede, EdeCode.STALE_ANSWER);
    const resolved = Promise.resolve(NOERROR);
    assert.equal(await zero.stale.withClientResponseTimer(zero.ctx(), 'other.lab', 'A', resolved), NOERROR);
    for (const o of [{ staleClientTimeoutMs: 'off' as const }, { staleTimerAtStepsOnly: true }]) {
      const s = await expired(o);
      const p = later(s.clock, 5_000, NOERROR);
      const run = s.stale.withClientResponseTimer(s.ctx(), 'www.lab', 'A', p);
      await s.clock.runFor(5_000);
      assert.equal(await run, NOERROR, JSON.stringify(o));
    }
  });
});

describe('ServeStale.atStep (Knot Resolver serve_stale.lua: the timer looked at in the steps)', () => {
  async function kresd() {
    const s = await expired({ staleTimerAtStepsOnly: true, resolutionTimeLimitMs: 0, maxTimeoutsPerClientQuery: 0 });
    const ctx = s.ctx({ staleAtSteps: { qname: 'www.lab', qtype: 'A' as RRTypeName, afterMs: 1_800 } });
    return { s, ctx };
  }

  it('past the timer, at a later step of the client question itself: stale data, thrown as StaleAtStep', async () => {
    const { s, ctx } = await kresd();
    await s.clock.runFor(1_801);
    assert.throws(
      () => s.stale.atStep(ctx, 0, true),
      (e: unknown) => e instanceof StaleAtStep && e.outcome.ede === EdeCode.STALE_ANSWER && addresses(e.outcome).length === 1,
    );
    assert.match(s.events.at(-1)!.detail!, /^no answer 1800 ms after the client query, at the resolution's next step/);
  });

  it('nothing at the first step, in a sub-query, before the timer, without stale data, or without the step timer', async () => {
    const { s, ctx } = await kresd();
    await s.clock.runFor(1_800);
    s.stale.atStep(ctx, 0, true); // exactly 1.8 s: not past it
    await s.clock.runFor(1);
    s.stale.atStep(ctx, 0, false);
    s.stale.atStep(ctx, 1, true);
    s.stale.atStep({ ...ctx, staleAtSteps: { qname: 'other.lab', qtype: 'A', afterMs: 1_800 } }, 0, true);
    const { staleAtSteps: _, ...noTimer } = ctx;
    s.stale.atStep(noTimer, 0, true);
    assert.equal(ctx.stale, false);
  });

  it('at the resolution limit there is no stale data: the limit ends the request first', async () => {
    const s = await expired({ staleTimerAtStepsOnly: true, resolutionTimeLimitMs: 1_000 });
    const ctx = s.ctx({ staleAtSteps: { qname: 'www.lab', qtype: 'A', afterMs: 500 } });
    await s.clock.runFor(1_500);
    assert.throws(
      () => s.stale.atStep(ctx, 0, true),
      (e: unknown) => !(e instanceof StaleAtStep),
    );
  });
});
