// BIND 9.18 on middlebox-checkpoints [lb-session-table] (servers/real/README.md, "Middleboxes on the real
// path"): a load balancer with a 3-entry UDP session table in front of ns-example. Real 9.18.49 asks
// ns-example for ns1.example.jp AAAA (its ADB wants the AAAA of a nameserver that came with A glue only:
// lib/dns/adb.c dns_adb_createfind → fetch_name), so www A, DNSKEY and that AAAA fill the table and
// mid.example.jp finds it full (step 12). While every try for big.example.jp is dropped, it answers
// SERVFAIL at resolver-query-timeout (10 s, lib/dns/resolver.c fctx_expired), before the sessions idle
// out at T+30s (steps 13 and 14 hold). The bind profile sets nsAaaaFetchForAGlue and
// resolutionTimeLimitMs: 10000; each test below fails without its switch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPlan } from '../../lab/runner/index.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import { planOf, withTopology } from '../scenarios/negative-helpers.ts';

/** middlebox-checkpoints [lb-session-table] with the bind profile and settings replaced. */
async function lbSessionTable(settings: Record<string, number | boolean> = {}): Promise<{ failedSteps: number[]; aaaa: number }> {
  const plan = withTopology(await planOf('middlebox-checkpoints', 'lb-session-table'), (t) => {
    const r = t.resolvers?.['isp'];
    assert.ok(r, 'the scenario has a resolver named "isp"');
    r.profile = 'bind';
    r.settings = { ...(r.settings ?? {}), ...settings };
  });
  const result = await runPlan(plan, { seed: 1 });
  assert.equal(result.error, undefined, `the run must complete: ${result.error}`);
  return {
    failedSteps: [...new Set(result.assertions.filter((a) => !a.ok).map((a) => a.step))],
    aaaa: result.trace.filter((e) => e.from === 'isp' && e.to === 'ns-example' && !e.response && e.qname === 'ns1.example.jp' && e.qtype === 'AAAA').length,
  };
}

describe('BIND on middlebox-checkpoints [lb-session-table]', () => {
  it('bind profile: the ns1.example.jp AAAA fetch takes the third slot; SERVFAIL at 10 s for big — only step 12 fails, as real BIND', async () => {
    assert.equal(settingsFor('bind').nsAaaaFetchForAGlue, true);
    assert.equal(settingsFor('bind').resolutionTimeLimitMs, 10000);
    const r = await lbSessionTable();
    assert.equal(r.aaaa, 1, 'one AAAA fetch for the nameserver that came with A glue only');
    assert.deepEqual(r.failedSteps, [12], "exactly what real BIND fails (variants['lb-session-table'].products.bind)");
  });

  it('nsAaaaFetchForAGlue off: no AAAA query, mid gets the third slot and step 12 holds', async () => {
    const r = await lbSessionTable({ nsAaaaFetchForAGlue: false });
    assert.equal(r.aaaa, 0);
    assert.ok(!r.failedSteps.includes(12), `step 12 holds without the fetch (failed: ${r.failedSteps.join(', ')})`);
  });

  it('resolutionTimeLimitMs off: BIND keeps retrying big until the sessions idle out and answers NOERROR (steps 13, 14 fail)', async () => {
    const r = await lbSessionTable({ resolutionTimeLimitMs: 0 });
    assert.ok(r.failedSteps.includes(13) && r.failedSteps.includes(14), `failed: ${r.failedSteps.join(', ')}`);
  });

  it('no other profile has either switch (measured: Unbound, Knot Resolver, PowerDNS do not ask ns1 AAAA there)', () => {
    for (const p of ['unbound', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) {
      assert.equal(settingsFor(p).nsAaaaFetchForAGlue, false);
      assert.equal(settingsFor(p).resolutionTimeLimitMs, 0);
    }
  });
});
