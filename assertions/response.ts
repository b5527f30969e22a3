// Claims about one DNS response: rcode, header flags, the three record
// sections (order-insensitive, RFC 2181 §5: an RRset has no order), TTL
// ranges and Extended DNS Errors (RFC 8914). Expected records are written as
// zone-file lines, exactly as `dig` prints them.

import { canonicalName } from '../dns/name.ts';
import { rdataKey } from '../dns/rdata-key.ts';
import { edeOf } from '../dns/wire/edns.ts';
import { type Message, type RR, type RcodeName } from '../dns/types.ts';
import { formatRecord } from '../dns/zone/rdata-format.ts';
import { parseRecord } from '../dns/zone/rdata-text.ts';
import { outcome, type AssertionOutcome } from './result.ts';

export type FlagName = 'aa' | 'tc' | 'ad' | 'ra' | 'rd' | 'cd';
export type SectionName = 'answer' | 'authority' | 'additional';

export interface TtlRange {
  min?: number;
  max?: number;
}

/** What a scenario may claim about one response. Every field is optional; absent means "not checked". */
export interface ResponseExpectation {
  /** `TIMEOUT` means no response arrived at all. */
  rcode?: RcodeName | 'TIMEOUT';
  /** e.g. `{ aa: true, ad: false }`. */
  flags?: Partial<Record<FlagName, boolean>>;
  /** The section holds exactly these records (any order). `[]` means empty. */
  answer?: string[];
  authority?: string[];
  additional?: string[];
  /** The answer section holds at least these records. */
  answerIncludes?: string[];
  /** The answer section holds none of these records. */
  answerExcludes?: string[];
  /** The authority section holds at least these records (e.g. the NSEC a denial carries). */
  authorityIncludes?: string[];
  /** Every record in the answer section has a TTL in this range (seconds). */
  answerTtl?: TtlRange;
  /** EDE INFO-CODEs the response must carry (RFC 8914 §4); `[]` means none. */
  ede?: number[];
}

/**
 * A parsed expectation line. A TTL is compared only when the line spells one
 * out (`www 300 IN A …`); a cache's decaying TTL is claimed with `answerTtl`.
 */
interface ExpectedRecord {
  line: string;
  rr: RR;
  ttlGiven: boolean;
}

export class ExpectationSyntaxError extends Error {
  constructor(
    readonly line: string,
    readonly reason: string,
  ) {
    super(`bad record line "${line}": ${reason}`);
    this.name = 'ExpectationSyntaxError';
  }
}

const TTL_TOKEN = /^\d+[smhdwSMHDW]?(\d+[smhdwSMHDW])*$/;

/** Parse one expected record line; throws ExpectationSyntaxError saying what is wrong. */
export function parseExpectedRecord(line: string): ExpectedRecord {
  const tokens = line.trim().split(/\s+/);
  // TTL and class may come in either order after the owner (RFC 1035 §5.1).
  const ttlGiven = TTL_TOKEN.test(tokens[1] ?? '') || (/^(IN|CH|HS|CLASS\d+)$/i.test(tokens[1] ?? '') && TTL_TOKEN.test(tokens[2] ?? ''));
  let rr: RR;
  try {
    rr = parseRecord(line);
  } catch (err) {
    throw new ExpectationSyntaxError(line, err instanceof Error ? err.message : String(err));
  }
  return { line, rr, ttlGiven };
}

function recordKey(rr: RR): string {
  return `${canonicalName(rr.name)}|${rr.class}|${rr.type}|${rdataKey(rr)}`;
}

function matches(expected: ExpectedRecord, actual: RR): boolean {
  if (recordKey(expected.rr) !== recordKey(actual)) return false;
  return !expected.ttlGiven || expected.rr.ttl === actual.ttl;
}

/** Records as dig prints them, sorted so expected and actual line up. */
export function formatRecords(records: readonly RR[]): string {
  if (records.length === 0) return '(empty)';
  return records
    .map((r) => formatRecord(r))
    .sort()
    .join('\n');
}

function formatExpected(lines: readonly string[]): string {
  return lines.length === 0
    ? '(empty)'
    : [...lines]
        .map((l) => l.trim())
        .sort()
        .join('\n');
}

/** Extended DNS Error INFO-CODEs in a message (RFC 8914 §2: 2-octet code, then UTF-8 text). */
export function edeCodes(msg: Message): number[] {
  return edeOf(msg).map((e) => e.infoCode);
}

function sectionExact(section: SectionName, expectedLines: string[], actual: readonly RR[]): AssertionOutcome {
  const expected = expectedLines.map(parseExpectedRecord);
  const unmatched = [...actual];
  let ok = true;
  for (const e of expected) {
    const i = unmatched.findIndex((a) => matches(e, a));
    if (i < 0) ok = false;
    else unmatched.splice(i, 1);
  }
  if (unmatched.length > 0) ok = false;
  return outcome(ok, `${section} section`, formatExpected(expectedLines), formatRecords(actual));
}

/** Check one response against an expectation; one outcome per claim, in a fixed order. */
export function checkResponse(response: Message | undefined, expect: ResponseExpectation): AssertionOutcome[] {
  const out: AssertionOutcome[] = [];
  if (response === undefined) {
    // No answer arrived: only "rcode TIMEOUT" can hold; every other claim fails visibly.
    if (expect.rcode !== undefined) out.push(outcome(expect.rcode === 'TIMEOUT', 'rcode', expect.rcode, 'TIMEOUT (no response)'));
    const others = Object.keys(expect).filter((k) => k !== 'rcode');
    if (others.length > 0) out.push(outcome(false, others.join(', '), 'a response', 'TIMEOUT (no response)'));
    return out;
  }
  if (expect.rcode !== undefined) out.push(outcome(response.rcode === expect.rcode, 'rcode', expect.rcode, response.rcode));
  if (expect.flags) {
    const names = Object.keys(expect.flags) as FlagName[];
    const wanted = names.map((f) => `${f}=${expect.flags![f] ? 1 : 0}`).join(' ');
    const seen = names.map((f) => `${f}=${response.flags[f] ? 1 : 0}`).join(' ');
    const ok = names.every((f) => response.flags[f] === expect.flags![f]);
    out.push(outcome(ok, 'flags', wanted, `${seen}  (flags: ${flagString(response)})`));
  }
  for (const section of ['answer', 'authority', 'additional'] as const) {
    const lines = expect[section];
    if (lines !== undefined) out.push(sectionExact(section, lines, response[section]));
  }
  if (expect.answerIncludes) {
    const missing = expect.answerIncludes.map(parseExpectedRecord).filter((e) => !response.answer.some((a) => matches(e, a)));
    out.push(outcome(missing.length === 0, 'answer includes', formatExpected(expect.answerIncludes), formatRecords(response.answer)));
  }
  if (expect.authorityIncludes) {
    const missing = expect.authorityIncludes.map(parseExpectedRecord).filter((e) => !response.authority.some((a) => matches(e, a)));
    out.push(outcome(missing.length === 0, 'authority includes', formatExpected(expect.authorityIncludes), formatRecords(response.authority)));
  }
  if (expect.answerExcludes) {
    const present = expect.answerExcludes.map(parseExpectedRecord).filter((e) => response.answer.some((a) => matches(e, a)));
    out.push(outcome(present.length === 0, 'answer excludes', `none of:\n${formatExpected(expect.answerExcludes)}`, formatRecords(response.answer)));
  }
  if (expect.answerTtl) {
    const { min = 0, max = 0x7fffffff } = expect.answerTtl;
    const bad = response.answer.filter((r) => r.ttl < min || r.ttl > max);
    out.push(
      outcome(
        bad.length === 0 && response.answer.length > 0,
        'answer TTL',
        `every answer TTL in [${min}, ${max}]`,
        response.answer.length === 0 ? '(empty answer)' : response.answer.map((r) => `${r.ttl}  ${r.name} ${r.type}`).join('\n'),
      ),
    );
  }
  if (expect.ede !== undefined) {
    const seen = edeCodes(response);
    const ok = seen.length === expect.ede.length && expect.ede.every((c) => seen.includes(c));
    out.push(outcome(ok, 'EDE', expect.ede.length ? expect.ede.join(', ') : '(none)', seen.length ? seen.join(', ') : '(none)'));
  }
  return out;
}

export function flagString(msg: Message): string {
  return (['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'] as const).filter((f) => msg.flags[f]).join(' ');
}

/** A response in dig's layout (header, flags, sections), for timelines and failure messages. */
export function formatMessage(msg: Message): string {
  const lines: string[] = [];
  lines.push(`;; ->>HEADER<<- opcode: ${msg.opcode}, status: ${msg.rcode}, id: ${msg.id}`);
  lines.push(
    `;; flags: ${flagString(msg)}; QUERY: ${msg.question.length}, ANSWER: ${msg.answer.length}, AUTHORITY: ${msg.authority.length}, ADDITIONAL: ${msg.additional.length + (msg.edns ? 1 : 0)}`,
  );
  if (msg.edns) {
    const ede = edeCodes(msg);
    lines.push(
      `;; EDNS: version: ${msg.edns.version}, flags:${msg.edns.do ? ' do' : ''}; udp: ${msg.edns.udpPayloadSize}${ede.length ? `; EDE: ${ede.join(', ')}` : ''}`,
    );
  }
  lines.push(';; QUESTION SECTION:');
  for (const q of msg.question) lines.push(`;${q.qname === '.' ? '.' : `${q.qname}.`}\t\t${q.qclass}\t${q.qtype}`);
  for (const section of ['answer', 'authority', 'additional'] as const) {
    if (msg[section].length === 0) continue;
    lines.push(`;; ${section.toUpperCase()} SECTION:`);
    for (const r of msg[section]) lines.push(formatRecord(r));
  }
  return lines.join('\n');
}

/** A short one-line summary: `NOERROR aa  campaign.example.jp. CNAME cdn.example.net.; cdn.example.net. A 192.0.2.80`. */
export function summarizeMessage(msg: Message | undefined): string {
  if (!msg) return 'TIMEOUT (no response)';
  const data = msg.answer.map((r) => {
    const text = formatRecord(r).split(/\s+/);
    // owner ttl class type rdata… → owner type rdata…
    return [text[0], ...text.slice(3)].join(' ');
  });
  const flags = (['aa', 'tc', 'ad'] as const).filter((f) => msg.flags[f]).join(' ');
  return `${msg.rcode}${flags ? ` [${flags}]` : ''}${data.length ? `  ${data.join('; ')}` : ''}`;
}
