// Shared by the negative scenario tests: a scenario proves something only if
// its claims fail when the mechanism it is about is taken away. These helpers
// build such altered plans and check that the run completed (a lab error
// proves nothing) and failed on claims.
import assert from 'node:assert/strict';
import { runPlan, renderText, type RunResult } from '../../lab/runner/index.ts';
import type { Plan } from '../../lab/scenario/validate.ts';
import type { Action, Step } from '../../lab/scenario/types.ts';

// Plans of a scenario with a changed topology are built by the shared test helpers (test/recursive uses them too).
export { planOf, withTopology } from '../helpers/scenario.ts';

export function withoutSteps(p: Plan, drop: (s: Step) => boolean): Plan {
  return { ...p, steps: p.steps.filter((s) => !drop(s.step)) };
}

export const isAction = (s: Step, d: Action['do']): boolean => 'action' in s && s.action.do === d;

/**
 * The run completed (no lab error) and at least one claim failed; returns the
 * failed claims as `step N: what` (with `| expected … | actual …` when `detail`).
 */
export function failedClaims(r: RunResult, options: { detail?: boolean } = {}): string[] {
  assert.equal(r.error, undefined, `the run must complete; a lab error proves nothing:\n${r.error}`);
  const failed = r.assertions
    .filter((a) => !a.ok)
    .map((a) => `step ${a.step}: ${a.what}${options.detail ? ` | expected ${a.expected} | actual ${a.actual}` : ''}`);
  assert.ok(failed.length > 0, `expected failing claims with the mechanism removed, but all held:\n${renderText(r)}`);
  return failed;
}

/** Runs the plan with seed 1 and asserts every claim holds. */
export async function passes(p: Plan): Promise<RunResult> {
  const r = await runPlan(p, { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
  return r;
}
