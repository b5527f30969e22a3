// Pure answer logic of the authoritative server: one query Message in, one
// response Message out, no I/O. RFC 1034 §4.3.2 with the clarifications of
// RFC 2181 (AA, RRsets), RFC 2308 (negative answers), RFC 4592 (wildcards),
// RFC 6672 (DNAME), RFC 6891 (EDNS), RFC 8482 (ANY) and the DNSSEC serving
// rules of RFC 4035 §3.1 / RFC 5155 §7.2. Size limits and truncation are
// decided later, on the encoded bytes (see truncate.ts).
//
// Where RFCs leave a choice, we do what NSD 4.6 does, because the
// differential test (test/authoritative/nsd-differential.real.test.ts) holds us to it:
// - positive answers carry the apex NS RRset in authority and addresses of
//   NS/MX/SRV targets in additional (NSD's default, minimal-responses off);
// - ANY returns one RRset (RFC 8482 §4.1), the first one at the node;
// - CNAME/DNAME targets are chased inside the same zone only;
// - REFUSED carries EDE 20 "Not Authoritative", an unsupported class EDE 21.

import { canonicalName, fromLabels, isSubdomain, joinName, labelCount, labels, nameProblem } from '../../dns/name.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { Edns, Message, MxData, Name, RcodeName, RR, RRTypeName, SoaData, SrvData } from '../../dns/types.ts';
import { EdeCode, makeEdeOption } from '../../dns/wire/edns.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { denialRecords, signaturesFor, type DenialCase } from './dnssec.ts';
import type { ZoneEntry, ZoneSet } from './zone-set.ts';

export interface AnswerContext {
  /** Transport the query came on (ANY handling and traces may differ). Default 'udp'. */
  transport?: 'udp' | 'tcp';
  /** Our EDNS UDP payload size, echoed in the OPT RR (RFC 6891 §6.2.5). Default 1232, like NSD. */
  udpPayloadSize?: number;
  /** Maximum CNAME/DNAME hops followed inside the server. Default 8. */
  maxChain?: number;
  /** Follow CNAME/DNAME targets into OTHER zones this server holds (RFC 1034 step 1). Default false (NSD, Knot). */
  chaseAcrossZones?: boolean;
  /** Add RFC 8914 Extended DNS Errors to REFUSED answers when the query had EDNS. Default true (NSD does). */
  extendedErrors?: boolean;
}

export const DEFAULT_UDP_PAYLOAD = 1232;

/** RFC 8914 INFO-CODEs we emit. */
/** Types whose RDATA names a host whose addresses go in additional (RFC 1035 §3.3, RFC 2782). */
const ADDITIONAL_TARGET: Partial<Record<RRTypeName, (rr: RR) => Name>> = {
  NS: (rr) => rr.data as Name,
  MX: (rr) => (rr.data as MxData).exchange,
  SRV: (rr) => (rr.data as SrvData).target,
};

function emptyResponse(query: Message): Message {
  return {
    id: query.id,
    opcode: query.opcode,
    rcode: 'NOERROR',
    flags: { qr: true, aa: false, tc: false, rd: query.flags.rd, ra: false, z: false, ad: false, cd: query.flags.cd },
    question: query.question.map((q) => ({ ...q })),
    answer: [],
    authority: [],
    additional: [],
  };
}

class ResponseBuilder {
  readonly res: Message;
  readonly wantDnssec: boolean;
  private readonly seen = new Set<string>();

  constructor(query: Message, wantDnssec: boolean) {
    this.res = emptyResponse(query);
    this.wantDnssec = wantDnssec;
  }

  private key(section: string, owner: Name, type: RRTypeName): string {
    return `${section}|${canonicalName(owner)}|${type}`;
  }

  has(section: 'answer' | 'authority' | 'additional', owner: Name, type: RRTypeName): boolean {
    return this.seen.has(this.key(section, owner, type));
  }

  /**
   * Add an RRset (renamed to `as` for wildcard expansion), plus its RRSIGs when
   * DO=1 (RFC 4035 §3.1.1). Returns false if it was already there.
   */
  add(section: 'answer' | 'authority' | 'additional', zone: Zone, set: RRset, options: { as?: Name; ttl?: number; sign?: boolean } = {}): boolean {
    const owner = options.as ?? set.name;
    const k = this.key(section, owner, set.type);
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    const target = this.res[section];
    for (const rr of set.records) {
      const copy: RR = { ...rr, name: owner };
      if (options.ttl !== undefined) copy.ttl = options.ttl;
      target.push(copy);
    }
    if (this.wantDnssec && options.sign !== false && set.type !== 'RRSIG') {
      // A TTL override (negative SOA) applies to the covering RRSIG too, as NSD does.
      for (const sig of signaturesFor(zone, set.name, set.type, options.as)) target.push(options.ttl === undefined ? { ...sig } : { ...sig, ttl: options.ttl });
    }
    return true;
  }

  addRecord(section: 'answer' | 'authority' | 'additional', rr: RR): void {
    this.res[section].push(rr);
  }
}

/** Outcome of one lookup step inside a zone. */
type Step = { kind: 'done' } | { kind: 'chase'; target: Name };

class ZoneAnswerer {
  constructor(
    private readonly b: ResponseBuilder,
    private readonly qtype: RRTypeName,
    /** qclass ANY: NSD leaves SOA and NS out of the authority section. */
    private readonly qclassAny = false,
  ) {}

  /** RFC 1034 §4.3.2 steps 3a–3c for `qname` in `zone`. */
  lookup(zone: Zone, qname: Name): Step {
    const qLabels = labels(qname);
    const originCount = labelCount(zone.origin);
    // Step 3b: walk down from the apex; the first cut or DNAME above qname wins.
    for (let count = originCount; count <= qLabels.length; count++) {
      const name = count === originCount ? zone.origin : fromLabels(qLabels.slice(qLabels.length - count));
      const atQname = count === qLabels.length;
      if (count > originCount) {
        const ns = zone.get(name, 'NS');
        // DS at a cut is parent-side data (RFC 4035 §3.1.4.1), so the cut does not apply to it.
        if (ns && !(atQname && this.qtype === 'DS')) {
          this.referral(zone, ns);
          return { kind: 'done' };
        }
      }
      if (!atQname) {
        const dname = zone.get(name, 'DNAME');
        if (dname) return this.dname(zone, qname, qLabels, count, dname);
      }
    }
    // Step 3a: exact match.
    const sets = zone.rrsetsAt(qname);
    // An owner holding only NSEC3 (and its RRSIG) is chain data, not a name of
    // the zone (RFC 5155 §7.2.8): it does not exist for lookups, as in NSD.
    if (sets.length > 0 && !sets.every((s) => s.type === 'NSEC3' || s.type === 'RRSIG')) return this.atNode(zone, qname, sets, undefined);
    // An empty non-terminal exists (RFC 4592 §2.2.2): NODATA, and it blocks wildcards.
    if (zone.hasDescendants(qname)) {
      this.negative(zone, 'NOERROR', { kind: 'nodata', qname, qtype: this.qtype });
      return { kind: 'done' };
    }
    // Step 3c: wildcard at the closest encloser (RFC 4592 §3.3.1).
    const closestEncloser = zone.closestEncloser(qname);
    const wildcard = joinName('*', closestEncloser);
    if (zone.nameExists(wildcard)) return this.atNode(zone, qname, zone.rrsetsAt(wildcard), closestEncloser);
    this.negative(zone, 'NXDOMAIN', { kind: 'nxdomain', qname });
    return { kind: 'done' };
  }

  /** Answer from the RRsets at a node: exact (`closestEncloser` undefined) or wildcard-synthesized for qname. */
  private atNode(zone: Zone, qname: Name, sets: RRset[], closestEncloser: Name | undefined): Step {
    const b = this.b;
    const wildcard = closestEncloser !== undefined;
    const as = wildcard ? qname : undefined;
    const proveWildcard = (kind: 'wildcard-answer' | 'wildcard-nodata') => {
      if (wildcard && b.wantDnssec) this.addDenial(zone, { kind, qname, closestEncloser });
    };
    if (this.qtype === 'ANY') {
      // RFC 8482 §4.1: answer with one RRset instead of all of them. Which
      // one follows NSD 4.6: the first of A/AAAA/SOA/MX/PTR at the node, else
      // the last other type, else DNSKEY/RRSIG/NSEC; never NSEC3.
      const pick = pickAnyRRset(sets, b.wantDnssec);
      if (pick) {
        b.add('answer', zone, pick, as === undefined ? {} : { as });
        proveWildcard('wildcard-answer');
        this.additionalFor(zone, pick);
        return { kind: 'done' };
      }
    } else {
      const cname = sets.find((s) => s.type === 'CNAME');
      if (cname && this.qtype !== 'CNAME') {
        b.add('answer', zone, cname, as === undefined ? {} : { as });
        proveWildcard('wildcard-answer');
        const target = cname.records[0]?.data as Name | undefined;
        return target === undefined ? { kind: 'done' } : { kind: 'chase', target };
      }
      // NSD answers qtype NSEC3 with NODATA: NSEC3 owners are not names of the zone (RFC 5155 §7.2.8 leaves it open).
      const set = this.qtype === 'NSEC3' ? undefined : sets.find((s) => s.type === this.qtype);
      if (set) {
        b.add('answer', zone, set, as === undefined ? {} : { as });
        proveWildcard('wildcard-answer');
        this.additionalFor(zone, set);
        // NSD adds the apex NS RRset to positive answers, except for DNSKEY
        // and DS (keys and delegation signer data need no NS to be used).
        if (this.qtype !== 'DS' && this.qtype !== 'DNSKEY' && !this.qclassAny) this.apexNs(zone);
        return { kind: 'done' };
      }
    }
    this.negative(zone, 'NOERROR', wildcard ? { kind: 'wildcard-nodata', qname, closestEncloser } : { kind: 'nodata', qname, qtype: this.qtype });
    return { kind: 'done' };
  }

  /** RFC 6672 §3.1: DNAME RRset, the synthesized CNAME (TTL of the DNAME, unsigned), then chase. */
  private dname(zone: Zone, qname: Name, qLabels: string[], ownerLabels: number, dname: RRset): Step {
    const b = this.b;
    b.add('answer', zone, dname);
    const target = dname.records[0]?.data as Name | undefined;
    if (target === undefined) return { kind: 'done' };
    const prefix = qLabels.slice(0, qLabels.length - ownerLabels);
    const synthesized = target === '.' ? fromLabels(prefix) : fromLabels([...prefix, ...labels(target)]);
    if (nameProblem(synthesized) !== undefined) {
      // The substituted name is too long: YXDOMAIN (RFC 6672 §2.2).
      b.res.rcode = 'YXDOMAIN';
      return { kind: 'done' };
    }
    b.addRecord('answer', { name: qname, type: 'CNAME', class: dname.class, ttl: dname.ttl, data: synthesized });
    // For qtype CNAME the synthesized CNAME is the answer (NSD and BIND stop here).
    if (this.qtype === 'CNAME') return { kind: 'done' };
    return { kind: 'chase', target: synthesized };
  }

  /** RFC 1034 §4.3.2 step 3b: NS in authority, glue in additional, AA off unless we already answered. */
  private referral(zone: Zone, ns: RRset): void {
    const b = this.b;
    if (b.res.answer.length === 0) b.res.flags.aa = false;
    b.add('authority', zone, ns, { sign: false });
    if (b.wantDnssec) {
      // RFC 4035 §3.1.4: the DS RRset with its RRSIG, or proof there is none.
      const ds = zone.get(ns.name, 'DS');
      if (ds) b.add('authority', zone, ds);
      else this.addDenial(zone, { kind: 'no-ds', cut: ns.name });
    }
    // Glue (RFC 9471): addresses of NS names inside this zone, in-domain ones first.
    const targets = ns.records.map((r) => r.data as Name).filter((t) => isSubdomain(t, zone.origin));
    targets.sort((a, c) => Number(isSubdomain(c, ns.name)) - Number(isSubdomain(a, ns.name)));
    for (const t of targets) {
      for (const type of ['A', 'AAAA'] as const) {
        const set = zone.get(t, type);
        if (set) b.add('additional', zone, set, { sign: !zone.isBelowCut(t) });
      }
    }
  }

  /**
   * RFC 2308 §3: SOA in authority with TTL min(SOA TTL, MINIMUM); NSEC/NSEC3
   * proof when DO=1. The order of the authority RRsets is NSD's (it decides
   * what survives truncation): proofs before the SOA for NXDOMAIN, after it
   * for NODATA, and for wildcard NODATA the qname proof first, then SOA, then
   * the wildcard's own records.
   */
  negative(zone: Zone, rcode: RcodeName, denial: DenialCase): void {
    const b = this.b;
    b.res.rcode = rcode;
    const proofs = b.wantDnssec ? denialRecords(zone, denial) : [];
    const before = denial.kind === 'nxdomain' ? proofs : denial.kind === 'wildcard-nodata' ? proofs.slice(0, 1) : [];
    const after = proofs.slice(before.length);
    for (const set of before) b.add('authority', zone, set);
    const soa = zone.soaRRset();
    if (soa && !this.qclassAny) {
      const minimum = (soa.records[0]?.data as SoaData | undefined)?.minimum ?? soa.ttl;
      b.add('authority', zone, soa, { ttl: Math.min(soa.ttl, minimum) });
    }
    for (const set of after) b.add('authority', zone, set);
  }

  private addDenial(zone: Zone, denial: DenialCase): void {
    for (const set of denialRecords(zone, denial)) this.b.add('authority', zone, set);
  }

  private apexNs(zone: Zone): void {
    const b = this.b;
    const ns = zone.get(zone.origin, 'NS');
    if (!ns || b.has('answer', zone.origin, 'NS')) return;
    b.add('authority', zone, ns);
    this.additionalFor(zone, ns);
  }

  /** Addresses of names an RRset points at (RFC 1034 §4.3.2 step 6), from this zone only. */
  private additionalFor(zone: Zone, set: RRset): void {
    const targetOf = ADDITIONAL_TARGET[set.type];
    if (!targetOf) return;
    const b = this.b;
    for (const rr of set.records) {
      const t = targetOf(rr);
      if (!isSubdomain(t, zone.origin)) continue;
      const belowCut = zone.isBelowCut(t);
      // Glue is only additional data for NS; an MX pointing below a cut gets nothing.
      if (belowCut && set.type !== 'NS') continue;
      for (const type of ['A', 'AAAA'] as const) {
        const addr = zone.get(t, type);
        if (!addr || b.has('answer', t, type)) continue;
        b.add('additional', zone, addr, { sign: !belowCut });
      }
    }
  }
}

/** The response to `query` from the zones of one server. Never throws for bad input. */
export function answerQuery(zones: ZoneSet, query: Message, context: AnswerContext = {}): Message {
  const ourPayload = context.udpPayloadSize ?? DEFAULT_UDP_PAYLOAD;
  const wantEde = context.extendedErrors !== false;
  const wantDnssec = query.edns?.do === true;
  const b = new ResponseBuilder(query, wantDnssec);
  const res = b.res;

  if (query.opcode !== 'QUERY') {
    // RFC 1035 §4.1.1 NOTIMP. NSD answers with the bare header (no question, no OPT); so do we.
    res.rcode = 'NOTIMP';
    res.question = [];
    return res;
  }
  const stray = query.answer.length > 0 || (query.authority.length > 0 && query.question[0]?.qtype !== 'IXFR');
  if (query.flags.qr || query.question.length !== 1 || stray) {
    // RFC 1035 §4.1.1 FORMERR; a query carries exactly one question (RFC 9619)
    // and, like NSD, we refuse to guess at queries carrying answer or authority
    // records (only IXFR puts a SOA in authority, RFC 1995 §3).
    // No OPT in a FORMERR: the query is not trusted beyond its header (what NSD does).
    res.rcode = 'FORMERR';
    res.question = [];
    return res;
  }
  if (query.edns) {
    const edns: Edns = { udpPayloadSize: ourPayload, version: 0, do: query.edns.do, z: 0, options: [] };
    res.edns = edns;
    if (query.edns.version !== 0) {
      // RFC 6891 §6.1.3: BADVERS, announcing the version we do speak (0).
      res.rcode = 'BADVERS';
      edns.do = false;
      return res;
    }
  }
  const q = query.question[0]!;
  const refuse = (info: number) => {
    res.rcode = 'REFUSED';
    if (wantEde && res.edns) res.edns.options.push(makeEdeOption(info));
    return res;
  };
  // Zone data is class IN only; other classes are refused (NSD: REFUSED + EDE 21).
  if (q.qclass !== 'IN' && q.qclass !== 'ANY') {
    // Class NONE (RFC 2136 meta class) is refused without echoing the question, as NSD does.
    if (q.qclass === 'NONE') res.question = [];
    return refuse(EdeCode.NOT_SUPPORTED);
  }
  // Zone transfers are not offered by this server (RFC 5936 §4.2 allows refusing).
  if (q.qtype === 'AXFR' || q.qtype === 'IXFR') return refuse(EdeCode.NOT_AUTHORITATIVE);
  if (q.qtype === 'OPT') {
    res.rcode = 'FORMERR';
    return res;
  }

  const entry = zones.findForQuery(q.qname, q.qtype);
  if (!entry) return refuse(EdeCode.NOT_AUTHORITATIVE);

  // With an online signer the zone's stored DNSSEC data is not used; the signer adds its own.
  const online = wantDnssec && entry.onlineSigner !== undefined;
  const builder = online ? new ResponseBuilder(query, false) : b;
  if (online) builder.res.edns = res.edns;
  resolveChain(zones, entry, q.qname, q.qtype, builder, context, q.qclass === 'ANY');
  // Data for class ANY is not authoritative (we only hold IN): NSD clears AA.
  if (q.qclass === 'ANY') builder.res.flags.aa = false;
  if (online) return entry.onlineSigner!.signAnswer(builder.res, query, entry.zone);
  return res;
}

function resolveChain(zones: ZoneSet, entry: ZoneEntry, qname: Name, qtype: RRTypeName, b: ResponseBuilder, ctx: AnswerContext, qclassAny: boolean): void {
  const maxChain = ctx.maxChain ?? 8;
  const answerer = new ZoneAnswerer(b, qtype, qclassAny);
  b.res.flags.aa = true;
  let zone = entry.zone;
  let current = qname;
  const visited = new Set<string>();
  for (let hops = 0; ; hops++) {
    visited.add(canonicalName(current));
    const step = answerer.lookup(zone, current);
    if (step.kind === 'done') return;
    const next = step.target;
    // A loop or an overlong chain ends with what we have (RFC 1034 §3.6.2 says chains should not exist at all).
    if (hops + 1 >= maxChain || visited.has(canonicalName(next))) return;
    if (!isSubdomain(next, zone.origin) || isDeeperZone(zones, next, zone)) {
      if (!ctx.chaseAcrossZones) return;
      const other = zones.findZone(next);
      if (!other) return;
      zone = other.zone;
    }
    current = next;
  }
}

/** `name` belongs to a different (child) zone on this server, not to `zone`. */
function isDeeperZone(zones: ZoneSet, name: Name, zone: Zone): boolean {
  const best = zones.findZone(name);
  return best !== undefined && best.zone !== zone && labelCount(best.zone.origin) > labelCount(zone.origin);
}

const ANY_PREFERRED = new Set<RRTypeName>(['A', 'AAAA', 'SOA', 'MX', 'PTR']);
const ANY_LAST_RESORT = new Set<RRTypeName>(['DNSKEY', 'RRSIG', 'NSEC']);

function pickAnyRRset(sets: readonly RRset[], wantDnssec: boolean): RRset | undefined {
  let normal: RRset | undefined;
  let lastResort: RRset | undefined;
  for (const s of sets) {
    if (s.type === 'NSEC3' || (wantDnssec && s.type === 'RRSIG')) continue;
    if (ANY_PREFERRED.has(s.type)) return s;
    if (ANY_LAST_RESORT.has(s.type)) lastResort = s;
    else normal = s;
  }
  return normal ?? lastResort;
}
