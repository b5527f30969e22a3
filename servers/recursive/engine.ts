// The recursive resolution state machine (RFC 1034 §5.3.3, RFC 1035 §7, RFC 2181, RFC 2308, RFC 6672, RFC 9156).
//
// It knows nothing about sockets: upstream traffic goes through an `Upstream`, time comes from the lab `Clock`,
// randomness from a seeded source. `resolve()` answers one client question; everything learned is kept in the
// ResolverCache and the InfraCache. This file keeps the iterator itself; its helpers live beside it:
//   resolve(qname, qtype)         join identical questions, serve-stale timers (serve-stale.ts), SERVFAIL cache
//   └ lookup(qname, qtype)        follow CNAME/DNAME chains, cache first (piece.ts), RFC 8198 (aggressive.ts)
//       ├ iterate(name, type)     root hints → referrals → answer, QNAME minimisation; servers from select.ts,
//       │   │                     replies classified by classify.ts, nameserver lookups in ns-fetch.ts
//       │   └ exchange()          one question to one server: EDNS fallback, fragment retries, TC → TCP
//       └ validatePiece()         DNSSEC (validation.ts), its DS/DNSKEY fetched back through lookup()
//   the client's answer           client-answer.ts
// Every upstream query counts against the per-client-query budget (resolution.ts).

import { ancestorWithLabels, canonicalName, labelCount, nameEquals, ROOT } from '../../dns/name.ts';
import type { Name, RcodeName, RR, RRTypeName } from '../../dns/types.ts';
import { formatEndpoint, type Clock, type Endpoint } from '../../net/network.ts';
import { ResolverCache, type CacheSecurity } from './cache.ts';
import type { ResolverEvent, ResponseClass, UpstreamPurpose } from './events.ts';
import { InfraCache, type RandomSource } from './infra.ts';
import type { ResolverSettings } from './settings.ts';
import type { Upstream } from './upstream.ts';
import { pieceFromCache, storePiece, weaker, type Piece, type SignedRRset } from './piece.ts';
import { AggressiveNsec } from './aggressive.ts';
import { answerApexNs, classifyReply, negativePiece, wildcardProof } from './classify.ts';
import { clientResult, verdictFor, type ResolveOptions, type ResolveResult } from './client-answer.ts';
import { Exchanger } from './exchange.ts';
import { NsFetch } from './ns-fetch.ts';
import { ServerSelection, type DelegationPoint } from './select.ts';
import { ServeStale } from './serve-stale.ts';
import { ServfailCache } from './servfail-cache.ts';
import { Validator } from './validation.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { LimitReached, StaleAtStep, timeLeftMs, type Ctx, type Outcome } from './resolution.ts';

export interface EngineOptions {
  settings: ResolverSettings;
  clock: Clock;
  random: RandomSource;
  upstream: Upstream;
  /** Root server addresses (port included). */
  rootHints: readonly Endpoint[];
  /** DS or DNSKEY records (RFC 4035 §4.4 trust anchors). */
  trustAnchors?: readonly RR[];
  /** Port assumed for nameservers learned from NS/glue (53 on real networks). */
  upstreamPort?: number;
  onEvent?: (event: ResolverEvent) => void;
}

export class ResolverEngine {
  readonly cache: ResolverCache;
  readonly infra: InfraCache;
  private readonly aggressive: AggressiveNsec;
  private readonly validator: Validator;
  private readonly stale: ServeStale;
  private readonly select: ServerSelection;
  private readonly nsFetch: NsFetch;
  private readonly exchanger: Exchanger;
  readonly settings: ResolverSettings;
  private readonly clock: Clock;
  private readonly upstream: Upstream;
  private readonly onEvent: ((event: ResolverEvent) => void) | undefined;
  private nextResolutionId = 1;
  private readonly inflight = new Map<string, Promise<Outcome>>();
  private readonly servfails: ServfailCache;

  constructor(options: EngineOptions) {
    this.settings = options.settings;
    this.clock = options.clock;
    this.upstream = options.upstream;
    const upstreamPort = options.upstreamPort ?? 53;
    this.onEvent = options.onEvent;
    this.cache = new ResolverCache(this.clock, this.settings);
    this.infra = new InfraCache(this.clock, this.settings);
    // The validator looks DS and DNSKEY up through this iterator, unvalidated, one level deeper.
    this.validator = new Validator(this.settings, this.cache, this.clock, options.trustAnchors ?? [], (ctx, name, qtype, depth, purpose) =>
      this.lookup(ctx, name, qtype, { rd: true, depth: depth + 1, raw: true, purpose }),
    );
    this.aggressive = new AggressiveNsec(this.settings, this.cache, this.clock, (e) => this.emit(e));
    this.select = new ServerSelection(this.settings, this.cache, this.infra, options.random, options.rootHints, upstreamPort, (ctx, target, depth) =>
      this.lookup(ctx, target, 'A', { rd: true, depth: depth + 1, raw: true, purpose: 'ns-address' }),
    );
    this.exchanger = new Exchanger(this.settings, this.clock, this.infra, this.select, this.validator, this.upstream, (e) => this.emit(e));
    this.nsFetch = new NsFetch(
      this.settings,
      this.cache,
      this.infra,
      this.clock,
      options.random,
      upstreamPort,
      this.select,
      (e) => this.emit(e),
      { iterate: (...a) => this.iterate(...a) },
      this.exchanger,
    );
    this.stale = new ServeStale(this.settings, this.cache, this.clock, (e) => this.emit(e));
    this.servfails = new ServfailCache(this.settings, this.clock);
  }

  private emit(event: ResolverEvent): void {
    if (this.onEvent) {
      try {
        this.onEvent(event);
      } catch {
        // An observer's bug must not break resolution.
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Public entry point

  async resolve(qname: Name, qtype: RRTypeName, options: ResolveOptions = {}): Promise<ResolveResult> {
    const rd = options.rd ?? true;
    const cd = options.cd ?? false;
    const ctx: Ctx = {
      id: this.nextResolutionId++,
      sent: 0,
      timeouts: 0,
      tcp: 0,
      validate: this.validator.validating && !cd,
      inProgress: new Set(),
      startedAt: this.clock.now(),
      aggressive: false,
      stale: false,
      udpTimeouts: new Map(),
    };
    const timerMs = this.settings.staleClientTimeoutMs;
    if (rd && this.settings.serveStale && this.settings.staleTimerAtStepsOnly && timerMs !== 'off') ctx.staleAtSteps = { qname, qtype, afterMs: timerMs };
    // Identical questions already being resolved are joined, not sent again
    // (Unbound's mesh, BIND's fetch sharing): one upstream resolution serves them all.
    const key = `${canonicalName(qname)}|${qtype}|${rd}|${cd}`;
    let outcome: Outcome;
    let coalesced = false;
    const running = this.settings.joinClientQueries ? this.inflight.get(key) : undefined;
    let pending: Promise<Outcome>;
    const quickStale = this.stale.duringRecheck(ctx, qname, qtype, rd);
    // PowerDNS (servfailCacheS): a SERVFAIL for this question is answered from the packet cache while it lasts.
    const servfailKey = `${key}|${options.do ?? false}`;
    const cachedServfail = this.servfails.get(servfailKey, rd);
    const servfailHit = cachedServfail !== undefined;
    if (servfailHit) {
      this.emit({
        type: 'cache',
        time: this.clock.now(),
        resolution: ctx.id,
        action: 'servfail-hit',
        qname,
        qtype,
        detail: `SERVFAIL cached for ${this.settings.servfailCacheS} s (packet cache)`,
      });
      pending = Promise.resolve(cachedServfail);
    } else if (quickStale) {
      // Inside the failure recheck window: stale data at once, no upstream query at all.
      pending = Promise.resolve(quickStale);
    } else if (running) {
      coalesced = true;
      this.emit({
        type: 'cache',
        time: this.clock.now(),
        resolution: ctx.id,
        action: 'coalesced',
        qname,
        qtype,
        detail: 'joined a resolution already in progress',
      });
      pending = running;
    } else {
      const p = this.computeOutcome(ctx, qname, qtype, rd);
      this.inflight.set(key, p);
      // The entry goes when the resolution ends, even if this client was
      // already given a stale answer and stopped waiting (RFC 8767 §5).
      pending = p.finally(() => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
      });
    }
    outcome =
      rd && this.settings.serveStale && !quickStale && !servfailHit ? await this.stale.withClientResponseTimer(ctx, qname, qtype, pending) : await pending;
    const verdict = verdictFor(this.settings, outcome, options);
    if (!servfailHit) this.servfails.store(servfailKey, qname, rd, verdict);
    const result = clientResult(this.settings, ctx, qname, qtype, verdict, outcome.security === 'bogus', options, coalesced, this.clock.now());
    this.emit({ type: 'resolution', time: this.clock.now(), summary: result.summary });
    return result;
  }

  private async computeOutcome(ctx: Ctx, qname: Name, qtype: RRTypeName, rd: boolean): Promise<Outcome> {
    let outcome: Outcome;
    let limited = false;
    try {
      outcome = await this.lookup(ctx, qname, qtype, { rd, depth: 0 });
    } catch (err) {
      if (err instanceof StaleAtStep) return err.outcome;
      if (!(err instanceof LimitReached)) throw err;
      limited = true;
      outcome = { rcode: 'SERVFAIL', answer: [], authority: [], security: 'indeterminate', ede: EdeCode.OTHER, reason: `gave up: ${err.message}` };
    }
    return this.stale.afterResolution(ctx, qname, qtype, rd, outcome, limited);
  }

  // ---------------------------------------------------------------------------
  // Lookup: cache, chains, validation

  private async lookup(
    ctx: Ctx,
    qname: Name,
    qtype: RRTypeName,
    opts: { rd: boolean; depth: number; raw?: boolean; purpose?: UpstreamPurpose },
  ): Promise<{ rcode: RcodeName; answer: SignedRRset[]; authority: RR[]; security: CacheSecurity; ede?: number; reason?: string }> {
    const validate = ctx.validate && !opts.raw;
    const answer: SignedRRset[] = [];
    let security: CacheSecurity = validate ? 'secure' : 'unchecked';
    let name = qname;
    const seen = new Set<string>();
    for (let restart = 0; ; restart++) {
      if (restart > this.settings.maxRestarts) {
        return { rcode: 'SERVFAIL', answer, authority: [], security, ede: EdeCode.OTHER, reason: `CNAME chain longer than ${this.settings.maxRestarts}` };
      }
      seen.add(canonicalName(name));
      let piece = pieceFromCache(this.cache, this.clock, (e) => this.emit(e), ctx, name, qtype, validate, false, !opts.raw);
      if (!piece && validate) piece = this.aggressive.synthesize(ctx, name, qtype);
      if (!piece) {
        if (!opts.rd) {
          const ns = this.cache.closestNs(name);
          return { rcode: 'NOERROR', answer, authority: ns ? ns.rrset.records : [], security: answer.length ? security : 'indeterminate' };
        }
        const key = `${canonicalName(name)}|${qtype}`;
        if (ctx.inProgress.has(key)) {
          return { rcode: 'SERVFAIL', answer, authority: [], security, ede: EdeCode.OTHER, reason: `dependency loop on ${name} ${qtype}` };
        }
        ctx.inProgress.add(key);
        try {
          piece = await this.iterate(ctx, name, qtype, opts.depth, opts.purpose ?? 'iterate');
        } finally {
          ctx.inProgress.delete(key);
        }
        if (piece.kind !== 'servfail') storePiece(this.cache, piece, name, qtype);
      }
      if (validate && piece.kind !== 'servfail' && piece.security === 'unchecked') {
        await this.validator.validatePiece(ctx, piece, name, qtype, opts.depth);
        storePiece(this.cache, piece, name, qtype);
      }
      // Only answers to the client's own question (and its CNAME targets) teach the zone cut, as in Knot
      // Resolver, whose pick_authority() runs for the initial query but not for DS/DNSKEY/address sub-queries.
      if (piece.apexNs && !opts.raw && piece.security !== 'bogus') await this.validator.storeApexNs(ctx, piece.apexNs, validate, opts.depth);
      if (piece.kind === 'servfail') {
        const out = {
          rcode: 'SERVFAIL' as RcodeName,
          answer,
          authority: [],
          security: weaker(security, piece.security === 'bogus' ? 'bogus' : 'indeterminate'),
        };
        return { ...out, ...(piece.ede !== undefined ? { ede: piece.ede } : {}), ...(piece.reason !== undefined ? { reason: piece.reason } : {}) };
      }
      security = validate ? weaker(security, piece.security) : 'unchecked';
      answer.push(...piece.rrsets);
      const withEde = (o: { rcode: RcodeName; answer: SignedRRset[]; authority: RR[]; security: CacheSecurity }) => ({
        ...o,
        ...(piece!.ede !== undefined ? { ede: piece!.ede } : {}),
        ...(piece!.reason !== undefined ? { reason: piece!.reason } : {}),
      });
      // Bogus data is handed up with its verdict: resolve() turns it into SERVFAIL
      // (or, for PowerDNS "process" mode and non-DNSSEC clients, into plain data).
      if (piece.security === 'bogus')
        return withEde({ rcode: piece.kind === 'nxdomain' ? 'NXDOMAIN' : 'NOERROR', answer, authority: piece.authority, security: 'bogus' });
      if (piece.kind === 'cname' && piece.next !== undefined) {
        if (seen.has(canonicalName(piece.next))) {
          // A CNAME loop: return the chain as far as it goes (RFC 1034 §3.6.2 forbids loops; BIND and Unbound stop like this).
          return withEde({ rcode: 'NOERROR', answer, authority: [], security });
        }
        name = piece.next;
        continue;
      }
      const rcode: RcodeName = piece.kind === 'nxdomain' ? 'NXDOMAIN' : 'NOERROR';
      return withEde({ rcode, answer, authority: piece.authority, security });
    }
  }

  // ---------------------------------------------------------------------------
  // Iteration

  private minimisedName(name: Name, known: number, steps: number): Name {
    const total = labelCount(name);
    const remaining = total - known;
    if (remaining <= 1) return name;
    let add = 1;
    if (steps >= this.settings.minimiseOneLabel) {
      const left = Math.max(1, this.settings.maxMinimiseCount - steps);
      add = Math.max(1, Math.ceil(remaining / left));
    }
    return ancestorWithLabels(name, Math.min(total, known + add));
  }

  /**
   * `start`: begin at this delegation point instead of the cache's closest cut, minimising or not
   * (nameserver address lookups that BIND starts at the root hints and Knot Resolver at the parent's cut).
   */
  private async iterate(
    ctx: Ctx,
    name: Name,
    qtype: RRTypeName,
    depth: number,
    purpose: UpstreamPurpose,
    start?: { dp: DelegationPoint; minimise: boolean },
  ): Promise<Piece> {
    let dp = start?.dp ?? this.select.delegationFor(name, qtype);
    // `tried`: servers that failed for good in this iteration (lame, error rcode);
    // `waited`: servers that timed out this round — retried in later rounds (retransmission).
    let tried = new Set<string>();
    let waited = new Set<string>();
    let rounds = 0;
    let sentHere = 0;
    let referrals = 0;
    let minimise = this.settings.qnameMinimisation && qtype !== 'DS' && (start?.minimise ?? true);
    /** Address gatherings at this cut, BIND's fctx->restarts (`nsAaaaFetchAfterFirstTry`, `fetchRetryIntervalMs`). */
    let gatherings = 1;
    /** Nameserver names whose AAAA this query resolved already (`nsAaaaAfterTimeoutFromParent`; Knot RECORD_TRIED). */
    const aaaaTried = new Set<string>();
    /** Servers that timed out in this iteration, over all rounds (Knot's per-query address_state error_count). */
    const failedHere = new Set<string>();
    let step = 0;
    let known = labelCount(dp.zone);
    let steps = 0;
    /** The parent was asked for this delegation again (at most once per iteration). */
    let askedParent = false;
    // qnameMinimisationTypeAProbe: the step that reaches the full name was already sent with QTYPE A.
    let probed = false;
    const fail = (ede: number, reason: string): Piece => ({
      kind: 'servfail',
      rrsets: [],
      authority: [],
      zone: dp.zone,
      security: 'indeterminate',
      ede,
      reason,
      fromCache: false,
    });
    for (;;) {
      this.stale.atStep(ctx, depth, step++ > 0);
      let sname = name;
      let sqtype = qtype;
      let probe = false;
      if (minimise && steps < this.settings.maxMinimiseCount && labelCount(name) > known) {
        sname = this.minimisedName(name, Math.max(known, labelCount(dp.zone)), steps);
        // RFC 9156 §3: intermediate queries use QTYPE A (NS upsets some servers).
        if (!nameEquals(sname, name)) sqtype = 'A';
        // Unbound: the step that reaches the full name is still a minimised one, with QTYPE A, unless the
        // qtype is A or DS (iterator.c processQueryTargets: minimising stops only when labdiff < 1, or < 2
        // for A and DS); the qtype asked for follows in the next query.
        else if (this.settings.qnameMinimisationTypeAProbe && !probed && qtype !== 'A' && qtype !== 'DS') {
          sqtype = 'A';
          probe = true;
        }
      }
      /** This query is a minimisation step, not the question itself. */
      const intermediate = probe || !nameEquals(sname, name);
      if (sentHere >= this.settings.maxSentPerDelegation) return fail(EdeCode.OTHER, `sent ${sentHere} queries to the servers of ${dp.zone} without an answer`);
      // exploreResolvesNsNames (Knot select_transport "EXPLORE"): one draw per choice, uniform over the usable
      // addresses and the nameserver names still to resolve; a name drawn is resolved from the parent's cut.
      const excluded = new Set([...tried, ...waited]);
      const explored = this.select.exploreChoice(dp, excluded, () => this.nsFetch.nsNamesToResolve(ctx, dp, aaaaTried, depth));
      if (explored?.kind === 'name') {
        await this.nsFetch.nsAaaaFromParent(ctx, dp, aaaaTried, depth, explored.name);
        continue;
      }
      let server = explored?.kind === 'address' ? explored.server : await this.select.pickServer(ctx, dp, excluded, depth, explored !== undefined);
      // No new round once resolutionTimeLimitMs is up (BIND resolver.c rctx_timedout: "stopped trying to make fetch happen").
      if (!server && waited.size > 0 && rounds < this.settings.maxTriesPerServer - 1 && timeLeftMs(this.settings, this.clock, ctx) > 0) {
        rounds++;
        this.nsFetch.startNsAaaaFetches(ctx, dp, ++gatherings, depth);
        waited = new Set();
        server = await this.select.pickServer(ctx, dp, tried, depth);
      }
      // Knot's select_transport with no usable address ("EXPLORE" when choices_len == 0): every address it knows is
      // held dead (isSkipped), so it resolves a nameserver name it has not tried in this query — one per step —
      // before it gives up (NO_NS_FOUND). Measured (retrying-clients, real 5.6.0): requests arriving while both
      // servers were dead asked tld-com 3–5 times each ("choosing from addresses: 0 v4 + 0 v6").
      if (!server && this.settings.nsAaaaAfterTimeoutFromParent && dp.addresses.some((a) => this.infra.isSkipped(a))) {
        if (await this.nsFetch.nsAaaaFromParent(ctx, dp, aaaaTried, depth)) continue;
      }
      if (!server && !askedParent && !nameEquals(dp.zone, ROOT)) {
        const asked = await this.nsFetch.askParent(ctx, dp, name, qtype, depth, purpose, tried, waited);
        if (asked) askedParent = true;
        if (asked?.loop !== undefined) return fail(EdeCode.OTHER, asked.loop);
        if (asked?.fresh) {
          dp = asked.fresh;
          tried = new Set();
          waited = new Set();
          rounds = 0;
          sentHere = 0;
          continue;
        }
      }
      if (!server) return fail(EdeCode.NO_REACHABLE_AUTHORITY, `no usable server left for ${dp.zone}`);
      const r = await this.exchanger.exchange(ctx, server, sname, sqtype, dp.zone, purpose, gatherings);
      sentHere += r.sends;
      if (r.kind !== 'response') {
        // retryTimedOutServer (Knot Resolver): the server stays a choice until it is dead (then infra skips it).
        if (!this.settings.retryTimedOutServer) waited.add(formatEndpoint(server));
        failedHere.add(formatEndpoint(server));
        // Knot's select_transport resolves a name only when the address it would choose has failed in this query:
        // after every address of the cut has (an untried one has no error_count and is chosen first).
        const everyFailed = dp.addresses.every((a) => failedHere.has(formatEndpoint(a)) || tried.has(formatEndpoint(a)));
        if (this.settings.nsAaaaAfterTimeoutFromParent && everyFailed) await this.nsFetch.nsAaaaFromParent(ctx, dp, aaaaTried, depth);
        continue;
      }
      const resp = r.message;
      const report = (cls: ResponseClass) => this.exchanger.reportResponse(ctx, server, sname, sqtype, r.transport, resp, r.size, r.rttMs, cls);
      if (probe) probed = true;
      const reply = classifyReply(this.settings, resp, sname, sqtype, dp.zone);
      if (reply.kind === 'nxdomain') {
        report('nxdomain');
        // Relaxed minimisation (RFC 9156 §2.3): an NXDOMAIN for a shorter name is not trusted
        // blindly (broken servers answer NXDOMAIN for empty non-terminals); ask the full name.
        if (intermediate) {
          minimise = false;
          continue;
        }
        return negativePiece(this.cache, 'nxdomain', resp, reply.chain, dp.zone, name);
      }
      if (reply.kind === 'error-rcode') {
        report('error-rcode');
        this.infra.markLame(server, dp.zone);
        tried.add(formatEndpoint(server));
        if (intermediate) minimise = false;
        continue;
      }
      if (reply.kind === 'answer' || reply.kind === 'cname' || reply.kind === 'cname-nodata') {
        const chain = reply.chain;
        if (intermediate) {
          // The minimised name exists; a CNAME there means the full name is looked up as is.
          report('answer');
          known = labelCount(sname);
          steps++;
          if (chain.rrsets.some((s) => s.rrset.type === 'CNAME' || s.rrset.type === 'DNAME')) minimise = false;
          continue;
        }
        report(reply.kind === 'answer' ? 'answer' : 'cname');
        if (reply.kind === 'cname-nodata') return negativePiece(this.cache, 'nodata', resp, chain, dp.zone, name);
        const extra = { ...wildcardProof(resp, dp.zone), ...answerApexNs(this.settings, resp, dp.zone) };
        if (reply.kind === 'answer') return { kind: 'answer', rrsets: chain.rrsets, zone: dp.zone, security: 'unchecked', fromCache: false, ...extra };
        return { kind: 'cname', rrsets: chain.rrsets, next: chain.next!, zone: dp.zone, security: 'unchecked', fromCache: false, ...extra };
      }
      if (reply.kind === 'referral') {
        const referral = reply.referral;
        report('referral');
        if (++referrals > this.settings.maxReferrals) return fail(EdeCode.OTHER, `more than ${this.settings.maxReferrals} referrals`);
        this.select.storeReferral(referral, dp.zone, this.validator.validating);
        if (this.settings.referralNoDsOverridesCachedDs) await this.validator.insecureFromReferral(ctx, referral, dp.zone, depth);
        dp = this.select.delegationFor(name, qtype);
        // Cache refused the NS set (lower credibility than what we hold): use the referral directly.
        if (!nameEquals(dp.zone, referral.zone)) dp = this.select.referralDelegation(referral);
        tried = new Set();
        waited = new Set();
        rounds = 0;
        sentHere = 0;
        known = Math.max(known, labelCount(dp.zone));
        // BIND: a referral the fetch followed itself resets fctx->restarts (rctx_referral); a cut reached through a
        // minimisation step does not (resume_qmin goes on with the same fctx).
        gatherings = intermediate ? gatherings + 1 : 1;
        this.nsFetch.startNsAaaaFetches(ctx, dp, gatherings, depth);
        continue;
      }
      if (reply.kind === 'nodata') {
        report('nodata');
        if (intermediate) {
          known = labelCount(sname);
          steps++;
          continue;
        }
        return negativePiece(this.cache, 'nodata', resp, { rrsets: [], next: name }, dp.zone, name);
      }
      report('lame');
      this.infra.markLame(server, dp.zone);
      tried.add(formatEndpoint(server));
    }
  }

  // ---------------------------------------------------------------------------
  // Cache management API

  /**
   * Changes whenever anything a cache-only answer is built from changes (cache, SERVFAIL cache, serve-stale recheck
   * windows). Equal before and after a resolution that sent nothing: the same question in the same lab second gets
   * the same answer (RecursiveResolver's encoded-answer cache).
   */
  answerGeneration(): number {
    return this.cache.generation + this.servfails.generation + this.stale.generation;
  }

  flushName(name: Name): number {
    this.servfails.forget(name, false);
    return this.cache.flushName(name);
  }
  flushTree(name: Name): number {
    this.servfails.forget(name, true);
    return this.cache.flushTree(name);
  }
  flushAll(): number {
    this.stale.clear();
    this.servfails.clear();
    return this.cache.flushAll();
  }
}
