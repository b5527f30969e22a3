// The CI recipe (docs/ci.md) and the example scenario repository it runs (examples/ci-regression/): both
// workflows parse, run the example's `npm run test:dns` and keep reports/; that script, run on the example with
// this checkout's dnslab, passes and writes JUnit that parses, one testcase per claim.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/ci-regression');
const yamlBlocks = (md: string) => [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parseYaml(m[1]!) as Record<string, unknown>);

describe('CI recipe', () => {
  const [github, gitlab] = yamlBlocks(readFileSync(join(ROOT, 'docs/ci.md'), 'utf8'));
  const script = (JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['test:dns']!;

  it('the GitHub Actions workflow installs with npm ci, runs test:dns and uploads reports/ even on failure', () => {
    const steps = (github!.jobs as Record<string, { steps: Record<string, unknown>[] }>).scenarios!.steps;
    const runs = steps.filter((s) => 'run' in s).map((s) => s.run);
    assert.deepEqual(runs, ['npm ci', 'npm run test:dns']);
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact@'))!;
    assert.equal(upload.if, 'always()');
    assert.equal((upload.with as { path: string }).path, 'reports/');
    assert.ok('push' in (github!.on as object));
  });

  it('the GitLab job runs test:dns and hands reports/*.xml to GitLab as JUnit', () => {
    const job = gitlab!['dns-regressions'] as { script: string[]; artifacts: { when: string; reports: { junit: string } } };
    assert.deepEqual(job.script, ['npm ci', 'npm run test:dns']);
    assert.equal(job.artifacts.when, 'always');
    assert.equal(job.artifacts.reports.junit, 'reports/*.xml');
    assert.match(script, /--junit "reports\//);
  });

  it("the example's test:dns passes and writes JUnit that parses: one testcase per claim, none failed", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-ci-example-'));
    try {
      cpSync(EXAMPLE, dir, { recursive: true });
      // `dnslab` on PATH is this checkout's CLI, as npm ci would put the package's bin there.
      const bin = join(dir, 'node_modules/.bin');
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'dnslab'), `#!/bin/sh\nexec node ${JSON.stringify(join(ROOT, 'bin/dnslab.mjs'))} "$@"\n`, { mode: 0o755 });
      symlinkSync(join(ROOT, 'node_modules/tsx'), join(dir, 'node_modules/tsx'));
      const r = spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.deepEqual(readdirSync(join(dir, 'reports')).sort(), ['mail-cutover.html', 'mail-cutover.xml']);
      const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(
        readFileSync(join(dir, 'reports/mail-cutover.xml'), 'utf8'),
      ) as { testsuites: { testsuite: { '@_name': string; '@_failures': string; testcase: { '@_name': string; failure?: unknown }[] }[] } };
      const suites = xml.testsuites.testsuite;
      assert.equal(suites.length, 1);
      assert.match(suites[0]!['@_name'], /mail-cutover/);
      assert.equal(suites[0]!.testcase.length, 4);
      assert.equal(suites[0]!['@_failures'], '0');
      assert.ok(suites[0]!.testcase.every((t) => t.failure === undefined));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
