// dnslab list / run in every output format, exit codes, scenario errors that
// name the file and the step, and determinism (same seed → same bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../lab/cli/main.ts';
import { textSink } from '../helpers/io.ts';
import { readPcap } from '../../net/pcap.ts';
import { decodeMessage } from '../../dns/wire/message.ts';

async function dnslab(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = textSink();
  const err = textSink();
  const code = await main(argv, { stdout: out, stderr: err, waitForInterrupt: () => new Promise(() => undefined) });
  return { code, stdout: out.text, stderr: err.text };
}

const dir = mkdtempSync(join(tmpdir(), 'dnslab-cli-'));
/** A frozen copy of the subdomain takeover scenario: exact step numbers and counts below refer to it. */
const FIXTURE = new URL('../fixtures/scenarios/takeover.ts', import.meta.url).pathname;
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('list prints ids and variants; --json is an array of {id, title, variants}', async () => {
  const text = await dnslab('list');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /subdomain-takeover\s+vulnerable,fixed,dangling-a\s+Subdomain takeover/);
  const json = await dnslab('list', '--json');
  const rows = JSON.parse(json.stdout) as { id: string; title: { en: string; ja: string }; variants: string[] }[];
  const row = rows.find((r) => r.id === 'subdomain-takeover');
  assert.deepEqual(row?.variants, ['vulnerable', 'fixed', 'dangling-a']);
  assert.ok(row?.title.ja.length);
});

test('run ID prints a timeline with time jumps, actions and assertions; exit 0', async () => {
  const r = await dnslab('run', FIXTURE, '--variant', 'vulnerable', '--no-color');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /T\+0s\s+step 1\s+alice asks resolver: campaign\.example\.jp A/);
  assert.match(r.stdout, /… 50m pass …/);
  assert.match(r.stdout, /⚠ attacker mallory: 1 record\(s\) added to example\.net\./);
  assert.match(r.stdout, /→ NOERROR {2}campaign\.example\.jp\. CNAME cdn\.example\.net\.; cdn\.example\.net\. A 203\.0\.113\.66/);
  assert.match(r.stdout, /✓ rcode: NOERROR/);
  assert.match(r.stdout, /PASS {2}subdomain-takeover \[vulnerable\]: 8\/8 assertions hold/);
  assert.doesNotMatch(r.stdout, /\[fixed\]/);
});

test('--json: one document with id, variant, passed and every assertion with step, lab time, expected, actual', async () => {
  const r = await dnslab('run', FIXTURE, '--json');
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.stdout) as {
    passed: boolean;
    runs: {
      id: string;
      variant: string;
      passed: boolean;
      assertions: { step: number; time: string; offset: string; expected: string; actual: string; ok: boolean }[];
    }[];
  };
  assert.equal(doc.passed, true);
  assert.deepEqual(
    doc.runs.map((x) => `${x.id}/${x.variant}/${x.passed}`),
    ['subdomain-takeover/vulnerable/true', 'subdomain-takeover/fixed/true'],
  );
  const a = doc.runs[0]!.assertions.find((x) => x.step === 7 && x.ok && x.expected.includes('203.0.113.66'));
  assert.ok(a, 'step 7 claims the attacker address');
  assert.equal(a.time, '2026-04-01T11:10:00.000Z');
  assert.equal(a.offset, 'T+2h10m');
});

// `run --all` (progress, summary table, --junit, --report) is proven in test/scenarios/scenarios.test.ts, on the
// one --all run that also checks every scenario passes.

test('--pcap writes a capture tshark-compatible readers parse, with the client query first', async () => {
  const file = join(dir, 'one.pcap');
  const r = await dnslab('run', FIXTURE, '--variant', 'fixed', '--pcap', file);
  assert.equal(r.code, 0);
  const pcap = readPcap(readFileSync(file));
  assert.ok(pcap.records.length > 20);
  // raw IPv4: UDP payload starts after 20 + 8 octets
  const first = decodeMessage(pcap.records[0]!.bytes.subarray(28));
  assert.equal(first.question[0]?.qname, 'campaign.example.jp');
  assert.equal(pcap.records[0]!.time, Date.parse('2026-04-01T09:00:00Z'));
  const two = join(dir, 'two.pcap');
  await dnslab('run', 'subdomain-takeover', '--pcap', two);
  assert.ok(existsSync(join(dir, 'two-subdomain-takeover-vulnerable.pcap')));
  assert.ok(existsSync(join(dir, 'two-subdomain-takeover-fixed.pcap')));
});

test('determinism: same scenario and seed twice → byte-identical pcap and JSON; another seed → different pcap', async () => {
  const run = async (seed: string, name: string) => {
    const file = join(dir, name);
    const r = await dnslab('run', FIXTURE, '--variant', 'vulnerable', '--seed', seed, '--json', '--pcap', file);
    return { json: r.stdout, pcap: readFileSync(file) };
  };
  const a = await run('7', 'a.pcap');
  const b = await run('7', 'b.pcap');
  const c = await run('8', 'c.pcap');
  assert.ok(a.pcap.equals(b.pcap), 'same seed, same packets');
  assert.equal(a.json, b.json);
  assert.ok(!a.pcap.equals(c.pcap), 'a different seed changes IDs/ports, so the pcap differs');
});

test('determinism holds for a signed scenario too (keys derived from the seed, deterministic Ed25519 signatures)', async () => {
  const run = async (name: string) => {
    const file = join(dir, name);
    const r = await dnslab('run', 'dnssec-rollback', '--variant', 'flushed', '--seed', '3', '--json', '--pcap', file);
    assert.equal(r.code, 0, r.stderr);
    return { json: r.stdout, pcap: readFileSync(file) };
  };
  const a = await run('s1.pcap');
  const b = await run('s2.pcap');
  assert.ok(a.pcap.length > 10_000);
  assert.ok(a.pcap.equals(b.pcap), 'same seed, same signed packets');
  assert.equal(a.json, b.json);
});

test('a failing assertion: exit 1, expected vs actual in presentation format with step and lab time', async () => {
  const file = join(dir, 'wrong-expectation.ts');
  const src = readFileSync(FIXTURE, 'utf8')
    .replace("import { defineScenario } from '../../../lab/scenario/types.ts';", '')
    .replace('export default defineScenario(', 'export default (')
    .replace("'cdn.example.net. 300 IN A 192.0.2.80'", "'cdn.example.net. 300 IN A 192.0.2.81'");
  writeFileSync(file, src);
  const r = await dnslab('run', file, '--variant', 'vulnerable', '--no-color');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /step 1 {3}✗ answer section {3}\(step 1, at \+0s, lab time 2026-04-01T09:00:00\.000Z\)/);
  assert.match(r.stdout, /expected:\n\s+campaign\.example\.jp\. 300 IN CNAME cdn\.example\.net\.\n\s+cdn\.example\.net\. 300 IN A 192\.0\.2\.81/);
  assert.match(r.stdout, /actual:\n\s+campaign\.example\.jp\.\t300\tIN\tCNAME\tcdn\.example\.net\.\n\s+cdn\.example\.net\.\t300\tIN\tA\t192\.0\.2\.80/);
  assert.match(r.stdout, /FAIL {2}subdomain-takeover \[vulnerable\]: 1 of 8 assertions failed\n\s+step 1 \(T\+0s\): answer section/);
});

test('a scenario with a reference error fails naming the file and the step', async () => {
  const file = join(dir, 'bad-reference.ts');
  writeFileSync(
    file,
    `export default {
  id: 'bad-reference', title: { en: 'x', ja: 'x' }, narrative: { en: 'x', ja: 'x' }, references: [],
  topology: {
    servers: { ns: { host: 'ns1.example.jp', addresses: ['192.0.2.53'] } },
    zones: { 'example.jp': { servers: ['ns'], text: '@ 300 IN SOA ns1 h 1 1 1 1 1\\n@ 300 IN NS ns1\\nns1 300 IN A 192.0.2.53\\n' } },
    resolvers: { r: { addresses: ['10.0.0.53'], profile: 'unbound' } },
    clients: { alice: { addresses: ['10.0.0.10'], resolver: 'r' } },
  },
  steps: [
    { at: '+0s', client: 'alice', query: 'www.example.jp A', expect: { rcode: 'NOERROR' } },
    { at: '+1h', client: 'bob', query: 'www.example.jp A' },
    { at: '+2h', operator: 'me', action: { do: 'add-records', zone: 'example.com', records: ['www A 192.0.2.1'] } },
    { at: '+3h', operator: 'me', action: { do: 'add-records', zone: 'example.jp', records: ['www IN A not-an-ip'] } },
    { at: '+4h', client: 'alice', query: 'www.example.jp A', expect: { answer: ['www.example.jp. A 999.1.1.1'] } },
    { at: '+1h', wait: true },
  ],
};
`,
  );
  const r = await dnslab('run', file);
  assert.equal(r.code, 2, 'an invalid scenario is an input error');
  const f = file.replace(/\\/g, '/');
  assert.ok(r.stderr.includes(`${f}: step 2 (at +1h, query www.example.jp A by bob) unknown client "bob" (clients: alice)`), r.stderr);
  assert.ok(r.stderr.includes(`${f}: step 3 (at +2h, add-records) unknown zone "example.com" (zones: example.jp)`), r.stderr);
  assert.match(r.stderr, /step 4 \(at \+3h, add-records\) bad record line "www IN A not-an-ip"/);
  assert.match(r.stderr, /step 5 \(at \+4h, query www\.example\.jp A by alice\) expect\.answer: bad record line "www\.example\.jp\. A 999\.1\.1\.1"/);
  assert.match(r.stderr, /step 6 \(at \+1h, wait\) at \+1h is earlier than the step before it \(step 5, at \+4h\)/);
});

test('a scenario file with a syntax error fails naming the file', async () => {
  const file = join(dir, 'broken.ts');
  writeFileSync(file, "export default { id: 'broken', steps: [ { at: '+0s', query: 'x A' }, \n");
  const r = await dnslab('run', file);
  assert.equal(r.code, 2);
  assert.ok(r.stderr.includes(`dnslab run: ${file}: scenario: cannot load the file:`), r.stderr);
  assert.match(r.stderr, /cannot load the file:/);
});

test('unknown scenario id and unknown variant are reported with what exists; exit 2 (input error)', async () => {
  const a = await dnslab('run', 'no-such-scenario');
  assert.equal(a.code, 2);
  assert.match(a.stderr, /no scenario with id "no-such-scenario" .*subdomain-takeover/);
  const b = await dnslab('run', 'subdomain-takeover', '--variant', 'nope');
  assert.equal(b.code, 2);
  assert.match(b.stderr, /no variant "nope" \(variants: vulnerable, fixed, dangling-a\)/);
  const c = await dnslab('run', '--bogus');
  assert.equal(c.code, 2);
});

// One run of the default scenario for both: main() with no arguments is what the bin entry point calls, and execFile
// rejects on any exit status but 0.
test('no arguments, through the bin entry point (npm start / dnslab): the default scenario, both variants, exit 0', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [new URL('../../bin/dnslab.mjs', import.meta.url).pathname], { timeout: 60_000 });
  assert.match(stdout, /PASS {2}subdomain-takeover \[vulnerable\]/);
  assert.match(stdout, /PASS {2}subdomain-takeover \[fixed\]/);
});

test('--seed: integers only; 01 and 1 are one seed (identical output), abc, -1, 1.5, 1.0 and "" are exit 2', async () => {
  const one = await dnslab('run', FIXTURE, '--variant', 'vulnerable', '--seed', '1', '--json');
  const zeroOne = await dnslab('run', FIXTURE, '--variant', 'vulnerable', '--seed', '01', '--json');
  assert.equal(one.code, 0, one.stderr);
  assert.equal(zeroOne.stdout, one.stdout);
  for (const bad of ['abc', '-1', '1.5', '1.0', '']) {
    const r = await dnslab('run', FIXTURE, `--seed=${bad}`);
    assert.equal(r.code, 2, `--seed=${bad}`);
    assert.match(r.stderr, bad === '' ? /--seed needs a value/ : /--seed: got ".*"; expected a non-negative integer/);
    assert.equal(r.stdout, '', 'nothing was run');
  }
  // The other commands with a --seed take the same form.
  for (const argv of [
    ['serve', '--seed', 'abc'],
    ['sign', 'x.zone', '--origin', 'example.jp', '--seed', '1.5'],
    ['middlebox', '--listen', '127.0.0.1:5370', '--upstream', '127.0.0.1:5371', '--seed=-1'],
  ]) {
    const r = await dnslab(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, /--seed: got .*; expected a non-negative integer/);
  }
});

test('run --json that fails before running prints a JSON error object on stdout (and the one line on stderr)', async () => {
  for (const argv of [
    ['run', 'no-such-scenario', '--json'],
    ['run', '--json', '--bogus'],
    ['run', FIXTURE, '--json', '--report', join(dir, 'no-such-dir', 'r.html')],
  ]) {
    const r = await dnslab(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    const doc = JSON.parse(r.stdout) as { error: string; exitCode: number };
    assert.equal(doc.exitCode, 2);
    assert.ok(doc.error.length > 0);
    assert.ok(r.stderr.includes(doc.error), `${r.stderr} names ${doc.error}`);
  }
});

test('output paths are checked before the run: an unwritable --report/--junit/--pcap is exit 2 at once', async () => {
  for (const flag of ['--report', '--junit', '--pcap']) {
    const started = Date.now();
    const r = await dnslab('run', '--all', flag, join(dir, 'no-such-dir', 'out'));
    assert.equal(r.code, 2, `${flag}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^dnslab run: ${flag} .*no-such-dir.*does not exist\\n$`));
    assert.doesNotMatch(r.stderr, /\[1\//, 'no scenario was run');
    assert.ok(Date.now() - started < 5000);
  }
  const r = await dnslab('run', FIXTURE, '--report', dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is a directory, not a file/);
});

test('every file written is announced on stderr: each per-variant pcap, the report, the JUnit file', async () => {
  const pcap = join(dir, 'wrote.pcap');
  const report = join(dir, 'wrote.html');
  const junit = join(dir, 'wrote.xml');
  const r = await dnslab('run', 'subdomain-takeover', '--pcap', pcap, '--report', report, '--junit', junit);
  assert.equal(r.code, 0, r.stderr);
  const wrote = r.stderr.split('\n').filter((l) => l.startsWith('wrote '));
  assert.deepEqual(wrote, [
    `wrote ${join(dir, 'wrote-subdomain-takeover-vulnerable.pcap')}`,
    `wrote ${join(dir, 'wrote-subdomain-takeover-fixed.pcap')}`,
    `wrote ${join(dir, 'wrote-subdomain-takeover-dangling-a.pcap')}`,
    `wrote ${report}`,
    `wrote ${junit}`,
  ]);
  for (const l of wrote) assert.ok(existsSync(l.slice('wrote '.length)), l);
});
