// What a scenario looks like with a device in its path: which emulated boxes
// the device replaces, and which scenario addresses live on which side.

import { VirtualClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { describeSettings, settingsFromOptions } from '../../servers/middlebox/index.ts';
import { World } from '../runner/world.ts';
import type { Plan } from '../scenario/validate.ts';
import { insideMachines } from './environment.ts';

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
  const inside = insideMachines(plan);
  const boxes: ReplacedBox[] = [];
  for (const [name, m] of Object.entries(plan.topology.middleboxes ?? {})) {
    const [a, b] = m.between;
    if (inside.has(a) === inside.has(b)) throw new Error(`middlebox "${name}" sits between ${a} and ${b}, both on the same side: a device between the lab's resolver and the authoritative world cannot replace it`);
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
 * The scenario's addresses by side: inside = clients and resolvers, outside = every authoritative server,
 * including the ones the world synthesises (root, TLDs), found by building the servers on a virtual network.
 */
export async function sideAddresses(plan: Plan, seed: string): Promise<{ inside: string[]; outside: string[] }> {
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
  const outside = [...new Set(world.machines().flatMap((m) => m.addresses))];
  await world.stop();
  const insideNames = insideMachines(plan);
  const inside = [
    ...new Set([
      ...Object.entries(plan.topology.clients ?? {}).filter(([n]) => insideNames.has(n)).flatMap(([, c]) => c.addresses),
      ...Object.values(plan.topology.resolvers ?? {}).flatMap((r) => r.addresses),
    ]),
  ];
  const both = inside.filter((a) => outside.includes(a));
  if (both.length) throw new Error(`address ${both.join(', ')} is both a client/resolver and a server address: it cannot be on both sides of the device`);
  return { inside, outside };
}
