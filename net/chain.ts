// The middlebox chain walk, shared by both networks (docs/ARCHITECTURE.md, "One machine model, many networks": one
// machine model, two networks). A packet meets the boxes (PacketInterceptors)
// whose scope covers it, in the order they were added; each box forwards,
// drops, or replaces it by emissions (rewritten, held, duplicated), and each
// emission walks on from the next box. What the walk does not know — how a
// drop is counted, how a box's context looks, where a packet goes after the
// last box — the network under the chain says through a `ChainSite`:
//   VirtualNetwork (virtual.ts): traces and captures, then the path and delivery;
//   SocketEdge (socket-edge.ts): counts, then back onto the lab's real sockets.
// See net/README.md "Interceptors".

import { ipFamily, normalizeIp } from './ip.ts';
import type { IpPacket } from './packet.ts';
import type { SeededRandom } from './random.ts';
import type { InterceptContext, InterceptResult, PacketInterceptor, Scope } from './interceptor.ts';

/** At most this many packets from one verdict walk on (a box cannot flood the lab). */
export const MAX_EMISSIONS = 64;
/** A packet a box injects (`ctx.inject`) may be re-injected this many times before it is dropped (no loops). */
export const MAX_INJECT_HOPS = 32;

/** One box in a chain: the interceptor, the paths it covers, its own seeded stream (forked by its name). */
export interface ChainEntry {
  readonly interceptor: PacketInterceptor;
  readonly scope: Scope;
  readonly random: SeededRandom;
}

/** What the network under the chain does at each point of the walk. */
export interface ChainSite<E extends ChainEntry> {
  /** Does `scope` cover a packet src → dst (host names resolved by this network)? */
  inScope(scope: Scope, src: string, dst: string): boolean;
  /** The context a box gets for one packet. */
  contextFor(entry: E): InterceptContext;
  /** A packet starts down the chain (anew, or on from the box that emitted it). */
  entered?(packet: IpPacket): void;
  /** The box threw on `packet`, or emitted a packet whose addresses are not IP literals: that packet is dropped. */
  failed(packet: IpPacket, box: string, err: unknown): void;
  /** The box dropped `packet` ('drop', or no emissions). */
  dropped(packet: IpPacket, box: string): void;
  /** The box emitted `out`, rewritten or held, just before it walks on from the next box. */
  emitted?(out: IpPacket, box: string): void;
  /** Run `fn` after `ms` on the lab clock (a box held the packet). */
  later(ms: number, fn: () => void): void;
  /** The packet got past the last box. `by`: the last box that rewrote it, or the box that injected it. */
  passed(packet: IpPacket, by: string | undefined): void;
}

/**
 * Walk `chain` from `index` on. Scopes are checked against the packet as it is at that point, so a packet
 * rewritten by a NAT meets the boxes in front of its new destination. `chain` is a snapshot of the list
 * (adding/removing a box replaces the array, never mutates it), so held packets walk the boxes they started
 * with. `skip` is the box that injected the packet (it does not see its own packet again).
 */
export function walkChain<E extends ChainEntry>(
  site: ChainSite<E>,
  packet: IpPacket,
  chain: readonly E[],
  index: number,
  skip: PacketInterceptor | undefined,
  by: string | undefined,
): void {
  site.entered?.(packet);
  for (let i = index; i < chain.length; i++) {
    const entry = chain[i]!;
    const ic = entry.interceptor;
    if (ic === skip || !site.inScope(entry.scope, packet.src, packet.dst)) continue;
    let result: InterceptResult;
    try {
      result = ic.intercept(packet, site.contextFor(entry));
    } catch (err) {
      // A broken middlebox must not take the lab down (docs/ARCHITECTURE.md, "Bad input never crashes the lab").
      site.failed(packet, ic.name, err);
      return;
    }
    if (result === 'forward') continue;
    const emissions = result === 'drop' ? [] : result.slice(0, MAX_EMISSIONS);
    if (emissions.length === 0) {
      site.dropped(packet, ic.name);
      return;
    }
    for (const e of emissions) {
      let out: IpPacket;
      try {
        out = canonicalAddresses(e.packet);
      } catch (err) {
        site.failed(e.packet, ic.name, err);
        continue;
      }
      const held = (e.delayMs ?? 0) > 0;
      const go = (): void => {
        if (out !== packet || held) site.emitted?.(out, ic.name);
        walkChain(site, out, chain, i + 1, skip, out === packet ? by : ic.name);
      };
      // Held by the box: released on the lab clock.
      if (held) site.later(e.delayMs!, go);
      else go();
    }
    return;
  }
  site.passed(packet, by);
}

/** A packet made by a box may spell addresses its own way; networks look hosts and sockets up by canonical text. */
export function canonicalAddresses(p: IpPacket): IpPacket {
  const src = normalizeIp(p.src);
  const dst = normalizeIp(p.dst);
  return src === p.src && dst === p.dst ? p : { ...p, src, dst };
}

/** Address literals in a scope in canonical form, so matching is a string compare (host names stay as given). */
export function normalizeScope(scope: Scope): Scope {
  const norm = (spec: string | undefined): string | undefined => (spec !== undefined && ipFamily(spec) !== undefined ? normalizeIp(spec) : spec);
  const from = norm(scope.from);
  const to = norm(scope.to);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
