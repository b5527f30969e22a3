// The incident scenarios prove something only if their claims depend on the
// mechanism they are about. Each test runs a scenario variant with that
// mechanism taken away — a resolver switch, a signer quirk, an operator step —
// and asserts the run FAILS on the claims about it (not on a lab error). The
// outage-window tests measure the SERVFAIL window from the samples and
// compare it with the TTL arithmetic the incident is about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScenario, planScenario, runPlan, renderText, type RunResult } from '../../lab/runner/index.ts';
import type { Plan } from '../../lab/scenario/validate.ts';
import type { Action, Step, Topology } from '../../lab/scenario/types.ts';
import { outageDuration, recoveryTime } from '../../assertions/timeline.ts';

async function plan(id: string, variant: string): Promise<Plan> {
  const loaded = await findScenario(id);
  return planScenario(loaded.scenario, loaded.file, variant);
}

/** A copy of the plan whose topology is changed by `edit` (the plan's own objects are not touched). */
function withTopology(p: Plan, edit: (t: Topology) => void): Plan {
  const topology = structuredClone(p.topology);
  edit(topology);
  return { ...p, topology };
}

function withoutSteps(p: Plan, drop: (s: Step) => boolean): Plan {
  return { ...p, steps: p.steps.filter((s) => !drop(s.step)) };
}

const isAction = (s: Step, d: Action['do']) => 'action' in s && s.action.do === d;

/** The run completed (no lab error) and at least one claim failed; returns the failed claims' descriptions. */
function assertFailsOnClaims(r: RunResult): string[] {
  assert.equal(r.error, undefined, `the run must complete; a lab error proves nothing:\n${r.error}`);
  const failedClaims = r.assertions.filter((a) => !a.ok).map((a) => `step ${a.step}: ${a.what}`);
  assert.ok(failedClaims.length > 0, `expected failing claims with the mechanism removed, but all held:\n${renderText(r)}`);
  return failedClaims;
}

async function passes(p: Plan): Promise<RunResult> {
  const r = await runPlan(p, { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
  return r;
}

test('slack-nsec-bitmap [vulnerable] fails when the resolver does not use NSEC aggressively', async () => {
  const p = withTopology(await plan('slack-nsec-bitmap', 'vulnerable'), (t) => {
    t.resolvers!.resolver!.settings = { ...(t.resolvers!.resolver!.settings ?? {}), aggressiveNsec: false };
  });
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /answer section/.test(f)), `the A-is-NODATA claim must fail: ${failed.join('; ')}`);
  assert.ok(failed.some((f) => /no query/.test(f)), `the no-upstream-query claim must fail: ${failed.join('; ')}`);
});

test('slack-nsec-bitmap [vulnerable] fails when the signer lists the wildcard types (no bug)', async () => {
  const p = withTopology(await plan('slack-nsec-bitmap', 'vulnerable'), (t) => {
    t.zones['example.com']!.online = { quirks: [] };
  });
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /authority includes/.test(f)));
  assert.ok(failed.some((f) => /watch a/.test(f)), 'the outage timeline claim must fail too');
});

test('slack-nsec-bitmap [non-aggressive] fails when aggressive NSEC is switched back on', async () => {
  const p = withTopology(await plan('slack-nsec-bitmap', 'non-aggressive'), (t) => {
    t.resolvers!.resolver!.settings = { aggressiveNsec: true };
  });
  assertFailsOnClaims(await runPlan(p, { seed: 1 }));
});

test('ns-drop-catch [vulnerable] fails when old-provider.net never expires (no drop-catch possible)', async () => {
  const p = withoutSteps(await plan('ns-drop-catch', 'vulnerable'), (s) => isAction(s, 'expire-domain'));
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /registry register/.test(f)), `the re-registration must be refused: ${failed.join('; ')}`);
  assert.ok(failed.some((f) => /watch www/.test(f)), 'and clients must not see the catcher');
});

test('ns-drop-catch audit: the lame-delegation finding disappears when the delegation is healthy', async () => {
  // Serve example.jp at the old provider too: the delegation is no longer lame, so the audit claim must fail.
  const p = withTopology(await plan('ns-drop-catch', 'vulnerable'), (t) => {
    t.zones['example.jp']!.servers = ['ns-new', 'ns-old'];
  });
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /audit finding kinds/.test(f)), failed.join('; '));
});

test('docomo-duplicate-spf [vulnerable] fails without the second v=spf1 record', async () => {
  const p = withoutSteps(await plan('docomo-duplicate-spf', 'vulnerable'), (s) => isAction(s, 'add-records'));
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.filter((f) => /SPF result/.test(f)).length >= 2, failed.join('; '));
});

test('registrar-transfer-dnssec [cooperative] fails without the key exchange', async () => {
  const p = withoutSteps(await plan('registrar-transfer-dnssec', 'cooperative'), (s) => isAction(s, 'publish-keys-of'));
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /watch www/.test(f)), `SERVFAIL must appear: ${failed.join('; ')}`);
});

test('registrar-transfer-dnssec [uncooperative] fails for a non-validating resolver (the window is DNSSEC)', async () => {
  const p = withTopology(await plan('registrar-transfer-dnssec', 'uncooperative'), (t) => {
    t.resolvers!.resolver!.settings = { validate: false };
  });
  // Without validation the lame phase remains (old servers dropped the zone while NS is cached) but the
  // bogus phase up to the DS expiry is gone: the outage/recovery claims fail.
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /outage duration|time of recovery/.test(f)), failed.join('; '));
});

/** SERVFAIL/no-answer time seen by the scenario's watch "www", in seconds. */
function windowOf(r: RunResult): { outage: number; recovery: number | undefined } {
  const watched = r.samples.filter((s) => (s as { watch?: string }).watch === 'www');
  const recovery = recoveryTime(watched);
  return { outage: outageDuration(watched) / 1000, recovery: recovery === undefined ? undefined : (recovery - r.start) / 1000 };
}

test('registrar-transfer-dnssec: the uncooperative window ends max(NS, DNSKEY, DS TTL) after caching, within one sample interval', async () => {
  const every = 300; // the watch samples every 5 minutes
  const base = await passes(await plan('registrar-transfer-dnssec', 'uncooperative'));
  const w = windowOf(base);
  // Cached at T+0, switched at T+60 s: down from the switch until max(3600, 3600, 7200) = 7200 s.
  assert.ok(w.recovery !== undefined && w.recovery >= 7200 && w.recovery <= 7200 + every, `recovery at T+${w.recovery}s, expected T+7200s..+${7200 + every}s`);
  assert.ok(Math.abs(w.outage - (7200 - 60)) <= every, `outage ${w.outage}s, expected ${7200 - 60}s ± ${every}s`);

  const longNs = windowOf(await passes(await plan('registrar-transfer-dnssec', 'uncooperative-long-ns')));
  assert.ok(longNs.recovery !== undefined && longNs.recovery >= 14400 && longNs.recovery <= 14400 + every, `4 h NS TTL: recovery at T+${longNs.recovery}s`);

  // A longer DS TTL moves the end of the window with it — and the scenario's fixed claims then fail.
  const longDs = withTopology(await plan('registrar-transfer-dnssec', 'uncooperative'), (t) => {
    t.registries![0]!.dsTtl = 14400;
  });
  const r = await runPlan(longDs, { seed: 1 });
  assertFailsOnClaims(r);
  const wl = windowOf(r);
  assert.ok(wl.recovery !== undefined && wl.recovery >= 14400 && wl.recovery <= 14400 + every, `4 h DS TTL: recovery at T+${wl.recovery}s`);
});

test('dnssec-rollback [vulnerable]: the outage ends one DS TTL after the DS was cached, within one sample interval; no outage without validation', async () => {
  const every = 1800;
  const r = await passes(await plan('dnssec-rollback', 'vulnerable'));
  const watched = r.samples.filter((s) => (s as { watch?: string }).watch === 'alice');
  const recovery = (recoveryTime(watched)! - r.start) / 1000;
  const outage = outageDuration(watched) / 1000;
  // DS cached at T+0 (TTL 86400), zone unsigned at T+1h10m: down from then until T+24h.
  assert.ok(recovery >= 86400 && recovery <= 86400 + every, `recovery at T+${recovery}s`);
  assert.ok(Math.abs(outage - (86400 - 4200)) <= every, `outage ${outage}s, expected ${86400 - 4200}s ± ${every}s`);
  const nonValidating = withTopology(await plan('dnssec-rollback', 'vulnerable'), (t) => {
    t.resolvers!.validating!.settings = { validate: false };
  });
  assertFailsOnClaims(await runPlan(nonValidating, { seed: 1 }));
});

test('facebook-query-storm [retrying-clients] fails when clients do not retry', async () => {
  const p = await plan('facebook-query-storm', 'retrying-clients');
  const patient: Plan = {
    ...p,
    steps: p.steps.map((s) => ('watch' in s.step ? { ...s, step: { ...s.step, watch: { ...s.step.watch, retries: 0 } } } : s)),
  };
  const failed = assertFailsOnClaims(await runPlan(patient, { seed: 1 }));
  assert.deepEqual(failed.filter((f) => /from app to resolver/.test(f)).length, 1, failed.join('; '));
});

test('facebook-query-storm: the outage claims fail when the servers stay reachable', async () => {
  const p = withoutSteps(await plan('facebook-query-storm', 'patient-clients'), (s) => isAction(s, 'set-quirks'));
  const failed = assertFailsOnClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /under example\.com/.test(f)));
});
