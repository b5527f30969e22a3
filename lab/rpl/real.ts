// A `.rpl` scenario against a real resolver product (Unbound, BIND, Knot
// Resolver, PowerDNS Recursor), the way lab/runner/real.ts runs a dnslab
// scenario: the parent makes a dnslab-rr-* network namespace with only lo and
// no route, and runs a worker inside it (real-worker.ts) that puts every
// address the script answers on lo, starts the scripted server on sockets and
// the product (servers/real/products.ts, with the CONFIG block mapped by
// config.ts), walks the steps, and writes the RunResult as JSON. The parent
// deletes the namespace afterwards, killing whatever is left in it.
//
// Time: the product runs under the faketime offset file products.ts uses; the
// offset starts at val-override-date minus host time and TIME_PASSES adds to it.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RplScenario } from '../../dns/rpl/reader.ts';
import type { Message } from '../../dns/types.ts';
import { RealClock } from '../../net/clock.ts';
import { StubUdpSocket } from '../../net/dns-stub.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { addLoopbackAddress, assertIsolated, ManagedProcess, NetworkNamespace, RealSoftwareError } from '../../servers/real/netns.ts';
import { RealResolver, writeFaketimeOffset, type Product } from '../../servers/real/products.ts';
import { ScriptedServer, type ScriptedQuery } from '../../servers/scripted/server.ts';
import type { RunResult } from '../runner/result.ts';
import { productConfigLines, rplConfig } from './config.ts';
import { driveRpl } from './drive.ts';
import { RPL_CLIENT_ADDRESS, RPL_RESOLVER_ADDRESS, scriptedAddresses, type RplRunInfo } from './emulated.ts';

/** How long the client waits for a real product's answer (host time). Deckard's client waits 2 s; products retry slower. */
export const RPL_REAL_WAIT_MS = 5_000;

export type RplRealResult = RunResult & { rpl: RplRunInfo & { mappings?: string[] } };

/** Inside the namespace: run the scenario against the product. */
export async function runRplInNamespace(s: RplScenario, product: Product, o: { seed: string; waitMs?: number }): Promise<RplRealResult> {
  assertIsolated();
  const c = rplConfig(s);
  const { lines, unmapped } = productConfigLines(product, s, c);
  if (!c.rootHint && c.forwardAddress === undefined) unmapped.push('no stub-addr: the product keeps its built-in root hints (unreachable here)');
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-rpl-time-'));
  const faketimeFile = join(dir, 'faketime');
  // Whole seconds, as libfaketime reads them; the lab clock is the product's clock.
  const clock = new RealClock({ offsetMs: Math.floor((c.start - Date.now()) / 1000) * 1000 });
  writeFaketimeOffset(faketimeFile, clock.offsetMs / 1000);
  const addresses = scriptedAddresses(s, c.rootHint?.address);
  for (const a of [...addresses, RPL_RESOLVER_ADDRESS, RPL_CLIENT_ADDRESS]) addLoopbackAddress(a);
  let step = 0;
  const unscripted: string[] = [];
  const onQuery = (q: ScriptedQuery) => {
    if (q.answeredBy.startsWith('SERVFAIL')) unscripted.push(`step ${q.step}: ${q.question} to ${q.to}: ${q.answeredBy}`);
  };
  // allowExternal: the scenario's addresses live on this namespace's lo; assertIsolated() proved it has no route.
  const server = new ScriptedServer({ network: new SocketNetwork({ addresses, clock, allowExternal: true }), scenario: s, step: () => step, onQuery });
  const client = new SocketNetwork({ addresses: [RPL_CLIENT_ADDRESS], clock, allowExternal: true });
  let resolver: RealResolver | undefined;
  let stub: StubUdpSocket | undefined;
  try {
    await server.start();
    resolver = await RealResolver.start({
      product,
      address: RPL_RESOLVER_ADDRESS,
      rootHints: c.rootHint ? [c.rootHint] : [],
      trustAnchors: c.trustAnchorText,
      switches: { qnameMinimisation: c.qnameMinimisation, ...(c.features.max_ttl !== undefined ? { maxTtl: Number(c.features.max_ttl) } : {}) },
      faketimeFile,
      extraLines: lines,
    });
    stub = await StubUdpSocket.open(client, { address: RPL_CLIENT_ADDRESS, port: 0 });
    const waitMs = o.waitMs ?? RPL_REAL_WAIT_MS;
    const result = await driveRpl(
      s,
      {
        now: () => clock.now(),
        setStep: (n) => (step = n),
        elapse: async (seconds) => {
          clock.advance(seconds * 1000);
          writeFaketimeOffset(faketimeFile, clock.offsetMs / 1000);
        },
        query: async (octets, awaitAnswer): Promise<{ message?: Message; error?: string }> => {
          const ex = stub!.query(octets, { address: RPL_RESOLVER_ADDRESS, port: 53 }, { from: 'endpoint', timeoutMs: awaitAnswer ? waitMs : 20 });
          const out = await ex.outcome;
          if (!awaitAnswer) return {};
          return out.ok ? { message: out.message } : { error: out.error === 'timeout' ? `no answer within ${waitMs / 1000} s` : out.error };
        },
      },
      { variant: product, seed: o.seed },
    );
    return { ...result, rpl: { unmapped, unscripted, mappings: lines.map((l) => l.trim()) } };
  } finally {
    stub?.close();
    await resolver?.stop();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function workerEntry(): string[] {
  if (import.meta.url.endsWith('.ts')) return ['--import', 'tsx', join(import.meta.dirname, 'real-worker.ts')];
  return [join(import.meta.dirname, 'real-worker.js')];
}

let nsCounter = 0;

/** From the host: a namespace, the worker in it, its result; the namespace is always deleted. */
export async function runRplReal(file: string, product: Product, o: { seed: string; timeoutMs?: number; waitMs?: number }): Promise<RplRealResult> {
  const ns = NetworkNamespace.create(`dnslab-rr-rpl-${process.pid}-${nsCounter++}`);
  let worker: ManagedProcess | undefined;
  const outDir = mkdtempSync(join(tmpdir(), 'dnslab-rpl-run-'));
  try {
    const out = join(outDir, 'result.json');
    const [cmd, args] = ns.exec(process.execPath, [...workerEntry(), JSON.stringify({ file, product, seed: o.seed, waitMs: o.waitMs, out })]);
    worker = new ManagedProcess(cmd, args, { cwd: process.cwd(), env: { ...process.env, TMPDIR: outDir, DNSLAB_CACHE_DIR: tmpdir() } });
    const exited = new Promise<number | null>((r) => worker!.child.once('exit', (code) => r(code)));
    const timeoutMs = o.timeoutMs ?? 300_000;
    const outcome = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref())]);
    if (outcome === 'timeout') throw new RealSoftwareError(`${product} run of ${file} took longer than ${timeoutMs} ms; stopped`);
    if (!existsSync(out)) throw new RealSoftwareError(`worker for ${product} produced no result (exit ${outcome}):\n${worker.log.slice(-3000)}`);
    return JSON.parse(readFileSync(out, 'utf8')) as RplRealResult;
  } finally {
    await worker?.stop(2000);
    ns.delete();
    rmSync(outDir, { recursive: true, force: true });
  }
}
