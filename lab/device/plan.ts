// What a scenario looks like with a device in its path: which emulated boxes
// the device replaces, and which scenario addresses live on which side.

import { VirtualClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { describeSettings, settingsFromOptions } from '../../servers/middlebox/index.ts';
import { World } from '../runner/world.ts';
import type { Plan } from '../scenario/validate.ts';
import { outsideMachines } from './environment.ts';

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
export function withoutBoxes(plan: Plan): { plan: Plan; boxes: ReplacedBox[] } {
  const inside = new Set([...Object.keys(plan.topology.clients ?? {}), ...Object.keys(plan.topology.resolvers ?? {})]);
  const boxes: ReplacedBox[] = [];
  for (const [name, m] of Object.entries(plan.topology.middleboxes ?? {})) {
    const [a, b] = m.between;
    if (!inside.has(a) || !plan.topology.servers[b])
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

/**
 * The scenario's addresses by side (environment.ts outsideMachines): outside = the servers behind the device,
 * inside = clients, resolvers and the other servers. The world's synthesised servers (root, TLDs) are found by
 * building the servers on a virtual network.
 */
export async function sideAddresses(full: Plan, seed: string): Promise<{ inside: string[]; outside: string[] }> {
  const { plan } = withoutBoxes(full);
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
  const isOutside = outsideMachines(full);
  const servers = world.machines();
  await world.stop();
  const outside = [...new Set(servers.filter((m) => isOutside(m.name)).flatMap((m) => m.addresses))];
  const inside = [
    ...new Set([
      ...Object.values(plan.topology.clients ?? {}).flatMap((c) => c.addresses),
      ...Object.values(plan.topology.resolvers ?? {}).flatMap((r) => r.addresses),
      ...servers.filter((m) => !isOutside(m.name)).flatMap((m) => m.addresses),
    ]),
  ];
  const both = inside.filter((a) => outside.includes(a));
  if (both.length) throw new Error(`address ${both.join(', ')} belongs to machines on both sides of the device`);
  return { inside, outside };
}
