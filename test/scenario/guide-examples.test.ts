// The scenario guide's two minimal examples (lab/runner/README.md), YAML and
// TypeScript, saved in a folder outside the repository (no package.json
// there, so a .ts file is CommonJS by Node's rules) and run by the real bin:
// both pass. Before tsImport, the .ts one failed with "Cannot require() ES
// Module … in a cycle".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const guide = readFileSync(new URL('../../lab/runner/README.md', import.meta.url), 'utf8');
const BIN = new URL('../../bin/dnslab.mjs', import.meta.url).pathname;

function example(lang: string): string {
  const m = new RegExp('## A scenario file[\\s\\S]*?```' + lang + '\\n([\\s\\S]*?)```').exec(guide);
  assert.ok(m, `a ${lang} example in the guide`);
  return m[1]!;
}

for (const [lang, name] of [
  ['yaml', 'my.yaml'],
  ['ts', 'my.ts'],
] as const) {
  test(`the guide's ${lang} example runs saved in any folder (${name}, given without a slash)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-guide-'));
    try {
      writeFileSync(join(dir, name), example(lang));
      const r = spawnSync(process.execPath, [BIN, 'run', name], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /PASS {2}my-incident \[default\]: 3\/3 assertions hold/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
