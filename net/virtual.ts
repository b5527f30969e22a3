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
import { ipFamily, isUnspecified, normalizeIp } from './ip.ts';
import { NetworkError } from './network.ts';
import { type IpPacket, type PacketSink, fragmentPacket, ipPacketSize } from './packet.ts';
import { SeededRandom } from './random.ts';
import { canonicalAddresses, type ChainEntry, type ChainSite, MAX_INJECT_HOPS, normalizeScope, walkChain } from './chain.ts';
import { type InterceptContext, type PacketInterceptor, type Scope, specMatches } from './interceptor.ts';
import { DEFAULT_PATH, type DropReason, type PathProperties, validatePath } from './path.ts';
import { DEFAULT_TCP, type TcpOptions } from './virtual-tcp.ts';
import { type HostOptions, VirtualHost } from './virtual-host.ts';

export type TraceEvent =
  | { type: 'send'; time: number; packet: IpPacket }
  | { type: 'emit'; time: number; packet: IpPacket; by: string }
  | { type: 'deliver'; time: number; packet: IpPacket; host: string }
  | { type: 'drop'; time: number; packet: IpPacket; reason: DropReason; by?: string };

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

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: Partial<Record<DropReason, number>>;
}

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
      if (isUnspecified(a)) throw new NetworkError('NOT_ALLOWED', `host "${name}": the wildcard "${a}" cannot be a host address`);
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
    if (this.tracers.size > 0)
      this.trace(by === undefined ? { type: 'drop', time: this.clock.now(), packet, reason } : { type: 'drop', time: this.clock.now(), packet, reason, by });
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
