// DNS over TCP framing: each message is preceded by a two-octet length
// (RFC 1035 §4.2.2, RFC 7766 §8). Our own reader because dns-packet's
// streamDecode reports a length off by two and throws on a 1-octet chunk.

import { WireError } from './errors.ts';

export const MAX_TCP_MESSAGE = 0xffff;

/** Prefix `message` with its 2-octet length. */
export function frameTcp(message: Uint8Array): Buffer {
  if (message.length > MAX_TCP_MESSAGE) {
    throw new WireError('BAD_RDATA', `message of ${message.length} octets does not fit a TCP frame (max ${MAX_TCP_MESSAGE}, RFC 1035 §4.2.2)`);
  }
  const out = Buffer.allocUnsafe(message.length + 2);
  out.writeUInt16BE(message.length, 0);
  out.set(message, 2);
  return out;
}

/**
 * Reassembles length-prefixed messages from a TCP byte stream, whatever the
 * chunking: one frame split over many chunks, or many frames in one chunk.
 */
export class TcpFrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Feed received octets; returns the complete messages (without length prefix) now available. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    let pos = 0;
    while (this.pending.length - pos >= 2) {
      const len = this.pending.readUInt16BE(pos);
      if (this.pending.length - pos - 2 < len) break;
      out.push(Buffer.from(this.pending.subarray(pos + 2, pos + 2 + len)));
      pos += 2 + len;
    }
    this.pending = pos === 0 ? this.pending : Buffer.from(this.pending.subarray(pos));
    return out;
  }

  /** Octets received that do not yet form a complete message (e.g. to detect a half-sent query at close). */
  get buffered(): number {
    return this.pending.length;
  }
}
