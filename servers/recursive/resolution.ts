// One client query's resolution: its running state (Ctx), what it settles on (Outcome) and the limits that end
// it. Every part of the engine that sends or waits takes the Ctx explicitly.

import type { Message, Name, RcodeName, RR, RRTypeName } from '../../dns/types.ts';
import type { Clock, Transport } from '../../net/network.ts';
import type { CacheSecurity } from './cache.ts';
import type { SignedRRset } from './piece.ts';
import type { ResolverSettings } from './settings.ts';

export interface Ctx {
  id: number;
  sent: number;
  timeouts: number;
  tcp: number;
  validate: boolean;
  inProgress: Set<string>;
  startedAt: number;
  aggressive: boolean;
  stale: boolean;
  /** UDP timeouts per server and question in this resolution (`tcpAfterUdpTimeouts`, `ednsTimeoutLargestSeen`). */
  udpTimeouts: Map<string, number>;
  /** "qname|qtype" of the questions that got TC=1 in this resolution (`tcpAfterTruncationSticks`). */
  truncated?: Set<string>;
  /** `staleTimerAtStepsOnly`: the client's question, looked up stale at the steps of its own resolution. */
  staleAtSteps?: { qname: Name; qtype: RRTypeName; afterMs: number };
}

/** What a lookup settled on, before it is shaped for one client (DO/AD/CD). */
export interface Outcome {
  rcode: RcodeName;
  answer: SignedRRset[];
  authority: RR[];
  security: CacheSecurity;
  ede?: number;
  reason?: string;
}

/** One question to one server (the engine's exchange()): a response, or nothing usable after `sends` queries. */
export type ExchangeResult =
  { kind: 'response'; message: Message; transport: Transport; size: number; rttMs: number; sends: number } | { kind: 'failed'; sends: number };

export class LimitReached extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/** `staleTimerAtStepsOnly`: a step of the client's question found the timer run out and stale data to give. */
export class StaleAtStep extends Error {
  constructor(readonly outcome: Outcome) {
    super('stale data at a resolution step');
  }
}

/** Time left before `resolutionTimeLimitMs` ends this resolution, ms (Infinity without a limit). */
export function timeLeftMs(settings: ResolverSettings, clock: Clock, ctx: Ctx): number {
  const limitMs = settings.resolutionTimeLimitMs;
  return limitMs > 0 ? ctx.startedAt + limitMs - clock.now() : Infinity;
}

/**
 * The limits of one client query's resolution: resolutionTimeLimitMs and maxTimeoutsPerClientQuery throw
 * LimitReached; returns the ms left before the time limit (Infinity without one).
 */
export function checkLimits(settings: ResolverSettings, clock: Clock, ctx: Ctx): number {
  const leftMs = timeLeftMs(settings, clock, ctx);
  if (leftMs <= 0) throw new LimitReached(`no answer within ${settings.resolutionTimeLimitMs} ms of the client query`);
  const maxTimeouts = settings.maxTimeoutsPerClientQuery;
  if (maxTimeouts > 0 && ctx.timeouts >= maxTimeouts) throw new LimitReached(`${ctx.timeouts} upstream timeouts for one client query`);
  return leftMs;
}
