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
import { runReal, withProductSwitches, withProfile, withProfileSwitches, type RealRunInfo } from './real.ts';
import { describeSeries } from '../../assertions/timeline.ts';
import type { AssertionRecord, RunResult } from './result.ts';
import { runPlan } from './run.ts';
import { checkDeclarations, stepOfClaim, varyingFor, type VaryingSteps } from './varying.ts';

/**
 * A matrix column: dnslab's emulated resolver, a product as a local process in a network namespace, or
 * (`docker:<product>`) the same product from its Debian bookworm image (docker.ts).
 */
export type ResolverColumn = 'emulated' | Product | `docker:${Product}`;
export const RESOLVER_COLUMNS: readonly ResolverColumn[] = ['emulated', ...PRODUCTS, ...PRODUCTS.map((p) => `docker:${p}` as const)];

/** The product behind a real column, and where it runs. */
export function columnProduct(c: Exclude<ResolverColumn, 'emulated'>): { product: Product; engine: 'local' | 'docker' } {
  return c.startsWith('docker:') ? { product: c.slice(7) as Product, engine: 'docker' } : { product: c as Product, engine: 'local' };
}

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
  /** Steps whose outcome against this product varies from run to run, and why (varying.ts): not judged. */
  varying?: VaryingSteps;
  /** The outcome is what the scenario expects from this resolver. */
  asExpected: boolean;
  /** Why it is not (unexpectedClaims), one line each; empty when it is. */
  unexpected: string[];
  /** What clients saw, one line per watched series ("alice: NOERROR … → SERVFAIL from T+1h30m for 22h30m → …"), or per query step when the scenario has no watch. */
  outcome: string[];
  /** Real products: dnslab's resolver with the product's profile, claim by claim, and what its clients saw. */
  emulatedProfile?: { profile: string; passed: boolean; agrees: boolean; differences: ClaimDiff[]; outcome: string[] };
  real?: RealRunInfo;
  seconds: number;
  /** Earlier runs of this cell that were not as expected (runMatrix `retries`), oldest first: the cell shows the last run. */
  retried?: { unexpected: string[]; error?: string; seconds: number }[];
}

export interface MatrixRow {
  id: string;
  variant: string;
  cells: MatrixCell[];
}

export interface Matrix {
  resolvers: ResolverColumn[];
  versions: Partial<Record<ResolverColumn, string>>;
  rows: MatrixRow[];
  /** Every run's full result (for --report). */
  results: RunResult[];
}

export function parseResolverList(text: string): ResolverColumn[] {
  const aliases: Record<string, ResolverColumn> = { 'knot-resolver': 'knot', kresd: 'knot', named: 'bind', pdns: 'powerdns', 'pdns-recursor': 'powerdns' };
  const out: ResolverColumn[] = [];
  for (const raw of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const docker = raw.startsWith('docker:');
    const name = docker ? raw.slice(7) : raw;
    const r = ((docker ? 'docker:' : '') + (aliases[name] ?? name)) as ResolverColumn;
    if (!RESOLVER_COLUMNS.includes(r)) throw new Error(`unknown resolver "${raw}" (one of: ${RESOLVER_COLUMNS.join(', ')})`);
    if (!out.includes(r)) out.push(r);
  }
  if (!out.length) throw new Error('--resolver needs at least one of: ' + RESOLVER_COLUMNS.join(', '));
  return out;
}

const claimLine = (a: AssertionRecord) => `step ${a.step} ${a.offset} ${a.what}`;

/** What a failure adds to a claim's text (counts, what was seen): not part of the claim. */
const claimText = (what: string) =>
  what
    .replace(/\d+ of \d+ samples|\(saw [^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * A claim as a declaration names it: "step N <claim>", without the offset (a real run's steps land some ms
 * apart from the emulated one's) and without what a failure adds ("(saw …)", "k of n samples").
 */
export const claimKey = (a: Pick<AssertionRecord, 'step' | 'what'>) => `step ${a.step} ${claimText(a.what)}`;

/** Compare two runs of the same plan claim by claim (same step, same claim text, in order). */
export function compareClaims(emulated: RunResult, real: RunResult): ClaimDiff[] {
  const key = (a: AssertionRecord, i: number, list: AssertionRecord[]) => `${claimKey(a)}|${list.slice(0, i).filter((b) => b.step === a.step).length}`;
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
  if ((emulated.error === undefined) !== (real.error === undefined))
    diffs.push({
      step: 0,
      offset: '',
      what: `run error: ${emulated.error ?? real.error}`,
      emulated: emulated.error === undefined,
      real: real.error === undefined,
    });
  return diffs;
}

function expectation(loaded: LoadedScenario, variant: string, column: ResolverColumn): MatrixCell['expectedFailure'] {
  // A product declares the same expectations wherever it runs (locally or from its Docker image).
  const product = column === 'emulated' ? column : columnProduct(column).product;
  const v = loaded.scenario.variants?.[variant] as { products?: Record<string, { failingClaims: string[]; because: string }> } | undefined;
  const e = v?.products?.[product];
  return e ? { claims: e.failingClaims, because: e.because } : undefined;
}

/**
 * What keeps a cell from being what the scenario expects of its resolver, one line each: a failed claim not
 * declared for it, a declared claim that held, a declared claim that is no claim of the run, a declaration on a
 * varying step. Claims are compared whole (claimKey), never by substring; failures on varying steps do not count.
 */
export function unexpectedClaims(result: Pick<RunResult, 'assertions'>, expected: MatrixCell['expectedFailure'], varying?: VaryingSteps): string[] {
  const declared = expected?.claims ?? [];
  const onVarying = (key: string) => varying?.steps.includes(stepOfClaim(key) ?? -1) ?? false;
  const all = new Set(result.assertions.map(claimKey));
  const failed = result.assertions.filter((a) => !a.ok).map(claimKey);
  return [
    ...checkDeclarations(declared, varying),
    ...failed.filter((f) => !declared.includes(f) && !onVarying(f)).map((f) => `failed ${f}`),
    ...declared.filter((d) => all.has(d) && !failed.includes(d) && !onVarying(d)).map((d) => `declared to fail, held: ${d}`),
    ...declared.filter((d) => !all.has(d)).map((d) => `declared claim is no claim of this run: ${d}`),
  ];
}

/** The observable outcome of a run: the phases of each watched series, or else each query step's answer. */
export function observedOutcome(result: RunResult): string[] {
  if (result.samples.length) return describeSeries(result.samples, result.start);
  return result.events.filter((e) => e.kind === 'answer').map((e) => `step ${e.step ?? '?'}: ${e.text.replace(/\s+\(\d+ ms\)$/, '')}`);
}

function cellOf(resolver: ResolverColumn, result: RunResult, expected: MatrixCell['expectedFailure'], seconds: number, varying?: VaryingSteps): MatrixCell {
  const failed = result.assertions.filter((a) => !a.ok);
  const unexpected = unexpectedClaims(result, expected, varying);
  return {
    resolver,
    passed: result.passed,
    ok: result.assertions.length - failed.length,
    total: result.assertions.length,
    failed: failed.map(claimLine),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(expected ? { expectedFailure: expected } : {}),
    ...(varying ? { varying } : {}),
    asExpected: result.error === undefined && result.assertions.length > 0 && unexpected.length === 0,
    unexpected,
    outcome: observedOutcome(result),
    seconds,
  };
}

/** Most real runs a matrix keeps going at once (each in its own namespace; they mostly wait on timers). */
export const MAX_MATRIX_JOBS = 4;
/** Most extra runs of a real cell that is not as expected (runMatrix `retries`, run --retries). */
export const MAX_MATRIX_RETRIES = 3;

export async function runMatrix(
  runs: { loaded: LoadedScenario; variant: string }[],
  resolvers: ResolverColumn[],
  o: { seed: string; onProgress?: (text: string) => void; waitMs?: number; jobs?: number; clockRate?: number; retries?: number } = { seed: '1' },
): Promise<Matrix> {
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_MATRIX_JOBS) throw new RangeError(`jobs must be an integer from 1 to ${MAX_MATRIX_JOBS} (got ${jobs})`);
  const retries = o.retries ?? 0;
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_MATRIX_RETRIES)
    throw new RangeError(`retries must be an integer from 0 to ${MAX_MATRIX_RETRIES} (got ${retries})`);
  const versions: Partial<Record<ResolverColumn, string>> = {};
  // Docker columns: the version line comes from the image, after the first run (RealRunInfo.docker).
  for (const r of resolvers) if (r !== 'emulated' && columnProduct(r).engine === 'local') versions[r] = productVersion(r as Product);
  const plans = runs.map((run) => planScenario(run.loaded.scenario, run.loaded.file, run.variant));
  // One task per cell; results land in their own slot so the matrix keeps the
  // order of runs × resolvers whatever order the cells finish in.
  // Real cells of scenarios with a clock rate go first: they cannot jump their clock while the
  // product has queries in flight (outages), so they are the long ones (minutes, against seconds
  // for the rest); started last, they would leave the other jobs idle at the end.
  const paced = (t: { run: { loaded: LoadedScenario }; resolver: ResolverColumn }) =>
    t.resolver !== 'emulated' && t.run.loaded.scenario.realClockRate !== undefined;
  const cellTasks = runs.flatMap((run, i) => resolvers.map((resolver, j) => ({ run, plan: plans[i]!, resolver, i, j })));
  const tasks = [...cellTasks.filter(paced), ...cellTasks.filter((t) => !paced(t))];
  const cells: MatrixCell[][] = runs.map(() => new Array<MatrixCell>(resolvers.length));
  const cellResults: RunResult[][][] = runs.map(() => resolvers.map(() => []));
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++]!;
      const label = `${t.run.loaded.scenario.id} [${t.run.variant}] × ${t.resolver}`;
      if (jobs === 1) o.onProgress?.(`${label} … `);
      const once = () => runCell(t.run, t.plan, t.resolver, o);
      const { cell, results } =
        t.resolver === 'emulated'
          ? await once()
          : await untilAsExpected(once, retries, (c) =>
              o.onProgress?.(`${label} … not as expected (${c.error?.split('\n')[0] ?? c.unexpected[0] ?? '?'}), running it again\n`),
            );
      if (cell.real?.docker && versions[t.resolver] === undefined) versions[t.resolver] = cell.real.docker.version;
      cells[t.i]![t.j] = cell;
      cellResults[t.i]![t.j] = results;
      const outcome =
        cell.error && cell.total === 0 ? 'ERROR' : `${cell.passed ? 'PASS' : 'FAIL'}${cell.asExpected ? '' : ' (unexpected)'} ${cell.seconds.toFixed(1)}s`;
      o.onProgress?.(jobs === 1 ? `${outcome}\n` : `${label} … ${outcome}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return {
    resolvers,
    versions,
    rows: runs.map((run, i) => ({ id: run.loaded.scenario.id, variant: run.variant, cells: cells[i]! })),
    results: cellResults.flat(2),
  };
}

/**
 * Run a cell, and again (up to `retries` more times) while it is not as expected: a real product's timing depends
 * on the host, and each run starts from scratch (new namespace, new process). Every earlier run's outcome stays on
 * the cell (`retried`), so a retried cell is never silent.
 */
export async function untilAsExpected<T extends { cell: MatrixCell }>(
  runOnce: () => Promise<T>,
  retries: number,
  onRetry?: (cell: MatrixCell) => void,
): Promise<T> {
  let r = await runOnce();
  const retried: NonNullable<MatrixCell['retried']> = [];
  while (!r.cell.asExpected && retried.length < retries) {
    retried.push({ unexpected: r.cell.unexpected, ...(r.cell.error !== undefined ? { error: r.cell.error } : {}), seconds: r.cell.seconds });
    onRetry?.(r.cell);
    r = await runOnce();
  }
  if (retried.length) r.cell.retried = retried;
  return r;
}

/** One cell: the emulated resolver, or a real product plus dnslab's resolver on that product's profile. */
async function runCell(
  run: { loaded: LoadedScenario; variant: string },
  plan: ReturnType<typeof planScenario>,
  resolver: ResolverColumn,
  o: { seed: string; waitMs?: number; clockRate?: number },
): Promise<{ cell: MatrixCell; results: RunResult[] }> {
  const t0 = Date.now();
  const expected = expectation(run.loaded, run.variant, resolver);
  if (resolver === 'emulated') {
    const result = await runPlan(plan, { seed: o.seed });
    return { cell: cellOf(resolver, result, expected, (Date.now() - t0) / 1000), results: [result] };
  }
  let real: Awaited<ReturnType<typeof runReal>>;
  try {
    real = await runReal({
      file: run.loaded.file,
      variant: run.variant,
      seed: o.seed,
      ...columnProduct(resolver),
      ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}),
      ...(o.clockRate !== undefined ? { clockRate: o.clockRate } : {}),
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      cell: {
        resolver,
        passed: false,
        ok: 0,
        total: 0,
        failed: [],
        error: message,
        asExpected: false,
        unexpected: [],
        outcome: [],
        seconds: (Date.now() - t0) / 1000,
      },
      results: [],
    };
  }
  const { product } = columnProduct(resolver);
  const cell = cellOf(resolver, real, expected, (Date.now() - t0) / 1000, varyingFor(run.loaded.scenario.id, run.variant, product));
  if (real.real) cell.real = real.real;
  const profile = PROFILE_OF[product];
  const emulated = await runPlan(withProfile(withProductSwitches(withProfileSwitches(plan), product), profile), { seed: o.seed });
  const differences = compareClaims(emulated, real);
  cell.emulatedProfile = { profile, passed: emulated.passed, agrees: differences.length === 0, differences, outcome: observedOutcome(emulated) };
  return { cell, results: [{ ...real, variant: `${run.variant} @${resolver}` }] };
}

/** What a cell's claims did: "PASS 8/8", "FAIL 5/6", "FAIL* 5/6" (* = fails as declared for this product), or "ERROR". */
export function cellClaims(c: MatrixCell): string {
  if (c.error && c.total === 0) return 'ERROR';
  return `${c.passed ? 'PASS' : 'FAIL'}${c.expectedFailure && c.asExpected ? '*' : ''} ${c.ok}/${c.total}`;
}

/** " =emu" / " ≠emu" for a real product's cell, "" for the emulated column. */
export function cellAgreement(c: MatrixCell): string {
  return c.emulatedProfile ? (c.emulatedProfile.agrees ? ' =emu' : ' ≠emu') : '';
}

/** "~" when the cell has steps declared varying (their outcome is not judged), else "". */
export function cellVarying(c: MatrixCell): string {
  return c.varying ? '~' : '';
}

/** "↻N" when the cell ran N more times because earlier runs were not as expected, else "". */
export function cellRetried(c: MatrixCell): string {
  return c.retried?.length ? ` ↻${c.retried.length}` : '';
}

/** One cell in a few characters: "PASS 8/8", "FAIL 5/6 ✗ ≠emu", "FAIL* 5/6 =emu", "FAIL~ 6/8 =emu", "PASS 8/8 =emu ↻1". */
function cellText(c: MatrixCell): string {
  if (c.error && c.total === 0) return 'ERROR' + cellRetried(c);
  return cellClaims(c) + cellVarying(c) + (c.asExpected ? '' : ' ✗') + cellAgreement(c) + cellRetried(c);
}

/** The matrix as a text table plus notes (expected product differences, disagreements, errors). */
export function renderMatrix(m: Matrix): string {
  const head = ['scenario [variant]', ...m.resolvers];
  const body = m.rows.map((r) => [`${r.id} [${r.variant}]`, ...r.cells.map(cellText)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ''];
  out.push('PASS/FAIL k/n: claims that held.  * : fails exactly as the scenario declares for this product.  ✗ : not what the scenario expects.');
  out.push('~ : steps declared varying for this product (outcome changes from run to run; not judged; see notes for which and why).');
  out.push("=emu / ≠emu: dnslab's resolver with the product's profile saw the same / a different result on some claim.");
  if (m.rows.some((r) => r.cells.some((c) => c.retried?.length)))
    out.push('↻N : the cell ran N more times because the earlier runs were not as expected (--retries); notes say what they saw.');
  const versions = Object.entries(m.versions);
  if (versions.length) out.push('', 'versions:', ...versions.map(([p, v]) => `  ${p.padEnd(Math.max(9, ...versions.map(([q]) => q.length)))} ${v}`));
  out.push('', ...outcomeLines(m));
  const notes = matrixNotes(m);
  if (notes.length) out.push('', 'notes:', ...notes.map((n) => `  ${n}`));
  return out.join('\n') + '\n';
}

/**
 * What clients saw, per row: the first column in full, each other column as "same as <first>" or in full;
 * a product whose emulated profile saw something else gets that too.
 */
export function outcomeLines(m: Matrix): string[] {
  const out = ["what clients saw (watched series as phases of rcode/answer; else each query step's answer):"];
  const width = Math.max(...m.resolvers.map((r) => r.length));
  for (const r of m.rows) {
    out.push(`  ${r.id} [${r.variant}]`);
    const first = r.cells[0];
    for (const c of r.cells) {
      const label = `    ${c.resolver.padEnd(width)}  `;
      const pad = ' '.repeat(label.length);
      const lines =
        c.error && c.total === 0
          ? [`error: ${c.error.split('\n')[0]}`]
          : c !== first && sameOutcome(c.outcome, first!.outcome)
            ? [`same as ${first!.resolver}`]
            : c.outcome;
      lines.forEach((l, i) => out.push(`${i === 0 ? label : pad}${l}`));
      const emu = c.emulatedProfile;
      if (emu && !sameOutcome(emu.outcome, c.outcome))
        emu.outcome.forEach((l, i) => out.push(`${pad}${i === 0 ? `(emulated ${emu.profile} profile: ` : '  '}${l}${i === emu.outcome.length - 1 ? ')' : ''}`));
    }
  }
  return out;
}

const sameOutcome = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

/** One line per thing worth reading about a cell: declared product differences, disagreements with the emulation, errors, leftovers. */
export function matrixNotes(m: Matrix): string[] {
  const notes: string[] = [];
  for (const r of m.rows) {
    for (const c of r.cells) {
      const where = `${r.id} [${r.variant}] × ${c.resolver}`;
      if (c.expectedFailure)
        notes.push(`${where}: expected to fail ${c.expectedFailure.claims.map((x) => `"${x}"`).join(', ')} — ${c.expectedFailure.because}`);
      if (c.varying)
        notes.push(`${where}: step${c.varying.steps.length > 1 ? 's' : ''} ${c.varying.steps.join(', ')} declared varying (not judged) — ${c.varying.why}`);
      c.retried?.forEach((r, i) =>
        notes.push(`${where}: run ${i + 1} of ${c.retried!.length + 1} was not as expected: ${r.error?.split('\n')[0] ?? r.unexpected.join('; ')}`),
      );
      if (c.error) notes.push(`${where}: error: ${c.error.split('\n')[0]}`);
      if (!c.asExpected) for (const u of c.unexpected) notes.push(`${where}: ${u}`);
      if (c.emulatedProfile && !c.emulatedProfile.agrees) {
        for (const d of c.emulatedProfile.differences)
          notes.push(
            `${where}: emulated (profile ${c.emulatedProfile.profile}) ${d.emulated === undefined ? 'absent' : d.emulated ? 'ok' : 'FAIL'} vs real ${d.real === undefined ? 'absent' : d.real ? 'ok' : 'FAIL'}: step ${d.step} ${d.offset} ${d.what}`,
          );
      }
      for (const res of c.real?.resolvers ?? [])
        if (res.unmapped.length) notes.push(`${where}: resolver ${res.name}: settings with no product option: ${res.unmapped.join(', ')}`);
      for (const res of c.real?.resolvers ?? []) {
        for (const n of res.notApplied ?? []) notes.push(`${where}: resolver ${res.name}: switch not applied (real and emulated run): ${n}`);
      }
      if (c.real?.leftover.length) notes.push(`${where}: processes left in the namespace (killed): ${c.real.leftover.join(', ')}`);
      if (c.real?.docker?.leftover) notes.push(`${where}: ${c.real.docker.leftover} container(s)/network(s) of the run still present after cleanup`);
    }
  }
  return notes;
}

/** Exit status: every cell as the scenario expects for its resolver. */
export function matrixPassed(m: Matrix): boolean {
  return m.rows.length > 0 && m.rows.every((r) => r.cells.every((c) => c.asExpected));
}
