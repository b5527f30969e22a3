// IP address helpers shared by the virtual network, the socket network and the
// pcap writer. Addresses are compared in one canonical text form (RFC 5952 for
// IPv6), so "::1" and "0:0:0:0:0:0:0:1" are the same host.

import { isIP } from 'node:net';
import { NetworkError } from './network.ts';

export type IpFamily = 4 | 6;

/** 4 or 6 for a valid literal, undefined otherwise (zone ids like "fe80::1%lo" are rejected). */
export function ipFamily(address: string): IpFamily | undefined {
  const f = isIP(address);
  return f === 4 ? 4 : f === 6 ? 6 : undefined;
}

/** The 4 or 16 octets of an address literal. Throws NetworkError('UNREACHABLE') for a non-address. */
export function ipToBytes(address: string): Buffer {
  const family = ipFamily(address);
  if (family === 4) return Buffer.from(address.split('.').map((p) => Number(p)));
  if (family !== 6) {
    throw new NetworkError('UNREACHABLE', `"${address}" is not an IPv4 or IPv6 address literal; give e.g. 192.0.2.1 or 2001:db8::1`);
  }
  let text = address;
  // An embedded IPv4 tail (::ffff:192.0.2.1, RFC 4291 §2.2 form 3) becomes two hex groups.
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = ipToBytes(maybeV4);
    text = `${text.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const headGroups = parse(head);
  const restGroups = rest === undefined ? [] : parse(rest);
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...new Array<number>(8 - headGroups.length - restGroups.length).fill(0), ...restGroups];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i] ?? 0, i * 2);
  return out;
}

/** Canonical text for 4 or 16 octets (RFC 5952 §4: lowercase, longest zero run compressed, first on ties). */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 octets, not ${bytes.length}`);
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (bytes.subarray(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  // RFC 5952 §4.2.2: a single 16-bit 0 field is not shortened.
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** The canonical text form of an address literal (throws for a non-address). */
export function normalizeIp(address: string): string {
  return bytesToIp(ipToBytes(address));
}

/** "0.0.0.0" / "::" — bind on every address of that family the host owns. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || (ipFamily(address) === 6 && normalizeIp(address) === '::');
}

/** 127.0.0.0/8, ::1, or an IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopback(address: string): boolean {
  const family = ipFamily(address);
  if (family === 4) return address.startsWith('127.');
  if (family !== 6) return false;
  const b = ipToBytes(address);
  if (b.subarray(0, 15).every((x) => x === 0) && b[15] === 1) return true;
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped && b[12] === 127;
}
