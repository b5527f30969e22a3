// `dnslab run FILE.rpl` and `dnslab run DIR`: Deckard / testbound resolver
// scenarios (dns/rpl, lab/rpl). Without --resolver each file runs on dnslab's
// emulated resolver (--profile); with it, each file is a row of the resolver
// matrix. Same reports as scenario runs: timeline, JSON, JUnit, HTML.

import { existsSync, statSync } from 'node:fs';
import { isProfileName, PROFILE_NAMES, type ProfileName } from '../../servers/recursive/profiles.ts';
import { renderHtml, renderJson, renderJunit, renderSummary, renderText, type RunResult } from '../runner/index.ts';
import { matrixPassed, parseResolverList, renderMatrix, type ResolverColumn } from '../runner/matrix.ts';
import { runRplEmulated } from '../rpl/emulated.ts';
import { readRplFiles, rplFiles, runRplMatrix, RplSyntaxError } from '../rpl/matrix.ts';
import {
  checkOutputPath,
  EXIT_FINDINGS,
  EXIT_OK,
  InputError,
  integerOption,
  parseCommandLine,
  parseSeed,
  UsageError,
  writeOutput,
  type CliIO,
} from './command.ts';

export const RPL_USAGE = `       dnslab run FILE.rpl|DIR [--profile P] [--resolver LIST] [options]

A .rpl file (Deckard / Unbound testbound resolver scenario) or a directory of
them runs on the emulated resolver with --profile (default knot-resolver; one of
${PROFILE_NAMES.join(', ')}); with --resolver emulated,unbound,bind,knot,powerdns each
file is a matrix row (real products in a network namespace, root needed).
--json, --report, --junit, --seed, --verbose, --jobs (1–4) apply as above.`;

/** The target is a .rpl file or a directory: `dnslab run` hands the arguments here. */
export function isRplTarget(target: string | undefined): boolean {
  if (target === undefined) return false;
  if (target.endsWith('.rpl')) return true;
  return existsSync(target) && statSync(target).isDirectory();
}

export async function runRplCommand(argv: string[], io: CliIO): Promise<number> {
  const { values: v, positionals } = parseCommandLine(
    argv,
    {
      profile: { type: 'string' },
      resolver: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      report: { type: 'string' },
      junit: { type: 'string' },
      jobs: { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
    },
    1,
  );
  const target = positionals[0]!;
  if (!existsSync(target)) throw new InputError(`${target}: no such file or directory`);
  const profile = (v.profile ?? 'knot-resolver') as ProfileName;
  if (!isProfileName(profile)) throw new UsageError(`--profile: unknown profile "${v.profile}" (one of: ${PROFILE_NAMES.join(', ')})`);
  const seed = v.seed === undefined ? '1' : parseSeed(v.seed);
  const jobs = v.jobs === undefined ? 1 : integerOption(v.jobs, '--jobs', 1, 4);
  if (v.report !== undefined) checkOutputPath(v.report, '--report');
  if (v.junit !== undefined) checkOutputPath(v.junit, '--junit');
  const files = rplFiles(target);
  if (files.length === 0) throw new InputError(`${target}: no .rpl files in this directory`);
  let scenarios;
  try {
    scenarios = readRplFiles(files);
  } catch (e) {
    if (e instanceof RplSyntaxError) throw new InputError(e.message);
    throw e;
  }
  if (v.resolver !== undefined) {
    let resolvers: ResolverColumn[];
    try {
      resolvers = parseResolverList(v.resolver);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const matrix = await runRplMatrix(scenarios, resolvers, { seed, profile, jobs, onProgress: (t) => io.stderr.write(t) });
    if (v.json) io.stdout.write(JSON.stringify({ resolvers: matrix.resolvers, versions: matrix.versions, rows: matrix.rows }, null, 2) + '\n');
    else io.stdout.write(renderMatrix(matrix));
    if (v.report) writeOutput(io, v.report, renderHtml(matrix.results, { matrix }));
    if (v.junit) writeOutput(io, v.junit, renderJunit(matrix.results));
    return matrixPassed(matrix) ? EXIT_OK : EXIT_FINDINGS;
  }
  const results: RunResult[] = [];
  const many = scenarios.length > 1;
  for (const [i, s] of scenarios.entries()) {
    if (many) io.stderr.write(`[${i + 1}/${scenarios.length}] ${s.file} … `);
    const r = await runRplEmulated(s, { profile, seed });
    results.push(r);
    if (many) io.stderr.write(`${r.passed ? 'PASS' : 'FAIL'}\n`);
    if (!many && !v.json) {
      io.stdout.write(renderText(r, { verbose: v.verbose ?? false, color: v['no-color'] ? false : (v.color ?? false) }) + '\n');
      for (const u of r.rpl.unmapped) io.stdout.write(`not mapped: ${u}\n`);
      for (const u of r.rpl.unscripted) io.stdout.write(`unscripted: ${u}\n`);
    }
  }
  if (v.json) io.stdout.write(renderJson(results));
  else if (many) io.stdout.write(renderSummary(results));
  if (v.report) writeOutput(io, v.report, renderHtml(results));
  if (v.junit) writeOutput(io, v.junit, renderJunit(results));
  return results.every((r) => r.passed) ? EXIT_OK : EXIT_FINDINGS;
}
