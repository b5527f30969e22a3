// In-place edits of DNS messages the way cheap boxes do them: find the OPT RR
// by walking the octets, patch a field, never re-encode the rest. A message
// that cannot be walked is left to the caller to drop (docs/ARCHITECTURE.md, "Bad input never crashes the lab").

const TYPE_OPT = 41;

/** Offset just past the name starting at `off` (pointers end a name), or -1 if malformed. */
function skipName(b: Buffer, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (off >= b.length) return -1;
    const len = b[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= b.length ? off + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    off += 1 + len;
  }
  return -1;
}

export interface OptLocation {
  /** Offset of the OPT RR's owner name (the root, one zero octet). */
  start: number;
  /** Offset just past the OPT RR. */
  end: number;
  /** Offset of the CLASS field (= the UDP payload size, RFC 6891 §6.1.2). */
  classOffset: number;
  /** Offset of the TTL field (extended RCODE, version, DO and Z, RFC 6891 §6.1.3). */
  ttlOffset: number;
}

/** Where the OPT RR sits, undefined if there is none, 'malformed' if the message cannot be walked. */
export function findOpt(b: Buffer): OptLocation | undefined | 'malformed' {
  if (b.length < 12) return 'malformed';
  const qd = b.readUInt16BE(4);
  const an = b.readUInt16BE(6);
  const ns = b.readUInt16BE(8);
  const ar = b.readUInt16BE(10);
  let off = 12;
  for (let i = 0; i < qd; i++) {
    off = skipName(b, off);
    if (off < 0 || off + 4 > b.length) return 'malformed';
    off += 4;
  }
  for (let i = 0; i < an + ns + ar; i++) {
    const start = off;
    off = skipName(b, off);
    if (off < 0 || off + 10 > b.length) return 'malformed';
    const type = b.readUInt16BE(off);
    const rdlen = b.readUInt16BE(off + 8);
    const end = off + 10 + rdlen;
    if (end > b.length) return 'malformed';
    if (type === TYPE_OPT && i >= an + ns) return { start, end, classOffset: off + 2, ttlOffset: off + 4 };
    off = end;
  }
  return undefined;
}

/** A copy with the OPT RR's UDP payload size set to `size`; undefined if no OPT / malformed. */
export function rewriteUdpSize(b: Buffer, size: number): Buffer | undefined {
  const opt = findOpt(b);
  if (opt === undefined || opt === 'malformed') return undefined;
  const out = Buffer.from(b);
  out.writeUInt16BE(size, opt.classOffset);
  return out;
}

/** A copy with the DO bit (RFC 3225) cleared; undefined if no OPT / malformed. */
export function clearDoBit(b: Buffer): Buffer | undefined {
  const opt = findOpt(b);
  if (opt === undefined || opt === 'malformed') return undefined;
  const out = Buffer.from(b);
  out[opt.ttlOffset + 2] = out[opt.ttlOffset + 2]! & 0x7f;
  return out;
}

/** A copy without the OPT RR (ARCOUNT decremented); undefined if no OPT / malformed. */
export function removeOpt(b: Buffer): Buffer | undefined {
  const opt = findOpt(b);
  if (opt === undefined || opt === 'malformed') return undefined;
  const out = Buffer.concat([b.subarray(0, opt.start), b.subarray(opt.end)]);
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
  return out;
}

export function isResponse(b: Buffer): boolean {
  return b.length >= 3 && (b[2]! & 0x80) !== 0;
}
