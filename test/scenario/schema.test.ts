// The scenario JSON Schema (lab/scenario/scenario.schema.json): it is what
// the generator makes from types.ts today (one source of truth), an
// independent validator (ajv) accepts every bundled scenario and rejects the
// broken shapes, and `dnslab schema` prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { main } from '../../lab/cli/main.ts';
import { scenarioFiles } from '../../lab/scenario/load.ts';
import { generateScenarioSchema, SCHEMA_PATH } from '../../lab/scenario/schema-generate.ts';
import { shapeProblems } from '../../lab/scenario/schema.ts';
import { textSink } from '../helpers/io.ts';

const schemaText = readFileSync(SCHEMA_PATH, 'utf8');
const MINIMAL = readFileSync(new URL('../fixtures/scenarios/minimal.yaml', import.meta.url), 'utf8');
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(schemaText) as object);

/** A bundled scenario as plain data: a YAML file parsed by the yaml package alone (!file read as a text). */
async function bundled(file: string): Promise<unknown> {
  if (/\.ya?ml$/.test(file)) {
    const fileTag = { tag: '!file', resolve: (name: string) => readFileSync(new URL(name, `file://${file}`), 'utf8') };
    return parse(readFileSync(file, 'utf8'), { merge: true, customTags: [fileTag], maxAliasCount: 10_000 });
  }
  return JSON.parse(JSON.stringify(((await import(file)) as { default: unknown }).default));
}

test('the committed schema is what the generator makes from types.ts now (npm run schema)', async () => {
  assert.equal(schemaText, await generateScenarioSchema(), 'lab/scenario/scenario.schema.json is stale: run npm run schema');
});

test('ajv accepts every bundled scenario', async () => {
  const files = scenarioFiles();
  assert.ok(files.length >= 13, `${files.length} bundled scenarios`);
  for (const file of files) {
    const data = await bundled(file);
    assert.ok(validate(data), `${file}: ${ajv.errorsText(validate.errors)}`);
    assert.deepEqual(shapeProblems(data), [], file);
  }
});

const BROKEN_SHAPES: Record<string, (s: Record<string, any>) => void> = {
  'an unknown top-level key': (s) => (s['begin'] = s['start']),
  'a missing key': (s) => delete s['references'],
  'a misspelt step key': (s) => ((s['steps'][0].clinet = s['steps'][0].client), delete s['steps'][0].client),
  'a number for a string': (s) => (s['topology'].resolvers.resolver.profile = 7),
  'a string for a list': (s) => (s['topology'].clients.alice.addresses = '10.0.0.10'),
  'an unknown action': (s) => (s['steps'][1].action.do = 'remove-record'),
  'an unknown key in an expectation': (s) => (s['steps'][2].expect = { rcod: 'NXDOMAIN' }),
  'a step that is not an object': (s) => s['steps'].push('+2h wait'),
  'a middlebox between three machines': (s) => (s['topology'].middleboxes = { box: { kind: 'firewall', between: ['alice', 'resolver', 'ns-example'] } }),
  'a transport that is neither udp nor tcp': (s) => s['steps'].push({ at: '+2h', expectQueries: { transport: 'icmp' } }),
};

test('ajv and the built-in check both accept the minimal scenario and reject each broken shape', () => {
  const base = parse(MINIMAL) as Record<string, unknown>;
  assert.ok(validate(base), ajv.errorsText(validate.errors));
  assert.deepEqual(shapeProblems(base), []);
  for (const [kind, breakIt] of Object.entries(BROKEN_SHAPES)) {
    const s = structuredClone(base) as Record<string, any>;
    breakIt(s);
    assert.equal(validate(s), false, `ajv accepts ${kind}`);
    assert.notDeepEqual(shapeProblems(s), [], `the built-in check accepts ${kind}`);
  }
});

test('dnslab schema prints the schema', async () => {
  const out = textSink();
  const code = await main(['schema'], { stdout: out, stderr: textSink(), waitForInterrupt: () => Promise.resolve() });
  assert.equal(code, 0);
  assert.equal(out.text, schemaText);
});
