// Unbound's infrastructure cache during an outage of every authoritative server
// (auth-unreachable, facebook-query-storm; servers/real/README.md, "Outage
// scenarios at a clock rate"). Real Unbound 1.17.1 backs a dead server's
// retransmission timeout off to USEFUL_SERVER_TOP_TIMEOUT (120 s), then skips it
// — clients get SERVFAIL at once — until its infra cache entry expires
// (infra-host-ttl 900 s) and sends it one probe (services/cache/infra.c
// infra_get_lame_rtt, infra_host). With every server skipped it asks the parent
// once more (iterator.c processLastResort). Each switch of the unbound profile is
// flipped back to show that it is what makes the difference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recoveryTime } from '../../assertions/timeline.ts';
import type { RunResult } from '../../lab/runner/index.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** Every resolver of the scenario on the unbound profile plus `settings`. */
const run = (id: string, variant: string, settings: Partial<ResolverSettings> = {}): Promise<RunResult> =>
  runOnProfile(id, variant, { profile: 'unbound', settings });

const MIN = 60_000;
const failed = (r: RunResult): string[] => r.assertions.filter((a) => !a.ok).map((a) => a.what);
/** Times (ms after T+0) of the resolver's queries to `server` from `fromMin` to `toMin` minutes. */
const queriesTo = (r: RunResult, server: string, fromMin: number, toMin: number): number[] =>
  r.trace
    .filter((e) => !e.response && e.from === 'resolver' && e.to === server && e.time - r.start >= fromMin * MIN && e.time - r.start < toMin * MIN)
    .map((e) => e.time - r.start);
/** What the watched client got from `fromMin` to `toMin` minutes. */
const rcodes = (r: RunResult, fromMin: number, toMin: number): string[] =>
  r.samples.filter((s) => s.time - r.start >= fromMin * MIN && s.time - r.start < toMin * MIN).map((s) => s.rcode);
const recovered = (r: RunResult): number | undefined => {
  const t = recoveryTime(r.samples.filter((s) => (s as { watch?: string }).watch === 'www'));
  return t === undefined ? undefined : t - r.start;
};

describe('unbound: dead servers are skipped and probed once per infra-host-ttl (auth-unreachable)', () => {
  it('the profile sets the switches', () => {
    const s = settingsFor('unbound');
    assert.equal(s.infraHostTtlS, 900);
    assert.equal(s.infraBlacklistRtoMs, 120_000);
    assert.equal(s.infraProbeDelayRtoMs, 12_000);
    assert.equal(s.ednsOffAfterTimeouts, false);
    assert.equal(s.ednsFragmentFallbackBelowRtoMs, 5000);
    for (const p of ['bind', 'knot-resolver', 'powerdns'] as const) assert.equal(settingsFor(p).infraBlacklistRtoMs, 0, p);
  });

  it('as is: after the backoff each server gets one query per 15 minutes, clients get SERVFAIL at once, recovery at the next probe', async () => {
    const r = await run('auth-unreachable', 'default');
    assert.deepEqual(failed(r), []);
    for (const server of ['ns-a', 'ns-b']) {
      const probes = queriesTo(r, server, 80, 120);
      assert.ok(probes.length >= 2 && probes.length <= 3, `${server}: ${probes.length} queries from T+1h20m to T+2h`);
      for (let i = 1; i < probes.length; i++) assert.ok(probes[i]! - probes[i - 1]! >= 15 * MIN, `${server}: probes ${probes.map((t) => t / MIN)} min`);
    }
    const seen = rcodes(r, 80, 120);
    assert.ok(seen.filter((x) => x === 'SERVFAIL').length >= 30, `mostly SERVFAIL between probes: ${seen.join(' ')}`);
    const back = recovered(r);
    assert.ok(back !== undefined && back > 120 * MIN && back <= 136 * MIN, `recovered at ${back === undefined ? 'never' : back / MIN} min`);
  });

  it('infraBlacklistRtoMs 0: the dead servers keep getting every client query, and clients time out instead', async () => {
    const r = await run('auth-unreachable', 'default', { infraBlacklistRtoMs: 0 });
    assert.ok(queriesTo(r, 'ns-a', 80, 120).length + queriesTo(r, 'ns-b', 80, 120).length > 20);
    const seen = rcodes(r, 80, 120);
    assert.ok(seen.filter((x) => x === 'SERVFAIL').length < 10, `mostly no answer: ${seen.join(' ')}`);
  });

  it('infraHostTtlS 0: a skipped server is never probed again, so nothing recovers', async () => {
    const r = await run('auth-unreachable', 'default', { infraHostTtlS: 0 });
    assert.equal(queriesTo(r, 'ns-a', 80, 180).length + queriesTo(r, 'ns-b', 80, 180).length, 0);
    assert.equal(recovered(r), undefined);
  });

  it('ednsOffAfterTimeouts true: a probe is followed by a second query without EDNS 120 s later', async () => {
    const pairs = (r: RunResult) =>
      ['ns-a', 'ns-b'].some((s) => {
        const q = queriesTo(r, s, 80, 120);
        return q.some((t, i) => i > 0 && t - q[i - 1]! <= 3 * MIN);
      });
    assert.equal(pairs(await run('auth-unreachable', 'default')), false);
    assert.equal(pairs(await run('auth-unreachable', 'default', { ednsOffAfterTimeouts: true })), true);
  });
});

describe('unbound: every server down → the parent is asked again, once (facebook-query-storm)', () => {
  it('aggressive apps (1800 client queries in the outage hour): tld-com gets one query; without parentNsFallback none', async () => {
    const r = await run('facebook-query-storm', 'aggressive-apps');
    assert.deepEqual(failed(r), []);
    assert.equal(queriesTo(r, 'tld-com', 60, 120).length, 1);
    assert.equal(queriesTo(await run('facebook-query-storm', 'aggressive-apps', { parentNsFallback: false }), 'tld-com', 60, 120).length, 0);
  });
});
