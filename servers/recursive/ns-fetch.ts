// The lookups the iterator makes for a delegation's nameservers rather than for the question: the parent asked
// again for a referral (expired in-zone glue, every server lame or down), an expired nameserver address refetched
// from its zone, and nameserver AAAA records looked up as BIND's ADB and Knot Resolver's selection do.

import { canonicalName, isSubdomain, nameEquals, ROOT } from '../../dns/name.ts';
import { groupRRsets } from '../../dns/rrset.ts';
import type { Name, RRTypeName } from '../../dns/types.ts';
import { formatEndpoint, type Clock } from '../../net/network.ts';
import { Trust, type ResolverCache } from './cache.ts';
import { extractChain, extractReferral } from './classify.ts';
import type { UpstreamPurpose } from './events.ts';
import type { Exchanger } from './exchange.ts';
import type { InfraCache, RandomSource } from './infra.ts';
import { pieceFromCache, storePiece, type Emit, type Piece } from './piece.ts';
import type { Ctx } from './resolution.ts';
import type { DelegationPoint, ServerSelection } from './select.ts';
import type { ResolverSettings } from './settings.ts';

/** The iterator's own step that nameserver lookups run through (ResolverEngine's iterate). */
export interface IteratorSteps {
  iterate(ctx: Ctx, name: Name, qtype: RRTypeName, depth: number, purpose: UpstreamPurpose, start?: { dp: DelegationPoint; minimise: boolean }): Promise<Piece>;
}

export class NsFetch {
  /** zone → until when (lab ms) the parent-side NS fetched after every server was skipped as down is kept (`infraBlacklistRtoMs`). */
  private readonly parentSideNs = new Map<string, number>();
  /** Nameserver names whose AAAA lookup runs in the background (`nsAaaaFetchAfterFirstTry`; BIND adb.c NAME_FETCH_AAAA). */
  private readonly nsAaaaFetching = new Set<string>();
  /** Nameserver name → lab ms before which a failed AAAA lookup is not started again (adb.c fetch_callback: now + 10 s). */
  private readonly nsAaaaFailedUntil = new Map<string, number>();

  constructor(
    private readonly settings: ResolverSettings,
    private readonly cache: ResolverCache,
    private readonly infra: InfraCache,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly upstreamPort: number,
    private readonly select: ServerSelection,
    private readonly emit: Emit,
    private readonly steps: IteratorSteps,
    private readonly exchanger: Pick<Exchanger, 'exchange' | 'reportResponse'>,
  ) {}

  /**
   * Nothing is left to ask at `dp` (`tried`: failed for good, `waited`: timed out this round). Two reasons to ask the
   * parent's servers for it again: in-zone nameservers whose address has expired (the referral carries their glue),
   * and — where the profile does so — a delegation whose every server answered lame or is skipped as down.
   * Undefined when there was no reason to ask; else the fresh delegation point, if any, or a loop to fail on.
   */
  async askParent(
    ctx: Ctx,
    dp: DelegationPoint,
    name: Name,
    qtype: RRTypeName,
    depth: number,
    purpose: UpstreamPurpose,
    tried: ReadonlySet<string>,
    waited: ReadonlySet<string>,
  ): Promise<{ fresh?: DelegationPoint; loop?: string } | undefined> {
    const glueless = dp.needGlue ?? [];
    const allLame = this.settings.parentNsFallback && tried.size > 0 && waited.size === 0 && dp.addresses.every((a) => tried.has(formatEndpoint(a)));
    // Every server skipped as down (infraBlacklistRtoMs): Unbound's processLastResort asks the parent for the
    // delegation once, and keeps the parent's NS (iter_store_parentside_NS) so that later queries find it in the
    // cache instead of asking again (iter_lookup_parent_NS_from_cache) while it lasts.
    const allDown =
      this.settings.parentNsFallback &&
      this.settings.infraBlacklistRtoMs > 0 &&
      !allLame &&
      dp.addresses.length > 0 &&
      dp.addresses.some((a) => this.infra.isSkipped(a)) &&
      dp.addresses.every((a) => tried.has(formatEndpoint(a)) || this.infra.isSkipped(a)) &&
      (this.parentSideNs.get(canonicalName(dp.zone)) ?? 0) <= this.clock.now();
    if (glueless.length === 0 && !allLame && !allDown) return undefined;
    const fresh = await this.parentReferral(ctx, dp.zone, name, qtype, depth, purpose, allLame);
    if (fresh && allDown && fresh.nsTtl !== undefined) this.parentSideNs.set(canonicalName(dp.zone), this.clock.now() + fresh.nsTtl * 1000);
    if (fresh && glueless.length > 0 && this.settings.nsAddressLoopServfail) {
      // BIND's ADB resolves an expired in-zone nameserver address as a fetch of its own, starting
      // at the parent (resolver.c findname, DNS_ADBFIND_STARTATZONE): the glue only reaches the
      // server, and the server's authoritative A (with its own TTL) is what stays in the cache.
      for (const target of glueless) await this.refetchAddress(ctx, target, fresh);
      // A fetch that IS that address waits on its own result: "loop detected" (resolver.c
      // findname/waiting_for) and the client gets SERVFAIL; the next query finds the address.
      if ((qtype === 'A' || qtype === 'AAAA') && glueless.some((g) => nameEquals(g, name))) {
        return { loop: `loop detected resolving ${name}/${qtype}: the only way into ${dp.zone} is this address, which had expired` };
      }
    }
    return fresh ? { fresh } : {};
  }

  /**
   * Ask the servers of the zone above `zone` for `name` again and return the delegation point of
   * the referral they give for `zone` now: its NS names with the glue that came along (stored as
   * glue). With `replaceNs` (every cached server was lame, settings.parentNsFallback) the parent's NS
   * RRset also replaces the cached one, keeping the cached expiry — Unbound stores the referral under
   * the same trust, and an NS RRset of equal trust but other data is taken with the old TTL
   * (services/cache/rrset.c need_to_update_rrset). Undefined when the parent does not delegate `zone`.
   */
  private async parentReferral(
    ctx: Ctx,
    zone: Name,
    name: Name,
    qtype: RRTypeName,
    depth: number,
    purpose: UpstreamPurpose,
    replaceNs: boolean,
  ): Promise<DelegationPoint | undefined> {
    const parent = this.select.delegationFor(zone, 'DS'); // the closest cut above `zone`, as for DS (RFC 4035 §3.1.4.1)
    const tried = new Set<string>();
    for (let sent = 0; sent < this.settings.maxSentPerDelegation;) {
      const server = await this.select.pickServer(ctx, parent, tried, depth);
      if (!server) return undefined;
      tried.add(formatEndpoint(server));
      const r = await this.exchanger.exchange(ctx, server, name, qtype, parent.zone, purpose);
      sent += r.sends;
      if (r.kind !== 'response') continue;
      const resp = r.message;
      const referral = resp.rcode === 'NOERROR' ? extractReferral(this.settings, resp, name, parent.zone) : undefined;
      if (referral === undefined || referral === 'lame') {
        this.exchanger.reportResponse(
          ctx,
          server,
          name,
          qtype,
          r.transport,
          resp,
          r.size,
          r.rttMs,
          referral === 'lame' || resp.rcode !== 'NOERROR' ? 'lame' : 'answer',
        );
        if (resp.rcode !== 'NOERROR' || referral === 'lame') this.infra.markLame(server, parent.zone);
        continue;
      }
      this.exchanger.reportResponse(ctx, server, name, qtype, r.transport, resp, r.size, r.rttMs, 'referral');
      if (!nameEquals(referral.zone, zone)) return undefined;
      for (const g of groupRRsets(referral.glue)) this.cache.storeRRset(g, [], Trust.Additional, 'unchecked');
      if (replaceNs) {
        const cached = this.cache.getEntry(zone, 'NS');
        const keep = cached ? Math.max(0, Math.ceil((cached.expiresAt - this.clock.now()) / 1000)) : undefined;
        this.cache.storeRRset(referral.ns, [], Trust.NonAuthAuthority, 'unchecked', keep !== undefined ? { ttl: keep } : {});
      }
      const dp: DelegationPoint = { zone, pending: [], addresses: [], nsTtl: Math.min(this.settings.maxTtl, ...referral.ns.records.map((x) => x.ttl)) };
      for (const rec of referral.ns.records) {
        const target = rec.data as Name;
        const glue = referral.glue.filter((g) => nameEquals(g.name, target)).map((g) => ({ address: g.data as string, port: this.upstreamPort }));
        const addrs = glue.length > 0 ? glue : this.select.cachedAddresses(target);
        if (addrs.length > 0) dp.addresses.push(...addrs);
        else dp.pending.push(target);
      }
      return dp;
    }
    return undefined;
  }

  /** Ask the servers of `dp` (reached by glue) for `target` A; an authoritative answer replaces the glue in the cache. */
  private async refetchAddress(ctx: Ctx, target: Name, dp: DelegationPoint): Promise<void> {
    const tried = new Set<string>();
    for (let i = 0; i < dp.addresses.length; i++) {
      const server = this.infra.select(dp.addresses, dp.zone, tried, this.random);
      if (!server) return;
      tried.add(formatEndpoint(server));
      const r = await this.exchanger.exchange(ctx, server, target, 'A', dp.zone, 'ns-address');
      if (r.kind !== 'response') continue;
      const chain = r.message.rcode === 'NOERROR' ? extractChain(this.settings, r.message, target, 'A', dp.zone) : undefined;
      const ok = chain?.final === true && r.message.flags.aa;
      this.exchanger.reportResponse(ctx, server, target, 'A', r.transport, r.message, r.size, r.rttMs, ok ? 'answer' : 'lame');
      if (!ok) continue;
      for (const set of chain!.rrsets) this.cache.storeRRset(set.rrset, set.signatures, set.trust, 'unchecked');
      return;
    }
  }

  /** Names of the nameservers of `dp` (its cached NS RRset, expired or not). */
  private nsNames(dp: DelegationPoint): Name[] {
    const ns = this.cache.getEntry(dp.zone, 'NS', { allowStale: true });
    return ns ? ns.rrset.records.map((r) => r.data as Name) : [];
  }

  /**
   * `nsAaaaFetchAfterFirstTry` (BIND adb.c dns_adb_createfind without DNS_ADBFIND_AVOIDFETCHES): from a cut's
   * second address gathering on, look up the AAAA of each in-zone nameserver with no cached AAAA, from the root
   * hints, unminimised, in the background (the fetch goes on with the addresses it has).
   */
  startNsAaaaFetches(ctx: Ctx, dp: DelegationPoint, gatherings: number, depth: number): void {
    if (!this.settings.nsAaaaFetchAfterFirstTry || gatherings < 2 || nameEquals(dp.zone, ROOT) || depth + 1 > this.settings.maxDepth) return;
    for (const target of this.nsNames(dp)) {
      if (!isSubdomain(target, dp.zone)) continue;
      const key = canonicalName(target);
      if (this.nsAaaaFetching.has(key) || (this.nsAaaaFailedUntil.get(key) ?? 0) > this.clock.now()) continue;
      if (pieceFromCache(this.cache, this.clock, this.emit, ctx, target, 'AAAA', false, false, false)) continue;
      this.nsAaaaFetching.add(key);
      const fetch = (async () => {
        // A fetch of its own in BIND (adb.c fetch_name → dns_resolver_createfetch): its own clock for
        // resolver-query-timeout (resolutionTimeLimitMs), not the client query's, which may end first.
        const own: Ctx = { ...ctx, startedAt: this.clock.now() };
        const piece = await this.steps.iterate(own, target, 'AAAA', depth + 1, 'ns-address', { dp: this.select.hintsDelegation(), minimise: false });
        if (piece.kind === 'servfail') throw new Error(piece.reason ?? 'SERVFAIL');
        storePiece(this.cache, piece, target, 'AAAA');
      })();
      // Nobody waits for it; a failure only means no AAAA. "Don't pound on bad servers" (adb.c fetch_callback): a
      // failed fetch — SERVFAIL, or resolver-query-timeout (LimitReached), as in the outage — is not started again for 10 s.
      fetch.catch(() => this.nsAaaaFailedUntil.set(key, this.clock.now() + 10_000)).finally(() => this.nsAaaaFetching.delete(key));
    }
  }

  /**
   * `nsAaaaAfterTimeoutFromParent` (Knot Resolver selection.c select_transport, resolve.c zone_cut_check): after
   * every address of `dp` has timed out in this query, or while all are held dead, resolve the AAAA of one nameserver
   * of `dp` not tried yet in this query and not known, starting at the cut above `dp` when the name lies inside
   * `dp`'s zone; addresses found join `dp`. False when no name was left to resolve.
   */
  async nsAaaaFromParent(ctx: Ctx, dp: DelegationPoint, aaaaTried: Set<string>, depth: number, chosen?: Name): Promise<boolean> {
    const open = this.nsNamesToResolve(ctx, dp, aaaaTried, depth);
    if (open.length === 0) return false;
    const target = chosen ?? open[this.random.int(open.length)]!;
    const key = canonicalName(target);
    aaaaTried.add(key);
    const start = isSubdomain(target, dp.zone) ? this.select.delegationFor(dp.zone, 'DS') : this.select.delegationFor(target, 'AAAA');
    ctx.inProgress.add(`${key}|AAAA`);
    try {
      const piece = await this.steps.iterate(ctx, target, 'AAAA', depth + 1, 'ns-address', { dp: start, minimise: true });
      if (piece.kind === 'servfail') return true;
      storePiece(this.cache, piece, target, 'AAAA');
      for (const set of piece.rrsets) {
        if (set.rrset.type !== 'AAAA') continue;
        for (const rec of set.rrset.records) dp.addresses.push({ address: rec.data as string, port: this.upstreamPort });
      }
      return true;
    } finally {
      ctx.inProgress.delete(`${key}|AAAA`);
    }
  }

  /** Nameserver names of `dp` whose AAAA `nsAaaaFromParent` may resolve: not tried in this query, not in progress, none cached. */
  nsNamesToResolve(ctx: Ctx, dp: DelegationPoint, aaaaTried: ReadonlySet<string>, depth: number): Name[] {
    if (nameEquals(dp.zone, ROOT) || depth + 1 > this.settings.maxDepth) return [];
    return this.nsNames(dp).filter((t) => {
      const key = canonicalName(t);
      return (
        !aaaaTried.has(key) && !ctx.inProgress.has(`${key}|AAAA`) && !pieceFromCache(this.cache, this.clock, this.emit, ctx, t, 'AAAA', false, false, false)
      );
    });
  }
}
