// Each bundled YAML scenario, run variant by variant at seed 1, gives the same
// --json document and the same pcap bytes as its TypeScript original in
// test/fixtures/scenarios-ts/ — the file name in the JSON aside (.yaml / .ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { PcapWriter } from '../../net/pcap.ts';
import { renderJson, runOne, variantNames } from '../../lab/runner/index.ts';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { pairs } from '../helpers/scenarios-ts.ts';

async function runAll(file: string): Promise<{ json: string; pcaps: Buffer[] }> {
  const loaded = await loadScenarioFile(file);
  const results = [];
  const pcaps: Buffer[] = [];
  for (const variant of variantNames(loaded.scenario)) {
    const pcap = new PcapWriter();
    results.push(await runOne({ loaded, variant, seed: '1', pcap }));
    pcaps.push(pcap.toBuffer());
  }
  return { json: renderJson(results), pcaps };
}

for (const { yaml, ts } of pairs()) {
  test(`${basename(yaml)}: the same JSON and pcap as ${basename(ts)}`, async () => {
    const a = await runAll(yaml);
    const b = await runAll(ts);
    // The one field that names the file: scenarios/X.yaml here, test/fixtures/scenarios-ts/X.ts there.
    const named = (json: string) => json.replace(/"file": "[^"]*\.(yaml|ts)"/g, '"file": "F"');
    assert.equal(named(a.json), named(b.json));
    assert.ok(a.json.includes('"file": '), 'the JSON names the file');
    assert.equal(a.pcaps.length, b.pcaps.length);
    a.pcaps.forEach((p, i) => assert.ok(p.equals(b.pcaps[i]!), `variant ${i + 1}: pcap differs`));
  });
}
