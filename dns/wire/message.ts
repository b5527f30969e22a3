// Whole-message codec (RFC 1035 §4.1, RFC 6891 §6). Our own header, section
// and name handling on top of the per-type RDATA codec in rdata.ts; see
// README.md for why each piece is ours rather than dns-packet's.

import { ROOT } from '../name.ts';
import type { Edns, EdnsOption, HeaderFlags, Message, OpcodeName, Question, RR, RRTypeName } from '../types.ts';
import { Reader, Writer, type WriterMark } from './buffer.ts';
import { WireError } from './errors.ts';
import { readRdata, writeRdata } from './rdata.ts';
import { classFromNumber, classToNumber, opcodeFromNumber, opcodeToNumber, rcodeFromNumber, rcodeToNumber, typeFromNumber, typeToNumber } from './types-map.ts';

export interface EncodeOptions {
  /** RFC 1035 §4.1.4 name compression (default true). */
  compress?: boolean;
  /**
   * Skip validation so deliberately malformed messages can be built: labels of
   * 64..255 octets (written with their raw length octet, i.e. as 0x40/0x80/0xC0
   * label types), empty labels, names > 255 octets, unsorted SVCB keys, raw
   * RDATA of structured types that does not decode, an RCODE > 15 without EDNS
   * (high bits dropped). Things the wire cannot express at all (a 256-octet
   * character-string or label, a 70000 TTL-field) still throw.
   */
  unsafe?: boolean;
  /** Write these header counts instead of the real ones (malformed-packet scenarios). */
  counts?: Partial<HeaderCounts>;
}

export interface HeaderCounts {
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface PeekedHeader extends HeaderCounts {
  id: number;
  opcode: OpcodeName;
  flags: HeaderFlags;
  /** Header RCODE bits only (no EDNS extension). */
  rcode: number;
}

const TYPE_OPT = 41;
/** TSIG (RFC 8945 §5.1) and SIG(0) (RFC 2931) must stay last in the additional section, after OPT. */
const MUST_BE_LAST = new Set<RRTypeName>(['TYPE250' as RRTypeName, 'TYPE24' as RRTypeName]);

// ---------------------------------------------------------------------------
// Header

function flagsWord(m: Message, unsafe: boolean): number {
  const f = m.flags;
  const opcode = opcodeToNumber(m.opcode);
  const rcode = rcodeToNumber(m.rcode);
  if (rcode > 15 && m.edns === undefined && !unsafe) {
    throw new WireError('BAD_OPT', `RCODE ${m.rcode} (${rcode}) needs an OPT RR for its upper bits (RFC 6891 §6.1.3); add edns or use { unsafe: true }`);
  }
  return (
    (f.qr ? 0x8000 : 0) |
    (opcode << 11) |
    (f.aa ? 0x0400 : 0) |
    (f.tc ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.z ? 0x0040 : 0) |
    (f.ad ? 0x0020 : 0) |
    (f.cd ? 0x0010 : 0) |
    (rcode & 0xf)
  );
}

function flagsFromWord(w: number): HeaderFlags {
  return {
    qr: (w & 0x8000) !== 0,
    aa: (w & 0x0400) !== 0,
    tc: (w & 0x0200) !== 0,
    rd: (w & 0x0100) !== 0,
    ra: (w & 0x0080) !== 0,
    z: (w & 0x0040) !== 0,
    ad: (w & 0x0020) !== 0,
    cd: (w & 0x0010) !== 0,
  };
}

/** Header of a possibly malformed message, so a server can answer FORMERR with the right ID. */
export function peekHeader(bytes: Uint8Array): PeekedHeader | undefined {
  if (bytes.length < 12) return undefined;
  const u16 = (at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;
  const word = u16(2);
  return {
    id: u16(0),
    opcode: opcodeFromNumber((word >> 11) & 0xf),
    flags: flagsFromWord(word),
    rcode: word & 0xf,
    qdcount: u16(4),
    ancount: u16(6),
    nscount: u16(8),
    arcount: u16(10),
  };
}

// ---------------------------------------------------------------------------
// Encode

function writeQuestion(w: Writer, q: Question): void {
  w.name(q.qname, true);
  w.u16(typeToNumber(q.qtype), 'qtype');
  w.u16(classToNumber(q.qclass), 'qclass');
}

function writeRecord(w: Writer, rr: RR, compress: boolean): void {
  w.name(rr.name, true);
  const type = typeToNumber(rr.type);
  if (type === TYPE_OPT && !w.unsafe) {
    throw new WireError('BAD_OPT', 'an OPT RR must be given as message.edns, not as a record (RFC 6891 §6.1.1)', w.pos);
  }
  w.u16(type, 'type');
  w.u16(classToNumber(rr.class), 'class');
  w.u32(rr.ttl, `TTL of ${rr.name} ${rr.type}`);
  const lenAt = w.pos;
  w.u16(0);
  writeRdata(w, rr.type, rr.data, { compress, lower: false });
  const len = w.pos - lenAt - 2;
  if (len > 0xffff) throw new WireError('BAD_RDATA', `RDATA of ${rr.name} ${rr.type} is ${len} octets, more than 65535`, lenAt);
  w.patch16(lenAt, len);
}

function ednsTtl(edns: Edns, rcode: number): number {
  return ((rcode >> 4) & 0xff) * 0x1000000 + (((edns.version & 0xff) << 16) | (edns.do ? 0x8000 : 0) | (edns.z & 0x7fff));
}

function writeOpt(w: Writer, edns: Edns, rcode: number): void {
  if (!w.unsafe) {
    if (!Number.isInteger(edns.version) || edns.version < 0 || edns.version > 255)
      throw new WireError('BAD_OPT', `EDNS version ${edns.version} is not in 0..255`, w.pos);
    if (!Number.isInteger(edns.z) || edns.z < 0 || edns.z > 0x7fff) throw new WireError('BAD_OPT', `EDNS Z ${edns.z} is not in 0..32767`, w.pos);
  }
  w.u8(0); // owner: root (RFC 6891 §6.1.2)
  w.u16(TYPE_OPT);
  w.u16(edns.udpPayloadSize, 'EDNS UDP payload size');
  w.u32(ednsTtl(edns, rcode));
  const lenAt = w.pos;
  w.u16(0);
  for (const o of edns.options) {
    w.u16(o.code, 'EDNS option code');
    w.u16(o.data.length, 'EDNS option length');
    w.bytes(o.data);
  }
  const len = w.pos - lenAt - 2;
  if (len > 0xffff) throw new WireError('BAD_OPT', `OPT RDATA is ${len} octets, more than 65535`, lenAt);
  w.patch16(lenAt, len);
}

/** Encoded size of the OPT RR (fixed, it holds no compressible names). */
function optSize(edns: Edns | undefined): number {
  if (edns === undefined) return 0;
  return 11 + edns.options.reduce((n, o) => n + 4 + o.data.length, 0);
}

/** Additional records split around the OPT RR: [before OPT, after OPT (TSIG/SIG(0))]. */
function splitAdditional(m: Message): [RR[], RR[]] {
  const last = m.additional.filter((rr) => MUST_BE_LAST.has(genericTypeName(rr.type)));
  if (last.length === 0) return [m.additional, []];
  return [m.additional.filter((rr) => !MUST_BE_LAST.has(genericTypeName(rr.type))), last];
}

/** 'TYPE250' for 'TYPE250' (or any other spelling of 250); unmappable names are returned as given. */
function genericTypeName(t: RRTypeName): RRTypeName {
  try {
    return `TYPE${typeToNumber(t)}` as RRTypeName;
  } catch {
    return t;
  }
}

function writeHeader(w: Writer, m: Message, counts: HeaderCounts, opts: EncodeOptions, tc?: boolean): void {
  w.u16(m.id, 'message ID');
  let word = flagsWord(m, w.unsafe);
  if (tc === true) word |= 0x0200;
  w.u16(word);
  const c = { ...counts, ...opts.counts };
  w.u16(c.qdcount, 'QDCOUNT');
  w.u16(c.ancount, 'ANCOUNT');
  w.u16(c.nscount, 'NSCOUNT');
  w.u16(c.arcount, 'ARCOUNT');
}

/** Encode a whole message. Throws WireError on anything the wire or RFCs forbid (unless unsafe). */
export function encodeMessage(msg: Message, options: EncodeOptions = {}): Buffer {
  const compress = options.compress !== false;
  const w = new Writer(options.unsafe === true, compress, 512);
  const [before, after] = splitAdditional(msg);
  const counts: HeaderCounts = {
    qdcount: msg.question.length,
    ancount: msg.answer.length,
    nscount: msg.authority.length,
    arcount: msg.additional.length + (msg.edns !== undefined ? 1 : 0),
  };
  writeHeader(w, msg, counts, options);
  for (const q of msg.question) writeQuestion(w, q);
  for (const rr of msg.answer) writeRecord(w, rr, compress);
  for (const rr of msg.authority) writeRecord(w, rr, compress);
  for (const rr of before) writeRecord(w, rr, compress);
  if (msg.edns !== undefined) writeOpt(w, msg.edns, rcodeToNumber(msg.rcode));
  for (const rr of after) writeRecord(w, rr, compress);
  return w.finish();
}

export interface WithinLimitResult {
  bytes: Buffer;
  /** TC was set because answer or authority RRsets had to be left out. */
  truncated: boolean;
  /** How many records of each section were left out. */
  omitted: { answer: number; authority: number; additional: number };
}

function groupInOrder(records: readonly RR[]): RR[][] {
  // Whole RRsets (same owner octets, type, class), in order of first appearance.
  const groups: RR[][] = [];
  const index = new Map<string, RR[]>();
  for (const rr of records) {
    const key = `${rr.name.toLowerCase()}|${rr.type}|${rr.class}`;
    const g = index.get(key);
    if (g !== undefined) g.push(rr);
    else {
      const ng = [rr];
      index.set(key, ng);
      groups.push(ng);
    }
  }
  return groups;
}

/**
 * Encode within `limit` octets (e.g. the requestor's EDNS UDP payload size or
 * 512). Whole RRsets are kept in order; when an answer or authority RRset does
 * not fit, it and everything after it is left out and TC=1 is set (RFC 2181
 * §9, RFC 6891 §7). Additional RRsets that do not fit are left out without TC
 * (a server that needs TC for missing glue, RFC 9471, can look at
 * `omitted.additional`). The OPT RR is always kept. Records of one RRset are
 * written together even when they are not adjacent in the input.
 */
export function encodeWithinLimit(msg: Message, limit: number, options: Omit<EncodeOptions, 'counts'> = {}): WithinLimitResult {
  const full = encodeMessage(msg, options);
  if (full.length <= limit) return { bytes: full, truncated: false, omitted: { answer: 0, authority: 0, additional: 0 } };

  const compress = options.compress !== false;
  const w = new Writer(options.unsafe === true, compress, Math.max(512, limit));
  const reserve = optSize(msg.edns);
  const [before, after] = splitAdditional(msg);
  writeHeader(w, msg, { qdcount: 0, ancount: 0, nscount: 0, arcount: 0 }, {});
  for (const q of msg.question) writeQuestion(w, q);

  const kept = { answer: 0, authority: 0, additional: 0 };
  let truncated = false;
  const sections: ['answer' | 'authority' | 'additional', RR[]][] = [
    ['answer', msg.answer],
    ['authority', msg.authority],
    ['additional', before],
  ];
  for (const [section, records] of sections) {
    if (truncated) break;
    for (const rrset of groupInOrder(records)) {
      const mark: WriterMark = w.mark();
      for (const rr of rrset) writeRecord(w, rr, compress);
      if (w.pos + reserve > limit) {
        w.rollback(mark);
        if (section !== 'additional') truncated = true;
        break;
      }
      kept[section] += rrset.length;
    }
  }
  if (msg.edns !== undefined) writeOpt(w, msg.edns, rcodeToNumber(msg.rcode));
  let trailing = 0;
  if (!truncated && kept.additional === before.length) {
    // TSIG/SIG(0) go last; keep them only when everything else fit.
    for (const rr of after) {
      const mark = w.mark();
      writeRecord(w, rr, compress);
      if (w.pos > limit) {
        w.rollback(mark);
        break;
      }
      trailing++;
    }
  }
  const out = w.finish();
  out.writeUInt16BE(out.readUInt16BE(2) | (truncated ? 0x0200 : 0), 2);
  out.writeUInt16BE(msg.question.length, 4);
  out.writeUInt16BE(kept.answer, 6);
  out.writeUInt16BE(kept.authority, 8);
  out.writeUInt16BE(kept.additional + trailing + (msg.edns !== undefined ? 1 : 0), 10);
  return {
    bytes: out,
    truncated,
    omitted: {
      answer: msg.answer.length - kept.answer,
      authority: msg.authority.length - kept.authority,
      additional: msg.additional.length - kept.additional - trailing,
    },
  };
}

// ---------------------------------------------------------------------------
// Decode

function readOptions(r: Reader): EdnsOption[] {
  const options: EdnsOption[] = [];
  while (r.remaining() > 0) {
    const at = r.pos;
    if (r.remaining() < 4) throw new WireError('BAD_OPT', 'EDNS option header cut off by RDLENGTH', at);
    const code = r.u16('EDNS option code');
    const len = r.u16('EDNS option length');
    if (len > r.remaining()) throw new WireError('BAD_OPT', `EDNS option ${code} claims ${len} octets, only ${r.remaining()} left in the OPT RDATA`, at);
    options.push({ code, data: r.bytes(len, 'EDNS option data') });
  }
  return options;
}

/** Strict decode of a whole message; throws WireError and nothing else. */
export function decodeMessage(bytes: Uint8Array): Message {
  try {
    return decodeMessageUnguarded(bytes);
  } catch (e) {
    if (e instanceof WireError) throw e;
    // Defence in depth: a bug in a reader must still surface as FORMERR material.
    throw new WireError('BAD_RDATA', `undecodable message: ${(e as Error).message}`);
  }
}

/**
 * decodeMessage without the safety net that turns unexpected exceptions into
 * WireErrors. For tests and fuzzing only: there a RangeError must show up as
 * the bug it is.
 */
export function decodeMessageUnguarded(bytes: Uint8Array): Message {
  if (bytes.length < 12) throw new WireError('TRUNCATED', `message is ${bytes.length} octets, shorter than the 12-octet header`, 0);
  const r = new Reader(bytes, 0, bytes.length);
  const id = r.u16('ID');
  const word = r.u16('flags');
  const qdcount = r.u16('QDCOUNT');
  const ancount = r.u16('ANCOUNT');
  const nscount = r.u16('NSCOUNT');
  const arcount = r.u16('ARCOUNT');

  const question: Question[] = [];
  for (let i = 0; i < qdcount; i++) {
    const qname = r.name(true, 'QNAME');
    const qtype = typeFromNumber(r.u16('QTYPE'));
    const qclass = classFromNumber(r.u16('QCLASS'));
    question.push({ qname, qtype, qclass });
  }

  let edns: Edns | undefined;
  let extendedRcode = 0;
  const readSection = (count: number, section: string): RR[] => {
    const out: RR[] = [];
    for (let i = 0; i < count; i++) {
      const start = r.pos;
      const name = r.name(true, `${section} owner name`);
      const typeNum = r.u16('TYPE');
      const classNum = r.u16('CLASS');
      const ttl = r.u32('TTL');
      const rdlength = r.u16('RDLENGTH');
      if (r.remaining() < rdlength) {
        throw new WireError(
          'TRUNCATED',
          `RDLENGTH ${rdlength} of a ${section} record runs past the end of the message (${r.remaining()} octets left)`,
          r.pos - 2,
        );
      }
      const rdEnd = r.pos + rdlength;
      if (typeNum === TYPE_OPT) {
        if (section !== 'additional') throw new WireError('BAD_OPT', `OPT RR in the ${section} section (RFC 6891 §6.1.1: additional only)`, start);
        if (edns !== undefined) throw new WireError('BAD_OPT', 'more than one OPT RR (RFC 6891 §6.1.1)', start);
        if (name !== ROOT) throw new WireError('BAD_OPT', `OPT RR owned by "${name}", not the root (RFC 6891 §6.1.2)`, start);
        const rr = new Reader(bytes, r.pos, rdEnd, 'BAD_OPT');
        extendedRcode = Math.floor(ttl / 0x1000000);
        edns = {
          udpPayloadSize: classNum,
          version: (ttl >> 16) & 0xff,
          do: (ttl & 0x8000) !== 0,
          z: ttl & 0x7fff,
          options: readOptions(rr),
        };
        r.pos = rdEnd;
        continue;
      }
      const type = typeFromNumber(typeNum);
      const cls = classFromNumber(classNum);
      let data: unknown;
      if (rdlength === 0 && (classNum === 255 || classNum === 254)) {
        // RFC 2136 §2.5.2/§2.5.4 UPDATE deletes carry no RDATA: keep it opaque under the generic type name.
        out.push({ name, type: `TYPE${typeNum}` as RRTypeName, class: cls, ttl, data: Buffer.alloc(0) } as RR);
        continue;
      }
      const rd = new Reader(bytes, r.pos, rdEnd, 'BAD_RDLENGTH');
      data = readRdata(rd, type);
      r.pos = rdEnd;
      out.push({ name, type, class: cls, ttl, data } as RR);
    }
    return out;
  };
  const answer = readSection(ancount, 'answer');
  const authority = readSection(nscount, 'authority');
  const additional = readSection(arcount, 'additional');
  if (r.pos !== bytes.length) {
    throw new WireError('TRAILING_BYTES', `${bytes.length - r.pos} octets after the last record the header counts announce`, r.pos);
  }
  const message: Message = {
    id,
    opcode: opcodeFromNumber((word >> 11) & 0xf),
    rcode: rcodeFromNumber((extendedRcode << 4) | (word & 0xf)),
    flags: flagsFromWord(word),
    question,
    answer,
    authority,
    additional,
  };
  if (edns !== undefined) message.edns = edns;
  return message;
}
