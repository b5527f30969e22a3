// TCP on the VirtualNetwork (virtual.ts): one connection's segments, sequence numbers, retransmission and
// close, and the listener a host's connections are accepted on. The host (virtual-host.ts) owns the
// connection table and puts the segments on the wire; this file owns what happens inside one connection.

import type { VirtualClock } from './clock.ts';
import { type Endpoint, NetworkError, type TcpCloseReason, type TcpConnection, type TcpListener, formatEndpoint } from './network.ts';
import type { TcpBody, TcpFlags } from './packet.ts';
import type { SeededRandom } from './random.ts';
import { TcpDelivery } from './tcp-delivery.ts';

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

/** What a connection needs from the host it lives on (VirtualHost, virtual-host.ts). */
export interface TcpHost {
  readonly clock: VirtualClock;
  /** The host's seeded stream for initial sequence numbers. */
  readonly tcpRandom: SeededRandom;
  readonly options: { readonly tcpIdleTimeoutMs?: number };
  readonly network: { readonly tcpOptions: Readonly<TcpOptions> };
  /** The largest TCP payload per segment on the path local ↔ remote. */
  mss(local: string, remote: string): number;
  /** Put one of this connection's segments on the wire. */
  sendTcp(conn: VirtualTcpConnection, body: TcpBody): void;
  /** The connection is over: free its entry in the host's table. */
  forgetConnection(conn: VirtualTcpConnection): void;
}

const MAX_OOO_SEGMENTS = 1024;

/** The key of a connection in its host's table: local and remote address and port. */
export function connKey(localAddr: string, localPort: number, remoteAddr: string, remotePort: number): string {
  return `${localAddr}|${localPort}|${remoteAddr}|${remotePort}`;
}

export class VirtualTcpListener implements TcpListener {
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

export type TcpState = 'syn-sent' | 'syn-received' | 'established' | 'closed';

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
export class VirtualTcpConnection implements TcpConnection {
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
    private host: TcpHost,
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
      this.failConnect(
        new NetworkError(
          'TIMEOUT',
          `TCP connect from ${formatEndpoint(this.local)} to ${formatEndpoint(this.remote)} timed out after ${timeoutMs} ms (no SYN-ACK: host unreachable, or SYN dropped on the path)`,
        ),
      );
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
