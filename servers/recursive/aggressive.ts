// RFC 8198 aggressive use of the DNSSEC-validated cache: NXDOMAIN, NODATA and wildcard answers synthesised from
// cached NSEC/NSEC3 spans with no upstream query (RFC 8198 §5), and the keeping of those spans once validated.
// Unbound keeps this apart from its validator too (validator/val_neg.c).

import { ancestorWithLabels, labelCount, labelOctets, labels, nameEquals, parentName, ROOT } from '../../dns/name.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { Name, Nsec3Data, NsecData, RR, RRTypeName } from '../../dns/types.ts';
import { nsec3Covers, nsecCovers, verifyDenial, type DenialKind } from '../../dns/dnssec/denial.ts';
import { base32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import type { Clock } from '../../net/network.ts';
import { Trust, type ResolverCache } from './cache.ts';
import { sigsFor, type Emit, type Piece } from './piece.ts';
import type { ResolverSettings } from './settings.ts';

/** Keep validated NSEC/NSEC3 records for RFC 8198 (NSEC3 opt-out spans are marked and never used). */
export function rememberDenials(cache: ResolverCache, zone: Name, authority: readonly RR[], soa: RR | undefined, optOut: boolean): void {
  for (const r of authority) {
    if (r.type !== 'NSEC' && r.type !== 'NSEC3') continue;
    const recOptOut = r.type === 'NSEC3' ? ((r.data as Nsec3Data).flags & 1) === 1 || optOut : false;
    cache.storeDenial(zone, r, sigsFor(authority, r.name, r.type), soa, recOptOut);
  }
}
/** Answers synthesised from the cache's validated NSEC/NSEC3 spans, per the profile's switches. */
export class AggressiveNsec {
  constructor(
    private readonly settings: ResolverSettings,
    private readonly cache: ResolverCache,
    private readonly clock: Clock,
    private readonly emit: Emit,
  ) {}

  /**
   * RFC 8198 §5.1–5.2: answer NXDOMAIN/NODATA from validated NSEC (or NSEC3)
   * records in the cache, without asking anyone.
   */
  synthesize(ctx: { id: number; aggressive: boolean }, name: Name, qtype: RRTypeName): Piece | undefined {
    if (!this.settings.aggressiveNsec && !this.settings.aggressiveNsec3) return undefined;
    const found = this.cache.denialsFor(name);
    if (!found) return undefined;
    const usable = found.records.filter((d) => {
      const r = d.record;
      if (r.type === 'NSEC3') return this.settings.aggressiveNsec3 && !d.optOut;
      if (r.type !== 'NSEC' || !this.settings.aggressiveNsec) return false;
      // Product differences (settings.ts): BIND never uses the NSEC at the qname itself;
      // PowerDNS and Knot Resolver never use minimally covering ("black lies") NSECs.
      if (!this.settings.aggressiveNsecExactNodata && nameEquals(r.name, name)) return false;
      if (!this.settings.aggressiveNsecMinimalRanges && isMinimallyCoveringNsec(r)) return false;
      return true;
    });
    if (usable.length === 0) return undefined;
    // Only the records that can matter: at or covering the name, or its possible wildcards.
    const ancestors: Name[] = [];
    for (let n = labelCount(name) - 1; n >= labelCount(found.zone); n--) ancestors.push(ancestorWithLabels(name, n));
    const wildcards = ancestors.map((a) => (nameEquals(a, ROOT) ? '*' : `*.${a}`));
    const relevant = usable.filter((d) => {
      const r = d.record;
      if (r.type === 'NSEC') {
        return (
          nameEquals(r.name, name) ||
          nsecCovers(r, name) ||
          wildcards.some((w) => nameEquals(r.name, w) || nsecCovers(r, w)) ||
          ancestors.some((a) => nameEquals(r.name, a))
        );
      }
      return (
        nsec3Covers(r, name, found.zone) ||
        [name, ...ancestors, ...wildcards].some((n) => {
          const d3 = r.data as Nsec3Data;
          return labels(r.name)[0]?.toLowerCase() === base32hex(nsec3Hash(n, d3.salt, d3.iterations)).toLowerCase() || nsec3Covers(r, n, found.zone);
        })
      );
    });
    if (relevant.length === 0) return undefined;
    const records = relevant.map((d) => d.record);
    const query = { qname: name, qtype, zone: found.zone };
    let kind: 'nxdomain' | 'nodata' | undefined;
    for (const k of ['nxdomain', 'nodata', 'wildcard-nodata'] as DenialKind[]) {
      const v = verifyDenial(k, query, records);
      if (v.status === 'secure' && !(v.optOut ?? false)) {
        kind = k === 'nxdomain' ? 'nxdomain' : 'nodata';
        break;
      }
    }
    if (!kind) return this.expandWildcard(ctx, name, qtype, found.zone, relevant, ancestors);
    // A synthesised negative answer carries the zone's SOA (RFC 8198 §5.1); without a validated one, ask.
    const soa = this.cache.get(found.zone, 'SOA');
    if (!soa || soa.security !== 'secure') return undefined;
    ctx.aggressive = true;
    this.reportSynthesis(ctx, name, qtype, `${kind} synthesised from cached ${records[0]!.type} of ${found.zone} (RFC 8198)`);
    const ttl = Math.min(soa.records[0]!.ttl, ...records.map((r) => r.ttl));
    const authority: RR[] = [...soa.records.map((r) => ({ ...r, ttl }) as RR), ...soa.signatures.map((r) => ({ ...r, ttl }) as RR)];
    for (const d of relevant) authority.push({ ...d.record, ttl } as RR, ...d.signatures.map((s) => ({ ...s, ttl }) as RR));
    return { kind, rrsets: [], authority, zone: found.zone, security: 'secure', fromCache: true, aggressive: true, next: name };
  }

  private reportSynthesis(ctx: { id: number }, name: Name, qtype: RRTypeName, detail: string): void {
    this.emit({ type: 'cache', time: this.clock.now(), resolution: ctx.id, action: 'aggressive-nsec', qname: name, qtype, detail });
  }

  /**
   * RFC 8198 §5.3: a name covered by a cached NSEC under a cached, validated
   * wildcard RRset is answered by expanding that wildcard locally.
   */
  private expandWildcard(
    ctx: { id: number; aggressive: boolean },
    name: Name,
    qtype: RRTypeName,
    zone: Name,
    relevant: { record: RR; signatures: RR[] }[],
    ancestors: Name[],
  ): Piece | undefined {
    const records = relevant.map((d) => d.record);
    for (const ce of ancestors) {
      const wild = nameEquals(ce, ROOT) ? '*' : `*.${ce}`;
      const cached = this.cache.get(wild, qtype);
      if (!cached || cached.security !== 'secure' || cached.signatures.length === 0) continue;
      const v = verifyDenial('wildcard-answer', { qname: name, qtype, zone }, records, { wildcard: wild });
      if (v.status !== 'secure' || (v.optOut ?? false)) continue;
      ctx.aggressive = true;
      this.reportSynthesis(ctx, name, qtype, `answer expanded from cached wildcard ${wild} (RFC 8198 §5.3)`);
      const ttl = Math.min(cached.records[0]!.ttl, ...records.map((r) => r.ttl));
      const expanded = cached.records.map((r) => ({ ...r, name, ttl }) as RR);
      const rrset: RRset = { name, type: qtype, class: expanded[0]!.class, ttl, records: expanded };
      const authority: RR[] = [];
      for (const d of relevant) authority.push({ ...d.record, ttl } as RR, ...d.signatures.map((g) => ({ ...g, ttl }) as RR));
      return {
        kind: 'answer',
        rrsets: [{ rrset, signatures: cached.signatures.map((g) => ({ ...g, name, ttl }) as RR), security: 'secure', trust: Trust.AuthAnswer }],
        authority,
        zone,
        security: 'secure',
        fromCache: true,
        aggressive: true,
      };
    }
    return undefined;
  }
}

/**
 * An NSEC whose next name is \000.owner denies exactly one name (RFC 4470 §3,
 * on-line signers' "black lies"); PowerDNS and Knot Resolver do not synthesise from it.
 */
export function isMinimallyCoveringNsec(r: RR): boolean {
  if (r.type !== 'NSEC') return false;
  const next = (r.data as NsecData).nextDomain;
  const first = labels(next)[0];
  if (first === undefined || labelCount(next) !== labelCount(r.name) + 1) return false;
  const octets = labelOctets(first);
  return octets.length === 1 && octets[0] === 0 && nameEquals(parentName(next), r.name);
}
