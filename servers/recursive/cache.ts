// The resolver's cache (RFC 1034 §4.3.4, RFC 2181 §5.4.1, RFC 2308, RFC 8198,
// RFC 8767). Everything lives on the lab clock: an entry stores its absolute
// expiry time and hands out records with the remaining TTL. Nothing is
// refreshed behind the caller's back, so cached DS and DNSKEY RRsets live by
// their own TTLs — which is what makes DS-rollback outages last.

import { canonicalName, isSubdomain, labels, nameEquals, ROOT } from '../../dns/name.ts';
import { rrsetKey, type RRset } from '../../dns/rrset.ts';
import type { Name, RR, RRTypeName, SoaData } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import type { ResolverSettings } from './settings.ts';

/**
 * Credibility of cached data, RFC 2181 §5.4.1, lowest first. Data of a lower
 * rank never replaces unexpired data of a higher rank.
 */
export enum Trust {
  /** Additional section: glue and other hints. */
  Additional = 1,
  /** Authority section of a non-authoritative answer (referral NS). */
  NonAuthAuthority = 2,
  /** Answer section of a non-authoritative answer. */
  NonAuthAnswer = 3,
  /** Authority section of an authoritative answer. */
  AuthAuthority = 4,
  /** Answer section of an authoritative answer. */
  AuthAnswer = 5,
  /** Configured (root hints, trust anchors): never replaced by network data of lower standing. */
  Configured = 6,
}

/** DNSSEC state of cached data (RFC 4035 §4.3); 'unchecked' = not validated (validation off or CD=1). */
export type CacheSecurity = 'secure' | 'insecure' | 'bogus' | 'indeterminate' | 'unchecked';

export interface CachedRRset {
  rrset: RRset;
  /** RRSIGs covering the RRset. */
  signatures: RR[];
  trust: Trust;
  security: CacheSecurity;
  /** RFC 8914 code when bogus. */
  ede?: number;
  reason?: string;
  /** Lab-clock ms. */
  storedAt: number;
  expiresAt: number;
}

export interface NegativeEntry {
  kind: 'nxdomain' | 'nodata';
  qname: Name;
  qtype: RRTypeName;
  /** Zone whose SOA came with the answer. */
  zone: Name;
  /** SOA, NSEC/NSEC3 and their RRSIGs from the authority section. */
  authority: RR[];
  security: CacheSecurity;
  ede?: number;
  reason?: string;
  storedAt: number;
  expiresAt: number;
}

/** A validated NSEC/NSEC3 record kept for RFC 8198 synthesis. */
export interface DenialRecord {
  record: RR;
  signatures: RR[];
  zone: Name;
  expiresAt: number;
  optOut: boolean;
}

/** Zone security learned from DS/DNSKEY (like Unbound's key cache). */
export interface KeyEntry {
  zone: Name;
  status: 'secure' | 'insecure' | 'bogus';
  keys: RR[];
  reason: string;
  ede?: number;
  expiresAt: number;
}

export interface CacheLookupOptions {
  /** RFC 8767: return entries up to settings.maxStaleTtl past expiry. */
  allowStale?: boolean;
}

export interface CachedAnswer {
  records: RR[];
  signatures: RR[];
  security: CacheSecurity;
  trust: Trust;
  stale: boolean;
  ede?: number;
  reason?: string;
}

export interface CacheStats {
  rrsets: number;
  negative: number;
  denial: number;
  keys: number;
}

function remainingTtl(expiresAt: number, now: number): number {
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}

function withTtl(records: readonly RR[], ttl: number): RR[] {
  return records.map((r) => ({ ...r, ttl }) as RR);
}

/** Knot Resolver's rank order: validation state first (secure > insecure > anything else), then credibility. */
function nsRank(trust: Trust, security: CacheSecurity): number {
  return (security === 'secure' ? 20 : security === 'insecure' ? 10 : 0) + trust;
}

/**
 * settings.nsReplaceOnlyWhenExpiring (Knot Resolver 5.6 lib/cache/entry_list.c entry_h_splice): a live NS
 * RRset gives way to a secure copy, a higher-ranked copy, or anything once it is expiring — fewer than 5 s or
 * 1 % of its TTL left (lib/cache/impl.h is_expiring: 100 * (ttl_left - 5) < ttl).
 */
function replacesLiveNs(existing: CachedRRset, trust: Trust, security: CacheSecurity, now: number): boolean {
  if (security === 'secure') return true;
  const left = remainingTtl(existing.expiresAt, now);
  const original = Math.round((existing.expiresAt - existing.storedAt) / 1000);
  if (100 * (left - 5) < original) return true;
  return nsRank(trust, security) > nsRank(existing.trust, existing.security);
}

export class ResolverCache {
  /**
   * Bumped by every change to what the cache holds. With the lab second (TTLs are whole seconds, see now()), it is
   * all an answer built from the cache depends on: the server's encoded-answer cache is keyed on both.
   */
  generation = 0;
  private readonly rrsets = new Map<string, CachedRRset>();
  private readonly negatives = new Map<string, NegativeEntry>();
  /** zone (canonical) → owner|type → denial record. */
  private readonly denials = new Map<string, Map<string, DenialRecord>>();
  private readonly keys = new Map<string, KeyEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: ResolverSettings,
  ) {}

  /**
   * Lab time in whole seconds (ms value, floored): every product keeps TTLs as
   * whole seconds against time(2) — Unbound `*env->now`, BIND `isc_stdtime`,
   * PowerDNS `time(nullptr)`, Knot Resolver `kr_now()` — so an entry stored a
   * few ms after a query expires on the same second boundary as in the product.
   */
  private now(): number {
    return Math.floor(this.clock.now() / 1000) * 1000;
  }

  /**
   * Is an entry expiring at `expiresAt` still usable at `now`? On the very
   * second it runs out (0 s left) Unbound uses it (services/cache/rrset.c
   * rrset_cache_lookup: expired only when `timenow > data->ttl`), PowerDNS
   * does not (recursor_cache.cc: usable while `entry->d_ttd > now`) —
   * settings.ttlZeroIsExpired.
   */
  private live(expiresAt: number, now: number): boolean {
    return this.settings.ttlZeroIsExpired ? expiresAt > now : expiresAt >= now;
  }

  /** Clamp a positive TTL to the configured floor/cap. */
  clampTtl(ttl: number): number {
    return Math.min(this.settings.maxTtl, Math.max(this.settings.minTtl, ttl));
  }

  /** RFC 2308 §5: negative TTL = min(SOA TTL, SOA MINIMUM), then floor/cap. */
  negativeTtl(soa: RR | undefined): number {
    const base = soa && soa.type === 'SOA' ? Math.min(soa.ttl, (soa.data as SoaData).minimum) : 0;
    return Math.min(this.settings.maxNegativeTtl, Math.max(this.settings.minNegativeTtl, base));
  }

  /**
   * Store an RRset unless unexpired data of higher trust is present (RFC 2181
   * §5.4.1). Returns whether it was stored. Bogus data is kept only for
   * settings.bogusTtl.
   */
  storeRRset(
    rrset: RRset,
    signatures: readonly RR[],
    trust: Trust,
    security: CacheSecurity,
    extra: { ede?: number; reason?: string; ttl?: number } = {},
  ): boolean {
    if (rrset.records.length === 0) return false;
    this.generation++;
    const key = rrsetKey(rrset.name, rrset.type, rrset.class);
    const now = this.now();
    const existing = this.rrsets.get(key);
    if (existing && this.live(existing.expiresAt, now) && rrset.type === 'NS' && this.settings.nsReplaceOnlyWhenExpiring) {
      if (!replacesLiveNs(existing, trust, security, now)) return false;
    } else if (existing && this.live(existing.expiresAt, now)) {
      if (existing.trust > trust) return false;
      // Same trust: validated data is not replaced by unvalidated copies (RFC 4035 §4.5).
      if (existing.trust === trust && existing.security === 'secure' && security !== 'secure' && security !== 'bogus') return false;
    }
    let ttl = this.clampTtl(extra.ttl ?? rrset.ttl);
    if (security === 'bogus') ttl = Math.min(ttl, this.settings.bogusTtl);
    let expiresAt = now + ttl * 1000;
    // Ghost-domain protection (settings.authNsTtlNotExtended): authoritative NS data never outlives its first copy.
    if (this.settings.authNsTtlNotExtended && existing && this.live(existing.expiresAt, now) && rrset.type === 'NS' && !nameEquals(rrset.name, ROOT)) {
      if (existing.trust >= Trust.AuthAuthority && trust >= Trust.AuthAuthority) expiresAt = Math.min(expiresAt, existing.expiresAt);
    }
    const entry: CachedRRset = {
      rrset: { ...rrset, records: rrset.records.map((r) => ({ ...r })) },
      signatures: signatures.map((s) => ({ ...s })),
      trust,
      security,
      storedAt: now,
      expiresAt,
    };
    if (extra.ede !== undefined) entry.ede = extra.ede;
    if (extra.reason !== undefined) entry.reason = extra.reason;
    this.rrsets.set(key, entry);
    // Positive data at a name overrides a cached NXDOMAIN/NODATA for it.
    this.negatives.delete(this.negKey(rrset.name, rrset.type));
    this.negatives.delete(this.negKey(rrset.name, '*'));
    return true;
  }

  /** Forget one RRset (fresher validated data contradicts it); returns whether there was one. */
  deleteRRset(name: Name, type: RRTypeName): boolean {
    this.generation++;
    return this.rrsets.delete(rrsetKey(name, type));
  }

  /** Update the security state of a cached RRset (after validating it later). */
  setSecurity(name: Name, type: RRTypeName, security: CacheSecurity): void {
    this.generation++;
    const e = this.rrsets.get(rrsetKey(name, type));
    if (e) e.security = security;
  }

  getEntry(name: Name, type: RRTypeName, options: CacheLookupOptions = {}): CachedRRset | undefined {
    const e = this.rrsets.get(rrsetKey(name, type));
    if (!e) return undefined;
    const now = this.now();
    if (this.live(e.expiresAt, now)) return e;
    if (options.allowStale && this.settings.serveStale && this.withinStale(e.expiresAt, now)) return e;
    return undefined;
  }

  private withinStale(expiresAt: number, now: number): boolean {
    return this.settings.maxStaleTtl === 0 || now - expiresAt <= this.settings.maxStaleTtl * 1000;
  }

  /** An RRset with remaining TTLs (or the stale answer TTL), or undefined. */
  get(name: Name, type: RRTypeName, options: CacheLookupOptions = {}): CachedAnswer | undefined {
    const e = this.getEntry(name, type, options);
    if (!e) return undefined;
    const now = this.now();
    const stale = !this.live(e.expiresAt, now);
    const ttl = stale ? this.settings.staleAnswerTtl : remainingTtl(e.expiresAt, now);
    const out: CachedAnswer = {
      records: withTtl(e.rrset.records, ttl),
      signatures: withTtl(e.signatures, ttl),
      security: e.security,
      trust: e.trust,
      stale,
    };
    if (e.ede !== undefined) out.ede = e.ede;
    if (e.reason !== undefined) out.reason = e.reason;
    return out;
  }

  private negKey(name: Name, type: RRTypeName | '*'): string {
    return `${canonicalName(name)}|${type}`;
  }

  /** Cache an NXDOMAIN (for every type at the name) or NODATA (one type), RFC 2308 §5. */
  storeNegative(entry: Omit<NegativeEntry, 'storedAt' | 'expiresAt'>, ttlSeconds: number): void {
    this.generation++;
    const now = this.now();
    let ttl = ttlSeconds;
    if (entry.security === 'bogus') ttl = Math.min(ttl, this.settings.bogusTtl);
    const key = this.negKey(entry.qname, entry.kind === 'nxdomain' ? '*' : entry.qtype);
    this.negatives.set(key, { ...entry, storedAt: now, expiresAt: now + ttl * 1000 });
  }

  getNegative(qname: Name, qtype: RRTypeName, options: CacheLookupOptions = {}): (NegativeEntry & { stale: boolean; ttl: number }) | undefined {
    const now = this.now();
    for (const key of [this.negKey(qname, '*'), this.negKey(qname, qtype)]) {
      const e = this.negatives.get(key);
      if (!e) continue;
      if (this.live(e.expiresAt, now)) return { ...e, stale: false, ttl: remainingTtl(e.expiresAt, now) };
      if (options.allowStale && this.settings.serveStale && this.withinStale(e.expiresAt, now)) {
        return { ...e, stale: true, ttl: this.settings.staleAnswerTtl };
      }
    }
    return undefined;
  }

  /** Keep a validated NSEC/NSEC3 for RFC 8198 synthesis; TTL is min(record TTL, SOA MINIMUM, SOA TTL) per RFC 8198 §5.4 / RFC 9077. */
  storeDenial(zone: Name, record: RR, signatures: readonly RR[], soa: RR | undefined, optOut: boolean): void {
    this.generation++;
    let ttl = record.ttl;
    if (soa && soa.type === 'SOA') ttl = Math.min(ttl, soa.ttl, (soa.data as SoaData).minimum);
    ttl = Math.min(this.settings.maxNegativeTtl, ttl);
    const zkey = canonicalName(zone);
    let m = this.denials.get(zkey);
    if (!m) {
      m = new Map();
      this.denials.set(zkey, m);
    }
    m.set(`${canonicalName(record.name)}|${record.type}`, {
      record: { ...record },
      signatures: signatures.map((s) => ({ ...s })),
      zone,
      optOut,
      expiresAt: this.now() + ttl * 1000,
    });
  }

  /** Unexpired validated denial records of the deepest zone enclosing `name` that has any. */
  denialsFor(name: Name): { zone: Name; records: DenialRecord[] } | undefined {
    const now = this.now();
    let best: { zone: Name; records: DenialRecord[] } | undefined;
    for (const [zkey, m] of this.denials) {
      if (!isSubdomain(name, zkey)) continue;
      const live = [...m.values()].filter((d) => this.live(d.expiresAt, now));
      if (live.length === 0) continue;
      if (!best || labels(zkey).length > labels(best.zone).length) best = { zone: live[0]!.zone, records: live };
    }
    if (!best) return undefined;
    const now2 = now;
    return { zone: best.zone, records: best.records.map((d) => ({ ...d, record: { ...d.record, ttl: remainingTtl(d.expiresAt, now2) } as RR })) };
  }

  storeKeys(entry: KeyEntry): void {
    this.generation++;
    this.keys.set(canonicalName(entry.zone), entry);
  }

  getKeys(zone: Name): KeyEntry | undefined {
    const e = this.keys.get(canonicalName(zone));
    if (!e || !this.live(e.expiresAt, this.now())) return undefined;
    return e;
  }

  /**
   * The closest enclosing NS RRset for `name` (the deepest delegation we know),
   * skipping `excludeAtOrBelow` and deeper (used for DS, which lives at the parent).
   */
  closestNs(name: Name, options: { excludeAtOrBelow?: Name; allowStale?: boolean } = {}): CachedRRset | undefined {
    const ls = labels(name);
    for (let i = 0; i <= ls.length; i++) {
      const candidate = i === ls.length ? '.' : ls.slice(i).join('.');
      if (options.excludeAtOrBelow !== undefined && isSubdomain(candidate, options.excludeAtOrBelow)) continue;
      const e = this.getEntry(candidate, 'NS', { allowStale: options.allowStale ?? false });
      if (e) return e;
    }
    return undefined;
  }

  // -- flush API --------------------------------------------------------------

  /** Forget everything cached at exactly `name` (all types, negative entries, keys). */
  flushName(name: Name): number {
    return this.flushWhere((owner) => nameEquals(owner, name));
  }

  /** Forget `name` and everything below it. */
  flushTree(name: Name): number {
    return this.flushWhere((owner) => isSubdomain(owner, name));
  }

  /** Forget everything. */
  flushAll(): number {
    this.generation++;
    const n = this.rrsets.size + this.negatives.size + this.keys.size + [...this.denials.values()].reduce((a, m) => a + m.size, 0);
    this.rrsets.clear();
    this.negatives.clear();
    this.denials.clear();
    this.keys.clear();
    return n;
  }

  private flushWhere(match: (owner: Name) => boolean): number {
    this.generation++;
    let n = 0;
    for (const [k, e] of this.rrsets) if (match(e.rrset.name)) (this.rrsets.delete(k), n++);
    for (const [k, e] of this.negatives) if (match(e.qname)) (this.negatives.delete(k), n++);
    for (const [k, e] of this.keys) if (match(e.zone)) (this.keys.delete(k), n++);
    for (const [zk, m] of this.denials) {
      for (const [k, d] of m) if (match(d.record.name) || match(d.zone)) (m.delete(k), n++);
      if (m.size === 0) this.denials.delete(zk);
    }
    return n;
  }

  /** Drop entries past expiry (and past the stale window); returns how many went. */
  purgeExpired(): number {
    this.generation++;
    const now = this.now();
    const dead = (exp: number) => !this.live(exp, now) && !(this.settings.serveStale && this.withinStale(exp, now));
    let n = 0;
    for (const [k, e] of this.rrsets) if (dead(e.expiresAt)) (this.rrsets.delete(k), n++);
    for (const [k, e] of this.negatives) if (dead(e.expiresAt)) (this.negatives.delete(k), n++);
    for (const [k, e] of this.keys) if (!this.live(e.expiresAt, now)) (this.keys.delete(k), n++);
    for (const m of this.denials.values()) for (const [k, d] of m) if (!this.live(d.expiresAt, now)) (m.delete(k), n++);
    return n;
  }

  stats(): CacheStats {
    return {
      rrsets: this.rrsets.size,
      negative: this.negatives.size,
      denial: [...this.denials.values()].reduce((a, m) => a + m.size, 0),
      keys: this.keys.size,
    };
  }
}
