// Server selection: the delegation point to ask (closest cached cut, root hints), its addresses, which server of it
// to ask next (the InfraCache's RTT bands and skips, Knot Resolver's exploration draw), and how long to wait for it.
// Unbound keeps the same apart from its iterator's state machine (iterator/iter_utils.c, services/cache/infra.c).

import { canonicalName, isSubdomain, nameEquals, ROOT } from '../../dns/name.ts';
import { groupRRsets } from '../../dns/rrset.ts';
import type { Name, RRTypeName } from '../../dns/types.ts';
import { formatEndpoint, type Endpoint } from '../../net/network.ts';
import { Trust, type ResolverCache } from './cache.ts';
import type { Referral } from './classify.ts';
import type { InfraCache, RandomSource, ServerInfo } from './infra.ts';
import type { Ctx, Outcome } from './resolution.ts';
import type { ResolverSettings } from './settings.ts';

/** The servers of one zone cut as the iterator knows them. */
export interface DelegationPoint {
  zone: Name;
  /** NS target names whose addresses have not been looked up yet. */
  pending: Name[];
  addresses: Endpoint[];
  /** NS names inside the zone they serve that had no cached address: only the parent's glue can reach them (RFC 1034 §4.2.1). */
  needGlue?: Name[];
  /** TTL of the NS RRset, seconds, when the delegation point came from the parent's referral just now. */
  nsTtl?: number;
}

/** Look up the A record of a glueless nameserver, unvalidated, one level deeper than `depth`. */
export type NsAddressLookup = (ctx: Ctx, target: Name, depth: number) => Promise<Outcome>;

export class ServerSelection {
  constructor(
    private readonly settings: ResolverSettings,
    private readonly cache: ResolverCache,
    private readonly infra: InfraCache,
    private readonly random: RandomSource,
    private readonly rootHints: readonly Endpoint[],
    private readonly upstreamPort: number,
    private readonly lookupNsAddress: NsAddressLookup,
  ) {}

  /** The closest cached zone cut for `name` with the addresses known for its nameservers; the root hints when none. */
  delegationFor(name: Name, qtype: RRTypeName): DelegationPoint {
    // DS lives on the parent side of a zone cut (RFC 4035 §3.1.4.1): never ask the child.
    const exclude = qtype === 'DS' && !nameEquals(name, ROOT) ? name : undefined;
    const ns = this.cache.closestNs(name, exclude !== undefined ? { excludeAtOrBelow: exclude } : {});
    if (!ns || (nameEquals(ns.rrset.name, ROOT) && this.rootHints.length > 0 && ns.trust < Trust.NonAuthAuthority)) {
      return this.hintsDelegation();
    }
    const dp: DelegationPoint = { zone: ns.rrset.name, pending: [], addresses: [] };
    for (const r of ns.rrset.records) {
      const target = r.data as Name;
      const addrs = this.cachedAddresses(target);
      if (addrs.length > 0) dp.addresses.push(...addrs);
      else dp.pending.push(target);
    }
    if (nameEquals(dp.zone, ROOT) && dp.addresses.length === 0) return this.hintsDelegation();
    return dp;
  }

  /**
   * `exploreResolvesNsNames`: the exploration draw for one choice at `dp` — undefined when the profile does not
   * draw here (the infra's own draw then applies), `none` when it drew and did not explore (no second draw), else
   * the address or nameserver name picked uniformly (Knot Resolver 5.6.0 lib/selection.c select_transport:
   * kr_rand_coin(EPSILON_NOMIN, EPSILON_DENOM), then kr_rand_bytes % (choices_len + unresolved_len)). With no
   * usable address there is no draw: the resolution of names when every address is held dead is its own rule.
   * `namesToResolve`: the nameserver names still to resolve, asked only once the draw says explore.
   */
  exploreChoice(
    dp: DelegationPoint,
    exclude: ReadonlySet<string>,
    namesToResolve: () => Name[],
  ): { kind: 'none' } | { kind: 'address'; server: Endpoint } | { kind: 'name'; name: Name } | undefined {
    if (!this.settings.exploreResolvesNsNames || this.settings.exploreProbability <= 0) return undefined;
    const usable = dp.addresses.filter((a) => !exclude.has(formatEndpoint(a)) && !this.infra.isSkipped(a));
    if (usable.length === 0) return undefined;
    if (this.random.float() >= this.settings.exploreProbability) return { kind: 'none' };
    const names = namesToResolve();
    const i = this.random.int(names.length + usable.length);
    return i < names.length ? { kind: 'name', name: names[i]! } : { kind: 'address', server: usable[i - names.length]! };
  }

  hintsDelegation(): DelegationPoint {
    return { zone: ROOT, pending: [], addresses: [...this.rootHints] };
  }

  cachedAddresses(target: Name): Endpoint[] {
    const out: Endpoint[] = [];
    for (const t of this.settings.queryAaaaForNs ? (['A', 'AAAA'] as const) : (['A'] as const)) {
      const e = this.cache.get(target, t);
      if (e) for (const r of e.records) out.push({ address: r.data as string, port: this.upstreamPort });
    }
    return out;
  }

  /** Pick a server of the delegation, looking up NS addresses when none are left (glueless delegations). */
  async pickServer(ctx: Ctx, dp: DelegationPoint, tried: Set<string>, depth: number, drawn = false): Promise<Endpoint | undefined> {
    for (;;) {
      // `drawn`: the exploration draw for this choice was made already (exploreChoice).
      const s = this.infra.select(dp.addresses, dp.zone, tried, this.random, !drawn);
      if (s) return s;
      if (dp.pending.length === 0) return undefined;
      const i = this.random.int(dp.pending.length);
      const target = dp.pending.splice(i, 1)[0]!;
      // A nameserver inside the zone it serves with no glue can't be reached through that zone (RFC 1034 §4.2.1):
      // noted, so that iterate() can ask the parent for its glue once nothing else is left.
      if (isSubdomain(target, dp.zone) && !nameEquals(dp.zone, ROOT)) {
        (dp.needGlue ??= []).push(target);
        continue;
      }
      if (depth + 1 > this.settings.maxDepth) continue;
      if (ctx.inProgress.has(`${canonicalName(target)}|A`)) continue;
      const r = await this.lookupNsAddress(ctx, target, depth);
      for (const s2 of r.answer) {
        if (s2.rrset.type !== 'A' && s2.rrset.type !== 'AAAA') continue;
        for (const rec of s2.rrset.records) dp.addresses.push({ address: rec.data as string, port: this.upstreamPort });
      }
    }
  }

  /**
   * `fetchRetryIntervalMs` (BIND 9.18 lib/dns/resolver.c fctx_setretryinterval, fctx_query): the retry interval,
   * doubled for each address gathering past `fetchNonBackoffTries` (at most 6 times), at least the server's
   * smoothed RTT plus a fudge of 50/100/200 ms (plus 1 s over TCP), at most `maxRtoMs` (MAX_SINGLE_QUERY_TIMEOUT).
   * The caller also stops it at the fetch's time left (`resolutionTimeLimitMs`).
   */
  /**
   * Knot Resolver (tcpAfterUdpTimeouts, tcpWhenTimeoutOverMs): TCP from the start after enough UDP timeouts for
   * this question, or when the server's retransmission timeout has grown past a threshold; and
   * `tcpAfterTruncationSticks`: once the question was truncated in this resolution.
   */
  startsOverTcp(ctx: Ctx, server: Endpoint, questionKey: string, timeoutKey: string): boolean {
    const udpTimeoutLimit = this.settings.tcpAfterUdpTimeouts;
    return (
      (this.settings.tcpAfterTruncationSticks && ctx.truncated?.has(questionKey) === true) ||
      (udpTimeoutLimit > 0 && (ctx.udpTimeouts.get(timeoutKey) ?? 0) >= udpTimeoutLimit) ||
      (this.settings.tcpWhenTimeoutOverMs > 0 && this.infra.timeoutFor(server) > this.settings.tcpWhenTimeoutOverMs)
    );
  }

  /**
   * The EDNS UDP size of an exchange's first query (`udpEdns`: over UDP, with EDNS). ednsTimeoutLargestSeen (BIND
   * resolver.c resquery_send, triededns count 1): the next query of this fetch to a server whose first query timed
   * out advertises the largest UDP answer seen from that server; later ones the configured size again.
   */
  firstPayloadSize(ctx: Ctx, info: ServerInfo, udpEdns: boolean, timeoutKey: string): number {
    const size = this.settings.ednsBufferSize;
    const seen = info.largestUdpResponse;
    if (this.settings.ednsTimeoutLargestSeen && udpEdns && ctx.udpTimeouts.get(timeoutKey) === 1 && seen !== undefined && seen < size) {
      return Math.max(512, seen);
    }
    return size;
  }

  /** Put a referral into the cache: NS and glue, its DS, or (when validating) its proof that there is no DS. */
  storeReferral(referral: Referral, parentZone: Name, validating: boolean): void {
    this.cache.storeRRset(referral.ns, [], Trust.NonAuthAuthority, 'unchecked');
    for (const g of groupRRsets(referral.glue)) this.cache.storeRRset(g, [], Trust.Additional, 'unchecked');
    if (referral.ds) this.cache.storeRRset(referral.ds.rrset, referral.ds.signatures, Trust.NonAuthAuthority, 'unchecked');
    else if (referral.proof.length > 0 && validating) {
      // An unsigned delegation's NSEC/NSEC3 proof of "no DS" (RFC 4035 §3.1.4.1): kept like a NODATA for DS.
      const ttl = Math.min(this.settings.maxNegativeTtl, ...referral.proof.map((r) => r.ttl));
      this.cache.storeNegative({ kind: 'nodata', qname: referral.zone, qtype: 'DS', zone: parentZone, authority: referral.proof, security: 'unchecked' }, ttl);
    }
  }

  /** The delegation point of a referral as it came, glue addresses first (when the cache kept another NS set). */
  referralDelegation(referral: Referral): DelegationPoint {
    const dp: DelegationPoint = { zone: referral.zone, pending: [], addresses: [] };
    for (const r of referral.ns.records) {
      const target = r.data as Name;
      const addrs = referral.glue.filter((g) => nameEquals(g.name, target)).map((g) => ({ address: g.data as string, port: this.upstreamPort }));
      if (addrs.length) dp.addresses.push(...addrs);
      else dp.pending.push(target);
    }
    return dp;
  }

  /**
   * How long to wait for `server`: `selectedTimeoutMs` is its timeout as selection chose it (the InfraCache's RTO, or
   * Knot Resolver's transport->timeout), replaced by a fixed timeout, BIND's retry interval, or at least 2 s over TCP.
   */
  queryTimeoutMs(server: Endpoint, selectedTimeoutMs: number, gathering: number, tcp: boolean): number {
    return this.settings.fixedUpstreamTimeoutMs > 0
      ? this.settings.fixedUpstreamTimeoutMs
      : this.settings.fetchRetryIntervalMs > 0
        ? this.fetchRetryInterval(server, gathering, tcp)
        : tcp
          ? Math.max(selectedTimeoutMs, 2000)
          : selectedTimeoutMs;
  }

  private fetchRetryInterval(server: Endpoint, gathering: number, tcp: boolean): number {
    const s = this.settings;
    const shift = Math.min(6, Math.max(0, gathering - s.fetchNonBackoffTries));
    const srtt = (this.infra.info(server).srtt ?? 0) + (tcp ? 1000 : 0);
    const expected = srtt + (srtt < 50 ? 50 : srtt < 100 ? 100 : 200);
    return Math.min(s.maxRtoMs, Math.max(s.fetchRetryIntervalMs * 2 ** shift, expected));
  }
}
