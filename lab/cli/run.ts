// `dnslab run`: run scenarios in-process on the virtual network and print a
// timeline (or JSON), optionally writing pcap, HTML, and JUnit reports.
// Exit 0 iff every assertion of every run holds.

import { writeFileSync } from 'node:fs';
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
import { UsageError, type CliCommand, type CliIO } from './command.ts';
import { MAX_MATRIX_JOBS, matrixPassed, parseResolverList, renderMatrix, runMatrix } from '../runner/matrix.ts';
import { MAX_REAL_CLOCK_RATE } from '../scenario/validate.ts';
import { DEVICE_USAGE, takeDeviceFlag, type DeviceFlags } from '../device/options.ts';
import { deviceOrExit, runWithDevice } from '../device/command.ts';

const USAGE = `usage: dnslab run [ID|FILE] [options]
       dnslab run --all [options]

Runs a scenario (every variant unless --variant) in-process on the virtual
network and prints a timeline: queries, answers, time jumps, operator and
attacker actions, and assertion results. Exit status 0 iff every assertion holds.
With no ID, runs the built-in default scenario (${DEFAULT_SCENARIO}).

options:
  --variant V        run only variant V (e.g. vulnerable, fixed)
  --seed N           seed for the lab's random source (default 1); same seed, same bytes
  --all              run every scenario and variant; progress on stderr, summary table
  --json             print one JSON document instead of the timeline
  --verbose, -v      print dig-style responses in the timeline
  --pcap FILE        write every packet to FILE (several runs: FILE gets -ID-VARIANT before .pcap)
  --report FILE      write a self-contained HTML report (diagrams, narrative, assertions)
  --junit FILE       write JUnit XML (one testcase per assertion)
  --color            colour the timeline (default: when stdout is a terminal)
  --resolver LIST    run each scenario (ID, ID,ID,… or --all) against these resolvers and print a matrix:
                     emulated,unbound,bind,knot,powerdns (real products run on sockets
                     in a network namespace with no route; needs root; see servers/real/README.md)
                     docker:unbound,docker:bind,docker:knot,docker:powerdns: the same products from
                     Debian bookworm images, with the lab's world in a container on an internal
                     Docker network (needs a Docker engine and npm install --no-save testcontainers@11)
  --jobs N           with --resolver: run up to N cells at once (1–4, default 1), each real
                     product in its own namespace
  --clock-rate N     with --resolver: run lab time and the real products' clocks N times faster than the
                     host (1–50; default: the scenario's realClockRate, else 1)

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
  device: DeviceFlags;
}

function parseArgs(argv: string[], isTty: boolean): Args {
  const args: Args = { seed: '1', all: false, json: false, verbose: false, color: isTty, device: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--variant':
        args.variant = value();
        break;
      case '--seed':
        args.seed = value();
        break;
      case '--all':
        args.all = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--verbose':
      case '-v':
        args.verbose = true;
        break;
      case '--pcap':
        args.pcap = value();
        break;
      case '--report':
        args.report = value();
        break;
      case '--junit':
        args.junit = value();
        break;
      case '--color':
        args.color = true;
        break;
      case '--resolver':
        args.resolvers = value();
        break;
      case '--jobs': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > MAX_MATRIX_JOBS) throw new UsageError(`--jobs needs an integer from 1 to ${MAX_MATRIX_JOBS} (got "${v}")`);
        args.jobs = n;
        break;
      }
      case '--clock-rate': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > MAX_REAL_CLOCK_RATE) throw new UsageError(`--clock-rate: got "${v}"; expected an integer from 1 to ${MAX_REAL_CLOCK_RATE}`);
        args.clockRate = n;
        break;
      }
      case '--no-color':
        args.color = false;
        break;
      default:
        if (takeDeviceFlag(args.device, a, value)) break;
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        if (args.target !== undefined) throw new UsageError(`one scenario at a time (got "${args.target}" and "${a}"); use --all for every scenario`);
        args.target = a;
    }
  }
  if (args.all && args.target !== undefined) throw new UsageError('give either a scenario or --all, not both');
  if (args.all && args.variant !== undefined) throw new UsageError('--variant applies to one scenario, not --all');
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
    const isTty = Boolean((io.stdout as NodeJS.WriteStream).isTTY);
    const args = parseArgs(argv, isTty);
    let runs;
    try {
      runs = args.all
        ? await allRuns()
        : args.resolvers !== undefined && args.target?.includes(',')
          ? // matrix mode takes a list of scenarios: ID,ID,…
            (await Promise.all(args.target.split(',').map((id) => runsFor(id, args.variant)))).flat()
          : await runsFor(args.target ?? DEFAULT_SCENARIO, args.variant);
    } catch (e) {
      if (e instanceof ScenarioError) {
        io.stderr.write(`${e.message}\n`);
        return 1;
      }
      throw e;
    }
    if (args.resolvers !== undefined) return runMatrixCommand(runs, args, io);
    const device = deviceOrExit(args.device, io, 'run');
    if (typeof device === 'number') return device;
    if (device) return runWithDevice(runs, device, args, io);
    const results: RunResult[] = [];
    let scenarioErrors = 0;
    for (const [i, r] of runs.entries()) {
      if (args.all) io.stderr.write(`[${i + 1}/${runs.length}] ${r.loaded.scenario.id} [${r.variant}] … `);
      const pcap = args.pcap ? new PcapWriter() : undefined;
      let result: RunResult;
      try {
        result = await runOne({ loaded: r.loaded, variant: r.variant, seed: args.seed, ...(pcap ? { pcap } : {}) });
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        scenarioErrors++;
        if (args.all) io.stderr.write('INVALID\n');
        io.stderr.write(`${e.message}\n`);
        continue;
      }
      results.push(result);
      if (pcap && args.pcap) pcap.save(pcapPath(args.pcap, result.id, result.variant, runs.length > 1));
      if (args.all) io.stderr.write(`${result.passed ? 'PASS' : 'FAIL'}\n`);
      else if (!args.json) io.stdout.write(renderText(result, { verbose: args.verbose, color: args.color }) + '\n');
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
    if (args.report) writeFileSync(args.report, renderHtml(results));
    if (args.junit) writeFileSync(args.junit, renderJunit(results));
    return scenarioErrors === 0 && results.length > 0 && results.every((r) => r.passed) ? 0 : 1;
  },
};

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
  });
  if (args.json) io.stdout.write(JSON.stringify({ resolvers: matrix.resolvers, versions: matrix.versions, rows: matrix.rows }, null, 2) + '\n');
  else io.stdout.write(renderMatrix(matrix));
  if (args.report) writeFileSync(args.report, renderHtml(matrix.results, { matrix }));
  if (args.junit) writeFileSync(args.junit, renderJunit(matrix.results));
  return matrixPassed(matrix) ? 0 : 1;
}
