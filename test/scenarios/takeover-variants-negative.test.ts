// subdomain-takeover [dangling-a] and ns-takeover [provider-verifies] prove
// something only if their claims depend on what they are about: the audit's
// list of released addresses, the record left behind, and the provider's
// refusal to create the attacker's zone. Each test takes that away and
// asserts the run fails on those claims (not on a lab error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan, renderText, type RunResult } from '../../lab/runner/index.ts';
import { failedClaims as sharedFailedClaims, planOf as plan } from './negative-helpers.ts';
import type { Plan, PlannedStep } from '../../lab/scenario/validate.ts';
import type { Step } from '../../lab/scenario/types.ts';

/** Failed claims with what was expected and seen (these tests match on both). */
const failedClaims = (r: RunResult): string[] => sharedFailedClaims(r, { detail: true });

/** Insert steps keeping the plan in time order (a copy; the plan is not touched). */
function withSteps(p: Plan, extra: PlannedStep[]): Plan {
  const steps = [...p.steps, ...extra].sort((a, b) => a.at - b.at || a.number - b.number);
  return { ...p, steps };
}

const HOUR = 3_600_000;

test('subdomain-takeover [dangling-a] passes as written', async () => {
  const r = await runPlan(await plan('subdomain-takeover', 'dangling-a'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
});

test('subdomain-takeover [dangling-a]: without the released addresses the audit finds nothing (the A record looks healthy)', async () => {
  const p = await plan('subdomain-takeover', 'dangling-a');
  const steps = p.steps.map((s) => {
    if (!('audit' in s.step)) return s;
    const { released: _released, ...audit } = s.step.audit;
    return { ...s, step: { ...s.step, audit } as Step };
  });
  const failed = failedClaims(await runPlan({ ...p, steps }, { seed: 1 }));
  assert.ok(
    failed.some((f) => /audit finding kinds \| expected released-address \| actual \(none\)/.test(f)),
    failed.join('\n'),
  );
});

test('subdomain-takeover [dangling-a]: when the customer removes the A record with the VM, the takeover claims fail', async () => {
  const p = await plan('subdomain-takeover', 'dangling-a');
  const removal: PlannedStep = {
    number: 0,
    at: HOUR,
    step: { at: '+1h', operator: 'customer', action: { do: 'remove-records', zone: 'example.jp', records: ['campaign A'] } },
  };
  const failed = failedClaims(await runPlan(withSteps(p, [removal]), { seed: 1 }));
  assert.ok(
    failed.some((f) => /released-address/.test(f)),
    `the audit finds nothing to report: ${failed.join('\n')}`,
  );
  assert.ok(
    failed.some((f) => /answer containing 192\.0\.2\.80/.test(f)),
    `clients stop getting the released address: ${failed.join('\n')}`,
  );
});

test('ns-takeover [provider-verifies] passes as written', async () => {
  const r = await runPlan(await plan('ns-takeover', 'provider-verifies'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
});

test('ns-takeover [provider-verifies]: if the provider creates the attacker’s zone after all, the never-hijacked claims fail', async () => {
  const p = await plan('ns-takeover', 'provider-verifies');
  const vulnerable = await plan('ns-takeover', 'vulnerable');
  const attack = vulnerable.steps.find((s) => 'action' in s.step && s.step.action.do === 'serve-zone');
  assert.ok(attack, 'the vulnerable variant has the attacker’s serve-zone step');
  const failed = failedClaims(await runPlan(withSteps(p, [attack]), { seed: 1 }));
  assert.ok(
    failed.some((f) => /never got answer containing 203\.0\.113\.66/.test(f)),
    failed.join('\n'),
  );
  assert.ok(
    failed.some((f) => /rcode \| expected SERVFAIL/.test(f)),
    failed.join('\n'),
  );
});
