// Every scenario file and every variant runs as its own test: a scenario is a
// regression test for the lab (and, with real resolvers later, for them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAllScenarios, planScenario, runPlan, variantNames, renderText } from '../../lab/runner/index.ts';

const loaded = await loadAllScenarios();

test('scenarios/ holds at least the default scenario', () => {
  assert.ok(loaded.some((l) => l.scenario.id === 'subdomain-takeover'));
});

for (const l of loaded) {
  for (const variant of variantNames(l.scenario)) {
    test(`${l.scenario.id} [${variant}]`, async () => {
      const plan = planScenario(l.scenario, l.file, variant);
      const result = await runPlan(plan, { seed: 1 });
      assert.ok(result.assertions.length > 0, 'a scenario variant without assertions proves nothing');
      assert.equal(result.passed, true, renderText(result));
    });
  }
}
