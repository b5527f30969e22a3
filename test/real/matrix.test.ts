// The resolver matrix in CI: every seed scenario, every variant × (emulated,
// Unbound, BIND, Knot Resolver), each real product in its own network namespace
// with its clock jumped by the lab (and run faster where the scenario sets a
// clock rate), four cells at a time. PowerDNS Recursor runs the same matrix from
// the CLI (servers/real/README.md); left out here to keep `npm test` under ten
// minutes on two cores.
//
// What must hold (issue: "the emulated resolver's outcome agrees with the real
// resolver whose profile it emulates, for every scenario"):
// - every scenario as written passes on the emulated resolver;
// - every product cell is what the scenario expects from that product (PASS, or
//   FAIL* exactly on the claims the scenario declares for it, with the product
//   mechanism that causes it);
// - dnslab's resolver on that product's profile agrees claim by claim (=emu);
// - a scenario with a clock rate really ran at it (a regression to host pace
//   shows here, not as a slow CI job);
// - nothing is left running in any namespace, and no namespace is left.
// KNOWN_DISAGREEMENTS pins what is measured but not yet modelled, so a change
// either way shows up; OPEN_CELLS are disagreements that vary from run to run
// (they depend on the product's own timers), still run and printed, checked for
// errors and leftovers only.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { MAX_MATRIX_JOBS, runMatrix, renderMatrix, type Matrix } from '../../lab/runner/matrix.ts';
import { allRuns } from '../../lab/runner/index.ts';
import { main } from '../../lab/cli/main.ts';
import { pidsByName, namespaceOf } from '../../servers/real/netns.ts';
import { BINARY, PRODUCTS } from '../../servers/real/products.ts';

/** "id [variant] × product" → the claims where the product and its emulated profile still differ. */
const KNOWN_DISAGREEMENTS: Record<string, string[]> = {};

/** "id [variant] × product" → why the cell is open (servers/real/README.md, "Middleboxes on the real path"). */
const OPEN_CELLS: Record<string, string> = {
  'middlebox-checkpoints [lb-session-table] × unbound':
    "mostly FAIL* =emu (steps 12, 13, 14); when the lab's RTT to ns-example is stretched (3 cells at once), the server's backed-off timeout reaches PROBE_MAXRTO 12 s before big is asked, Unbound skips the server and answers SERVFAIL at once (infra.c infra_get_lame_rtt), and the late retries of its old resolutions make the answer at T+2m30s miss discard-timeout (FAIL 12, 15)",
  'facebook-query-storm [patient-clients] × knot':
    "kresd's random server exploration (lib/selection.c, ε = 1/20) asks tld-com in some normal hours; its count of .com queries in the outage differs from the emulated profile's",
  'facebook-query-storm [serve-stale] × knot': "kresd's serve_stale rule (modules/serve_stale) is not modelled: no stale answer at T+1h30m",
};

const PRODUCTS_IN_CI = PRODUCTS.filter((p) => p !== 'powerdns');
const RESOLVERS = ['emulated', ...PRODUCTS_IN_CI] as const;

describe(`resolver matrix: every seed scenario × ${RESOLVERS.join(', ')}`, () => {
  let matrix: Matrix;
  const runs = new Map<string, Awaited<ReturnType<typeof allRuns>>[number]>();

  it('runs', async () => {
    for (const r of await allRuns()) runs.set(`${r.loaded.scenario.id} [${r.variant}]`, r);
    // One line per finished cell, with its host seconds: what a slow CI job spent its time on.
    const onProgress = (line: string) => process.stderr.write(`# ${line}`);
    matrix = await runMatrix([...runs.values()], [...RESOLVERS], { seed: '1', jobs: MAX_MATRIX_JOBS, onProgress });
    process.stderr.write(renderMatrix(matrix).replace(/^/gm, '# '));
    assert.equal(matrix.rows.length, runs.size);
    assert.ok(new Set(matrix.rows.map((r) => r.id)).size >= 9, 'the seed scenarios are all there');
  });

  it('the emulated resolver passes every scenario as written', () => {
    for (const r of matrix.rows) {
      const c = r.cells.find((x) => x.resolver === 'emulated')!;
      assert.ok(c.passed, `${r.id} [${r.variant}]: ${c.failed.join('; ')} ${c.error ?? ''}`);
    }
  });

  for (const product of PRODUCTS_IN_CI) {
    it(`${product}: every cell as the scenario expects, and the emulated profile agrees claim by claim`, () => {
      for (const r of matrix.rows) {
        const key = `${r.id} [${r.variant}] × ${product}`;
        const c = r.cells.find((x) => x.resolver === product)!;
        assert.equal(c.error, undefined, `${key}: ${c.error}`);
        assert.ok(c.total > 0, key);
        assert.deepEqual(c.real?.leftover, [], `${key}: processes left in the namespace`);
        const rate = runs.get(`${r.id} [${r.variant}]`)?.loaded.scenario.realClockRate ?? 1;
        assert.equal(c.real?.clockRate, rate, `${key}: clock rate`);
        // auth-unreachable at host pace took 4–7 minutes a product (measured), at rate 20 about 30 s; 150 s leaves
        // room for a loaded machine and catches a shim that no longer speeds the product's clocks up.
        if (r.id === 'auth-unreachable') assert.ok(c.seconds < 150, `${key} took ${c.seconds} s`);
        if (key in OPEN_CELLS) continue;
        assert.ok(c.asExpected, `${key}: ${c.failed.join('; ')}`);
        const diffs = (c.emulatedProfile?.differences ?? []).map((d) => d.what);
        assert.deepEqual(diffs.sort(), (KNOWN_DISAGREEMENTS[key] ?? []).slice().sort(), `${key}: emulated ${c.emulatedProfile?.profile} vs real`);
      }
    });
  }

  it('nothing is left: no product process in a namespace of ours, no namespace', () => {
    const binaries = PRODUCTS.map((p) => BINARY[p].binary);
    const ours = `dnslab-rr-${process.pid}-`;
    assert.deepEqual(pidsByName(binaries).filter((p) => namespaceOf(p.pid)?.startsWith(ours)), []);
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    assert.deepEqual(list.split('\n').filter((l) => l.startsWith(ours)), []);
  });
});

describe('dnslab run --resolver (CLI)', () => {
  it('prints the matrix as JSON and exits 0 when every cell is as expected', async () => {
    let out = '';
    let err = '';
    const code = await main(['run', 'aggressive-nsec-new-name', '--variant', 'non-aggressive', '--resolver', 'emulated,knot', '--json'], {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      waitForInterrupt: () => Promise.resolve(),
    });
    const doc = JSON.parse(out) as { resolvers: string[]; rows: { id: string; cells: { resolver: string; passed: boolean; asExpected: boolean }[] }[] };
    assert.deepEqual(doc.resolvers, ['emulated', 'knot']);
    const knot = doc.rows[0]!.cells.find((c) => c.resolver === 'knot')!;
    // Knot Resolver fails the claim, exactly as the scenario declares for it: the matrix holds.
    assert.equal(knot.passed, false);
    assert.equal(knot.asExpected, true);
    assert.equal(code, 0, err);
  });

  it('an unknown resolver is a usage error', async () => {
    let err = '';
    const code = await main(['run', 'aggressive-nsec-new-name', '--resolver', 'emulated,djbdns'], {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      waitForInterrupt: () => Promise.resolve(),
    });
    assert.notEqual(code, 0);
    assert.match(err, /unknown resolver "djbdns"/);
  });
});
