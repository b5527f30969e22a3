// RFC 8767 serve-stale: expired data given to a client when upstream fails or is slow — after the resolution
// failed, when the client response timer fires, inside the failure recheck window, or (kresd) at the next step of
// the client's own resolution. The resolution itself goes on and refreshes the cache.

import { canonicalName } from '../../dns/name.ts';
import type { Name, RRTypeName } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import type { CacheSecurity, ResolverCache } from './cache.ts';
import type { ResolverEvent } from './events.ts';
import { pieceFromCache, weaker, type Emit, type SignedRRset } from './piece.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { checkLimits, StaleAtStep, type Ctx, type Outcome } from './resolution.ts';
import type { ResolverSettings } from './settings.ts';

function refreshKey(qname: Name, qtype: RRTypeName): string {
  return `${canonicalName(qname)}|${qtype}`;
}

export class ServeStale {
  /** RFC 8767 §5 failure recheck timer: lab time of the last failed refresh per name and type. */
  private readonly refreshFailedAt = new Map<string, number>();
  /** Bumped whenever a recheck window opens or closes (see ResolverCache.generation). */
  generation = 0;

  constructor(
    private readonly settings: ResolverSettings,
    private readonly cache: ResolverCache,
    private readonly clock: Clock,
    private readonly emit: Emit,
  ) {}

  /** Inside the failure recheck window (`staleRefreshIntervalS`) of this question: its stale data at once, with no upstream query. */
  duringRecheck(ctx: Ctx, qname: Name, qtype: RRTypeName, rd: boolean): Outcome | undefined {
    const recent = this.settings.serveStale && rd && this.settings.staleRefreshIntervalS > 0 ? this.refreshFailedAt.get(refreshKey(qname, qtype)) : undefined;
    const rechecking = recent !== undefined && this.clock.now() - recent < this.settings.staleRefreshIntervalS * 1000;
    return rechecking
      ? this.now(
          ctx,
          qname,
          qtype,
          `refresh failed ${Math.round((this.clock.now() - recent!) / 1000)} s ago; not retried for ${this.settings.staleRefreshIntervalS} s (RFC 8767 §5)`,
        )
      : undefined;
  }

  /**
   * RFC 8767: when the resolution failed, answer from stale data if allowed — not after a limit (`limited`) where
   * stale data is only looked at in the resolution's steps (staleTimerAtStepsOnly: kresd finalizes the request as
   * failed). A failure starts the recheck window; any other end closes it.
   */
  afterResolution(ctx: Ctx, qname: Name, qtype: RRTypeName, rd: boolean, outcome: Outcome, limited: boolean): Outcome {
    const staleAllowed = !(limited && this.settings.staleTimerAtStepsOnly);
    if (outcome.rcode === 'SERVFAIL' && outcome.security !== 'bogus' && this.settings.serveStale && rd && staleAllowed) {
      this.refreshFailedAt.set(refreshKey(qname, qtype), this.clock.now());
      this.generation++;
      const stale = this.answer(ctx, qname, qtype, this.emit);
      if (stale) return stale;
    } else {
      if (this.refreshFailedAt.delete(refreshKey(qname, qtype))) this.generation++;
    }
    return outcome;
  }

  /**
   * `staleTimerAtStepsOnly` (kresd serve_stale.lua produce()): each step but the first of the client's own
   * question — not of a sub-query (depth > 0) — looks whether the timer has run out; if so, and stale data exists,
   * that is the answer (thrown as StaleAtStep).
   */
  atStep(ctx: Ctx, depth: number, laterStep: boolean): void {
    const atStep = ctx.staleAtSteps;
    if (atStep && depth === 0 && laterStep && this.clock.now() - ctx.startedAt > atStep.afterMs) {
      // kresd's qr_task_step ends the request at its limits before any layer runs: no stale data then.
      checkLimits(this.settings, this.clock, ctx);
      const stale = this.now(
        ctx,
        atStep.qname,
        atStep.qtype,
        `no answer ${atStep.afterMs} ms after the client query, at the resolution's next step (serve_stale.lua)`,
      );
      if (stale) throw new StaleAtStep(stale);
    }
  }

  /**
   * RFC 8767 §5: "a resolver SHOULD respond with stale data after a client
   * response timer expires (1.8 s recommended) if it has not yet received a
   * response from upstream". The resolution is not cancelled: it goes on in
   * the background and its result refreshes the cache for later clients.
   * With no usable stale data when the timer fires, the client keeps waiting.
   */
  async withClientResponseTimer(ctx: Ctx, qname: Name, qtype: RRTypeName, pending: Promise<Outcome>): Promise<Outcome> {
    const timeout = this.settings.staleClientTimeoutMs;
    // staleTimerAtStepsOnly: no timer of its own; the resolution's steps look at it (iterate, StaleAtStep).
    if (timeout === 'off' || this.settings.staleTimerAtStepsOnly) return pending;
    const tryStale = () => this.now(ctx, qname, qtype, `client response timer (${timeout} ms) expired before upstream answered (RFC 8767 §5)`);
    const served = (stale: Outcome): Outcome => {
      // Nobody waits for the background resolution any more; its failure must not surface as an unhandled rejection.
      pending.catch(() => undefined);
      return stale;
    };
    if (timeout <= 0) {
      const stale = tryStale();
      return stale ? served(stale) : pending;
    }
    let handle: ReturnType<Clock['setTimer']> | undefined;
    const timer = new Promise<{ fired: true }>((resolve) => {
      handle = this.clock.setTimer(timeout, () => resolve({ fired: true }));
    });
    try {
      const first = await Promise.race([pending.then((outcome) => ({ fired: false as const, outcome })), timer]);
      if (!first.fired) return first.outcome;
    } finally {
      if (handle !== undefined) this.clock.clearTimer(handle);
    }
    const stale = tryStale();
    return stale ? served(stale) : pending;
  }

  /**
   * Stale data for a client right now, or undefined. A scratch context, and
   * cache events held back: looking for stale data must not mark this
   * resolution stale, nor log cache hits, unless stale data is what the
   * client gets. (answer() is synchronous.)
   */
  now(ctx: Ctx, qname: Name, qtype: RRTypeName, why: string): Outcome | undefined {
    const scratch: Ctx = { ...ctx, stale: false };
    const held: ResolverEvent[] = [];
    const stale = this.answer(scratch, qname, qtype, (e) => held.push(e), why);
    if (stale) {
      ctx.stale = true;
      for (const e of held) this.emit(e);
    }
    return stale;
  }

  private answer(ctx: Ctx, qname: Name, qtype: RRTypeName, emit: Emit, why = 'served stale after failed resolution (RFC 8767)'): Outcome | undefined {
    const answer: SignedRRset[] = [];
    let name = qname;
    let security: CacheSecurity = ctx.validate ? 'secure' : 'unchecked';
    for (let i = 0; i <= this.settings.maxRestarts; i++) {
      const piece = pieceFromCache(this.cache, this.clock, emit, ctx, name, qtype, ctx.validate, true);
      if (!piece || piece.security === 'bogus') return undefined;
      security = weaker(security, piece.security === 'unchecked' && ctx.validate ? 'indeterminate' : piece.security);
      answer.push(...piece.rrsets);
      if (piece.kind === 'cname' && piece.next !== undefined) {
        name = piece.next;
        continue;
      }
      if (!ctx.stale) return undefined; // nothing stale involved: the failure stands
      emit({ type: 'cache', time: this.clock.now(), resolution: ctx.id, action: 'stale', qname, qtype, detail: why });
      return {
        rcode: piece.kind === 'nxdomain' ? 'NXDOMAIN' : 'NOERROR',
        answer,
        authority: piece.authority,
        security,
        ede: EdeCode.STALE_ANSWER,
        reason: 'stale answer (RFC 8767)',
      };
    }
    return undefined;
  }

  /** flushAll: the recheck windows go with the cache. */
  clear(): void {
    this.generation++;
    this.refreshFailedAt.clear();
  }
}
