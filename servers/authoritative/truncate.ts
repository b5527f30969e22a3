// Fitting a response into the requester's size limit, decided on encoded
// bytes (DESIGN principle 2). We do what NSD 4.6 does, which the
// differential test checks:
// - optional data goes first, silently: additional records, and the apex NS
//   RRset (with its RRSIG) that positive answers carry in authority;
// - if the required part (answer, the rest of authority) still does not fit,
//   the response is TC=1 with the question (and OPT) only — no partial RRsets
//   and no partial sections (RFC 2181 §9, RFC 6891 §7, RFC 4035 §3.1.1).

import { encodeMessage } from '../../dns/wire/message.ts';
import type { Message, RR, RrsigData } from '../../dns/types.ts';

export interface FitResult {
  bytes: Buffer;
  truncated: boolean;
  /** The message actually encoded (sections reduced when it had to shrink). */
  message: Message;
}

function coveredType(rr: RR): string {
  return rr.type === 'RRSIG' ? (rr.data as RrsigData).typeCovered : rr.type;
}

/** Authority records that may be dropped without TC: the apex NS of a positive authoritative answer. */
function isOptionalAuthority(msg: Message, rr: RR): boolean {
  return msg.flags.aa && msg.answer.length > 0 && msg.rcode === 'NOERROR' && coveredType(rr) === 'NS';
}

/** Group records into RRsets (owner, covered type) keeping order, so RRSIGs travel with their RRset. */
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

export function truncatedResponse(msg: Message): Message {
  return { ...msg, flags: { ...msg.flags, tc: true }, answer: [], authority: [], additional: [] };
}

export function fitResponse(msg: Message, limit: number): FitResult {
  const full = encodeMessage(msg);
  if (full.length <= limit) return { bytes: full, truncated: false, message: msg };

  const requiredAuthority = msg.authority.filter((rr) => !isOptionalAuthority(msg, rr));
  const optionalAuthority = msg.authority.filter((rr) => isOptionalAuthority(msg, rr));
  let current: Message = { ...msg, authority: requiredAuthority, additional: [] };
  let bytes = encodeMessage(current);
  if (bytes.length > limit) {
    const tc = truncatedResponse(msg);
    return { bytes: encodeMessage(tc), truncated: true, message: tc };
  }
  // Add optional RRsets back in order while they fit (whole RRsets only).
  const optional: Array<{ section: 'authority' | 'additional'; rrs: RR[] }> = [
    ...groups(optionalAuthority).map((rrs) => ({ section: 'authority' as const, rrs })),
    ...groups(msg.additional).map((rrs) => ({ section: 'additional' as const, rrs })),
  ];
  for (const g of optional) {
    const next: Message = { ...current, [g.section]: [...current[g.section], ...g.rrs] };
    const nb = encodeMessage(next);
    if (nb.length > limit) break;
    current = next;
    bytes = nb;
  }
  return { bytes, truncated: false, message: current };
}
