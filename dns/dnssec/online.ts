// Online signing: sign answers as they are served, the way managed DNS
// services with on-the-fly signing do (Route 53, Cloudflare, NS1 ...).
// Implements the authoritative server's per-zone hook
// `{ signAnswer(response, query, zone): Message }` (servers/authoritative/zone-set.ts):
// the server hands over the UNSIGNED answer and we add RRSIGs and
// denial-of-existence records made up for this one answer.
//
// Denial uses minimally covering NSEC records (RFC 4470 "white lies"):
// - NODATA at a name that exists (or is synthesised from a wildcard, or is an
//   empty non-terminal): NSEC owner = qname, next = "\000.qname", bitmap =
//   the types that exist there + RRSIG NSEC. This is what Route 53 sends.
// - NXDOMAIN: an NSEC whose owner is the immediate predecessor of qname
//   (RFC 4471 §3 epsilon, simplified) and next = "\000.qname", and one like it
//   for the wildcard at the closest encloser; or, with `nxdomain: 'compact'`,
//   the "black lie" (RFC 9824): NOERROR + NSEC owner = qname, bitmap RRSIG NSEC
//   (+ NXNAME when `nxname` is set).
// - A wildcard-synthesised answer gets the NSEC covering qname (RFC 4035 §3.1.3.3).
// - A referral gets the signed DS, or the NSEC at the cut proving no DS (§3.1.4).

import { groupRRsets, type RRset } from '../rrset.ts';
import {
  ancestorWithLabels,
  canonicalCompare,
  fromLabels,
  isSubdomain,
  joinName,
  labelCount,
  labelFromOctets,
  labelOctets,
  labels,
  nameEquals,
  wireLength,
} from '../name.ts';
import type { Message, Name, RR, RrsigData, RRTypeName } from '../types.ts';
import type { Zone } from '../zone/zone.ts';
import { makeDs } from './algorithms.ts';
import type { SigningKey } from './keys.ts';
import { flipSignatureOctets, isBelowDname, signingRoles, signRRset, type ZoneSigningQuirk } from './sign.ts';
import { typeToNumber } from '../wire/types-map.ts';

/** Incident behaviour of an online signer, as data. */
export type OnlineSigningQuirk =
  | ZoneSigningQuirk
  /**
   * Slack / Route 53, 2021-09-30: the NODATA NSEC for a name that exists only
   * through a wildcard lists just RRSIG NSEC, omitting the wildcard's types
   * (e.g. `app.slack.com AAAA` → NSEC bitmap without A). Resolvers doing
   * aggressive NSEC caching (RFC 8198) then deny the A record too.
   */
  | { kind: 'nsec-bitmap-omits-wildcard-types' };

export interface OnlineSignerOptions {
  /** Active signing keys of the zone (KSKs sign DNSKEY/CDS/CDNSKEY; see signingRoles). */
  keys: readonly SigningKey[];
  /** Lab time in milliseconds since the epoch (the lab Clock's `now`). */
  now: () => number;
  /** RRSIG inception = now - this (seconds). Default 3600 (clock skew allowance). */
  inceptionOffset?: number;
  /** RRSIG expiration = now + this (seconds). Default 7 days. */
  validity?: number;
  /** NXDOMAIN style; default 'white-lies'. */
  nxdomain?: 'white-lies' | 'compact';
  /** With 'compact': set the NXNAME pseudo-type (TYPE128, RFC 9824) in the bitmap. */
  nxname?: boolean;
  quirks?: OnlineSigningQuirk[];
}

const DNSSEC_TYPES = new Set<RRTypeName>(['RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM']);
const KEY_SET_TYPES = new Set<RRTypeName>(['DNSKEY', 'CDS', 'CDNSKEY']);
type Section = 'answer' | 'authority' | 'additional';

export class OnlineSigner {
  private options: OnlineSignerOptions;
  private quirks: OnlineSigningQuirk[];

  constructor(options: OnlineSignerOptions) {
    this.options = options;
    this.quirks = [...(options.quirks ?? [])];
  }

  setQuirks(quirks: OnlineSigningQuirk[]): void {
    this.quirks = [...quirks];
  }

  get keys(): readonly SigningKey[] {
    return this.options.keys;
  }

  /** Change the signing keys (a rollover step); publish the DNSKEY RRset with rollover.ts `publishState`. */
  setKeys(keys: readonly SigningKey[]): void {
    this.options = { ...this.options, keys: [...keys] };
  }

  signAnswer(response: Message, query: Message, zone: Zone): Message {
    const nowSeconds = Math.floor(this.options.now() / 1000);
    const ctx = new AnswerSigning(zone, this.options, this.quirks, nowSeconds);
    return ctx.sign(response, query);
  }
}

/** Put the zone's DNSKEY RRset (and CDS/CDNSKEY for the KSKs when asked) into the zone an online signer serves. */
export function publishKeys(zone: Zone, keys: readonly SigningKey[], options: { ttl?: number; cds?: boolean } = {}): void {
  const ttl = options.ttl ?? 3600;
  for (const k of keys) zone.add(k.dnskeyRecord(ttl));
  if (options.cds) {
    for (const k of keys.filter((key) => key.isKsk)) {
      zone.add({ name: zone.origin, type: 'CDNSKEY', class: 'IN', ttl, data: { ...k.dnskey } });
      zone.add({ name: zone.origin, type: 'CDS', class: 'IN', ttl, data: makeDs(zone.origin, k.dnskey, 2) });
    }
  }
}

/** "\000.name" — the name immediately after `name` in canonical order (RFC 4471 §3.1.2). */
export function immediateSuccessor(name: Name): Name {
  if (wireLength(name) + 2 <= 255) return joinName('\\000', name);
  // No room for another label: grow the leftmost label instead (its descendants come before it).
  const ls = labels(name);
  const first = labelOctets(ls[0] ?? '');
  if (first.length < 63 && wireLength(name) + 1 <= 255) return fromLabels([labelFromOctets(Buffer.concat([first, Buffer.from([0])])), ...ls.slice(1)]);
  return name;
}

/**
 * The first name after `name` that is not one of its descendants: the leftmost
 * label extended by a \000 octet (RFC 4471 §3.1.2). An NSEC covering a name
 * that does not exist must end here, not at "\000.name": a next name below
 * `name` would say `name` is an empty non-terminal, and validators (BIND's
 * among them) then derive the wrong closest encloser.
 */
export function successorAfterDescendants(name: Name): Name {
  const ls = labels(name);
  if (ls.length === 0) return name;
  const first = labelOctets(ls[0]!);
  const rest = ls.slice(1);
  if (first.length < 63 && wireLength(name) + 1 <= 255) return fromLabels([labelFromOctets(Buffer.concat([first, Buffer.from([0])])), ...rest]);
  const last = first[first.length - 1]!;
  if (last === 0xff) return immediateSuccessor(name);
  let inc = last + 1;
  if (inc >= 0x41 && inc <= 0x5a) inc = 0x5b; // uppercase sorts as lowercase; '[' is the next octet above 'Z' that keeps its place
  return fromLabels([labelFromOctets(Buffer.concat([first.subarray(0, first.length - 1), Buffer.from([inc])])), ...rest]);
}

/**
 * A name shortly before `name` in canonical order with nothing between it and
 * `name` except its own (hypothetical) descendants (RFC 4471 §3.1.1, simplified):
 * the leftmost label with its last octet decremented and padded with \255.
 */
export function epsilonPredecessor(name: Name): Name {
  const ls = labels(name);
  if (ls.length === 0) return name;
  const first = labelOctets(ls[0]!);
  const rest = ls.slice(1);
  const parent = fromLabels(rest);
  const last = first[first.length - 1]!;
  if (last === 0) return first.length === 1 ? parent : fromLabels([labelFromOctets(first.subarray(0, first.length - 1)), ...rest]);
  let dec = last - 1;
  // Canonical order compares lowercase octets: a decremented octet that is an
  // uppercase letter would sort as lowercase (after `name`); '@' is the largest safe one.
  if (dec >= 0x41 && dec <= 0x5a) dec = 0x40;
  const room = Math.min(63 - first.length, 255 - wireLength(parent) - 1 - first.length);
  const label = Buffer.concat([first.subarray(0, first.length - 1), Buffer.from([dec]), Buffer.alloc(Math.max(0, room), 0xff)]);
  return fromLabels([labelFromOctets(label), ...rest]);
}

class AnswerSigning {
  private readonly inception: number;
  private readonly expiration: number;
  private readonly roles: { keySetSigners: SigningKey[]; zoneSigners: SigningKey[] };
  private readonly negTtl: number;
  /** Answer owners synthesised from a wildcard. */
  private readonly expanded: Name[] = [];

  constructor(
    private readonly zone: Zone,
    private readonly options: OnlineSignerOptions,
    private readonly quirks: readonly OnlineSigningQuirk[],
    now: number,
  ) {
    this.inception = now - (options.inceptionOffset ?? 3600);
    this.expiration = now + (options.validity ?? 7 * 86400);
    this.roles = signingRoles(options.keys);
    const soa = zone.soaRRset();
    this.negTtl = soa && zone.soa ? Math.min(soa.ttl, zone.soa.minimum) : 3600;
  }

  sign(response: Message, query: Message): Message {
    const out: Message = { ...response, flags: { ...response.flags }, answer: [], authority: [], additional: [] };
    const q = query.question[0] ?? response.question[0];
    const origin = this.zone.origin;
    // Answer: every RRset from this zone, wildcard expansions with their reduced Labels field.
    for (const set of groupRRsets(response.answer.filter((r) => !DNSSEC_TYPES.has(r.type)))) this.emit(out, 'answer', set);
    // Where the CNAME chain inside the answer ends: the name the rcode / NODATA is about.
    let target = q?.qname ?? origin;
    for (let i = 0; i < 16; i++) {
      const c = response.answer.find((r) => r.type === 'CNAME' && nameEquals(r.name, target));
      if (!c) break;
      target = c.data as Name;
    }
    const authoritySets = groupRRsets(response.authority.filter((r) => !DNSSEC_TYPES.has(r.type)));
    const referral = authoritySets.find((s) => s.type === 'NS' && !nameEquals(s.name, origin));
    for (const set of authoritySets) this.emit(out, 'authority', set);
    if (referral && !response.authority.some((r) => r.type === 'DS')) {
      // RFC 4035 §3.1.4: signed DS, or proof that there is none.
      const ds = this.zone.get(referral.name, 'DS');
      if (ds) this.emit(out, 'authority', ds);
      else this.addNsec(out, referral.name, immediateSuccessor(referral.name), this.typesAt(referral.name));
    }
    const qtype = q?.qtype;
    const inZone = isSubdomain(target, origin);
    if (inZone && !referral && qtype !== undefined) {
      const hasAnswer = response.answer.some((r) => nameEquals(r.name, target) && (r.type === qtype || qtype === 'ANY'));
      const synthesized = this.wildcardFor(target);
      if (response.rcode === 'NXDOMAIN') {
        this.nxdomain(out, target);
      } else if (response.rcode === 'NOERROR' && !hasAnswer) {
        // NODATA at an existing, empty non-terminal or wildcard-synthesised name.
        let types = this.typesAt(target);
        if (!this.zone.hasData(target) && synthesized) {
          types = this.quirks.some((x) => x.kind === 'nsec-bitmap-omits-wildcard-types') ? [] : this.typesAt(synthesized);
        }
        this.addNsec(out, target, immediateSuccessor(target), types);
      }
    }
    // Wildcard answers (also a wildcard CNAME earlier in the chain): prove the
    // expanded name itself does not exist (RFC 4035 §3.1.3.3).
    for (const owner of this.expanded) this.addCovering(out, owner);
    for (const set of groupRRsets(response.additional.filter((r) => !DNSSEC_TYPES.has(r.type)))) {
      const authoritative = isSubdomain(set.name, origin) && !this.zone.isBelowCut(set.name);
      this.emit(out, 'additional', set, !authoritative);
    }
    return out;
  }

  /** The wildcard owner that synthesises `name` in this zone, if any (RFC 4592 §3.3.1). */
  private wildcardFor(name: Name): Name | undefined {
    if (!isSubdomain(name, this.zone.origin) || this.zone.nameExists(name)) return undefined;
    const wildcard = joinName('*', this.zone.closestEncloser(name));
    return this.zone.nameExists(wildcard) ? wildcard : undefined;
  }

  /** Authoritative types at a name as an NSEC bitmap would list them (before RRSIG/NSEC). */
  private typesAt(name: Name): RRTypeName[] {
    const sets = this.zone.rrsetsAt(name).filter((s) => !DNSSEC_TYPES.has(s.type));
    const atCut = !nameEquals(name, this.zone.origin) && sets.some((s) => s.type === 'NS');
    return sets.map((s) => s.type).filter((t) => !atCut || t === 'NS' || t === 'DS');
  }

  private emit(out: Message, section: Section, set: RRset, unsigned = false): void {
    out[section].push(...set.records);
    if (unsigned || !isSubdomain(set.name, this.zone.origin)) return;
    const zone = this.zone;
    // Delegation NS and glue are not signed (RFC 4035 §2.2).
    if (set.type === 'NS' && !nameEquals(set.name, zone.origin)) return;
    if (zone.isBelowCut(set.name) || isBelowDname(zone, set.name)) return;
    let labelsField: number | undefined;
    let originalTTL = zone.get(set.name, set.type)?.ttl;
    if (!zone.get(set.name, set.type)) {
      const wildcard = this.wildcardFor(set.name);
      const w = wildcard && zone.get(wildcard, set.type);
      if (!w) return; // e.g. a CNAME synthesised from a DNAME: unsigned (RFC 6672 §5.3.1)
      labelsField = labelCount(wildcard) - 1;
      if (section === 'answer' && !this.expanded.some((n) => nameEquals(n, set.name))) this.expanded.push(set.name);
      originalTTL = w.ttl;
    }
    this.signInto(out[section], set, labelsField, originalTTL ?? set.ttl);
  }

  private signInto(target: RR[], set: RRset, labelsField: number | undefined, originalTTL: number): void {
    const signers = KEY_SET_TYPES.has(set.type) && nameEquals(set.name, this.zone.origin) ? this.roles.keySetSigners : this.roles.zoneSigners;
    const match = (x: { owner?: Name; type?: RRTypeName; keyTag?: number }, keyTag?: number) =>
      (x.owner === undefined || nameEquals(x.owner, set.name)) &&
      (x.type === undefined || x.type === set.type) &&
      (x.keyTag === undefined || keyTag === undefined || x.keyTag === keyTag);
    for (const key of signers) {
      if (this.quirks.some((x) => x.kind === 'missing-rrsig' && match(x, key.keyTag))) continue;
      const validity = this.quirks.find((x) => x.kind === 'signature-validity' && match(x));
      const times = validity?.kind === 'signature-validity' ? validity : { inception: this.inception, expiration: this.expiration };
      let rrsig: RR;
      try {
        rrsig = signRRset(set, key, {
          signer: this.zone.origin,
          inception: times.inception,
          expiration: times.expiration,
          originalTTL,
          ...(labelsField !== undefined ? { labels: labelsField } : {}),
        });
      } catch {
        // Data that cannot be put in canonical form (a malformed record a scenario
        // planted) goes out unsigned — validators see it as bogus — instead of
        // taking the server down (docs/ARCHITECTURE.md, "Bad input never crashes the lab").
        continue;
      }
      if (this.quirks.some((x) => x.kind === 'corrupt-signature' && match(x, key.keyTag))) {
        const d = rrsig.data as RrsigData;
        rrsig = { ...rrsig, data: { ...d, signature: flipSignatureOctets(d.signature) } };
      }
      target.push({ ...rrsig, ttl: set.ttl });
    }
  }

  private addNsec(out: Message, owner: Name, next: Name, types: RRTypeName[]): void {
    const omit = new Set<RRTypeName>();
    for (const x of this.quirks) if (x.kind === 'bitmap-omit' && nameEquals(x.owner, owner)) for (const t of x.types) omit.add(t);
    const all = [...new Set<RRTypeName>([...types, 'RRSIG', 'NSEC'])].filter((t) => !omit.has(t)).sort((a, b) => typeToNumber(a) - typeToNumber(b));
    if (out.authority.some((r) => r.type === 'NSEC' && nameEquals(r.name, owner))) return;
    const rr: RR = { name: owner, type: 'NSEC', class: 'IN', ttl: this.negTtl, data: { nextDomain: next, types: all } };
    out.authority.push(rr);
    this.signInto(out.authority, { name: owner, type: 'NSEC', class: 'IN', ttl: this.negTtl, records: [rr] }, undefined, this.negTtl);
  }

  /**
   * A minimally covering NSEC for a name that does not exist (RFC 4470 §2).
   * The span covers the next closer name (RFC 5155 §1.3 term: the closest
   * encloser's child on the way to `name`) rather than `name` itself: owner
   * and next are siblings under the closest encloser, so a validator that
   * derives the closest encloser from them (BIND does) finds the right one,
   * and no non-existent ancestor is implied to exist.
   */
  private addCovering(out: Message, qname: Name): void {
    const name = ancestorWithLabels(qname, labelCount(this.zone.closestEncloser(qname)) + 1);
    let owner = epsilonPredecessor(name);
    // A real name between the epsilon predecessor and `name` (a descendant of
    // the predecessor) would be denied by the span: start the span there instead.
    const sorted = this.zone.sortedNames();
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (canonicalCompare(sorted[mid]!, name) < 0) lo = mid + 1;
      else hi = mid;
    }
    const previous = sorted[lo - 1];
    if (previous !== undefined && canonicalCompare(previous, owner) >= 0) owner = previous;
    const types = this.zone.nameExists(owner) ? this.typesAt(owner) : [];
    this.addNsec(out, owner, successorAfterDescendants(name), types);
  }

  private nxdomain(out: Message, name: Name): void {
    if (this.options.nxdomain === 'compact') {
      // RFC 9824: answer NOERROR and "prove" the name exists with no types.
      out.rcode = 'NOERROR';
      this.addNsec(out, name, immediateSuccessor(name), this.options.nxname ? ['TYPE128'] : []);
      return;
    }
    this.addCovering(out, name);
    // RFC 4035 §3.1.3.2: and no wildcard at the closest encloser could have matched
    // (when qname is that wildcard, the first NSEC already covers it).
    this.addCovering(out, joinName('*', this.zone.closestEncloser(name)));
  }
}
