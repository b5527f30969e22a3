// Zone planning: from a scenario's topology to the zones, servers and addresses of its small Internet, before
// anything runs. A pure function of the topology (no network, no clock, no keys): the World (world.ts) applies
// the plan — signs, registers, starts machines.
//
// Synthesised infrastructure (so a scenario only writes the zones its story is about): a root zone served by
// "root" (a.root-servers.lab, 10.53.0.1) unless the scenario declares ".", and a zone for every TLD the
// scenario uses but does not declare, served by "tld-<tld>" (a.nic.<tld>, 10.53.1.N). A declared zone is
// delegated from its closest declared-or-synthesised parent, with glue for in-bailiwick hosts — unless the
// parent is a TLD run by a registry, in which case only registered domains are delegated, by the registry.

import { canonicalName, isSubdomain, labels, normalizeName, parentName, toFqdn } from '../../dns/name.ts';
import type { Name } from '../../dns/types.ts';
import type { OnlineSigningQuirk } from '../../dns/dnssec/online.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import type { Quirk } from '../../servers/authoritative/quirks.ts';
import type { Topology } from '../scenario/types.ts';

const ROOT_SERVER = { name: 'root', host: 'a.root-servers.lab', address: '10.53.0.1' };
/** TTL of every record the lab synthesises (infrastructure zones, delegations, glue, DS). */
export const INFRA_TTL = 86400;

/** An authoritative server: declared by the scenario, or synthesised for the root or a TLD. */
export interface PlannedServer {
  host: Name;
  addresses: string[];
  quirks: Quirk[];
  udpPayloadSize?: number;
}

/** A zone as planned: its unsigned master data (without delegations yet) and how it is to be served. */
export interface PlannedZone {
  origin: Name;
  /** The master-file text parsed, or the synthesised SOA and NS. */
  master: Zone;
  servers: string[];
  synthetic: boolean;
  /** Signed before T+0: declared signed or online, or synthesised while any zone is signed. */
  signed: boolean;
  online?: { quirks: OnlineSigningQuirk[] };
  /** Keys (of topology.zones) whose ZSKs this zone's DNSKEY set also publishes (RFC 8901 model 2). */
  publishKeysOf: string[];
  dnskeyTtl?: number;
  /** A second copy of a zone at another operator (key of topology.zones ≠ origin): never delegated automatically. */
  copy: boolean;
}

/** An address record the parent publishes for a child's nameserver (glue), or a zone for its own server host. */
export interface AddressRecord {
  name: Name;
  type: 'A' | 'AAAA';
  address: string;
}

/** A child zone delegated from its closest parent zone. */
export interface Delegation {
  /** Keys of the parent and the child zone. */
  parent: string;
  child: string;
  origin: Name;
  /** NS targets to add at the child's origin, each with its glue when in bailiwick; [] when the scenario wrote the delegation itself. */
  ns: { host: Name; glue: AddressRecord[] }[];
}

export interface ZonePlan {
  /** Declared servers, then the synthesised root, then synthesised TLD servers (machines start in this order). */
  servers: Map<string, PlannedServer>;
  /** By canonical key: declared zones, then the synthesised root, then synthesised TLDs in name order. */
  zones: Map<string, PlannedZone>;
  /** TLDs whose delegations a registry makes (nothing is delegated from them here). */
  registryTlds: Set<string>;
  /** Parent-side delegations, shallowest child first; the parent also gets the child's DS when it is signed. */
  delegations: Delegation[];
  /** Address records of server hosts, by zone key: in the synthesised zone they belong to, and the root's own. */
  hostAddresses: { zone: string; record: AddressRecord }[];
}

/** A scenario's world cannot be built as written (planning here, machines and edits later). */
export class WorldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorldError';
  }
}

/** Plan the zones, servers and addresses of `topology`; `fileLabel` names the scenario file in parse errors. */
export function planZones(topology: Topology, fileLabel: string): ZonePlan {
  const servers = new Map<string, PlannedServer>();
  for (const [name, s] of Object.entries(topology.servers)) {
    servers.set(name, {
      host: normalizeName(s.host),
      addresses: [...s.addresses],
      quirks: s.quirks ?? [],
      ...(s.udpPayloadSize !== undefined ? { udpPayloadSize: s.udpPayloadSize } : {}),
    });
  }
  const zones = new Map<string, PlannedZone>();
  // Declared zones.
  for (const [name, z] of Object.entries(topology.zones)) {
    const origin = normalizeName(z.origin ?? name);
    const key = canonicalName(normalizeName(name));
    zones.set(key, {
      origin,
      master: parseZoneText(z.text, origin, `${fileLabel} zone ${name}`),
      servers: [...z.servers],
      synthetic: false,
      signed: !!(z.signed || z.online),
      ...(z.online ? { online: { quirks: [...(z.online.quirks ?? [])] } } : {}),
      publishKeysOf: (z.publishKeysOf ?? []).map((k) => canonicalName(normalizeName(k))),
      ...(z.dnskeyTtl !== undefined ? { dnskeyTtl: z.dnskeyTtl } : {}),
      copy: key !== canonicalName(origin),
    });
  }
  // Synthesised root and TLDs.
  const synthesise = (key: string, server: string, spec: PlannedServer): void => {
    servers.set(server, spec);
    zones.set(key, {
      origin: normalizeName(key),
      master: infraZone(key, spec.host),
      servers: [server],
      synthetic: true,
      signed: false,
      publishKeysOf: [],
      copy: false,
    });
  };
  if (!zones.has('.')) synthesise('.', ROOT_SERVER.name, { host: ROOT_SERVER.host, addresses: [ROOT_SERVER.address], quirks: [] });
  const tlds = new Set<string>();
  const lastLabel = (name: Name) => {
    const ls = labels(name);
    if (ls.length >= 1) tlds.add(canonicalName(ls[ls.length - 1]!));
  };
  for (const z of zones.values()) lastLabel(z.origin);
  for (const s of servers.values()) lastLabel(s.host);
  let n = 1;
  for (const tld of [...tlds].sort()) {
    if (zones.has(tld)) continue;
    synthesise(tld, `tld-${tld}`, { host: `a.nic.${tld}`, addresses: [`10.53.1.${n++}`], quirks: [] });
  }
  // Registries own their TLD's delegations.
  const registryTlds = new Set<string>();
  for (const spec of topology.registries ?? []) {
    const tld = canonicalName(spec.tld);
    if (!zones.has(tld)) throw new WorldError(`registry for ${spec.tld}: no such zone`);
    registryTlds.add(tld);
  }
  // When any zone is signed, the synthesised root and TLDs are signed too, so a chain of trust reaches it.
  if ([...zones.values()].some((z) => z.signed)) for (const z of zones.values()) if (z.synthetic) z.signed = true;
  return { servers, zones, registryTlds, delegations: planDelegations(zones, servers, registryTlds), hostAddresses: planHostAddresses(zones, servers) };
}

/** Each child zone from its closest parent (not from registry-run TLDs, not for copies), shallowest first. */
function planDelegations(zones: Map<string, PlannedZone>, servers: Map<string, PlannedServer>, registryTlds: Set<string>): Delegation[] {
  // Addresses by host name, in server order (one pass: a scan of every server per delegation is quadratic).
  const byHost = new Map<string, string[]>();
  for (const s of servers.values()) {
    const key = canonicalName(s.host);
    const list = byHost.get(key);
    if (list) list.push(...s.addresses);
    else byHost.set(key, [...s.addresses]);
  }
  const hostAddresses = (host: Name) => byHost.get(canonicalName(host)) ?? [];
  const out: Delegation[] = [];
  // Depths counted once, not twice per comparison (labels() parses escapes; a sort of 10^5 zones made 3·10^6 calls).
  const byDepth = [...zones].map((e) => ({ e, depth: labels(e[0]).length })).sort((a, b) => a.depth - b.depth);
  for (const { e } of byDepth) {
    const [key, child] = e;
    if (key === '.' || child.copy) continue;
    const parentKey = closestZone(zones, canonicalName(parentName(key)));
    if (parentKey === undefined || registryTlds.has(parentKey)) continue;
    const parent = zones.get(parentKey)!.master;
    const origin = child.origin;
    const delegation: Delegation = { parent: parentKey, child: key, origin, ns: [] };
    out.push(delegation);
    if (parent.get(origin, 'NS')) continue; // the scenario wrote the delegation itself
    const hosts = child.servers.map((s) => servers.get(s)?.host).filter((h): h is Name => h !== undefined);
    for (const host of [...new Set(hosts)]) {
      delegation.ns.push({ host, glue: isSubdomain(host, parent.origin) ? hostAddresses(host).map((address) => addressRecord(host, address)) : [] });
    }
  }
  return out;
}

/**
 * Addresses for every server host in the zone that is authoritative for it (and the root's own glue), so
 * resolvers can find nameservers by name, not only through glue. Only synthesised zones and the root get them.
 */
function planHostAddresses(zones: Map<string, PlannedZone>, servers: Map<string, PlannedServer>): ZonePlan['hostAddresses'] {
  const out: ZonePlan['hostAddresses'] = [];
  for (const spec of servers.values()) {
    const zoneKey = closestZone(zones, canonicalName(spec.host));
    const targets = [zoneKey, ...(spec.host === ROOT_SERVER.host ? ['.'] : [])];
    for (const key of targets) {
      const z = key === undefined ? undefined : zones.get(key);
      if (!z || !(z.synthetic || key === '.')) continue;
      for (const address of spec.addresses) out.push({ zone: key!, record: addressRecord(spec.host, address) });
    }
  }
  return out;
}

/** The deepest zone key at or above `name` (a canonical name), if any. */
function closestZone(zones: ReadonlyMap<string, unknown>, name: string): string | undefined {
  let p = name;
  for (;;) {
    if (zones.has(p)) return p;
    if (p === '.') return undefined;
    p = canonicalName(parentName(p));
  }
}

function addressRecord(name: Name, address: string): AddressRecord {
  return { name, type: address.includes(':') ? 'AAAA' : 'A', address };
}

/** A synthesised zone: SOA and NS naming `host`. */
function infraZone(origin: Name, host: Name): Zone {
  const o = toFqdn(origin);
  const text = [
    `${o} ${INFRA_TTL} IN SOA ${toFqdn(host)} hostmaster.${o === '.' ? '' : o} 1 1800 900 604800 86400`,
    `${o} ${INFRA_TTL} IN NS ${toFqdn(host)}`,
  ].join('\n');
  return parseZoneText(text, origin, `synthesised zone ${o}`);
}
