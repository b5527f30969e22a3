// What a scenario looks like with a device in its path: which emulated boxes
// the device replaces, and which scenario addresses live on which side.

import { VirtualClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { describeSettings, settingsFromOptions } from '../../servers/middlebox/index.ts';
import { World } from '../runner/world.ts';
import type { Plan } from '../scenario/validate.ts';
import { toFqdn } from '../../dns/name.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';

export interface ReplacedBox {
  name: string;
  kind: string;
  between: [string, string];
  /** The emulated box's settings in words (describeSettings), for the report. */
  settings: string[];
}

/**
 * The plan without its emulated middleboxes: the device sits where they were. Every box must be between an
 * inside machine (client or resolver) and a server, or the device could not be on its path.
 */
export function withoutBoxes(plan: Plan, anywhere = false): { plan: Plan; boxes: ReplacedBox[] } {
  const inside = new Set([...Object.keys(plan.topology.clients ?? {}), ...Object.keys(plan.topology.resolvers ?? {})]);
  const boxes: ReplacedBox[] = [];
  for (const [name, m] of Object.entries(plan.topology.middleboxes ?? {})) {
    const [a, b] = m.between;
    if (!anywhere && (!inside.has(a) || !plan.topology.servers[b]))
      throw new Error(`middlebox "${name}" sits between ${a} and ${b}: a device replaces only a box between a client or resolver and a server`);
    let settings: string[];
    try {
      settings = describeSettings(settingsFromOptions(m.kind, m.options ?? {}));
    } catch {
      settings = Object.entries(m.options ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    }
    boxes.push({ name, kind: m.kind, between: m.between, settings });
  }
  const topology = structuredClone(plan.topology);
  delete topology.middleboxes;
  return { plan: { ...plan, topology }, boxes };
}

/** Where a resolver or forwarder device stands in the scenario (placeDevice). */
export interface Placement {
  role: 'resolver' | 'forwarder';
  /** The machine name the device has in the plan: the resolver it is, or the forwarder in front of it. */
  device: string;
  /** The scenario resolver: the device itself (resolver role) or the lab's resolver it forwards to. */
  resolver: string;
  /** The clients that ask the device (they live inside; everything else lives outside). */
  clients: string[];
  /** The device's own addresses: clients ask the inside one, it sends from the outside one. */
  inside: string;
  outside: string;
  /** The emulated boxes left out of the run (a resolver or forwarder device is not a box between two machines). */
  leftOut: ReplacedBox[];
}

/**
 * The plan with a resolver or forwarder device in it, and where everything lives. Resolver: the scenario resolver
 * `deviceFor` (default the first) takes the device's two addresses, so its clients ask the device and the world
 * sees its queries come from the device. Forwarder: a machine "device" (or "device-2"…) with those addresses is put
 * in front of that resolver, and the resolver's clients ask it instead. Emulated boxes are left out.
 */
export function placeDevice(
  full: Plan,
  o: { role: 'resolver' | 'forwarder'; deviceFor?: string; inside: string; outside: string },
): { plan: Plan; placement: Placement } {
  const names = Object.keys(full.topology.resolvers ?? {});
  const resolver = o.deviceFor ?? names[0];
  if (resolver === undefined)
    throw new Error(`scenario ${full.scenario.id} has no resolver for a ${o.role} device to ${o.role === 'resolver' ? 'be' : 'stand in front of'}`);
  if (!names.includes(resolver)) throw new Error(`--device-for ${resolver}: no such resolver in ${full.scenario.id} (it has ${names.join(', ') || 'none'})`);
  const { plan: stripped, boxes } = withoutBoxes(full, true);
  const topology = structuredClone(stripped.topology);
  let device = resolver;
  if (o.role === 'resolver') topology.resolvers![resolver]!.addresses = [o.inside, o.outside];
  else {
    device = 'device';
    for (let i = 2; topology.resolvers![device] || topology.servers[device] || topology.clients[device]; i++) device = `device-${i}`;
    topology.resolvers![device] = { addresses: [o.inside, o.outside], profile: topology.resolvers![resolver]!.profile };
    for (const c of Object.values(topology.clients)) if (c.resolver === resolver) c.resolver = device;
  }
  const clients = Object.entries(topology.clients)
    .filter(([, c]) => c.resolver === device)
    .map(([n]) => n);
  if (clients.length === 0) throw new Error(`no client of ${full.scenario.id} uses resolver ${resolver}: nothing would ask the device`);
  return { plan: { ...stripped, topology }, placement: { role: o.role, device, resolver, clients, inside: o.inside, outside: o.outside, leftOut: boxes } };
}

/**
 * Which machines sit behind the device (outside). With emulated boxes in the scenario, the servers those boxes
 * stand in front of — the device takes their place, and every other server stays inside with the resolver, as in
 * the emulated run (the scenario puts no box in front of them). With none, every server: the device sits in front
 * of the whole authoritative world.
 */
export function outsideMachines(plan: Plan): (name: string) => boolean {
  const boxed = new Set(Object.values(plan.topology.middleboxes ?? {}).map((m) => m.between[1]));
  const inside = new Set([...Object.keys(plan.topology.clients ?? {}), ...Object.keys(plan.topology.resolvers ?? {})]);
  return boxed.size > 0 ? (name) => boxed.has(name) : (name) => !inside.has(name);
}

/** Which machines live outside: middlebox role as outsideMachines; resolver/forwarder: all but the device's clients. */
export function outsideOf(full: Plan, placement: Placement | undefined): (name: string) => boolean {
  if (!placement) return outsideMachines(full);
  const inside = new Set(placement.clients);
  return (name) => !inside.has(name);
}

/**
 * The scenario's addresses by side (outsideOf): outside = the servers behind the device,
 * inside = clients, resolvers and the other servers. The world's synthesised servers (root, TLDs) are found by
 * building the servers on a virtual network; its root hints and trust anchor come along (what a resolver device
 * must be configured with).
 */
export async function sideAddresses(
  full: Plan,
  seed: string,
  placement?: Placement,
): Promise<{ inside: string[]; outside: string[]; rootHints: { host: string; address: string }[]; trustAnchors: string[] }> {
  const plan = placement ? placeDevice(full, { ...placement, deviceFor: placement.resolver }).plan : withoutBoxes(full).plan;
  const clock = new VirtualClock({ start: plan.start });
  const world = new World({
    topology: plan.topology,
    network: new VirtualNetwork({ clock, random: new SeededRandom('device-plan') }),
    clock,
    random: new SeededRandom(`${plan.scenario.id}/${plan.variant}/${seed}`),
    onTrace: () => undefined,
    onRegistryLog: () => undefined,
    fileLabel: plan.file,
    serversOnly: true,
  });
  await world.build();
  const isOutside = outsideOf(full, placement);
  const servers = world.machines();
  const rootHints = world.rootHints().map((h) => ({ host: toFqdn(h.host), address: h.address }));
  const trustAnchors = world.trustAnchors().map((r) => formatRecord(r));
  await world.stop();
  const machines = [
    ...servers,
    ...Object.entries(plan.topology.clients ?? {}).map(([name, c]) => ({ name, addresses: c.addresses })),
    ...Object.entries(plan.topology.resolvers ?? {})
      .filter(([name]) => name !== placement?.device)
      .map(([name, r]) => ({ name, addresses: r.addresses })),
  ];
  // Middlebox role: clients and resolvers are always inside.
  const side = (name: string) => (placement || servers.some((m) => m.name === name) ? isOutside(name) : false);
  const outside = [...new Set(machines.filter((m) => side(m.name)).flatMap((m) => m.addresses))];
  const inside = [...new Set(machines.filter((m) => !side(m.name)).flatMap((m) => m.addresses))];
  const both = inside.filter((a) => outside.includes(a));
  if (both.length) throw new Error(`address ${both.join(', ')} belongs to machines on both sides of the device`);
  return { inside, outside, rootHints, trustAnchors };
}
