// Queries per second of `dnslab auth` on loopback, measured with dnsperf in
// ONE run side by side with (a) a plain Node UDP echo server — the ceiling
// for one Node process on this machine, (b) NSD on the same zone and (c) a
// server written the way dns2's README example is (dns2 3.0.0, the version
// npm installs on Node 20), answering the same records.
// Bounded: each server gets DURATION seconds; everything is stopped by PID.
//
//   node --import tsx bench/auth-qps.ts [seconds] [rounds]    (default 3 s × 3 rounds)
//
// The servers are measured in interleaved rounds and the median is reported,
// because other work on a 2-core machine moves single figures by ±15 %.
//
// Addresses: 127.0.4.30 (echo), .31 (dnslab auth), .32 (NSD), .33 (dns2), port 5330.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeQuery } from '../dns/message.ts';
import { startNsd, stopChild, udpExchange, waitUntilAnswers } from '../test/authoritative/lib/dns-client.ts';

const SECONDS = Math.min(30, Math.max(1, Number(process.argv[2] ?? 3)));
const ROUNDS = Math.min(9, Math.max(1, Number(process.argv[3] ?? 3)));
const PORT = 5330;
const ECHO = '127.0.4.30';
const LAB = '127.0.4.31';
const NSD = '127.0.4.32';
const DNS2 = '127.0.4.33';

const ZONE = `$ORIGIN example.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ IN NS ns1
@ IN NS ns2
@ IN MX 10 mail
ns1 IN A 192.0.2.1
ns2 IN A 192.0.2.2
mail IN A 192.0.2.3
www IN A 192.0.2.10
www IN AAAA 2001:db8::10
alias IN CNAME www
*.wild IN A 192.0.2.20
`;
// A mix like a real authoritative sees: positive, CNAME, wildcard, NODATA, NXDOMAIN.
const QUERIES = ['www.example A', 'www.example AAAA', 'alias.example A', 'example MX', 'x.wild.example A', 'www.example TXT', 'nx.example A', 'example NS'];

for (const bin of ['dnsperf', 'nsd']) {
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) {
    console.error(`${bin} is not installed: apt-get install ${bin === 'dnsperf' ? 'dnsperf' : 'nsd'}`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'dnslab-bench-'));
writeFileSync(join(dir, 'example.zone'), ZONE);
writeFileSync(join(dir, 'queries.txt'), `${QUERIES.join('\n')}\n`);

const ECHO_SERVER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(${PORT}, '${ECHO}', () => console.log('listening'));
`;

// dns2's README example server (createServer + Packet.createResponseFromRequest),
// given the same data as ZONE so the same query mix gets the same answers.
const DNS2_SERVER = `
const dns2 = require('dns2');
const { Packet } = dns2;
const T = Packet.TYPE, C = Packet.CLASS.IN;
const data = {
  'www.example': [{ type: T.A, address: '192.0.2.10' }, { type: T.AAAA, address: '2001:db8::10' }],
  'alias.example': [{ type: T.CNAME, domain: 'www.example' }],
  'example': [{ type: T.MX, exchange: 'mail.example', priority: 10 }, { type: T.NS, ns: 'ns1.example' }, { type: T.NS, ns: 'ns2.example' }],
  'x.wild.example': [{ type: T.A, address: '192.0.2.20' }],
};
const server = dns2.createServer({
  udp: true,
  handle(request, send) {
    const response = Packet.createResponseFromRequest(request);
    const [q] = request.questions;
    const records = data[q.name.toLowerCase()];
    if (!records) response.header.rcode = 3;
    for (const r of records || []) {
      if (r.type === q.type || r.type === T.CNAME) response.answers.push({ name: q.name, class: C, ttl: 3600, ...r });
    }
    send(response);
  },
});
server.on('listening', () => console.log('listening'));
server.listen({ udp: { port: ${PORT}, address: '${DNS2}' } });
`;

function runDnsperf(address: string): { qps: number; lost: string; line: string } {
  const r = spawnSync('dnsperf', ['-s', address, '-p', String(PORT), '-d', join(dir, 'queries.txt'), '-l', String(SECONDS), '-t', '2', '-q', '100'], {
    encoding: 'utf8',
    timeout: (SECONDS + 15) * 1000,
  });
  const out = `${r.stdout}${r.stderr}`;
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? 'NaN');
  const lost = /Queries lost:\s+(.*)/.exec(out)?.[1]?.trim() ?? '?';
  return { qps, lost, line: out };
}

const children: ChildProcess[] = [];
const dirs: string[] = [dir];
async function main(): Promise<void> {
  const echo = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(echo);
  const lab = spawn(process.execPath, ['--import', 'tsx', 'lab/cli/main.ts', 'auth', '--zone', join(dir, 'example.zone'), '--listen', `${LAB}:${PORT}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(lab);
  // Response rate limiting (on by default in Debian's NSD, 200 qps per source) would measure RRL, not NSD.
  const started = startNsd(NSD, PORT, [{ origin: 'example', file: join(dir, 'example.zone') }], ['rrl-ratelimit: 0']);
  dirs.push(started.dir);
  const nsd = started.child;
  children.push(nsd);
  const dns2 = spawn(process.execPath, ['-e', DNS2_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(dns2);

  const probe = makeQuery('www.example', 'A');
  await waitUntilAnswers(ECHO, PORT, probe, 10_000);
  await waitUntilAnswers(LAB, PORT, probe, 20_000);
  await waitUntilAnswers(NSD, PORT, probe, 10_000);
  await waitUntilAnswers(DNS2, PORT, probe, 10_000);
  // Same answer from both DNS servers before we time them.
  const a = await udpExchange(LAB, PORT, probe);
  const b = await udpExchange(NSD, PORT, probe);
  if (a === 'timeout' || b === 'timeout' || a.message?.answer.length !== 1 || b.message?.answer.length !== 1)
    throw new Error('servers did not answer the probe correctly');

  const servers = [
    ['node udp echo (ceiling)', ECHO],
    ['dnslab auth', LAB],
    ['nsd', NSD],
    ['dns2 example server', DNS2],
  ] as const;
  const runs = new Map<string, Array<{ qps: number; lost: string }>>(servers.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, address] of servers) {
      const r = runDnsperf(address);
      if (!Number.isFinite(r.qps)) throw new Error(`dnsperf against ${name} gave no figure:\n${r.line}`);
      runs.get(name)!.push(r);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const by = Object.fromEntries([...runs].map(([n, rs]) => [n, median(rs.map((r) => r.qps))]));
  console.log(
    `dnsperf, ${ROUNDS} interleaved rounds of ${SECONDS} s per server (median shown), 100 outstanding, ${QUERIES.length}-query mix, loopback, one process each`,
  );
  for (const [name, rs] of runs) {
    console.log(
      `  ${name.padEnd(26)} ${by[name]!.toFixed(0).padStart(8)} qps   (runs: ${rs.map((r) => r.qps.toFixed(0)).join(', ')}; lost ${rs.map((r) => r.lost).join(' / ')})`,
    );
  }
  const labQps = by['dnslab auth']!;
  console.log(`  dnslab / node echo = ${(labQps / by['node udp echo (ceiling)']!).toFixed(2)}   (target >= 0.90)`);
  console.log(`  dnslab / nsd       = ${(labQps / by['nsd']!).toFixed(2)}`);
  console.log(`  dnslab / dns2      = ${(labQps / by['dns2 example server']!).toFixed(2)}   (target >= 6)`);
}

try {
  await main();
} finally {
  // dnslab auth (children[1]) exits cleanly on Ctrl-C; the others on SIGTERM.
  const lab = children[1];
  for (const c of [...children].reverse()) await stopChild(c, c === lab ? 'SIGINT' : 'SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
