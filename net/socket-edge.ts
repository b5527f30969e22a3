// Middleboxes on real sockets. On a SocketNetwork every packet between a real
// program (a resolver product in the lab's network namespace) and a lab
// machine passes through one of our own sockets: the lab server receives the
// product's query and sends the answer; it accepts the product's TCP
// connection and reads/writes its bytes. The SocketEdge runs each of those
// datagrams and TCP segments, as an `IpPacket`, through the very same
// `PacketInterceptor` chain the VirtualNetwork uses (servers/middlebox/: one
// implementation of each box), and maps the verdict back onto the socket:
//
//   UDP  pass → deliver; rewritten → deliver the rewritten payload; drop → gone;
//        held/delayed → delivered later on the lab clock; a reply the box makes
//        up (ctx.inject) → sent from the lab socket that owns its source.
//        A datagram larger than the link MTU is split into IP fragments before
//        the chain, as the sending kernel does on a 1500-octet lo (and the real
//        kernel does fragment it again when we send it); what comes out of the
//        chain is reassembled: delivered only if every fragment got through.
//   TCP  the kernel has finished the handshake before Node sees a connection,
//        so the edge plays the SYN through the chain at accept(): passed → the
//        server gets the connection; a RST from the box (TcpFilter 'reject') →
//        `socket.resetAndDestroy()`, a real RST to the peer (Node ≥ 16.17 /
//        18.3), which a client sees as ECONNRESET right after connect instead
//        of ECONNREFUSED — for a DNS client the same failed TCP fallback;
//        dropped (blackhole, full session table) → the connection is held
//        silent (no byte reaches the server, the peer's query times out) and
//        aborted after SYN_DROP_HOLD_MS, so the peer cannot keep it. Data chunks
//        are cut into MSS-sized segments (link MTU − 40/60) and each runs
//        through the chain; what comes out is delivered in sequence order.
//
// Exactly one interception per packet: a datagram between two of our own
// sockets is run at the receiving socket only (the sender sees that the
// destination is ours). Only paths some interceptor's scope covers pay for
// any of this; everything else stays a plain socket.
//
// What cannot be mapped onto sockets fails loudly (SocketEdgeError naming the
// box and the packet): a packet rewritten to an endpoint no lab socket owns
// (a NAT to another address, a DNAT to a backend that is not a lab server),
// TCP rewritten to other endpoints, TCP from a lab machine to a program
// outside the lab through a box (we would only see it after the kernel's
// handshake on the wrong side). Not modelled: retransmission of a dropped TCP
// segment (the stream stalls, as if every retransmission were dropped too).

import type { Clock, Endpoint, TimerHandle } from './network.ts';
import { formatEndpoint } from './network.ts';
import { ipFamily, normalizeIp } from './ip.ts';
import { fragmentPacket, ipHeaderSize, describePacket, type IpPacket } from './packet.ts';
import { SeededRandom } from './random.ts';
import { Reassembler } from './reassembly.ts';
import { canonicalAddresses, type ChainEntry, type ChainSite, MAX_INJECT_HOPS, normalizeScope, walkChain } from './chain.ts';
import { specMatches, type InterceptContext, type PacketInterceptor, type Scope } from './interceptor.ts';
import { type EdgeTcpSide, TcpFlow } from './socket-edge-tcp.ts';

export class SocketEdgeError extends Error {
  constructor(
    readonly code: 'CANNOT_MAP' | 'UNSUPPORTED_PATH',
    /** The interceptor (box) whose verdict could not be carried. */
    readonly box: string,
    message: string,
  ) {
    super(message);
    this.name = 'SocketEdgeError';
  }
}

export interface SocketEdgeOptions {
  clock: Clock;
  /** Seeded streams for the boxes (each interceptor gets a fork labelled by its name, as on the VirtualNetwork). */
  random?: SeededRandom;
  /** The MTU of the link the sockets use (lo in the lab's namespace; default 65536, Linux lo's default). */
  linkMtu?: number;
  /** How long an incomplete datagram waits for its other fragments (default 30000 ms, Linux ipfrag_time). */
  reassemblyTimeoutMs?: number;
}

/** What a lab UDP socket offers the edge. */
export interface EdgeUdpSocket {
  /** Hand a datagram to the socket's receiver (it arrived, possibly rewritten). */
  deliver(payload: Buffer, from: Endpoint): void;
  /** Put a datagram on the real wire from this socket (no interception). */
  send(payload: Buffer, to: Endpoint): void;
}

export interface EdgeStats {
  /** Packets (fragments and segments counted one by one) that entered the chain. */
  intercepted: number;
  /** Drops by box name. */
  dropped: Record<string, number>;
  /** Datagrams lost because not every fragment got through (or the reassembly timed out). */
  incomplete: number;
}

/** A TCP flow's key in one direction, src → dst. */
const flowKey = (src: Endpoint, dst: Endpoint): string => `${formatEndpoint(src)}>${formatEndpoint(dst)}`;

export class SocketEdge {
  readonly clock: Clock;
  readonly linkMtu: number;
  readonly reassemblyTimeoutMs: number;
  readonly stats: EdgeStats = { intercepted: 0, dropped: {}, incomplete: 0 };
  /** Verdicts that could not be carried on sockets, in order; the runner fails the run on the first. */
  readonly errors: SocketEdgeError[] = [];
  private readonly random: SeededRandom;
  private entries: ChainEntry[] = [];
  private readonly hostsByName = new Map<string, string[]>();
  private readonly udpSockets = new Map<string, EdgeUdpSocket>();
  private readonly tcpListeners = new Set<string>();
  private readonly flows = new Map<string, TcpFlow>();
  private readonly reassembly: Reassembler<string | undefined>;
  private nextIdent = 1;
  private nextPacketId = 1;
  private readonly timers = new Set<TimerHandle>();

  constructor(options: SocketEdgeOptions) {
    this.clock = options.clock;
    this.random = options.random ?? new SeededRandom('socket-edge');
    this.linkMtu = options.linkMtu ?? 65536;
    this.reassemblyTimeoutMs = options.reassemblyTimeoutMs ?? 30_000;
    this.reassembly = new Reassembler<string | undefined>(this.clock, this.reassemblyTimeoutMs, () => void this.stats.incomplete++);
  }

  /** A machine's name and addresses, so scopes may name hosts as on the VirtualNetwork. */
  addHost(name: string, addresses: readonly string[]): void {
    this.hostsByName.set(
      name,
      addresses.map((a) => normalizeIp(a)),
    );
  }

  /** Put a box on every path matching `scope` (host names or addresses), in the order added. Returns a remover. */
  addInterceptor(interceptor: PacketInterceptor, scope: Scope = {}): () => void {
    const entry: ChainEntry = { interceptor, scope: normalizeScope(scope), random: this.random.fork(`interceptor/${interceptor.name}`) };
    this.entries = [...this.entries, entry];
    return () => {
      this.entries = this.entries.filter((e) => e !== entry);
    };
  }

  /** Some box sits on the path src → dst (or dst → src): only then do sockets on it go through the edge. */
  covers(a: string, b: string): boolean {
    return this.firstBox(a, b) !== undefined;
  }

  /** The first box on the path between `a` and `b`, either way. */
  private firstBox(a: string, b: string): ChainEntry | undefined {
    return this.entries.find((e) => this.inScope(e.scope, a, b) || this.inScope(e.scope, b, a));
  }

  // ---- registration by SocketNetwork ----

  registerUdp(local: Endpoint, socket: EdgeUdpSocket): () => void {
    const k = formatEndpoint(local);
    this.udpSockets.set(k, socket);
    return () => {
      if (this.udpSockets.get(k) === socket) this.udpSockets.delete(k);
    };
  }

  ownsUdp(e: Endpoint): boolean {
    return this.udpSockets.has(formatEndpoint(e));
  }

  registerTcpListener(local: Endpoint): () => void {
    const k = formatEndpoint(local);
    this.tcpListeners.add(k);
    return () => this.tcpListeners.delete(k);
  }

  ownsTcpListener(e: Endpoint): boolean {
    return this.tcpListeners.has(formatEndpoint(e));
  }

  // ---- UDP ----

  /**
   * A datagram src → dst enters the boxes (called by the sending socket when dst is not ours, else by the
   * receiving one). What gets through is delivered to / sent from the lab socket owning an end.
   */
  udp(src: Endpoint, dst: Endpoint, payload: Buffer): void {
    const family = ipFamily(src.address) === 6 ? 6 : 4;
    const packet: IpPacket = {
      id: this.packetId(),
      family,
      src: src.address,
      dst: dst.address,
      ident: family === 4 ? this.nextIdent++ & 0xffff : this.nextIdent++,
      ttl: 64,
      // Linux (IP_PMTUDISC_WANT, the default) fragments a datagram larger than the link MTU locally, without DF.
      dontFragment: false,
      body: { kind: 'udp', srcPort: src.port, dstPort: dst.port, payload },
    };
    // The sending kernel splits what does not fit the link (RFC 791 §2.3 / RFC 8200 §4.5), before any box sees it.
    for (const piece of fragmentPacket(packet, this.linkMtu, () => this.packetId())) this.run(piece);
  }

  // ---- TCP ----

  /**
   * A connection the kernel accepted on a lab listener (remote = the peer). Plays its SYN through the boxes
   * now; the returned flow carries its bytes both ways.
   */
  tcpAccepted(local: Endpoint, remote: Endpoint, side: EdgeTcpSide): TcpFlow {
    const flow = new TcpFlow(this, local, remote, side, this.random.uint32(), this.random.uint32());
    this.flows.set(flowKey(remote, local), flow);
    this.flows.set(flowKey(local, remote), flow);
    flow.start();
    return flow;
  }

  /** A lab machine connects out through a box: refused unless the listener is a lab socket (then its side intercepts). */
  checkConnect(local: string, remote: Endpoint): void {
    const first = this.firstBox(local, remote.address);
    if (first === undefined || this.ownsTcpListener(remote)) return;
    const box = first.interceptor.name;
    throw new SocketEdgeError(
      'UNSUPPORTED_PATH',
      box,
      `box "${box}": TCP from lab address ${local} to ${formatEndpoint(remote)} (not a lab listener) cannot go through a box on sockets — the edge sees a connection only on the side that accepts it; put the box in front of a lab server instead`,
    );
  }

  /** @internal */
  forgetFlow(flow: TcpFlow): void {
    this.flows.delete(flowKey(flow.remote, flow.local));
    this.flows.delete(flowKey(flow.local, flow.remote));
  }

  /** @internal run one synthesized TCP segment. */
  runTcp(packet: IpPacket): void {
    this.run(packet);
  }

  /** @internal */
  packetId(): number {
    return this.nextPacketId++;
  }

  /** Largest TCP payload per segment on the link (RFC 9293 §3.7.1 MSS = MTU − IP − TCP headers). */
  mss(family: 4 | 6): number {
    return Math.max(1, Math.min(this.linkMtu, 65535) - ipHeaderSize(family) - 20);
  }

  // ---- the chain (chain.ts walkChain, the same walk as on the VirtualNetwork) ----

  private matches(spec: string | undefined, address: string): boolean {
    return specMatches(spec, address, (name) => this.hostsByName.get(name));
  }

  private inScope(scope: Scope, src: string, dst: string): boolean {
    return this.matches(scope.from, src) && this.matches(scope.to, dst);
  }

  private drop(by: string): void {
    this.stats.dropped[by] = (this.stats.dropped[by] ?? 0) + 1;
  }

  /** The chain walk (chain.ts) at the edge of the sockets: drops counted by box, then back onto the sockets. */
  private readonly site: ChainSite<ChainEntry> = {
    inScope: (scope, src, dst) => this.inScope(scope, src, dst),
    contextFor: (entry) => this.contextFor(entry),
    entered: () => void this.stats.intercepted++,
    // A broken box drops the packet and the lab goes on (docs/ARCHITECTURE.md, "Bad input never crashes the lab"), as on the VirtualNetwork.
    failed: (_packet, box) => this.drop(`${box} (error)`),
    dropped: (_packet, box) => this.drop(box),
    // Held by the box: released on the lab clock (a RealClock re-arms when lab time jumps).
    later: (ms, fn) => this.later(ms, fn),
    passed: (packet, by) => this.arrive(packet, by),
  };

  /** Through every box from the first; `skip`/`by`: the box that injected the packet. */
  private run(packet: IpPacket, skip?: PacketInterceptor, by?: string): void {
    walkChain(this.site, packet, this.entries, 0, skip, by);
  }

  private contextFor(entry: ChainEntry): InterceptContext {
    return {
      now: this.clock.now(),
      random: entry.random,
      inject: (p: IpPacket, delayMs?: number) => {
        const send = (): void => {
          const hops = (p.hops ?? 0) + 1;
          if (hops > MAX_INJECT_HOPS) return this.drop(`${entry.interceptor.name} (hop limit)`);
          this.run({ ...canonicalAddresses(p), hops }, entry.interceptor, entry.interceptor.name);
        };
        if ((delayMs ?? 0) > 0) this.later(delayMs!, send);
        else send();
      },
      packetId: () => this.packetId(),
    };
  }

  /** @internal A timer on the lab clock that `close()` can cancel. */
  later(ms: number, fn: () => void): void {
    const h = this.clock.setTimer(ms, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
  }

  /** Cancel held packets and reassembly timers (the lab is shutting down). */
  close(): void {
    for (const h of this.timers) this.clock.clearTimer(h);
    this.timers.clear();
    this.reassembly.clear();
  }

  // ---- back onto the sockets ----

  private fail(by: string | undefined, packet: IpPacket, why: string): void {
    const box = by ?? '(no box)';
    this.errors.push(new SocketEdgeError('CANNOT_MAP', box, `box "${box}" produced ${describePacket(packet)}, which cannot be carried on sockets: ${why}`));
  }

  private arrive(packet: IpPacket, by: string | undefined): void {
    const b = packet.body;
    if (b.kind === 'fragment') return this.reassemble(packet, by);
    const src = { address: packet.src, port: b.srcPort };
    const dst = { address: packet.dst, port: b.dstPort };
    if (b.kind === 'udp') {
      const receiver = this.udpSockets.get(formatEndpoint(dst));
      if (receiver) return receiver.deliver(b.payload, src);
      const sender = this.udpSockets.get(formatEndpoint(src));
      if (sender) return sender.send(b.payload, dst);
      return this.fail(
        by,
        packet,
        `no lab UDP socket owns ${formatEndpoint(src)} or ${formatEndpoint(dst)} (a rewrite to another endpoint needs a socket there)`,
      );
    }
    const flow = this.flows.get(flowKey(src, dst));
    if (!flow) return this.fail(by, packet, 'it belongs to no TCP connection a lab listener accepted (TCP rewritten to other endpoints is not carried)');
    flow.arrive(packet, b);
  }

  /** What got through the boxes as fragments: the receiver reassembles (reassembly.ts), and gets nothing unless every piece arrived. */
  private reassemble(packet: IpPacket, by: string | undefined): void {
    const r = this.reassembly.add(packet, by);
    if (r.kind === 'pending') return;
    // Too many or too large, or a box rewrote a fragment's bytes and broke the checksum: the receiving stack drops it.
    if (r.kind !== 'whole') {
      this.stats.incomplete++;
      return;
    }
    this.arrive({ ...r.first, body: r.body }, r.meta);
  }
}
