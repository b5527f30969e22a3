// IP address helpers shared by the virtual network, the socket network and the
// pcap writer. Addresses are compared in one canonical text form (RFC 5952 for
// IPv6), so "::1" and "0:0:0:0:0:0:0:1" are the same host.

import { isIP } from 'node:net';
import { WireError } from '../dns/wire/errors.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../dns/wire/ip.ts';
import { NetworkError } from './network.ts';

export type IpFamily = 4 | 6;

/** 4 or 6 for a valid literal, undefined otherwise (zone ids like "fe80::1%lo" are rejected). */
export function ipFamily(address: string): IpFamily | undefined {
  // node:net's isIP accepts a zone id ("fe80::1%lo"); an address here never carries one.
  const f = address.includes('%') ? 0 : isIP(address);
  return f === 4 ? 4 : f === 6 ? 6 : undefined;
}

/** The 4 or 16 octets of an address literal. Throws NetworkError('UNREACHABLE') for a non-address. */
export function ipToBytes(address: string): Buffer {
  const family = ipFamily(address);
  try {
    // One RFC 4291 §2.2 parser for the code base (dns/wire/ip.ts); isIP has vetted the text already.
    if (family === 4) return parseIPv4(address);
    if (family === 6) return parseIPv6(address);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
  }
  throw new NetworkError('UNREACHABLE', `"${address}" is not an IPv4 or IPv6 address literal; give e.g. 192.0.2.1 or 2001:db8::1`);
}

/** Canonical text for 4 or 16 octets (RFC 5952 §4, §5, as dns/wire/ip.ts prints it). */
export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIPv4(bytes);
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 octets, not ${bytes.length}`);
  return formatIPv6(bytes);
}

/** Canonical forms already computed: every datagram on a socket names its peer, mostly the same few. */
const canonical = new Map<string, string>();
const CANONICAL_LIMIT = 4096;

/** The canonical text form of an address literal (throws for a non-address). */
export function normalizeIp(address: string): string {
  const known = canonical.get(address);
  if (known !== undefined) return known;
  const text = bytesToIp(ipToBytes(address));
  if (canonical.size >= CANONICAL_LIMIT) canonical.clear();
  canonical.set(address, text);
  return text;
}

/** The unspecified address "0.0.0.0" / "::" (RFC 1122 §3.2.1.3, RFC 4291 §2.5.2): bind on every address of that family the host owns. */
export function isUnspecified(address: string): boolean {
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
