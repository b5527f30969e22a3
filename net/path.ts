// What the way between two addresses of the VirtualNetwork (virtual.ts) does to a packet — delay, jitter,
// loss, MTU, a fragment policy — and why the network may not deliver one (the reasons in traces and stats).

export type FragmentPolicy =
  /** every fragment passes */
  | 'pass'
  /** every fragment is dropped (a firewall that drops all fragments) */
  | 'drop'
  /** only the first fragment (offset 0, carrying the ports) passes: a stateless port filter */
  | 'first-only';

/** Properties of one direction of a path between two addresses. */
export interface PathProperties {
  /** One-way delay in ms. */
  latencyMs: number;
  /** Extra uniform random delay in [0, jitterMs) per packet (may reorder packets). */
  jitterMs: number;
  /** Probability in [0, 1] that a packet is lost (seeded). */
  loss: number;
  /** Path MTU: the largest IP packet (headers included) that crosses. */
  mtu: number;
  fragments: FragmentPolicy;
}

export const DEFAULT_PATH: Readonly<PathProperties> = Object.freeze({
  latencyMs: 1,
  jitterMs: 0,
  loss: 0,
  mtu: 1500,
  fragments: 'pass',
});

/** Why the network dropped a packet (in trace events and `stats.dropped`). */
export type DropReason =
  | 'loss'
  | 'no-route'
  | 'host-down'
  | 'fragment-policy'
  | 'too-big'
  | 'intercepted'
  | 'interceptor-error'
  | 'hop-limit'
  | 'reassembly-timeout'
  | 'reassembly-overflow'
  | 'bad-checksum'
  | 'port-unreachable'
  | 'no-connection';

/** `p`, or a RangeError naming the first property out of range. */
export function validatePath(p: PathProperties): PathProperties {
  const bad = (what: string): never => {
    throw new RangeError(`path property ${what}`);
  };
  if (!(p.latencyMs >= 0)) bad(`latencyMs must be >= 0, got ${p.latencyMs}`);
  if (!(p.jitterMs >= 0)) bad(`jitterMs must be >= 0, got ${p.jitterMs}`);
  if (!(p.loss >= 0 && p.loss <= 1)) bad(`loss must be in [0, 1], got ${p.loss}`);
  if (!(Number.isInteger(p.mtu) && p.mtu >= 68 && p.mtu <= 65535)) bad(`mtu must be an integer in [68, 65535] (RFC 791 minimum 68), got ${p.mtu}`);
  if (!['pass', 'drop', 'first-only'].includes(p.fragments)) bad(`fragments must be 'pass' | 'drop' | 'first-only', got ${String(p.fragments)}`);
  return p;
}
