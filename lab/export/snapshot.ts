// What an exported lab is made of: the scenario's world built once at T+0 on a virtual network (no socket is
// opened), read back as plain data — each authoritative server with its zones as master files (signed zones
// with their RRSIGs and NSEC/NSEC3, signed now: the export is valid for the signature lifetime from now),
// the root hints, the root's trust anchor, the resolvers and the clients. Renderers (compose.ts,
// containerlab.ts) only turn this into files.

import { isIP } from 'node:net';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { toFqdn } from '../../dns/name.ts';
import { RealClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import type { Quirk } from '../../servers/authoritative/quirks.ts';
import { planScenario } from '../scenario/validate.ts';
import { World } from '../runner/world.ts';

export interface LabServer {
  name: string;
  host: string;
  addresses: string[];
  zones: { origin: string; file: string; text: string }[];
  quirks: Quirk[];
  udpPayloadSize?: number;
}
export interface LabResolver {
  name: string;
  addresses: string[];
  profile: string;
  settings: Record<string, boolean | number>;
}
export interface LabSnapshot {
  scenario: string;
  variant: string;
  servers: LabServer[];
  resolvers: LabResolver[];
  clients: { name: string; addresses: string[]; resolver?: string }[];
  rootHints: string[];
  /** The root's DS set in master-file form, empty when the root is unsigned. */
  trustAnchor: string;
  /** What the export leaves out, one line each (shown to the user and written to the README). */
  omitted: string[];
}

/** A zone origin as a file name: "." → root.zone, "example.com." → example.com.zone. */
export const zoneFileName = (origin: string) => `${origin === '.' ? 'root' : origin.replace(/\.$/, '')}.zone`;

export async function snapshotLab(loaded: LoadedScenario, variant: string | undefined, seed = '1'): Promise<LabSnapshot> {
  const plan = planScenario(loaded.scenario, loaded.file, variant);
  const clock = new RealClock();
  const vnet = new VirtualNetwork();
  const world = new World({
    topology: plan.topology,
    network: { addHost: (name, addresses) => vnet.addHost(name, addresses) },
    clock,
    random: new SeededRandom(`${plan.scenario.id}/${plan.variant}/${seed}`),
    onTrace: () => undefined,
    onRegistryLog: () => undefined,
    fileLabel: plan.file,
    serversOnly: true,
  });
  const omitted: string[] = [];
  try {
    await world.build();
    const servers: LabServer[] = [];
    for (const [name, s] of world.servers) {
      const declared = plan.topology.servers[name];
      servers.push({
        name,
        host: toFqdn(s.host),
        addresses: s.addresses,
        zones: s.server.zones.zones().map((z) => ({ origin: toFqdn(z.origin), file: zoneFileName(toFqdn(z.origin)), text: writeMasterFile(z) })),
        quirks: declared?.quirks ?? [],
        ...(declared?.udpPayloadSize !== undefined ? { udpPayloadSize: declared.udpPayloadSize } : {}),
      });
    }
    for (const [key, z] of Object.entries(plan.topology.zones))
      if (z.online) omitted.push(`zone ${key}: signed online in the lab; exported as the servers hold it at T+0`);
    const resolvers = Object.entries(plan.topology.resolvers ?? {}).map(([name, r]) => ({
      name,
      addresses: r.addresses,
      profile: r.profile,
      settings: r.settings ?? {},
    }));
    const clients = Object.entries(plan.topology.clients).map(([name, c]) => ({
      name,
      addresses: c.addresses,
      ...(c.resolver ? { resolver: c.resolver } : {}),
    }));
    for (const m of Object.keys(plan.topology.middleboxes ?? {})) omitted.push(`middlebox ${m}: not exported (the containers talk on-link)`);
    if (plan.steps.length) omitted.push(`${plan.steps.length} steps and their claims: not run (the export is the lab at T+0; run them with dnslab run)`);
    return {
      scenario: plan.scenario.id,
      variant: plan.variant,
      servers,
      resolvers,
      clients,
      rootHints: world.rootHints().map((h) => h.address),
      trustAnchor: world
        .trustAnchors()
        .map((rr) => formatRecord(rr))
        .join('\n'),
      omitted,
    };
  } finally {
    await world.stop();
  }
}

/** IPv4 addresses only: the exported networks are IPv4 (Docker's IPv6 needs daemon settings users may lack). */
export const ipv4 = (addresses: readonly string[]) => addresses.filter((a) => isIP(a) === 4);
