// Why real BIND 9.18.49 and Knot Resolver 5.6.0 ask the .com server during
// facebook-query-storm (servers/real/README.md, "Outage scenarios at a clock
// rate"): both look up the AAAA of example.com's nameservers, which sit inside
// example.com and have only glue A records, and both start that lookup above
// the zone cut. BIND's ADB does it whenever a fetch gathers addresses a second
// time (nsAaaaFetchAfterFirstTry: from the root hints, at the cold start and
// at every failed query in the outage); Knot Resolver after a timeout, from the
// parent's cut (nsAaaaAfterTimeoutFromParent: only in the outage, bounded by the request's limits). The scenario
// runs on the VirtualNetwork with each profile; turning the switch off brings
// the .com server's count back under the scenario's `max: 2`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from '../../lab/runner/index.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

const storm = (profile: string, settings: Partial<ResolverSettings> = {}, variant = 'patient-clients'): Promise<RunResult> =>
  runOnProfile('facebook-query-storm', variant, { resolver: 'resolver', profile, settings });

/** Queries from the resolver to `server` per hour of the run (index 0: T+0–1h), as "qname qtype". */
function queriesTo(r: RunResult, server: string): string[][] {
  const hours: string[][] = [[], [], []];
  for (const t of r.trace) {
    if (t.response || t.from !== 'resolver' || t.to !== server) continue;
    const h = Math.floor((t.time - r.start) / 3_600_000);
    hours[h]?.push(`${String(t.qname).toLowerCase()} ${t.qtype}`);
  }
  return hours;
}

const failed = (r: RunResult): string[] => r.assertions.filter((a) => !a.ok).map((a) => `step ${a.step}: ${a.what}`);
const TLD_NORMAL = 'step 7: queries from resolver to tld-com from T+0s to T+59m59s';
const TLD_OUTAGE = 'step 19: queries from resolver to tld-com from T+1h to T+1h59m59s';

describe('nameserver AAAA lookups above the zone cut (facebook-query-storm [patient-clients])', () => {
  it('only the bind profile sets nsAaaaFetchAfterFirstTry, only knot-resolver nsAaaaAfterTimeoutFromParent', () => {
    for (const p of ['unbound', 'bind', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) {
      assert.equal(settingsFor(p).nsAaaaFetchAfterFirstTry, p === 'bind', p);
      assert.equal(settingsFor(p).nsAaaaAfterTimeoutFromParent, p === 'knot-resolver', p);
    }
  });

  // Each outage fetch reaches its second address gathering 1.6 s in, as real 9.18.49's do, because BIND waits its
  // retry interval (800 ms) for each query rather than a backed-off RTO (fetchRetryIntervalMs,
  // test/recursive/bind-retry-interval.test.ts): 2 lookups to the .com server per outage fetch.
  it('bind: the root and the .com server are asked for a.ns/b.ns.example.com AAAA at T+0 and through the outage; off, never', async () => {
    const on = await storm('bind');
    const [normal, outage] = queriesTo(on, 'tld-com');
    assert.ok(normal!.includes('a.ns.example.com AAAA') && normal!.includes('b.ns.example.com AAAA'), `normal hour: ${normal!.join(', ')}`);
    assert.equal(normal!.length, 3, 'the cold start only (later refreshes start at the cached cut, restarts == 1)');
    assert.ok(outage!.length > 10 && outage!.every((q) => q.endsWith(' AAAA')), `outage hour: ${outage!.length} queries`);
    assert.ok(
      queriesTo(on, 'root')[1]!.some((q) => q === 'a.ns.example.com AAAA'),
      'the lookup starts at the root hints',
    );
    assert.deepEqual(failed(on), [TLD_NORMAL, TLD_OUTAGE], 'as real 9.18.49: both .com claims fail');

    const off = await storm('bind', { nsAaaaFetchAfterFirstTry: false });
    assert.deepEqual(
      queriesTo(off, 'tld-com')
        .flat()
        .filter((q) => q.endsWith(' AAAA')),
      [],
    );
    assert.deepEqual(failed(off), []);
  });

  // Real 5.6.0 asked tld-com 4–8 times in the outage hour: each request ends after KR_TIMEOUT_LIMIT (10) timeouts or
  // KR_RESOLVE_TIME_LIMIT (10 s), and once the servers' timeouts have backed off a request has no step left for the
  // AAAA sub-query (daemon/worker.c qr_task_step; servers/real/README.md). Without those limits the emulation kept
  // resolving long after the client's 5 s and asked tld-com about 40 times.
  it("knot-resolver: the .com server is asked in the outage only, for the nameservers' AAAA, a handful of times; off, never", async () => {
    const on = await storm('knot-resolver');
    const [normal, outage] = queriesTo(on, 'tld-com');
    assert.equal(normal!.length, 1, `normal hour: ${normal!.join(', ')}`);
    assert.ok(outage!.length >= 1 && outage!.length <= 10, `outage hour: ${outage!.join(', ')}`);
    assert.deepEqual(failed(on), [], 'as real 5.6.0: a handful, within the claim');

    const unlimited = await storm('knot-resolver', { maxTimeoutsPerClientQuery: 0, resolutionTimeLimitMs: 0 });
    assert.ok(queriesTo(unlimited, 'tld-com')[1]!.length > 10, 'without the request limits, a sub-query after every failed round');
    assert.deepEqual(failed(unlimited), [TLD_OUTAGE]);

    // Both ways kresd resolves a nameserver name: after timeouts, and on an exploration draw (exploreResolvesNsNames).
    const off = await storm('knot-resolver', { nsAaaaAfterTimeoutFromParent: false, exploreResolvesNsNames: false });
    const offOutage = queriesTo(off, 'tld-com')[1]!;
    assert.ok(offOutage.length <= 2 && offOutage.length < outage!.length, `outage hour, off: ${offOutage.join(', ')}; on: ${outage!.length}`);
    assert.deepEqual(failed(off), []);
  });

  // Real 5.6.0 with retrying clients: requests that arrived while both servers were held dead (KR_NS_TIMEOUT_ROW_DEAD
  // timeouts in a row, for KR_NS_TIMEOUT_RETRY_INTERVAL) had no address to choose ("choosing from addresses: 0 v4")
  // and resolved the nameservers' AAAA instead, 3–5 tld-com queries each; each client retry is a request of its own
  // (joinClientQueries off). Here the servers are held down with Unbound's infraBlacklistRtoMs, which the profile
  // does not set: the switches under test are what turn that into .com queries.
  it("knot-resolver: with every server held dead, each client query — each retry its own request — resolves the nameservers' AAAA from the parent", async () => {
    const held = { infraBlacklistRtoMs: 3000 };
    const own = await storm('knot-resolver', held, 'retrying-clients');
    const joined = await storm('knot-resolver', { ...held, joinClientQueries: true }, 'retrying-clients');
    const none = await storm('knot-resolver', { ...held, nsAaaaAfterTimeoutFromParent: false }, 'retrying-clients');
    const outage = (r: RunResult) => queriesTo(r, 'tld-com')[1]!.length;
    assert.ok(outage(own) > 300, `own requests: ${outage(own)} outage-hour queries to tld-com`);
    assert.ok(outage(own) > outage(joined), `joined: ${outage(joined)}, own: ${outage(own)}`);
    assert.ok(outage(none) <= 2, `no NS AAAA resolution: ${outage(none)}`);
  });
});
