// The `exercise` block of a scenario is checked like the rest of it: unknown variants, zones, registrants,
// offsets and keys are named, each with what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScenario } from '../../lab/scenario/load.ts';
import { planScenario, ScenarioError } from '../../lab/scenario/validate.ts';
import type { Scenario } from '../../lab/scenario/types.ts';

test('a valid exercise plans; every broken field of one is reported with where and what was expected', async () => {
  const { scenario } = await findScenario('dnssec-rollback');
  assert.ok(scenario.exercise);
  assert.doesNotThrow(() => planScenario(scenario, 'x.ts', 'fixed'));
  const broken = {
    ...scenario,
    exercise: { ...scenario.exercise, broken: 'nope', checkFrom: 'soon', zones: ['example.org'], registrant: 'mallory', hints: [{ en: 'x' }], extra: 1 },
  } as unknown as Scenario;
  try {
    planScenario(broken, 'x.ts', 'fixed');
    assert.fail('expected a ScenarioError');
  } catch (e) {
    assert.ok(e instanceof ScenarioError);
    const lines = e.problems.map((p) => `${p.where}: ${p.message}`);
    assert.deepEqual(lines, [
      'exercise.extra: unknown key (keys: task, hints, broken, start, fixed, checkFrom, zones, registrant)',
      "exercise.hints[0]: needs both { en: '…', ja: '…' }",
      'exercise.broken: got "nope"; expected a variant (variants: vulnerable, flushed, fixed, ttl-capped)',
      `exercise.checkFrom: got "soon"; expected an offset like '+1h'`,
      'exercise.zones: unknown zone "example.org" (zones: com, example.com)',
      'exercise.registrant: got "mallory"; expected a registrant of a registry domain (example-inc)',
    ]);
  }
});
