// facebook-query-storm [serve-stale] claims that clients keep getting the
// last good answer (TTL 30, EDE 3) through the outage. Those claims must
// depend on serve-stale and on RFC 8767's client response timer: with
// serve-stale off, or with stale data only after a failed resolution (BIND's
// stale-answer-client-timeout off), the stub's 5 s timeout runs out first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScenario, planScenario, runPlan, renderText, type RunResult } from '../../lab/runner/index.ts';
import type { Plan } from '../../lab/scenario/validate.ts';

// Scenario topology settings are typed boolean | number; the resolver's
// staleClientTimeoutMs also takes 'off' (servers/recursive/settings.ts).
const TIMER_OFF = 'off' as unknown as number;

async function servestalePlan(settings: Record<string, boolean | number>): Promise<Plan> {
  const loaded = await findScenario('facebook-query-storm');
  const p = planScenario(loaded.scenario, loaded.file, 'serve-stale');
  const topology = structuredClone(p.topology);
  topology.resolvers!.resolver!.settings = settings;
  return { ...p, topology };
}

function failedClaims(r: RunResult): Array<{ step: number; what: string; actual: string }> {
  assert.equal(r.error, undefined, `the run must complete; a lab error proves nothing:\n${r.error}`);
  const failed = r.assertions.filter((a) => !a.ok).map((a) => ({ step: a.step, what: a.what, actual: String(a.actual) }));
  assert.ok(failed.length > 0, `expected failing claims, but all held:\n${renderText(r)}`);
  return failed;
}

test('facebook-query-storm [serve-stale] passes as written', async () => {
  const loaded = await findScenario('facebook-query-storm');
  const r = await runPlan(planScenario(loaded.scenario, loaded.file, 'serve-stale'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
});

test('facebook-query-storm [serve-stale] fails with serve-stale off: no answer or SERVFAIL during the outage, never the address', async () => {
  const failed = failedClaims(await runPlan(await servestalePlan({ serveStale: false, ede: true }), { seed: 1 }));
  const rcode = failed.find((f) => f.what === 'rcode');
  assert.ok(rcode, `the mid-outage rcode claim must fail: ${JSON.stringify(failed)}`);
  assert.match(rcode.actual, /TIMEOUT|SERVFAIL/);
  assert.ok(
    failed.some((f) => /clients got answer containing 192\.0\.2\.80/.test(f.what)),
    'the watch saw the outage',
  );
});

test("facebook-query-storm [serve-stale] fails when stale data comes only after the failed resolution (timer 'off')", async () => {
  const failed = failedClaims(await runPlan(await servestalePlan({ serveStale: true, staleClientTimeoutMs: TIMER_OFF, ede: true }), { seed: 1 }));
  assert.ok(
    failed.some((f) => /never got TIMEOUT/.test(f.what)),
    `stubs time out before the failure-path stale answer: ${JSON.stringify(failed)}`,
  );
});
