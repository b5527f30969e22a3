// The resolver matrix: each scenario variant × each resolver (dnslab's
// emulated resolver, or a real product on sockets). A cell says what the
// claims saw, whether that is what the scenario expects from that resolver
// (a variant may declare, in `products`, claims a product fails for a
// documented reason), and — for a real product — whether dnslab's resolver
// with that product's profile saw the same, claim by claim. A disagreement
// there is a finding about the emulation, reported, never hidden.

import type { LoadedScenario } from '../scenario/load.ts';
import { planScenario } from '../scenario/validate.ts';
import { PRODUCTS, PROFILE_OF, productVersion, type Product } from '../../servers/real/products.ts';
import { runReal, withProfile, withProfileSwitches, type RealRunInfo } from './real.ts';
import type { AssertionRecord, RunResult } from './result.ts';
import { runPlan } from './run.ts';

export type ResolverColumn = 'emulated' | Product;
export const RESOLVER_COLUMNS: readonly ResolverColumn[] = ['emulated', ...PRODUCTS];

export interface ClaimDiff {
  step: number;
  offset: string;
  what: string;
  emulated: boolean | undefined;
  real: boolean | undefined;
}

export interface MatrixCell {
  resolver: ResolverColumn;
  passed: boolean;
  /** Claims that held / all claims. */
  ok: number;
  total: number;
  /** The failed claims, one line each ("step 7 T+2h watch b: …"). */
  failed: string[];
  error?: string;
  /** The scenario says this product fails these claims, and why (variant.products). */
  expectedFailure?: { claims: string[]; because: string };
  /** The outcome is what the scenario expects from this resolver. */
  asExpected: boolean;
  /** Real products: dnslab's resolver with the product's profile, claim by claim. */
  emulatedProfile?: { profile: string; passed: boolean; agrees: boolean; differences: ClaimDiff[] };
  real?: RealRunInfo;
  seconds: number;
}

export interface MatrixRow {
  id: string;
  variant: string;
  cells: MatrixCell[];
}

export interface Matrix {
  resolvers: ResolverColumn[];
  versions: Partial<Record<Product, string>>;
  rows: MatrixRow[];
  /** Every run's full result (for --report). */
  results: RunResult[];
}

export function parseResolverList(text: string): ResolverColumn[] {
  const aliases: Record<string, ResolverColumn> = { 'knot-resolver': 'knot', kresd: 'knot', named: 'bind', pdns: 'powerdns', 'pdns-recursor': 'powerdns' };
  const out: ResolverColumn[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const r = (aliases[raw] ?? raw) as ResolverColumn;
    if (!RESOLVER_COLUMNS.includes(r)) throw new Error(`unknown resolver "${raw}" (one of: ${RESOLVER_COLUMNS.join(', ')})`);
    if (!out.includes(r)) out.push(r);
  }
  if (!out.length) throw new Error('--resolver needs at least one of: ' + RESOLVER_COLUMNS.join(', '));
  return out;
}

const claimLine = (a: AssertionRecord) => `step ${a.step} ${a.offset} ${a.what}`;

/** Compare two runs of the same plan claim by claim (same step, same claim text, in order). */
export function compareClaims(emulated: RunResult, real: RunResult): ClaimDiff[] {
  const key = (a: AssertionRecord, i: number, list: AssertionRecord[]) => `${a.step}|${a.what.replace(/\d+ of \d+ samples|\(saw [^)]*\)/g, '')}|${list.slice(0, i).filter((b) => b.step === a.step).length}`;
  const e = new Map(emulated.assertions.map((a, i, l) => [key(a, i, l), a] as const));
  const r = new Map(real.assertions.map((a, i, l) => [key(a, i, l), a] as const));
  const diffs: ClaimDiff[] = [];
  for (const k of new Set([...e.keys(), ...r.keys()])) {
    const ea = e.get(k);
    const ra = r.get(k);
    if (ea?.ok === ra?.ok) continue;
    const a = (ra ?? ea)!;
    diffs.push({ step: a.step, offset: a.offset, what: a.what, emulated: ea?.ok, real: ra?.ok });
  }
  if ((emulated.error === undefined) !== (real.error === undefined)) diffs.push({ step: 0, offset: '', what: `run error: ${emulated.error ?? real.error}`, emulated: emulated.error === undefined, real: real.error === undefined });
  return diffs;
}

function expectation(loaded: LoadedScenario, variant: string, product: ResolverColumn): MatrixCell['expectedFailure'] {
  const v = loaded.scenario.variants?.[variant] as { products?: Record<string, { failingClaims: string[]; because: string }> } | undefined;
  const e = v?.products?.[product];
  return e ? { claims: e.failingClaims, because: e.because } : undefined;
}

function judge(result: RunResult, expected: MatrixCell['expectedFailure']): boolean {
  if (result.error !== undefined || result.assertions.length === 0) return false;
  const failed = result.assertions.filter((a) => !a.ok).map(claimLine);
  if (!expected) return failed.length === 0;
  // Exactly the declared claims fail: each failure is declared, each declared claim failed.
  return failed.every((f) => expected.claims.some((c) => f.includes(c))) && expected.claims.every((c) => failed.some((f) => f.includes(c)));
}

function cellOf(resolver: ResolverColumn, result: RunResult, expected: MatrixCell['expectedFailure'], seconds: number): MatrixCell {
  const failed = result.assertions.filter((a) => !a.ok);
  return {
    resolver,
    passed: result.passed,
    ok: result.assertions.length - failed.length,
    total: result.assertions.length,
    failed: failed.map(claimLine),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(expected ? { expectedFailure: expected } : {}),
    asExpected: judge(result, expected),
    seconds,
  };
}

export async function runMatrix(
  runs: { loaded: LoadedScenario; variant: string }[],
  resolvers: ResolverColumn[],
  o: { seed: string; onProgress?: (text: string) => void; waitMs?: number; clockRate?: number } = { seed: '1' },
): Promise<Matrix> {
  const versions: Partial<Record<Product, string>> = {};
  for (const r of resolvers) if (r !== 'emulated') versions[r] = productVersion(r);
  const rows: MatrixRow[] = [];
  const results: RunResult[] = [];
  for (const run of runs) {
    const plan = planScenario(run.loaded.scenario, run.loaded.file, run.variant);
    const cells: MatrixCell[] = [];
    for (const resolver of resolvers) {
      o.onProgress?.(`${run.loaded.scenario.id} [${run.variant}] × ${resolver} … `);
      const t0 = Date.now();
      let cell: MatrixCell;
      if (resolver === 'emulated') {
        const result = await runPlan(plan, { seed: o.seed });
        results.push(result);
        cell = cellOf(resolver, result, expectation(run.loaded, run.variant, resolver), (Date.now() - t0) / 1000);
      } else {
        let real: Awaited<ReturnType<typeof runReal>>;
        try {
          real = await runReal({ file: run.loaded.file, variant: run.variant, seed: o.seed, product: resolver, ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}), ...(o.clockRate !== undefined ? { clockRate: o.clockRate } : {}) });
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          cells.push({ resolver, passed: false, ok: 0, total: 0, failed: [], error: message, asExpected: false, seconds: (Date.now() - t0) / 1000 });
          o.onProgress?.('ERROR\n');
          continue;
        }
        results.push({ ...real, variant: `${run.variant} @${resolver}` });
        cell = cellOf(resolver, real, expectation(run.loaded, run.variant, resolver), (Date.now() - t0) / 1000);
        if (real.real) cell.real = real.real;
        const profile = PROFILE_OF[resolver];
        const emulated = await runPlan(withProfile(withProfileSwitches(plan), profile), { seed: o.seed });
        const differences = compareClaims(emulated, real);
        cell.emulatedProfile = { profile, passed: emulated.passed, agrees: differences.length === 0, differences };
      }
      cells.push(cell);
      o.onProgress?.(`${cell.passed ? 'PASS' : 'FAIL'}${cell.asExpected ? '' : ' (unexpected)'} ${cell.seconds.toFixed(1)}s\n`);
    }
    rows.push({ id: run.loaded.scenario.id, variant: run.variant, cells });
  }
  return { resolvers, versions, rows, results };
}

/** One cell in a few characters: "PASS 8/8", "FAIL 5/6 ≠emu", "FAIL* 5/6" (* = expected for this product). */
function cellText(c: MatrixCell): string {
  if (c.error && c.total === 0) return 'ERROR';
  const base = `${c.passed ? 'PASS' : 'FAIL'}${c.expectedFailure && c.asExpected ? '*' : ''} ${c.ok}/${c.total}`;
  const mark = c.asExpected ? '' : ' ✗';
  const emu = c.emulatedProfile ? (c.emulatedProfile.agrees ? ' =emu' : ' ≠emu') : '';
  return base + mark + emu;
}

/** The matrix as a text table plus notes (expected product differences, disagreements, errors). */
export function renderMatrix(m: Matrix): string {
  const head = ['scenario [variant]', ...m.resolvers];
  const body = m.rows.map((r) => [`${r.id} [${r.variant}]`, ...r.cells.map(cellText)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ''];
  out.push('PASS/FAIL k/n: claims that held.  * : fails exactly as the scenario declares for this product.  ✗ : not what the scenario expects.');
  out.push('=emu / ≠emu: dnslab\'s resolver with the product\'s profile saw the same / a different result on some claim.');
  const versions = Object.entries(m.versions);
  if (versions.length) out.push('', 'versions:', ...versions.map(([p, v]) => `  ${p.padEnd(9)} ${v}`));
  const notes: string[] = [];
  for (const r of m.rows) {
    for (const c of r.cells) {
      const where = `${r.id} [${r.variant}] × ${c.resolver}`;
      if (c.expectedFailure) notes.push(`${where}: expected to fail ${c.expectedFailure.claims.map((x) => `"${x}"`).join(', ')} — ${c.expectedFailure.because}`);
      if (c.error) notes.push(`${where}: error: ${c.error.split('\n')[0]}`);
      if (!c.asExpected) for (const f of c.failed) notes.push(`${where}: failed ${f}`);
      if (c.emulatedProfile && !c.emulatedProfile.agrees) {
        for (const d of c.emulatedProfile.differences) notes.push(`${where}: emulated (profile ${c.emulatedProfile.profile}) ${d.emulated === undefined ? 'absent' : d.emulated ? 'ok' : 'FAIL'} vs real ${d.real === undefined ? 'absent' : d.real ? 'ok' : 'FAIL'}: step ${d.step} ${d.offset} ${d.what}`);
      }
      for (const res of c.real?.resolvers ?? []) if (res.unmapped.length) notes.push(`${where}: resolver ${res.name}: settings with no product option: ${res.unmapped.join(', ')}`);
      if (c.real?.leftover.length) notes.push(`${where}: processes left in the namespace (killed): ${c.real.leftover.join(', ')}`);
    }
  }
  if (notes.length) out.push('', 'notes:', ...notes.map((n) => `  ${n}`));
  return out.join('\n') + '\n';
}

/** Exit status: every cell as the scenario expects for its resolver. */
export function matrixPassed(m: Matrix): boolean {
  return m.rows.length > 0 && m.rows.every((r) => r.cells.every((c) => c.asExpected));
}
