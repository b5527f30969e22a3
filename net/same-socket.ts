// Whether sending to an endpoint reaches a given listening socket on this
// host: the same address and port, spelled any way the kernel accepts.

import { networkInterfaces } from 'node:os';
import { ipFamily, ipToBytes, isLoopback, isWildcard, normalizeIp } from './ip.ts';
import type { Endpoint } from './network.ts';

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is; others in canonical form. */
function unmapped(address: string): string {
  const b = ipToBytes(address);
  if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return [...b.subarray(12)].join('.');
  return normalizeIp(address);
}

/** This host's own addresses (every interface). */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => unmapped(i.address.replace(/%.*$/, ''))));
}

/**
 * True when a datagram or connection to `destination` arrives at the socket listening on `listen`.
 * Sending to the unspecified address reaches this host (Linux routes 0.0.0.0 as 127.0.0.1 and :: as
 * ::1); a socket on the unspecified address receives on every local address of its family. Port 0 is
 * never the same socket (the port is not known yet).
 */
export function reachesSocket(listen: Endpoint, destination: Endpoint, local: readonly string[] = hostAddresses()): boolean {
  if (listen.port === 0 || listen.port !== destination.port) return false;
  if (ipFamily(listen.address) === undefined || ipFamily(destination.address) === undefined) return false;
  const l = unmapped(listen.address);
  let d = unmapped(destination.address);
  if (isWildcard(d)) d = ipFamily(d) === 4 ? '127.0.0.1' : '::1';
  if (l === d) return true;
  return isWildcard(l) && ipFamily(l) === ipFamily(d) && (isLoopback(d) || local.includes(d));
}
