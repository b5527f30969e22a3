// What one client gets of a resolution's outcome: bogus data turned into SERVFAIL with an EDE (RFC 4035 §5.5,
// RFC 8914), the AD bit only for clients that asked (RFC 6840 §5.7), DNSSEC records only with DO (RFC 3225), and
// the summary of the resolution for the event log.

import type { Name, RcodeName, RR, RRTypeName } from '../../dns/types.ts';
import type { CacheSecurity } from './cache.ts';
import type { ResolutionSummary } from './events.ts';
import { Ede, type Ctx, type Outcome } from './resolution.ts';
import type { ResolverSettings } from './settings.ts';

export interface ResolveOptions {
  /** Recursion Desired; false answers from cache only (RFC 1034 §4.3.1). Default true. */
  rd?: boolean;
  /** Checking Disabled (RFC 4035 §3.2.2): return data without validating. */
  cd?: boolean;
  /** DNSSEC OK: include RRSIG/NSEC records in the result (RFC 3225). */
  do?: boolean;
  /** Client set AD=1 (RFC 6840 §5.7): it wants the AD bit. */
  ad?: boolean;
}

export interface ResolveResult {
  rcode: RcodeName;
  /** Authenticated Data: set when everything in the answer validated and the client asked (DO or AD). */
  ad: boolean;
  security: CacheSecurity;
  answer: RR[];
  authority: RR[];
  ede?: { code: number; text: string };
  summary: ResolutionSummary;
}

/**
 * Bogus data is SERVFAIL with EDE 6 unless the client set CD — or, with `bogusServfailOnlyWhenRequested` (PowerDNS
 * "process" mode), unless the client asked for neither DO nor AD, which gets the data as indeterminate.
 */
export function verdictFor(settings: ResolverSettings, outcome: Outcome, options: ResolveOptions): Outcome {
  let security = outcome.security;
  let rcode = outcome.rcode;
  let ede = outcome.ede;
  if (security === 'bogus' && !(options.cd ?? false)) {
    const requested = (options.do ?? false) || (options.ad ?? false);
    if (!settings.bogusServfailOnlyWhenRequested || requested) {
      rcode = 'SERVFAIL';
      ede = ede ?? Ede.DNSSEC_BOGUS;
    } else {
      security = 'indeterminate';
    }
  }
  return { ...outcome, rcode, security, ...(ede !== undefined ? { ede } : {}) };
}

/** The result for the client from its verdict; `bogus`: the outcome failed validation (before verdictFor). */
export function clientResult(
  settings: ResolverSettings,
  ctx: Ctx,
  qname: Name,
  qtype: RRTypeName,
  verdict: Outcome,
  bogus: boolean,
  options: ResolveOptions,
  coalesced: boolean,
  finishedAt: number,
): ResolveResult {
  const { rcode, security, ede, reason } = verdict;
  const ad = security === 'secure' && rcode !== 'SERVFAIL' && ((options.do ?? false) || (options.ad ?? false));
  const wantSigs = options.do ?? false;
  const answer: RR[] = [];
  if (rcode !== 'SERVFAIL') {
    for (const s of verdict.answer) {
      answer.push(...s.rrset.records);
      if (wantSigs) answer.push(...s.signatures);
    }
  }
  const authority = rcode === 'SERVFAIL' ? [] : verdict.authority.filter((r) => wantSigs || !['RRSIG', 'NSEC', 'NSEC3'].includes(r.type));
  const summary: ResolutionSummary = {
    resolution: ctx.id,
    qname,
    qtype,
    rcode,
    ad,
    security,
    queriesSent: ctx.sent,
    timeouts: ctx.timeouts,
    tcpQueries: ctx.tcp,
    fromCache: ctx.sent === 0 && !coalesced,
    coalesced,
    aggressive: ctx.aggressive,
    stale: ctx.stale,
    startedAt: ctx.startedAt,
    finishedAt,
  };
  const result: ResolveResult = { rcode, ad, security, answer, authority, summary };
  if (ede !== undefined) {
    const e = { code: ede, text: reason ?? '' };
    summary.ede = e;
    // edeBogusOnly (PowerDNS): clients see an EDE only for a validation failure; the summary keeps the reason.
    if (!settings.edeBogusOnly || bogus) result.ede = e;
  }
  return result;
}
