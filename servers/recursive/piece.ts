// What one step of a lookup produced (a Piece of RRsets with their signatures and security), and how it is read
// from and put into the ResolverCache. Every part of the engine passes data around in these shapes.

import { nameEquals, ROOT } from '../../dns/name.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { Name, RR, RRTypeName, RrsigData } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import { Trust, type CacheSecurity, type ResolverCache } from './cache.ts';
import type { ResolverEvent } from './events.ts';

/** An RRset with the signatures that came with it. */
export interface SignedRRset {
  rrset: RRset;
  signatures: RR[];
  security: CacheSecurity;
  /** A CNAME synthesised from a DNAME (RFC 6672 §3): unsigned by nature, trusted via the DNAME. */
  synthesized?: boolean;
  trust: Trust;
}

/** What one step of a lookup produced. */
export interface Piece {
  kind: 'answer' | 'cname' | 'nxdomain' | 'nodata' | 'servfail' | 'referral';
  rrsets: SignedRRset[];
  /** Negative answers: SOA, NSEC/NSEC3 and RRSIGs. Referral (RD=0): NS. */
  authority: RR[];
  /** cname: where the chain continues. */
  next?: Name;
  /** The zone whose servers gave this data (for validating unsigned data). */
  zone: Name;
  security: CacheSecurity;
  ede?: number;
  reason?: string;
  fromCache: boolean;
  stale?: boolean;
  aggressive?: boolean;
  /** Negative TTL (s) to cache this piece for. */
  negativeTtl?: number;
  /** settings.nsFromAnswerAuthority: the zone's apex NS RRset from the authority section of an authoritative answer. */
  apexNs?: SignedRRset;
}

export type Emit = (event: ResolverEvent) => void;

export function sigsFor(records: readonly RR[], owner: Name, type: RRTypeName): RR[] {
  return records.filter((r) => r.type === 'RRSIG' && nameEquals(r.name, owner) && (r.data as RrsigData).typeCovered === type);
}

export function nonSig(records: readonly RR[]): RR[] {
  return records.filter((r) => r.type !== 'RRSIG');
}

const SECURITY_ORDER: Record<CacheSecurity, number> = { secure: 0, unchecked: 1, indeterminate: 2, insecure: 3, bogus: 4 };
/** The weaker of two security states (bogus beats everything; secure only if both are). */
export function weaker(a: CacheSecurity, b: CacheSecurity): CacheSecurity {
  return SECURITY_ORDER[a] >= SECURITY_ORDER[b] ? a : b;
}

/**
 * Data at `name` from the cache as a piece, or undefined. `ctx`: the resolution asking (its id goes into the
 * cache events; `stale` is set when stale data is handed out).
 * `forClient`: the data answers a client's question (not a nameserver address or a DS/DNSKEY the
 * validator needs). Glue and referral NS sets are then not answers (RFC 2181 §5.4.1: data from the
 * additional section and from the authority section of a non-authoritative answer is never returned
 * as an answer); the question goes to the zone's servers. Unbound builds answers from its message
 * cache, not from such RRsets, except DS/DNSKEY not taken from an additional section
 * (services/cache/dns.c dns_cache_lookup); BIND's cache does not return glue-trust data to clients.
 */
export function pieceFromCache(
  cache: ResolverCache,
  clock: Clock,
  emit: Emit,
  ctx: { id: number; stale: boolean },
  name: Name,
  qtype: RRTypeName,
  validate: boolean,
  allowStale = false,
  forClient = true,
): Piece | undefined {
  const zoneGuess = cache.closestNs(name, { allowStale: true })?.rrset.name ?? ROOT;
  const mk = (kind: Piece['kind'], rrsets: SignedRRset[], security: CacheSecurity, extra: Partial<Piece> = {}): Piece => ({
    kind,
    rrsets,
    authority: [],
    zone: zoneGuess,
    security: validate ? security : 'unchecked',
    fromCache: true,
    ...extra,
  });
  const found = cache.get(name, qtype, { allowStale });
  const notAnAnswer =
    forClient && found !== undefined && (found.trust === Trust.Additional || (found.trust === Trust.NonAuthAuthority && qtype !== 'DS' && qtype !== 'DNSKEY'));
  const direct = notAnAnswer ? undefined : found;
  if (direct) {
    emit({ type: 'cache', time: clock.now(), resolution: ctx.id, action: direct.stale ? 'stale' : 'hit', qname: name, qtype });
    if (direct.stale) ctx.stale = true;
    const rrset: RRset = { name: direct.records[0]!.name, type: qtype, class: direct.records[0]!.class, ttl: direct.records[0]!.ttl, records: direct.records };
    const piece = mk('answer', [{ rrset, signatures: direct.signatures, security: direct.security, trust: direct.trust }], direct.security, {
      stale: direct.stale,
    });
    if (direct.ede !== undefined) piece.ede = direct.ede;
    if (direct.reason !== undefined) piece.reason = direct.reason;
    return piece;
  }
  if (qtype !== 'CNAME') {
    const cname = cache.get(name, 'CNAME', { allowStale });
    if (cname) {
      emit({ type: 'cache', time: clock.now(), resolution: ctx.id, action: cname.stale ? 'stale' : 'hit', qname: name, qtype: 'CNAME' });
      if (cname.stale) ctx.stale = true;
      const rrset: RRset = { name: cname.records[0]!.name, type: 'CNAME', class: 'IN', ttl: cname.records[0]!.ttl, records: cname.records };
      const piece = mk('cname', [{ rrset, signatures: cname.signatures, security: cname.security, trust: cname.trust }], cname.security, {
        next: cname.records[0]!.data as Name,
        stale: cname.stale,
      });
      if (cname.ede !== undefined) piece.ede = cname.ede;
      return piece;
    }
  }
  const neg = cache.getNegative(name, qtype, { allowStale });
  if (neg) {
    emit({ type: 'cache', time: clock.now(), resolution: ctx.id, action: neg.stale ? 'stale' : 'negative-hit', qname: name, qtype });
    if (neg.stale) ctx.stale = true;
    const authority = neg.authority.map((r) => ({ ...r, ttl: Math.min(r.ttl, neg.ttl) }) as RR);
    const piece = mk(neg.kind, [], neg.security, { authority, zone: neg.zone, stale: neg.stale, negativeTtl: neg.ttl });
    if (neg.ede !== undefined) piece.ede = neg.ede;
    if (neg.reason !== undefined) piece.reason = neg.reason;
    return piece;
  }
  return undefined;
}

/** Put what a piece taught us into the cache. */
export function storePiece(cache: ResolverCache, piece: Piece, qname: Name, qtype: RRTypeName): void {
  if (piece.fromCache && piece.security === 'unchecked') return;
  const extra = (): { ede?: number; reason?: string } => ({
    ...(piece.ede !== undefined ? { ede: piece.ede } : {}),
    ...(piece.reason !== undefined ? { reason: piece.reason } : {}),
  });
  for (const s of piece.rrsets) {
    if (s.synthesized) continue;
    cache.storeRRset(s.rrset, s.signatures, s.trust, s.security, s.security === 'bogus' ? extra() : {});
  }
  if ((piece.kind === 'nxdomain' || piece.kind === 'nodata') && !piece.aggressive) {
    const soa = piece.authority.find((r) => r.type === 'SOA');
    if (!soa) return; // RFC 2308 §5: without an SOA, negative answers are not cached
    const last = piece.next ?? qname;
    const ttl = piece.negativeTtl ?? cache.negativeTtl(soa);
    cache.storeNegative({ kind: piece.kind, qname: last, qtype, zone: piece.zone, authority: piece.authority, security: piece.security, ...extra() }, ttl);
  }
}
