// A box whose upstream is its own listening socket forwards each query to
// itself from a fresh source port, which is a new session each time, until
// the host runs out of UDP ports. Loops through other boxes are bounded by
// the per-client session limit instead (proxy.ts).

import { formatEndpoint, type Endpoint } from '../../net/network.ts';
import { hostAddresses, reachesSocket } from '../../net/same-socket.ts';

/** Why forwarding to `upstream` reaches the box's own socket on `listen`, or undefined. */
export function forwardsToItself(listen: Endpoint, upstream: Endpoint, local: readonly string[] = hostAddresses()): string | undefined {
  if (!reachesSocket(listen, upstream, local)) return undefined;
  return `the box would forward every query to itself (${formatEndpoint(upstream)} is its own listening socket ${formatEndpoint(listen)})`;
}
