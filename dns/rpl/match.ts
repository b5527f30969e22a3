// Entry matching for `.rpl` scenarios (Deckard doc/scenario_guide.rst, "Entry
// matching"): an ENTRY's MATCH elements compare the message it describes with
// a received one. The same comparison picks a scripted answer for a query
// (servers/scripted) and judges a resolver's answer (CHECK_ANSWER).

import { isSubdomain } from '../name.ts';
import type { HeaderFlags, Message, RR } from '../types.ts';
import { canonicalRdata } from '../wire/canonical.ts';
import { formatRecord } from '../zone/rdata-format.ts';
import type { MatchElement, RplEntry } from './reader.ts';

const FLAG_ORDER: (keyof HeaderFlags)[] = ['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'];

/** Header flags as Deckard prints them ("QR RD RA"). */
export function flagsText(f: HeaderFlags): string {
  return FLAG_ORDER.filter((k) => f[k])
    .map((k) => k.toUpperCase())
    .join(' ');
}

/** One record as a comparison key: owner case-insensitive, TTL ignored, RDATA in canonical form (dnspython rdata equality). */
function recordKey(rr: RR): string {
  let rdata: string;
  try {
    rdata = canonicalRdata(rr).toString('hex');
  } catch {
    rdata = JSON.stringify(rr.data);
  }
  return `${rr.name.toLowerCase()}|${rr.class}|${rr.type}|${rdata}`;
}

/** Same records, as multisets (each expected present, each received expected, same count). */
function sameRecords(expected: readonly RR[], got: readonly RR[]): boolean {
  if (expected.length !== got.length) return false;
  const want = new Map<string, number>();
  for (const rr of expected) want.set(recordKey(rr), (want.get(recordKey(rr)) ?? 0) + 1);
  for (const rr of got) {
    const k = recordKey(rr);
    const n = want.get(k);
    if (!n) return false;
    want.set(k, n - 1);
  }
  return true;
}

const sectionText = (rrs: readonly RR[]) => (rrs.length ? rrs.map(formatRecord).join(' | ') : '(empty)');

/** Why `got` does not match `expected` on `element` (undefined: it matches). */
function mismatch(element: MatchElement, expected: Message, got: Message): string | undefined {
  const eq = expected.question[0];
  const gq = got.question[0];
  const question = (what: string, e: string | undefined, g: string | undefined) =>
    e === g ? undefined : `${what}: expected ${e ?? '<empty question>'}, got ${g ?? '<empty question>'}`;
  switch (element) {
    case 'opcode':
      return expected.opcode === got.opcode ? undefined : `opcode: expected ${expected.opcode}, got ${got.opcode}`;
    case 'qtype':
      return !eq && !gq ? undefined : question('qtype', eq?.qtype, gq?.qtype);
    case 'qname':
      return !eq && !gq ? undefined : question('qname', eq?.qname.toLowerCase(), gq?.qname.toLowerCase());
    case 'qcase':
      return !eq && !gq ? undefined : question('qcase', eq?.qname, gq?.qname);
    case 'subdomain':
      if (!eq) return undefined;
      return isSubdomain((gq?.qname ?? '.').toLowerCase(), eq.qname.toLowerCase()) ? undefined : `subdomain: ${gq?.qname ?? '.'} is not under ${eq.qname}`;
    case 'flags':
      return flagsText(expected.flags) === flagsText(got.flags) ? undefined : `flags: expected "${flagsText(expected.flags)}", got "${flagsText(got.flags)}"`;
    case 'rcode':
      return expected.rcode === got.rcode ? undefined : `rcode: expected ${expected.rcode}, got ${got.rcode}`;
    case 'answer':
    case 'authority':
    case 'additional': {
      const e = expected[element];
      const g = got[element];
      return sameRecords(e, g) ? undefined : `${element}: expected ${sectionText(e)}; got ${sectionText(g)}`;
    }
    case 'edns': {
      const e = expected.edns ? `${expected.edns.version}/${expected.edns.udpPayloadSize}` : 'none';
      const g = got.edns ? `${got.edns.version}/${got.edns.udpPayloadSize}` : 'none';
      return e === g ? undefined : `edns: expected ${e}, got ${g}`;
    }
    case 'nsid': {
      const opt = (m: Message) => m.edns?.options.find((o) => o.code === 3)?.data.toString('hex');
      return opt(expected) === opt(got) ? undefined : `nsid: expected ${opt(expected) ?? 'none'}, got ${opt(got) ?? 'none'}`;
    }
  }
}

/** Every mismatch of `got` against the entry's MATCH elements, in MATCH order; [] when it matches. */
export function entryMismatches(entry: RplEntry, got: Message): string[] {
  const out: string[] = [];
  for (const element of entry.match ?? []) {
    const m = mismatch(element, entry.message, got);
    if (m !== undefined) out.push(m);
  }
  return out;
}

export function entryMatches(entry: RplEntry, got: Message): boolean {
  for (const element of entry.match ?? []) if (mismatch(element, entry.message, got) !== undefined) return false;
  return true;
}
