// A receiver's IP reassembly buffer (RFC 815 style), shared by the VirtualNetwork's
// hosts (virtual-host.ts) and the socket edge (socket-edge.ts), which both take
// fragments off the wire and hand a whole datagram up only when every piece
// arrived in time. What each does with the outcome (deliver, count, trace a
// drop) stays with it.

import type { Clock, TimerHandle } from './network.ts';
import { joinFragments, parseTransport, type IpPacket, type TcpBody, type UdpBody } from './packet.ts';

/** Datagrams waiting for fragments at one receiver, at most. */
export const MAX_REASSEMBLY_ENTRIES = 256;
/** Octets one datagram may gather (the largest IP payload plus a last fragment's slack). */
export const MAX_REASSEMBLY_BYTES = 65535 + 8;

export type ReassemblyOutcome<M> =
  /** More fragments are needed. */
  | { kind: 'pending' }
  /** Every piece arrived: the first fragment's header with the whole transport body, and the first piece's `meta`. */
  | { kind: 'whole'; first: IpPacket; body: UdpBody | TcpBody; meta: M }
  /** Too many datagrams waiting, or this one grew too large: it is dropped. */
  | { kind: 'overflow' }
  /** The joined bytes do not checksum (a box rewrote a fragment): a real stack drops it. */
  | { kind: 'bad-checksum' };

interface Entry<M> {
  pieces: Map<number, Buffer>;
  total: number | undefined;
  bytes: number;
  timer: TimerHandle;
  first: IpPacket;
  meta: M;
}

/**
 * Fragments keyed by (src, dst, protocol, ident). A datagram whose fragments do not all arrive within
 * `timeoutMs` of the first is forgotten and `onTimeout` told (Linux ipfrag_time: 30 s). `meta` rides with a
 * datagram from the first fragment that carries one (the socket edge: the box that produced it).
 */
export class Reassembler<M = undefined> {
  private readonly entries = new Map<string, Entry<M>>();

  constructor(
    private readonly clock: Pick<Clock, 'setTimer' | 'clearTimer'>,
    private readonly timeoutMs: number,
    private readonly onTimeout: (first: IpPacket, meta: M) => void,
  ) {}

  add(packet: IpPacket, meta: M): ReassemblyOutcome<M> {
    const b = packet.body;
    if (b.kind !== 'fragment') return { kind: 'pending' };
    const key = `${packet.src}|${packet.dst}|${b.transport}|${packet.ident}`;
    let r = this.entries.get(key);
    if (!r) {
      if (this.entries.size >= MAX_REASSEMBLY_ENTRIES) return { kind: 'overflow' };
      const timer = this.clock.setTimer(this.timeoutMs, () => {
        const stale = this.entries.get(key);
        if (stale) {
          this.entries.delete(key);
          this.onTimeout(stale.first, stale.meta);
        }
      });
      r = { pieces: new Map(), total: undefined, bytes: 0, timer, first: packet, meta };
      this.entries.set(key, r);
    }
    // A duplicate piece (a retransmission, a box that duplicated it) does not replace the one already here.
    if (!r.pieces.has(b.offset)) {
      r.bytes += b.data.length;
      r.pieces.set(b.offset, b.data);
    }
    r.meta ??= meta;
    if (!b.more) r.total = b.offset + b.data.length;
    if (r.bytes > MAX_REASSEMBLY_BYTES || (r.total !== undefined && r.total > MAX_REASSEMBLY_BYTES)) {
      this.forget(key, r);
      return { kind: 'overflow' };
    }
    const whole = joinFragments(r.pieces, r.total);
    if (!whole) return { kind: 'pending' };
    this.forget(key, r);
    const body = parseTransport(packet.family, packet.src, packet.dst, b.transport, whole);
    if (!body) return { kind: 'bad-checksum' };
    return { kind: 'whole', first: r.first, body, meta: r.meta };
  }

  /** Forget every waiting datagram and cancel its timer (the receiver is going away). */
  clear(): void {
    for (const r of this.entries.values()) this.clock.clearTimer(r.timer);
    this.entries.clear();
  }

  private forget(key: string, r: Entry<M>): void {
    this.clock.clearTimer(r.timer);
    this.entries.delete(key);
  }
}
