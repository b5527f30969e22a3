// The bundled scenarios are YAML files converted from the TypeScript
// originals kept in test/fixtures/scenarios-ts/: each YAML file gives the same
// scenario object (a zone text's leading newline aside, which a template
// literal needs and a YAML block does not), and no scenario is in scenarios/
// twice. yaml-conversion.full.test.ts runs both and compares JSON and pcap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { loadAllScenarios, scenarioFiles } from '../../lab/runner/index.ts';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { pairs, TS_DIR, withoutLeadingNewline } from '../helpers/scenarios-ts.ts';

test('every bundled scenario is a .yaml file, with its TypeScript original beside the tests', () => {
  const files = scenarioFiles();
  assert.equal(files.length, 13);
  assert.ok(
    files.every((f) => f.endsWith('.yaml')),
    files.join(' '),
  );
  assert.deepEqual(
    readdirSync(TS_DIR).sort(),
    files.map((f) => basename(f).replace(/\.yaml$/, '.ts')),
  );
});

test('dnslab list shows each scenario once', async () => {
  const ids = (await loadAllScenarios()).map((l) => l.scenario.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(ids.length, 13);
});

for (const { yaml, ts } of pairs()) {
  test(`${basename(yaml)} is the same scenario as its TypeScript original`, async () => {
    const fromYaml = (await loadScenarioFile(yaml)).scenario;
    const fromTs = (await loadScenarioFile(ts)).scenario;
    assert.deepStrictEqual(fromYaml, withoutLeadingNewline(fromTs));
  });
}
