// A DNS middlebox as a UDP/TCP proxy on any `Network`: on real sockets
// (SocketNetwork) in front of any DNS server, or as a proxy host on the
// VirtualNetwork. Clients talk to `listen`; the proxy talks to one of the
// `upstreams` from its own source ports, like a NAT or load balancer does:
//
//   * one UDP session per client address+port, in a bounded table with an
//     idle timeout (load-balancer/sessions.ts); a full table drops new flows
//     or evicts the least recently used one;
//   * each session gets its own upstream socket; with `nat` the source ports
//     come from a limited pool, at random or in sequence (predictable: what
//     checkpoint 7 of the probe detects); without it the OS picks;
//   * several upstreams = load balancing, sticky per flow or per packet,
//     with optional health checks;
//   * every message runs through the DNS stages (size limit, fragments,
//     EDNS proxy, faults...) — queries in order, responses in reverse;
//   * TCP: 'allow' proxies DNS-over-TCP message by message (RFC 7766 framing)
//     and passes each side's FIN (half-closes too) and RST to the other side,
//     'reject' does not listen (the kernel answers SYN with RST), 'blackhole'
//     accepts and never answers.

import { frameTcp } from '../../dns/wire/tcp.ts';
import { onTcpFrames } from '../../net/tcp-frames.ts';
import type { Endpoint, Network, TcpConnection, TcpListener, TimerHandle, UdpSocket } from '../../net/network.ts';
import { formatEndpoint } from '../../net/network.ts';
import { SeededRandom } from '../../net/random.ts';
import { intSetting, MiddleboxConfigError, oneOf } from './errors.ts';
import { forwardsToItself } from './self-loop.ts';
import { HealthChecker, type HealthCheckConfig } from './load-balancer/health.ts';
import { DISTRIBUTIONS, type Distribution } from './load-balancer/index.ts';
import { PortPool, SessionTable, type PortPoolConfig, type SessionConfig } from './load-balancer/sessions.ts';
import { runStages, type DnsStage, type Flow } from './stage.ts';
import { TCP_MODES, type TcpMode } from './tcp-filter/index.ts';

export type ProxyEvent =
  | { type: 'session'; time: number; client: Endpoint; action: 'created' | 'refused' | 'expired' | 'evicted'; upstreamPort?: number }
  | { type: 'forward'; time: number; transport: 'udp' | 'tcp'; direction: 'query' | 'response'; client: Endpoint; bytes: number }
  | { type: 'reply'; time: number; transport: 'udp' | 'tcp'; client: Endpoint; bytes: number }
  | { type: 'drop'; time: number; transport: 'udp' | 'tcp'; client: Endpoint; stage: string; reason: string }
  | { type: 'tcp'; time: number; client: Endpoint; action: 'accepted' | 'blackholed' | 'upstream-failed' | 'closed' };

export interface MiddleboxProxyOptions {
  network: Network;
  listen: Endpoint;
  upstreams: Endpoint[];
  stages?: DnsStage[];
  tcp?: TcpMode;
  sessions?: SessionConfig;
  nat?: PortPoolConfig;
  distribution?: Distribution;
  /** Health-check the upstreams (only useful with more than one). */
  healthCheck?: HealthCheckConfig;
  /** Local address for the upstream side (default: the listen address). */
  upstreamAddress?: string;
  seed?: number | string;
  name?: string;
  onEvent?: (e: ProxyEvent) => void;
  /** Most TCP client connections held at once (default 256); more are reset. */
  maxTcpConnections?: number;
  /** Most UDP sessions one client address holds at once (default DEFAULT_SESSIONS_PER_CLIENT); new flows beyond are dropped. */
  maxSessionsPerClient?: number;
}

/**
 * One client address gets at most this many UDP sessions at once. A resolver behind the box opens one
 * per query (a random source port each, RFC 5452 §9.2), so this is well above what the probe's 512 flows
 * or a busy resolver within one idle timeout need; a forwarding loop through boxes (each forward a new
 * "client" port) stops here instead of at the host's last free port.
 */
export const DEFAULT_SESSIONS_PER_CLIENT = 1024;

interface UdpSession {
  client: Endpoint;
  backend: Endpoint;
  socket?: UdpSocket;
  pending: { payload: Buffer; to: Endpoint }[];
  natPort?: number;
  closed: boolean;
}

export class MiddleboxProxy {
  readonly name: string;
  readonly stats = { udpQueries: 0, udpResponses: 0, replies: 0, drops: 0, tcpConnections: 0 };
  private readonly network: Network;
  private readonly listenEp: Endpoint;
  private readonly upstreams: Endpoint[];
  private readonly stages: DnsStage[];
  private readonly tcpMode: TcpMode;
  private readonly sessions: SessionTable<UdpSession>;
  private readonly pool: PortPool | undefined;
  private readonly distribution: Distribution;
  private readonly random: SeededRandom;
  private readonly stageRandom: SeededRandom;
  private readonly health: HealthChecker | undefined;
  private readonly upstreamAddress: string;
  private readonly onEvent: ((e: ProxyEvent) => void) | undefined;
  private readonly maxTcp: number;
  private readonly maxPerClient: number;
  private readonly perClient = new Map<string, number>();
  private socket: UdpSocket | undefined;
  private listener: TcpListener | undefined;
  private readonly tcpConns = new Set<TcpConnection>();
  private rr = 0;
  private stopped = false;
  private sweep: TimerHandle | undefined;

  constructor(options: MiddleboxProxyOptions) {
    this.name = options.name ?? 'middlebox';
    this.network = options.network;
    this.listenEp = options.listen;
    if (!Array.isArray(options.upstreams) || options.upstreams.length === 0)
      throw new MiddleboxConfigError('upstreams', 'at least one upstream ADDR:PORT', options.upstreams);
    this.upstreams = options.upstreams;
    this.stages = options.stages ?? [];
    this.tcpMode = options.tcp === undefined ? 'allow' : oneOf('tcp', options.tcp, TCP_MODES);
    this.distribution = options.distribution === undefined ? 'sticky' : oneOf('distribution', options.distribution, DISTRIBUTIONS);
    this.random = new SeededRandom(options.seed ?? 'middlebox');
    this.stageRandom = this.random.fork('stages');
    this.sessions = new SessionTable<UdpSession>(options.sessions ?? {}, (s, why) => this.closeSession(s, why));
    this.pool = options.nat ? new PortPool(options.nat, this.random.fork('nat-ports')) : undefined;
    this.upstreamAddress = options.upstreamAddress ?? options.listen.address;
    this.onEvent = options.onEvent;
    this.maxTcp = options.maxTcpConnections ?? 256;
    this.maxPerClient =
      options.maxSessionsPerClient === undefined ? DEFAULT_SESSIONS_PER_CLIENT : intSetting('maxSessionsPerClient', options.maxSessionsPerClient, 1, 1_000_000);
    for (const u of this.upstreams) {
      const loop = forwardsToItself(options.listen, u);
      if (loop) throw new MiddleboxConfigError('upstream', 'an upstream other than the box itself', `${formatEndpoint(u)}: ${loop}`);
    }
    this.health = options.healthCheck ? new HealthChecker(options.network, this.upstreams, options.healthCheck) : undefined;
  }

  /** The UDP endpoint actually bound (port resolved). */
  get endpoint(): Endpoint {
    return this.socket?.local ?? this.listenEp;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async start(): Promise<void> {
    this.socket = await this.network.bindUdp(this.listenEp);
    // Port 0 is known only now.
    const loop = this.upstreams.map((u) => forwardsToItself(this.socket!.local, u)).find((why) => why !== undefined);
    if (loop) {
      this.socket.close();
      throw new MiddleboxConfigError('upstream', 'an upstream other than the box itself', loop);
    }
    this.socket.onMessage((payload, from) => this.onClientUdp(payload, from));
    if (this.tcpMode !== 'reject') {
      try {
        this.listener = await this.network.listenTcp({ address: this.listenEp.address, port: this.socket.local.port }, (c) => this.onClientTcp(c), {
          halfOpen: true,
        });
      } catch (err) {
        this.socket.close();
        throw err;
      }
    }
    await this.health?.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweep) this.network.clock.clearTimer(this.sweep);
    this.sweep = undefined;
    this.health?.stop();
    this.socket?.close();
    this.listener?.close();
    for (const s of this.sessions.values()) this.closeSession(s, 'expired');
    for (const c of this.tcpConns) c.reset();
    this.tcpConns.clear();
  }

  private emit(e: ProxyEvent): void {
    try {
      this.onEvent?.(e);
    } catch {
      // a broken consumer must not take the box down
    }
  }

  private now(): number {
    return this.network.clock.now();
  }

  private later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) fn();
    else
      this.network.clock.setTimer(delayMs, () => {
        if (!this.stopped) fn();
      });
  }

  private pickBackend(): Endpoint {
    const up = this.health ? this.upstreams.filter((u) => this.health!.isUp(u.address)) : this.upstreams;
    const list = up.length > 0 ? up : this.upstreams;
    return list[this.rr++ % list.length]!;
  }

  private forgetClient(s: UdpSession): void {
    const n = (this.perClient.get(s.client.address) ?? 1) - 1;
    if (n > 0) this.perClient.set(s.client.address, n);
    else this.perClient.delete(s.client.address);
  }

  private closeSession(s: UdpSession, why: 'expired' | 'evicted'): void {
    if (s.closed) return;
    s.closed = true;
    this.forgetClient(s);
    s.socket?.close();
    if (s.natPort !== undefined) this.pool?.release(s.natPort);
    this.emit({ type: 'session', time: this.now(), client: s.client, action: why });
  }

  private flow(transport: 'udp' | 'tcp', client: Endpoint, server: Endpoint): Flow {
    return { transport, client, server, now: this.now(), random: this.stageRandom };
  }

  // ---- UDP ----

  /** A new UDP flow the box has no session for: counted, and both events say why. */
  private refuseSession(from: Endpoint, now: number, reason: string): void {
    this.stats.drops++;
    this.emit({ type: 'session', time: now, client: from, action: 'refused' });
    this.emit({ type: 'drop', time: now, transport: 'udp', client: from, stage: 'sessions', reason });
  }

  private onClientUdp(payload: Buffer, from: Endpoint): void {
    if (this.stopped) return;
    this.stats.udpQueries++;
    const key = `${from.address}|${from.port}`;
    const now = this.now();
    let s = this.sessions.get(key, now);
    if (!s) {
      if ((this.perClient.get(from.address) ?? 0) >= this.maxPerClient) {
        return this.refuseSession(from, now, `${this.maxPerClient} sessions already open for ${from.address} (per-client limit)`);
      }
      s = this.sessions.create(key, now, () => this.newSession(from));
      if (!s) {
        return this.refuseSession(from, now, `session table full (${this.sessions.config.maxSessions})`);
      }
    }
    const session = s;
    this.armSweep();
    const backend = this.distribution === 'per-packet' ? this.pickBackend() : session.backend;
    const out = runStages(this.stages, 'query', payload, this.flow('udp', from, backend));
    for (const d of out.drops) {
      this.stats.drops++;
      this.emit({ type: 'drop', time: now, transport: 'udp', client: from, stage: d.stage, reason: d.reason });
    }
    for (const r of out.back) {
      this.later(r.delayMs, () => {
        this.stats.replies++;
        this.emit({ type: 'reply', time: this.now(), transport: 'udp', client: from, bytes: r.payload.length });
        this.socket?.send(r.payload, from);
      });
    }
    for (const f of out.forward) {
      this.later(f.delayMs, () => {
        this.emit({ type: 'forward', time: this.now(), transport: 'udp', direction: 'query', client: from, bytes: f.payload.length });
        if (session.closed) return;
        if (session.socket) session.socket.send(f.payload, backend);
        else session.pending.push({ payload: f.payload, to: backend });
      });
    }
  }

  /**
   * Close idle sessions (and their upstream sockets) even when no packet
   * arrives. Armed only while sessions exist, so an idle proxy leaves no
   * timer behind (a VirtualClock can then go idle).
   */
  private armSweep(): void {
    if (this.sweep || this.stopped) return;
    const every = Math.max(100, Math.floor(this.sessions.config.idleTimeoutMs / 2));
    this.sweep = this.network.clock.setTimer(every, () => {
      this.sweep = undefined;
      if (this.stopped) return;
      this.sessions.expire(this.now());
      if (this.sessions.size > 0) this.armSweep();
    });
  }

  private newSession(client: Endpoint): UdpSession | undefined {
    let natPort: number | undefined;
    if (this.pool) {
      natPort = this.pool.allocate();
      if (natPort === undefined) return undefined;
    }
    const s: UdpSession = { client, backend: this.pickBackend(), pending: [], closed: false, ...(natPort === undefined ? {} : { natPort }) };
    this.perClient.set(client.address, (this.perClient.get(client.address) ?? 0) + 1);
    this.emit({ type: 'session', time: this.now(), client, action: 'created', ...(natPort === undefined ? {} : { upstreamPort: natPort }) });
    void this.bindSession(s);
    return s;
  }

  private async bindSession(s: UdpSession): Promise<void> {
    let sock: UdpSocket | undefined;
    // A pool port can be taken by another process on real sockets: try a few others before giving up.
    for (let attempt = 0; attempt < 4 && !sock; attempt++) {
      try {
        sock = await this.network.bindUdp({ address: this.upstreamAddress, port: s.natPort ?? 0 });
      } catch {
        if (s.natPort === undefined || !this.pool) break;
        const next = this.pool.allocate();
        this.pool.release(s.natPort);
        if (next === undefined) break;
        s.natPort = next;
      }
    }
    if (!sock) {
      this.emit({ type: 'drop', time: this.now(), transport: 'udp', client: s.client, stage: 'nat', reason: 'could not bind an upstream source port' });
      s.closed = true;
      this.forgetClient(s);
      if (s.natPort !== undefined) this.pool?.release(s.natPort);
      // Forget the dead session, or every later packet of this flow would be
      // dropped into it; the client's next packet gets a fresh try.
      const key = `${s.client.address}|${s.client.port}`;
      if (this.sessions.peek(key) === s) this.sessions.delete(key);
      return;
    }
    if (s.closed || this.stopped) {
      sock.close();
      return;
    }
    s.socket = sock;
    sock.onMessage((payload, from) => this.onUpstreamUdp(s, payload, from));
    for (const p of s.pending.splice(0)) sock.send(p.payload, p.to);
  }

  private onUpstreamUdp(s: UdpSession, payload: Buffer, from: Endpoint): void {
    if (this.stopped || s.closed) return;
    this.stats.udpResponses++;
    // Refresh the session: replies keep a NAT mapping alive too.
    this.sessions.get(`${s.client.address}|${s.client.port}`, this.now());
    const out = runStages(this.stages, 'response', payload, this.flow('udp', s.client, from));
    for (const d of out.drops) {
      this.stats.drops++;
      this.emit({ type: 'drop', time: this.now(), transport: 'udp', client: s.client, stage: d.stage, reason: d.reason });
    }
    for (const f of out.forward) {
      this.later(f.delayMs, () => {
        this.emit({ type: 'forward', time: this.now(), transport: 'udp', direction: 'response', client: s.client, bytes: f.payload.length });
        this.socket?.send(f.payload, s.client);
      });
    }
  }

  // ---- TCP ----

  private onClientTcp(conn: TcpConnection): void {
    if (this.stopped || this.tcpConns.size >= this.maxTcp) {
      conn.reset();
      return;
    }
    this.stats.tcpConnections++;
    this.tcpConns.add(conn);
    const client = conn.remote;
    if (this.tcpMode === 'blackhole') {
      conn.onClose(() => {
        this.tcpConns.delete(conn);
        this.emit({ type: 'tcp', time: this.now(), client, action: 'closed' });
      });
      this.emit({ type: 'tcp', time: this.now(), client, action: 'blackholed' });
      conn.onData(() => {});
      return;
    }
    this.emit({ type: 'tcp', time: this.now(), client, action: 'accepted' });
    // Transparent on close as on data: a FIN is passed as a FIN (also a half-close, where the other side
    // may still send: RFC 9293 §3.6, RFC 7766 §6.2.1 pipelining), an RST as an RST, each after the
    // messages still in flight in its direction.
    let upstream: TcpConnection | undefined;
    let clientEnd: 'fin' | 'rst' | undefined;
    const queue: Buffer[] = [];
    const toServer = new TcpDirection(
      (ms, fn) => this.later(ms, fn),
      (data) => (upstream ? upstream.write(data) : queue.push(data)),
    );
    const toClient = new TcpDirection(
      (ms, fn) => this.later(ms, fn),
      (data) => conn.write(data),
    );
    const passEnd = (to: TcpConnection | undefined, how: 'fin' | 'rst') => {
      if (how === 'rst') to?.reset();
      else to?.end();
    };
    const backend = this.pickBackend();
    conn.onPeerEnd(() =>
      toServer.close(() => {
        clientEnd ??= 'fin';
        passEnd(upstream, 'fin');
      }),
    );
    conn.onClose((reason) => {
      this.tcpConns.delete(conn);
      const how = reason === 'end' ? 'fin' : 'rst';
      toServer.close(() => {
        clientEnd = how;
        passEnd(upstream, how);
      });
      this.emit({ type: 'tcp', time: this.now(), client, action: 'closed' });
    });
    onTcpFrames(conn, (frames) => {
      for (const frame of frames) {
        const out = runStages(this.stages, 'query', frame, this.flow('tcp', client, backend));
        for (const d of out.drops) this.emit({ type: 'drop', time: this.now(), transport: 'tcp', client, stage: d.stage, reason: d.reason });
        for (const r of out.back) toClient.add(r.delayMs, frameTcp(r.payload));
        for (const f of out.forward) toServer.add(f.delayMs, frameTcp(f.payload));
      }
      toClient.flush();
      toServer.flush();
    });
    this.network.connectTcp(backend, { localAddress: this.upstreamAddress, timeoutMs: 5000, halfOpen: true }).then(
      (up) => {
        if (this.stopped) {
          up.reset();
          return;
        }
        upstream = up;
        if (queue.length) up.write(Buffer.concat(queue.splice(0)));
        if (clientEnd) passEnd(up, clientEnd);
        onTcpFrames(up, (frames) => {
          for (const frame of frames) {
            const out = runStages(this.stages, 'response', frame, this.flow('tcp', client, backend));
            for (const d of out.drops) this.emit({ type: 'drop', time: this.now(), transport: 'tcp', client, stage: d.stage, reason: d.reason });
            for (const f of out.forward) toClient.add(f.delayMs, frameTcp(f.payload));
          }
          toClient.flush();
        });
        up.onPeerEnd(() => toClient.close(() => conn.end()));
        up.onClose((reason) => toClient.close(() => passEnd(conn, reason === 'end' ? 'fin' : 'rst')));
      },
      () => {
        this.emit({ type: 'tcp', time: this.now(), client, action: 'upstream-failed' });
        conn.reset();
      },
    );
  }

  describe(): string {
    return `${this.name} ${formatEndpoint(this.endpoint)} → ${this.upstreams.map(formatEndpoint).join(', ')}`;
  }
}

/**
 * One direction of a proxied TCP connection. Frames without a stage delay that came in one segment go
 * out in one write (a re-segmented stream is visible: a server closing with unread data sends RST, not
 * FIN — RFC 9293 §3.6, Linux tcp_close), and a FIN or RST never overtakes frames a stage delays.
 */
class TcpDirection {
  private batch: Buffer[] = [];
  private inFlight = 0;
  private closing: (() => void) | undefined;

  constructor(
    private readonly later: (delayMs: number, fn: () => void) => void,
    private readonly write: (data: Buffer) => void,
  ) {}

  add(delayMs: number, framed: Buffer): void {
    if (delayMs <= 0) {
      this.batch.push(framed);
      return;
    }
    this.inFlight++;
    this.later(delayMs, () => {
      this.inFlight--;
      this.write(framed);
      if (this.inFlight === 0 && this.closing) {
        const close = this.closing;
        this.closing = undefined;
        close();
      }
    });
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch);
    this.batch = [];
    this.write(data);
  }

  close(fn: () => void): void {
    this.flush();
    if (this.inFlight === 0) fn();
    else this.closing = fn;
  }
}
