// Classification of one upstream reply from the servers of `zone` to a question (sname, sqtype): answer, CNAME/DNAME
// chain, NXDOMAIN, NODATA, referral, lame, or an error rcode — and the pieces taken out of it. Pure functions of the
// message, as Unbound keeps them apart from its iterator (iterator/iter_resptype.c, iter_utils.c).

import { canonicalName, isSubdomain, labelCount, labels, nameEquals, ROOT, wireLength } from '../../dns/name.ts';
import { groupRRsets, type RRset } from '../../dns/rrset.ts';
import type { Message, Name, RR, RRTypeName, RrsigData } from '../../dns/types.ts';
import { Trust, type ResolverCache } from './cache.ts';
import { nonSig, sigsFor, type Piece, type SignedRRset } from './piece.ts';
import type { ResolverSettings } from './settings.ts';

/** The answer section followed from the question's name: the RRsets of the chain, and where it goes on. */
export interface Chain {
  rrsets: SignedRRset[];
  /** The chain ends in an RRset of the type asked. */
  final: boolean;
  next?: Name;
}

/** A downward referral: the child zone, its NS RRset, the glue believed, its DS and any NSEC/NSEC3 proof of no DS. */
export interface Referral {
  zone: Name;
  ns: RRset;
  glue: RR[];
  ds?: SignedRRset;
  proof: RR[];
}

/**
 * What a reply is to the iterator. `answer`: the chain ends in the type asked; `cname`: it leaves the server's
 * bailiwick or ends short; `cname-nodata`: it ends inside the zone with an SOA, a NODATA at the chain's target.
 */
export type ReplyClass =
  | { kind: 'nxdomain'; chain: Chain }
  | { kind: 'error-rcode' }
  | { kind: 'answer' | 'cname' | 'cname-nodata'; chain: Chain }
  | { kind: 'referral'; referral: Referral }
  | { kind: 'nodata' }
  | { kind: 'lame' };

/** Classify a reply of the servers of `zone` to (sname, sqtype) (RFC 1034 §5.3.3 step 4; RFC 4697 §2). */
export function classifyReply(settings: ResolverSettings, resp: Message, sname: Name, sqtype: RRTypeName, zone: Name): ReplyClass {
  if (resp.rcode === 'NXDOMAIN') return { kind: 'nxdomain', chain: extractChain(settings, resp, sname, sqtype, zone) };
  // REFUSED, SERVFAIL, NOTIMP…: the server is lame for the zone (RFC 4697 §2.1–2.3).
  if (resp.rcode !== 'NOERROR') return { kind: 'error-rcode' };
  const chain = extractChain(settings, resp, sname, sqtype, zone);
  if (chain.rrsets.length > 0) {
    if (chain.final) return { kind: 'answer', chain };
    // The chain leaves this server's bailiwick or ends: NXDOMAIN/NODATA at the target is possible in the same response.
    if (resp.authority.some((r) => r.type === 'SOA') && chain.next !== undefined && isSubdomain(chain.next, zone) && resp.answer.length > 0) {
      return { kind: 'cname-nodata', chain };
    }
    return { kind: 'cname', chain };
  }
  const referral = extractReferral(settings, resp, sname, zone);
  if (referral === 'lame') return { kind: 'lame' };
  if (referral) return { kind: 'referral', referral };
  // NOERROR, no answer, no referral: NODATA if authoritative.
  const hasSoa = resp.authority.some((r) => r.type === 'SOA' && isSubdomain(r.name, zone) && isSubdomain(sname, r.name));
  return resp.flags.aa || hasSoa ? { kind: 'nodata' } : { kind: 'lame' };
}

/**
 * Follow the answer section from `sname`: CNAMEs, DNAMEs (RFC 6672 §3.1,
 * synthesising the CNAME ourselves) and the final RRset — only records
 * inside the server's bailiwick (RFC 2181 §5.4.1: out-of-zone data in an
 * answer is not trusted; the chain is continued by a new query instead).
 */
export function extractChain(settings: ResolverSettings, resp: Message, sname: Name, sqtype: RRTypeName, zone: Name): Chain {
  const sets = groupRRsets(nonSig(resp.answer));
  const trust = resp.flags.aa ? Trust.AuthAnswer : Trust.NonAuthAnswer;
  const out: SignedRRset[] = [];
  let cur = sname;
  const seen = new Set<string>();
  for (let i = 0; i <= settings.maxRestarts + 1; i++) {
    if (seen.has(canonicalName(cur))) break;
    seen.add(canonicalName(cur));
    if (!isSubdomain(cur, zone)) return { rrsets: out, final: false, next: cur };
    const exact = sets.find((s) => nameEquals(s.name, cur) && s.type === sqtype);
    if (exact) {
      out.push({ rrset: exact, signatures: sigsFor(resp.answer, exact.name, exact.type), security: 'unchecked', trust });
      return { rrsets: out, final: true };
    }
    // A DNAME above `cur` wins over any CNAME the server synthesised (that CNAME is unsigned, RFC 6672 §5.3.1).
    const dname = sets.find((s) => s.type === 'DNAME' && isSubdomain(cur, s.name) && !nameEquals(cur, s.name) && isSubdomain(s.name, zone));
    if (sqtype !== 'CNAME' && !dname) {
      const cname = sets.find((s) => nameEquals(s.name, cur) && s.type === 'CNAME');
      if (cname) {
        out.push({
          rrset: { ...cname, records: cname.records.slice(0, 1) },
          signatures: sigsFor(resp.answer, cname.name, 'CNAME'),
          security: 'unchecked',
          trust,
        });
        cur = cname.records[0]!.data as Name;
        continue;
      }
    }
    if (dname && sqtype !== 'DNAME') {
      const target = dname.records[0]!.data as Name;
      const ownerLabels = labelCount(dname.name);
      const prefix = labels(cur).slice(0, labelCount(cur) - ownerLabels);
      const synthesizedTarget = nameEquals(target, ROOT) ? prefix.join('.') : [...prefix, target].join('.');
      if (wireLength(synthesizedTarget) > 255) return { rrsets: out, final: false }; // RFC 6672 §2.2: YXDOMAIN case
      out.push({
        rrset: { ...dname, records: dname.records.slice(0, 1) },
        signatures: sigsFor(resp.answer, dname.name, 'DNAME'),
        security: 'unchecked',
        trust,
      });
      const cnameRR = { name: cur, type: 'CNAME', class: 'IN', ttl: dname.ttl, data: synthesizedTarget } as RR;
      out.push({
        rrset: { name: cur, type: 'CNAME', class: 'IN', ttl: dname.ttl, records: [cnameRR] },
        signatures: [],
        security: 'unchecked',
        synthesized: true,
        trust,
      });
      cur = synthesizedTarget;
      continue;
    }
    break;
  }
  return out.length > 0 ? { rrsets: out, final: false, next: cur } : { rrsets: [], final: false };
}

/** settings.nsFromAnswerAuthority: the NS RRset at the zone apex in an authoritative answer's authority section. */
export function answerApexNs(settings: ResolverSettings, resp: Message, zone: Name): { apexNs?: SignedRRset } {
  if (!settings.nsFromAnswerAuthority || !resp.flags.aa) return {};
  const ns = groupRRsets(resp.authority.filter((r) => r.type === 'NS' && nameEquals(r.name, zone)))[0];
  if (!ns) return {};
  return { apexNs: { rrset: ns, signatures: sigsFor(resp.authority, ns.name, 'NS'), security: 'unchecked', trust: Trust.AuthAuthority } };
}

/** NSEC/NSEC3 and their signatures from the authority section (wildcard expansion proofs, RFC 4035 §3.1.3.3). */
export function wildcardProof(resp: Message, zone: Name): { authority: RR[] } {
  return {
    authority: resp.authority.filter(
      (r) =>
        (r.type === 'NSEC' || r.type === 'NSEC3' || (r.type === 'RRSIG' && ['NSEC', 'NSEC3'].includes((r.data as RrsigData).typeCovered))) &&
        isSubdomain(r.name, zone),
    ),
  };
}

/** A NXDOMAIN/NODATA piece from a reply: the in-bailiwick SOA that is an ancestor of the name denied, its proofs. */
export function negativePiece(
  cache: ResolverCache,
  kind: 'nxdomain' | 'nodata',
  resp: Message,
  chain: { rrsets: SignedRRset[]; next?: Name },
  zone: Name,
  qname: Name,
): Piece {
  const target = chain.next ?? qname;
  // The SOA must be in bailiwick and an ancestor of the name denied (RFC 2308 §2.1, RFC 2181 §5.4.1).
  const soa = resp.authority.find((r) => r.type === 'SOA' && isSubdomain(r.name, zone) && isSubdomain(target, r.name));
  const negZone = soa ? soa.name : zone;
  const authority = resp.authority.filter((r) => {
    if (!isSubdomain(r.name, negZone)) return false;
    if (r.type === 'SOA') return soa !== undefined && nameEquals(r.name, soa.name);
    if (r.type === 'NSEC' || r.type === 'NSEC3') return true;
    if (r.type === 'RRSIG') return ['SOA', 'NSEC', 'NSEC3'].includes((r.data as RrsigData).typeCovered);
    return false;
  });
  const piece: Piece = {
    kind,
    rrsets: chain.rrsets,
    authority,
    zone: negZone,
    security: 'unchecked',
    fromCache: false,
    next: target,
    negativeTtl: cache.negativeTtl(soa),
  };
  return piece;
}

/** A downward referral from `zone` towards `sname`, 'lame' for an upward/sideways one, or undefined. */
export function extractReferral(settings: ResolverSettings, resp: Message, sname: Name, zone: Name): Referral | 'lame' | undefined {
  if (resp.answer.length > 0) return undefined;
  const nsSets = groupRRsets(resp.authority.filter((r) => r.type === 'NS'));
  if (nsSets.length === 0) return undefined;
  const down = nsSets.filter((s) => isSubdomain(s.name, zone) && !nameEquals(s.name, zone) && isSubdomain(sname, s.name));
  if (down.length === 0) {
    // NS at or above the zone we asked, or for another branch: a lame/upward referral (RFC 4697 §2.5).
    if (resp.flags.aa && nsSets.every((s) => nameEquals(s.name, zone))) return undefined;
    return 'lame';
  }
  const ns = down.sort((a, b) => labelCount(b.name) - labelCount(a.name))[0]!;
  const targets = new Set(ns.records.map((r) => canonicalName(r.data as Name)));
  // harden-glue: only addresses inside the delegating zone's authority are believed.
  const glue = resp.additional.filter(
    (r) => (r.type === 'A' || r.type === 'AAAA') && targets.has(canonicalName(r.name)) && (!settings.hardenGlue || isSubdomain(r.name, zone)),
  );
  const dsRecords = resp.authority.filter((r) => r.type === 'DS' && nameEquals(r.name, ns.name));
  const out: Referral = {
    zone: ns.name,
    ns,
    glue,
    proof: resp.authority.filter(
      (r) => r.type === 'NSEC' || r.type === 'NSEC3' || (r.type === 'RRSIG' && ['NSEC', 'NSEC3'].includes((r.data as RrsigData).typeCovered)),
    ),
  };
  if (dsRecords.length > 0) {
    const ds = groupRRsets(dsRecords)[0]!;
    out.ds = { rrset: ds, signatures: sigsFor(resp.authority, ns.name, 'DS'), security: 'unchecked', trust: Trust.NonAuthAuthority };
  }
  return out;
}
