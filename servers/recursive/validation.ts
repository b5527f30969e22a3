// DNSSEC validation for the engine (RFC 4035 §5, RFC 5155 §8): the top-down DS/DNSKEY walk from the closest trust
// anchor (securityFor), RRSIGs of every answer RRset, wildcard and NXDOMAIN/NODATA proofs, and what referrals prove
// about the child's DS. The DS and DNSKEY it needs are looked up through the iterator it is given (`RawLookup`), as
// Unbound's validator module asks its iterator (validator/validator.c).

import { ancestorWithLabels, canonicalCompare, isSubdomain, labelCount, labels, nameEquals } from '../../dns/name.ts';
import { groupRRsets } from '../../dns/rrset.ts';
import type { Name, Nsec3Data, NsecData, RR, RRTypeName, RrsigData } from '../../dns/types.ts';
import { verifyDenial, type DenialKind } from '../../dns/dnssec/denial.ts';
import { verifyDnskeys, verifyRRset } from '../../dns/dnssec/validate.ts';
import { base32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import type { Clock } from '../../net/network.ts';
import { rememberDenials } from './aggressive.ts';
import { Trust, type CacheSecurity, type KeyEntry, type ResolverCache } from './cache.ts';
import type { Referral } from './classify.ts';
import type { UpstreamPurpose } from './events.ts';
import { nonSig, sigsFor, weaker, type Piece, type SignedRRset } from './piece.ts';
import { EdeCode } from '../../dns/wire/edns.ts';
import { type Ctx, type Outcome } from './resolution.ts';
import type { ResolverSettings } from './settings.ts';

/** An unvalidated lookup of `name`/`qtype` one level deeper than `depth` (the DS and DNSKEY the validator needs). */
export type RawLookup = (ctx: Ctx, name: Name, qtype: RRTypeName, depth: number, purpose: UpstreamPurpose) => Promise<Outcome>;

export class Validator {
  private readonly anchors: readonly RR[];

  constructor(
    private readonly settings: ResolverSettings,
    private readonly cache: ResolverCache,
    private readonly clock: Clock,
    trustAnchors: readonly RR[],
    private readonly rawLookup: RawLookup,
  ) {
    this.anchors = trustAnchors.filter((r) => r.type === 'DS' || r.type === 'DNSKEY');
  }

  /** Validation is on and there is a trust anchor to start from. */
  get validating(): boolean {
    return this.settings.validate && this.anchors.length > 0;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /**
   * Cache the apex NS of an answer with its validation state (Knot Resolver validates the authority section
   * with the answer and stashes it: lib/layer/validate.c validate_records, lib/cache/api.c cache_stash).
   * A signed zone's NS that does not verify is bogus and not kept.
   */
  async storeApexNs(ctx: Ctx, ns: SignedRRset, validate: boolean, depth: number): Promise<void> {
    let security: CacheSecurity = 'unchecked';
    let rrset = ns.rrset;
    if (validate) {
      const keys = await this.securityFor(ctx, rrset.name, depth);
      if (keys.status === 'bogus') return;
      if (keys.status === 'insecure') security = 'insecure';
      else {
        const v = verifyRRset(rrset, ns.signatures, keys.keys, keys.zone, this.nowSeconds());
        if (v.status !== 'secure') return;
        if (v.ttl !== undefined) rrset = { ...rrset, ttl: Math.min(rrset.ttl, v.ttl) };
        security = 'secure';
      }
    }
    this.cache.storeRRset(rrset, ns.signatures, Trust.AuthAuthority, security);
  }

  /**
   * settings.referralNoDsOverridesCachedDs: the referral proves with the parent's keys (fetched again if their
   * cache entry expired) that the child has no DS → the child is insecure from now on; a DS cached earlier is
   * dropped (Knot Resolver 5.6 lib/layer/validate.c update_delegation: DNSSEC_NODS, the NS ranked
   * KR_RANK_INSECURE; PowerDNS 4.8 syncres.cc processRecords "got negative indication of DS record").
   * A proof that does not validate changes nothing.
   */
  async insecureFromReferral(ctx: Ctx, referral: Referral, parentZone: Name, depth: number): Promise<void> {
    if (!this.validating || referral.ds || referral.proof.length === 0) return;
    const keys = await this.securityFor(ctx, parentZone, depth);
    if (keys.status !== 'secure' || !nameEquals(keys.zone, parentZone)) return;
    if (this.verifyAuthority(referral.proof, keys).status !== 'secure') return;
    const records = referral.proof.filter((r) => r.type === 'NSEC' || r.type === 'NSEC3');
    if (this.delegationBits(referral.zone, keys.zone, records) === 'not-a-cut') return;
    const v = verifyDenial('no-ds', { qname: referral.zone, qtype: 'DS', zone: keys.zone }, records);
    if (v.status !== 'secure' && v.status !== 'insecure' && !(v.optOut ?? false)) return;
    const ttl = Math.min(this.settings.maxNegativeTtl, ...records.map((r) => r.ttl));
    this.cache.deleteRRset(referral.zone, 'DS');
    this.cache.storeNegative({ kind: 'nodata', qname: referral.zone, qtype: 'DS', zone: parentZone, authority: referral.proof, security: 'secure' }, ttl);
    this.keyEntry(referral.zone, 'insecure', [], `insecure delegation (referral): ${v.reason}`, ttl);
  }

  private anchorFor(name: Name): { zone: Name; records: RR[] } | undefined {
    let best: Name | undefined;
    for (const a of this.anchors) {
      if (isSubdomain(name, a.name) && (best === undefined || labelCount(a.name) > labelCount(best))) best = a.name;
    }
    if (best === undefined) return undefined;
    return { zone: best, records: this.anchors.filter((a) => nameEquals(a.name, best!)) };
  }

  private keyEntry(zone: Name, status: KeyEntry['status'], keys: RR[], reason: string, ttlSeconds: number, ede?: number): KeyEntry {
    const ttl = status === 'bogus' ? Math.min(ttlSeconds, this.settings.bogusTtl) : ttlSeconds;
    const e: KeyEntry = { zone, status, keys, reason, expiresAt: Math.floor(this.clock.now() / 1000) * 1000 + Math.max(0, ttl) * 1000 }; // whole seconds, as the cache (cache.ts now())
    if (ede !== undefined) e.ede = ede;
    this.cache.storeKeys(e);
    return e;
  }

  /** Fetch and authenticate the DNSKEY RRset of `zone` against DS/anchor records (RFC 4035 §5.2). */
  private async fetchKeys(ctx: Ctx, zone: Name, anchors: RR[], anchorsTtl: number, depth: number): Promise<KeyEntry> {
    const r = await this.rawLookup(ctx, zone, 'DNSKEY', depth, 'dnskey');
    const set = r.answer.find((s) => s.rrset.type === 'DNSKEY' && nameEquals(s.rrset.name, zone));
    if (r.rcode !== 'NOERROR' || !set) {
      return this.keyEntry(
        zone,
        'bogus',
        [],
        `no DNSKEY RRset for ${zone} (${r.rcode}) although the parent has DS`,
        this.settings.bogusTtl,
        EdeCode.DNSKEY_MISSING,
      );
    }
    const v = verifyDnskeys(set.rrset, set.signatures, anchors, this.nowSeconds());
    if (v.status === 'secure') {
      this.cache.storeRRset(set.rrset, set.signatures, Trust.AuthAnswer, 'secure', { ttl: set.rrset.ttl });
      return this.keyEntry(zone, 'secure', set.rrset.records, v.reason, Math.min(this.cache.clampTtl(set.rrset.ttl), anchorsTtl));
    }
    if (v.status === 'insecure') return this.keyEntry(zone, 'insecure', [], v.reason, Math.min(set.rrset.ttl, anchorsTtl));
    return this.keyEntry(zone, 'bogus', [], v.reason, this.settings.bogusTtl, v.ede ?? EdeCode.DNSSEC_BOGUS);
  }

  /**
   * Security of the zone `target` (the signer of some data, or the zone whose
   * servers gave unsigned data): walk down from the closest trust anchor one
   * label at a time, DS then DNSKEY at each zone cut (RFC 4035 §5.1–5.2),
   * until `target` is reached, an insecure delegation is proven, or
   * something fails. Results are kept per zone until the DS/DNSKEY TTLs run out.
   */
  private async securityFor(ctx: Ctx, target: Name, depth: number): Promise<KeyEntry> {
    const anchor = this.anchorFor(target);
    if (!anchor) return { zone: target, status: 'insecure', keys: [], reason: `no trust anchor above ${target}`, expiresAt: Infinity };
    let cur = this.cache.getKeys(anchor.zone) ?? (await this.fetchKeys(ctx, anchor.zone, anchor.records, this.settings.maxTtl, depth));
    let at = anchor.zone;
    while (cur.status === 'secure' && !nameEquals(at, target)) {
      const next = ancestorWithLabels(target, labelCount(at) + 1);
      at = next;
      const known = this.cache.getKeys(next);
      if (known) {
        cur = known;
        continue;
      }
      const ds = await this.rawLookup(ctx, next, 'DS', depth, 'ds');
      const dsSet = ds.answer.find((s) => s.rrset.type === 'DS' && nameEquals(s.rrset.name, next));
      if (ds.rcode === 'NOERROR' && dsSet) {
        const v = verifyRRset(dsSet.rrset, dsSet.signatures, cur.keys, cur.zone, this.nowSeconds());
        if (v.status !== 'secure') {
          cur = this.keyEntry(next, 'bogus', [], `DS for ${next}: ${v.reason}`, this.settings.bogusTtl, v.ede ?? EdeCode.DNSSEC_BOGUS);
          break;
        }
        // Mark it validated without extending its life: a cached DS keeps its original expiry.
        this.cache.storeRRset(dsSet.rrset, dsSet.signatures, dsSet.trust, 'secure', { ttl: Math.min(dsSet.rrset.ttl, v.ttl ?? Infinity) });
        const dsTtl = this.cache.get(next, 'DS')?.records[0]?.ttl ?? dsSet.rrset.ttl;
        cur = await this.fetchKeys(ctx, next, dsSet.rrset.records, dsTtl, depth);
        continue;
      }
      if (ds.rcode === 'SERVFAIL') {
        cur = this.keyEntry(
          next,
          'bogus',
          [],
          `could not fetch DS for ${next}: ${ds.reason ?? 'SERVFAIL'}`,
          this.settings.bogusTtl,
          ds.ede ?? EdeCode.DNSSEC_BOGUS,
        );
        break;
      }
      // NODATA/NXDOMAIN for DS: either an insecure delegation or not a zone cut at all.
      const proof = ds.authority;
      const sigCheck = this.verifyAuthority(proof, cur);
      if (sigCheck.status !== 'secure') {
        cur = this.keyEntry(next, 'bogus', [], `denial of DS for ${next}: ${sigCheck.reason}`, this.settings.bogusTtl, sigCheck.ede ?? EdeCode.NSEC_MISSING);
        break;
      }
      const records = proof.filter((r) => r.type === 'NSEC' || r.type === 'NSEC3');
      const cut = this.delegationBits(next, cur.zone, records);
      if (cut === 'not-a-cut') continue; // same keys, one label deeper
      const v = verifyDenial('no-ds', { qname: next, qtype: 'DS', zone: cur.zone }, records);
      const ttl = Math.min(this.settings.maxNegativeTtl, ...records.map((r) => r.ttl));
      if (v.status === 'secure' || v.status === 'insecure' || (v.optOut ?? false)) {
        cur = this.keyEntry(next, 'insecure', [], `insecure delegation: ${v.reason}`, ttl);
        break;
      }
      cur = this.keyEntry(next, 'bogus', [], `no DS for ${next} and no valid proof: ${v.reason}`, this.settings.bogusTtl, v.ede ?? EdeCode.NSEC_MISSING);
      break;
    }
    return cur;
  }

  /**
   * Does the DS denial at `name` describe a delegation? With NSEC the record
   * at `name` shows NS without SOA (RFC 4035 §5.2); a covering NSEC or an
   * NSEC at `name` without NS means there is no zone cut there.
   */
  private delegationBits(name: Name, zone: Name, records: RR[]): 'cut' | 'not-a-cut' | 'unknown' {
    for (const r of records) {
      if (r.type === 'NSEC' && nameEquals(r.name, name)) {
        const types = (r.data as NsecData).types;
        return types.includes('NS') && !types.includes('SOA') ? 'cut' : 'not-a-cut';
      }
      // An empty non-terminal: the covering NSEC's next name lies below it (RFC 4035 §3.1.3.2, RFC 5155 §7.2.3 for NSEC3 ENTs below).
      if (r.type === 'NSEC') {
        const next = (r.data as NsecData).nextDomain;
        if (canonicalCompare(r.name, name) < 0 && canonicalCompare(name, next) < 0 && isSubdomain(next, name)) return 'not-a-cut';
      }
      if (r.type === 'NSEC3') {
        const d = r.data as Nsec3Data;
        const hash = base32hex(nsec3Hash(name, d.salt, d.iterations)).toLowerCase();
        if (labels(r.name)[0]?.toLowerCase() === hash && isSubdomain(r.name, zone)) {
          return d.types.includes('NS') && !d.types.includes('SOA') ? 'cut' : 'not-a-cut';
        }
      }
    }
    return 'unknown';
  }

  /** Verify the RRSIGs of every SOA/NSEC/NSEC3 RRset in an authority section with a zone's keys. */
  private verifyAuthority(authority: readonly RR[], keys: KeyEntry): { status: 'secure' | 'bogus'; reason: string; ede?: number } {
    const sets = groupRRsets(nonSig(authority));
    if (!sets.some((s) => s.type === 'NSEC' || s.type === 'NSEC3')) return { status: 'bogus', reason: 'no NSEC/NSEC3 records', ede: EdeCode.NSEC_MISSING };
    for (const s of sets) {
      const v = verifyRRset(s, sigsFor(authority, s.name, s.type), keys.keys, keys.zone, this.nowSeconds());
      if (v.status !== 'secure') {
        const out: { status: 'bogus'; reason: string; ede?: number } = { status: 'bogus', reason: `${s.name} ${s.type}: ${v.reason}` };
        if (v.ede !== undefined) out.ede = v.ede;
        return out;
      }
    }
    return { status: 'secure', reason: 'signatures verified' };
  }

  /** Validate one piece in place: RRsets, wildcard proofs, negative proofs. */
  async validatePiece(ctx: Ctx, piece: Piece, qname: Name, qtype: RRTypeName, depth: number): Promise<void> {
    const setBogus = (reason: string, ede: number | undefined) => {
      piece.security = 'bogus';
      piece.reason = reason;
      piece.ede = ede ?? EdeCode.DNSSEC_BOGUS;
      for (const s of piece.rrsets) s.security = 'bogus';
    };
    let security: CacheSecurity = 'secure';
    let dnameSecurity: CacheSecurity | undefined;
    for (const s of piece.rrsets) {
      if (s.synthesized) {
        s.security = dnameSecurity ?? 'insecure';
        security = weaker(security, s.security);
        continue;
      }
      if (s.security !== 'unchecked') {
        security = weaker(security, s.security);
        continue;
      }
      const signer = s.signatures.length > 0 ? (s.signatures[0]!.data as RrsigData).signersName : piece.zone;
      if (!isSubdomain(s.rrset.name, signer)) {
        setBogus(`RRSIG signer ${signer} is not an ancestor of ${s.rrset.name}`, EdeCode.DNSSEC_BOGUS);
        return;
      }
      const keys = await this.securityFor(ctx, signer, depth);
      if (keys.status === 'bogus') {
        setBogus(keys.reason, keys.ede);
        return;
      }
      if (keys.status === 'insecure') {
        s.security = 'insecure';
      } else if (s.signatures.length === 0) {
        setBogus(`${s.rrset.name} ${s.rrset.type} has no RRSIG although ${keys.zone} is signed`, EdeCode.RRSIGS_MISSING);
        return;
      } else {
        const v = verifyRRset(s.rrset, s.signatures, keys.keys, signer, this.nowSeconds());
        if (v.status !== 'secure') {
          setBogus(`${s.rrset.name} ${s.rrset.type}: ${v.reason}`, v.ede);
          return;
        }
        if (v.ttl !== undefined)
          s.rrset = { ...s.rrset, ttl: Math.min(s.rrset.ttl, v.ttl), records: s.rrset.records.map((r) => ({ ...r, ttl: Math.min(r.ttl, v.ttl!) }) as RR) };
        if (v.wildcard !== undefined) {
          // RFC 4035 §5.3.4: a wildcard expansion needs proof that no closer name exists.
          const proofCheck = this.verifyAuthority(piece.authority, keys);
          const records = piece.authority.filter((r) => r.type === 'NSEC' || r.type === 'NSEC3');
          const d =
            proofCheck.status === 'secure'
              ? verifyDenial('wildcard-answer', { qname: s.rrset.name, qtype: s.rrset.type, zone: keys.zone }, records, { wildcard: v.wildcard })
              : undefined;
          if (!d || d.status !== 'secure') {
            setBogus(
              `wildcard answer for ${s.rrset.name} without a valid no-closer-match proof: ${d?.reason ?? proofCheck.reason}`,
              d?.ede ?? EdeCode.NSEC_MISSING,
            );
            return;
          }
          rememberDenials(this.cache, keys.zone, piece.authority, undefined, d.optOut ?? false);
          // Keep the wildcard RRset itself too, so other names it covers can be answered from cache (RFC 8198 §5.3).
          const wild = v.wildcard;
          this.cache.storeRRset(
            { ...s.rrset, name: wild, records: s.rrset.records.map((r) => ({ ...r, name: wild }) as RR) },
            s.signatures.map((g) => ({ ...g, name: wild }) as RR),
            Trust.AuthAnswer,
            'secure',
          );
        }
        s.security = 'secure';
      }
      if (s.rrset.type === 'DNAME') dnameSecurity = s.security;
      security = weaker(security, s.security);
    }
    if (piece.kind === 'nxdomain' || piece.kind === 'nodata') {
      const denied = piece.next ?? qname;
      const keys = await this.securityFor(ctx, piece.zone, depth);
      if (keys.status === 'bogus') {
        setBogus(keys.reason, keys.ede);
        return;
      }
      if (keys.status === 'secure') {
        const sigCheck = this.verifyAuthority(piece.authority, keys);
        if (sigCheck.status !== 'secure') {
          setBogus(`${piece.kind} for ${denied}: ${sigCheck.reason}`, sigCheck.ede ?? EdeCode.NSEC_MISSING);
          return;
        }
        const records = piece.authority.filter((r) => r.type === 'NSEC' || r.type === 'NSEC3');
        const kinds: DenialKind[] = piece.kind === 'nxdomain' ? ['nxdomain'] : ['nodata', 'wildcard-nodata'];
        let verdict: ReturnType<typeof verifyDenial> | undefined;
        for (const k of kinds) {
          verdict = verifyDenial(k, { qname: denied, qtype, zone: keys.zone }, records);
          if (verdict.status === 'secure' || verdict.status === 'insecure') break;
        }
        if (!verdict || (verdict.status !== 'secure' && verdict.status !== 'insecure')) {
          setBogus(`${piece.kind} for ${denied} not proven: ${verdict?.reason ?? 'no proof'}`, verdict?.ede ?? EdeCode.NSEC_MISSING);
          return;
        }
        const soa = piece.authority.find((r) => r.type === 'SOA');
        if (verdict.status === 'secure') {
          rememberDenials(this.cache, keys.zone, piece.authority, soa, verdict.optOut ?? false);
          if (soa) this.cache.storeRRset(groupRRsets([soa])[0]!, sigsFor(piece.authority, soa.name, 'SOA'), Trust.AuthAuthority, 'secure');
        }
        security = weaker(security, verdict.status === 'secure' && !(verdict.optOut ?? false) ? 'secure' : 'insecure');
      } else {
        security = weaker(security, 'insecure');
      }
    }
    piece.security = security;
  }
}
