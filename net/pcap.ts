// Packet capture in the classic libpcap file format
// (https://www.tcpdump.org/manpages/pcap-savefile.5.html), readable by
// Wireshark/tshark/tcpdump. Every packet is written with the exact bytes of
// serializePacket (real IPv4/IPv6 + UDP/TCP headers, checksums, IP
// fragments); timestamps come from the lab clock, so the same scenario and
// seed give a byte-identical file.

import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ipToBytes } from './ip.ts';
import { type IpPacket, type PacketSink, serializePacket } from './packet.ts';

export type { PacketSink } from './packet.ts';

/** LINKTYPE_RAW (101): each record is a bare IPv4/IPv6 packet. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_ETHERNET (1): each record has a synthesized Ethernet II header. */
export const LINKTYPE_ETHERNET = 1;

export interface PcapOptions {
  /** 'raw' (default) or 'ethernet' (MAC addresses derived from the IP addresses). */
  linkType?: 'raw' | 'ethernet';
  /** Bytes kept per packet (default 262144, tcpdump's default). */
  snaplen?: number;
  /** Write to this file as packets arrive (synchronously; deterministic) instead of keeping them in memory. */
  path?: string;
  /** Stop recording after this many packets (default 1,000,000) so a runaway scenario cannot fill the disk. */
  maxPackets?: number;
}

export class PcapWriter implements PacketSink {
  readonly linkType: number;
  readonly snaplen: number;
  private chunks: Buffer[] = [];
  private fd: number | undefined;
  private count = 0;
  private maxPackets: number;
  /** Packets not recorded because maxPackets was reached. */
  skipped = 0;

  constructor(options: PcapOptions = {}) {
    this.linkType = options.linkType === 'ethernet' ? LINKTYPE_ETHERNET : LINKTYPE_RAW;
    this.snaplen = options.snaplen ?? 262144;
    this.maxPackets = options.maxPackets ?? 1_000_000;
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0); // magic: microsecond timestamps
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8); // thiszone
    header.writeUInt32LE(0, 12); // sigfigs
    header.writeUInt32LE(this.snaplen, 16);
    header.writeUInt32LE(this.linkType, 20);
    if (options.path !== undefined) {
      this.fd = openSync(options.path, 'w');
      writeSync(this.fd, header);
    } else {
      this.chunks.push(header);
    }
  }

  /** Packets recorded so far. */
  get packets(): number {
    return this.count;
  }

  write(time: number, packet: IpPacket): void {
    if (this.count >= this.maxPackets) {
      this.skipped++;
      return;
    }
    this.count++;
    let frame = serializePacket(packet);
    if (this.linkType === LINKTYPE_ETHERNET) frame = Buffer.concat([ethernetHeader(packet), frame]);
    const kept = frame.length > this.snaplen ? frame.subarray(0, this.snaplen) : frame;
    const rec = Buffer.alloc(16);
    // Lab time may carry fractions of a millisecond (jitter); round to whole microseconds.
    const micros = Math.round(time * 1000);
    rec.writeUInt32LE(Math.floor(micros / 1_000_000) >>> 0, 0);
    rec.writeUInt32LE(micros % 1_000_000, 4);
    rec.writeUInt32LE(kept.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    if (this.fd !== undefined) {
      writeSync(this.fd, rec);
      writeSync(this.fd, kept);
    } else {
      this.chunks.push(rec, kept);
    }
  }

  /** The whole capture file (in-memory mode). */
  toBuffer(): Buffer {
    if (this.fd !== undefined) throw new Error('this PcapWriter streams to a file; read that file instead');
    return Buffer.concat(this.chunks);
  }

  /** Write the capture to `path` (in-memory mode). */
  save(path: string): void {
    writeFileSync(path, this.toBuffer());
  }

  /** Close the file (file mode). */
  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** A locally administered unicast MAC derived from an IP address (stable across runs). */
export function macFor(address: string): Buffer {
  const h = createHash('sha256').update(ipToBytes(address)).digest();
  const mac = Buffer.from(h.subarray(0, 6));
  mac[0] = (mac[0]! & 0xfc) | 0x02;
  return mac;
}

function ethernetHeader(p: IpPacket): Buffer {
  const h = Buffer.alloc(14);
  macFor(p.dst).copy(h, 0);
  macFor(p.src).copy(h, 6);
  h.writeUInt16BE(p.family === 4 ? 0x0800 : 0x86dd, 12);
  return h;
}

/** Read a classic pcap written by PcapWriter back into (time, bytes) records (for tests and tools). */
export function readPcap(file: Buffer): { linkType: number; records: { time: number; bytes: Buffer; origLength: number }[] } {
  if (file.length < 24 || file.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap file');
  const linkType = file.readUInt32LE(20);
  const records: { time: number; bytes: Buffer; origLength: number }[] = [];
  for (let off = 24; off + 16 <= file.length;) {
    const sec = file.readUInt32LE(off);
    const usec = file.readUInt32LE(off + 4);
    const incl = file.readUInt32LE(off + 8);
    const orig = file.readUInt32LE(off + 12);
    const bytes = file.subarray(off + 16, off + 16 + incl);
    records.push({ time: sec * 1000 + usec / 1000, bytes, origLength: orig });
    off += 16 + incl;
  }
  return { linkType, records };
}
