// Message builders: the query a client sends and the skeleton of the response
// a server fills in. Pure data; the wire form lives in dns/wire/message.ts.

import { normalizeName } from './name.ts';
import type { Edns, HeaderFlags, Message, Name, RRClassName, RRTypeName } from './types.ts';

/** All header flags clear. */
export function emptyFlags(): HeaderFlags {
  return { qr: false, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false };
}

/** Default advertised UDP payload size: the DNS Flag Day 2020 value (RFC 9715 §3 recommends 1232-ish). */
export const DEFAULT_EDNS_UDP_SIZE = 1232;

export function makeEdns(partial: Partial<Edns> = {}): Edns {
  return {
    udpPayloadSize: partial.udpPayloadSize ?? DEFAULT_EDNS_UDP_SIZE,
    version: partial.version ?? 0,
    do: partial.do ?? false,
    z: partial.z ?? 0,
    options: partial.options ? partial.options.map((o) => ({ code: o.code, data: Buffer.from(o.data) })) : [],
  };
}

export interface QueryOptions {
  /** Message ID; callers take it from the lab's seeded random source. Default 0. */
  id?: number;
  /** Recursion desired (default true, as a stub would send). */
  rd?: boolean;
  cd?: boolean;
  ad?: boolean;
  /** EDNS: false for none; otherwise fields of the OPT RR (default: EDNS0 with 1232 octets). */
  edns?: Partial<Edns> | false;
  /** DNSSEC OK bit (RFC 3225); implies EDNS. */
  do?: boolean;
  udpPayloadSize?: number;
  qclass?: RRClassName;
}

/** A standard QUERY for one question (RFC 1035 §4.1). */
export function makeQuery(qname: Name, qtype: RRTypeName, opts: QueryOptions = {}): Message {
  const flags = emptyFlags();
  flags.rd = opts.rd ?? true;
  flags.cd = opts.cd ?? false;
  flags.ad = opts.ad ?? false;
  const msg: Message = {
    id: opts.id ?? 0,
    opcode: 'QUERY',
    rcode: 'NOERROR',
    flags,
    question: [{ qname: normalizeName(qname), qtype, qclass: opts.qclass ?? 'IN' }],
    answer: [],
    authority: [],
    additional: [],
  };
  if (opts.edns !== false || opts.do === true) {
    const base: Partial<Edns> = opts.edns === false || opts.edns === undefined ? {} : opts.edns;
    msg.edns = makeEdns({
      ...base,
      ...(opts.do !== undefined ? { do: opts.do } : {}),
      ...(opts.udpPayloadSize !== undefined ? { udpPayloadSize: opts.udpPayloadSize } : {}),
    });
  }
  return msg;
}

/**
 * Response skeleton for `query`: same ID, opcode and question, RD and CD
 * copied (RFC 1035 §4.1.1, RFC 4035 §3.1.6), QR set, everything else clear.
 * No OPT RR: the server decides whether and what to echo (RFC 6891 §6.1.1).
 */
export function makeResponse(query: Message): Message {
  const flags = emptyFlags();
  flags.qr = true;
  flags.rd = query.flags.rd;
  flags.cd = query.flags.cd;
  return {
    id: query.id,
    opcode: query.opcode,
    rcode: 'NOERROR',
    flags,
    question: query.question.map((q) => ({ ...q })),
    answer: [],
    authority: [],
    additional: [],
  };
}
