// The same `Network` on real sockets (docs/ARCHITECTURE.md, "One machine model, many networks"): node:dgram for UDP
// and node:net for TCP, bound to loopback addresses so that real software
// (dig, unbound, BIND, equipment under test) can talk to lab servers.
//
// Safe by default (docs/ARCHITECTURE.md, "Safe by default"): every local address must be loopback
// (127.0.0.0/8, ::1) and datagrams/connections go only to loopback
// destinations, unless `allowExternal: true` is given explicitly.

import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket as NetSocket } from 'node:net';
import { RealClock } from './clock.ts';
import { TcpDelivery } from './tcp-delivery.ts';
import type { SocketEdge } from './socket-edge.ts';
import type { TcpFlow } from './socket-edge-tcp.ts';
import type { SocketOpener } from './socket-opener.ts';
import { ipFamily, isLoopback, isUnspecified, normalizeIp } from './ip.ts';
import {
  type Clock,
  type Endpoint,
  type Network,
  NetworkError,
  type TcpCloseReason,
  type TcpConnection,
  type TcpListener,
  type TcpHalfClose,
  type UdpSocket,
  formatEndpoint,
} from './network.ts';

export interface SocketNetworkOptions {
  /** Addresses this host may bind (loopback unless allowExternal). */
  addresses: string[];
  /** Default: a new RealClock. */
  clock?: Clock;
  /** Permit non-loopback local addresses and destinations. Off by default. */
  allowExternal?: boolean;
  /** Abort TCP connections idle this long (reason 'timeout'); default: never. */
  tcpIdleTimeoutMs?: number;
  /**
   * Middleboxes at the socket edge (socket-edge.ts): datagrams and TCP segments on paths the edge's boxes
   * cover run through them. Share one edge between every SocketNetwork of a lab.
   */
  edge?: SocketEdge;
  /**
   * Where this host's UDP sockets and TCP listeners are created (socket-opener.ts): e.g. in another network
   * namespace, so this host's packets leave from there. Default: here.
   */
  opener?: SocketOpener;
  /**
   * Endpoints bound without `exclusive`, so that the workers of a node:cluster share one socket (the primary's) and
   * the kernel hands each datagram to one of them; TCP connections are dealt out by the primary. Only for the
   * listening endpoints: port-0 and other sockets stay each worker's own, or workers would share upstream sockets.
   */
  sharedEndpoints?: readonly Endpoint[];
}

export class SocketNetwork implements Network {
  readonly clock: Clock;
  readonly addresses: readonly string[];
  /** @internal */
  readonly edge: SocketEdge | undefined;
  private allowExternal: boolean;
  private idleTimeoutMs: number | undefined;
  private opener: SocketOpener | undefined;
  private readonly shared: ReadonlySet<string>;

  constructor(options: SocketNetworkOptions) {
    this.clock = options.clock ?? new RealClock();
    this.edge = options.edge;
    this.allowExternal = options.allowExternal === true;
    this.idleTimeoutMs = options.tcpIdleTimeoutMs;
    this.opener = options.opener;
    this.shared = new Set(
      (options.sharedEndpoints ?? []).filter((e) => e.port !== 0).map((e) => formatEndpoint({ address: normalizeIp(e.address), port: e.port })),
    );
    this.addresses = options.addresses.map((a) => {
      if (ipFamily(a) === undefined) throw new NetworkError('NOT_ALLOWED', `"${a}" is not an IPv4/IPv6 address literal`);
      if (!this.allowExternal && !isLoopback(a) && !isUnspecified(a)) {
        throw new NetworkError('NOT_ALLOWED', `${a} is not a loopback address; the lab binds 127.0.0.0/8 or ::1 unless you pass allowExternal: true`);
      }
      if (!this.allowExternal && isUnspecified(a)) {
        throw new NetworkError('NOT_ALLOWED', `the wildcard ${a} would listen on every interface; name a loopback address or pass allowExternal: true`);
      }
      return normalizeIp(a);
    });
  }

  async bindUdp(local: Endpoint): Promise<UdpSocket> {
    const address = this.localAddress(local.address);
    const family = ipFamily(address) === 6 ? 'udp6' : 'udp4';
    if (this.opener) {
      const opened = await this.opener.udp(family, address, local.port).catch((e: NodeJS.ErrnoException) => {
        throw translateBindError(e, 'UDP', { address, port: local.port });
      });
      return new RealUdpSocket(opened, this, this.edge);
    }
    const socket = createSocket({ type: family, ipv6Only: family === 'udp6' });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.close();
        reject(translateBindError(err, 'UDP', { address, port: local.port }));
      };
      socket.once('error', onError);
      socket.bind({ address, port: local.port, exclusive: this.exclusive(address, local.port) }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    return new RealUdpSocket(socket, this, this.edge);
  }

  async listenTcp(local: Endpoint, onConnection: (connection: TcpConnection) => void, options: TcpHalfClose = {}): Promise<TcpListener> {
    const address = this.localAddress(local.address);
    const edge = this.edge;
    const accept = (s: NetSocket) => {
      if (!this.allowExternal && s.remoteAddress !== undefined && !isLoopback(s.remoteAddress)) {
        s.resetAndDestroy();
        return;
      }
      const remote = { address: normalizeIp(s.remoteAddress ?? '0.0.0.0'), port: s.remotePort ?? 0 };
      const localEp = { address: normalizeIp(s.localAddress ?? address), port: s.localPort ?? 0 };
      if (!edge?.covers(remote.address, localEp.address)) {
        onConnection(new RealTcpConnection(s, this.idleTimeoutMs));
        return;
      }
      // A box on this path: the server gets the connection only once its SYN has come through the boxes.
      const conn = new RealTcpConnection(s, this.idleTimeoutMs);
      conn.flow = edge.tcpAccepted(localEp, remote, {
        established: () => onConnection(conn),
        toLocal: (d) => conn.receive(d),
        toRemote: (d) => conn.writeRaw(d),
        reset: () => conn.reset(),
      });
    };
    const server = this.opener
      ? await this.opener.tcpServer(address, local.port).catch((e: NodeJS.ErrnoException) => {
          throw translateBindError(e, 'TCP', { address, port: local.port });
        })
      : createServer({ allowHalfOpen: options.halfOpen === true }, accept);
    if (this.opener) server.on('connection', accept);
    else
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => reject(translateBindError(err, 'TCP', { address, port: local.port }));
        server.once('error', onError);
        server.listen({ host: address, port: local.port, exclusive: this.exclusive(address, local.port), ipv6Only: ipFamily(address) === 6 }, () => {
          server.off('error', onError);
          resolve();
        });
      });
    // A listening server must not crash the process on later errors (e.g. EMFILE).
    server.on('error', () => undefined);
    const unregister = edge?.registerTcpListener({ address, port: (server.address() as { port: number }).port });
    return new RealTcpListener(server, unregister);
  }

  connectTcp(remote: Endpoint, options: { localAddress?: string; timeoutMs?: number } & TcpHalfClose = {}): Promise<TcpConnection> {
    return new Promise<TcpConnection>((resolve, reject) => {
      // Outgoing connections would leave from this process's namespace, not the opener's: not supported.
      if (this.opener)
        throw new NetworkError(
          'NOT_ALLOWED',
          `TCP connect to ${formatEndpoint(remote)}: this host's sockets live in another namespace (opener), which only listens`,
        );
      this.checkDestination(remote.address);
      const family = ipFamily(remote.address);
      const localAddress = options.localAddress !== undefined ? this.localAddress(options.localAddress) : this.addresses.find((a) => ipFamily(a) === family);
      if (localAddress === undefined) {
        throw new NetworkError('UNREACHABLE', `no IPv${family} address among ${this.addresses.join(', ')} to connect to ${formatEndpoint(remote)} from`);
      }
      this.edge?.checkConnect(normalizeIp(localAddress), { address: normalizeIp(remote.address), port: remote.port });
      const s = createConnection({ host: remote.address, port: remote.port, localAddress, allowHalfOpen: options.halfOpen === true });
      let settled = false;
      const timeoutMs = options.timeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        s.destroy();
        reject(new NetworkError('TIMEOUT', `TCP connect to ${formatEndpoint(remote)} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new RealTcpConnection(s, this.idleTimeoutMs));
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        s.destroy();
        if (err.code === 'ECONNREFUSED')
          reject(new NetworkError('CONNECTION_REFUSED', `TCP connect to ${formatEndpoint(remote)} refused: nothing listens there`));
        else reject(new NetworkError('UNREACHABLE', `TCP connect to ${formatEndpoint(remote)} failed: ${err.code ?? err.message}`));
      });
    });
  }

  /** Bind exclusively unless this is one of the shared endpoints (options.sharedEndpoints). */
  private exclusive(address: string, port: number): boolean {
    return !this.shared.has(formatEndpoint({ address, port }));
  }

  /** Destinations checked already (a server answers the same few clients over and over). */
  private readonly allowedDestinations = new Set<string>();

  /** @internal throws unless sending to `address` is allowed */
  checkDestination(address: string): void {
    if (this.allowedDestinations.has(address)) return;
    this.checkNewDestination(address);
    if (this.allowedDestinations.size >= 4096) this.allowedDestinations.clear();
    this.allowedDestinations.add(address);
  }

  private checkNewDestination(address: string): void {
    if (ipFamily(address) === undefined) throw new NetworkError('UNREACHABLE', `"${address}" is not an IP address`);
    if (!this.allowExternal && !isLoopback(address)) {
      throw new NetworkError('NOT_ALLOWED', `refusing to send to ${address}: the lab only talks to loopback unless allowExternal: true`);
    }
  }

  private localAddress(address: string): string {
    if (ipFamily(address) === undefined) throw new NetworkError('ADDRESS_NOT_LOCAL', `"${address}" is not an IP address`);
    const a = normalizeIp(address);
    if (!this.addresses.includes(a)) {
      throw new NetworkError(
        'ADDRESS_NOT_LOCAL',
        `${a} is not one of this network's addresses (${this.addresses.join(', ')}); add it to SocketNetwork({ addresses })`,
      );
    }
    return a;
  }
}

function translateBindError(err: NodeJS.ErrnoException, proto: string, local: Endpoint): NetworkError {
  if (err.code === 'EADDRINUSE') return new NetworkError('ADDRESS_IN_USE', `${proto} ${formatEndpoint(local)} is already in use; pick another address or port`);
  if (err.code === 'EADDRNOTAVAIL') {
    return new NetworkError(
      'ADDRESS_NOT_LOCAL',
      `${proto} ${formatEndpoint(local)}: the address is not configured on this machine (BIND-style binds need \`ip addr add ADDR/32 dev lo\`)`,
    );
  }
  if (err.code === 'EACCES')
    return new NetworkError('NOT_ALLOWED', `${proto} ${formatEndpoint(local)}: permission denied (ports < 1024 need root or CAP_NET_BIND_SERVICE)`);
  return new NetworkError('NOT_ALLOWED', `${proto} ${formatEndpoint(local)}: ${err.code ?? err.message}`);
}

class RealUdpSocket implements UdpSocket {
  readonly local: Endpoint;
  private closed = false;
  private handler: ((payload: Buffer, from: Endpoint) => void) | undefined;
  private unregister: (() => void) | undefined;

  constructor(
    private socket: DgramSocket,
    private owner: SocketNetwork,
    private edge: SocketEdge | undefined,
  ) {
    const a = socket.address();
    this.local = { address: normalizeIp(a.address), port: a.port };
    this.unregister = edge?.registerUdp(this.local, { deliver: (p, from) => this.handler?.(p, from), send: (p, to) => this.sendRaw(p, to) });
    socket.on('message', (msg, rinfo) => {
      const from = { address: normalizeIp(rinfo.address), port: rinfo.port };
      // Through the boxes on this path (each datagram is intercepted once: here, at the receiving socket).
      if (edge?.covers(from.address, this.local.address)) edge.udp(from, this.local, msg);
      else this.handler?.(msg, from);
    });
    // Errors such as ICMP-induced ECONNREFUSED are network conditions, not crashes.
    socket.on('error', () => undefined);
  }

  send(payload: Uint8Array, to: Endpoint): void {
    if (this.closed) return;
    this.owner.checkDestination(to.address);
    if (this.edge) {
      const dst = { address: normalizeIp(to.address), port: to.port };
      // A box on the path to something outside the lab: the datagram goes through it here (a lab receiver runs it itself).
      if (this.edge.covers(this.local.address, dst.address) && !this.edge.ownsUdp(dst)) {
        this.edge.udp(this.local, dst, Buffer.from(payload));
        return;
      }
    }
    this.sendRaw(payload, to);
  }

  private sendRaw(payload: Uint8Array, to: Endpoint): void {
    if (this.closed) return;
    // Loss is silent, as on a real network (EMSGSIZE etc. included). No callback: node:dgram then ignores a failed
    // send (lib/dgram.js doSend) instead of scheduling a callback for every datagram.
    try {
      this.socket.send(payload, to.port, to.address);
    } catch {
      // bad port or closed socket: the datagram is simply not sent
    }
  }

  onMessage(handler: (payload: Buffer, from: Endpoint) => void): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister?.();
    this.socket.close();
  }
}

class RealTcpListener implements TcpListener {
  readonly local: Endpoint;
  constructor(
    private server: Server,
    private unregister?: () => void,
  ) {
    const a = server.address();
    this.local = a !== null && typeof a === 'object' ? { address: normalizeIp(a.address), port: a.port } : { address: '', port: 0 };
  }
  close(): void {
    this.unregister?.();
    this.server.close();
  }
}

class RealTcpConnection implements TcpConnection {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private readonly delivery = new TcpDelivery();
  private errorReason: TcpCloseReason | undefined;
  /** Set when a box sits on this connection's path: bytes both ways go through it (socket-edge.ts). */
  flow: TcpFlow | undefined;

  constructor(
    private socket: NetSocket,
    idleTimeoutMs: number | undefined,
  ) {
    this.local = { address: normalizeIp(socket.localAddress ?? '0.0.0.0'), port: socket.localPort ?? 0 };
    this.remote = { address: normalizeIp(socket.remoteAddress ?? '0.0.0.0'), port: socket.remotePort ?? 0 };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.flow) this.flow.fromRemote(chunk);
      else this.delivery.data(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errorReason ??= err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : err.code === 'ETIMEDOUT' ? 'timeout' : 'error';
    });
    if (idleTimeoutMs !== undefined) {
      socket.setTimeout(idleTimeoutMs, () => {
        this.errorReason ??= 'timeout';
        socket.resetAndDestroy();
      });
    }
    // With allowHalfOpen the peer's FIN leaves our side open: tell the owner, or end as Node would without it.
    socket.on('end', () => {
      if (!socket.allowHalfOpen) return;
      if (this.peerEndHandler) this.peerEndHandler();
      else socket.end();
    });
    socket.on('close', () => {
      this.flow?.closed();
      this.delivery.closed(this.errorReason ?? 'end');
    });
  }

  private peerEndHandler: (() => void) | undefined;

  onPeerEnd(handler: () => void): void {
    this.peerEndHandler = handler;
  }

  write(data: Uint8Array): void {
    if (this.flow) this.flow.fromLocal(Buffer.from(data));
    else this.writeRaw(data);
  }

  /** @internal bytes that came through the boxes towards the peer */
  writeRaw(data: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.write(data);
  }

  /** @internal bytes that came through the boxes towards our side */
  receive(chunk: Buffer): void {
    this.delivery.data(chunk);
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.delivery.onData(handler);
  }

  onClose(handler: (reason: TcpCloseReason) => void): void {
    this.delivery.onClose(handler);
  }

  end(): void {
    if (this.socket.destroyed) return;
    this.socket.end();
  }

  reset(): void {
    if (this.socket.destroyed) return;
    this.errorReason ??= 'reset';
    this.socket.resetAndDestroy();
  }
}
