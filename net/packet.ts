// IP packets as the virtual network carries them, and their exact wire bytes.
//
// A packet is a plain immutable object. Interceptors (middleboxes) look at and
// rewrite these objects; the pcap writer and the fragmenter serialize them with
// real IPv4 (RFC 791) / IPv6 (RFC 8200) headers and UDP (RFC 768) / TCP
// (RFC 9293) headers with correct lengths and checksums.

import { bytesToIp, ipToBytes, type IpFamily } from './ip.ts';

export interface TcpFlags {
  readonly syn?: boolean;
  readonly ack?: boolean;
  readonly fin?: boolean;
  readonly rst?: boolean;
  readonly psh?: boolean;
}

export interface UdpBody {
  readonly kind: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Buffer;
}

export interface TcpBody {
  readonly kind: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  /** Wire sequence/acknowledgment numbers (32-bit, wrap around). */
  readonly seq: number;
  readonly ack: number;
  readonly flags: TcpFlags;
  readonly window: number;
  /** MSS option (RFC 9293 §3.7.1), sent on SYN segments. */
  readonly mss?: number;
  readonly payload: Buffer;
}

/**
 * One IP fragment: a slice of the transport segment (UDP or TCP header
 * included, in the first fragment) starting at byte `offset` (a multiple of 8).
 */
export interface FragmentBody {
  readonly kind: 'fragment';
  readonly transport: 'udp' | 'tcp';
  readonly offset: number;
  /** More fragments follow (IPv4 MF flag / IPv6 M flag). */
  readonly more: boolean;
  readonly data: Buffer;
}

export type PacketBody = UdpBody | TcpBody | FragmentBody;

export interface IpPacket {
  /** Lab-unique number for traces; not on the wire. Rewritten copies may keep it. */
  readonly id: number;
  readonly family: IpFamily;
  /** Canonical address text (see ip.ts normalizeIp). */
  readonly src: string;
  readonly dst: string;
  /** IPv4 Identification (16 bits) or IPv6 Fragment-header Identification (32 bits). */
  readonly ident: number;
  /** IPv4 TTL / IPv6 Hop Limit. */
  readonly ttl: number;
  /** IPv4 DF flag: routers must not fragment (TCP sets it; IPv6 never fragments en route). */
  readonly dontFragment: boolean;
  readonly body: PacketBody;
  /** How many times a middlebox re-injected this packet (loop guard); not on the wire. */
  readonly hops?: number;
}

export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const IPV6_FRAGMENT_HEADER = 8;
export const UDP_HEADER = 8;
export const TCP_HEADER = 20;

const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_V6_FRAGMENT = 44;

export function ipHeaderSize(family: IpFamily): number {
  return family === 4 ? IPV4_HEADER : IPV6_HEADER;
}

/** Length of the transport part (the IP payload, fragment header excluded). */
export function transportLength(body: PacketBody): number {
  switch (body.kind) {
    case 'udp':
      return UDP_HEADER + body.payload.length;
    case 'tcp':
      return TCP_HEADER + (body.mss !== undefined ? 4 : 0) + body.payload.length;
    case 'fragment':
      return body.data.length;
  }
}

/** Total IP packet size in bytes (what the path MTU limits). */
export function ipPacketSize(p: IpPacket): number {
  const extra = p.family === 6 && p.body.kind === 'fragment' ? IPV6_FRAGMENT_HEADER : 0;
  return ipHeaderSize(p.family) + extra + transportLength(p.body);
}

/** Internet checksum (RFC 1071) over several buffers, as if concatenated. */
export function internetChecksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const b of parts) {
    let i = 0;
    if (odd !== undefined && b.length > 0) {
      sum += (odd << 8) | b[0]!;
      odd = undefined;
      i = 1;
    }
    for (; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
    if (i < b.length) odd = b[i]!;
    // Fold early so the sum stays well inside 2^53.
    if (sum > 0xffffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function pseudoHeader(family: IpFamily, src: string, dst: string, protocol: number, length: number): Buffer {
  const s = ipToBytes(src);
  const d = ipToBytes(dst);
  if (family === 4) {
    const tail = Buffer.alloc(4);
    tail[1] = protocol;
    tail.writeUInt16BE(length, 2);
    return Buffer.concat([s, d, tail]);
  }
  const tail = Buffer.alloc(8);
  tail.writeUInt32BE(length, 0);
  tail[7] = protocol;
  return Buffer.concat([s, d, tail]);
}

/** The UDP or TCP segment bytes (header with checksum + payload). */
export function serializeTransport(family: IpFamily, src: string, dst: string, body: UdpBody | TcpBody): Buffer {
  if (body.kind === 'udp') {
    const len = UDP_HEADER + body.payload.length;
    const h = Buffer.alloc(UDP_HEADER);
    h.writeUInt16BE(body.srcPort, 0);
    h.writeUInt16BE(body.dstPort, 2);
    // A datagram longer than 65535 cannot be described; the length field wraps as on a broken stack.
    h.writeUInt16BE(len & 0xffff, 4);
    let sum = internetChecksum([pseudoHeader(family, src, dst, PROTO_UDP, len), h, body.payload]);
    if (sum === 0) sum = 0xffff; // RFC 768: a computed 0 is sent as all ones
    h.writeUInt16BE(sum, 6);
    return Buffer.concat([h, body.payload]);
  }
  const optLen = body.mss !== undefined ? 4 : 0;
  const hl = TCP_HEADER + optLen;
  const h = Buffer.alloc(hl);
  h.writeUInt16BE(body.srcPort, 0);
  h.writeUInt16BE(body.dstPort, 2);
  h.writeUInt32BE(body.seq >>> 0, 4);
  h.writeUInt32BE(body.ack >>> 0, 8);
  const f = body.flags;
  const flags = (f.fin ? 0x01 : 0) | (f.syn ? 0x02 : 0) | (f.rst ? 0x04 : 0) | (f.psh ? 0x08 : 0) | (f.ack ? 0x10 : 0);
  h.writeUInt16BE(((hl / 4) << 12) | flags, 12);
  h.writeUInt16BE(body.window & 0xffff, 14);
  if (body.mss !== undefined) {
    h[20] = 2; // kind MSS
    h[21] = 4;
    h.writeUInt16BE(body.mss, 22);
  }
  const len = hl + body.payload.length;
  h.writeUInt16BE(internetChecksum([pseudoHeader(family, src, dst, PROTO_TCP, len), h, body.payload]), 16);
  return Buffer.concat([h, body.payload]);
}

/** The full IP packet bytes, as they would appear on the wire. */
export function serializePacket(p: IpPacket): Buffer {
  const body = p.body;
  const transport = body.kind === 'fragment' ? body.data : serializeTransport(p.family, p.src, p.dst, body);
  const protocol = (body.kind === 'fragment' ? body.transport : body.kind) === 'udp' ? PROTO_UDP : PROTO_TCP;
  if (p.family === 4) {
    const h = Buffer.alloc(IPV4_HEADER);
    h[0] = 0x45;
    h.writeUInt16BE((IPV4_HEADER + transport.length) & 0xffff, 2);
    h.writeUInt16BE(p.ident & 0xffff, 4);
    let fragField = p.dontFragment ? 0x4000 : 0;
    if (body.kind === 'fragment') fragField |= (body.more ? 0x2000 : 0) | ((body.offset / 8) & 0x1fff);
    h.writeUInt16BE(fragField, 6);
    h[8] = p.ttl & 0xff;
    h[9] = protocol;
    ipToBytes(p.src).copy(h, 12);
    ipToBytes(p.dst).copy(h, 16);
    h.writeUInt16BE(internetChecksum([h]), 10);
    return Buffer.concat([h, transport]);
  }
  const h = Buffer.alloc(IPV6_HEADER);
  h.writeUInt32BE(0x60000000, 0);
  const fragHeader = body.kind === 'fragment' ? IPV6_FRAGMENT_HEADER : 0;
  h.writeUInt16BE((fragHeader + transport.length) & 0xffff, 4);
  h[6] = body.kind === 'fragment' ? PROTO_V6_FRAGMENT : protocol;
  h[7] = p.ttl & 0xff;
  ipToBytes(p.src).copy(h, 8);
  ipToBytes(p.dst).copy(h, 24);
  if (body.kind !== 'fragment') return Buffer.concat([h, transport]);
  // RFC 8200 §4.5 Fragment header.
  const fh = Buffer.alloc(IPV6_FRAGMENT_HEADER);
  fh[0] = protocol;
  fh.writeUInt16BE((body.offset & 0xfff8) | (body.more ? 1 : 0), 2);
  fh.writeUInt32BE(p.ident >>> 0, 4);
  return Buffer.concat([h, fh, transport]);
}

/**
 * The payload of fragments received so far (offset → bytes), once they cover [0, total) without a gap
 * (RFC 791 §3.2 reassembly, RFC 8200 §4.5); undefined while a piece is missing or the last is not in.
 */
export function joinFragments(pieces: ReadonlyMap<number, Buffer>, total: number | undefined): Buffer | undefined {
  if (total === undefined) return undefined;
  const offsets = [...pieces.keys()].sort((x, y) => x - y);
  let covered = 0;
  for (const off of offsets) {
    if (off > covered) return undefined;
    covered = Math.max(covered, off + pieces.get(off)!.length);
  }
  if (covered < total) return undefined;
  const whole = Buffer.alloc(total);
  for (const off of offsets) pieces.get(off)!.copy(whole, off);
  return whole;
}

/**
 * Split a UDP/TCP packet into IP fragments that each fit `mtu`
 * (RFC 791 §2.3 / RFC 8200 §4.5: every fragment but the last carries a
 * multiple of 8 octets). Returns [packet] if it already fits.
 */
export function fragmentPacket(p: IpPacket, mtu: number, nextId: () => number): IpPacket[] {
  if (ipPacketSize(p) <= mtu) return [p];
  const b = p.body;
  // An IPv4 router may split a fragment again (RFC 791 §3.2): offsets stay relative to the
  // original datagram and MF stays set on every piece if it was set on the fragment.
  const transport = b.kind === 'fragment' ? b.data : serializeTransport(p.family, p.src, p.dst, b);
  const base = b.kind === 'fragment' ? b.offset : 0;
  const moreAfter = b.kind === 'fragment' ? b.more : false;
  const room = mtu - ipHeaderSize(p.family) - (p.family === 6 ? IPV6_FRAGMENT_HEADER : 0);
  const step = Math.floor(room / 8) * 8;
  if (step < 8) return []; // an MTU this small cannot carry anything
  const proto = b.kind === 'fragment' ? b.transport : b.kind;
  const out: IpPacket[] = [];
  for (let offset = 0; offset < transport.length; offset += step) {
    const data = transport.subarray(offset, Math.min(offset + step, transport.length));
    const more = offset + step < transport.length || moreAfter;
    out.push({ ...p, id: nextId(), body: { kind: 'fragment', transport: proto, offset: base + offset, more, data } });
  }
  return out;
}

/**
 * Parse reassembled transport bytes back into a UDP/TCP body. Returns
 * undefined when the length or checksum is wrong (the receiver drops it, as a
 * real stack would).
 */
export function parseTransport(family: IpFamily, src: string, dst: string, transport: 'udp' | 'tcp', bytes: Buffer): UdpBody | TcpBody | undefined {
  if (transport === 'udp') {
    if (bytes.length < UDP_HEADER) return undefined;
    const len = bytes.readUInt16BE(4);
    if (len !== bytes.length) return undefined;
    const sum = bytes.readUInt16BE(6);
    if (sum !== 0 || family === 6) {
      if (internetChecksum([pseudoHeader(family, src, dst, PROTO_UDP, len), bytes]) !== 0) return undefined;
    }
    return { kind: 'udp', srcPort: bytes.readUInt16BE(0), dstPort: bytes.readUInt16BE(2), payload: Buffer.from(bytes.subarray(UDP_HEADER)) };
  }
  if (bytes.length < TCP_HEADER) return undefined;
  if (internetChecksum([pseudoHeader(family, src, dst, PROTO_TCP, bytes.length), bytes]) !== 0) return undefined;
  const hl = (bytes[12]! >> 4) * 4;
  if (hl < TCP_HEADER || hl > bytes.length) return undefined;
  const fl = bytes[13]!;
  let mss: number | undefined;
  if (hl >= 24 && bytes[20] === 2 && bytes[21] === 4) mss = bytes.readUInt16BE(22);
  return {
    kind: 'tcp',
    srcPort: bytes.readUInt16BE(0),
    dstPort: bytes.readUInt16BE(2),
    seq: bytes.readUInt32BE(4),
    ack: bytes.readUInt32BE(8),
    flags: { fin: (fl & 1) !== 0, syn: (fl & 2) !== 0, rst: (fl & 4) !== 0, psh: (fl & 8) !== 0, ack: (fl & 16) !== 0 },
    window: bytes.readUInt16BE(14),
    ...(mss !== undefined ? { mss } : {}),
    payload: Buffer.from(bytes.subarray(hl)),
  };
}

/** Source and destination ports if visible in this packet (not in non-first fragments). */
export function packetPorts(p: IpPacket): { srcPort: number; dstPort: number } | undefined {
  const b = p.body;
  if (b.kind !== 'fragment') return { srcPort: b.srcPort, dstPort: b.dstPort };
  if (b.offset === 0 && b.data.length >= 4) return { srcPort: b.data.readUInt16BE(0), dstPort: b.data.readUInt16BE(2) };
  return undefined;
}

/** The transport protocol this packet belongs to (a fragment's too). */
export function packetProtocol(p: IpPacket): 'udp' | 'tcp' {
  return p.body.kind === 'fragment' ? p.body.transport : p.body.kind;
}

/** One line for traces: "192.0.2.1:5353 > 192.0.2.53:53 UDP len=45". */
export function describePacket(p: IpPacket): string {
  const ep = (a: string, port: number | undefined): string => (port === undefined ? a : a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`);
  const ports = packetPorts(p);
  const head = `${ep(p.src, ports?.srcPort)} > ${ep(p.dst, ports?.dstPort)}`;
  const b = p.body;
  if (b.kind === 'udp') return `${head} UDP len=${b.payload.length}`;
  if (b.kind === 'fragment') return `${head} ${b.transport.toUpperCase()} fragment id=${p.ident} off=${b.offset} len=${b.data.length}${b.more ? ' MF' : ''}`;
  const f = b.flags;
  const flags = [f.syn && 'S', f.fin && 'F', f.rst && 'R', f.psh && 'P', f.ack && '.'].filter(Boolean).join('');
  return `${head} TCP [${flags}] seq=${b.seq >>> 0} ack=${b.ack >>> 0} len=${b.payload.length}`;
}

/** A copy of a UDP packet with a new payload (for rewriting middleboxes). */
export function withUdpPayload(p: IpPacket, payload: Uint8Array): IpPacket {
  if (p.body.kind !== 'udp') throw new TypeError(`withUdpPayload needs a whole UDP packet, got ${p.body.kind}`);
  return { ...p, body: { ...p.body, payload: Buffer.from(payload) } };
}

/** Parse the wire bytes of one IP packet (the inverse of serializePacket; for tests and tools). */
export function parsePacket(bytes: Buffer, id = 0): IpPacket | undefined {
  const version = bytes[0]! >> 4;
  if (version === 4) {
    const ihl = (bytes[0]! & 0x0f) * 4;
    const total = bytes.readUInt16BE(2);
    const frag = bytes.readUInt16BE(6);
    const proto = bytes[9] === PROTO_UDP ? 'udp' : bytes[9] === PROTO_TCP ? 'tcp' : undefined;
    if (proto === undefined) return undefined;
    const src = bytesToIp(bytes.subarray(12, 16));
    const dst = bytesToIp(bytes.subarray(16, 20));
    const data = bytes.subarray(ihl, total);
    const base = { id, family: 4 as const, src, dst, ident: bytes.readUInt16BE(4), ttl: bytes[8]!, dontFragment: (frag & 0x4000) !== 0 };
    const more = (frag & 0x2000) !== 0;
    const offset = (frag & 0x1fff) * 8;
    if (more || offset > 0) return { ...base, body: { kind: 'fragment', transport: proto, offset, more, data: Buffer.from(data) } };
    const body = parseTransport(4, src, dst, proto, Buffer.from(data));
    return body && { ...base, body };
  }
  if (version === 6) {
    const plen = bytes.readUInt16BE(4);
    const next = bytes[6];
    const src = bytesToIp(bytes.subarray(8, 24));
    const dst = bytesToIp(bytes.subarray(24, 40));
    const base = { id, family: 6 as const, src, dst, ttl: bytes[7]!, dontFragment: true };
    if (next === PROTO_V6_FRAGMENT) {
      const fh = bytes.subarray(40, 48);
      const proto = fh[0] === PROTO_UDP ? 'udp' : fh[0] === PROTO_TCP ? 'tcp' : undefined;
      if (proto === undefined) return undefined;
      const field = fh.readUInt16BE(2);
      const data = Buffer.from(bytes.subarray(48, 40 + plen));
      return { ...base, ident: fh.readUInt32BE(4), body: { kind: 'fragment', transport: proto, offset: field & 0xfff8, more: (field & 1) !== 0, data } };
    }
    const proto = next === PROTO_UDP ? 'udp' : next === PROTO_TCP ? 'tcp' : undefined;
    if (proto === undefined) return undefined;
    const body = parseTransport(6, src, dst, proto, Buffer.from(bytes.subarray(40, 40 + plen)));
    return body && { ...base, ident: 0, body };
  }
  return undefined;
}

/** Where captured packets go (PcapWriter implements it). */
export interface PacketSink {
  /** One packet seen on the wire at lab time `time` (ms since the Unix epoch). */
  write(time: number, packet: IpPacket): void;
}
