// Reader for `.rpl` resolver scenarios, the format Unbound's testbound
// introduced and Deckard documents (doc/scenario_guide.rst): a CONFIG block of
// "key: value" lines up to CONFIG_END, then SCENARIO_BEGIN … SCENARIO_END
// holding RANGE blocks (scripted answers by step range and server address) and
// STEPs (queries to the resolver, checks of its answers, time passing).
// Everything it cannot read is an RplSyntaxError naming file:line and what was
// expected (docs/ARCHITECTURE.md, "Bad input never crashes the lab").

import { emptyFlags, makeEdns } from '../message.ts';
import { normalizeName } from '../name.ts';
import { DnslabError, Opcode, Rcode, type HeaderFlags, type Message, type OpcodeName, type Question, type RcodeName, type RR } from '../types.ts';
import { parseRecord } from '../zone/rdata-text.ts';
import { classFromText, typeFromText } from '../zone/text-util.ts';

export class RplSyntaxError extends DnslabError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super('RPL_SYNTAX', `${file}:${line}: ${detail}`);
    this.name = 'RplSyntaxError';
  }
}

/** MATCH elements (scenario_guide.rst "Entry matching"); `all` and `question` are expanded when read. */
export const MATCH_ELEMENTS = [
  'opcode',
  'qtype',
  'qname',
  'qcase',
  'subdomain',
  'flags',
  'rcode',
  'answer',
  'authority',
  'additional',
  'edns',
  'nsid',
] as const;
export type MatchElement = (typeof MATCH_ELEMENTS)[number];

/** ADJUST elements (scenario_guide.rst "Entry adjusting"). */
export const ADJUST_ELEMENTS = ['copy_id', 'copy_query', 'raw_id', 'do_not_answer'] as const;
export type AdjustElement = (typeof ADJUST_ELEMENTS)[number];

const HEADER_FLAGS: Record<string, keyof HeaderFlags> = { QR: 'qr', AA: 'aa', TC: 'tc', RD: 'rd', RA: 'ra', AD: 'ad', CD: 'cd' };

/** Deckard gives every entry EDNS version 0 with a 4096-octet buffer (pydnstest Entry, "Default values"). */
export const RPL_EDNS_SIZE = 4096;

export interface RplEntry {
  /** Line of ENTRY_BEGIN. */
  line: number;
  /** Undefined when the entry has no MATCH line (a query or a one-shot reply). */
  match?: Set<MatchElement>;
  adjust: Set<AdjustElement>;
  /** The message the entry describes: flags, rcode and opcode from REPLY, EDNS 0/4096 (DO from REPLY), sections. */
  message: Message;
  /** Hex of a RAW section, decoded. */
  raw?: Buffer;
}

export interface RplRange {
  line: number;
  from: number;
  to: number;
  addresses: string[];
  entries: RplEntry[];
}

export type RplStepType = 'QUERY' | 'CHECK_ANSWER' | 'CHECK_OUT_QUERY' | 'TIME_PASSES' | 'REPLY';

export interface RplStep {
  line: number;
  id: number;
  type: RplStepType;
  /** TIME_PASSES ELAPSE: seconds. */
  elapse?: number;
  entry?: RplEntry;
}

export interface RplConfigLine {
  line: number;
  key: string;
  value: string;
}

export interface RplScenario {
  file: string;
  config: RplConfigLine[];
  /** Text after SCENARIO_BEGIN. */
  description: string;
  ranges: RplRange[];
  steps: RplStep[];
}

/** A line without its comment (";" outside double quotes) and surrounding blanks. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) return line.slice(0, i).trim();
  }
  return line.trim();
}

type Section = 'QUESTION' | 'ANSWER' | 'AUTHORITY' | 'ADDITIONAL';

/** Read a whole `.rpl` text. */
export function parseRpl(text: string, file = '<rpl>'): RplScenario {
  const lines = text.split(/\r?\n/);
  // "found end of file" errors name the last line that has something on it.
  let lastLine = lines.length;
  while (lastLine > 1 && lines[lastLine - 1]!.trim() === '') lastLine--;
  let i = 0;
  const fail = (line: number, detail: string): never => {
    throw new RplSyntaxError(file, line, detail);
  };
  const config: RplConfigLine[] = [];
  // CONFIG: every line up to CONFIG_END ("key: value"; '#' also starts a comment there, as in Deckard).
  let configEnded = false;
  for (; i < lines.length; i++) {
    const raw = stripComment(lines[i]!);
    if (raw === '') continue;
    if (raw === 'CONFIG_END') {
      configEnded = true;
      i++;
      break;
    }
    if (/^(SCENARIO_BEGIN|RANGE_BEGIN|STEP|ENTRY_BEGIN)\b/.test(raw)) fail(i + 1, `expected CONFIG_END before ${raw.split(/\s/)[0]}`);
    const t = raw.includes('#') ? raw.slice(0, raw.indexOf('#')).trim() : raw;
    if (t === '') continue;
    const m = /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/.exec(t);
    if (!m) fail(i + 1, `expected a config line "key: value" or CONFIG_END, found "${t}"`);
    config.push({ line: i + 1, key: m![1]!, value: m![2]!.replace(/^(["'])(.*)\1$/, '$2') });
  }
  if (!configEnded) fail(lastLine, 'expected CONFIG_END, found end of file');

  // The rest: one keyword per line.
  const next = (): { line: number; text: string; words: string[] } | undefined => {
    for (; i < lines.length; i++) {
      const t = stripComment(lines[i]!);
      if (t !== '') {
        i++;
        return { line: i, text: t, words: t.split(/\s+/) };
      }
    }
    return undefined;
  };
  const peek = (): string | undefined => {
    const save = i;
    const n = next();
    i = save;
    return n?.words[0];
  };

  const begin = next();
  if (!begin || begin.words[0] !== 'SCENARIO_BEGIN')
    fail(begin?.line ?? lastLine, `expected SCENARIO_BEGIN, found ${begin ? `"${begin.text}"` : 'end of file'}`);
  const scenario: RplScenario = { file, config, description: begin!.words.slice(1).join(' '), ranges: [], steps: [] };

  const readEntry = (start: number): RplEntry => {
    const message: Message = { id: 0, opcode: 'QUERY', rcode: 'NOERROR', flags: emptyFlags(), question: [], answer: [], authority: [], additional: [] };
    message.edns = makeEdns({ udpPayloadSize: RPL_EDNS_SIZE });
    const entry: RplEntry = { line: start, adjust: new Set(), message };
    let section: Section | undefined;
    for (;;) {
      const n = next();
      if (!n) return fail(start, 'expected ENTRY_END for this ENTRY_BEGIN, found end of file');
      const [kw, ...args] = n.words as [string, ...string[]];
      switch (kw) {
        case 'ENTRY_END':
          return entry;
        case 'MATCH': {
          entry.match ??= new Set();
          for (const a of args) {
            if (a === 'all') for (const e of ['opcode', 'qtype', 'qname', 'flags', 'rcode', 'answer', 'authority', 'additional'] as const) entry.match.add(e);
            else if (a === 'question') entry.match.add('qtype').add('qname');
            else if ((MATCH_ELEMENTS as readonly string[]).includes(a)) entry.match.add(a as MatchElement);
            else fail(n.line, `unknown MATCH element "${a}" (expected one of: all, question, ${MATCH_ELEMENTS.join(', ')})`);
          }
          break;
        }
        case 'ADJUST':
          for (const a of args) {
            if (!(ADJUST_ELEMENTS as readonly string[]).includes(a))
              fail(n.line, `unknown ADJUST element "${a}" (expected one of: ${ADJUST_ELEMENTS.join(', ')})`);
            entry.adjust.add(a as AdjustElement);
          }
          break;
        case 'REPLY':
        case 'FLAGS': {
          let rcode: string | undefined;
          let opcode: string | undefined;
          for (const a of args) {
            if (HEADER_FLAGS[a]) message.flags[HEADER_FLAGS[a]] = true;
            else if (a === 'DO') message.edns!.do = true;
            else if (a in Rcode) {
              if (rcode !== undefined) fail(n.line, `two rcodes in ${kw}: ${rcode} and ${a}`);
              rcode = a;
              message.rcode = a as RcodeName;
            } else if (a in Opcode) {
              if (opcode !== undefined) fail(n.line, `two opcodes in ${kw}: ${opcode} and ${a}`);
              opcode = a;
              message.opcode = a as OpcodeName;
            } else fail(n.line, `unknown ${kw} element "${a}" (expected a header flag QR AA TC RD RA AD CD, DO, an rcode or an opcode)`);
          }
          break;
        }
        case 'SECTION': {
          const s = args[0];
          if ((s !== 'QUESTION' && s !== 'ANSWER' && s !== 'AUTHORITY' && s !== 'ADDITIONAL') || args.length !== 1)
            fail(n.line, `expected SECTION QUESTION, ANSWER, AUTHORITY or ADDITIONAL, found "${n.text}"`);
          section = s as Section;
          break;
        }
        case 'RAW': {
          const hex = next();
          if (!hex || !/^[0-9a-fA-F]*$/.test(hex.text) || hex.text.length % 2 !== 0)
            fail(hex?.line ?? n.line, `expected one line of hexadecimal octets after RAW, found ${hex ? `"${hex.text.slice(0, 40)}"` : 'end of file'}`);
          if (entry.raw) fail(n.line, 'an ENTRY holds at most one RAW section');
          entry.raw = Buffer.from(hex!.text, 'hex');
          break;
        }
        case 'MANDATORY':
          break; // Deckard: the entry must have fired by the end; dnslab reports unanswered queries instead.
        default: {
          if (/^(ENTRY_BEGIN|STEP|RANGE_BEGIN|RANGE_END|SCENARIO_END)$/.test(kw))
            fail(n.line, `expected ENTRY_END before ${kw} (ENTRY_BEGIN at line ${start})`);
          if (section === undefined) fail(n.line, `expected MATCH, ADJUST, REPLY, SECTION, RAW or ENTRY_END, found "${n.text}"`);
          if (section === 'QUESTION') message.question.push(readQuestion(n.words, n.line));
          else {
            const rr = readRecord(n.text, n.line);
            (section === 'ANSWER' ? message.answer : section === 'AUTHORITY' ? message.authority : message.additional).push(rr);
          }
        }
      }
    }
  };

  const readRecord = (text: string, line: number): RR => {
    try {
      // parseRecord's default TTL (3600) is Deckard's default too.
      return parseRecord(text, '.');
    } catch (e) {
      // dnspython decodes base64 without checking its padding ("UNUSABLE==" in a deliberately broken RRSIG):
      // read the last field re-padded before giving up.
      const repadded = text.replace(/([A-Za-z0-9+/]+)=*$/, (_m, b: string) => b + '='.repeat((4 - (b.length % 4)) % 4));
      if (repadded !== text && /base64/.test((e as Error).message)) {
        try {
          return parseRecord(repadded, '.');
        } catch {
          // report the first error
        }
      }
      return fail(line, `expected a record "owner [ttl] [class] type rdata": ${(e as Error).message.replace(/^<record>:\d+:\d+: /, '')}`);
    }
  };

  const readQuestion = (words: string[], line: number): Question => {
    const [owner, a, b] = words;
    const cls = b !== undefined ? classFromText(a!) : undefined;
    const typeText = b ?? a;
    if (b !== undefined && cls === undefined) fail(line, `expected "name [class] type" in SECTION QUESTION, "${a}" is no class`);
    // NULL (RFC 1035 §3.3.10) is not in dns/rr-types.ts; its number is.
    const qtype = typeText === undefined ? undefined : typeFromText(typeText.toUpperCase() === 'NULL' ? 'TYPE10' : typeText);
    if (words.length > 3 || qtype === undefined) fail(line, `expected "name [class] type" in SECTION QUESTION, found "${words.join(' ')}"`);
    return { qname: normalizeName(owner!), qtype: qtype!, qclass: cls ?? 'IN' };
  };

  const int = (text: string | undefined, line: number, what: string): number => {
    if (text === undefined || !/^\d+$/.test(text))
      return fail(line, `expected ${what} (a non-negative integer), found ${text === undefined ? 'end of line' : `"${text}"`}`);
    return Number(text);
  };

  for (;;) {
    const n = next();
    if (!n) return fail(lastLine, 'expected SCENARIO_END, found end of file');
    const [kw, ...args] = n.words as [string, ...string[]];
    if (kw === 'SCENARIO_END') break;
    if (kw === 'RANGE_BEGIN') {
      const range: RplRange = {
        line: n.line,
        from: int(args[0], n.line, 'the first step of RANGE_BEGIN'),
        to: int(args[1], n.line, 'the last step of RANGE_BEGIN'),
        addresses: [],
        entries: [],
      };
      if (range.from > range.to) fail(n.line, `RANGE_BEGIN ${range.from} ${range.to}: the first step is after the last`);
      if (args[2] !== undefined) range.addresses.push(args[2]);
      for (;;) {
        const r = next();
        if (!r) return fail(n.line, 'expected RANGE_END for this RANGE_BEGIN, found end of file');
        if (r.words[0] === 'RANGE_END') break;
        if (r.words[0] === 'ADDRESS') {
          if (!/^[0-9a-fA-F.:]+$/.test(r.words[1] ?? '')) fail(r.line, `expected an IPv4 or IPv6 address after ADDRESS, found "${r.words[1] ?? ''}"`);
          range.addresses.push(r.words[1]!);
        } else if (r.words[0] === 'ENTRY_BEGIN') range.entries.push(readEntry(r.line));
        else fail(r.line, `expected ADDRESS, ENTRY_BEGIN or RANGE_END inside RANGE_BEGIN (line ${n.line}), found "${r.text}"`);
      }
      scenario.ranges.push(range);
      continue;
    }
    if (kw === 'STEP') {
      const id = int(args[0], n.line, 'a step number after STEP');
      const t = args[1];
      let step: RplStep;
      if (t === 'TIME_PASSES') {
        if (args[2] !== 'ELAPSE') fail(n.line, `expected "STEP ${id} TIME_PASSES ELAPSE seconds", found "${n.text}"`);
        step = { line: n.line, id, type: 'TIME_PASSES', elapse: int(args[3], n.line, 'seconds after ELAPSE') };
      } else if (t === 'QUERY' || t === 'CHECK_ANSWER' || t === 'CHECK_OUT_QUERY' || t === 'REPLY') {
        step = { line: n.line, id, type: t };
      } else return fail(n.line, `unknown step type "${t ?? ''}" (expected QUERY, CHECK_ANSWER, CHECK_OUT_QUERY, REPLY or TIME_PASSES ELAPSE N)`);
      if (peek() === 'ENTRY_BEGIN') step.entry = readEntry(next()!.line);
      else if (step.type === 'QUERY' || step.type === 'CHECK_ANSWER' || step.type === 'REPLY')
        fail(n.line, `STEP ${id} ${step.type} needs an ENTRY_BEGIN … ENTRY_END after it`);
      const prev = scenario.steps[scenario.steps.length - 1];
      if (prev && prev.id >= id) fail(n.line, `step numbers must increase: STEP ${id} after STEP ${prev.id}`);
      scenario.steps.push(step);
      continue;
    }
    fail(n.line, `expected RANGE_BEGIN, STEP or SCENARIO_END, found "${n.text}"`);
  }
  return scenario;
}

/** The value of a CONFIG key (the last one wins), or undefined. */
export function configValue(s: RplScenario, key: string): string | undefined {
  return s.config.filter((c) => c.key === key).at(-1)?.value;
}
