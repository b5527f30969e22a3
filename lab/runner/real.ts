// Running a scenario against a real resolver product (Unbound, BIND,
// Knot Resolver, PowerDNS Recursor) instead of dnslab's emulated resolver.
//
// Shape: the parent (the CLI or a test) creates a network namespace
// dnslab-rr-* with only lo and no route, and runs a worker process inside it
// (`ip netns exec NS node real-worker.ts`). The worker builds the scenario's
// world on real sockets — every scenario address is put on the namespace's lo,
// so the real resolver talks to the same addresses the scenario names — starts
// the real product as the scenario's resolver(s), walks the same steps with
// the same claims (runPlan with a LabEnvironment), and prints the RunResult as
// JSON. The parent deletes the namespace afterwards, killing anything still in
// it, also when the worker failed or was interrupted.
//
// Time: lab time is a RealClock (host time plus an offset) starting at the
// scenario's T+0; a step in the future jumps the offset, and the product runs
// under libfaketime reading the same offset from a timestamp file, so RRSIG
// validity and TTL expiry agree on both sides and a day of TTL costs no wait.
// With a clock rate (Scenario.realClockRate, --clock-rate), lab time and the
// product's clocks and timed waits also run that many times faster than the
// host once the world is up (servers/real/timeshift.c), so outages whose
// samples wait for retransmission timers cost 1/rate of their length.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatRecord } from '../../dns/zone/rdata-text.ts';
import { RealClock } from '../net/clock.ts';
import { SocketNetwork } from '../net/socket.ts';
import { addLoopbackAddress, assertIsolated, ManagedProcess, NetworkNamespace, RealSoftwareError } from '../../servers/real/netns.ts';
import { isProfileName, PROFILES } from '../../servers/recursive/profiles.ts';
import { PROFILE_OF, RealResolver, SWITCH_NAMES, splitSettings, writeFaketimeOffset, type Product, type SwitchMapping } from '../../servers/real/products.ts';
import type { Plan } from '../scenario/validate.ts';
import type { LabEnvironment, RunClock } from './environment.ts';
import type { RunResult } from './result.ts';
import type { ResolverFactory } from './world.ts';

/** At most how long (host time) a client waits for a real resolver's answer before the sample counts as TIMEOUT. */
export const REAL_CLIENT_WAIT_MS = 10_000;

export interface RealRunInfo {
  product: Product;
  /** Per resolver: what each scenario switch became in the product config, and settings with no product option. */
  resolvers: { name: string; address: string; mappings: SwitchMapping[]; unmapped: string[] }[];
  /** Real seconds the run took. */
  seconds: number;
  /** Lab (and product) milliseconds per host millisecond (Scenario.realClockRate). */
  clockRate?: number;
  /** Processes still in the namespace when it was deleted (killed then): should be []. */
  leftover: number[];
}

export type RealRunResult = RunResult & { real?: RealRunInfo };

/**
 * The environment a worker uses inside its namespace: sockets on scenario addresses (added to lo), a
 * RealClock jumped in step with the product's libfaketime offset, and the real product as resolver factory.
 */
export function realEnvironment(plan: Plan, product: Product, o: { waitMs?: number; clockRate?: number } = {}): { env: LabEnvironment; info: RealRunInfo; close: () => Promise<void> } {
  assertIsolated();
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-real-time-'));
  const faketimeFile = join(dir, 'faketime');
  const rate = o.clockRate ?? plan.scenario.realClockRate ?? 1;
  // Whole seconds: libfaketime offsets are seconds, and both sides must agree exactly.
  // The world starts at host pace; begin() (once servers and products are up) switches to `rate`, so start-up
  // costs no lab time.
  const real = new RealClock({ offsetMs: Math.round((plan.start - Date.now()) / 1000) * 1000 });
  const initialOffsetMs = real.offsetMs;
  let monoAnchorNs: bigint | undefined;
  const writeOffset = () =>
    writeFaketimeOffset(
      faketimeFile,
      real.offsetMs / 1000,
      monoAnchorNs === undefined ? undefined : { rate, anchorMs: real.anchorMs, monoAnchorNs, jumpedSeconds: (real.offsetMs - initialOffsetMs) / 1000 },
    );
  writeOffset();
  const started: RealResolver[] = [];
  const info: RealRunInfo = { product, resolvers: [], seconds: 0, leftover: [], clockRate: rate };
  const t0 = Date.now();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const clock: RunClock = {
    now: () => real.now(),
    async runUntil(t: number) {
      const delta = t - real.now();
      if (delta <= 0) return;
      real.advance(Math.ceil(delta / 1000) * 1000);
      writeOffset();
    },
    async runFor(ms: number) {
      await sleep(Math.min(real.hostMs(ms), 500));
    },
    nextEventTime: () => undefined,
  };

  const resolverFactory: ResolverFactory = async (r) => {
    const address = r.addresses.find((a) => !a.includes(':')) ?? r.addresses[0]!;
    for (const a of r.addresses) addLoopbackAddress(a);
    const { switches, unmapped } = splitSettings(r.settings);
    const resolver = await RealResolver.start({
      product,
      address,
      rootHints: r.rootHints,
      trustAnchors: r.trustAnchors.map((rr) => formatRecord(rr)),
      switches,
      faketimeFile,
      clockRate: rate,
    });
    started.push(resolver);
    info.resolvers.push({ name: r.name, address, mappings: resolver.mappings, unmapped });
    return {
      name: r.name,
      addresses: r.addresses,
      flush: (name) => resolver.flushCache(name),
      stop: () => resolver.stop(),
    };
  };

  const env: LabEnvironment = {
    clock,
    network: {
      addHost(_name: string, addresses: string[]) {
        for (const a of addresses) addLoopbackAddress(a);
        // allowExternal: scenario addresses (10/8, 192.0.2.0/24 …) live on this namespace's lo; assertIsolated()
        // above proved the namespace has no route, so nothing can leave it.
        return new SocketNetwork({ addresses, clock: real, allowExternal: true });
      },
    },
    resolverFactory,
    begin: () => {
      if (rate === 1) return;
      real.setRate(rate);
      // Node's hrtime is CLOCK_MONOTONIC (libuv uv_hrtime), the clock timeshift.c scales from this point on.
      monoAnchorNs = process.hrtime.bigint();
      writeOffset();
    },
    drive: async (done, deadline) => {
      const realDeadline = Date.now() + Math.min(real.hostMs(Math.max(0, deadline - real.now())), o.waitMs ?? REAL_CLIENT_WAIT_MS);
      while (!done() && Date.now() < realDeadline) await sleep(5);
    },
  };
  return {
    env,
    info,
    close: async () => {
      for (const r of started) await r.stop().catch(() => undefined);
      info.seconds = (Date.now() - t0) / 1000;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A resolver whose profile is not one of the four products (google-public-dns) keeps the switches that make
 * that profile what it is — as explicit settings the product adapters map (TTL caps, serve-stale, EDNS size…);
 * the scenario's own settings still win.
 */
export function withProfileSwitches(plan: Plan): Plan {
  const topology = structuredClone(plan.topology);
  const productProfiles = Object.values(PROFILE_OF) as string[];
  for (const r of Object.values(topology.resolvers ?? {})) {
    if (productProfiles.includes(r.profile) || !isProfileName(r.profile)) continue;
    const p = PROFILES[r.profile];
    const inherited: Record<string, boolean | number> = {};
    for (const k of SWITCH_NAMES) inherited[k] = p[k];
    r.settings = { ...inherited, ...(r.settings ?? {}) };
  }
  return { ...plan, topology };
}

/** A copy of the plan whose resolvers all use `profile` (keeping their settings). */
export function withProfile(plan: Plan, profile: string): Plan {
  const topology = structuredClone(plan.topology);
  for (const r of Object.values(topology.resolvers ?? {})) r.profile = profile;
  return { ...plan, topology };
}

let nsCounter = 0;

/**
 * Run one scenario variant against a real product: namespace, worker, result. Always deletes the namespace
 * (killing whatever is left in it) before returning or throwing.
 */
export async function runReal(req: { file: string; variant: string; seed: string; product: Product; timeoutMs?: number; waitMs?: number; clockRate?: number }): Promise<RealRunResult> {
  const ns = NetworkNamespace.create(`dnslab-rr-${process.pid}-${nsCounter++}`);
  let worker: ManagedProcess | undefined;
  let outDir: string | undefined;
  // Interrupted (Ctrl-C, SIGTERM): kill everything in the namespace, delete it, then die of the same signal.
  const onSignal = (sig: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ns.delete();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const root = resolve(import.meta.dirname, '../..');
    // Everything the worker and the products write goes under this one dir (TMPDIR), removed here even when the
    // worker was killed before it could clean up.
    outDir = mkdtempSync(join(tmpdir(), 'dnslab-real-run-'));
    const out = join(outDir, 'result.json');
    const [cmd, args] = ns.exec(process.execPath, ['--import', 'tsx', join(root, 'lab/runner/real-worker.ts'), JSON.stringify({ file: req.file, variant: req.variant, seed: req.seed, product: req.product, waitMs: req.waitMs, clockRate: req.clockRate, out })]);
    worker = new ManagedProcess(cmd, args, { cwd: root, env: { ...process.env, TMPDIR: outDir, DNSLAB_CACHE_DIR: tmpdir() } });
    const timeoutMs = req.timeoutMs ?? 600_000;
    const exited = new Promise<number | null>((r) => worker!.child.once('exit', (code) => r(code)));
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    const outcome = await Promise.race([exited, timer]);
    if (outcome === 'timeout') throw new RealSoftwareError(`${req.product} run of ${req.file} [${req.variant}] took longer than ${timeoutMs} ms; stopped`);
    if (!existsSync(out)) throw new RealSoftwareError(`worker for ${req.product} produced no result (exit ${outcome}):\n${worker.log.slice(-3000)}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RealRunResult;
    if (result.real) result.real.leftover = ns.delete();
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await worker?.stop(2000);
    ns.delete();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  }
}

export { PROFILE_OF };
