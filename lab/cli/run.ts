// `dnslab run`: run scenarios in-process on the virtual network and print a
// timeline (or JSON), optionally writing pcap, HTML, and JUnit reports.
// Exit 0 iff every assertion of every run holds.

import { PcapWriter } from '../../net/pcap.ts';
import {
  DEFAULT_SCENARIO,
  allRuns,
  renderHtml,
  renderJson,
  renderJunit,
  renderSummary,
  renderText,
  runOne,
  runsFor,
  ScenarioError,
  type RunResult,
} from '../runner/index.ts';
import {
  checkOutputPath,
  failureText,
  InputError,
  EXIT_FINDINGS,
  EXIT_OK,
  integerOption,
  parseCommandLine,
  parseSeed,
  UsageError,
  writeOutput,
  type CliCommand,
  type CliIO,
} from './command.ts';
import { MAX_MATRIX_JOBS, MAX_MATRIX_RETRIES, matrixPassed, parseResolverList, renderMatrix, runMatrix } from '../runner/matrix.ts';
import { MAX_REAL_CLOCK_RATE } from '../scenario/validate.ts';
import { DEVICE_OPTIONS, DEVICE_USAGE, deviceFlagsOf, type DeviceFlags } from '../device/options.ts';
import { deviceOrExit, runWithDevice } from '../device/command.ts';
import { isRplTarget, RPL_USAGE, runRplCommand } from './run-rpl.ts';

const USAGE = `usage: dnslab run [ID|FILE] [options]
       dnslab run --all [options]
${RPL_USAGE}

Runs a scenario (every variant unless --variant) in-process on the virtual
network and prints a timeline: queries, answers, time jumps, operator and
attacker actions, and assertion results.
With no ID, runs the built-in default scenario (${DEFAULT_SCENARIO}).

options:
  --variant V        run only variant V (e.g. vulnerable, fixed)
  --seed N           seed for the lab's random source: a non-negative integer (default 1);
                     same seed, same bytes (01 is 1)
  --all              run every scenario and variant; progress on stderr, summary table
  --json             print one JSON document instead of the timeline
  --verbose, -v      print dig-style responses in the timeline
  --pcap FILE        write every packet to FILE (several runs: FILE gets -ID-VARIANT before .pcap)
                     (output paths are checked before the run; each file written is
                     announced on stderr: wrote FILE)
  --report FILE      write a self-contained HTML report (diagrams, narrative, assertions)
  --junit FILE       write JUnit XML (one testcase per assertion)
  --color            colour the timeline (default: when stdout is a terminal)
  --resolver LIST    run each scenario (ID, ID,ID,… or --all) against these resolvers and print a matrix:
                     emulated,unbound,bind,knot,powerdns (real products run on sockets
                     in a network namespace with no route; needs root; see servers/real/README.md)
                     docker:unbound,docker:bind,docker:knot,docker:powerdns: the same products from
                     Debian bookworm images, with the lab's world in a container on an internal
                     Docker network (needs a Docker engine; testcontainers 11 is an optional dependency)
  --jobs N           with --resolver: run up to N cells at once (1–4, default 1), each real
                     product in its own namespace
  --retries N        with --resolver: run a real product's cell again, up to N times (0–3, default 0),
                     while it is not as expected; the cell shows ↻N and the notes what each run saw
  --clock-rate N     with --resolver: run lab time and the real products' clocks N times faster than the
                     host (1–50; default: the scenario's realClockRate, else 1)

exit status: 0 every assertion holds; 1 an assertion failed (or a matrix cell is
not as expected); 2 bad option, unknown or invalid scenario, an output file that
cannot be written, a setup fault. With --json, a run that cannot start prints
{"error": "…", "exitCode": 2} on stdout.

${DEVICE_USAGE}`;

interface Args {
  target?: string;
  variant?: string;
  seed: string;
  all: boolean;
  json: boolean;
  verbose: boolean;
  pcap?: string;
  report?: string;
  junit?: string;
  color: boolean;
  resolvers?: string;
  jobs?: number;
  clockRate?: number;
  retries?: number;
  device: DeviceFlags;
}

function parseRunArgs(argv: string[], isTty: boolean): Args {
  const { values: v, positionals } = parseCommandLine(
    argv,
    {
      variant: { type: 'string' },
      seed: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      pcap: { type: 'string' },
      report: { type: 'string' },
      junit: { type: 'string' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      resolver: { type: 'string' },
      jobs: { type: 'string' },
      'clock-rate': { type: 'string' },
      retries: { type: 'string' },
      ...DEVICE_OPTIONS,
    },
    1,
  );
  const args: Args = {
    seed: v.seed === undefined ? '1' : parseSeed(v.seed),
    all: v.all ?? false,
    json: v.json ?? false,
    verbose: v.verbose ?? false,
    color: v['no-color'] ? false : (v.color ?? isTty),
    device: deviceFlagsOf(v),
  };
  if (positionals[0] !== undefined) args.target = positionals[0];
  if (v.variant !== undefined) args.variant = v.variant;
  if (v.pcap !== undefined) args.pcap = v.pcap;
  if (v.report !== undefined) args.report = v.report;
  if (v.junit !== undefined) args.junit = v.junit;
  if (v.resolver !== undefined) args.resolvers = v.resolver;
  if (v.jobs !== undefined) args.jobs = integerOption(v.jobs, '--jobs', 1, MAX_MATRIX_JOBS);
  if (v.retries !== undefined) args.retries = integerOption(v.retries, '--retries', 0, MAX_MATRIX_RETRIES);
  if (v['clock-rate'] !== undefined) args.clockRate = integerOption(v['clock-rate'], '--clock-rate', 1, MAX_REAL_CLOCK_RATE);
  if (args.all && args.target !== undefined) throw new UsageError('give either a scenario or --all, not both');
  if (args.all && args.variant !== undefined) throw new UsageError('--variant applies to one scenario, not --all');
  // Output paths are checked before the run, so a long run does not fail at its end.
  if (args.pcap !== undefined) checkOutputPath(args.pcap, '--pcap');
  if (args.report !== undefined) checkOutputPath(args.report, '--report');
  if (args.junit !== undefined) checkOutputPath(args.junit, '--junit');
  return args;
}

function pcapPath(base: string, id: string, variant: string, many: boolean): string {
  if (!many) return base;
  const m = /^(.*?)(\.pcap(ng)?)?$/.exec(base)!;
  return `${m[1]}-${id}-${variant}${m[2] ?? '.pcap'}`;
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run scenarios (timeline, JSON, pcap, HTML, JUnit); no arguments: the default scenario',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    try {
      return await runScenarios(argv, io);
    } catch (e) {
      // --json promises one JSON document on stdout: a run that cannot start says why there too.
      if (argv.includes('--json')) io.stdout.write(`${JSON.stringify({ error: failureText(e).text, exitCode: 2 }, null, 2)}\n`);
      throw e;
    }
  },
};

async function runScenarios(argv: string[], io: CliIO): Promise<number> {
  // .rpl resolver scenarios (a file or a directory of them) have their own runner.
  if (isRplTarget(argv.find((a) => !a.startsWith('-')))) return runRplCommand(argv, io);
  const isTty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
  const args = parseRunArgs(argv, isTty);
  // An unknown scenario or an invalid scenario file is an input error (ScenarioError: exit 2).
  const runs = args.all
    ? await allRuns()
    : args.resolvers !== undefined && args.target?.includes(',')
      ? // matrix mode takes a list of scenarios: ID,ID,…
        (await Promise.all(args.target.split(',').map((id) => runsFor(id, args.variant)))).flat()
      : await runsFor(args.target ?? DEFAULT_SCENARIO, args.variant);
  if (args.resolvers !== undefined) return runMatrixCommand(runs, args, io);
  const device = deviceOrExit(args.device, io, 'run');
  if (typeof device === 'number') return device;
  if (device) return runWithDevice(runs, device, args, io);
  const results: RunResult[] = [];
  const invalid: ScenarioError[] = [];
  for (const [i, r] of runs.entries()) {
    if (args.all) io.stderr.write(`[${i + 1}/${runs.length}] ${r.loaded.scenario.id} [${r.variant}] … `);
    const pcap = args.pcap ? new PcapWriter() : undefined;
    let result: RunResult;
    try {
      result = await runOne({ loaded: r.loaded, variant: r.variant, seed: args.seed, ...(pcap ? { pcap } : {}) });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      invalid.push(e);
      if (args.all) io.stderr.write('INVALID\n');
      io.stderr.write(`${e.message}\n`);
      continue;
    }
    results.push(result);
    if (args.all) io.stderr.write(`${result.passed ? 'PASS' : 'FAIL'}\n`);
    if (pcap && args.pcap) writeOutput(io, pcapPath(args.pcap, result.id, result.variant, runs.length > 1), pcap.toBuffer());
    if (!args.all && !args.json) io.stdout.write(renderText(result, { verbose: args.verbose, color: args.color }) + '\n');
  }
  if (args.json) io.stdout.write(renderJson(results));
  else if (args.all) io.stdout.write(renderSummary(results));
  else if (argv.length === 0) {
    // The no-argument run is a newcomer's first contact: say where to go next.
    io.stdout.write(
      [
        `That was the built-in default scenario (${DEFAULT_SCENARIO}). Next:`,
        '  dnslab list                                   every scenario and its variants',
        `  dnslab run ${DEFAULT_SCENARIO} --report r.html   the same as an offline HTML report with diagrams`,
        '  dnslab run --all                              run everything; exit 0 iff every claim holds',
        '  lab/runner/README.md                          how to write your own scenario',
        '',
      ].join('\n'),
    );
  }
  if (args.report) writeOutput(io, args.report, renderHtml(results));
  if (args.junit) writeOutput(io, args.junit, renderJunit(results));
  // A scenario that could not be run is an input error, whatever the others did.
  if (invalid.length > 0) throw new ScenarioInputError(invalid);
  return results.length > 0 && results.every((r) => r.passed) ? EXIT_OK : EXIT_FINDINGS;
}

/** Several scenarios of an --all run were invalid: each was printed as it came; exit 2. */
class ScenarioInputError extends InputError {
  constructor(invalid: ScenarioError[]) {
    super(`${invalid.length} scenario run(s) could not be run: ${invalid.map((e) => e.file).join(', ')}`);
  }
}

/** --resolver: scenario × resolver matrix (text or --json), --report with every run. Exit 0 iff every cell is as expected. */
async function runMatrixCommand(runs: Awaited<ReturnType<typeof runsFor>>, args: Args, io: CliIO): Promise<number> {
  let resolvers;
  try {
    resolvers = parseResolverList(args.resolvers ?? '');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const matrix = await runMatrix(runs, resolvers, {
    seed: args.seed,
    onProgress: (t) => io.stderr.write(t),
    ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
    ...(args.clockRate !== undefined ? { clockRate: args.clockRate } : {}),
    ...(args.retries !== undefined ? { retries: args.retries } : {}),
  });
  if (args.json) io.stdout.write(JSON.stringify({ resolvers: matrix.resolvers, versions: matrix.versions, rows: matrix.rows }, null, 2) + '\n');
  else io.stdout.write(renderMatrix(matrix));
  if (args.report) writeOutput(io, args.report, renderHtml(matrix.results, { matrix }));
  if (args.junit) writeOutput(io, args.junit, renderJunit(matrix.results));
  return matrixPassed(matrix) ? EXIT_OK : EXIT_FINDINGS;
}
