// `dnslab new NAME` writes a starter scenario that runs and passes as it is, from any folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lab/cli/main.ts';
import { textSink } from '../helpers/io.ts';

async function dnslab(...args: string[]) {
  const stdout = textSink();
  const stderr = textSink();
  const code = await main(args, { stdout, stderr, waitForInterrupt: () => Promise.resolve() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

test('dnslab new writes a commented starter that runs and passes in a folder outside the repository', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-new-'));
  try {
    const file = join(dir, 'my-lab.mts');
    const made = await dnslab('new', join(dir, 'my-lab'), '--format', 'ts');
    assert.equal(made.code, 0, made.stderr);
    assert.ok(existsSync(file));
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\/\/ my-lab: a dnslab scenario/);
    assert.match(text, /id: 'my-lab'/);
    assert.ok(text.split('\n').filter((l) => l.trim().startsWith('//')).length >= 15, 'commented');
    const run = await dnslab('run', file, '--json');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const results = (JSON.parse(run.stdout) as { runs: { passed: boolean; variant: string; assertions: unknown[] }[] }).runs;
    assert.deepEqual(
      results.map((r) => [r.variant, r.passed]),
      [
        ['cached', true],
        ['short-cache', true],
      ],
    );
    assert.ok(results.every((r) => r.assertions.length >= 5));
    // Never overwritten by accident; a NAME that cannot be an id is refused.
    const again = await dnslab('new', join(dir, 'my-lab.mts'));
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists; pick another NAME or add --force/);
    assert.equal((await dnslab('new', join(dir, 'my-lab'), '--format', 'ts', '--force')).code, 0);
    const badName = await dnslab('new', join(dir, 'My Lab'));
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /lowercase letters, digits and '-'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dnslab new writes YAML by default: the same starter, commented, runs and passes, and dnslab check accepts it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-new-'));
  try {
    const made = await dnslab('new', join(dir, 'my-lab'));
    assert.equal(made.code, 0, made.stderr);
    const file = join(dir, 'my-lab.yaml');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# my-lab: a dnslab scenario/);
    assert.match(text, /^id: my-lab$/m);
    assert.ok(text.split('\n').filter((l) => l.trim().startsWith('#')).length >= 15, 'commented');
    assert.equal((await dnslab('check', file)).code, 0);
    const run = await dnslab('run', file, '--json');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const results = (JSON.parse(run.stdout) as { runs: { passed: boolean; variant: string; assertions: unknown[] }[] }).runs;
    // The same scenario as the TypeScript starter: the same variants and claims.
    await dnslab('new', join(dir, 'my-lab.mts'));
    const ts = (JSON.parse((await dnslab('run', join(dir, 'my-lab.mts'), '--json')).stdout) as typeof run extends never ? never : { runs: typeof results })
      .runs;
    assert.deepEqual(
      results.map((r) => [r.variant, r.passed, r.assertions.length]),
      ts.map((r) => [r.variant, r.passed, r.assertions.length]),
    );
    assert.deepEqual(
      results.map((r) => [r.variant, r.passed]),
      [
        ['cached', true],
        ['short-cache', true],
      ],
    );
    const clash = await dnslab('new', join(dir, 'x.yaml'), '--format', 'ts');
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /is not a ts file name/);
    assert.equal((await dnslab('new', join(dir, 'x'), '--format', 'xml')).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
