// Throughput of `dnslab middlebox` as a proxy: dnsperf against a dnslab
// authoritative directly, then through the proxy with no quirks, then with a
// DNS-rewriting stage (strip RRSIG: decode + re-encode every answer), side by
// side in the same run. Loopback only (127.0.9.90–92), bounded to a few
// seconds per run.
//
//   node --import tsx bench/middlebox.ts [seconds=3]

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseZoneText } from '../dns/zone/master-file.ts';
import { SocketNetwork } from '../net/socket.ts';
import { AuthoritativeServer } from '../servers/authoritative/index.ts';
import { EdnsProxy, MiddleboxProxy } from '../servers/middlebox/index.ts';

const seconds = Number(process.argv[2] ?? 3);
const network = new SocketNetwork({ addresses: ['127.0.9.90', '127.0.9.91', '127.0.9.92'] });
const zone = parseZoneText('b. 300 IN SOA ns.b. a.b. 1 1 1 1 1\nb. 300 IN NS ns.b.\nwww.b. 300 IN A 192.0.2.1\n', 'b');
const auth = new AuthoritativeServer({ network, listen: [{ address: '127.0.9.90', port: 5390 }], zones: [zone] });
await auth.start();
const plain = new MiddleboxProxy({ network, listen: { address: '127.0.9.91', port: 5391 }, upstreams: [auth.endpoints[0]!] });
const rewriting = new MiddleboxProxy({
  network,
  listen: { address: '127.0.9.92', port: 5392 },
  upstreams: [auth.endpoints[0]!],
  stages: [new EdnsProxy({ stripDnssec: true })],
});
await plain.start();
await rewriting.start();
const dir = mkdtempSync(join(tmpdir(), 'dnslab-bench-'));
const data = join(dir, 'queries');
writeFileSync(data, 'www.b A\n');

function perf(address: string, port: number): Promise<string> {
  // dnsperf is a child process; run it without blocking our event loop (the servers live here).
  return new Promise((resolve) => {
    const p = spawn('dnsperf', ['-s', address, '-p', String(port), '-d', data, '-l', String(seconds), '-c', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += String(d)));
    p.on('exit', () => resolve(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? `? (${out.slice(-200)})`));
  });
}

if (spawnSync('dnsperf', ['-h']).error) {
  console.log('dnsperf not found (Debian package dnsperf)');
} else {
  const direct = await perf('127.0.9.90', 5390);
  const viaPlain = await perf('127.0.9.91', 5391);
  const viaRewrite = await perf('127.0.9.92', 5392);
  console.log(
    `queries/s  direct ${direct}   through plain proxy ${viaPlain}   through strip-RRSIG proxy ${viaRewrite}   (dnsperf -c 4, unthrottled, ${seconds} s each)`,
  );
}
await plain.stop();
await rewriting.stop();
await auth.stop();
rmSync(dir, { recursive: true, force: true });
