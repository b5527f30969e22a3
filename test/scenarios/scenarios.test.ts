// Every scenario file and every variant runs as its own test: a scenario is a regression test for the lab (and,
// with real resolvers later, for them). They all come from one `dnslab run --all --junit --report` run, in process,
// which also proves the --all output formats (progress on stderr, summary table, JUnit, HTML report): one pass
// over every scenario for both, where two test files used to make two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllScenarios, planScenario, runPlan, variantNames, renderText } from '../../lab/runner/index.ts';
import { main } from '../../lab/cli/main.ts';
import { textSink } from '../helpers/io.ts';

const loaded = await loadAllScenarios();
const dir = mkdtempSync(join(tmpdir(), 'dnslab-all-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const junitFile = join(dir, 'all.xml');
const htmlFile = join(dir, 'all.html');
const stdout = textSink();
const stderr = textSink();
const code = await main(['run', '--all', '--junit', junitFile, '--report', htmlFile], {
  stdout,
  stderr,
  waitForInterrupt: () => new Promise(() => undefined),
});
const junit = readFileSync(junitFile, 'utf8');
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('scenarios/ holds at least the default scenario', () => {
  assert.ok(loaded.some((l) => l.scenario.id === 'subdomain-takeover'));
});

test('--all: exit 0, progress on stderr, a summary table; --junit and --report write their files', () => {
  assert.equal(code, 0, stderr.text + stdout.text);
  const total = loaded.reduce((n, l) => n + variantNames(l.scenario).length, 0);
  assert.match(stderr.text, new RegExp(`\\[1/${total}\\] \\S+ \\[\\S+\\] … PASS`));
  assert.match(stdout.text, /^scenario\s+variant\s+result\s+asserts$/m);
  assert.match(stdout.text, new RegExp(`^${total} of ${total} scenario runs passed$`, 'm'));
  assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="dnslab" tests="\d+" failures="0" errors="0">/);
  assert.match(junit, /<testcase classname="subdomain-takeover.vulnerable" name="step 1 T\+0s: rcode"/);
  const page = readFileSync(htmlFile, 'utf8');
  assert.match(page, /<svg[^>]*aria-label="sequence diagram"/);
  assert.match(page, /<svg[^>]*aria-label="what clients saw"/);
  assert.match(page, /サブドメインテイクオーバー/);
  assert.doesNotMatch(page, /<script|https?:\/\/[^"<]*\.(js|css|woff)/, 'the report is self-contained');
});

for (const l of loaded) {
  for (const variant of variantNames(l.scenario)) {
    test(`${l.scenario.id} [${variant}]`, async () => {
      const id = escapeRe(l.scenario.id);
      const v = escapeRe(variant);
      const row = new RegExp(`^${id} +${v} +(PASS|FAIL) +(\\d+)/(\\d+) *(.*)$`, 'm').exec(stdout.text);
      assert.ok(row, `no summary row for ${l.scenario.id} [${variant}]:\n${stdout.text}`);
      const suite = new RegExp(`<testsuite name="${id} \\[${v}\\]" tests="(\\d+)" failures="(\\d+)" errors="(\\d+)"`).exec(junit);
      assert.ok(suite, `no JUnit testsuite for ${l.scenario.id} [${variant}]`);
      if (row[1] !== 'PASS') {
        // The table says only that it failed: run the variant again for the whole timeline.
        const result = await runPlan(planScenario(l.scenario, l.file, variant), { seed: 1 });
        assert.fail(renderText(result));
      }
      assert.ok(Number(row[3]) > 0, 'a scenario variant without assertions proves nothing');
      assert.equal(row[2], row[3], 'every assertion holds');
      assert.equal(row[4], '', 'no run error');
      assert.deepEqual([suite[1], suite[2], suite[3]], [row[3], '0', '0'], 'the JUnit file says the same');
      assert.match(stderr.text, new RegExp(`\\] ${id} \\[${v}\\] … PASS$`, 'm'));
    });
  }
}
