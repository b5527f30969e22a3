// Big worlds: build generated worlds (lab/runner/generated-world.ts) of 10^3, 10^4 and 10^5 delegated
// zones with 10^2, 10^3 and 10^4 clients on the VirtualNetwork, run one query round through each, and print
// build time, peak memory, simulated queries per second and the cost per zone, with the ratio of the cost
// per zone at each size to the smallest. Each size runs in a child process with --max-old-space-size
// (default 1024 MB), so its peak memory is its own and a world over the cap fails instead of swapping.
// CPU seconds are printed beside wall seconds: on a shared machine wall time swings with the load, CPU
// time much less. No pass/fail.
//
//   node --import tsx bench/big-world.ts [--sizes 1000x100,10000x1000,100000x10000] [--queries N] [--heap-mb 1024]
//
// --queries: questions in each round (default: max(clients, min(zones, 10000)), spread evenly over the
// zones, so the largest world's round stays bounded); 'all' asks every zone once.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildGeneratedWorld, queryRound, type WorldSize } from '../lab/runner/generated-world.ts';

interface Figures {
  zones: number;
  clients: number;
  machines: number;
  buildS: number;
  buildCpuS: number;
  heapMB: number;
  peakRssMB: number;
  queries: number;
  correct: number;
  roundS: number;
  roundCpuS: number;
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function fail(message: string): never {
  process.stderr.write(`bench/big-world.ts: ${message}\n`);
  process.exit(2);
}

async function one(zones: number, clients: number, queries: string): Promise<Figures> {
  const size: WorldSize = { zones, clients };
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const { world, clock } = await buildGeneratedWorld(size);
  const buildS = (performance.now() - t0) / 1000;
  const buildCpuS = cpuSeconds() - c0;
  const heapMB = process.memoryUsage().heapUsed / 1048576;
  const q = queries === 'all' ? zones : queries === '' ? Math.max(clients, Math.min(zones, 10_000)) : Number(queries);
  const t1 = performance.now();
  const c1 = cpuSeconds();
  const round = await queryRound(world, clock, size, { queries: Math.max(q, 1) });
  const roundS = (performance.now() - t1) / 1000;
  const roundCpuS = cpuSeconds() - c1;
  if (round.wrong.length) process.stderr.write(`${zones} zones: ${round.queries - round.correct} wrong answers, e.g. ${round.wrong.join('; ')}\n`);
  await world.stop();
  return {
    zones,
    clients,
    machines: world.machines().length,
    buildS,
    buildCpuS,
    heapMB,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    queries: round.queries,
    correct: round.correct,
    roundS,
    roundCpuS,
  };
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) fail(`${name} needs a value`);
  return v;
};

if (args[0] === '--one') {
  const [zones, clients] = [Number(args[1]), Number(args[2])];
  process.stdout.write(JSON.stringify(await one(zones, clients, args[3] ?? '')) + '\n');
  process.exit(0);
}

const sizes = (flag('--sizes') ?? '1000x100,10000x1000,100000x10000').split(',').map((s) => {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  if (!m) fail(`--sizes: expected ZONESxCLIENTS[,…] (e.g. 1000x100), found '${s}'`);
  return [Number(m[1]), Number(m[2])] as const;
});
const queries = flag('--queries') ?? '';
if (queries !== '' && queries !== 'all' && !(Number.isInteger(Number(queries)) && Number(queries) > 0))
  fail(`--queries: expected a positive integer or 'all', found '${queries}'`);
const heapMb = Number(flag('--heap-mb') ?? 1024);
if (!(Number.isInteger(heapMb) && heapMb >= 64)) fail(`--heap-mb: expected an integer ≥ 64, found '${flag('--heap-mb')}'`);

process.stdout.write(`generated worlds on the VirtualNetwork, one child process each (--max-old-space-size=${heapMb})\n`);
process.stdout.write(
  `${'zones'.padStart(7)} ${'clients'.padStart(7)} ${'machines'.padStart(8)}  ${'build s'.padStart(8)} ${'cpu s'.padStart(6)} ${'µs/zone'.padStart(8)} ${'×1st'.padStart(5)}  ${'heap MB'.padStart(7)} ${'peak RSS MB'.padStart(11)} ${'KB/zone'.padStart(7)}  ${'queries'.padStart(7)} ${'ok'.padStart(7)} ${'q/s'.padStart(7)} ${'q/cpu-s'.padStart(7)}\n`,
);
let first: Figures | undefined;
const self = fileURLToPath(import.meta.url);
for (const [zones, clients] of sizes) {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', 'tsx', self, '--one', String(zones), String(clients), queries], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  if (child.status !== 0) {
    process.stdout.write(
      `${String(zones).padStart(7)} ${String(clients).padStart(7)}  failed (${child.signal ?? `exit ${child.status}`}; over ${heapMb} MB or 30 min?)\n`,
    );
    continue;
  }
  const f = JSON.parse(child.stdout.trim().split('\n').pop()!) as Figures;
  first ??= f;
  const usPerZone = (f.buildCpuS * 1e6) / f.zones;
  const ratio = usPerZone / ((first.buildCpuS * 1e6) / first.zones);
  process.stdout.write(
    `${String(f.zones).padStart(7)} ${String(f.clients).padStart(7)} ${String(f.machines).padStart(8)}  ${f.buildS.toFixed(2).padStart(8)} ${f.buildCpuS.toFixed(2).padStart(6)} ${usPerZone.toFixed(0).padStart(8)} ${ratio.toFixed(2).padStart(5)}  ${f.heapMB.toFixed(0).padStart(7)} ${f.peakRssMB.toFixed(0).padStart(11)} ${((f.heapMB * 1024) / f.zones).toFixed(1).padStart(7)}  ${String(f.queries).padStart(7)} ${String(f.correct).padStart(7)} ${(f.queries / f.roundS).toFixed(0).padStart(7)} ${(f.queries / f.roundCpuS).toFixed(0).padStart(7)}\n`,
  );
}
process.stdout.write('µs/zone: build CPU per zone; ×1st: that over the first size (flat = 1); KB/zone: heap after build per zone.\n');
