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
import { join } from 'node:path';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { RealClock } from '../../net/clock.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { SocketEdge, type EdgeStats } from '../../net/socket-edge.ts';
import { SeededRandom } from '../../net/random.ts';
import type { PacketInterceptor, Scope } from '../../net/interceptor.ts';
import { addLoopbackAddress, assertIsolated, setLoopbackMtu, ManagedProcess, NetworkNamespace, RealSoftwareError } from '../../servers/real/netns.ts';
import { isProfileName, PROFILES } from '../../servers/recursive/profiles.ts';
import { ContainerProduct } from '../../servers/real/container.ts';
import { isolateContainer, runInDocker } from './docker.ts';
import {
  PROFILE_OF,
  RealResolver,
  SWITCH_NAMES,
  splitSettingsFor,
  writeFaketimeOffset,
  type Product,
  type SwitchMapping,
} from '../../servers/real/products.ts';
import type { Plan } from '../scenario/validate.ts';
import type { LabEnvironment, RunClock } from './environment.ts';
import type { RunResult } from './result.ts';
import type { ResolverFactory } from './machines.ts';

/**
 * The worker next to this file, run the way this file runs: real-worker.ts through tsx from the source
 * tree, real-worker.js as plain Node from the built package (where tsx is only a development dependency).
 * The worker's cwd stays ours, so a scenario path relative to it means the same file.
 */
function workerEntry(): string[] {
  if (import.meta.url.endsWith('.ts')) return ['--import', 'tsx', join(import.meta.dirname, 'real-worker.ts')];
  return [join(import.meta.dirname, 'real-worker.js')];
}

/**
 * The link MTU in the namespace when a scenario has middleboxes: the VirtualNetwork's default path MTU
 * (net/virtual.ts `defaults.mtu`), so a datagram the virtual lab fragments is fragmented by the real
 * kernel too, and the boxes at the socket edge see the same fragments.
 */
export const MIDDLEBOX_LINK_MTU = 1500;

/** At most how long (host time) a client waits for a real resolver's answer before the sample counts as TIMEOUT. */
export const REAL_CLIENT_WAIT_MS = 10_000;

export interface RealRunInfo {
  product: Product;
  /**
   * Per resolver: what each scenario switch became in the product config, settings with no product option, and
   * switches the product has no option for (not applied here nor in the emulated run beside it: "setting=value: why").
   */
  resolvers: { name: string; address: string; mappings: SwitchMapping[]; unmapped: string[]; notApplied: string[] }[];
  /** Real seconds the run took. */
  seconds: number;
  /** Lab (and product) milliseconds per host millisecond (Scenario.realClockRate). */
  clockRate?: number;
  /** Processes still in the namespace when it was deleted (killed then): should be []. */
  leftover: number[];
  /** Docker path: the product's version line from its image, and how many containers/networks outlived the run (0). */
  docker?: { version: string; leftover: number };
  /** When the scenario has middleboxes: what the boxes at the socket edge saw and dropped (by box). */
  middleboxes?: EdgeStats;
}

export type RealRunResult = RunResult & { real?: RealRunInfo };

/** Lab time before T+0 at which a real run starts its world and products, waited out in real time (ms). */
const STARTUP_LEAD_MS = 3000;

/** How far after a step's whole second a real run may land (ms); see runUntil. */
const MAX_LATE_MS = 600;

/**
 * The environment a worker uses inside its namespace: sockets on scenario addresses (added to lo), a
 * RealClock jumped in step with the product's libfaketime offset, and the real product as resolver factory.
 */
export function realEnvironment(
  plan: Plan,
  product: Product,
  o: { waitMs?: number; clockRate?: number; container?: string } = {},
): { env: LabEnvironment; info: RealRunInfo; close: () => Promise<void> } {
  // Docker path (docker.ts): the world runs in a container on an internal network, and the product
  // in a second container sharing its network namespace, driven through the shared dir `o.container`.
  if (o.container !== undefined) isolateContainer();
  else assertIsolated();
  const dir = mkdtempSync(join(o.container ?? tmpdir(), 'dnslab-real-time-'));
  const faketimeFile = join(dir, 'faketime');
  // The Docker images build the timeshift shim for named and kresd only (docker/<product>/Dockerfile), and a rate
  // other than 1 needs it for every product (products.ts timeEnvironment): the Docker path runs at host pace.
  const rate = o.container !== undefined ? 1 : (o.clockRate ?? plan.scenario.realClockRate ?? 1);
  // Whole seconds: libfaketime offsets are seconds, and both sides must agree exactly. The lab starts
  // STARTUP_LEAD_MS before T+0 and waits for T+0 in real time (runUntil), so the products start before T+0 and
  // the first steps run at T+0 as in the emulated run: a record cached at T+2s instead of T+0 expires on the
  // other side of a sample at exactly T+TTL. Jumping to T+0 instead was tried: a jump right after Unbound started
  // made its first resolution time out in about one run in four (measured 2026-11-23, 14 cells, 3 at a time).
  // The world starts at host pace; begin() (once servers and products are up) switches to `rate`.
  const real = new RealClock({ offsetMs: Math.floor((plan.start - STARTUP_LEAD_MS - Date.now()) / 1000) * 1000 });
  const initialOffsetMs = real.offsetMs;
  let monoAnchorNs: bigint | undefined;
  const writeOffset = () =>
    writeFaketimeOffset(
      faketimeFile,
      real.offsetMs / 1000,
      monoAnchorNs === undefined ? undefined : { rate, anchorMs: real.anchorMs, monoAnchorNs, jumpedSeconds: (real.offsetMs - initialOffsetMs) / 1000 },
    );
  writeOffset();
  const started: { stop(): Promise<void> }[] = [];
  const info: RealRunInfo = { product, resolvers: [], seconds: 0, leftover: [], clockRate: rate };
  const t0 = Date.now();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const clock: RunClock = {
    now: () => real.now(),
    async runUntil(t: number) {
      const delta = t - real.now();
      if (delta <= 0) return;
      // Before T+0 (the start-up lead): wait in real time, no jump (see STARTUP_LEAD_MS).
      if (t <= plan.start) {
        await sleep(real.hostMs(delta) + 2);
        return;
      }
      // The jump is whole seconds (the product's offset is), so the lab lands `late` ms after t, and that
      // lateness grows with each step's processing time. Products count TTLs in whole seconds: a step that
      // lands near the end of t's second stores records in the next one, and an expiry at exactly t+TTL then
      // falls on the other side of a later step than in the emulated run. So never land more than
      // MAX_LATE_MS late: jump one second less and wait out the rest in real time (at most 1 s − MAX_LATE_MS).
      let jump = Math.ceil(delta / 1000) * 1000;
      if (jump - delta > MAX_LATE_MS && jump >= 1000) jump -= 1000;
      if (jump > 0) {
        real.advance(jump);
        writeOffset();
      }
      const early = t - real.now();
      if (early > 0) await sleep(real.hostMs(early) + 2);
    },
    async runFor(ms: number) {
      await sleep(Math.min(real.hostMs(ms), 500));
    },
    nextEventTime: () => undefined,
  };

  const resolverFactory: ResolverFactory = async (r) => {
    const address = r.addresses.find((a) => !a.includes(':')) ?? r.addresses[0]!;
    for (const a of r.addresses) addLoopbackAddress(a);
    const { switches, unmapped, notApplied } = splitSettingsFor(product, r.settings);
    const cfg = {
      product,
      address,
      rootHints: r.rootHints,
      trustAnchors: r.trustAnchors.map((rr) => formatRecord(rr)),
      switches,
      faketimeFile,
      clockRate: rate,
    };
    const resolver = o.container !== undefined ? await ContainerProduct.start(cfg, { shared: o.container }) : await RealResolver.start(cfg);
    started.push(resolver);
    info.resolvers.push({
      name: r.name,
      address,
      mappings: resolver.mappings,
      unmapped,
      notApplied: notApplied.map((n) => `${n.setting}=${n.value}: ${n.why}`),
    });
    return {
      name: r.name,
      addresses: r.addresses,
      flush: (name) => resolver.flushCache(name),
      stop: () => resolver.stop(),
    };
  };

  // Middleboxes (topology.middleboxes) run at the edge of the lab's sockets: every datagram and TCP segment
  // between the product and a lab server on a box's path goes through the same interceptors as in the
  // virtual lab (net/socket-edge.ts). Without boxes, no edge: the sockets are plain.
  const hasBoxes = Object.keys(plan.topology.middleboxes ?? {}).length > 0;
  if (hasBoxes) setLoopbackMtu(MIDDLEBOX_LINK_MTU);
  const edge = hasBoxes
    ? new SocketEdge({ clock: real, random: new SeededRandom(`socket-edge/${plan.scenario.id}/${plan.variant}`), linkMtu: MIDDLEBOX_LINK_MTU })
    : undefined;

  const env: LabEnvironment = {
    clock,
    network: {
      addHost(name: string, addresses: string[]) {
        for (const a of addresses) addLoopbackAddress(a);
        edge?.addHost(name, addresses);
        // allowExternal: scenario addresses (10/8, 192.0.2.0/24 …) live on this namespace's lo; assertIsolated()
        // above proved the namespace has no route, so nothing can leave it.
        return new SocketNetwork({ addresses, clock: real, allowExternal: true, ...(edge ? { edge } : {}) });
      },
      ...(edge ? { addInterceptor: (interceptor: PacketInterceptor, scope?: Scope) => edge.addInterceptor(interceptor, scope) } : {}),
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
      while (!done() && Date.now() < realDeadline) {
        // A box verdict the sockets cannot carry ends the run with its error, instead of a silent non-box.
        if (edge?.errors[0]) throw edge.errors[0];
        await sleep(5);
      }
      if (edge?.errors[0]) throw edge.errors[0];
    },
  };
  return {
    env,
    info,
    close: async () => {
      for (const r of started) await r.stop().catch(() => undefined);
      if (edge) {
        info.middleboxes = edge.stats;
        edge.close();
      }
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

/**
 * A copy of the plan without the switches `product` has no option for (SWITCHES_WITHOUT_OPTION): dnslab's
 * resolver on the product's profile then keeps the profile's value, as the product keeps its fixed behaviour,
 * so the emulated run beside a real one sees the same effective settings.
 */
export function withProductSwitches(plan: Plan, product: Product): Plan {
  const topology = structuredClone(plan.topology);
  for (const r of Object.values(topology.resolvers ?? {})) {
    if (!r.settings) continue;
    const { notApplied } = splitSettingsFor(product, r.settings);
    for (const n of notApplied) delete r.settings[n.setting];
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
 * (killing whatever is left in it) before returning or throwing. `engine: 'docker'`: the same worker and
 * product from images instead (docker.ts runInDocker), with the same guarantees for containers.
 */
export async function runReal(req: {
  file: string;
  variant: string;
  seed: string;
  product: Product;
  timeoutMs?: number;
  waitMs?: number;
  clockRate?: number;
  engine?: 'local' | 'docker';
}): Promise<RealRunResult> {
  if (req.engine === 'docker') {
    const { engine: _engine, ...dockerReq } = req;
    const run = await runInDocker(dockerReq);
    const result = JSON.parse(run.resultJson) as RealRunResult;
    if (result.real) result.real.docker = { version: run.version, leftover: run.leftover };
    return result;
  }
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
    // Everything the worker and the products write goes under this one dir (the worker makes it its TMPDIR once
    // tsx is loaded, so tsx's compile cache in the usual TMPDIR serves every cell), removed here even when the
    // worker was killed before it could clean up.
    outDir = mkdtempSync(join(tmpdir(), 'dnslab-real-run-'));
    const out = join(outDir, 'result.json');
    const [cmd, args] = ns.exec(process.execPath, [
      ...workerEntry(),
      JSON.stringify({ file: req.file, variant: req.variant, seed: req.seed, product: req.product, waitMs: req.waitMs, clockRate: req.clockRate, out }),
    ]);
    worker = new ManagedProcess(cmd, args, { cwd: process.cwd(), env: { ...process.env, DNSLAB_RUN_DIR: outDir, DNSLAB_CACHE_DIR: tmpdir() } });
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
