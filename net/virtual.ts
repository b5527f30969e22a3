// The in-memory network (docs/ARCHITECTURE.md, "One machine model, many networks"): hosts with IPv4/IPv6 addresses
// exchange real IP packets under a VirtualClock. Nothing touches the host's
// network stack; everything is deterministic for a given seed.
//
// A packet's life: a host builds it at send time (UDP datagrams larger than the
// path MTU are split into IP fragments at the source) → capture → the
// interceptors whose scope matches, in the order they were added (middleboxes:
// forward / drop / delay / duplicate / rewrite / inject) → the path (MTU check,
// fragment policy, loss, latency + jitter) → the destination host (reassembly,
// then UDP socket or TCP connection). See net/README.md.

import { DEFAULT_LAB_EPOCH, VirtualClock } from './clock.ts';
import { ipFamily, isWildcard, normalizeIp, type IpFamily } from './ip.ts';
import {
  type Endpoint,
  type Network,
  NetworkError,
  type TcpCloseReason,
  type TcpConnection,
  type TcpListener,
  type UdpSocket,
  formatEndpoint,
} from './network.ts';
import {
  type IpPacket,
  type PacketSink,
  type TcpBody,
  type TcpFlags,
  type UdpBody,
  fragmentPacket,
  ipHeaderSize,
  ipPacketSize,
  TCP_HEADER,
} from './packet.ts';
import { SeededRandom } from './random.ts';
import { canonicalAddresses, type ChainEntry, type ChainSite, MAX_INJECT_HOPS, normalizeScope, walkChain } from './chain.ts';
import { TcpDelivery } from './tcp-delivery.ts';
import { Reassembler } from './reassembly.ts';

export type FragmentPolicy =
  /** every fragment passes */
  | 'pass'
  /** every fragment is dropped (a firewall that drops all fragments) */
  | 'drop'
  /** only the first fragment (offset 0, carrying the ports) passes: a stateless port filter */
  | 'first-only';

/** Properties of one direction of a path between two addresses. */
export interface PathProperties {
  /** One-way delay in ms. */
  latencyMs: number;
  /** Extra uniform random delay in [0, jitterMs) per packet (may reorder packets). */
  jitterMs: number;
  /** Probability in [0, 1] that a packet is lost (seeded). */
  loss: number;
  /** Path MTU: the largest IP packet (headers included) that crosses. */
  mtu: number;
  fragments: FragmentPolicy;
}

export const DEFAULT_PATH: Readonly<PathProperties> = Object.freeze({
  latencyMs: 1,
  jitterMs: 0,
  loss: 0,
  mtu: 1500,
  fragments: 'pass',
});

export interface TcpOptions {
  /** connectTcp gives up after this long without a SYN-ACK (default 30 s). */
  connectTimeoutMs: number;
  /** Initial retransmission timeout (RFC 6298 §2: 1 s), doubled per retry. */
  rtoMs: number;
  /** Retransmissions of one segment before the connection is dropped with 'timeout'. */
  maxRetransmits: number;
  /** Abort (RST, reason 'timeout') a connection idle this long; undefined = never. */
  idleTimeoutMs: number | undefined;
  /** How long a closed connection lingers to answer a retransmitted FIN (TIME-WAIT). */
  timeWaitMs: number;
}

export const DEFAULT_TCP: Readonly<TcpOptions> = Object.freeze({
  connectTimeoutMs: 30_000,
  rtoMs: 1_000,
  maxRetransmits: 6,
  idleTimeoutMs: undefined,
  timeWaitMs: 60_000,
});

/** Why the network dropped a packet (in trace events and `stats.dropped`). */
export type DropReason =
  | 'loss'
  | 'no-route'
  | 'host-down'
  | 'fragment-policy'
  | 'too-big'
  | 'intercepted'
  | 'interceptor-error'
  | 'hop-limit'
  | 'reassembly-timeout'
  | 'reassembly-overflow'
  | 'bad-checksum'
  | 'port-unreachable'
  | 'no-connection';

export type TraceEvent =
  | { type: 'send'; time: number; packet: IpPacket }
  | { type: 'emit'; time: number; packet: IpPacket; by: string }
  | { type: 'deliver'; time: number; packet: IpPacket; host: string }
  | { type: 'drop'; time: number; packet: IpPacket; reason: DropReason; by?: string };

/** Who an interceptor or path rule applies to: a host name, an address, or any (undefined). */
export interface Scope {
  from?: string;
  to?: string;
}

/**
 * Does one side of a Scope (`from` or `to`) match `address`? Undefined matches anything; address literals were
 * normalized when the rule or interceptor was added; anything else is a host name, looked up with `addressesOf`.
 * Shared by the VirtualNetwork and the socket edge (net/socket-edge.ts), so a box sees the same scope on both.
 */
export function specMatches(spec: string | undefined, address: string, addressesOf: (name: string) => readonly string[] | undefined): boolean {
  if (spec === undefined || spec === address) return true;
  return addressesOf(spec)?.includes(address) ?? false;
}

export interface Emission {
  packet: IpPacket;
  /** Hold the packet this long at the middlebox before it moves on. */
  delayMs?: number;
}

/**
 * What an interceptor decided: pass the packet on unchanged, drop it, or
 * replace it by zero or more packets (rewritten, delayed, duplicated).
 */
export type InterceptResult = 'forward' | 'drop' | readonly Emission[];

export interface InterceptContext {
  /** The virtual network the box sits on; absent when the box runs at a SocketNetwork's edge (socket-edge.ts). */
  readonly network?: VirtualNetwork;
  /** Lab time now. */
  readonly now: number;
  /** This interceptor's own seeded stream (forked from the network's by its name). */
  readonly random: SeededRandom;
  /**
   * Send a new packet from the middlebox (e.g. a reply it makes up, or a
   * packet held earlier). It goes through every matching interceptor except
   * this one, then its path, like any packet.
   */
  inject(packet: IpPacket, delayMs?: number): void;
  /** A fresh packet id for packets made up by the middlebox. */
  packetId(): number;
}

/**
 * A middlebox's view of a path (see README "Interceptors"). `intercept` is
 * called synchronously for every IP packet (fragments one by one) whose
 * source/destination match its scope, at the moment the packet reaches it.
 * Packets are immutable: to rewrite, return a new object ({...p, dst: ...}).
 */
export interface PacketInterceptor {
  readonly name: string;
  intercept(packet: IpPacket, context: InterceptContext): InterceptResult;
}

export interface VirtualNetworkOptions {
  clock?: VirtualClock;
  random?: SeededRandom;
  /** Used when `random` is not given (default "dnslab"). */
  seed?: number | string;
  capture?: PacketSink;
  /** Path properties where no rule says otherwise. */
  defaults?: Partial<PathProperties>;
  tcp?: Partial<TcpOptions>;
  /** A datagram whose fragments do not all arrive within this is dropped (Linux ipfrag_time: 30 s). */
  reassemblyTimeoutMs?: number;
}

export interface HostOptions {
  /** Overrides the network's TCP idle timeout for connections of this host. */
  tcpIdleTimeoutMs?: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: Partial<Record<DropReason, number>>;
}

const EPHEMERAL_LOW = 49152; // RFC 6335 §6 dynamic ports
const EPHEMERAL_HIGH = 65535;
const MAX_OOO_SEGMENTS = 1024;
const MAX_UDP_PAYLOAD: Record<IpFamily, number> = { 4: 65507, 6: 65527 };

interface PathRule {
  scope: Scope;
  props: Partial<PathProperties>;
}

export class VirtualNetwork {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  readonly tcpOptions: Readonly<TcpOptions>;
  readonly reassemblyTimeoutMs: number;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: {} };

  private capture: PacketSink | undefined;
  private defaults: PathProperties;
  private rules: PathRule[] = [];
  private pathCache = new Map<string, PathProperties>();
  private interceptors: ChainEntry[] = [];
  private hostsByName = new Map<string, VirtualHost>();
  private hostsByAddress = new Map<string, VirtualHost>();
  private tracers = new Set<(e: TraceEvent) => void>();
  private nextPacketId = 1;
  /** Separate streams per purpose so that e.g. turning on jitter does not change port numbers. */
  private lossRandom: SeededRandom;
  private jitterRandom: SeededRandom;

  constructor(options: VirtualNetworkOptions = {}) {
    this.clock = options.clock ?? new VirtualClock({ start: DEFAULT_LAB_EPOCH });
    this.random = options.random ?? new SeededRandom(options.seed ?? 'dnslab');
    this.capture = options.capture;
    this.defaults = validatePath({ ...DEFAULT_PATH, ...options.defaults });
    this.tcpOptions = Object.freeze({ ...DEFAULT_TCP, ...options.tcp });
    this.reassemblyTimeoutMs = options.reassemblyTimeoutMs ?? 30_000;
    this.lossRandom = this.random.fork('net/loss');
    this.jitterRandom = this.random.fork('net/jitter');
  }

  /**
   * Add a machine owning `addresses` (IPv4/IPv6 literals) and return its
   * `Network`. Names and addresses must be unique in this network.
   */
  addHost(name: string, addresses: readonly string[], options: HostOptions = {}): VirtualHost {
    if (this.hostsByName.has(name)) throw new NetworkError('ADDRESS_IN_USE', `a host named "${name}" already exists; pick another name`);
    const normalized = addresses.map((a) => {
      if (ipFamily(a) === undefined) throw new NetworkError('NOT_ALLOWED', `host "${name}": "${a}" is not an IPv4/IPv6 address literal`);
      if (isWildcard(a)) throw new NetworkError('NOT_ALLOWED', `host "${name}": the wildcard "${a}" cannot be a host address`);
      const n = normalizeIp(a);
      const owner = this.hostsByAddress.get(n);
      if (owner) throw new NetworkError('ADDRESS_IN_USE', `host "${name}": address ${n} already belongs to host "${owner.name}"`);
      return n;
    });
    const host = new VirtualHost(this, name, normalized, this.random.fork(`host/${name}`), options);
    this.hostsByName.set(name, host);
    for (const a of normalized) this.hostsByAddress.set(a, host);
    this.pathCache.clear();
    return host;
  }

  host(name: string): VirtualHost | undefined {
    return this.hostsByName.get(name);
  }

  hostByAddress(address: string): VirtualHost | undefined {
    return ipFamily(address) === undefined ? undefined : this.hostsByAddress.get(normalizeIp(address));
  }

  get hosts(): readonly VirtualHost[] {
    return [...this.hostsByName.values()];
  }

  /**
   * Give `address` to another host (e.g. an attacker takes over a released
   * IP). Sockets bound to it on the old host stop receiving.
   */
  moveAddress(address: string, toHost: string): void {
    const a = normalizeIp(address);
    const to = this.hostsByName.get(toHost);
    if (!to) throw new NetworkError('UNREACHABLE', `no host named "${toHost}"`);
    const from = this.hostsByAddress.get(a);
    if (from) from.dropAddress(a);
    to.takeAddress(a);
    this.hostsByAddress.set(a, to);
    this.pathCache.clear();
  }

  /** Take a host off the network (packets to and from it are dropped) or bring it back. */
  setHostUp(name: string, up: boolean): void {
    const h = this.hostsByName.get(name);
    if (!h) throw new NetworkError('UNREACHABLE', `no host named "${name}"`);
    h.up = up;
  }

  /**
   * Set properties for packets from `scope.from` to `scope.to` (host name,
   * address, or any when omitted). Rules apply in the order they were set;
   * a later rule overrides the properties it names.
   */
  setPath(scope: Scope, props: Partial<PathProperties>): void {
    validatePath({ ...this.defaults, ...props });
    this.rules.push({ scope: normalizeScope(scope), props: { ...props } });
    this.pathCache.clear();
  }

  /** setPath in both directions between a and b. */
  setLink(a: string, b: string, props: Partial<PathProperties>): void {
    this.setPath({ from: a, to: b }, props);
    this.setPath({ from: b, to: a }, props);
  }

  /** Change the defaults every path starts from. */
  setDefaults(props: Partial<PathProperties>): void {
    this.defaults = validatePath({ ...this.defaults, ...props });
    this.pathCache.clear();
  }

  /** The effective properties for packets from address `src` to address `dst`. */
  path(src: string, dst: string): Readonly<PathProperties> {
    const key = `${src}>${dst}`;
    let p = this.pathCache.get(key);
    if (!p) {
      p = { ...this.defaults };
      for (const r of this.rules) if (this.inScope(r.scope, src, dst)) Object.assign(p, r.props);
      if (this.pathCache.size >= 65536) this.pathCache.clear(); // bounded even under an address scan
      this.pathCache.set(key, p);
    }
    return p;
  }

  /**
   * Put a middlebox on every path matching `scope`. Interceptors see packets
   * in the order they were added. Returns a function that removes it.
   */
  addInterceptor(interceptor: PacketInterceptor, scope: Scope = {}): () => void {
    const entry: ChainEntry = { interceptor, scope: normalizeScope(scope), random: this.random.fork(`interceptor/${interceptor.name}`) };
    this.interceptors = [...this.interceptors, entry];
    return () => {
      this.interceptors = this.interceptors.filter((e) => e !== entry);
    };
  }

  /** Subscribe to every send/emit/deliver/drop. Returns an unsubscribe function. */
  onTrace(handler: (e: TraceEvent) => void): () => void {
    this.tracers.add(handler);
    return () => this.tracers.delete(handler);
  }

  /** Start or replace packet capture (e.g. a PcapWriter). */
  setCapture(sink: PacketSink | undefined): void {
    this.capture = sink;
  }

  /** A fresh packet id (for packets built outside a host, e.g. by a middlebox). */
  packetId(): number {
    return this.nextPacketId++;
  }

  /** Put a packet on the wire as if `packet.src` sent it now (tests, packet generators). */
  inject(p: IpPacket, options: { skip?: PacketInterceptor } = {}): void {
    const packet = canonicalAddresses(p);
    if ((packet.hops ?? 0) > MAX_INJECT_HOPS) {
      this.drop(packet, 'hop-limit');
      return;
    }
    this.emitCapture(packet);
    this.trace({ type: 'send', time: this.clock.now(), packet });
    this.forward(packet, this.interceptors, 0, options.skip);
  }

  // ---- internals used by VirtualHost ----

  /** @internal a host sends a packet */
  transmit(packet: IpPacket): void {
    this.stats.sent++;
    this.emitCapture(packet);
    this.trace({ type: 'send', time: this.clock.now(), packet });
    const src = this.hostsByAddress.get(packet.src);
    if (src && !src.up) {
      this.drop(packet, 'host-down');
      return;
    }
    this.forward(packet, this.interceptors, 0, undefined);
  }

  /** @internal */
  drop(packet: IpPacket, reason: DropReason, by?: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
    if (this.tracers.size > 0) this.trace(by === undefined ? { type: 'drop', time: this.clock.now(), packet, reason } : { type: 'drop', time: this.clock.now(), packet, reason, by });
  }

  private trace(e: TraceEvent): void {
    for (const t of this.tracers) t(e);
  }

  private emitCapture(packet: IpPacket): void {
    this.capture?.write(this.clock.now(), packet);
  }

  private matches(spec: string | undefined, address: string): boolean {
    return specMatches(spec, address, (name) => this.hostsByName.get(name)?.addresses);
  }

  private inScope(scope: Scope, src: string, dst: string): boolean {
    return this.matches(scope.from, src) && this.matches(scope.to, dst);
  }

  /** The chain walk (chain.ts) on this network: drops traced, emissions captured, then the path. */
  private readonly site: ChainSite<ChainEntry> = {
    inScope: (scope, src, dst) => this.inScope(scope, src, dst),
    contextFor: (entry) => this.contextFor(entry),
    failed: (packet, box, err) => this.drop(packet, 'interceptor-error', `${box}: ${err instanceof Error ? err.message : String(err)}`),
    dropped: (packet, box) => this.drop(packet, 'intercepted', box),
    emitted: (out, box) => {
      this.emitCapture(out);
      this.trace({ type: 'emit', time: this.clock.now(), packet: out, by: box });
    },
    later: (ms, fn) => void this.clock.setTimer(ms, fn),
    passed: (packet) => this.crossPath(packet),
  };

  /** The interceptors from `index` on (chain.ts walkChain), then the path. */
  private forward(packet: IpPacket, chain: readonly ChainEntry[], index: number, skip: PacketInterceptor | undefined): void {
    walkChain(this.site, packet, chain, index, skip, undefined);
  }

  private contextFor(entry: ChainEntry): InterceptContext {
    return {
      network: this,
      now: this.clock.now(),
      random: entry.random,
      inject: (p: IpPacket, delayMs?: number) => {
        const send = (): void => this.inject({ ...p, hops: (p.hops ?? 0) + 1 }, { skip: entry.interceptor });
        if ((delayMs ?? 0) > 0) this.clock.setTimer(delayMs!, send);
        else send();
      },
      packetId: () => this.packetId(),
    };
  }

  /** MTU, fragment policy, loss and latency of the path, then delivery. */
  private crossPath(packet: IpPacket): void {
    const path = this.path(packet.src, packet.dst);
    let pieces: IpPacket[] = [packet];
    if (ipPacketSize(packet) > path.mtu) {
      // A router may fragment an IPv4 packet without DF (RFC 791); IPv6 routers never
      // fragment (RFC 8200 §5) and DF packets are dropped (PMTUD would send ICMP; not modelled).
      if (packet.family === 4 && !packet.dontFragment) {
        pieces = fragmentPacket(packet, path.mtu, () => this.packetId());
      } else {
        this.drop(packet, 'too-big');
        return;
      }
      if (pieces.length === 0) {
        this.drop(packet, 'too-big');
        return;
      }
    }
    for (const p of pieces) {
      if (p.body.kind === 'fragment') {
        if (path.fragments === 'drop' || (path.fragments === 'first-only' && p.body.offset > 0)) {
          this.drop(p, 'fragment-policy');
          continue;
        }
      }
      if (path.loss > 0 && this.lossRandom.float() < path.loss) {
        this.drop(p, 'loss');
        continue;
      }
      const delay = path.latencyMs + (path.jitterMs > 0 ? this.jitterRandom.float() * path.jitterMs : 0);
      this.clock.setTimer(delay, () => this.deliver(p));
    }
  }

  private deliver(packet: IpPacket): void {
    const host = this.hostsByAddress.get(packet.dst);
    if (!host) {
      this.drop(packet, 'no-route');
      return;
    }
    if (!host.up) {
      this.drop(packet, 'host-down');
      return;
    }
    this.stats.delivered++;
    if (this.tracers.size > 0) this.trace({ type: 'deliver', time: this.clock.now(), packet, host: host.name });
    host.receive(packet);
  }
}

function validatePath(p: PathProperties): PathProperties {
  const bad = (what: string): never => {
    throw new RangeError(`path property ${what}`);
  };
  if (!(p.latencyMs >= 0)) bad(`latencyMs must be >= 0, got ${p.latencyMs}`);
  if (!(p.jitterMs >= 0)) bad(`jitterMs must be >= 0, got ${p.jitterMs}`);
  if (!(p.loss >= 0 && p.loss <= 1)) bad(`loss must be in [0, 1], got ${p.loss}`);
  if (!(Number.isInteger(p.mtu) && p.mtu >= 68 && p.mtu <= 65535)) bad(`mtu must be an integer in [68, 65535] (RFC 791 minimum 68), got ${p.mtu}`);
  if (!['pass', 'drop', 'first-only'].includes(p.fragments)) bad(`fragments must be 'pass' | 'drop' | 'first-only', got ${String(p.fragments)}`);
  return p;
}

// ---------------------------------------------------------------------------

/** One machine on the virtual network: its `Network`. */
export class VirtualHost implements Network {
  readonly clock: VirtualClock;
  up = true;
  private addrs: string[];
  private udp = new Map<string, VirtualUdpSocket>();
  private listeners = new Map<string, VirtualTcpListener>();
  private connections = new Map<string, VirtualTcpConnection>();
  private readonly reassembly: Reassembler;
  private portRandom: SeededRandom;
  /** @internal per-host streams */
  readonly tcpRandom: SeededRandom;
  private ident4: number;
  private ident6: number;

  constructor(
    readonly network: VirtualNetwork,
    readonly name: string,
    addresses: string[],
    random: SeededRandom,
    readonly options: HostOptions,
  ) {
    this.clock = network.clock;
    this.addrs = addresses;
    this.portRandom = random.fork('ports');
    this.tcpRandom = random.fork('tcp');
    const identRandom = random.fork('ip-ident');
    this.ident4 = identRandom.int(0x10000);
    this.ident6 = identRandom.uint32();
    this.reassembly = new Reassembler(this.clock, network.reassemblyTimeoutMs, (first) => network.drop(first, 'reassembly-timeout'));
  }

  get addresses(): readonly string[] {
    return this.addrs;
  }

  /** @internal */
  dropAddress(a: string): void {
    this.addrs = this.addrs.filter((x) => x !== a);
  }

  /** @internal */
  takeAddress(a: string): void {
    if (!this.addrs.includes(a)) this.addrs.push(a);
  }

  async bindUdp(local: Endpoint): Promise<UdpSocket> {
    const address = this.localAddress(local.address);
    const port = local.port === 0 ? this.ephemeralPort('udp', address) : checkPort(local.port);
    const key = `${address}|${port}`;
    if (this.udp.has(key)) throw new NetworkError('ADDRESS_IN_USE', `${this.name}: UDP ${formatEndpoint({ address, port })} is already bound; close the other socket or use another port`);
    const socket = new VirtualUdpSocket(this, { address, port }, () => this.udp.delete(key));
    this.udp.set(key, socket);
    return socket;
  }

  async listenTcp(local: Endpoint, onConnection: (connection: TcpConnection) => void): Promise<TcpListener> {
    const address = this.localAddress(local.address);
    const port = local.port === 0 ? this.ephemeralPort('tcp', address) : checkPort(local.port);
    const key = `${address}|${port}`;
    if (this.listeners.has(key)) throw new NetworkError('ADDRESS_IN_USE', `${this.name}: TCP ${formatEndpoint({ address, port })} is already listening`);
    const listener = new VirtualTcpListener({ address, port }, onConnection, () => this.listeners.delete(key));
    this.listeners.set(key, listener);
    return listener;
  }

  connectTcp(remote: Endpoint, options: { localAddress?: string; timeoutMs?: number } = {}): Promise<TcpConnection> {
    return new Promise<TcpConnection>((resolve, reject) => {
      const family = ipFamily(remote.address);
      if (family === undefined) throw new NetworkError('UNREACHABLE', `${this.name}: "${remote.address}" is not an IP address`);
      const remoteAddr = normalizeIp(remote.address);
      const localAddress = options.localAddress !== undefined ? this.localAddress(options.localAddress) : this.addrs.find((a) => ipFamily(a) === family);
      if (localAddress === undefined || isWildcard(localAddress)) {
        throw new NetworkError('UNREACHABLE', `${this.name} has no IPv${family} address to connect to ${formatEndpoint(remote)} from`);
      }
      this.purgeTimeWait();
      const port = this.ephemeralPort('tcp', localAddress);
      const conn = new VirtualTcpConnection(this, { address: localAddress, port }, { address: remoteAddr, port: checkPort(remote.port) }, 'syn-sent');
      this.connections.set(conn.key, conn);
      conn.connect(options.timeoutMs ?? this.network.tcpOptions.connectTimeoutMs, resolve, reject);
    });
  }

  // ---- internals ----

  /** @internal */
  nextIdent(family: IpFamily): number {
    if (family === 4) return (this.ident4 = (this.ident4 + 1) & 0xffff);
    return (this.ident6 = (this.ident6 + 1) >>> 0);
  }

  /** Forget closed connections whose TIME-WAIT is over (frees their ports). */
  private purgeTimeWait(): void {
    const now = this.clock.now();
    const wait = this.network.tcpOptions.timeWaitMs;
    for (const c of this.connections.values()) if (c.state === 'closed' && now - c.closedAt > wait) this.connections.delete(c.key);
  }

  /** @internal */
  forgetConnection(conn: VirtualTcpConnection): void {
    if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
  }

  /** @internal */
  sendUdp(from: Endpoint, payload: Uint8Array, to: Endpoint): void {
    const family = ipFamily(to.address);
    if (family === undefined || !Number.isInteger(to.port) || to.port < 1 || to.port > 65535) return; // not routable: lost
    const dst = normalizeIp(to.address);
    let src = from.address;
    if (isWildcard(src)) {
      const pick = this.addrs.find((a) => ipFamily(a) === family);
      if (pick === undefined) return; // no address of that family: nothing leaves
      src = pick;
    }
    if (ipFamily(src) !== family) return; // an IPv4 socket cannot reach an IPv6 address
    const body: UdpBody = { kind: 'udp', srcPort: from.port, dstPort: to.port, payload: Buffer.from(payload) };
    const packet: IpPacket = { id: this.network.packetId(), family, src, dst, ident: this.nextIdent(family), ttl: 64, dontFragment: family === 6, body };
    if (payload.length > MAX_UDP_PAYLOAD[family]) {
      this.network.drop(packet, 'too-big');
      return;
    }
    const mtu = this.network.path(src, dst).mtu;
    if (ipPacketSize(packet) <= mtu) {
      this.network.transmit(packet);
      return;
    }
    // The sending stack fragments a datagram larger than the (known) path MTU.
    const pieces = fragmentPacket({ ...packet, dontFragment: false }, mtu, () => this.network.packetId());
    if (pieces.length === 0) this.network.drop(packet, 'too-big');
    for (const p of pieces) this.network.transmit(family === 6 ? { ...p, dontFragment: true } : p);
  }

  /** @internal */
  sendTcp(conn: VirtualTcpConnection, body: TcpBody): void {
    const family = ipFamily(conn.local.address) ?? 4;
    this.network.transmit({
      id: this.network.packetId(),
      family,
      src: conn.local.address,
      dst: conn.remote.address,
      ident: this.nextIdent(family),
      ttl: 64,
      dontFragment: true,
      body,
    });
  }

  /** @internal the largest TCP payload per segment on the path to `remote` (both directions). */
  mss(local: string, remote: string): number {
    const family = ipFamily(local) ?? 4;
    const mtu = Math.min(this.network.path(local, remote).mtu, this.network.path(remote, local).mtu);
    return Math.max(8, mtu - ipHeaderSize(family) - TCP_HEADER);
  }

  /** @internal a packet arrives */
  receive(packet: IpPacket): void {
    if (!this.addrs.includes(packet.dst)) {
      this.network.drop(packet, 'no-route');
      return;
    }
    const b = packet.body;
    if (b.kind === 'fragment') {
      this.reassemble(packet);
      return;
    }
    if (b.kind === 'udp') this.receiveUdp(packet, b);
    else this.receiveTcp(packet, b);
  }

  private receiveUdp(packet: IpPacket, body: UdpBody): void {
    const socket = this.udp.get(`${packet.dst}|${body.dstPort}`) ?? this.udp.get(`${packet.family === 4 ? '0.0.0.0' : '::'}|${body.dstPort}`);
    if (!socket) {
      // A real host answers ICMP port unreachable; unconnected UDP sockets ignore it, so it is just gone.
      this.network.drop(packet, 'port-unreachable');
      return;
    }
    socket.deliver(body.payload, { address: packet.src, port: body.srcPort });
  }

  private receiveTcp(packet: IpPacket, body: TcpBody): void {
    const key = connKey(packet.dst, body.dstPort, packet.src, body.srcPort);
    const conn = this.connections.get(key);
    if (conn) {
      conn.segment(body);
      return;
    }
    if (body.flags.rst) return; // never answer a RST (RFC 9293 §3.10.7.1)
    if (body.flags.syn && !body.flags.ack) {
      const listener = this.listeners.get(`${packet.dst}|${body.dstPort}`) ?? this.listeners.get(`${packet.family === 4 ? '0.0.0.0' : '::'}|${body.dstPort}`);
      if (listener && this.connections.size >= 4096) this.purgeTimeWait();
      if (listener && this.connections.size < 65536) {
        const c = new VirtualTcpConnection(this, { address: packet.dst, port: body.dstPort }, { address: packet.src, port: body.srcPort }, 'syn-received', listener);
        this.connections.set(c.key, c);
        c.segment(body);
        return;
      }
    }
    // Nothing here: RST (RFC 9293 §3.10.7.1). For a SYN this is "connection refused".
    this.network.drop(packet, 'no-connection');
    const seqLen = body.payload.length + (body.flags.syn ? 1 : 0) + (body.flags.fin ? 1 : 0);
    const rst: TcpBody = body.flags.ack
      ? { kind: 'tcp', srcPort: body.dstPort, dstPort: body.srcPort, seq: body.ack, ack: 0, flags: { rst: true }, window: 0, payload: Buffer.alloc(0) }
      : { kind: 'tcp', srcPort: body.dstPort, dstPort: body.srcPort, seq: 0, ack: (body.seq + seqLen) >>> 0, flags: { rst: true, ack: true }, window: 0, payload: Buffer.alloc(0) };
    const family = packet.family;
    this.network.transmit({ id: this.network.packetId(), family, src: packet.dst, dst: packet.src, ident: this.nextIdent(family), ttl: 64, dontFragment: true, body: rst });
  }

  /** Fragments wait in the host's reassembly buffer (reassembly.ts) until the datagram is whole. */
  private reassemble(packet: IpPacket): void {
    const r = this.reassembly.add(packet, undefined);
    if (r.kind === 'pending') return;
    if (r.kind === 'overflow') return this.network.drop(packet, 'reassembly-overflow');
    if (r.kind === 'bad-checksum') return this.network.drop(packet, 'bad-checksum');
    if (r.body.kind === 'udp') this.receiveUdp(packet, r.body);
    else this.receiveTcp(packet, r.body);
  }

  private localAddress(address: string): string {
    if (ipFamily(address) === undefined) throw new NetworkError('ADDRESS_NOT_LOCAL', `${this.name}: "${address}" is not an IP address`);
    if (isWildcard(address)) return ipFamily(address) === 4 ? '0.0.0.0' : '::';
    const a = normalizeIp(address);
    if (!this.addrs.includes(a)) {
      throw new NetworkError('ADDRESS_NOT_LOCAL', `${this.name} does not own ${a} (it has ${this.addrs.join(', ') || 'no addresses'}); add it with addHost`);
    }
    return a;
  }

  private portInUse(proto: 'udp' | 'tcp', address: string, port: number): boolean {
    if (proto === 'udp') return this.udp.has(`${address}|${port}`);
    if (this.listeners.has(`${address}|${port}`)) return true;
    for (const c of this.connections.values()) if (c.local.port === port && c.local.address === address) return true;
    return false;
  }

  private ephemeralPort(proto: 'udp' | 'tcp', address: string): number {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    for (let i = 0; i < 64; i++) {
      const p = EPHEMERAL_LOW + this.portRandom.int(span);
      if (!this.portInUse(proto, address, p)) return p;
    }
    const start = this.portRandom.int(span);
    for (let i = 0; i < span; i++) {
      const p = EPHEMERAL_LOW + ((start + i) % span);
      if (!this.portInUse(proto, address, p)) return p;
    }
    throw new NetworkError('ADDRESS_IN_USE', `${this.name}: no free ephemeral ${proto.toUpperCase()} port on ${address}; close some sockets`);
  }
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new NetworkError('NOT_ALLOWED', `port must be an integer 0..65535, got ${port}`);
  return port;
}

function connKey(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): string {
  return `${localAddr}|${localPort}|${remoteAddr}|${remotePort}`;
}

class VirtualUdpSocket implements UdpSocket {
  private handler: ((payload: Buffer, from: Endpoint) => void) | undefined;
  private closed = false;

  constructor(
    private host: VirtualHost,
    readonly local: Endpoint,
    private onClosed: () => void,
  ) {}

  send(payload: Uint8Array, to: Endpoint): void {
    if (this.closed) return;
    this.host.sendUdp(this.local, payload, to);
  }

  onMessage(handler: (payload: Buffer, from: Endpoint) => void): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
  }

  /** @internal */
  deliver(payload: Buffer, from: Endpoint): void {
    // A socket without a handler drops the datagram, like a full receive buffer.
    this.handler?.(Buffer.from(payload), from);
  }
}

class VirtualTcpListener implements TcpListener {
  closed = false;
  constructor(
    readonly local: Endpoint,
    readonly onConnection: (c: TcpConnection) => void,
    private onClosed: () => void,
  ) {}
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed();
  }
}

type TcpState = 'syn-sent' | 'syn-received' | 'established' | 'closed';

interface Unacked {
  offset: number;
  payload: Buffer;
  syn: boolean;
  fin: boolean;
}

/**
 * A TCP connection in the virtual network: real segments (SYN, SYN-ACK, ACK,
 * data with PSH, FIN, RST), sequence numbers from a seeded ISN, cumulative
 * ACKs, retransmission with exponential backoff (RFC 6298), out-of-order
 * buffering. Not modelled: windows/congestion control, Nagle, delayed ACKs,
 * SACK, half-close (like Node's default allowHalfOpen=false, a FIN from the
 * peer is answered with our FIN and the connection ends).
 */
class VirtualTcpConnection implements TcpConnection {
  readonly key: string;
  state: TcpState;
  private isn: number;
  private peerIsn = 0;
  /** Offsets are relative to our ISN (SYN = offset 0, first data byte = 1). */
  private sndNxt = 0;
  private sndUna = 0;
  private rcvNxt = 0;
  /** rcvNxt as last acknowledged in a segment we sent. */
  private ackSent = -1;
  private unacked: Unacked[] = [];
  private ooo = new Map<number, { payload: Buffer; fin: boolean }>();
  private retries = 0;
  private rtoTimer: object | undefined;
  private idleTimer: object | undefined;
  private connectTimer: object | undefined;
  private finSent = false;
  private finReceived = false;
  /** @internal */
  closedAt = 0;
  private readonly delivery = new TcpDelivery();
  private onConnected: ((c: TcpConnection) => void) | undefined;
  private onConnectFailed: ((e: Error) => void) | undefined;
  private mssValue: number;
  private idleTimeoutMs: number | undefined;

  constructor(
    private host: VirtualHost,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    state: 'syn-sent' | 'syn-received',
    private listener?: VirtualTcpListener,
  ) {
    this.key = connKey(local.address, local.port, remote.address, remote.port);
    this.state = state;
    this.isn = host.tcpRandom.uint32();
    this.mssValue = host.mss(local.address, remote.address);
    this.idleTimeoutMs = host.options.tcpIdleTimeoutMs ?? host.network.tcpOptions.idleTimeoutMs;
  }

  // ---- TcpConnection ----

  write(data: Uint8Array): void {
    if (this.state !== 'established' || this.finSent || data.length === 0) return;
    const buf = Buffer.from(data);
    for (let i = 0; i < buf.length; i += this.mssValue) {
      const payload = buf.subarray(i, Math.min(i + this.mssValue, buf.length));
      const seg: Unacked = { offset: this.sndNxt, payload, syn: false, fin: false };
      this.sndNxt += payload.length;
      this.unacked.push(seg);
      this.sendSegment(seg);
    }
    this.armRto();
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.delivery.onData(handler);
  }

  onClose(handler: (reason: TcpCloseReason) => void): void {
    this.delivery.onClose(handler);
  }

  /** Never called: half-close is not modelled here (see the class comment); the peer's FIN ends the connection. */
  onPeerEnd(_handler: () => void): void {}

  end(): void {
    if (this.state === 'closed' || this.finSent) return;
    if (this.state !== 'established') {
      this.reset();
      return;
    }
    this.sendFin();
  }

  reset(): void {
    if (this.state === 'closed') return;
    this.sendRst();
    this.close('reset', false);
  }

  // ---- machinery ----

  /** @internal client side: send SYN and wait. */
  connect(timeoutMs: number, resolve: (c: TcpConnection) => void, reject: (e: Error) => void): void {
    this.onConnected = resolve;
    this.onConnectFailed = reject;
    this.connectTimer = this.host.clock.setTimer(timeoutMs, () => {
      this.connectTimer = undefined;
      this.failConnect(new NetworkError('TIMEOUT', `TCP connect from ${formatEndpoint(this.local)} to ${formatEndpoint(this.remote)} timed out after ${timeoutMs} ms (no SYN-ACK: host unreachable, or SYN dropped on the path)`));
    });
    const syn: Unacked = { offset: 0, payload: Buffer.alloc(0), syn: true, fin: false };
    this.sndNxt = 1;
    this.unacked.push(syn);
    this.sendSegment(syn);
    this.armRto();
  }

  private failConnect(err: Error): void {
    const reject = this.onConnectFailed;
    this.onConnectFailed = undefined;
    this.onConnected = undefined;
    this.shutdown();
    this.state = 'closed';
    this.host.forgetConnection(this);
    reject?.(err);
  }

  /** @internal an incoming segment for this connection */
  segment(b: TcpBody): void {
    if (this.state === 'closed') {
      // TIME-WAIT: acknowledge a retransmitted FIN so the peer can finish; forget after timeWaitMs.
      if (this.host.clock.now() - this.closedAt > this.host.network.tcpOptions.timeWaitMs) {
        this.host.forgetConnection(this);
        return;
      }
      if ((b.flags.fin || b.payload.length > 0) && !b.flags.rst) this.sendAck();
      return;
    }
    this.touch();
    if (b.flags.rst) {
      if (this.state === 'syn-sent') {
        this.failConnect(new NetworkError('CONNECTION_REFUSED', `TCP connect to ${formatEndpoint(this.remote)} refused (RST): nothing listens there`));
      } else {
        this.close('reset', false);
      }
      return;
    }
    if (this.state === 'syn-sent') {
      if (!(b.flags.syn && b.flags.ack) || this.offset(b.ack) !== 1) return;
      this.peerIsn = b.seq;
      this.rcvNxt = 1;
      this.mssValue = Math.min(this.mssValue, b.mss ?? this.mssValue);
      this.ackUpTo(1);
      this.state = 'established';
      this.sendAck();
      if (this.connectTimer) this.host.clock.clearTimer(this.connectTimer);
      this.connectTimer = undefined;
      const resolve = this.onConnected;
      this.onConnected = undefined;
      this.onConnectFailed = undefined;
      resolve?.(this);
      return;
    }
    if (this.state === 'syn-received' && b.flags.syn && !b.flags.ack) {
      if (this.unacked.length === 0) {
        // First SYN: answer SYN-ACK.
        this.peerIsn = b.seq;
        this.rcvNxt = 1;
        if (b.mss !== undefined) this.mssValue = Math.min(this.mssValue, b.mss);
        const synAck: Unacked = { offset: 0, payload: Buffer.alloc(0), syn: true, fin: false };
        this.sndNxt = 1;
        this.unacked.push(synAck);
        this.sendSegment(synAck);
        this.armRto();
      } else {
        // Retransmitted SYN: our SYN-ACK was lost.
        this.sendSegment(this.unacked[0]!);
      }
      return;
    }
    if (b.flags.syn) {
      // A SYN-ACK again (our ACK was lost): acknowledge once more.
      this.sendAck();
      return;
    }
    if (b.flags.ack) {
      this.ackUpTo(this.offset(b.ack));
      if (this.state === 'syn-received' && this.sndUna >= 1) {
        this.state = 'established';
        const l = this.listener;
        if (!l || l.closed) {
          this.reset();
          return;
        }
        l.onConnection(this);
        if (this.state !== 'established') return;
      }
    }
    if (this.state !== 'established') return;
    const len = b.payload.length + (b.flags.fin ? 1 : 0);
    if (len > 0) {
      const off = (b.seq - this.peerIsn) >>> 0;
      const inOrder = off === this.rcvNxt;
      if (inOrder) {
        this.accept(b.payload, !!b.flags.fin);
        // Pull in anything that was waiting for this gap to fill.
        for (let next = this.ooo.get(this.rcvNxt); next !== undefined && this.state === 'established'; next = this.ooo.get(this.rcvNxt)) {
          this.ooo.delete(this.rcvNxt);
          this.accept(next.payload, next.fin);
        }
      } else if (off > this.rcvNxt && off - this.rcvNxt < 0x40000000 && this.ooo.size < MAX_OOO_SEGMENTS) {
        this.ooo.set(off, { payload: b.payload, fin: !!b.flags.fin });
      }
      // The data handler may have closed the connection.
      if ((this.state as TcpState) === 'closed') return;
      // A duplicate or out-of-order segment is answered with a (duplicate) ACK at once; in-order
      // data needs no pure ACK if the handler's reply (or our FIN) already carried it.
      if (!inOrder || this.ackSent !== this.rcvNxt) this.sendAck();
    }
    this.maybeFinished();
  }

  private accept(payload: Buffer, fin: boolean): void {
    if (payload.length > 0) {
      this.rcvNxt += payload.length;
      this.delivery.data(Buffer.from(payload));
    }
    if (fin && !this.finReceived) {
      this.rcvNxt += 1;
      this.finReceived = true;
      // No half-open connections: answer the peer's FIN with ours.
      if (!this.finSent && this.state === 'established') this.sendFin();
    }
  }

  private maybeFinished(): void {
    if (this.state === 'established' && this.finSent && this.finReceived && this.sndUna === this.sndNxt) {
      this.close('end', true);
    }
  }

  private offset(wireAck: number): number {
    return (wireAck - this.isn) >>> 0;
  }

  private ackUpTo(ackOff: number): void {
    if (ackOff <= this.sndUna || ackOff > this.sndNxt) return;
    this.sndUna = ackOff;
    this.unacked = this.unacked.filter((s) => s.offset + s.payload.length + (s.syn ? 1 : 0) + (s.fin ? 1 : 0) > ackOff);
    this.retries = 0;
    if (this.rtoTimer) this.host.clock.clearTimer(this.rtoTimer);
    this.rtoTimer = undefined;
    this.armRto();
  }

  private armRto(): void {
    if (this.rtoTimer || this.unacked.length === 0) return;
    const opts = this.host.network.tcpOptions;
    const rto = Math.min(opts.rtoMs * 2 ** this.retries, 60_000);
    this.rtoTimer = this.host.clock.setTimer(rto, () => {
      this.rtoTimer = undefined;
      if (this.state === 'closed' || this.unacked.length === 0) return;
      this.retries++;
      if (this.state !== 'syn-sent' && this.retries > opts.maxRetransmits) {
        if (this.state === 'syn-received') {
          // The handshake never completed: forget quietly, the listener never saw it.
          this.shutdown();
          this.state = 'closed';
          this.host.forgetConnection(this);
        } else {
          this.close('timeout', false);
        }
        return;
      }
      // Go-back-N: resend everything unacknowledged.
      for (const s of this.unacked) this.sendSegment(s);
      this.armRto();
    });
  }

  private touch(): void {
    if (this.idleTimeoutMs === undefined || this.state === 'closed') return;
    if (this.idleTimer) this.host.clock.clearTimer(this.idleTimer);
    const ms = this.idleTimeoutMs;
    this.idleTimer = this.host.clock.setTimer(ms, () => {
      this.idleTimer = undefined;
      if (this.state === 'closed') return;
      if (this.state === 'syn-sent') return; // the connect timeout handles this
      this.sendRst();
      this.close('timeout', false);
    });
  }

  private sendFin(): void {
    this.finSent = true;
    const fin: Unacked = { offset: this.sndNxt, payload: Buffer.alloc(0), syn: false, fin: true };
    this.sndNxt += 1;
    this.unacked.push(fin);
    this.sendSegment(fin);
    this.armRto();
  }

  private sendSegment(s: Unacked): void {
    const flags: TcpFlags = s.syn
      ? this.state === 'syn-sent'
        ? { syn: true }
        : { syn: true, ack: true }
      : { ack: true, ...(s.payload.length > 0 ? { psh: true } : {}), ...(s.fin ? { fin: true } : {}) };
    this.emit(flags, s.offset, s.payload, s.syn ? this.mssValue : undefined);
  }

  private sendAck(): void {
    this.emit({ ack: true }, this.sndNxt, Buffer.alloc(0), undefined);
  }

  private sendRst(): void {
    this.emit(this.state === 'syn-sent' ? { rst: true } : { rst: true, ack: true }, this.sndNxt, Buffer.alloc(0), undefined);
  }

  private emit(flags: TcpFlags, offset: number, payload: Buffer, mss: number | undefined): void {
    this.touch();
    if (flags.ack) this.ackSent = this.rcvNxt;
    const body: TcpBody = {
      kind: 'tcp',
      srcPort: this.local.port,
      dstPort: this.remote.port,
      seq: (this.isn + offset) >>> 0,
      ack: flags.ack ? (this.peerIsn + this.rcvNxt) >>> 0 : 0,
      flags,
      window: 65535,
      ...(mss !== undefined ? { mss } : {}),
      payload,
    };
    this.host.sendTcp(this, body);
  }

  private shutdown(): void {
    for (const t of [this.rtoTimer, this.idleTimer, this.connectTimer]) if (t) this.host.clock.clearTimer(t);
    this.rtoTimer = this.idleTimer = this.connectTimer = undefined;
    this.unacked = [];
    this.ooo.clear();
  }

  private close(reason: TcpCloseReason, linger: boolean): void {
    if (this.state === 'closed') return;
    this.shutdown();
    this.state = 'closed';
    this.closedAt = this.host.clock.now();
    if (!linger) this.host.forgetConnection(this);
    this.delivery.closed(reason);
  }
}
