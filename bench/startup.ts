// Start-up time of the CLI: `dnslab --help` and `dnslab run subdomain-takeover`, from the compiled dist/
// (DNSLAB_DIST=1, what the published package runs) and from the sources through tsx (a checkout), against
// `node -e 0` in the same run. Rounds interleave the commands, so load on the shared machine hits all alike;
// the medians and the ratios to `node -e 0` are printed. Bounded: ROUNDS rounds, each command at most 60 s.
// usage: node --import tsx bench/startup.ts [ROUNDS]   (needs `npm run build` first)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const rounds = Math.min(50, Math.max(1, Number(process.argv[2] ?? 7)));
if (!existsSync(resolve(ROOT, 'dist/lab/cli/main.js'))) {
  process.stderr.write('bench/startup.ts: dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const bin = resolve(ROOT, 'bin/dnslab.mjs');
const cases: { name: string; args: string[]; env?: Record<string, string> }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'dnslab --help (dist)', args: [bin, '--help'], env: { DNSLAB_DIST: '1' } },
  { name: 'dnslab --help (tsx)', args: [bin, '--help'] },
  { name: 'dnslab run subdomain-takeover (dist)', args: [bin, 'run', 'subdomain-takeover'], env: { DNSLAB_DIST: '1' } },
  { name: 'dnslab run subdomain-takeover (tsx)', args: [bin, 'run', 'subdomain-takeover'] },
];
const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++)
  for (const c of cases) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, c.args, { cwd: ROOT, env: { ...process.env, ...c.env }, stdio: 'ignore', timeout: 60_000 });
    if (p.status !== 0) throw new Error(`${c.name}: exit ${p.status ?? p.signal}`);
    times.get(c.name)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times.get('node -e 0')!);
const med = (n: string) => median(times.get(n)!);
console.log(`start-up, median of ${rounds} interleaved rounds (${process.version}):`);
for (const c of cases) console.log(`  ${c.name.padEnd(38)} ${med(c.name).toFixed(0).padStart(6)} ms   ${(med(c.name) / base).toFixed(2)}× node -e 0`);
for (const what of ['dnslab --help', 'dnslab run subdomain-takeover'])
  console.log(`  ${what}: dist takes ${((med(`${what} (dist)`) / med(`${what} (tsx)`)) * 100).toFixed(0)}% of the tsx time`);
