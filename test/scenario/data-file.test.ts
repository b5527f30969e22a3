// Scenarios as YAML/JSON files (lab/scenario/data-file.ts): the guide's
// minimal scenario runs as YAML and as JSON; shared fragments (anchors, merge
// keys, !file zone text) load; and each kind of broken file gives exactly one
// line, FILE:LINE:COLUMN: what was expected, and exit 2 — the line and column
// checked, so a position that drifts fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { main } from '../../lab/cli/main.ts';
import { findScenario } from '../../lab/scenario/load.ts';
import { textSink } from '../helpers/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'dnslab-datafile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function dnslab(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = textSink();
  const err = textSink();
  const code = await main(argv, { stdout: out, stderr: err, waitForInterrupt: () => Promise.reject(new Error('not serving')) });
  return { code, stdout: out.text, stderr: err.text };
}

/** The guide's minimal scenario (lab/runner/README.md); line numbers matter below. */
const MINIMAL = readFileSync(new URL('../fixtures/scenarios/minimal.yaml', import.meta.url), 'utf8');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** MINIMAL with `from` (which must occur exactly once) replaced by `to`. */
function edit(from: string, to: string, base = MINIMAL): string {
  assert.equal(base.split(from).length, 2, `"${from}" occurs once in the base`);
  return base.replace(from, to);
}

test('the minimal YAML scenario runs and passes; check says ok', async () => {
  const path = write('ok.yaml', MINIMAL);
  const run = await dnslab('run', path);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /PASS {2}my-incident \[default\]: 3\/3 assertions hold/);
  const check = await dnslab('check', path);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stdout, `ok ${path} (default)\n`);
});

test('the same scenario as JSON is the same object', async () => {
  const yaml = await findScenario(write('same.yaml', MINIMAL));
  const json = await findScenario(write('same.json', JSON.stringify(yaml.scenario, null, 2)));
  assert.deepEqual(json.scenario, yaml.scenario);
  const run = await dnslab('run', json.file);
  assert.equal(run.code, 0, run.stderr);
});

test('anchors, merge keys and !file: shared fragments and a zone file next to the scenario', async () => {
  write('example.jp.zone', '$TTL 300\n@ IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300\n@ IN NS ns1.example.jp.\nwww IN A 192.0.2.10\n');
  let text = edit(
    `      text: |
        $TTL 300
        @    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300
        @    IN NS  ns1.example.jp.
        ns1  IN A   192.0.2.53
        www  IN A   192.0.2.10
`,
    '      text: !file example.jp.zone\n',
  );
  text = edit('    resolver: { addresses: [10.0.0.53], profile: unbound }', '    resolver: &unbound { addresses: [10.0.0.53], profile: unbound }', text);
  text = edit(
    '    alice: { addresses: [10.0.0.10], resolver: resolver }',
    '    alice: { addresses: [10.0.0.10], resolver: resolver }\n    bob: { <<: *unbound_client, addresses: [10.0.0.11] }',
    text,
  );
  text = edit('  clients:\n', '  clients:\n    carol: &unbound_client { addresses: [10.0.0.12], resolver: resolver }\n', text);
  const loaded = await findScenario(write('fragments.yaml', text));
  assert.match(loaded.scenario.topology.zones['example.jp']!.text, /^\$TTL 300\n@ IN SOA/);
  assert.deepEqual(loaded.scenario.topology.clients['bob'], { resolver: 'resolver', addresses: ['10.0.0.11'] });
  const run = await dnslab('run', loaded.file);
  assert.equal(run.code, 0, run.stderr);
});

/** Kinds of broken file: the edit, the line:column the one line must name, and what it must say. */
const BROKEN: { kind: string; text: string | (() => string); name?: string; at: string; says: RegExp }[] = [
  { kind: 'bad indentation', text: edit('  ja: 何が起きたか。', ' ja: 何が起きたか。'), at: '5:1', says: /same column.*indent with spaces/ },
  { kind: 'a tab as indentation', text: edit('  ja: 何が起きたか。', '\tja: 何が起きたか。'), at: '5:1', says: /tabs/i },
  {
    kind: 'a duplicate key',
    text: edit('  servers:\n', '  servers:\n    ns-example: { host: a.example, addresses: [192.0.2.9] }\n'),
    at: '12:5',
    says: /unique/,
  },
  { kind: 'an unknown top-level key', text: edit('start: 2026', 'begin: 2026'), at: '7:1', says: /unknown key "begin"/ },
  {
    kind: 'a misspelt key in a step',
    text: edit('  - at: +0s\n    client: alice', '  - at: +0s\n    clinet: alice'),
    at: '28:5',
    says: /unknown key "clinet" \(did you mean "client"\?\)/,
  },
  { kind: 'a missing key', text: edit('references: [RFC 2308 §5, https://example.com/postmortem]\n', ''), at: '1:1', says: /missing key "references"/ },
  { kind: 'a wrong type (number for a string)', text: edit('profile: unbound', 'profile: 7'), at: '22:50', says: /profile: expected a string, got 7/ },
  { kind: 'a wrong type (string for a list)', text: edit('addresses: [10.0.0.10]', 'addresses: 10.0.0.10'), at: '24:25', says: /addresses: expected a list/ },
  { kind: 'a bad record in zone text', text: edit('ns1  IN A   192.0.2.53', 'ns1  IN A   192.0.2.533'), at: '19:21', says: /expected an IPv4 address/ },
  {
    kind: 'a zone without SOA',
    text: edit('        @    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300\n', ''),
    at: '15:13',
    says: /no SOA/,
  },
  { kind: 'a bad record in an action', text: edit('records: [www A]', 'records: [www IN A 300.1.1.1]'), at: '33:63', says: /bad record line/ },
  { kind: 'a bad time', text: edit('at: +1h10m', 'at: +1x'), at: '34:9', says: /is not an offset like/ },
  { kind: 'time going back', text: edit('at: +1h10m', 'at: +30m'), at: '34:5', says: /earlier than the step before it/ },
  { kind: 'a bad start time', text: edit('start: 2026-04-01T09:00:00Z', 'start: yesterday'), at: '7:8', says: /not an ISO 8601 time/ },
  { kind: 'an unknown server', text: edit('servers: [ns-example]', 'servers: [ns-exmaple]'), at: '14:17', says: /unknown server "ns-exmaple"/ },
  {
    kind: 'an unknown client',
    text: edit('  - at: +0s\n    client: alice', '  - at: +0s\n    client: bob'),
    at: '28:13',
    says: /unknown client "bob" \(clients: alice\)/,
  },
  { kind: 'an unknown resolver', text: edit('resolver: resolver }', 'resolver: resolvr }'), at: '24:48', says: /unknown resolver "resolvr"/ },
  { kind: 'an unknown action', text: edit('do: remove-records', 'do: remove-record'), at: '33:19', says: /did you mean "remove-records"/ },
  {
    kind: 'a variant overlay on a missing key',
    text: `${MINIMAL}variants:\n  fixed:\n    description: { en: a, ja: b }\n    topology:\n      zones:\n        exmaple.jp: { signed: true }\n`,
    at: '43:21',
    says: /overlays "exmaple.jp", which the base topology.zones does not have \(zones: example.jp\)/,
  },
  { kind: 'only: an unknown variant', text: edit('  - at: +1h\n', '  - at: +1h\n    only: [fixed]\n'), at: '32:11', says: /unknown variant "fixed"/ },
  {
    kind: 'a query without a type',
    text: edit('  - at: +0s\n    client: alice\n    query: www.example.jp A', '  - at: +0s\n    client: alice\n    query: www.example.jp'),
    at: '29:12',
    says: /expected "NAME TYPE"/,
  },
  { kind: 'a bad address', text: edit('addresses: [10.0.0.10]', 'addresses: [10.0.0.300]'), at: '24:26', says: /not an IPv4\/IPv6 address/ },
  {
    kind: 'an unknown rcode word in an expectation key',
    text: edit('expect: { rcode: NXDOMAIN }', 'expect: { rcod: NXDOMAIN }'),
    at: '37:15',
    says: /unknown key "rcod" \(did you mean "rcode"\?\)/,
  },
  {
    kind: 'a !file that is not there',
    text: edit('      text: |\n', '      text: !file missing.zone\n      x: |\n'),
    at: '15:13',
    says: /!file missing.zone: no such file/,
  },
  {
    kind: 'a bad record in a !file zone',
    text: () => {
      write('bad.zone', '$TTL 300\n@ IN SOA ns1.example.jp. h.example.jp. 1 3600 900 604800 300\nwww IN AAAA 192.0.2.1\n');
      return edit(MINIMAL.slice(MINIMAL.indexOf('      text: |'), MINIMAL.indexOf('  resolvers:')), '      text: !file bad.zone\n');
    },
    at: 'bad.zone:3:13',
    says: /AAAA/,
  },
  { kind: 'a JSON syntax error', name: 'broken.json', text: '{\n  "id": "x",\n  "title": { "en": "a" "ja": "b" }\n}\n', at: '3:24', says: /YAML|JSON|flow/i },
];

for (const c of BROKEN) {
  test(`broken file, ${c.kind}: one line FILE:LINE:COLUMN, exit 2`, async () => {
    const name = c.name ?? `${c.kind.replace(/[^a-z0-9]+/gi, '-')}.yaml`;
    const path = write(name, typeof c.text === 'function' ? c.text() : c.text);
    for (const argv of [
      ['check', path],
      ['run', path],
    ]) {
      const r = await dnslab(...argv);
      assert.equal(r.code, 2, `${argv[0]}: ${r.stderr}${r.stdout}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `exactly one line from ${argv[0]}:\n${r.stderr}`);
      const where = c.at.includes('.zone:') ? join(dir, c.at) : `${path}:${c.at}`;
      assert.ok(lines[0]!.includes(`${where}: `), `${argv[0]} names ${where}:\n${lines[0]}`);
      assert.match(lines[0]!, c.says);
    }
  });
}

test('at least 20 kinds of broken file are covered', () => {
  assert.ok(BROKEN.length >= 20, `${BROKEN.length} kinds`);
});
