// The middlebox hook (docs/ARCHITECTURE.md, "One machine model, many networks"): the interface every box
// (servers/middlebox/) implements, and what a box sees of the network it sits on. Both networks run the
// same boxes through one chain walk (chain.ts): the VirtualNetwork (virtual.ts) on its paths, the
// SocketEdge (socket-edge.ts) at the edge of real sockets. See net/README.md "Interceptors".

import type { IpPacket } from './packet.ts';
import type { SeededRandom } from './random.ts';

/** Who an interceptor or path rule applies to: a host name, an address, or any (undefined). */
export interface Scope {
  from?: string;
  to?: string;
}

/**
 * Does one side of a Scope (`from` or `to`) match `address`? Undefined matches anything; address literals were
 * normalized when the rule or interceptor was added; anything else is a host name, looked up with `addressesOf`.
 * Shared by the VirtualNetwork and the socket edge (net/socket-edge.ts), so a box sees the same scope on both.
 */
export function specMatches(spec: string | undefined, address: string, addressesOf: (name: string) => readonly string[] | undefined): boolean {
  if (spec === undefined || spec === address) return true;
  return addressesOf(spec)?.includes(address) ?? false;
}

export interface Emission {
  packet: IpPacket;
  /** Hold the packet this long at the middlebox before it moves on. */
  delayMs?: number;
}

/**
 * What an interceptor decided: pass the packet on unchanged, drop it, or
 * replace it by zero or more packets (rewritten, delayed, duplicated).
 */
export type InterceptResult = 'forward' | 'drop' | readonly Emission[];

/** All a box sees besides the packet: no handle on the network itself, so the same box runs on both networks. */
export interface InterceptContext {
  /** Lab time now. */
  readonly now: number;
  /** This interceptor's own seeded stream (forked from the network's by its name). */
  readonly random: SeededRandom;
  /**
   * Send a new packet from the middlebox (e.g. a reply it makes up, or a
   * packet held earlier). It goes through every matching interceptor except
   * this one, then its path, like any packet.
   */
  inject(packet: IpPacket, delayMs?: number): void;
  /** A fresh packet id for packets made up by the middlebox. */
  packetId(): number;
}

/**
 * A middlebox's view of a path (see README "Interceptors"). `intercept` is
 * called synchronously for every IP packet (fragments one by one) whose
 * source/destination match its scope, at the moment the packet reaches it.
 * Packets are immutable: to rewrite, return a new object ({...p, dst: ...}).
 */
export interface PacketInterceptor {
  readonly name: string;
  intercept(packet: IpPacket, context: InterceptContext): InterceptResult;
}
