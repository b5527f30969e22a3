// The package as users get it: `npm pack`, install the tarball into an empty folder without development
// dependencies (no tsx, no typescript), then run the bin and import the library API from plain .mjs.
// Starts npm (and reaches the npm registry for the runtime dependencies), hence a *.real.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  // NODE_TEST_CONTEXT would make the inner `node --test` report to this runner instead of its stdout.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('npm pack → install --omit=dev → npx dnslab, npx dnslab run FILE, import from .mjs', { timeout: 240_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // `npm pack` runs `prepare`, so the tarball holds a fresh build of this tree.
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  assert.ok(
    files.includes('dist/lab/api.js') && files.includes('dist/lab/api.d.ts') && files.includes('bin/dnslab.mjs'),
    'compiled API, types and bin are shipped',
  );
  assert.ok(files.includes('dist/servers/real/timeshift.c'), 'run-time asset read by path is shipped');
  assert.ok(files.includes('dist/scenarios/subdomain-takeover.yaml'), 'the bundled YAML scenarios are shipped');
  assert.deepEqual(
    files.filter((f) => /(^|\/)test\/|\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts')),
    [],
    'no tests, no TypeScript sources',
  );

  const app = join(dir, 'app');
  execFileSync('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  const install = run('npm', ['install', '--omit=dev', '--no-package-lock', join(dir, packed[0]!.filename)], app);
  assert.equal(install.status, 0, install.stderr);
  const installed = readdirSync(join(app, 'node_modules'));
  assert.ok(!installed.includes('tsx') && !installed.includes('typescript'), `no development dependencies installed: ${installed.join(' ')}`);

  // The default scenario: exit 0 and its verdict.
  const dflt = run('npx', ['--no-install', 'dnslab'], app);
  assert.equal(dflt.status, 0, dflt.stderr);
  assert.match(dflt.stdout, /subdomain-takeover/);

  // Every shipped scenario is found by listing dist/scenarios (the .yaml files the build copies there).
  const list = run('npx', ['--no-install', 'dnslab', 'list'], app);
  assert.equal(list.status, 0, list.stderr);
  const shipped = readdirSync(join(ROOT, 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''));
  const listed = list.stdout
    .split('\n')
    .map((l) => /^([a-z0-9-]+)\s/.exec(l)?.[1])
    .filter((id) => id && id !== 'scenario');
  assert.deepEqual(listed, shipped);

  // A user's scenario file in plain JavaScript, importing defineScenario from the package.
  const fixture = readFileSync(join(ROOT, 'test/fixtures/scenarios/takeover.ts'), 'utf8').replace(/from '[^']*lab\/scenario\/types\.ts'/, "from 'dnslab'");
  assert.match(fixture, /from 'dnslab'/);
  writeFileSync(join(app, 'takeover.mjs'), fixture);
  const file = run('npx', ['--no-install', 'dnslab', 'run', 'takeover.mjs', '--json'], app);
  assert.equal(file.status, 0, file.stderr);
  const runs = JSON.parse(file.stdout) as { id: string; variant: string; passed: boolean }[] | { runs: { id: string; variant: string; passed: boolean }[] };
  const results = Array.isArray(runs) ? runs : runs.runs;
  assert.deepEqual(
    results.map((r) => [r.id, r.variant, r.passed]),
    [
      ['subdomain-takeover', 'vulnerable', true],
      ['subdomain-takeover', 'fixed', true],
    ],
  );

  // A TypeScript scenario file without tsx installed: a clear error and exit 2, not a loader crash.
  writeFileSync(join(app, 'takeover.ts'), fixture);
  const ts = run('npx', ['--no-install', 'dnslab', 'run', 'takeover.ts'], app);
  assert.equal(ts.status, 2, ts.stdout + ts.stderr);
  assert.match(ts.stderr, /takeover\.ts is TypeScript .*npm install tsx/);

  // The library API from a plain .mjs script, asserting on a run's result with node:test.
  writeFileSync(
    join(app, 'lab.test.mjs'),
    `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario, runScenario } from 'dnslab';
test('takeover: the attacker answers in the vulnerable variant only', async () => {
  const loaded = await loadScenario('subdomain-takeover');
  const vulnerable = await runScenario(loaded, { variant: 'vulnerable' });
  assert.equal(vulnerable.passed, true);
  assert.ok(vulnerable.assertions.length > 0);
  const mine = await runScenario('./takeover.mjs', { variant: 'fixed' });
  assert.equal(mine.id, 'subdomain-takeover');
  assert.equal(mine.passed, true);
  console.log('RESULT', JSON.stringify([vulnerable.variant, vulnerable.assertions.length, mine.variant, mine.passed]));
});
`,
  );
  // And the README's example, as written there.
  const readme = /```js\n(\/\/ lab\.test\.mjs[^]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  assert.ok(readme, 'README has the library example');
  writeFileSync(join(app, 'readme.test.mjs'), readme[1]!);
  const lib = run(process.execPath, ['--test', '--test-reporter=spec', 'lab.test.mjs', 'readme.test.mjs'], app);
  assert.equal(lib.status, 0, lib.stdout + lib.stderr);
  assert.match(lib.stdout, /RESULT \["vulnerable",\d+,"fixed",true\]/);
  assert.match(lib.stdout, /✔ the takeover is fixed when the CNAME goes with the service/);
});
