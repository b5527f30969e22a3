// Datagrams per second through the VirtualNetwork, side by side with a plain
// node:dgram echo on loopback in the same run (same machine, same moment), so
// the ratio means something. Bounded in count and time.
//
//   node --import tsx bench/virtual-net.ts [count]

import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { VirtualNetwork } from '../net/virtual.ts';

const COUNT = Math.min(Number(process.argv[2] ?? 100_000), 1_000_000);
const REAL_TIME_LIMIT_MS = 15_000;
const WINDOW = 64; // datagrams in flight for the real echo (like a load generator with a window)
const payload = Buffer.alloc(40, 0x61); // about a small DNS query

async function virtual(count: number): Promise<{ datagrams: number; seconds: number; events: number }> {
  const net = new VirtualNetwork({ seed: 'bench' });
  const client = net.addHost('client', ['192.0.2.1']);
  const server = net.addHost('server', ['192.0.2.53']);
  const s = await server.bindUdp({ address: '192.0.2.53', port: 53 });
  s.onMessage((p, from) => s.send(p, from));
  const c = await client.bindUdp({ address: '192.0.2.1', port: 0 });
  let replies = 0;
  let sent = 0;
  // Same windowed pattern as the real echo: each reply releases the next query.
  c.onMessage(() => {
    replies++;
    if (sent < count) {
      sent++;
      c.send(payload, { address: '192.0.2.53', port: 53 });
    }
  });
  const t0 = performance.now();
  for (; sent < Math.min(WINDOW, count); sent++) c.send(payload, { address: '192.0.2.53', port: 53 });
  const r = await net.clock.runUntilIdle(Infinity, { maxEvents: 4 * count + 10 });
  const seconds = (performance.now() - t0) / 1000;
  if (replies !== count) throw new Error(`virtual echo lost datagrams: ${replies}/${count}`);
  return { datagrams: 2 * replies, seconds, events: r.events };
}

async function real(count: number): Promise<{ datagrams: number; seconds: number }> {
  const server = createSocket('udp4');
  const client = createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.3.200', r));
  await new Promise<void>((r) => client.bind(0, '127.0.3.201', r));
  server.on('message', (m, rinfo) => server.send(m, rinfo.port, rinfo.address));
  const port = server.address().port;
  let replies = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(resolve, REAL_TIME_LIMIT_MS);
    // A lost datagram on loopback would stall the window; top it up periodically.
    const refill = setInterval(() => {
      while (sent - replies < WINDOW && sent < count) {
        sent++;
        client.send(payload, port, '127.0.3.200');
      }
    }, 50);
    client.on('message', () => {
      replies++;
      if (replies >= count) {
        clearTimeout(deadline);
        clearInterval(refill);
        resolve();
      } else if (sent < count) {
        sent++;
        client.send(payload, port, '127.0.3.200');
      }
    });
    for (; sent < Math.min(WINDOW, count); sent++) client.send(payload, port, '127.0.3.200');
    deadline.unref();
  });
  const seconds = (performance.now() - t0) / 1000;
  server.close();
  client.close();
  return { datagrams: 2 * replies, seconds };
}

const v = await virtual(COUNT);
const r = await real(COUNT);
const vRate = v.datagrams / v.seconds;
const rRate = r.datagrams / r.seconds;
console.log(`echo of ${COUNT} queries (${payload.length}-byte payload), window ${WINDOW}; datagrams counted both ways`);
console.log(`VirtualNetwork : ${v.datagrams} datagrams in ${v.seconds.toFixed(2)} s = ${Math.round(vRate)} datagrams/s (${v.events} clock events)`);
console.log(`node:dgram lo  : ${r.datagrams} datagrams in ${r.seconds.toFixed(2)} s = ${Math.round(rRate)} datagrams/s`);
console.log(`ratio virtual/real: ${(vRate / rRate).toFixed(2)}`);
