// Scaling of `--workers N` (lab/cli/workers.ts): queries per second of `dnslab auth`, `dnslab resolver` (warm
// cache) and `dnslab middlebox` with 1 and with 2 workers, measured with dnsperf in interleaved rounds of ONE run;
// prints the ratio 2 workers / 1 worker per command (target >= 1.7 on 2 cores) and checks first that both answer
// the query mix alike (RCODE and answer count).
//
//   node --import tsx bench/workers.ts [seconds] [rounds]     (default 3 s × 3 rounds)
//
// Loopback only: upstream authoritatives on 127.0.48.1 (root + wk.test) and .2 (for the middlebox, 2 workers so it
// is not the bottleneck), the servers under test on 127.0.48.11–.16, port 5348. Every process is stopped by PID.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeQuery } from '../dns/message.ts';
import { udpExchange } from '../test/authoritative/lib/dns-client.ts';

const SECONDS = Math.min(30, Math.max(1, Number(process.argv[2] ?? 3)));
const ROUNDS = Math.min(9, Math.max(1, Number(process.argv[3] ?? 3)));
const PORT = 5348;
const ROOT_DIR = resolve(import.meta.dirname, '..');
const UPSTREAM = '127.0.48.1';
const MB_UPSTREAM = '127.0.48.2';

const ROOT_ZONE = `. 3600 IN SOA ns.wk.test. h.wk.test. 1 3600 600 86400 3600
. 3600 IN NS ns.wk.test.
wk.test. 3600 IN NS ns.wk.test.
ns.wk.test. 3600 IN A ${UPSTREAM}
`;
const ZONE = `$ORIGIN wk.test.
$TTL 3600
@ IN SOA ns h 1 3600 600 86400 3600
@ IN NS ns
@ IN MX 10 mail
ns IN A ${UPSTREAM}
mail IN A 192.0.2.25
www IN A 192.0.2.80
www IN AAAA 2001:db8::80
alias IN CNAME www
`;
const QUERIES = ['www.wk.test A', 'www.wk.test AAAA', 'alias.wk.test A', 'wk.test MX', 'www.wk.test TXT', 'nope.wk.test A'];

if (spawnSync('sh', ['-c', 'command -v dnsperf']).status !== 0) {
  console.error('dnsperf is not installed: apt-get install dnsperf');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'dnslab-bench-workers-'));
writeFileSync(join(dir, 'root.zone'), ROOT_ZONE);
writeFileSync(join(dir, 'wk.zone'), ZONE);
writeFileSync(join(dir, 'queries.txt'), `${QUERIES.join('\n')}\n`);

const children: ChildProcess[] = [];

function dnslab(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lab/cli/main.ts', ...args], { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolveP, reject) => {
    const t = setTimeout(() => reject(new Error(`dnslab ${args.join(' ')}: no banner within 90 s: ${out}`)), 90_000);
    child.stdout!.on('data', () => {
      if (out.includes('Ctrl-C to stop')) {
        clearTimeout(t);
        resolveP(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`dnslab ${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}

function dnsperf(address: string, extra: string[]): Promise<{ qps: number; lost: string }> {
  return new Promise((resolveP) => {
    const p = spawn('dnsperf', ['-s', address, '-p', String(PORT), '-d', join(dir, 'queries.txt'), '-t', '2', '-q', '100', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), (SECONDS + 20) * 1000);
    p.on('exit', () => {
      clearTimeout(t);
      resolveP({ qps: Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? 'NaN'), lost: /Queries lost:\s+(.*)/.exec(out)?.[1]?.trim() ?? '?' });
    });
  });
}

async function mix(address: string): Promise<string> {
  const seen: string[] = [];
  for (const q of QUERIES) {
    const [qname, qtype] = q.split(' ') as [string, 'A'];
    const r = await udpExchange(address, PORT, makeQuery(qname, qtype), 3000);
    seen.push(r === 'timeout' ? 'timeout' : `${r.message?.rcode}/${r.message?.answer.length}`);
  }
  return seen.join(' ');
}

async function stopAll(): Promise<void> {
  for (const c of [...children].reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

async function main(): Promise<void> {
  const listen = (a: string) => ['--listen', `${a}:${PORT}`];
  await dnslab(['auth', '--zone', join(dir, 'root.zone'), '--zone', join(dir, 'wk.zone'), ...listen(UPSTREAM)]);
  await dnslab(['auth', '--zone', join(dir, 'wk.zone'), ...listen(MB_UPSTREAM), '--workers', '2']);
  const commands = [
    { name: 'auth', args: ['auth', '--zone', join(dir, 'wk.zone')], addresses: ['127.0.48.11', '127.0.48.12'] },
    { name: 'resolver', args: ['resolver', '--root-hints', `${UPSTREAM}:${PORT}`], addresses: ['127.0.48.13', '127.0.48.14'] },
    { name: 'middlebox', args: ['middlebox', '--upstream', `${MB_UPSTREAM}:${PORT}`], addresses: ['127.0.48.15', '127.0.48.16'] },
  ];
  for (const c of commands) {
    await dnslab([...c.args, ...listen(c.addresses[0]!)]);
    await dnslab([...c.args, ...listen(c.addresses[1]!), '--workers', '2']);
  }
  // Warm every worker's cache (the shared socket spreads a pass over both), then compare the answers.
  for (const c of commands) for (const a of c.addresses) await dnsperf(a, ['-n', '20']);
  for (const c of commands) {
    const [one, two] = await Promise.all(c.addresses.map(mix));
    if (one !== two || one!.includes('timeout')) throw new Error(`${c.name}: 1 worker answers ${one}, 2 workers ${two}`);
  }
  const runs = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of commands) {
      for (const [i, a] of c.addresses.entries()) {
        const key = `${c.name} ${i + 1}`;
        const r = await dnsperf(a, ['-l', String(SECONDS)]);
        if (!Number.isFinite(r.qps)) throw new Error(`dnsperf against ${key} worker(s) gave no figure`);
        runs.set(key, [...(runs.get(key) ?? []), r.qps]);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `dnsperf -q 100, ${ROUNDS} interleaved rounds of ${SECONDS} s (median), ${QUERIES.length}-query mix, loopback; answers of 1 and 2 workers checked equal`,
  );
  for (const c of commands) {
    const one = runs.get(`${c.name} 1`)!;
    const two = runs.get(`${c.name} 2`)!;
    const perRound = two.map((q, i) => (q / one[i]!).toFixed(2));
    console.log(
      `  ${c.name.padEnd(10)} 1 worker ${median(one).toFixed(0).padStart(7)} qps, 2 workers ${median(two).toFixed(0).padStart(7)} qps: ` +
        `2/1 = ${(median(two) / median(one)).toFixed(2)} (per round ${perRound.join(', ')}; target >= 1.7)`,
    );
  }
}

try {
  await main();
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
