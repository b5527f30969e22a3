// The machines of a scenario's world on the network in use: authoritative servers, clients, resolvers (from a
// factory: the emulated resolver, or a real product) and the middleboxes between two machines. The World
// (world.ts) decides what runs where (zone-plan.ts) and calls these in order; what each machine needs from it
// is the `MachineSite`.

import type { Name, RR } from '../../dns/types.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import type { Network } from '../../net/network.ts';
import type { SeededRandom } from '../../net/random.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/server.ts';
import { attachBetween, attachLoadBalancer, settingsFromOptions, type InterceptorHost } from '../../servers/middlebox/index.ts';
import type { TraceEntry } from '../../assertions/trace.ts';
import type { ScenarioClient, ScenarioResolver, Topology } from '../scenario/types.ts';
import { WorldError, type PlannedServer } from './zone-plan.ts';

/** What the world needs from the network layer (VirtualNetwork satisfies it). */
export interface LabNetwork {
  addHost(name: string, addresses: string[]): Network;
}

/** A resolver as the runner drives it. */
export interface ResolverHandle {
  name: string;
  addresses: string[];
  flush(name?: Name): void;
  stop(): Promise<void>;
}

export interface ResolverFactory {
  (options: {
    name: string;
    network: Network;
    addresses: string[];
    profile: string;
    settings: Record<string, boolean | number>;
    rootHints: { host: Name; address: string }[];
    trustAnchors: RR[];
    random: SeededRandom;
    onTrace: (entry: TraceEntry) => void;
    machineOf: (address: string) => string;
  }): Promise<ResolverHandle>;
}

/** What machines need from the world they are built in. */
export interface MachineSite {
  readonly network: LabNetwork;
  /** The DNS port servers listen on (53 unless serve mode says otherwise). */
  readonly port: number;
  /** A scenario address as it exists on the network in use. */
  mapped(address: string): string;
  /** `address` (as on the network) belongs to `machine`: traces name the machine. */
  place(address: string, machine: string): void;
  machineOf(address: string): string;
}

export interface ServerMachine {
  host: Name;
  addresses: string[];
  server: AuthoritativeServer;
  network: Network;
}

/** Start the authoritative server `name` on its own host, serving `zones`. */
export async function startServer(
  site: MachineSite,
  name: string,
  spec: PlannedServer,
  zones: Zone[],
  onEvent: (e: ServerEvent) => void,
): Promise<ServerMachine> {
  const network = site.network.addHost(
    name,
    spec.addresses.map((a) => site.mapped(a)),
  );
  for (const a of spec.addresses) site.place(site.mapped(a), name);
  const server = new AuthoritativeServer({
    network,
    listen: spec.addresses.map((address) => ({ address: site.mapped(address), port: site.port })),
    zones,
    quirks: spec.quirks,
    ...(spec.udpPayloadSize !== undefined ? { udpPayloadSize: spec.udpPayloadSize } : {}),
    name,
    // The encoded-answer cache reports hits without qname/qtype; traces need every question.
    cache: false,
    onEvent,
  });
  await server.start();
  return { host: spec.host, addresses: spec.addresses, server, network };
}

export interface ClientMachine {
  addresses: string[];
  resolver?: string;
  network: Network;
}

/** A client: a host with addresses, asking through `resolver` unless a step names a target. */
export function addClient(site: MachineSite, name: string, c: ScenarioClient): ClientMachine {
  const network = site.network.addHost(name, c.addresses);
  for (const a of c.addresses) site.place(a, name);
  return { addresses: c.addresses, ...(c.resolver ? { resolver: c.resolver } : {}), network };
}

/** Start the resolver `name` from `factory`, with the root's hints and trust anchors. */
export async function startResolver(
  site: MachineSite,
  factory: ResolverFactory | undefined,
  name: string,
  r: ScenarioResolver,
  o: { rootHints: { host: Name; address: string }[]; trustAnchors: RR[]; random: SeededRandom; onTrace: (entry: TraceEntry) => void },
): Promise<ResolverHandle> {
  for (const a of r.addresses) site.place(a, name);
  if (!factory) throw new WorldError(`resolver "${name}": no recursive resolver is available in this build`);
  const network = site.network.addHost(name, r.addresses);
  return factory({
    name,
    network,
    addresses: r.addresses,
    profile: r.profile,
    settings: r.settings ?? {},
    rootHints: o.rootHints,
    trustAnchors: o.trustAnchors,
    random: o.random,
    onTrace: o.onTrace,
    machineOf: (a) => site.machineOf(a),
  });
}

/** Middleboxes: boxes on both directions of the path between two machines. */
export function attachMiddleboxes(site: MachineSite, topology: Topology): void {
  for (const [name, m] of Object.entries(topology.middleboxes ?? {})) {
    const net = site.network as LabNetwork & Partial<InterceptorHost>;
    if (typeof net.addInterceptor !== 'function')
      throw new WorldError(
        `middlebox "${name}": this network cannot carry middleboxes (the virtual lab can, and the real-resolver path through its SocketEdge)`,
      );
    const settings = settingsFromOptions(m.kind, m.options ?? {});
    if (m.kind === 'load-balancer') {
      // The VIPs are the server's published addresses; it is also the one backend (validate.ts checks it is a server).
      const vips = (topology.servers[m.between[1]]?.addresses ?? []).map((a) => site.mapped(a));
      attachLoadBalancer(net as InterceptorHost, m.between[0], m.between[1], vips, settings, name);
    } else attachBetween(net as InterceptorHost, m.between[0], m.between[1], settings, name);
  }
}
