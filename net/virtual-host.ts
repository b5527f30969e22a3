// One machine on the VirtualNetwork (virtual.ts): its addresses, UDP sockets, TCP listeners and
// connection table (the connections themselves: virtual-tcp.ts), ephemeral ports and IP identification
// from its own seeded streams, and IP reassembly of what arrives. It implements `Network` (network.ts),
// so servers run on it unchanged.

import type { VirtualClock } from './clock.ts';
import { ipFamily, isUnspecified, normalizeIp, type IpFamily } from './ip.ts';
import { type Endpoint, type Network, NetworkError, type TcpConnection, type TcpListener, type UdpSocket, formatEndpoint } from './network.ts';
import { type IpPacket, type TcpBody, type UdpBody, fragmentPacket, ipHeaderSize, ipPacketSize, TCP_HEADER } from './packet.ts';
import type { DropReason, PathProperties } from './path.ts';
import type { SeededRandom } from './random.ts';
import { Reassembler } from './reassembly.ts';
import { connKey, type TcpOptions, VirtualTcpConnection, VirtualTcpListener } from './virtual-tcp.ts';

export interface HostOptions {
  /** Overrides the network's TCP idle timeout for connections of this host. */
  tcpIdleTimeoutMs?: number;
}

/** What a host needs from the network it is on (VirtualNetwork, virtual.ts). */
export interface HostNetwork {
  readonly clock: VirtualClock;
  readonly tcpOptions: Readonly<TcpOptions>;
  readonly reassemblyTimeoutMs: number;
  /** A fresh packet id. */
  packetId(): number;
  /** The effective properties for packets from address `src` to address `dst`. */
  path(src: string, dst: string): Readonly<PathProperties>;
  /** The host sends a packet. */
  transmit(packet: IpPacket): void;
  /** A packet the host could not take (counted and traced by the network). */
  drop(packet: IpPacket, reason: DropReason): void;
}

const EPHEMERAL_LOW = 49152; // RFC 6335 §6 dynamic ports
const EPHEMERAL_HIGH = 65535;
const MAX_UDP_PAYLOAD: Record<IpFamily, number> = { 4: 65507, 6: 65527 };

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
    readonly network: HostNetwork,
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
    if (this.udp.has(key))
      throw new NetworkError(
        'ADDRESS_IN_USE',
        `${this.name}: UDP ${formatEndpoint({ address, port })} is already bound; close the other socket or use another port`,
      );
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
      if (localAddress === undefined || isUnspecified(localAddress)) {
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
    if (isUnspecified(src)) {
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
        const c = new VirtualTcpConnection(
          this,
          { address: packet.dst, port: body.dstPort },
          { address: packet.src, port: body.srcPort },
          'syn-received',
          listener,
        );
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
      : {
          kind: 'tcp',
          srcPort: body.dstPort,
          dstPort: body.srcPort,
          seq: 0,
          ack: (body.seq + seqLen) >>> 0,
          flags: { rst: true, ack: true },
          window: 0,
          payload: Buffer.alloc(0),
        };
    const family = packet.family;
    this.network.transmit({
      id: this.network.packetId(),
      family,
      src: packet.dst,
      dst: packet.src,
      ident: this.nextIdent(family),
      ttl: 64,
      dontFragment: true,
      body: rst,
    });
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
    if (isUnspecified(address)) return ipFamily(address) === 4 ? '0.0.0.0' : '::';
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
