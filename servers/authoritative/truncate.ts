// Fitting a response into the requester's size limit, decided on encoded
// bytes (docs/ARCHITECTURE.md, "Bytes on the wire are real"). The algorithm is NSD 4.6's (answer.c
// encode_answer / packet.c packet_encode_rrset, built with minimal
// responses), which the differential test holds us to:
//
// 1. RRsets go in section order — answer, authority, then the optional parts:
//    the apex NS of positive answers ("optional authority"), additional A,
//    additional AAAA, other additional — each RRset followed by its RRSIGs.
// 2. An answer or authority RRset that does not fit is left out, TC=1 is set
//    and nothing more is added; RRsets already placed stay (RFC 2181 §9).
// 3. Over UDP an optional RRset that does not fit, or that takes the message
//    past 1232 octets, is left out without TC, and no later optional section
//    is tried. A referral whose additional section ends with no A record at
//    all then gets TC (a delegation should carry a usable address). For IPv6
//    clients NSD puts the AAAA glue of NS targets first instead.

import { isSubdomain } from '../../dns/name.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import type { Message, RR, RrsigData } from '../../dns/types.ts';

export interface FitResult {
  bytes: Buffer;
  truncated: boolean;
  /** The message actually encoded (sections reduced when it had to shrink). */
  message: Message;
}

/** NSD's IPV4_MINIMAL_RESPONSE_SIZE: optional data never takes a UDP answer past this. */
export const MINIMAL_RESPONSE_SIZE = 1232;

function coveredType(rr: RR): string {
  return rr.type === 'RRSIG' ? (rr.data as RrsigData).typeCovered : rr.type;
}

/** Authority records that are optional: the apex NS (and its RRSIG) of a positive authoritative answer. */
function isOptionalAuthority(msg: Message, rr: RR): boolean {
  return msg.flags.aa && msg.answer.length > 0 && msg.rcode === 'NOERROR' && coveredType(rr) === 'NS';
}

/** Group records into RRsets (owner, covered type) keeping first-seen order, so RRSIGs travel with their RRset. */
function groups(records: readonly RR[]): RR[][] {
  const out: RR[][] = [];
  const index = new Map<string, RR[]>();
  for (const rr of records) {
    const key = `${rr.name.toLowerCase()}|${coveredType(rr)}`;
    const g = index.get(key);
    if (g) g.push(rr);
    else {
      const ng = [rr];
      index.set(key, ng);
      out.push(ng);
    }
  }
  return out;
}

/** TC=1 with the question (and OPT) only, as a quirk or a last resort. */
export function truncatedResponse(msg: Message): Message {
  return { ...msg, flags: { ...msg.flags, tc: true }, answer: [], authority: [], additional: [] };
}

type Section = 'answer' | 'authority' | 'additional';

export interface FitOptions {
  transport?: 'udp' | 'tcp';
  /**
   * RFC 9471 §3: a referral whose in-domain glue (addresses of NS names at or
   * below the cut) does not all fit gets TC=1. Off by default: NSD 4.6 only
   * sets TC when no A glue at all fits.
   */
  strictGlue?: boolean;
  /** The client is on IPv6: NS targets' AAAA glue goes before their A glue (NSD, query.c). */
  ipv6?: boolean;
}

const TARGET_OF: Partial<Record<string, (rr: RR) => string>> = {
  NS: (rr) => rr.data as string,
  MX: (rr) => (rr.data as { exchange: string }).exchange,
  SRV: (rr) => (rr.data as { target: string }).target,
};

/**
 * NSD's additional sub-sections: 0 = "A", 1 = "AAAA", 2 = other. For IPv6
 * clients the addresses of NS targets swap (AAAA in 0, A in 1); a name that is
 * also an MX/SRV target keeps the lower section, as NSD's answer_add_rrset does.
 */
function additionalSection(msg: Message, rrType: string, owner: string, ipv6: boolean): number {
  if (rrType !== 'A' && rrType !== 'AAAA') return 2;
  if (!ipv6) return rrType === 'A' ? 0 : 1;
  const o = owner.toLowerCase();
  let ns = false;
  let other = false;
  for (const rr of [...msg.answer, ...msg.authority]) {
    const f = TARGET_OF[rr.type];
    if (!f || f(rr).toLowerCase() !== o) continue;
    if (rr.type === 'NS') ns = true;
    else other = true;
  }
  const nsSection = rrType === 'AAAA' ? 0 : 1;
  const otherSection = rrType === 'A' ? 0 : 1;
  if (ns && other) return Math.min(nsSection, otherSection);
  return ns ? nsSection : otherSection;
}

export function fitResponse(msg: Message, limit: number, options: FitOptions = {}): FitResult {
  const full = encodeMessage(msg);
  const udp = options.transport !== 'tcp';
  if (full.length <= limit && (!udp || full.length <= MINIMAL_RESPONSE_SIZE || msg.additional.length === 0)) {
    return { bytes: full, truncated: false, message: msg };
  }

  let current: Message = { ...msg, answer: [], authority: [], additional: [] };
  let bytes = encodeMessage(current);
  const tryAdd = (section: Section, rrs: RR[]): boolean => {
    const next: Message = { ...current, [section]: [...current[section], ...rrs] };
    const nb = encodeMessage(next);
    if (nb.length > limit) return false;
    current = next;
    bytes = nb;
    return true;
  };
  const fail = (): FitResult => {
    current = { ...current, flags: { ...current.flags, tc: true } };
    return { bytes: encodeMessage(current), truncated: true, message: current };
  };

  for (const g of groups(msg.answer)) if (!tryAdd('answer', g)) return fail();
  const required = msg.authority.filter((rr) => !isOptionalAuthority(msg, rr));
  for (const g of groups(required)) if (!tryAdd('authority', g)) return fail();

  const additional = groups(msg.additional);
  const ipv6 = options.ipv6 === true;
  const sectionOf = (g: RR[]) => additionalSection(msg, g[0]!.type === 'RRSIG' ? coveredType(g[0]!) : g[0]!.type, g[0]!.name, ipv6);
  const optionalSections: Array<[Section, RR[][]]> = [
    ['authority', groups(msg.authority.filter((rr) => isOptionalAuthority(msg, rr)))],
    ['additional', additional.filter((g) => sectionOf(g) === 0)],
    ['additional', additional.filter((g) => sectionOf(g) === 1)],
    ['additional', additional.filter((g) => sectionOf(g) === 2)],
  ];
  for (let i = 0; i < optionalSections.length; i++) {
    const [section, list] = optionalSections[i]!;
    let done = false;
    for (const g of list) {
      const before = current;
      const beforeBytes = bytes;
      const fits = tryAdd(section, g);
      if (!fits || (udp && bytes.length > MINIMAL_RESPONSE_SIZE)) {
        current = before;
        bytes = beforeBytes;
        done = true;
      }
    }
    if (done) {
      const isReferral = !msg.flags.aa && msg.answer.length === 0 && msg.authority.some((rr) => rr.type === 'NS');
      // NSD: a delegation whose first address section stayed empty is truncated.
      const firstPlaced = current.additional.some((rr) => optionalSections[1]![1].some((g) => g.includes(rr)));
      if (i === 1 && isReferral && !firstPlaced) return fail();
      break;
    }
  }
  if (options.strictGlue) {
    const cut = msg.authority.find((rr) => rr.type === 'NS');
    const isReferral = !msg.flags.aa && msg.answer.length === 0 && cut !== undefined;
    if (isReferral) {
      const inDomain = (rr: RR) => (rr.type === 'A' || rr.type === 'AAAA') && isSubdomain(rr.name, cut.name);
      const wanted = msg.additional.filter(inDomain).length;
      if (current.additional.filter(inDomain).length < wanted) return fail();
    }
  }
  return { bytes, truncated: false, message: current };
}
