// What the resolver knows about each upstream server (like Unbound's
// "infrastructure cache"): smoothed RTT and retransmission timeout (RFC 6298
// arithmetic), EDNS support, and per-zone lameness. Server selection picks,
// among the usable servers of a zone's NS set, one whose smoothed RTT is
// within a band of the best, at random from the lab's seeded source — with a
// small exploration rate so slow servers get re-measured.

import { canonicalName } from '../../dns/name.ts';
import type { Name } from '../../dns/types.ts';
import { formatEndpoint, type Clock, type Endpoint } from '../../net/network.ts';
import type { ResolverSettings } from './settings.ts';

/** The subset of net/random.ts SeededRandom the resolver needs. */
export interface RandomSource {
  uint32(): number;
  int(maxExclusive: number): number;
  float(): number;
}

export interface ServerInfo {
  /** Smoothed RTT, ms (undefined until the first answer). */
  srtt?: number;
  rttvar: number;
  rto: number;
  /** Consecutive timeouts. */
  timeouts: number;
  /** 'noedns' after FORMERR/no answer to EDNS queries with answers without EDNS. */
  edns: 'unknown' | 'ok' | 'noedns';
  /** zone → lame until (lab ms). */
  lame: Map<string, number>;
  lastUsed: number;
  /** Largest UDP response received from this server, octets (BIND's ADB udpsize, `ednsTimeoutLargestSeen`). */
  largestUdpResponse?: number;
  /** "qname|qtype" → throttled until (lab ms) and how many more queries it may hold back (`timeoutThrottleS`). */
  throttled?: Map<string, { until: number; remaining: number }>;
  /** The entry's end of life, lab ms (`infraHostTtlS`; set when the entry is made or renewed, not on each answer). */
  expiresAt?: number;
  /** No query to this server until then, lab ms, while a probe may still be out (`infraProbeDelayRtoMs`). */
  probeDelayUntil?: number;
  /** When the server was last pronounced dead, lab ms (`deadAfterTimeouts`; Knot Resolver rtt_state.dead_since). */
  deadSince?: number;
}

/**
 * Unbound's TIMEOUT_COUNT_MAX (services/cache/infra.h, 1.17.1): after this many timeouts in a row, a server
 * in its probe delay is skipped rather than ranked last (infra.c infra_get_lame_rtt).
 */
const PROBE_DELAY_TIMEOUTS = 3;

const throttleKey = (qname: Name, qtype: string): string => `${canonicalName(qname)}|${qtype}`;

export class InfraCache {
  private readonly servers = new Map<string, ServerInfo>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: ResolverSettings,
  ) {}

  info(server: Endpoint): ServerInfo {
    const key = formatEndpoint(server);
    let s = this.servers.get(key);
    if (!s) {
      s = { rttvar: 0, rto: this.settings.initialRtoMs, timeouts: 0, edns: 'unknown', lame: new Map(), lastUsed: 0 };
      if (this.settings.infraHostTtlS > 0) s.expiresAt = this.clock.now() + this.settings.infraHostTtlS * 1000;
      this.servers.set(key, s);
    }
    return s;
  }

  private expired(s: ServerInfo): boolean {
    return s.expiresAt !== undefined && this.clock.now() > s.expiresAt;
  }

  /** The server's retransmission timeout reached `infraBlacklistRtoMs` (Unbound USEFUL_SERVER_TOP_TIMEOUT). */
  private atTop(s: ServerInfo): boolean {
    return this.settings.infraBlacklistRtoMs > 0 && s.rto >= this.settings.infraBlacklistRtoMs;
  }

  /**
   * True when selection must skip `server` altogether (Unbound services/cache/infra.c infra_get_lame_rtt, iterator/
   * iter_utils.c iter_server_selection "chase to blacklisted lame server"): its timeout reached the top and its entry
   * has not expired yet, or it is inside the probe delay after three timeouts in a row. An expired entry at the top is
   * not skipped: that is the one probe per infra-host-ttl.
   */
  isSkipped(server: Endpoint): boolean {
    const s = this.info(server);
    // Knot Resolver selection.c invalidate_dead_upstream: a dead address is no choice until its retry interval is over.
    if (s.deadSince !== undefined && this.clock.now() < s.deadSince + this.settings.deadRetryIntervalMs) return true;
    if (this.expired(s)) return false;
    if (this.atTop(s)) return true;
    const probeMax = this.settings.infraProbeDelayRtoMs;
    return probeMax > 0 && s.rto >= probeMax && s.probeDelayUntil !== undefined && this.clock.now() < s.probeDelayUntil && s.timeouts >= PROBE_DELAY_TIMEOUTS;
  }

  /**
   * Called right before a query goes to `server` (Unbound services/cache/infra.c infra_host). An expired entry is
   * made anew: all it learnt is forgotten (lameness is kept), except that a server whose timeout had reached the top
   * keeps it — the query now sent is its probe, with that timeout, and the entry lives another infra-host-ttl. A
   * server whose timeout is at or above `infraProbeDelayRtoMs` gets no other query until this one has timed out
   * (probedelay = now + timeout rounded up to seconds + 1 s).
   */
  beforeSend(server: Endpoint): void {
    const s = this.info(server);
    const now = this.clock.now();
    if (this.expired(s)) {
      const top = this.atTop(s);
      const kept = { rto: s.rto, timeouts: s.timeouts, probeDelayUntil: s.probeDelayUntil };
      delete s.srtt;
      s.rttvar = 0;
      s.rto = this.settings.initialRtoMs;
      s.timeouts = 0;
      s.edns = 'unknown';
      delete s.probeDelayUntil;
      if (top) {
        s.rto = this.settings.infraBlacklistRtoMs;
        s.timeouts = kept.timeouts;
        if (kept.probeDelayUntil !== undefined) s.probeDelayUntil = kept.probeDelayUntil;
      }
      s.expiresAt = now + this.settings.infraHostTtlS * 1000;
    }
    const probeMax = this.settings.infraProbeDelayRtoMs;
    if (probeMax > 0 && s.rto >= probeMax && s.timeouts > 0) s.probeDelayUntil = now + Math.floor((s.rto + 1999) / 1000) * 1000;
  }

  /** RFC 6298 §2: SRTT/RTTVAR update and RTO = SRTT + 4·RTTVAR, clamped (or Knot Resolver's rtt_state, `rttStateTimeouts`). */
  recordRtt(server: Endpoint, rttMs: number): void {
    const s = this.info(server);
    if (this.settings.rttStateTimeouts) {
      // lib/selection.c calc_rtt_state (5.6.0), in its integer arithmetic: the first answer of an address with no
      // answer and no timeout yet sets srtt = rtt, variance = rtt / 2; later ones smooth both (RFC 6298 §2 gains).
      // An answer resets the count of timeouts and the dead mark (the new state has neither).
      const rtt = Math.max(0, Math.floor(rttMs));
      if (s.srtt === undefined && s.timeouts === 0) {
        s.srtt = rtt;
        s.rttvar = Math.floor(rtt / 2);
      } else {
        const srtt = s.srtt ?? 0;
        const variance = this.rttStateVariance(s);
        s.rttvar = Math.floor((3 * variance + Math.abs(srtt - rtt) + 2) / 4);
        s.srtt = Math.floor((7 * srtt + rtt + 4) / 8);
      }
      s.timeouts = 0;
      delete s.deadSince;
      s.rto = this.rttStateTimeout(s);
      s.lastUsed = this.clock.now();
      return;
    }
    // Unbound infra_rtt_update: an answer from a server whose timeout was at the top starts its RTT afresh.
    if (this.atTop(s)) {
      delete s.srtt;
      s.rttvar = 0;
    }
    delete s.probeDelayUntil;
    if (this.settings.rttFirstAnswerAveraged) {
      // Unbound util/rtt.c: rtt_init starts every server at srtt 0, rttvar UNKNOWN_SERVER_NICENESS/4 (rto 376), and
      // rtt_update folds each answer in, the first one too, in whole milliseconds (C integer division).
      const srtt = s.srtt ?? 0;
      const rttvar = s.srtt === undefined ? Math.trunc(this.settings.initialRtoMs / 4) : s.rttvar;
      const delta = Math.round(rttMs) - srtt;
      s.srtt = srtt + Math.trunc(delta / 8);
      s.rttvar = rttvar + Math.trunc((Math.abs(delta) - rttvar) / 4);
    } else if (s.srtt === undefined) {
      s.srtt = rttMs;
      s.rttvar = rttMs / 2;
    } else {
      s.rttvar = 0.75 * s.rttvar + 0.25 * Math.abs(s.srtt - rttMs);
      s.srtt = 0.875 * s.srtt + 0.125 * rttMs;
    }
    s.rto = this.clampRto(s.srtt + 4 * s.rttvar);
    s.timeouts = 0;
    s.lastUsed = this.clock.now();
  }

  /**
   * RFC 6298 §5.5: back off the RTO after a timeout. `waitedMs`: the wait that ran out, which decides whether the
   * server is now dead (`deadAfterTimeouts`).
   */
  recordTimeout(server: Endpoint, waitedMs: number = this.timeoutFor(server)): void {
    const s = this.info(server);
    s.lastUsed = this.clock.now();
    if (!this.settings.rttStateTimeouts) {
      s.timeouts++;
      s.rto = this.clampRto(s.rto * 2);
      return;
    }
    // lib/selection.c server_timeout (5.6.0): one more consecutive timeout (at most 64); dead once there are
    // KR_NS_TIMEOUT_ROW_DEAD in a row and this wait was at least KR_NS_TIMEOUT_MIN_DEAD_TIMEOUT ("so that many
    // (concurrent) short attempts can't cause the dead state").
    s.timeouts = Math.min(64, s.timeouts + 1);
    const dead = this.settings.deadAfterTimeouts;
    if (dead > 0 && s.timeouts >= dead && waitedMs >= this.settings.deadMinTimeoutMs) s.deadSince = this.clock.now();
    s.rto = this.rttStateTimeout(s);
  }

  /**
   * lib/selection.c calc_timeout and back_off_timeout (5.6.0): (srtt + max(4·variance, MINIMAL_TIMEOUT_ADDITION))
   * << min(consecutive timeouts, MAX_BACKOFF), at most MAX_TIMEOUT. An address never answered has srtt 0 and
   * variance DEFAULT_TIMEOUT / 4 (default_rtt_state), so it starts at DEFAULT_TIMEOUT and doubles per timeout.
   */
  private rttStateTimeout(s: ServerInfo): number {
    const base = (s.srtt ?? 0) + Math.max(4 * this.rttStateVariance(s), this.settings.rttStateMinAdditionMs);
    return Math.min(this.settings.maxRtoMs, base * 2 ** Math.min(s.timeouts, this.settings.rttStateMaxBackoff));
  }

  /** rtt_state variance: DEFAULT_TIMEOUT / 4 for an address never answered (default_rtt_state), else the smoothed one. */
  private rttStateVariance(s: ServerInfo): number {
    return s.srtt === undefined ? this.settings.initialRtoMs / 4 : s.rttvar;
  }

  private clampRto(ms: number): number {
    return Math.min(this.settings.maxRtoMs, Math.max(this.settings.minRtoMs, Math.round(ms)));
  }

  markLame(server: Endpoint, zone: Name): void {
    if (this.settings.lameTtl <= 0) return;
    this.info(server).lame.set(canonicalName(zone), this.clock.now() + this.settings.lameTtl * 1000);
  }

  isLame(server: Endpoint, zone: Name): boolean {
    const until = this.info(server).lame.get(canonicalName(zone));
    return until !== undefined && until > this.clock.now();
  }

  /** Do not ask `server` this question for `seconds` or `count` queries, whichever ends first (PowerDNS doThrottle). */
  throttle(server: Endpoint, qname: Name, qtype: string, seconds: number, count: number): void {
    const s = this.info(server);
    (s.throttled ??= new Map()).set(throttleKey(qname, qtype), { until: this.clock.now() + seconds * 1000, remaining: count });
  }

  /** True while the question is throttled at `server`; each true answer uses up one of the held-back queries. */
  isThrottled(server: Endpoint, qname: Name, qtype: string): boolean {
    const m = this.info(server).throttled;
    const k = throttleKey(qname, qtype);
    const t = m?.get(k);
    if (!m || !t) return false;
    if (t.until <= this.clock.now() || t.remaining <= 0) {
      m.delete(k);
      return false;
    }
    t.remaining--;
    return true;
  }

  setEdns(server: Endpoint, state: 'ok' | 'noedns'): void {
    this.info(server).edns = state;
  }

  /** The RTT an unanswered-yet server is assumed to have when ranking. */
  private effectiveRtt(s: ServerInfo): number {
    // Unknown servers rank at the initial RTO, so a known fast server wins but
    // a known slow one loses to an untried one — as Unbound's infra cache does.
    // An expired entry ranks as an unknown server, or — at the top — just below the top, so that it is chosen only
    // when nothing better is left (Unbound infra_get_lame_rtt: "minus 1000 because that is outside of the RTTBAND").
    if (this.expired(s)) return this.atTop(s) ? this.settings.infraBlacklistRtoMs - 1000 : this.settings.initialRtoMs;
    const base = s.srtt ?? this.settings.initialRtoMs;
    return s.timeouts > 0 ? Math.max(base, s.rto) : base;
  }

  /**
   * Pick one server from `candidates`, skipping `exclude` (already tried in this
   * resolution) and servers lame for `zone`. If all are lame, lame ones are
   * allowed again (a lame mark is a preference, not a ban, when nothing else is left).
   */
  select(candidates: readonly Endpoint[], zone: Name, exclude: ReadonlySet<string>, random: RandomSource, explore = true): Endpoint | undefined {
    const fresh = candidates.filter((c) => !exclude.has(formatEndpoint(c)) && !this.isSkipped(c));
    if (fresh.length === 0) return undefined;
    let usable = fresh.filter((c) => !this.isLame(c, zone));
    if (usable.length === 0) usable = fresh;
    if (usable.length === 1) return usable[0];
    if (explore && this.settings.exploreProbability > 0 && random.float() < this.settings.exploreProbability) {
      return usable[random.int(usable.length)];
    }
    const rtts = usable.map((c) => this.effectiveRtt(this.info(c)));
    const best = Math.min(...rtts);
    const band = usable.filter((_, i) => rtts[i]! <= best + this.settings.rttBandMs);
    return band[random.int(band.length)];
  }

  /** Retransmission timeout to use for the next query to `server`. */
  timeoutFor(server: Endpoint): number {
    return this.info(server).rto;
  }

  snapshot(): Record<string, { srtt?: number; rto: number; timeouts: number; edns: string }> {
    const out: Record<string, { srtt?: number; rto: number; timeouts: number; edns: string }> = {};
    for (const [k, s] of this.servers) {
      const v: { srtt?: number; rto: number; timeouts: number; edns: string } = { rto: s.rto, timeouts: s.timeouts, edns: s.edns };
      if (s.srtt !== undefined) v.srtt = Math.round(s.srtt);
      out[k] = v;
    }
    return out;
  }
}
