// Wall time per scenario variant against the lab time it simulates, plus
// packets and queries, so a slow-down in any layer shows up as a lower
// "lab seconds per wall second". Figures side by side for every scenario in
// the same run; bounded by the number of scenarios (each run is bounded by its
// own steps).
//
//   node --import tsx bench/scenarios.ts [repeats]

import { performance } from 'node:perf_hooks';
import { allRuns, runOne } from '../lab/runner/index.ts';
import { PcapWriter } from '../net/pcap.ts';

const REPEATS = Math.max(1, Math.min(Number(process.argv[2] ?? 3), 20));

const rows: string[][] = [['scenario [variant]', 'wall ms (median)', 'lab time', 'lab s / wall s', 'packets', 'DNS queries', 'passed']];
for (const { loaded, variant } of await allRuns()) {
  const walls: number[] = [];
  let last: Awaited<ReturnType<typeof runOne>> | undefined;
  let packets = 0;
  for (let i = 0; i < REPEATS; i++) {
    const pcap = new PcapWriter({ maxPackets: 1_000_000 });
    const t0 = performance.now();
    last = await runOne({ loaded, variant, seed: 1, pcap });
    walls.push(performance.now() - t0);
    packets = pcap.packets;
  }
  walls.sort((a, b) => a - b);
  const wall = walls[Math.floor(walls.length / 2)]!;
  const labS = (last!.end - last!.start) / 1000;
  rows.push([
    `${loaded.scenario.id} [${variant}]`,
    wall.toFixed(0),
    `${(labS / 3600).toFixed(1)} h`,
    (labS / (wall / 1000)).toExponential(2),
    String(packets),
    String(last!.trace.filter((t) => !t.response).length),
    String(last!.passed),
  ]);
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
console.log(`\nmedian of ${REPEATS} runs each; node ${process.version}`);
