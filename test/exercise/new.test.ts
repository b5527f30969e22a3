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
    const made = await dnslab('new', join(dir, 'my-lab'));
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
    const again = await dnslab('new', join(dir, 'my-lab'));
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists; pick another NAME or add --force/);
    assert.equal((await dnslab('new', join(dir, 'my-lab'), '--force')).code, 0);
    const badName = await dnslab('new', join(dir, 'My Lab'));
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /lowercase letters, digits and '-'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
