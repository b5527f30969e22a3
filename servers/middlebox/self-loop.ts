// A box whose upstream is its own listening socket forwards each query to
// itself from a fresh source port, which is a new session each time, until
// the host runs out of UDP ports. forwardsToItself() finds the pairs of
// (listen, upstream) that reach the same socket; loops through other boxes
// are bounded by the per-client session limit instead (proxy.ts).

import { networkInterfaces } from 'node:os';
import { ipFamily, ipToBytes, isLoopback, isWildcard, normalizeIp } from '../../net/ip.ts';
import { formatEndpoint, type Endpoint } from '../../net/network.ts';

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is. */
function unmapped(address: string): string {
  const b = ipToBytes(address);
  if (b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return [...b.subarray(12)].join('.');
  return normalizeIp(address);
}

/** This host's own addresses (every interface), for a box listening on the unspecified address. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => unmapped(i.address.replace(/%.*$/, ''))));
}

/**
 * Why sending to `upstream` reaches the box's own socket on `listen`, or undefined. Sending to the
 * unspecified address reaches this host (Linux routes 0.0.0.0 as 127.0.0.1 and :: as ::1); a box
 * listening on the unspecified address receives on every local address of its family.
 */
export function forwardsToItself(listen: Endpoint, upstream: Endpoint, local: readonly string[] = hostAddresses()): string | undefined {
  if (listen.port === 0 || listen.port !== upstream.port) return undefined;
  if (ipFamily(listen.address) === undefined || ipFamily(upstream.address) === undefined) return undefined;
  const l = unmapped(listen.address);
  let u = unmapped(upstream.address);
  if (isWildcard(u)) u = ipFamily(u) === 4 ? '127.0.0.1' : '::1';
  const own = `the box would forward every query to itself (${formatEndpoint(upstream)} is its own listening socket ${formatEndpoint(listen)})`;
  if (l === u) return own;
  if (isWildcard(l) && ipFamily(l) === ipFamily(u) && (isLoopback(u) || local.includes(u))) return own;
  return undefined;
}
