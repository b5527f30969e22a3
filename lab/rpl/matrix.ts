// `.rpl` scenarios × resolvers as a lab/runner matrix: each file a row, each
// resolver a column, so the matrix's text, JSON, JUnit and HTML renderers
// (lab/runner/matrix.ts, report-*.ts) report Deckard's corpus like any other.
// A real product's cell also carries dnslab's resolver on that product's
// profile, claim by claim (compareClaims), and the CONFIG keys the product or
// the emulator cannot honour.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseRpl, RplSyntaxError, type RplScenario } from '../../dns/rpl/reader.ts';
import type { ProfileName } from '../../servers/recursive/profiles.ts';
import { PROFILE_OF, productVersion, type Product } from '../../servers/real/products.ts';
import { compareClaims, observedOutcome, type Matrix, type MatrixCell, type ResolverColumn } from '../runner/matrix.ts';
import type { RunResult } from '../runner/result.ts';
import { runRplEmulated } from './emulated.ts';
import { runRplReal } from './real.ts';

/** The `.rpl` files a path names: the file itself, or every *.rpl directly in a directory, sorted. */
export function rplFiles(path: string): string[] {
  if (statSync(path).isDirectory())
    return readdirSync(path)
      .filter((f) => f.endsWith('.rpl'))
      .sort()
      .map((f) => join(path, f));
  return [path];
}

/** Read every file first, so a broken one stops the run before anything starts (exit 2). */
export function readRplFiles(files: readonly string[]): RplScenario[] {
  return files.map((f) => parseRpl(readFileSync(f, 'utf8'), f));
}

export { RplSyntaxError };

const claimLine = (r: RunResult) => r.assertions.filter((a) => !a.ok).map((a) => `step ${a.step} ${a.what}: ${a.actual.split('\n')[0]}`);

function cellFor(resolver: ResolverColumn, r: RunResult, seconds: number, extra: string[]): MatrixCell {
  const failed = claimLine(r);
  return {
    resolver,
    passed: r.passed,
    ok: r.assertions.length - failed.length,
    total: r.assertions.length,
    failed,
    ...(r.error !== undefined ? { error: r.error } : {}),
    asExpected: r.passed,
    unexpected: failed.map((f) => `failed ${f}`),
    outcome: [...observedOutcome(r).slice(-3), ...extra],
    seconds,
  };
}

const errorCell = (resolver: ResolverColumn, e: unknown, seconds: number): MatrixCell => ({
  resolver,
  passed: false,
  ok: 0,
  total: 0,
  failed: [],
  error: e instanceof Error ? e.message : String(e),
  asExpected: false,
  unexpected: [],
  outcome: [],
  seconds,
});

/**
 * Run every scenario on every resolver column ('emulated' uses `profile`; a product runs in a namespace and is
 * compared with the emulator on its PROFILE_OF profile). `jobs` real cells at once.
 */
export async function runRplMatrix(
  scenarios: readonly RplScenario[],
  resolvers: readonly ResolverColumn[],
  o: { seed: string; profile: ProfileName; jobs?: number; onProgress?: (t: string) => void },
): Promise<Matrix> {
  const versions: Partial<Record<ResolverColumn, string>> = {};
  for (const r of resolvers) if (r !== 'emulated') versions[r] = productVersion(r as Product);
  const cells: MatrixCell[][] = scenarios.map(() => []);
  const results: RunResult[][][] = scenarios.map(() => resolvers.map(() => []));
  const tasks = scenarios.flatMap((s, i) => resolvers.map((resolver, j) => ({ s, i, j, resolver })));
  let next = 0;
  const run = async () => {
    while (next < tasks.length) {
      const t = tasks[next++]!;
      const t0 = Date.now();
      let cell: MatrixCell;
      if (t.resolver === 'emulated') {
        try {
          const r = await runRplEmulated(t.s, { profile: o.profile, seed: o.seed });
          cell = cellFor('emulated', r, (Date.now() - t0) / 1000, [
            ...r.rpl.unmapped.map((u) => `not mapped: ${u}`),
            ...r.rpl.unscripted.slice(0, 3).map((u) => `unscripted: ${u}`),
          ]);
          results[t.i]![t.j] = [{ ...r, variant: `rpl @emulated ${o.profile}` }];
        } catch (e) {
          cell = errorCell('emulated', e, (Date.now() - t0) / 1000);
        }
      } else if (t.resolver.startsWith('docker:')) {
        cell = errorCell(t.resolver, new Error('.rpl scenarios run on local products only (no Docker path yet)'), 0);
      } else {
        const product = t.resolver as Product;
        try {
          const real = await runRplReal(t.s.file, product, { seed: o.seed });
          cell = cellFor(
            product,
            real,
            (Date.now() - t0) / 1000,
            real.rpl.unscripted.slice(0, 3).map((u) => `unscripted: ${u}`),
          );
          cell.real = {
            product,
            resolvers: [{ name: 'resolver', address: '', mappings: [], unmapped: real.rpl.unmapped, notApplied: [] }],
            seconds: (Date.now() - t0) / 1000,
            leftover: [],
          };
          const profile = PROFILE_OF[product] as ProfileName;
          const emulated = await runRplEmulated(t.s, { profile, seed: o.seed });
          const differences = compareClaims(emulated, real);
          cell.emulatedProfile = {
            profile,
            passed: emulated.passed,
            agrees: differences.length === 0,
            differences,
            outcome: observedOutcome(emulated).slice(-3),
          };
          results[t.i]![t.j] = [{ ...real, variant: `rpl @${product}` }];
        } catch (e) {
          cell = errorCell(product, e, (Date.now() - t0) / 1000);
        }
      }
      cells[t.i]![t.j] = cell;
      o.onProgress?.(`${t.s.file} × ${t.resolver} … ${cell.error && cell.total === 0 ? 'ERROR' : cell.passed ? 'PASS' : 'FAIL'} ${cell.seconds.toFixed(1)}s\n`);
    }
  };
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, 4));
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, run));
  return {
    resolvers: [...resolvers],
    versions,
    rows: scenarios.map((s, i) => ({ id: s.file.replace(/^.*\//, '').replace(/\.rpl$/, ''), variant: 'rpl', cells: cells[i]! })),
    results: results.flat(2),
  };
}
