// The small Internet a scenario describes, on the network in use (the VirtualNetwork, or real sockets): the
// zones as planned (zone-plan.ts), signed, with registries publishing into their TLD zones, then the machines
// (machines.ts). Also what steps need of that world: its zones and keys (re-signing after every edit; the edits
// themselves are edits.ts), registrars, and a client's query.

import { encodeMessage } from '../../dns/wire/message.ts';
import { makeQuery } from '../../dns/message.ts';
import { isSubdomain, normalizeName, toFqdn, canonicalName } from '../../dns/name.ts';
import type { DnskeyData, DsData, Message, Name, RR, RRTypeName } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { Zone } from '../../dns/zone/zone.ts';
import { queryTcp, StubUdpSocket, type StubTcpOutcome } from '../../net/dns-stub.ts';
import type { Endpoint, Network } from '../../net/network.ts';
import type { SeededRandom } from '../../net/random.ts';
import type { AuthoritativeServer, ServerEvent } from '../../servers/authoritative/server.ts';
import { Registrar, Registry, type HostGlue, type OpResult, type StatusCode } from '../registry/registry.ts';
import type { Topology } from '../scenario/types.ts';
import type { TraceEntry } from '../../assertions/trace.ts';
import { generateKey, type SigningKey } from '../../dns/dnssec/keys.ts';
import { dsRecords, signZone } from '../../dns/dnssec/sign.ts';
import { OnlineSigner, type OnlineSigningQuirk } from '../../dns/dnssec/online.ts';
import { cloneRecord } from '../../dns/rdata-key.ts';
import {
  addClient,
  attachMiddleboxes,
  startResolver,
  startServer,
  type LabNetwork,
  type MachineSite,
  type ResolverFactory,
  type ResolverHandle,
} from './machines.ts';
import { type AddressRecord, INFRA_TTL, planZones, WorldError } from './zone-plan.ts';

interface ServedZone {
  /**
   * The zone the servers hold: a copy of `master`, signed when `keys` is set (rebuilt by `resign`). An unsigned
   * zone nobody has edited yet is served as written: `zone` is `master` itself until `zone()` or `resign` needs
   * them apart (a copy per zone made a large world's build a quarter slower and its heap a fifth bigger).
   */
  zone: Zone;
  /** The unsigned data operators and registries edit; signing rebuilds `zone` from it. */
  master: Zone;
  servers: string[];
  synthetic: boolean;
  /** Present while the zone is signed. */
  keys?: SigningKey[];
  /** The keys it was first signed with: the operator still holds them, and `signZone` can sign with them again. */
  originalKeys?: SigningKey[];
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
    const plan = planZones(topology, this.options.fileLabel);
    for (const [key, z] of plan.zones) {
      this.zones.set(key, {
        zone: new Zone(z.origin),
        master: z.master,
        servers: z.servers,
        synthetic: z.synthetic,
        generation: 0,
        ...(z.online ? { online: z.online } : {}),
        publishKeysOf: z.publishKeysOf,
        ...(z.dnskeyTtl !== undefined ? { dnskeyTtl: z.dnskeyTtl } : {}),
        copy: z.copy,
      });
    }
    this.startRegistries();
    // Keys first: parents need their children's DS before they are signed.
    for (const [key, z] of this.zones) if (plan.zones.get(key)!.signed) z.keys = this.newKeys(key, z);
    for (const d of plan.delegations) {
      const parent = this.zones.get(d.parent)!.master;
      const child = this.zones.get(d.child)!;
      if (child.keys && !parent.get(d.origin, 'DS')) for (const ds of dsRecords(child.keys, [2], INFRA_TTL)) parent.add(ds);
      for (const { host, glue } of d.ns) {
        parent.add({ name: d.origin, type: 'NS', class: 'IN', ttl: INFRA_TTL, data: host });
        for (const a of glue) addAddress(parent, a);
      }
    }
    for (const { zone, record } of plan.hostAddresses) addAddress(this.zones.get(zone)!.master, record);
    this.registerDomains();
    for (const [key, z] of this.zones) {
      // Registries keep the TLD master they edit (startRegistries), so a registry TLD always gets its own copy.
      if (!z.keys && !this.options.mapAddress && !plan.registryTlds.has(key)) z.zone = z.master;
      else this.resign(key);
    }
    this.built = true;
    // Machines.
    const site: MachineSite = {
      network: this.options.network,
      port: this.options.port ?? 53,
      mapped: (a) => this.mapped(a),
      place: (address, machine) => void this.addressToMachine.set(address, machine),
      machineOf: (a) => this.machineOf(a),
    };
    // Zones by server in one pass (a filter over every zone per server is quadratic in a generated world).
    const zonesOf = new Map<string, Zone[]>();
    for (const z of this.zones.values())
      for (const s of new Set(z.servers)) {
        const list = zonesOf.get(s);
        if (list) list.push(z.zone);
        else zonesOf.set(s, [z.zone]);
      }
    for (const [name, spec] of plan.servers) {
      this.servers.set(name, await startServer(site, name, spec, zonesOf.get(name) ?? [], (e) => this.onServerEvent(name, e)));
    }
    for (const key of this.zones.keys()) this.attachOnlineSigner(key);
    if (this.options.serversOnly) return;
    for (const [name, c] of Object.entries(topology.clients)) this.clients.set(name, addClient(site, name, c));
    for (const [name, r] of Object.entries(topology.resolvers ?? {})) {
      const root = this.zones.get('.')!;
      const rootHints = root.servers.flatMap((s) => {
        const spec = plan.servers.get(s)!;
        return spec.addresses.map((address) => ({ host: spec.host, address }));
      });
      const trustAnchors = root.keys ? dsRecords(root.keys, [2], INFRA_TTL) : [];
      const handle = await startResolver(site, this.options.resolverFactory, name, r, {
        rootHints,
        trustAnchors,
        random: this.options.random.fork(`resolver:${name}`),
        onTrace: this.options.onTrace,
      });
      this.resolvers.set(name, handle);
    }
    attachMiddleboxes(site, topology);
  }

  /** Registries own their TLD's delegations: one per topology.registries entry, with its registrars. */
  private startRegistries(): void {
    for (const spec of this.options.topology.registries ?? []) {
      const tld = canonicalName(spec.tld);
      const registry = new Registry({
        tld: spec.tld,
        zone: this.zones.get(tld)!.master,
        clock: this.options.clock,
        registrars: spec.registrars,
        ...(spec.nsTtl !== undefined ? { nsTtl: spec.nsTtl } : {}),
        ...(spec.dsTtl !== undefined ? { dsTtl: spec.dsTtl } : {}),
      });
      registry.onLog((e) => {
        this.options.onRegistryLog(
          `registry .${spec.tld}: ${e.actor} ${e.op} ${e.domain}: ${e.ok ? 'accepted' : `REFUSED (${e.reason})`} — ${e.message}`,
          e.ok,
        );
        if (e.ok && this.built) this.resign(tld);
      });
      this.registries.push(registry);
      for (const r of spec.registrars) this.registrars.set(r, new Registrar(r, registry));
    }
  }

  /** The domains registered before T+0, with their DS and statuses. */
  private registerDomains(): void {
    for (const [i, spec] of (this.options.topology.registries ?? []).entries()) {
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
      if ((rr.type === 'A' || rr.type === 'AAAA') && typeof rr.data === 'string' && this.mapped(rr.data) !== rr.data)
        out.add({ ...cloneRecord(rr), data: this.mapped(rr.data) } as RR);
      else out.add(cloneRecord(rr));
    }
    return out;
  }

  private onServerEvent(name: string, e: ServerEvent): void {
    if (e.type === 'query') {
      if (e.qname === undefined || e.qtype === undefined) return;
      this.pendingServerQueries.set(`${e.from.address}|${e.from.port}|${e.id}`, { qname: e.qname, qtype: e.qtype });
      this.options.onTrace({
        time: e.time,
        from: this.machineOf(e.from.address),
        to: name,
        transport: e.transport,
        response: false,
        qname: e.qname,
        qtype: e.qtype,
        size: e.bytes,
      });
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
    const z = this.served(name);
    this.separate(z);
    return z.master;
  }

  /** Give a zone served as written its own master again (the servers keep the Zone object they hold). */
  private separate(z: ServedZone): void {
    if (z.zone === z.master) z.master = z.master.clone();
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
    const keys = [
      generateKey({ algorithm: LAB_ALGORITHM, owner, ksk: true, seed: `${seed}/ksk` }),
      generateKey({ algorithm: LAB_ALGORITHM, owner, seed: `${seed}/zsk` }),
    ];
    z.originalKeys ??= keys;
    return keys;
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
    this.separate(z);
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
    const signed = signZone(source, z.keys, {
      inception,
      expiration: inception + SIG_VALIDITY_S,
      denial: 'nsec',
      ...(foreign.length ? { publish: foreign } : {}),
      ...(z.dnskeyTtl !== undefined ? { dnskeyTtl: z.dnskeyTtl } : {}),
    });
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
    return of.length
      ? `${toFqdn(z.zone.origin)} (${zoneName}) now also publishes the ZSKs of ${of.join(', ')}`
      : `${toFqdn(z.zone.origin)} (${zoneName}) publishes only its own keys`;
  }

  /** Sign with fresh keys, or with `originalKeys` the ones it was first signed with (so a DS cached for them matches again). */
  signZone(zoneName: Name, options: { originalKeys?: boolean } = {}): string {
    const z = this.served(zoneName);
    if (options.originalKeys && !z.originalKeys) throw new WorldError(`zone ${zoneName} was never signed, so it has no original keys`);
    z.keys = options.originalKeys ? z.originalKeys! : this.newKeys(canonicalName(zoneName), z);
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
    const stub = await StubUdpSocket.open(c.network, { address: local, port: 0 });
    // Like dig: RD and AD set towards a resolver (RFC 6840 §5.7: AD=1 asks for the AD bit back), DO on request.
    const query = makeQuery(qname, qtype, { id: opts.id, rd: opts.rd, ad: opts.rd, ...(opts.dnssec ? { do: true } : {}) });
    const bytes = encodeMessage(query);
    const traceTarget = !this.servers.has(target); // servers trace what they receive themselves
    let response: Message | undefined;
    let receivedAt: number | undefined;
    const sentAt = this.options.clock.now();
    const deadline = sentAt + opts.timeoutMs;
    if (traceTarget) this.options.onTrace({ time: sentAt, from: client, to: target, transport: 'udp', response: false, qname, qtype, size: bytes.length });
    // No timer: the drive below ends the wait at the deadline, and a reply landing exactly then still counts.
    const exchange = stub.query(bytes, to, {
      from: 'address',
      check: (m) => (m.id === query.id && m.flags.qr ? undefined : 'not the answer to this query'),
      onDiscard: (_from, kind, _detail, payload) => {
        // A malformed answer is as good as none for a stub (RFC 1035 §7.3); the trace shows it arrived.
        if (kind === 'undecodable' && traceTarget)
          this.options.onTrace({
            time: this.options.clock.now(),
            from: target,
            to: client,
            transport: 'udp',
            response: true,
            qname,
            qtype,
            size: payload.length,
          });
      },
    });
    void exchange.outcome.then((r) => {
      if (!r.ok) return;
      response = r.message;
      receivedAt = r.at;
      if (traceTarget)
        this.options.onTrace({ time: r.at, from: target, to: client, transport: 'udp', response: true, qname, qtype, rcode: r.message.rcode, size: r.size });
    });
    await opts.drive(() => response !== undefined, deadline);
    exchange.close();
    stub.close();
    const udp = response as Message | undefined;
    if (!udp?.flags.tc) return { response: udp, sentAt, receivedAt, transport: 'udp' };
    const tcp = await this.queryTcp(c.network, local, to, bytes, query.id, { client, target, qname, qtype, traceTarget, deadline, drive: opts.drive });
    return tcp ? { response: tcp.response, sentAt, receivedAt: tcp.receivedAt, transport: 'tcp' } : { response: udp, sentAt, receivedAt, transport: 'udp' };
  }

  /** The TCP retry of `query` (net/dns-stub.ts); the connection is ended once the answer is in or the wait is over. */
  private async queryTcp(
    network: Network,
    local: string,
    to: Endpoint,
    bytes: Buffer,
    id: number,
    o: {
      client: string;
      target: string;
      qname: Name;
      qtype: RRTypeName;
      traceTarget: boolean;
      deadline: number;
      drive: (until: () => boolean, deadline: number) => Promise<void>;
    },
  ): Promise<{ response: Message; receivedAt: number } | undefined> {
    const remaining = Math.max(1, o.deadline - this.options.clock.now());
    let connected = false;
    let outcome: StubTcpOutcome | undefined;
    const exchange = queryTcp(network, to, bytes, {
      localAddress: local,
      connectTimeoutMs: remaining,
      // No answer timer: the drive below ends the wait at the deadline, and a reply landing exactly then still counts.
      check: (m) => (m.id === id && m.flags.qr ? undefined : 'not the answer to this query'),
      close: 'caller',
      onSend: () => {
        connected = true;
        if (o.traceTarget)
          this.options.onTrace({
            time: this.options.clock.now(),
            from: o.client,
            to: o.target,
            transport: 'tcp',
            response: false,
            qname: o.qname,
            qtype: o.qtype,
            size: bytes.length,
          });
      },
    });
    void exchange.outcome.then((r) => {
      outcome = r;
      if (r.ok && o.traceTarget)
        this.options.onTrace({
          time: r.at,
          from: o.target,
          to: o.client,
          transport: 'tcp',
          response: true,
          qname: o.qname,
          qtype: o.qtype,
          rcode: r.message.rcode,
          size: r.size,
        });
    });
    // Two waits, each bounded by the deadline (and on real sockets by the client's wait): connect, then answer.
    await o.drive(() => connected || outcome !== undefined, o.deadline);
    if (connected) await o.drive(() => outcome !== undefined, o.deadline);
    exchange.close();
    return outcome?.ok ? { response: outcome.message, receivedAt: outcome.at } : undefined;
  }

  async stop(): Promise<void> {
    for (const r of this.resolvers.values()) await r.stop();
    for (const s of this.servers.values()) await s.server.stop();
  }
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

/** Add an A/AAAA record to `zone` unless it already holds that address. */
function addAddress(zone: Zone, a: AddressRecord): void {
  if (!zone.get(a.name, a.type)?.records.some((r) => r.data === a.address))
    zone.add({ name: a.name, type: a.type, class: 'IN', ttl: INFRA_TTL, data: a.address } as RR);
}
