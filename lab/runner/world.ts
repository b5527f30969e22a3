// Builds the small Internet a scenario describes, on the VirtualNetwork:
// zones (plus any root/TLD zones the scenario did not write out, with the
// delegations between them), authoritative servers, registries publishing into
// their TLD zones, resolvers and clients. Also the things steps do to that
// world: edit zones, act at registrars, send a client's query.
//
// Synthesised infrastructure (so a scenario only writes the zones its story is
// about): a root zone served by "root" (a.root-servers.lab, 10.53.0.1) unless
// the scenario declares ".", and a zone for every TLD the scenario uses but
// does not declare, served by "tld-<tld>" (a.nic.<tld>, 10.53.1.N). A declared
// zone is delegated from its closest declared-or-synthesised parent, with glue
// for in-bailiwick hosts — unless the parent is a TLD run by a registry, in
// which case only registered domains are delegated, by the registry.

import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { makeQuery } from '../../dns/message.ts';
import { isSubdomain, labels, nameEquals, normalizeName, parentName, toFqdn, canonicalName } from '../../dns/name.ts';
import type { DnskeyData, DsData, Message, Name, RR, RRTypeName } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { Zone } from '../../dns/zone/zone.ts';
import type { Endpoint, Network, TcpConnection } from '../../net/network.ts';
import type { SeededRandom } from '../../net/random.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/server.ts';
import type { Quirk } from '../../servers/authoritative/quirks.ts';
import { Registrar, Registry, type HostGlue, type OpResult, type StatusCode } from '../registry/registry.ts';
import { parseRemoval } from '../scenario/validate.ts';
import type { Topology } from '../scenario/types.ts';
import type { TraceEntry } from '../../assertions/trace.ts';
import { generateKey, type SigningKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone } from '../../dns/dnssec/sign.ts';
import { OnlineSigner, type OnlineSigningQuirk } from '../../dns/dnssec/online.ts';
import { cloneRecord } from '../../dns/rdata-key.ts';
import { attachBetween, attachLoadBalancer, settingsFromOptions, type InterceptorHost } from '../../servers/middlebox/index.ts';

export const ROOT_SERVER = { name: 'root', host: 'a.root-servers.lab', address: '10.53.0.1' };
const INFRA_TTL = 86400;

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

interface ServedZone {
  /** The zone the servers hold: a copy of `master`, signed when `keys` is set (rebuilt by `resign`). */
  zone: Zone;
  /** The unsigned data operators and registries edit; signing rebuilds `zone` from it. */
  master: Zone;
  servers: string[];
  synthetic: boolean;
  /** Present while the zone is signed. */
  keys?: SigningKey[];
  /** Key generations so far (a re-sign with new keys gets new seeds). */
  generation: number;
  /** Signed on the fly by the servers (a managed DNS service), with these signer quirks. */
  online?: { quirks: OnlineSigningQuirk[] };
  /** Keys (of topology.zones) whose ZSKs this zone's DNSKEY set also publishes (RFC 8901 model 2). */
  publishKeysOf: string[];
  /** TTL of the DNSKEY RRset (default: the SOA TTL when signed online, else 3600). */
  dnskeyTtl?: number;
  /** A second copy of a zone at another operator (key of topology.zones ≠ origin): never delegated automatically. */
  copy: boolean;
}

/** Signing algorithm for lab zones: Ed25519 signatures are deterministic (RFC 8080), so pcaps stay byte-identical per seed. */
export const LAB_ALGORITHM = 15;
/** Validity of lab signatures around the signing time (RFC 4034 §3.1.5). */
const SIG_BEFORE_S = 3600;
const SIG_VALIDITY_S = 60 * 86400;

export class WorldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorldError';
  }
}

export interface WorldOptions {
  topology: Topology;
  network: LabNetwork;
  clock: { now(): number };
  random: SeededRandom;
  resolverFactory?: ResolverFactory;
  onTrace: (entry: TraceEntry) => void;
  onRegistryLog: (text: string, ok: boolean) => void;
  fileLabel: string;
  /**
   * Serve mode (real sockets): where each scenario address really lives (e.g. 192.0.2.53 → 127.53.0.2)
   * and on which port. Machine addresses in zone data (NS host A/AAAA, glue) are rewritten the same way.
   */
  mapAddress?: (address: string) => string;
  port?: number;
  /** Build only the authoritative side (no resolvers or clients). */
  serversOnly?: boolean;
}

export class World {
  readonly zones = new Map<string, ServedZone>();
  readonly servers = new Map<string, { host: Name; addresses: string[]; server: AuthoritativeServer; network: Network }>();
  readonly resolvers = new Map<string, ResolverHandle>();
  readonly clients = new Map<string, { addresses: string[]; resolver?: string; network: Network }>();
  readonly registries: Registry[] = [];
  readonly registrars = new Map<string, Registrar>();
  private readonly addressToMachine = new Map<string, string>();
  private readonly pendingServerQueries = new Map<string, { qname: Name; qtype: RRTypeName }>();
  private readonly signedAtStart = new Set<string>();
  private built = false;

  constructor(private readonly options: WorldOptions) {}

  machineOf(address: string): string {
    return this.addressToMachine.get(address) ?? address;
  }

  /** Root server addresses as resolvers should be configured (root hints), after mapping. */
  rootHints(): { host: Name; address: string }[] {
    const root = this.zones.get('.');
    if (!root) return [];
    return root.servers.flatMap((s) => {
      const srv = this.servers.get(s);
      return srv ? srv.addresses.map((a) => ({ host: srv.host, address: this.mapped(a) })) : [];
    });
  }

  /** The root's DS (trust anchor) when the root is signed. */
  trustAnchors(): RR[] {
    const root = this.zones.get('.');
    return root?.keys ? dsRecords(root.keys, [2], INFRA_TTL) : [];
  }

  machines(): { name: string; role: 'client' | 'resolver' | 'server'; addresses: string[] }[] {
    return [
      ...[...this.clients].map(([name, c]) => ({ name, role: 'client' as const, addresses: c.addresses })),
      ...[...this.resolvers].map(([name, r]) => ({ name, role: 'resolver' as const, addresses: r.addresses })),
      ...[...this.servers].map(([name, s]) => ({ name, role: 'server' as const, addresses: s.addresses })),
    ];
  }

  async build(): Promise<void> {
    const { topology } = this.options;
    const serverSpecs = new Map<string, { host: Name; addresses: string[]; quirks: Quirk[]; udpPayloadSize?: number }>();
    for (const [name, s] of Object.entries(topology.servers)) {
      serverSpecs.set(name, { host: normalizeName(s.host), addresses: [...s.addresses], quirks: s.quirks ?? [], ...(s.udpPayloadSize !== undefined ? { udpPayloadSize: s.udpPayloadSize } : {}) });
    }
    // 1. Declared zones.
    for (const [name, z] of Object.entries(topology.zones)) {
      const origin = normalizeName(z.origin ?? name);
      const key = canonicalName(normalizeName(name));
      const zone = parseZoneText(z.text, origin, `${this.options.fileLabel} zone ${name}`);
      this.zones.set(key, {
        zone: new Zone(origin),
        master: zone,
        servers: [...z.servers],
        synthetic: false,
        generation: 0,
        ...(z.online ? { online: { quirks: [...(z.online.quirks ?? [])] } } : {}),
        publishKeysOf: (z.publishKeysOf ?? []).map((k) => canonicalName(normalizeName(k))),
        ...(z.dnskeyTtl !== undefined ? { dnskeyTtl: z.dnskeyTtl } : {}),
        copy: key !== canonicalName(origin),
      });
      if (z.signed || z.online) this.signedAtStart.add(key);
    }
    // 2. Synthesised root and TLDs.
    if (!this.zones.has('.')) {
      serverSpecs.set(ROOT_SERVER.name, { host: ROOT_SERVER.host, addresses: [ROOT_SERVER.address], quirks: [] });
      const zone = infraZone('.', ROOT_SERVER.host);
      this.zones.set('.', { zone: new Zone('.'), master: zone, servers: [ROOT_SERVER.name], synthetic: true, generation: 0, publishKeysOf: [], copy: false });
    }
    const tlds = new Set<string>();
    for (const z of this.zones.values()) {
      const ls = labels(z.zone.origin);
      if (ls.length >= 1) tlds.add(canonicalName(ls[ls.length - 1]!));
    }
    for (const s of serverSpecs.values()) {
      const ls = labels(s.host);
      if (ls.length >= 1) tlds.add(canonicalName(ls[ls.length - 1]!));
    }
    let n = 1;
    for (const tld of [...tlds].sort()) {
      if (this.zones.has(tld)) continue;
      const server = `tld-${tld}`;
      const host = `a.nic.${tld}`;
      serverSpecs.set(server, { host, addresses: [`10.53.1.${n++}`], quirks: [] });
      const zone = infraZone(tld, host);
      this.zones.set(tld, { zone: new Zone(tld), master: zone, servers: [server], synthetic: true, generation: 0, publishKeysOf: [], copy: false });
    }
    // 3. Registries own their TLD's delegations.
    const registryTlds = new Set<string>();
    for (const spec of topology.registries ?? []) {
      const tld = canonicalName(spec.tld);
      registryTlds.add(tld);
      const tldZone = this.zones.get(tld);
      if (!tldZone) throw new WorldError(`registry for ${spec.tld}: no such zone`);
      const registry = new Registry({
        tld: spec.tld,
        zone: tldZone.master,
        clock: this.options.clock,
        registrars: spec.registrars,
        ...(spec.nsTtl !== undefined ? { nsTtl: spec.nsTtl } : {}),
        ...(spec.dsTtl !== undefined ? { dsTtl: spec.dsTtl } : {}),
      });
      registry.onLog((e) => {
        this.options.onRegistryLog(`registry .${spec.tld}: ${e.actor} ${e.op} ${e.domain}: ${e.ok ? 'accepted' : `REFUSED (${e.reason})`} — ${e.message}`, e.ok);
        if (e.ok && this.built) this.resign(tld);
      });
      this.registries.push(registry);
      for (const r of spec.registrars) this.registrars.set(r, new Registrar(r, registry));
    }
    // Keys first: parents need their children's DS before they are signed. When any zone is signed,
    // the synthesised root and TLDs are signed too, so a chain of trust reaches it from the root.
    const anySigned = this.signedAtStart.size > 0;
    for (const [key, z] of this.zones) {
      if (this.signedAtStart.has(key) || (anySigned && z.synthetic)) z.keys = this.newKeys(key, z);
    }
    // 4. Delegations from parents (not for registry-run TLDs).
    const hostAddresses = (host: Name) => [...serverSpecs.values()].filter((s) => nameEquals(s.host, host)).flatMap((s) => s.addresses);
    for (const [key, child] of [...this.zones].sort((a, b) => labels(a[0]).length - labels(b[0]).length)) {
      if (key === '.' || child.copy) continue;
      const parentKey = this.closestParentZone(key);
      if (parentKey === undefined || registryTlds.has(parentKey)) continue;
      const parent = this.zones.get(parentKey)!.master;
      const origin = child.zone.origin;
      if (child.keys && !parent.get(origin, 'DS')) for (const ds of dsRecords(child.keys, [2], INFRA_TTL)) parent.add(ds);
      if (parent.get(origin, 'NS')) continue; // the scenario wrote the delegation itself
      const hosts = child.servers.map((s) => serverSpecs.get(s)?.host).filter((h): h is Name => h !== undefined);
      for (const host of [...new Set(hosts)]) {
        parent.add({ name: origin, type: 'NS', class: 'IN', ttl: INFRA_TTL, data: host });
        if (isSubdomain(host, parent.origin)) {
          for (const address of hostAddresses(host)) {
            const type = address.includes(':') ? 'AAAA' : 'A';
            if (!parent.get(host, type)?.records.some((r) => r.data === address)) parent.add({ name: host, type, class: 'IN', ttl: INFRA_TTL, data: address } as RR);
          }
        }
      }
    }
    // Addresses for every server host in the zone that is authoritative for it (and the root's own glue),
    // so resolvers can find nameservers by name, not only through glue.
    for (const spec of serverSpecs.values()) {
      const zoneKey = this.deepestZone(spec.host);
      const targets = [zoneKey, ...(spec.host === ROOT_SERVER.host ? ['.'] : [])];
      for (const key of targets) {
        const z = key === undefined ? undefined : this.zones.get(key);
        if (!z || !(z.synthetic || key === '.')) continue;
        for (const address of spec.addresses) {
          const type = address.includes(':') ? 'AAAA' : 'A';
          if (!z.master.get(spec.host, type)?.records.some((r) => r.data === address)) z.master.add({ name: spec.host, type, class: 'IN', ttl: INFRA_TTL, data: address } as RR);
        }
      }
    }
    // 5. Registered domains.
    for (const [i, spec] of (topology.registries ?? []).entries()) {
      const registry = this.registries[i]!;
      for (const d of spec.domains) {
        const ds = Array.isArray(d.ds) ? d.ds.map((line) => parseRecord(line).data as DsData) : d.ds === 'from-zone' ? this.dsOf(d.name) : [];
        const result = registry.create(d.registrar, {
          name: d.name,
          registrant: d.registrant,
          authCode: d.authCode,
          ns: d.ns,
          glue: glueList(d.glue),
          ds,
        });
        if (!result.ok) throw new WorldError(`registering ${d.name} at the start failed: ${result.message}`);
        if (d.status?.length) {
          const server = d.status.filter((s) => s.startsWith('server')) as StatusCode[];
          const client = d.status.filter((s) => s.startsWith('client')) as StatusCode[];
          if (server.length) registry.setStatus('registry', d.name, { add: server });
          if (client.length) registry.setStatus(d.registrar, d.name, { add: client });
        }
      }
    }
    for (const key of this.zones.keys()) this.resign(key);
    this.built = true;
    // 6. Machines.
    for (const [name, spec] of serverSpecs) {
      const network = this.options.network.addHost(name, spec.addresses.map((a) => this.mapped(a)));
      for (const a of spec.addresses) this.addressToMachine.set(this.mapped(a), name);
      const zones = [...this.zones.values()].filter((z) => z.servers.includes(name)).map((z) => z.zone);
      const server = new AuthoritativeServer({
        network,
        listen: spec.addresses.map((address) => ({ address: this.mapped(address), port: this.options.port ?? 53 })),
        zones,
        quirks: spec.quirks,
        ...(spec.udpPayloadSize !== undefined ? { udpPayloadSize: spec.udpPayloadSize } : {}),
        name,
        // The encoded-answer cache reports hits without qname/qtype; traces need every question.
        cache: false,
        onEvent: (e) => this.onServerEvent(name, e),
      });
      await server.start();
      this.servers.set(name, { host: spec.host, addresses: spec.addresses, server, network });
    }
    for (const key of this.zones.keys()) this.attachOnlineSigner(key);
    if (this.options.serversOnly) return;
    for (const [name, c] of Object.entries(topology.clients)) {
      const network = this.options.network.addHost(name, c.addresses);
      for (const a of c.addresses) this.addressToMachine.set(a, name);
      this.clients.set(name, { addresses: c.addresses, ...(c.resolver ? { resolver: c.resolver } : {}), network });
    }
    for (const [name, r] of Object.entries(topology.resolvers ?? {})) {
      for (const a of r.addresses) this.addressToMachine.set(a, name);
      if (!this.options.resolverFactory) throw new WorldError(`resolver "${name}": no recursive resolver is available in this build`);
      const network = this.options.network.addHost(name, r.addresses);
      const root = this.zones.get('.')!;
      const rootHints = root.servers.flatMap((s) => {
        const spec = serverSpecs.get(s)!;
        return spec.addresses.map((address) => ({ host: spec.host, address }));
      });
      const handle = await this.options.resolverFactory({
        name,
        network,
        addresses: r.addresses,
        profile: r.profile,
        settings: r.settings ?? {},
        rootHints,
        trustAnchors: root.keys ? dsRecords(root.keys, [2], INFRA_TTL) : [],
        random: this.options.random.fork(`resolver:${name}`),
        onTrace: this.options.onTrace,
        machineOf: (a) => this.machineOf(a),
      });
      this.resolvers.set(name, handle);
    }
    // 7. Middleboxes : boxes on both directions of the path between two machines.
    for (const [name, m] of Object.entries(topology.middleboxes ?? {})) {
      const net = this.options.network as LabNetwork & Partial<InterceptorHost>;
      if (typeof net.addInterceptor !== 'function') throw new WorldError(`middlebox "${name}": this network cannot carry middleboxes (the virtual lab can, and the real-resolver path through its SocketEdge)`);
      const settings = settingsFromOptions(m.kind, m.options ?? {});
      if (m.kind === 'load-balancer') {
        // The VIPs are the server's published addresses; it is also the one backend (validate.ts checks it is a server).
        const vips = (topology.servers[m.between[1]]?.addresses ?? []).map((a) => this.mapped(a));
        attachLoadBalancer(net as InterceptorHost, m.between[0], m.between[1], vips, settings, name);
      } else attachBetween(net as InterceptorHost, m.between[0], m.between[1], settings, name);
    }
  }

  /** A scenario address as it exists on the network in use (identity on the virtual network). */
  mapped(address: string): string {
    return this.options.mapAddress ? this.options.mapAddress(address) : address;
  }

  /** The master data with machine addresses mapped (serve mode); the master itself otherwise. */
  private servedSource(master: Zone): Zone {
    if (!this.options.mapAddress) return master;
    const out = new Zone(master.origin);
    for (const rr of master.records()) {
      if ((rr.type === 'A' || rr.type === 'AAAA') && typeof rr.data === 'string' && this.mapped(rr.data) !== rr.data) out.add({ ...cloneRecord(rr), data: this.mapped(rr.data) } as RR);
      else out.add(cloneRecord(rr));
    }
    return out;
  }

  private deepestZone(name: Name): string | undefined {
    let p = canonicalName(name);
    for (;;) {
      if (this.zones.has(p)) return p;
      if (p === '.') return undefined;
      p = canonicalName(parentName(p));
    }
  }

  private closestParentZone(key: string): string | undefined {
    let p = canonicalName(parentName(key));
    for (;;) {
      if (this.zones.has(p)) return p;
      if (p === '.') return undefined;
      p = canonicalName(parentName(p));
    }
  }

  private onServerEvent(name: string, e: ServerEvent): void {
    if (e.type === 'query') {
      if (e.qname === undefined || e.qtype === undefined) return;
      this.pendingServerQueries.set(`${e.from.address}|${e.from.port}|${e.id}`, { qname: e.qname, qtype: e.qtype });
      this.options.onTrace({ time: e.time, from: this.machineOf(e.from.address), to: name, transport: e.transport, response: false, qname: e.qname, qtype: e.qtype, size: e.bytes });
    } else if (e.type === 'response') {
      const key = `${e.from.address}|${e.from.port}|${e.id}`;
      const q = this.pendingServerQueries.get(key);
      if (!q) return;
      this.pendingServerQueries.delete(key);
      this.options.onTrace({
        time: e.time,
        from: name,
        to: this.machineOf(e.from.address),
        transport: e.transport,
        response: true,
        qname: q.qname,
        qtype: q.qtype,
        ...(e.rcode !== 'RAW' ? { rcode: e.rcode } : {}),
        size: e.bytes,
      });
    }
  }

  /** The data operators edit (unsigned); call `resign` after changing it. */
  zone(name: Name): Zone {
    return this.served(name).master;
  }

  private served(name: Name): ServedZone {
    const z = this.zones.get(canonicalName(name));
    if (!z) throw new WorldError(`no zone ${name}`);
    return z;
  }

  private newKeys(key: string, z: ServedZone): SigningKey[] {
    z.generation++;
    const seed = `${this.options.random.seed}/dnssec/${key}/${z.generation}`;
    const owner = z.zone.origin;
    return [
      generateKey({ algorithm: LAB_ALGORITHM, owner, ksk: true, seed: `${seed}/ksk` }),
      generateKey({ algorithm: LAB_ALGORITHM, owner, seed: `${seed}/zsk` }),
    ];
  }

  /** DS records (SHA-256) for a signed zone's current KSK. */
  dsOf(zoneName: Name): DsData[] {
    const z = this.served(zoneName);
    if (!z.keys) throw new WorldError(`zone ${zoneName} is not signed, so it has no DS to publish`);
    return dsRecords(z.keys, [2]).map((r) => r.data as DsData);
  }

  isSigned(zoneName: Name): boolean {
    return this.served(zoneName).keys !== undefined;
  }

  /** Rebuild what the servers hold from the master data: signed with the zone's keys, or a plain copy. */
  resign(zoneName: Name): void {
    const z = this.served(zoneName);
    const source = this.servedSource(z.master);
    if (!z.keys) {
      replaceContents(z.zone, source);
      return;
    }
    const foreign = this.foreignDnskeys(z);
    if (z.online) {
      // The servers sign each answer (attachOnlineSigner); the zone only carries the DNSKEY RRset.
      replaceContents(z.zone, source);
      const ttl = z.dnskeyTtl ?? z.master.get(z.master.origin, 'SOA')?.records[0]?.ttl ?? 3600;
      for (const k of z.keys) z.zone.add(k.dnskeyRecord(ttl));
      for (const data of foreign) z.zone.add({ name: z.zone.origin, type: 'DNSKEY', class: 'IN', ttl, data });
      return;
    }
    const inception = Math.floor(this.options.clock.now() / 1000) - SIG_BEFORE_S;
    const signed = signZone(source, z.keys, { inception, expiration: inception + SIG_VALIDITY_S, denial: 'nsec', ...(foreign.length ? { publish: foreign } : {}), ...(z.dnskeyTtl !== undefined ? { dnskeyTtl: z.dnskeyTtl } : {}) });
    replaceContents(z.zone, signed);
  }

  /** ZSKs of the zones listed in publishKeysOf (other operators' keys, RFC 8901 §2.1.2 / RFC 6781 §4.3.5.1). */
  private foreignDnskeys(z: ServedZone): DnskeyData[] {
    return z.publishKeysOf.flatMap((k) => (this.zones.get(k)?.keys ?? []).filter((key) => !key.isKsk).map((key) => ({ ...key.dnskey })));
  }

  /** An online-signed zone's servers get a signer holding its current keys (none while unsigned). */
  private attachOnlineSigner(key: string): void {
    const z = this.zones.get(key);
    if (!z?.online || !this.built) return;
    const keys = z.keys;
    const signer = keys ? new OnlineSigner({ keys, now: () => this.options.clock.now(), quirks: z.online.quirks }) : undefined;
    for (const s of z.servers) {
      const server = this.servers.get(s)?.server;
      if (server?.zones.get(z.zone.origin)) server.zones.setOnlineSigner(z.zone.origin, signer);
    }
  }

  /** Zones (keys of topology.zones) whose ZSKs this zone publishes; [] withdraws them. */
  publishKeysOf(zoneName: string, of: string[]): string {
    const z = this.served(zoneName);
    z.publishKeysOf = of.map((k) => canonicalName(normalizeName(k)));
    this.resign(zoneName);
    return of.length ? `${toFqdn(z.zone.origin)} (${zoneName}) now also publishes the ZSKs of ${of.join(', ')}` : `${toFqdn(z.zone.origin)} (${zoneName}) publishes only its own keys`;
  }

  signZone(zoneName: Name): string {
    const z = this.served(zoneName);
    z.keys = this.newKeys(canonicalName(zoneName), z);
    this.resign(zoneName);
    this.attachOnlineSigner(canonicalName(zoneName));
    const tags = z.keys.map((k) => `${k.isKsk ? 'KSK' : 'ZSK'} ${k.keyTag}`).join(', ');
    return `signed ${toFqdn(z.zone.origin)} (algorithm ${LAB_ALGORITHM}, ${tags}); the parent still needs the DS`;
  }

  unsignZone(zoneName: Name): string {
    const z = this.served(zoneName);
    z.keys = undefined;
    this.resign(zoneName);
    this.attachOnlineSigner(canonicalName(zoneName));
    return `removed DNSKEY, RRSIG and NSEC from ${toFqdn(z.zone.origin)}: the zone is unsigned`;
  }

  // --- operator / attacker actions ----------------------------------------

  addRecords(zoneName: Name, lines: string[]): string {
    const zone = this.zone(zoneName);
    for (const line of lines) zone.add(parseRecord(line, zone.origin));
    this.resign(zoneName);
    return `${lines.length} record(s) added to ${toFqdn(zone.origin)}: ${lines.join(' | ')}`;
  }

  removeRecords(zoneName: Name, lines: string[]): string {
    const zone = this.zone(zoneName);
    let removed = 0;
    for (const line of lines) {
      const r = parseRemoval(line, zone.origin);
      if (typeof r === 'string') throw new WorldError(r);
      removed += r.record ? zone.remove(r.name, r.type, r.record) : zone.remove(r.name, r.type);
    }
    this.resign(zoneName);
    return `removed ${removed} record(s) from ${toFqdn(zone.origin)}: ${lines.join(' | ')}`;
  }

  setRecords(zoneName: Name, lines: string[]): string {
    const zone = this.zone(zoneName);
    const records = lines.map((l) => parseRecord(l, zone.origin));
    const keys = new Map<string, RR[]>();
    for (const rr of records) {
      const k = `${canonicalName(rr.name)}|${rr.type}`;
      keys.set(k, [...(keys.get(k) ?? []), rr]);
    }
    for (const list of keys.values()) zone.replace(list[0]!.name, list[0]!.type, list);
    this.resign(zoneName);
    return `set in ${toFqdn(zone.origin)}: ${lines.join(' | ')}`;
  }

  serveZone(zoneName: Name, text: string, servers: string[]): string {
    const zone = parseZoneText(text, normalizeName(zoneName), `zone ${zoneName}`);
    for (const s of servers) this.server(s).server.zones.add(zone);
    return `${servers.join(', ')} now serve${servers.length === 1 ? 's' : ''} zone ${toFqdn(zone.origin)}`;
  }

  dropZone(zoneName: Name, servers: string[]): string {
    for (const s of servers) this.server(s).server.zones.remove(normalizeName(zoneName));
    return `${servers.join(', ')} stopped serving ${toFqdn(zoneName)}`;
  }

  server(name: string) {
    const s = this.servers.get(name);
    if (!s) throw new WorldError(`no server ${name}`);
    return s;
  }

  registrar(name: string): Registrar {
    const r = this.registrars.get(name);
    if (!r) throw new WorldError(`no registrar ${name}`);
    return r;
  }

  registryFor(domain: Name): Registry {
    const r = this.registries.find((reg) => isSubdomain(domain, reg.tld));
    if (!r) throw new WorldError(`no registry for ${domain}`);
    return r;
  }

  // --- clients --------------------------------------------------------------

  /**
   * Send one query from a client and wait (driving the clock) for the response or the timeout. Like a
   * stub resolver, a truncated UDP answer (TC=1) is retried over TCP (RFC 7766 §5); if TCP fails too,
   * the truncated answer is what the client got.
   */
  async query(
    client: string,
    target: string,
    qname: Name,
    qtype: RRTypeName,
    opts: { dnssec?: boolean; rd: boolean; timeoutMs: number; id: number; drive: (until: () => boolean, deadline: number) => Promise<void> },
  ): Promise<{ response: Message | undefined; sentAt: number; receivedAt: number | undefined; transport: 'udp' | 'tcp' }> {
    const c = this.clients.get(client);
    if (!c) throw new WorldError(`no client ${client}`);
    const address = this.resolvers.get(target)?.addresses[0] ?? this.servers.get(target)?.addresses[0];
    if (!address) throw new WorldError(`no resolver or server ${target}`);
    const to: Endpoint = { address: this.mapped(address), port: this.options.port ?? 53 };
    const local = c.addresses.find((a) => a.includes(':') === address.includes(':')) ?? c.addresses[0]!;
    const socket = await c.network.bindUdp({ address: local, port: 0 });
    // Like dig: RD and AD set towards a resolver (RFC 6840 §5.7: AD=1 asks for the AD bit back), DO on request.
    const query = makeQuery(qname, qtype, { id: opts.id, rd: opts.rd, ad: opts.rd, ...(opts.dnssec ? { do: true } : {}) });
    const bytes = encodeMessage(query);
    const traceTarget = !this.servers.has(target); // servers trace what they receive themselves
    let response: Message | undefined;
    let receivedAt: number | undefined;
    socket.onMessage((payload, from) => {
      if (from.address !== to.address || response) return;
      const now = this.options.clock.now();
      try {
        const m = decodeMessage(payload);
        if (m.id !== query.id || !m.flags.qr) return;
        response = m;
        receivedAt = now;
        if (traceTarget) this.options.onTrace({ time: now, from: target, to: client, transport: 'udp', response: true, qname, qtype, rcode: m.rcode, size: payload.length });
      } catch {
        // A malformed answer is as good as none for a stub (RFC 1035 §7.3); the trace shows it arrived.
        if (traceTarget) this.options.onTrace({ time: now, from: target, to: client, transport: 'udp', response: true, qname, qtype, size: payload.length });
      }
    });
    const sentAt = this.options.clock.now();
    const deadline = sentAt + opts.timeoutMs;
    if (traceTarget) this.options.onTrace({ time: sentAt, from: client, to: target, transport: 'udp', response: false, qname, qtype, size: bytes.length });
    socket.send(bytes, to);
    await opts.drive(() => response !== undefined, deadline);
    socket.close();
    const udp = response as Message | undefined;
    if (!udp?.flags.tc) return { response: udp, sentAt, receivedAt, transport: 'udp' };
    const tcp = await this.queryTcp(c.network, local, to, bytes, query.id, { client, target, qname, qtype, traceTarget, deadline, drive: opts.drive });
    return tcp ? { response: tcp.response, sentAt, receivedAt: tcp.receivedAt, transport: 'tcp' } : { response: udp, sentAt, receivedAt, transport: 'udp' };
  }

  private async queryTcp(
    network: Network,
    local: string,
    to: Endpoint,
    bytes: Buffer,
    id: number,
    o: { client: string; target: string; qname: Name; qtype: RRTypeName; traceTarget: boolean; deadline: number; drive: (until: () => boolean, deadline: number) => Promise<void> },
  ): Promise<{ response: Message; receivedAt: number } | undefined> {
    let conn: TcpConnection | undefined;
    let failed = false;
    const remaining = Math.max(1, o.deadline - this.options.clock.now());
    network.connectTcp(to, { localAddress: local, timeoutMs: remaining }).then(
      (x) => (conn = x),
      () => (failed = true),
    );
    await o.drive(() => conn !== undefined || failed, o.deadline);
    const connection = conn as TcpConnection | undefined;
    if (!connection) return undefined;
    const reader = new TcpFrameReader();
    let result: { response: Message; receivedAt: number } | undefined;
    let closed = false;
    connection.onData((chunk) => {
      for (const frame of reader.push(chunk)) {
        const now = this.options.clock.now();
        try {
          const m = decodeMessage(frame);
          if (m.id !== id || !m.flags.qr || result) continue;
          result = { response: m, receivedAt: now };
          if (o.traceTarget) this.options.onTrace({ time: now, from: o.target, to: o.client, transport: 'tcp', response: true, qname: o.qname, qtype: o.qtype, rcode: m.rcode, size: frame.length });
        } catch {
          // malformed over TCP: keep waiting until the deadline or close
        }
      }
    });
    connection.onClose(() => (closed = true));
    if (o.traceTarget) this.options.onTrace({ time: this.options.clock.now(), from: o.client, to: o.target, transport: 'tcp', response: false, qname: o.qname, qtype: o.qtype, size: bytes.length });
    connection.write(frameTcp(bytes));
    await o.drive(() => result !== undefined || closed, o.deadline);
    if (!closed) connection.end();
    return result;
  }

  async stop(): Promise<void> {
    for (const r of this.resolvers.values()) await r.stop();
    for (const s of this.servers.values()) await s.server.stop();
  }
}

function infraZone(origin: Name, host: Name): Zone {
  const o = toFqdn(origin);
  const text = [
    `${o} ${INFRA_TTL} IN SOA ${toFqdn(host)} hostmaster.${o === '.' ? '' : o} 1 1800 900 604800 86400`,
    `${o} ${INFRA_TTL} IN NS ${toFqdn(host)}`,
  ].join('\n');
  const zone = parseZoneText(text, origin, `synthesised zone ${o}`);
  return zone;
}

/** Make `target` hold exactly the records of `source` (servers keep their Zone object). */
function replaceContents(target: Zone, source: Zone): void {
  for (const name of [...target.sortedNames()]) target.remove(name);
  for (const rr of source.records()) target.add(cloneRecord(rr));
}

function glueList(glue: Record<string, string[]> | undefined): HostGlue[] {
  return Object.entries(glue ?? {}).map(([name, addresses]) => ({ name, addresses }));
}

export type { OpResult };
