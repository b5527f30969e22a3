// The ground every machine stands on (docs/ARCHITECTURE.md, "One machine model, many networks"): a host's view of a
// network. Servers get a `Network` handed in and never learn whether it is the
// in-memory `VirtualNetwork` (virtual clock, deterministic) or the
// `SocketNetwork` (real loopback sockets, real time).
//
// Payloads are raw bytes: DNS wire format is decided by the caller, so sizes,
// truncation and malformed messages are always real.

/** An IPv4 or IPv6 literal and a port. */
export interface Endpoint {
  address: string;
  port: number;
}

export type TimerHandle = { readonly id: number } | object;

/** Lab time. Milliseconds since the Unix epoch (the lab's epoch may be far from the host's). */
export interface Clock {
  now(): number;
  /** Run `callback` after `delayMs` of this clock's time. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface UdpSocket {
  readonly local: Endpoint;
  /** Send one datagram. Never throws for network reasons: loss is silent, as on a real network. */
  send(payload: Uint8Array, to: Endpoint): void;
  /** Set the receiver (one per socket). */
  onMessage(handler: (payload: Buffer, from: Endpoint) => void): void;
  close(): void;
}

export type TcpCloseReason = 'end' | 'reset' | 'timeout' | 'refused' | 'error';

/** A TCP connection carrying a byte stream (DNS framing, RFC 7766 §8, is the caller's job). */
export interface TcpConnection {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  write(data: Uint8Array): void;
  onData(handler: (chunk: Buffer) => void): void;
  /** Called once when the connection is gone, with why. */
  onClose(handler: (reason: TcpCloseReason) => void): void;
  /**
   * Called when the peer half-closed (sent FIN) while this side may still write (RFC 9293 §3.6): only on
   * connections opened with `halfOpen: true`, which then close when both sides have ended. Without that
   * option the peer's FIN is answered with ours and reported through onClose('end').
   */
  onPeerEnd(handler: () => void): void;
  /** Graceful close (FIN). */
  end(): void;
  /** Abort (RST). */
  reset(): void;
}

export interface TcpListener {
  readonly local: Endpoint;
  close(): void;
}

export class NetworkError extends Error {
  constructor(
    readonly code: 'ADDRESS_NOT_LOCAL' | 'ADDRESS_IN_USE' | 'CONNECTION_REFUSED' | 'TIMEOUT' | 'UNREACHABLE' | 'NOT_ALLOWED',
    message: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface TcpHalfClose {
  /** Keep writing after the peer's FIN (onPeerEnd); a proxy needs this to pass half-closes. Sockets only: the virtual network does not model half-close. */
  halfOpen?: boolean;
}

/** What one host can do on the network. */
export interface Network {
  readonly clock: Clock;
  /** The addresses this host owns (it may bind to any of them). */
  readonly addresses: readonly string[];
  /** Bind a UDP socket. Port 0 picks an ephemeral port (from the lab's seeded source on the virtual network). */
  bindUdp(local: Endpoint): Promise<UdpSocket>;
  listenTcp(local: Endpoint, onConnection: (connection: TcpConnection) => void, options?: TcpHalfClose): Promise<TcpListener>;
  /** Open a TCP connection from one of this host's addresses (default: the first of the same family). */
  connectTcp(remote: Endpoint, options?: { localAddress?: string; timeoutMs?: number } & TcpHalfClose): Promise<TcpConnection>;
}

export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
