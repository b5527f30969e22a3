// Running a scenario (or the probe) with a real device in the path.
//
// Shape (as lab/runner/real.ts for real resolvers): the parent — the CLI or a
// test — builds the two namespaces on the named interfaces (links.ts), checks
// that the device answers, and runs a worker process inside the "inside"
// namespace (worker.ts). The worker's resolver and clients use sockets there;
// the authoritative servers' sockets are made in the "outside" namespace. The
// parent deletes both namespaces afterwards — also when the worker failed,
// timed out or the user pressed Ctrl-C — and reports what it had to kill.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ManagedProcess } from '../../servers/real/netns.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { planScenario } from '../runner/index.ts';
import { runPlan } from '../runner/run.ts';
import type { RunResult } from '../runner/result.ts';
import type { ProbeReport } from '../probe/index.ts';
import type { LoadFigures } from './load.ts';
import { DeviceLinks, DeviceSetupError, type LinkPlan } from './links.ts';
import type { DeviceOptions } from './options.ts';
import { placeDevice, sideAddresses, withoutBoxes, type Placement, type ReplacedBox } from './plan.ts';
import type { DevicePlace, ServeReady, WorkerRequest } from './worker-request.ts';
import { deviceConfig, type ConfigFormat } from './config.ts';
import { summarizeCrossings, type CrossingSummary } from './observations.ts';
import type { Crossing } from './ttl-scale.ts';

export interface DeviceInfo {
  role: string;
  inside: { iface: string; addresses: string[]; gateway?: string; labAddress?: string };
  outside: { iface: string; addresses: string[]; gateway?: string; labAddress?: string };
  /** What the device must route (a routed box): the lab's addresses behind each of its links. */
  deviceRoutes: string[];
  /** Addresses with no path through the device (e.g. IPv6 behind an IPv4-only box). */
  unreachable: string[];
  timeScale: number;
  /** What the scale may touch, in words. */
  timeNote: string;
  /** The scenario's emulated boxes the device stands in for. */
  replacedBoxes: ReplacedBox[];
  seconds: number;
  /** Processes still in the namespaces when they were deleted (killed then): should be []. */
  leftover: number[];
  /** Resolver/forwarder: where the device stands, and what it did to the answers that crossed it. */
  placement?: { role: 'resolver' | 'forwarder'; resolver: string; clients: string[] };
  crossings?: CrossingSummary[];
}

export type DeviceRunResult = RunResult & { device: DeviceInfo };

export function timeNote(scale: number): string {
  if (scale === 1) return 'time scale 1: the scenario runs in real time, every TTL and timer at its full length';
  return `time scale ${scale}: the lab's TTLs, timers and waits run ${scale}× faster than real time; the device's own timers do not (conntrack and session-table idle timeouts, a caching device's TTLs, TTL floors and caps), so claims that depend on how long the device keeps state may differ from the emulated run`;
}

/** The link plan for a scenario (or the probe's two addresses) and the device options. */
export function linkPlan(device: DeviceOptions, inside: string[], outside: string[]): LinkPlan {
  return {
    inside: {
      iface: device.inside,
      addresses: inside,
      ...(device.gateways ? { gateway: device.gateways.inside, labAddress: device.labAddresses!.inside } : {}),
    },
    outside: {
      iface: device.outside,
      addresses: outside,
      ...(device.gateways ? { gateway: device.gateways.outside, labAddress: device.labAddresses!.outside } : {}),
    },
  };
}

function info(device: DeviceOptions, plan: LinkPlan, boxes: ReplacedBox[]): DeviceInfo {
  const side = (s: LinkPlan['inside']) => ({
    iface: s.iface,
    addresses: s.addresses,
    ...(s.gateway ? { gateway: `${s.gateway.address}/${s.gateway.prefix}` } : {}),
    ...(s.labAddress ? { labAddress: `${s.labAddress.address}/${s.labAddress.prefix}` } : {}),
  });
  const routes = plan.inside.gateway
    ? [
        ...plan.inside.addresses.map((a) => `${a} via ${plan.inside.labAddress!.address} (inside link)`),
        ...plan.outside.addresses.map((a) => `${a} via ${plan.outside.labAddress!.address} (outside link)`),
      ]
    : [];
  return {
    role: device.role,
    inside: side(plan.inside),
    outside: side(plan.outside),
    deviceRoutes: routes,
    unreachable: [],
    timeScale: device.timeScale,
    timeNote: timeNote(device.timeScale),
    replacedBoxes: boxes,
    seconds: 0,
    leftover: [],
  };
}

/** The address plan as text: what goes where, and what a routed device must be told. */
export function renderPlan(d: DeviceInfo): string {
  const lines = [`device (${d.role}) between --inside ${d.inside.iface} and --outside ${d.outside.iface}`];
  for (const [name, s] of [
    ['inside ', d.inside],
    ['outside', d.outside],
  ] as const) {
    lines.push(`  ${name}: ${s.addresses.join(', ')}${s.gateway ? `  (lab link ${s.labAddress}, device ${s.gateway})` : '  (transparent bridge: on-link)'}`);
  }
  if (d.deviceRoutes.length) lines.push('  the device needs these routes:', ...d.deviceRoutes.map((r) => `    ${r}`));
  if (d.unreachable.length) lines.push(`  no path through the device for: ${d.unreachable.join(', ')}`);
  if (d.placement) {
    const p = d.placement;
    lines.push(
      p.role === 'resolver'
        ? `  the device is the resolver "${p.resolver}": ${p.clients.join(', ')} ask it at ${d.inside.gateway?.split('/')[0]}; it queries the world from ${d.outside.gateway?.split('/')[0]}`
        : `  the device forwards for ${p.clients.join(', ')} (asking it at ${d.inside.gateway?.split('/')[0]}) to the lab's resolver "${p.resolver}", from ${d.outside.gateway?.split('/')[0]}`,
    );
    if (d.replacedBoxes.length) lines.push(...d.replacedBoxes.map((b) => `  left out: the emulated ${b.kind} "${b.name}" (${b.between.join(' ↔ ')})`));
  } else if (d.replacedBoxes.length)
    lines.push(
      ...d.replacedBoxes.map((b) => `  stands in for the emulated ${b.kind} "${b.name}" (${b.between.join(' ↔ ')}): ${b.settings.join('; ') || 'no settings'}`),
    );
  lines.push(`  ${d.timeNote}`);
  return lines.join('\n') + '\n';
}

let tmpCounter = 0;

/**
 * Build the links, run `request` in a worker inside them, tear everything down. Throws DeviceSetupError
 * (one line) when the links cannot be built or the device does not answer, before anything runs.
 */
async function withLinks<T>(
  plan: LinkPlan,
  request: (outsideNs: string, out: string) => WorkerRequest,
  timeoutMs: number,
  onLinks?: (links: DeviceLinks) => void,
  collect: (worker: ManagedProcess, out: string, links: DeviceLinks) => Promise<T> = (worker, out) => resultOf<T>(worker, out, timeoutMs),
): Promise<{ value: T; leftover: number[] }> {
  const links = DeviceLinks.setup(plan);
  const outDir = mkdtempSync(join(tmpdir(), `dnslab-device-${process.pid}-${tmpCounter++}-`));
  let worker: ManagedProcess | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    links.delete();
    rmSync(outDir, { recursive: true, force: true });
    process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    onLinks?.(links);
    links.checkDevice();
    // The package root (the source tree, or above dist/ in the built package); the worker beside this file.
    const root = ((r) => (basename(r) === 'dist' ? dirname(r) : r))(resolve(import.meta.dirname, '../..'));
    const workerArgs = import.meta.url.endsWith('.ts') ? ['--import', 'tsx', join(import.meta.dirname, 'worker.ts')] : [join(import.meta.dirname, 'worker.js')];
    const out = join(outDir, 'result.json');
    const args = JSON.stringify(request(links.outside.ns, out));
    worker = new ManagedProcess('ip', ['netns', 'exec', links.inside.ns, process.execPath, ...workerArgs, args], {
      cwd: root,
      env: { ...process.env, TMPDIR: outDir },
    });
    const value = await collect(worker, out, links);
    await worker.stop(2000);
    return { value, leftover: links.delete() };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await worker?.stop(2000);
    links.delete();
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Wait for the worker to exit and read its result. */
async function resultOf<T>(worker: ManagedProcess, out: string, timeoutMs: number): Promise<T> {
  const exited = new Promise<number | null>((r) => (worker.exited ? r(worker.child.exitCode) : worker.child.once('exit', (code) => r(code))));
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  const outcome = await Promise.race([exited, timer]);
  if (outcome === 'timeout') throw new Error(`the run with the device took longer than ${timeoutMs} ms; stopped`);
  if (!existsSync(out)) throw new Error(`the device worker produced no result (exit ${outcome}):\n${worker.log.slice(-3000)}`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

/**
 * Serve the scenario's authoritative servers on their own addresses — those behind the device in the outside
 * namespace, the others inside — until `until` resolves (Ctrl-C). `onReady` gets the servers, hints and anchor.
 */
export async function serveOnDevice(req: {
  loaded: LoadedScenario;
  variant: string;
  seed: string;
  at: number;
  device: DeviceOptions;
  onPlan?: (d: DeviceInfo) => void;
  onReady: (ready: ServeReady, insideNs: string) => void;
  onConfig?: (text: string) => void;
  until: () => Promise<void>;
}): Promise<DeviceInfo> {
  const { plan, d, config } = await planOnDevice(req);
  req.onPlan?.(d);
  if (config !== undefined) req.onConfig?.(config);
  if (req.device.planOnly || config !== undefined) return d;
  const { leftover } = await withLinks<void>(
    plan,
    (outsideNs, out) => ({
      kind: 'serve',
      file: req.loaded.file,
      variant: req.variant,
      seed: req.seed,
      at: req.at,
      outsideNs,
      ...(place(req.device) ? { place: place(req.device)! } : {}),
      out,
    }),
    0,
    (links) => (d.unreachable = [...links.inside.unreachable, ...links.outside.unreachable]),
    async (worker, out, links) => {
      const deadline = Date.now() + 60_000;
      while (!existsSync(out)) {
        if (worker.exited || Date.now() > deadline) throw new Error(`the serving worker did not come up:\n${worker.log.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      req.onReady(JSON.parse(readFileSync(out, 'utf8')) as ServeReady, links.inside.ns);
      await req.until();
    },
  );
  d.leftover = leftover;
  return d;
}

/** A resolver or forwarder device's place, as the worker is told it. */
function place(device: DeviceOptions): DevicePlace | undefined {
  if (device.role === 'middlebox' || !device.gateways) return undefined;
  return {
    role: device.role,
    inside: device.gateways.inside.address,
    outside: device.gateways.outside.address,
    ...(device.deviceFor !== undefined ? { deviceFor: device.deviceFor } : {}),
  };
}

/**
 * The scenario variant with the device in it (middlebox: without its emulated boxes; resolver/forwarder: placeDevice),
 * split into the device's two sides: the plan both run and serve use. With --print-config, the device's config too.
 */
export async function planOnDevice(req: { loaded: LoadedScenario; variant: string; seed: string; device: DeviceOptions }) {
  const full = planScenario(req.loaded.scenario, req.loaded.file, req.variant);
  const where = place(req.device);
  let boxes: ReplacedBox[];
  let placement: Placement | undefined;
  let placedPlan = full;
  try {
    if (where) {
      ({ placement, plan: placedPlan } = placeDevice(full, where));
      boxes = placement.leftOut;
    } else boxes = withoutBoxes(full).boxes;
  } catch (e) {
    throw new DeviceSetupError((e as Error).message);
  }
  const sides = await sideAddresses(full, req.seed, placement).catch((e: Error) => {
    throw new DeviceSetupError(e.message);
  });
  const plan = linkPlan(req.device, sides.inside, sides.outside);
  const d = info(req.device, plan, boxes);
  let config: string | undefined;
  if (placement) {
    d.placement = { role: placement.role, resolver: placement.resolver, clients: placement.clients };
    if (req.device.printConfig) {
      const r = placedPlan.topology.resolvers![placement.resolver]!;
      const out = deviceConfig(req.device.printConfig as ConfigFormat, {
        scenario: full.scenario.id,
        variant: full.variant,
        placement,
        clientAddresses: placement.clients.flatMap((c) => placedPlan.topology.clients[c]!.addresses),
        rootHints: sides.rootHints,
        trustAnchors: sides.trustAnchors,
        ...(placement.role === 'forwarder' ? { upstream: r.addresses.find((a) => !a.includes(':')) ?? r.addresses[0]! } : {}),
        profile: r.profile,
        settings: r.settings ?? {},
        timeScale: req.device.timeScale,
      });
      if ('refused' in out) throw new DeviceSetupError(`--print-config ${out.refused}`);
      config = out.text;
    }
  }
  return { full, plan, d, config };
}

/** Run one scenario variant with the device in its path. `onPlan` gets the address plan before anything is built. */
export async function runOnDevice(req: {
  loaded: LoadedScenario;
  variant: string;
  seed: string;
  device: DeviceOptions;
  onPlan?: (d: DeviceInfo) => void;
  onConfig?: (text: string) => void;
}): Promise<DeviceRunResult | DeviceInfo> {
  const { full, plan, d, config } = await planOnDevice(req);
  req.onPlan?.(d);
  if (config !== undefined) req.onConfig?.(config);
  if (req.device.planOnly || config !== undefined) return d;
  const t0 = Date.now();
  const lastStep = full.steps.reduce((m, s) => Math.max(m, s.at), 0);
  // The scenario's length at the scale, plus the client waits after the last step and start-up.
  const timeoutMs = lastStep / req.device.timeScale + 120_000;
  const where = place(req.device);
  const { value, leftover } = await withLinks<RunResult & { crossings?: Crossing[] }>(
    plan,
    (outsideNs, out) => ({
      kind: 'run',
      file: req.loaded.file,
      variant: req.variant,
      seed: req.seed,
      outsideNs,
      timeScale: req.device.timeScale,
      ...(where ? { place: where } : {}),
      out,
    }),
    timeoutMs,
    (links) => (d.unreachable = [...links.inside.unreachable, ...links.outside.unreachable]),
  );
  d.seconds = (Date.now() - t0) / 1000;
  d.leftover = leftover;
  const { crossings, ...result } = value;
  if (crossings && where) d.crossings = summarizeCrossings(crossings, where.role);
  return { ...result, device: d };
}

/** The probe's two addresses with a device: its authority outside, its client inside (documentation prefixes). */
export const PROBE_DEVICE_AUTHORITY = { address: '198.51.100.53', port: 53 };
export const PROBE_DEVICE_CLIENT = '203.0.113.10';

/** `probe --load`: the authority on the inside the load is compared with (no device on that path). */
export const PROBE_DEVICE_DIRECT = { address: '203.0.113.53', port: 53 };

export async function loadOnDevice(req: {
  device: DeviceOptions;
  qps: number;
  seconds: number;
  onPlan?: (d: DeviceInfo) => void;
}): Promise<{ load: LoadFigures[]; device: DeviceInfo } | DeviceInfo> {
  const plan = linkPlan(req.device, [PROBE_DEVICE_CLIENT, PROBE_DEVICE_DIRECT.address], [PROBE_DEVICE_AUTHORITY.address]);
  const d = info(req.device, plan, []);
  req.onPlan?.(d);
  if (req.device.planOnly) return d;
  const t0 = Date.now();
  const { value, leftover } = await withLinks<LoadFigures[]>(
    plan,
    (outsideNs, out) => ({
      kind: 'probe',
      outsideNs,
      authority: PROBE_DEVICE_AUTHORITY,
      client: PROBE_DEVICE_CLIENT,
      options: {},
      load: { qps: req.qps, seconds: req.seconds, direct: PROBE_DEVICE_DIRECT },
      out,
    }),
    2 * req.seconds * 1000 + 60_000,
  );
  d.seconds = (Date.now() - t0) / 1000;
  d.leftover = leftover;
  return { load: value, device: d };
}

export async function probeOnDevice(req: {
  device: DeviceOptions;
  options: Extract<WorkerRequest, { kind: 'probe' }>['options'];
  onPlan?: (d: DeviceInfo) => void;
}): Promise<{ report: ProbeReport; device: DeviceInfo } | DeviceInfo> {
  const plan = linkPlan(req.device, [PROBE_DEVICE_CLIENT], [PROBE_DEVICE_AUTHORITY.address]);
  const d = info(req.device, plan, []);
  req.onPlan?.(d);
  if (req.device.planOnly) return d;
  const t0 = Date.now();
  const { value, leftover } = await withLinks<ProbeReport>(
    plan,
    (outsideNs, out) => ({ kind: 'probe', outsideNs, authority: PROBE_DEVICE_AUTHORITY, client: PROBE_DEVICE_CLIENT, options: req.options, out }),
    (req.options.deadlineMs ?? 120_000) + 60_000,
  );
  d.seconds = (Date.now() - t0) / 1000;
  d.leftover = leftover;
  return { report: value, device: d };
}

/** Step by step: the scenario's emulated box (in-process, virtual network) against the device run. */
export interface ClaimComparison {
  step: number;
  /** What the step claims (the emulated run's assertion texts). */
  claim: string;
  /** Every claim of the step held (undefined: the step made no claim in that run). */
  emulated: boolean | undefined;
  device: boolean | undefined;
}

/**
 * Run the variant on the virtual network with its emulated box — or with `boxOptions` instead of each box's
 * options (a firewall with those settings), to compare with a device configured the same — and compare.
 */
export async function compareWithEmulated(
  loaded: LoadedScenario,
  variant: string,
  seed: string,
  device: RunResult,
  boxOptions?: Record<string, string | number | boolean>,
): Promise<{ emulated: RunResult; rows: ClaimComparison[]; agree: boolean }> {
  const plan = planScenario(loaded.scenario, loaded.file, variant);
  if (boxOptions) {
    const topology = structuredClone(plan.topology);
    for (const m of Object.values(topology.middleboxes ?? {})) {
      m.kind = 'firewall';
      m.options = { ...boxOptions };
    }
    plan.topology = topology;
  }
  const emulated = await runPlan(plan, { seed });
  return { emulated, ...compareByStep(emulated, device) };
}

/**
 * Verdicts by step: a step holds when every assertion it made held. (By step, not by assertion text: a failed
 * check names what failed, so the texts of one step differ between a run that held and one that did not.)
 */
function compareByStep(emulated: RunResult, device: RunResult): { rows: ClaimComparison[]; agree: boolean } {
  const rows = new Map<number, ClaimComparison>();
  const row = (a: RunResult['assertions'][number]) => {
    let r = rows.get(a.step);
    if (!r) rows.set(a.step, (r = { step: a.step, claim: '', emulated: undefined, device: undefined }));
    return r;
  };
  for (const a of emulated.assertions) {
    const r = row(a);
    r.claim = r.claim ? `${r.claim}, ${a.what}` : a.what;
    r.emulated = (r.emulated ?? true) && a.ok;
  }
  for (const a of device.assertions) {
    const r = row(a);
    if (!r.claim) r.claim = a.what;
    r.device = (r.device ?? true) && a.ok;
  }
  const list = [...rows.values()].sort((a, b) => a.step - b.step);
  return { rows: list, agree: list.every((r) => r.emulated === r.device) };
}

export function renderComparison(rows: ClaimComparison[]): string {
  const v = (x: boolean | undefined) => (x === undefined ? '—' : x ? 'holds' : 'FAILS');
  const lines = ['emulated box vs your device (by step):', `  ${'emulated'.padEnd(9)} ${'device'.padEnd(9)} claim`];
  for (const r of rows)
    lines.push(`  ${v(r.emulated).padEnd(9)} ${v(r.device).padEnd(9)} step ${r.step}: ${r.claim}${r.emulated !== r.device ? '   <- differs' : ''}`);
  return lines.join('\n') + '\n';
}
