// BIND 9.18's retransmission timer on facebook-query-storm [patient-clients] (servers/real/README.md, "Outage
// scenarios at a clock rate"). Real 9.18.49 asks the two dead servers in turn, 0.8 s apart, in every fetch of the
// outage hour, whatever the fetches before it saw: lib/dns/resolver.c fctx_setretryinterval waits
// resolver-retry-interval (800 ms) per query, doubled from the fetch's 4th address gathering on
// (resolver-nonbackoff-tries 3), capped at MAX_SINGLE_QUERY_TIMEOUT (9 s) and at the fetch's expiry
// (resolver-query-timeout, 10 s); fctx_try starts over whenever every address has been tried. Measured at rate 20
// (aggressive-apps, whose fetches run to their expiry): queries at +0, 0.84, 1.64, 2.46, 3.34, 4.08, 4.88, 6.48,
// 8.08 s, SERVFAIL at +10 s. So each fetch reaches its second address gathering 1.6 s in, where the ADB looks up
// the nameservers' AAAA from the root hints (nsAaaaFetchAfterFirstTry) and the .com server is asked.
// The bind profile sets fetchRetryIntervalMs: 800, fetchNonBackoffTries: 3, maxTriesPerServer: 100,
// maxRtoMs: 9000. Without the interval (the server's RTO, doubled per timeout and kept across resolutions) every
// later outage fetch waits out one server's backed-off timeout, never gathers addresses again, and the .com
// server is asked twice in the whole outage: step 19 holds, where real BIND fails it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from '../../lab/runner/index.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

const HOUR = 3_600_000;

const storm = (settings: Partial<ResolverSettings> = {}): Promise<RunResult> =>
  runOnProfile('facebook-query-storm', 'patient-clients', { resolver: 'resolver', profile: 'bind', settings });

/** The fetch for the client query at `at` (lab ms after T+0): its queries to the dead servers, ms after the first. */
function fetchQueries(r: RunResult, at: number): { server: string; offset: number }[] {
  const from = r.start + at;
  const qs = r.trace.filter(
    (t) =>
      !t.response && t.from === 'resolver' && (t.to === 'ns-a' || t.to === 'ns-b') && t.qname === 'www.example.com' && t.time >= from && t.time < from + 60_000,
  );
  return qs.map((t) => ({ server: t.to, offset: t.time - qs[0]!.time }));
}

const tldComInOutage = (r: RunResult): number =>
  r.trace.filter((t) => !t.response && t.from === 'resolver' && t.to === 'tld-com' && t.time >= r.start + HOUR && t.time < r.start + 2 * HOUR).length;
const failedSteps = (r: RunResult): number[] => [...new Set(r.assertions.filter((a) => !a.ok).map((a) => a.step))];

describe('fetchRetryIntervalMs (BIND resolver-retry-interval, fctx_setretryinterval) on facebook-query-storm [patient-clients]', () => {
  it('only the bind profile sets it, with resolver-nonbackoff-tries, MAX_SINGLE_QUERY_TIMEOUT and the restart failsafe', () => {
    const bind = settingsFor('bind');
    assert.deepEqual([bind.fetchRetryIntervalMs, bind.fetchNonBackoffTries, bind.maxRtoMs, bind.maxTriesPerServer], [800, 3, 9000, 100]);
    assert.equal(bind.ednsOffAfterTimeouts, false, 'resolver.c drops EDNS after FORMERR only, never after timeouts');
    for (const p of ['unbound', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) assert.equal(settingsFor(p).fetchRetryIntervalMs, 0, p);
  });

  it('bind: every outage fetch asks the dead servers in turn, 0.8 s apart, 1.6 s from the 4th gathering, until its 10 s are up', async () => {
    const r = await storm();
    for (const at of [HOUR, HOUR + 60_000, HOUR + 30 * 60_000]) {
      const qs = fetchQueries(r, at);
      assert.deepEqual(
        qs.map((q) => q.offset),
        [0, 800, 1600, 2400, 3200, 4000, 4800, 6400, 8000],
        `fetch at T+${at / 60_000}m`,
      );
      // One query per server and gathering (no extra EDNS-less or smaller-size resend in between).
      for (let g = 0; g < 4; g++) assert.notEqual(qs[2 * g]!.server, qs[2 * g + 1]!.server, `gathering ${g + 1} at T+${at / 60_000}m`);
    }
    assert.equal(tldComInOutage(r), 120, "a.ns and b.ns AAAA at the second gathering of each minute's fetch");
    assert.deepEqual(failedSteps(r), [7, 19], 'as real 9.18.49: both .com claims fail');
  });

  it('without it (the RTO, doubled per timeout and kept): later fetches wait out backed-off timeouts, the .com server hears of 2 lookups, step 19 holds', async () => {
    const r = await storm({ fetchRetryIntervalMs: 0 });
    assert.ok(fetchQueries(r, HOUR).length >= 4, 'the first outage fetch still retransmits');
    const later = fetchQueries(r, HOUR + 30 * 60_000);
    assert.deepEqual(
      later.map((q) => q.offset),
      [0, 9000],
      'one query per server: the first waits maxRtoMs, the second the 1 s left',
    );
    assert.equal(tldComInOutage(r), 2);
    assert.deepEqual(failedSteps(r), [7], 'step 19 holds: the disagreement with real BIND before fetchRetryIntervalMs');
  });

  it('maxTriesPerServer 3 (the engine default): the fetch gives up after three rounds, 4.8 s in, not at resolver-query-timeout', async () => {
    const r = await storm({ maxTriesPerServer: 3 });
    assert.deepEqual(
      fetchQueries(r, HOUR + 60_000).map((q) => q.offset),
      [0, 800, 1600, 2400, 3200, 4000],
    );
  });
});
