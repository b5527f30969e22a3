// BIND 9.18 on middlebox-checkpoints [lb-session-table] (servers/real/README.md, "Middleboxes on the real
// path"): a load balancer with a 3-entry UDP session table in front of ns-example. While every try for
// big.example.jp is dropped, real 9.18.49 answers SERVFAIL at resolver-query-timeout (10 s,
// lib/dns/resolver.c fctx_expired), before the old sessions idle out at T+30s: steps 13 and 14 hold.
// The bind profile sets resolutionTimeLimitMs: 10000. Without it the emulated resolver retries past
// T+30s, gets through and answers NOERROR (steps 13 and 14 fail). Step 12 (the ns1.example.jp AAAA
// lookup takes the third slot) comes from the bind profile's nameserver AAAA switch, not tested here:
// the table has two slots in these runs, so mid is dropped either way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import type { Topology } from '../../lab/scenario/types.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** middlebox-checkpoints [lb-session-table] with the bind profile and settings replaced. */
async function lbSessionTable(
  settings: Partial<ResolverSettings> = {},
): Promise<{ failedSteps: number[]; bigReached: number; bigAnswer: { rcode?: string; afterMs: number } | undefined }> {
  const edit = (t: Topology): void => {
    // Two slots, not three: www A and the DNSKEY fill the table whether or not the profile also looks up
    // ns1.example.jp AAAA (real BIND does: the third flow), so mid's tries are dropped and back the
    // server's timeout off before big is asked, as in the real run.
    const lb = t.middleboxes?.['lb'];
    assert.ok(lb?.options, 'the variant has a load balancer named "lb"');
    (lb.options as Record<string, unknown>)['udpSessions'] = 2;
  };
  const result = await runOnProfile('middlebox-checkpoints', 'lb-session-table', { resolver: 'isp', profile: 'bind', settings, edit });
  // The client's first query for big.example.jp and the resolver's first answer to it.
  const big = result.trace.filter(
    (e) => e.qname === 'big.example.jp' && (e.to === 'isp' || e.from === 'isp') && e.from !== 'ns-example' && e.to !== 'ns-example',
  );
  const asked = big.find((e) => e.to === 'isp' && !e.response);
  const answered = asked && big.find((e) => e.from === 'isp' && e.to === asked.from && e.response && e.time >= asked.time);
  return {
    bigAnswer: asked && answered ? { rcode: answered.rcode, afterMs: answered.time - asked.time } : undefined,
    failedSteps: [...new Set(result.assertions.filter((a) => !a.ok).map((a) => a.step))],
    bigReached: result.trace.filter((e) => e.from === 'ns-example' && e.to === 'isp' && e.response && e.qname === 'big.example.jp').length,
  };
}

describe('resolutionTimeLimitMs (BIND resolver-query-timeout) on middlebox-checkpoints [lb-session-table]', () => {
  it('bind profile: SERVFAIL for big.example.jp at 10 s, before the sessions idle out — steps 13 and 14 hold, as for real BIND', async () => {
    assert.equal(settingsFor('bind').resolutionTimeLimitMs, 10000);
    const r = await lbSessionTable();
    assert.equal(r.bigAnswer?.rcode, 'SERVFAIL');
    // 10 s after the client's query, plus the few ms of lab links.
    assert.ok(r.bigAnswer.afterMs >= 10_000 && r.bigAnswer.afterMs < 10_050, `SERVFAIL ${r.bigAnswer.afterMs} ms after the query`);
    assert.ok(!r.failedSteps.includes(13) && !r.failedSteps.includes(14), `failed: ${r.failedSteps.join(', ')}`);
  });

  it('resolutionTimeLimitMs off: BIND keeps retrying big until the sessions idle out and one try reaches the server (step 14 fails)', async () => {
    const r = await lbSessionTable({ resolutionTimeLimitMs: 0 });
    assert.ok(r.failedSteps.includes(14), `failed: ${r.failedSteps.join(', ')}`);
    assert.ok(r.bigReached > 0, 'a retry after T+30s reached ns-example');
  });

  it('only knot-resolver has a limit too, checked at each step (kresd KR_RESOLVE_TIME_LIMIT); the others end a resolution by retry and query limits', () => {
    for (const p of ['unbound', 'powerdns', 'google-public-dns'] as const) assert.equal(settingsFor(p).resolutionTimeLimitMs, 0);
    assert.equal(settingsFor('knot-resolver').resolutionTimeLimitMs, 10000);
    assert.equal(settingsFor('knot-resolver').resolutionTimeLimitAtStepOnly, true);
    assert.equal(settingsFor('bind').resolutionTimeLimitAtStepOnly, false, "BIND's fctx expiry is a timer: the last wait ends at the limit");
  });
});
