// `dnslab probe --load`: a bounded UDP query load along two paths — through
// the device (or box) and without it — reported side by side: queries sent,
// answered, lost, achieved QPS and latency percentiles (S4 in docs/incidents.md asks for
// exactly this comparison). Bounded in rate, duration and count; each query
// has its own timeout, and the run stops at the end of its time whatever is
// still outstanding (counted as lost).

import { makeQuery } from '../../dns/message.ts';
import type { Endpoint, Network } from '../../net/network.ts';
import { UdpClient } from '../probe/client.ts';
import { PROBE_ZONE } from '../probe/authority.ts';

export const MAX_LOAD_QPS = 2000;
export const MAX_LOAD_SECONDS = 30;

export interface LoadOptions {
  qps: number;
  seconds: number;
  /** Per-query timeout (ms). */
  timeoutMs?: number;
  /** UDP sockets the load is spread over (flows through a NAT). */
  sockets?: number;
}

export interface LoadFigures {
  path: string;
  sent: number;
  answered: number;
  lost: number;
  /** Answers per second over the sending time. */
  qps: number;
  /** Latency of the answered queries, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function checkLoad(o: LoadOptions): string | undefined {
  if (!Number.isInteger(o.qps) || o.qps < 1 || o.qps > MAX_LOAD_QPS) return `--load QPS: expected an integer from 1 to ${MAX_LOAD_QPS} (got ${o.qps})`;
  if (!Number.isInteger(o.seconds) || o.seconds < 1 || o.seconds > MAX_LOAD_SECONDS)
    return `--load-seconds: expected an integer from 1 to ${MAX_LOAD_SECONDS} (got ${o.seconds})`;
  return undefined;
}

/** Send `qps` × `seconds` queries for `PROBE_ZONE SOA` to `to`, paced in 10 ms slots; measure what comes back. */
export async function runLoad(network: Network, from: string, to: Endpoint, o: LoadOptions, path: string): Promise<LoadFigures> {
  const bad = checkLoad(o);
  if (bad) throw new Error(bad);
  const timeoutMs = o.timeoutMs ?? 1000;
  const clients = await Promise.all(Array.from({ length: o.sockets ?? 8 }, () => UdpClient.open(network, from)));
  const total = o.qps * o.seconds;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = Date.now();
  let sent = 0;
  try {
    // IDs unique per socket while outstanding: the counter wraps at 65536 per socket, far above qps × timeout.
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * o.qps) + 1);
      for (; sent < due; sent++) {
        const client = clients[sent % clients.length]!;
        const id = Math.floor(sent / clients.length) % 0x10000;
        pending.push(
          client.query(makeQuery(PROBE_ZONE, 'SOA', { id, rd: false }), to, timeoutMs).then((r) => {
            if (r.ok && r.rcode === 'NOERROR') latencies.push(r.ms);
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const sendingMs = Math.max(1, Date.now() - start);
    await Promise.all(pending);
    latencies.sort((a, b) => a - b);
    return {
      path,
      sent,
      answered: latencies.length,
      lost: sent - latencies.length,
      qps: Math.round((latencies.length / sendingMs) * 1000),
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

export function renderLoad(rows: LoadFigures[], o: LoadOptions): string {
  const f = (n: number) => (Number.isNaN(n) ? '—' : n.toFixed(1));
  const lines = [
    `dnslab probe --load: ${o.qps} queries/s for ${o.seconds} s per path (${PROBE_ZONE} SOA over UDP, ${o.timeoutMs ?? 1000} ms timeout)`,
    '',
    `  ${'path'.padEnd(34)} ${'sent'.padStart(6)} ${'answered'.padStart(9)} ${'lost'.padStart(6)} ${'loss %'.padStart(7)} ${'QPS'.padStart(6)} ${'p50 ms'.padStart(7)} ${'p90 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)}`,
  ];
  for (const r of rows) {
    lines.push(
      `  ${r.path.padEnd(34)} ${String(r.sent).padStart(6)} ${String(r.answered).padStart(9)} ${String(r.lost).padStart(6)} ${((100 * r.lost) / Math.max(1, r.sent)).toFixed(1).padStart(7)} ${String(r.qps).padStart(6)} ${f(r.p50).padStart(7)} ${f(r.p90).padStart(7)} ${f(r.p99).padStart(7)} ${f(r.max).padStart(7)}`,
    );
  }
  return lines.join('\n') + '\n';
}
