// The exit-code convention of README "Exit codes", for EVERY command: a bad
// option and a missing file are exit 2 with one line on stderr (no stack
// trace), before anything is started or written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { main } from '../../lab/cli/main.ts';
import { textSink } from '../helpers/io.ts';

async function dnslab(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = textSink();
  const err = textSink();
  const code = await main(argv, { stdout: out, stderr: err, waitForInterrupt: () => Promise.reject(new Error('a bad command line must not start serving')) });
  return { code, stdout: out.text, stderr: err.text };
}

const MISSING = '/nonexistent-dnslab-dir/missing';

/** Each command, with a bad option, and with a file that does not exist (an input file, or an output file in a missing directory). */
const CASES: Record<string, { badOption: string[]; missingFile: string[] }> = {
  sign: { badOption: ['sign', 'x.zone', '--origin', 'example.jp', '--bogus'], missingFile: ['sign', `${MISSING}.zone`, '--origin', 'example.jp'] },
  run: { badOption: ['run', '--bogus'], missingFile: ['run', `${MISSING}.ts`] },
  // list and middlebox read no file: one given to them is refused the same way.
  list: { badOption: ['list', '--bogus'], missingFile: ['list', `${MISSING}.ts`] },
  serve: { badOption: ['serve', '--port', 'fifty'], missingFile: ['serve', `${MISSING}.ts`] },
  resolver: {
    badOption: ['resolver', '--root-hints', '127.0.0.1', '--profile'],
    missingFile: ['resolver', '--root-hints', '127.0.0.1', '--trust-anchor', MISSING],
  },
  auth: { badOption: ['auth', '--zone', '--listen', '127.0.0.1:5300'], missingFile: ['auth', '--zone', `${MISSING}.zone`] },
  middlebox: {
    badOption: ['middlebox', '--listen', '127.0.0.1:5370', '--upstream', '127.0.0.1:5371', '--loss', 'often'],
    missingFile: ['middlebox', `${MISSING}.conf`, '--listen', '127.0.0.1:5370', '--upstream', '127.0.0.1:5371'],
  },
  probe: {
    badOption: ['probe', '--through', '127.0.0.1:5370', '--flows', '1.5'],
    missingFile: ['probe', '--through', '127.0.0.1:5370', '--report', `${MISSING}.json`],
  },
  zone: { badOption: ['zone', 'check', 'x.zone', '--origin'], missingFile: ['zone', 'check', `${MISSING}.zone`] },
  check: { badOption: ['check', '--bogus'], missingFile: ['check', `${MISSING}.yaml`] },
  schema: { badOption: ['schema', '--bogus'], missingFile: ['schema', `${MISSING}.json`] },
  audit: { badOption: ['audit', 'x.zone', '--timeout', '-5'], missingFile: ['audit', `${MISSING}.zone`, '--resolve-via', '127.0.0.1'] },
  exercise: { badOption: ['exercise', 'subdomain-takeover', '--port', 'fifty'], missingFile: ['exercise', `${MISSING}.ts`] },
  new: { badOption: ['new', 'my-lab', '--bogus'], missingFile: ['new', `${MISSING}/my-lab`] },
  export: { badOption: ['export', 'dnssec-rollback', '--format', 'k8s'], missingFile: ['export', `${MISSING}.ts`, '--format', 'compose'] },
};

test('every command in main.ts is covered here', () => {
  const registered = [...readFileSync(new URL('../../lab/cli/main.ts', import.meta.url), 'utf8').matchAll(/^ {2}(\w+)Command,$/gm)].map((m) => m[1]);
  assert.deepEqual(registered.sort(), Object.keys(CASES).sort());
});

for (const [name, { badOption, missingFile }] of Object.entries(CASES)) {
  for (const [what, argv] of [
    ['a bad option', badOption],
    ['a missing file', missingFile],
  ] as const) {
    test(`${name} with ${what}: exit 2, one line on stderr naming the command, no stack trace`, async () => {
      const r = await dnslab(...argv);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^dnslab ${name}: [^\\n]+\\n$`), 'exactly one line');
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
    });
  }
}

test('the messages say what is wrong', async () => {
  assert.match((await dnslab(...CASES.auth!.badOption)).stderr, /^dnslab auth: --zone needs a value \(usage: dnslab help auth\)\n$/);
  assert.match((await dnslab(...CASES.run!.missingFile)).stderr, /missing\.ts: scenario: no such file/);
  assert.match((await dnslab(...CASES.audit!.missingFile)).stderr, /missing\.zone: cannot read it \(no such file\)/);
  assert.match((await dnslab(...CASES.probe!.missingFile)).stderr, /--report .*does not exist/);
});

test('a real process: exit status 2 and one line for a bad option and a missing file', () => {
  const bin = new URL('../../bin/dnslab.mjs', import.meta.url).pathname;
  for (const argv of [CASES.auth!.badOption, CASES.zone!.missingFile]) {
    const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  }
});

test('dnslab --version prints the package.json version; dnslab help CMD is CMD --help', async () => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const v = await dnslab('--version');
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `dnslab ${version}\n`);
  const help = await dnslab('help', 'auth');
  const flag = await dnslab('auth', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: dnslab auth /);
  assert.equal(help.stdout, flag.stdout);
  const unknown = await dnslab('help', 'frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  assert.equal((await dnslab('frobnicate')).code, 2);
});
