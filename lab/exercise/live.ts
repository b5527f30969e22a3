// The live world of an exercise: a scenario variant built on real loopback sockets (as `dnslab serve` does), but
// with its resolvers and clients too, so claims can be asked live. Every scenario IPv4 address is mapped to a
// loopback one; the lab clock is a RealClock that `wait` moves forward (TTLs run out, as in the scenario's time).

import { isIP } from 'node:net';
import { RealClock } from '../../net/clock.ts';
import type { Endpoint, Network, TcpConnection, TcpHalfClose, TcpListener, UdpSocket } from '../../net/network.ts';
import { SeededRandom } from '../../net/random.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import type { ProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import type { RRTypeName, Message } from '../../dns/types.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import type { Sample } from '../../assertions/timeline.ts';
import type { TraceEntry } from '../../assertions/trace.ts';
import { act } from '../runner/edits.ts';
import type { LabNetwork, ResolverFactory } from '../runner/machines.ts';
import { World } from '../runner/world.ts';
import { parseDuration } from '../scenario/duration.ts';
import { parseQuestion, type Plan } from '../scenario/validate.ts';

/** The most queries kept for `expectQueries` claims (oldest dropped first): bounded memory for a long session. */
export const MAX_TRACE = 200_000;

/** How long a live query waits for its answer, in host time (a lab query's 30 s would stall the prompt). */
export const LIVE_QUERY_WAIT_MS = 10_000;

/** The n-th loopback address from `base` (127.x.y.z counting up). */
export function nthAddress(base: string, index: number): string {
  const parts = base.split('.').map(Number);
  const n = ((parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) + index;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** A host's Network with scenario addresses translated to their loopback twins on every bind and connect. */
class MappedNetwork implements Network {
  constructor(
    private readonly inner: SocketNetwork,
    private readonly map: (a: string) => string,
  ) {}
  get clock() {
    return this.inner.clock;
  }
  get addresses() {
    return this.inner.addresses;
  }
  bindUdp(local: Endpoint): Promise<UdpSocket> {
    return this.inner.bindUdp({ ...local, address: this.map(local.address) });
  }
  listenTcp(local: Endpoint, onConnection: (c: TcpConnection) => void, options?: TcpHalfClose): Promise<TcpListener> {
    return this.inner.listenTcp({ ...local, address: this.map(local.address) }, onConnection, options);
  }
  connectTcp(remote: Endpoint, options?: { localAddress?: string; timeoutMs?: number } & TcpHalfClose): Promise<TcpConnection> {
    const o = options?.localAddress ? { ...options, localAddress: this.map(options.localAddress) } : options;
    return this.inner.connectTcp({ ...remote, address: this.map(remote.address) }, o);
  }
}

export interface LiveOptions {
  plan: Plan;
  seed: string;
  /** First loopback address (127.x.y.z). */
  base: string;
  port: number;
  onLog: (text: string) => void;
}

/** The world, its address map and the lab clock, built and replayed up to `startAt` (ms after T+0). */
export class LiveWorld {
  readonly clock = new RealClock();
  readonly mapping = new Map<string, string>();
  readonly world: World;
  /** Lab time of T+0: when the world was built. */
  t0 = 0;
  /** Queries and responses seen since the trainee took over (after the replay), machines by name. */
  readonly trace: TraceEntry[] = [];
  private tracing = false;
  private ids: SeededRandom;

  constructor(private readonly o: LiveOptions) {
    const topology = o.plan.topology;
    const declared = [
      ...Object.values(topology.servers).flatMap((s) => s.addresses),
      ...Object.values(topology.resolvers ?? {}).flatMap((r) => r.addresses),
      ...Object.values(topology.clients).flatMap((c) => c.addresses),
    ];
    // The same stable order as serve: the scenario's machines, then the root and TLD servers the lab synthesises.
    const synthesised = ['10.53.0.1', ...Array.from({ length: 64 }, (_, i) => `10.53.1.${i + 1}`)];
    let index = 0;
    for (const a of [...declared, ...synthesised]) if (isIP(a) === 4 && !this.mapping.has(a)) this.mapping.set(a, nthAddress(o.base, index++));
    const map = (a: string) => this.mapping.get(a) ?? a;
    // Servers trace the loopback address a query came from; claims name machines.
    const machineAt = new Map<string, string>();
    for (const kind of [topology.servers, topology.resolvers ?? {}, topology.clients])
      for (const [name, m] of Object.entries(kind)) for (const a of m.addresses) machineAt.set(map(a), name);
    const named = (x: string) => machineAt.get(x) ?? x;
    const clock = this.clock;
    const network: LabNetwork = {
      addHost: (_name, addresses) => new MappedNetwork(new SocketNetwork({ addresses: addresses.map(map), clock }), map),
    };
    const random = new SeededRandom(`${o.plan.scenario.id}/${o.plan.variant}/${o.seed}`);
    this.ids = random.fork('client-ids');
    const resolverFactory: ResolverFactory = async (r) => {
      const resolver = new RecursiveResolver({
        network: r.network,
        listen: r.addresses.map((address) => ({ address: map(address), port: o.port })),
        rootHints: r.rootHints.map((h) => ({ address: map(h.address), port: o.port })),
        trustAnchors: r.trustAnchors,
        profile: r.profile as ProfileName,
        options: r.settings as Partial<ResolverSettings>,
        random: r.random,
      });
      await resolver.start();
      return {
        name: r.name,
        addresses: r.addresses,
        flush: (name) => (name === undefined ? resolver.flushAll() : resolver.flushTree(name)),
        stop: () => resolver.stop(),
      };
    };
    this.world = new World({
      topology,
      network,
      clock,
      random,
      resolverFactory,
      onTrace: (e) => {
        if (!this.tracing) return;
        if (this.trace.length >= MAX_TRACE) this.trace.shift();
        this.trace.push({ ...e, from: named(e.from), to: named(e.to) });
      },
      onRegistryLog: (text) => o.onLog(text),
      fileLabel: o.plan.file,
      mapAddress: map,
      port: o.port,
    });
  }

  mapped(address: string): string {
    return this.mapping.get(address) ?? address;
  }

  /** Lab time since T+0, as the scenario writes it ('+1h10m'). */
  offsetText(): string {
    const s = Math.max(0, Math.round((this.clock.now() - this.t0) / 1000));
    const parts: string[] = [];
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d) parts.push(`${d}d`);
    if (h) parts.push(`${h}h`);
    if (m) parts.push(`${m}m`);
    if (s % 60 || parts.length === 0) parts.push(`${s % 60}s`);
    return `+${parts.join('')}`;
  }

  /** Move the lab clock forward by `ms` (cached data ages; signatures stay valid for 60 days). */
  advance(ms: number): void {
    if (ms > 0) this.clock.advance(ms);
  }

  /**
   * Build the world and replay the variant's steps up to `startAt`: each at its lab time, actions applied,
   * queries and watch samples asked (filling the resolvers' caches as in the scenario). Claims are not judged.
   */
  async start(startAt: number): Promise<void> {
    await this.world.build();
    this.t0 = this.clock.now();
    const agenda: { at: number; order: number; run: () => Promise<void> }[] = [];
    for (const p of this.o.plan.steps) {
      const s = p.step;
      if ('watch' in s) {
        const every = parseDuration(s.watch.every)!;
        const until = Math.min(parseDuration(s.watch.until)!, startAt);
        for (let t = p.at; t <= until; t += every)
          agenda.push({ at: t, order: 1, run: async () => void (await this.ask(s.watch.client, s.watch.to, s.watch.query)) });
      } else if (p.at <= startAt && 'action' in s) {
        agenda.push({
          at: p.at,
          order: 0,
          run: async () => {
            const r = act(this.world, s.action);
            this.o.onLog(`replayed step ${p.number} (at ${s.at}): ${typeof r === 'string' ? r : r.message}`);
          },
        });
      } else if (p.at <= startAt && 'query' in s)
        agenda.push({ at: p.at, order: 0, run: async () => void (await this.ask(s.client, s.to, s.query, s.dnssec)) });
    }
    // Stable sort: steps before samples at the same instant, then file order (as the runner does).
    agenda.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const item of agenda) {
      this.advance(this.t0 + item.at - this.clock.now());
      await item.run();
    }
    this.advance(this.t0 + startAt - this.clock.now());
    this.tracing = true;
  }

  /** One question from a client, through its resolver or to `to`, answered on the live sockets. */
  async ask(client: string, to: string | undefined, question: string, dnssec?: boolean): Promise<{ response: Message | undefined; sample: Sample }> {
    const q = parseQuestion(question);
    if (typeof q === 'string') throw new Error(q);
    const target = to ?? this.world.clients.get(client)?.resolver ?? '';
    const rd = this.world.resolvers.has(target);
    const hostDeadline = Date.now() + LIVE_QUERY_WAIT_MS;
    const drive = async (done: () => boolean, deadline: number) => {
      while (!done() && this.clock.now() < deadline && Date.now() < hostDeadline) await new Promise((r) => setTimeout(r, 5));
    };
    const r = await this.world.query(client, target, q.qname, q.qtype as RRTypeName, {
      rd,
      timeoutMs: 30_000,
      id: this.ids.int(65536),
      drive,
      ...(dnssec ? { dnssec } : {}),
    });
    const sample: Sample = {
      time: r.sentAt,
      client,
      qname: q.qname,
      qtype: q.qtype,
      rcode: r.response?.rcode ?? 'TIMEOUT',
      answer: (r.response?.answer ?? []).map((rr) => formatRecord(rr).replace(/\t/g, ' ')),
    };
    return { response: r.response, sample };
  }

  stop(): Promise<void> {
    return this.world.stop();
  }
}
