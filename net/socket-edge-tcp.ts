// One TCP connection at the socket edge (socket-edge.ts) as the boxes see it: the kernel has done the real
// handshake, so the edge synthesises the segments — SYN, SYN-ACK, MSS-sized data with real sequence numbers —
// runs each through the chain, and hands what gets through to the accepted socket (EdgeTcpSide).

import type { Endpoint } from './network.ts';
import { ipFamily } from './ip.ts';
import type { IpPacket, TcpBody, TcpFlags } from './packet.ts';

/** What an accepted TCP connection offers the edge. */
export interface EdgeTcpSide {
  /** The SYN got through: give the connection to the server. */
  established(): void;
  /** Bytes that got through towards the lab server. */
  toLocal(data: Buffer): void;
  /** Bytes that got through towards the peer (written to the kernel socket). */
  toRemote(data: Buffer): void;
  /** The box sent a RST: abort the real connection (`resetAndDestroy`, a real RST to the peer). */
  reset(): void;
}

/**
 * How long a connection whose SYN the boxes dropped is held silent before it is aborted: about the
 * time a client's connect() would spend retransmitting SYNs (Linux: 1 s initial RTO, doubling) before
 * it gives up on the query.
 */
export const SYN_DROP_HOLD_MS = 5000;

/** What a flow needs from its edge (SocketEdge, socket-edge.ts). */
export interface TcpFlowSite {
  /** Largest TCP payload per segment on the link. */
  mss(family: 4 | 6): number;
  packetId(): number;
  /** Run one synthesized segment through the chain. */
  runTcp(packet: IpPacket): void;
  /** A timer on the lab clock that the edge's close() cancels. */
  later(ms: number, fn: () => void): void;
  forgetFlow(flow: TcpFlow): void;
}

/** One accepted TCP connection as the boxes see it: synthesized segments with real sequence numbers. */
export class TcpFlow {
  private state: 'syn-sent' | 'established' | 'reset' | 'closed' = 'syn-sent';
  /** Next sequence number each side will send (remote = the peer, local = the lab server). */
  private remoteSeq: number;
  private localSeq: number;
  /** Next sequence number each receiver expects, and segments that arrived ahead of it. */
  private toLocalNext: number;
  private toRemoteNext: number;
  private readonly ahead = { local: new Map<number, Buffer>(), remote: new Map<number, Buffer>() };
  /** Bytes the peer sent before the SYN got through (the kernel accepted them; a real client would still wait). */
  private early: Buffer[] = [];
  private synAckSent = false;

  constructor(
    private readonly edge: TcpFlowSite,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    private readonly side: EdgeTcpSide,
    remoteIsn: number,
    localIsn: number,
  ) {
    this.remoteSeq = remoteIsn >>> 0;
    this.localSeq = localIsn >>> 0;
    this.toLocalNext = (this.remoteSeq + 1) >>> 0;
    this.toRemoteNext = (this.localSeq + 1) >>> 0;
  }

  private segment(fromRemote: boolean, flags: TcpFlags, payload: Buffer, seq: number): IpPacket {
    const a = fromRemote ? this.remote : this.local;
    const z = fromRemote ? this.local : this.remote;
    const family = ipFamily(a.address) === 6 ? 6 : 4;
    const ack = fromRemote ? this.toRemoteNext : this.toLocalNext;
    const mss = flags.syn ? this.edge.mss(family) : undefined;
    return {
      id: this.edge.packetId(),
      family,
      src: a.address,
      dst: z.address,
      ident: 0,
      ttl: 64,
      // Linux TCP sets DF (PMTU discovery, RFC 1191); segments are sized to the MSS, so they fit the link.
      dontFragment: true,
      body: {
        kind: 'tcp',
        srcPort: a.port,
        dstPort: z.port,
        seq,
        ack: flags.syn && !flags.ack ? 0 : ack,
        flags,
        window: 65535,
        ...(mss !== undefined ? { mss } : {}),
        payload,
      },
    };
  }

  /** @internal the SYN the kernel already answered, played through the boxes. */
  start(): void {
    this.edge.runTcp(this.segment(true, { syn: true }, Buffer.alloc(0), this.remoteSeq));
    this.remoteSeq = (this.remoteSeq + 1) >>> 0;
    // A SYN the boxes swallowed: a real client would still be retransmitting it, and would never get a
    // connection to keep. Ours has one (the kernel accepted it), so it stays silent and is aborted after
    // SYN_DROP_HOLD_MS — a client must not pool it and send later queries into the void (Knot Resolver
    // reuses TCP connections to an upstream).
    this.edge.later(SYN_DROP_HOLD_MS, () => {
      if (this.state !== 'syn-sent') return;
      this.state = 'reset';
      this.early = [];
      this.side.reset();
    });
  }

  /** Bytes the peer sent (from the kernel socket). */
  fromRemote(chunk: Buffer): void {
    if (this.state === 'syn-sent') {
      this.early.push(chunk);
      return;
    }
    if (this.state !== 'established') return;
    this.send(true, chunk);
  }

  /** Bytes the lab server writes. */
  fromLocal(chunk: Buffer): void {
    if (this.state !== 'established') return;
    this.send(false, chunk);
  }

  private send(fromRemote: boolean, chunk: Buffer): void {
    const family = ipFamily(this.local.address) === 6 ? 6 : 4;
    const mss = this.edge.mss(family);
    for (let off = 0; off < chunk.length; off += mss) {
      const piece = chunk.subarray(off, Math.min(off + mss, chunk.length));
      const seq = fromRemote ? this.remoteSeq : this.localSeq;
      if (fromRemote) this.remoteSeq = (this.remoteSeq + piece.length) >>> 0;
      else this.localSeq = (this.localSeq + piece.length) >>> 0;
      this.edge.runTcp(this.segment(fromRemote, { ack: true, psh: true }, Buffer.from(piece), seq));
    }
  }

  /** The connection is gone (either side closed it). */
  closed(): void {
    if (this.state !== 'reset') this.state = 'closed';
    this.early = [];
    this.edge.forgetFlow(this);
  }

  /** @internal a segment of this connection came out of the boxes. */
  arrive(packet: IpPacket, b: TcpBody): void {
    if (this.state === 'reset' || this.state === 'closed') return;
    const towardsLocal = packet.dst === this.local.address && b.dstPort === this.local.port;
    if (b.flags.rst) {
      // A RST from a box (TcpFilter 'reject', an idle timeout) aborts the real connection: resetAndDestroy sends a real RST.
      this.state = 'reset';
      this.early = [];
      this.side.reset();
      return;
    }
    if (b.flags.syn && towardsLocal) {
      // The SYN got through: the server's SYN-ACK (which the kernel already sent) crosses the boxes too.
      if (this.state !== 'syn-sent' || this.synAckSent) return;
      this.synAckSent = true;
      this.edge.runTcp(this.segment(false, { syn: true, ack: true }, Buffer.alloc(0), this.localSeq));
      this.localSeq = (this.localSeq + 1) >>> 0;
      return;
    }
    if (b.flags.syn && !towardsLocal) {
      if (this.state !== 'syn-sent') return;
      this.state = 'established';
      this.side.established();
      const early = this.early;
      this.early = [];
      for (const c of early) this.send(true, c);
      return;
    }
    if (b.payload.length === 0) return;
    // In sequence order, as the receiving TCP would hand them up; a gap (a dropped segment) stalls the stream.
    const dir = towardsLocal ? this.ahead.local : this.ahead.remote;
    dir.set(b.seq >>> 0, b.payload);
    for (;;) {
      const next = towardsLocal ? this.toLocalNext : this.toRemoteNext;
      const data = dir.get(next);
      if (!data) break;
      dir.delete(next);
      if (towardsLocal) {
        this.toLocalNext = (next + data.length) >>> 0;
        this.side.toLocal(data);
      } else {
        this.toRemoteNext = (next + data.length) >>> 0;
        this.side.toRemote(data);
      }
    }
  }

  /** For tests and reports. */
  get status(): 'syn-sent' | 'established' | 'reset' | 'closed' {
    return this.state;
  }
}
