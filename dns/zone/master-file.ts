// Master files (RFC 1035 §5): directives $ORIGIN, $TTL (RFC 2308 §4) and
// $INCLUDE, `@`, relative names, blank owner = previous owner, parentheses,
// comments, TTL and class in either order, RFC 3597 generic types/classes and
// RDATA. Every problem is a ZoneSyntaxError naming file, line and column and
// what was expected; nothing is dropped silently.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { canonicalName, isSubdomain, normalizeName, toFqdn } from '../name.ts';
import { rrsetKey } from '../rrset.ts';
import type { Name, RR, RRClassName, RrsigData, SoaData } from '../types.ts';
import { RdataSyntaxError, ZoneSyntaxError } from './errors.ts';
import { parseRdataTokens } from './rdata-text.ts';
import { classFromText, parseNameText, parseTtl, typeFromText } from './text-util.ts';
import { tokenize, type Entry, type Token } from './tokenizer.ts';
import { Zone } from './zone.ts';

export { ZoneSyntaxError } from './errors.ts';

export interface ParseOptions {
  /** Initial origin (what `@` and relative names mean until a $ORIGIN). */
  origin?: Name;
  /** Used in error messages and to resolve relative $INCLUDE paths. */
  fileName?: string;
  /** TTL for records when neither the record, $TTL, nor an earlier record gives one. */
  defaultTtl?: number;
  /** Reads an $INCLUDE'd file (path already resolved against the including file). Without it $INCLUDE is an error. */
  readInclude?: (path: string) => string;
  /**
   * Collect syntax errors here and go on with the next record (as
   * named-checkzone does) instead of throwing the first one (in line
   * order). The records returned are then those that parsed.
   */
  errors?: ZoneSyntaxError[];
}

/** Where a parsed record came from (for messages from zone checks). */
export interface SourcePosition {
  file: string;
  line: number;
}

// Kept on the record under a non-enumerable symbol, not in a WeakMap: 100k
// ephemeron entries made garbage collection dominate zone loading. Being
// non-enumerable, it is invisible to spreads, JSON and deepEqual.
const SOURCE = Symbol('dnslab.zone.source');

/** The file and line a record was parsed from, if it came from parseMasterFile. */
export function sourceOf(rr: RR): SourcePosition | undefined {
  return (rr as { [SOURCE]?: SourcePosition })[SOURCE];
}

/** Records exactly as read from the file (before RRset TTL unification), kept for checkZone. */
const loadedRecords = new WeakMap<Zone, { records: RR[]; version: number }>();

/** The records a Zone was built from by parseZoneText/loadZoneFile, in file order. */
export function recordsAsLoaded(zone: Zone): readonly RR[] | undefined {
  return loadedRecords.get(zone)?.records;
}

/** `zone.version` right after loading (a different value means the zone was edited since). */
export function loadedVersion(zone: Zone): number | undefined {
  return loadedRecords.get(zone)?.version;
}

const MAX_INCLUDE_DEPTH = 16;

/** IANA types with a mnemonic we do not parse: named in the error so the fix is obvious. */
const UNMODELED_TYPES: Readonly<Record<string, number>> = {
  MD: 3,
  MF: 4,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  MINFO: 14,
  X25: 19,
  ISDN: 20,
  RT: 21,
  NSAP: 22,
  SIG: 24,
  KEY: 25,
  PX: 26,
  GPOS: 27,
  LOC: 29,
  NXT: 30,
  EID: 31,
  NIMLOC: 32,
  ATMA: 34,
  CERT: 37,
  A6: 38,
  SINK: 40,
  APL: 42,
  IPSECKEY: 45,
  NINFO: 56,
  RKEY: 57,
  TALINK: 58,
  HIP: 55,
  NID: 104,
  L32: 105,
  L64: 106,
  LP: 107,
  TKEY: 249,
  TSIG: 250,
  DOA: 259,
  AMTRELAY: 260,
  RESINFO: 261,
  WALLET: 262,
};

interface State {
  origin: Name | undefined;
  ttl: number | undefined;
  lastTtl: number | undefined;
  soaMinimum: number | undefined;
  zoneClass: RRClassName | undefined;
  defaultTtl: number | undefined;
  readInclude: ((path: string) => string) | undefined;
  out: RR[];
  errors: ZoneSyntaxError[];
}

/** Parse master-file text into records, in file order. */
export function parseMasterFile(text: string, options: ParseOptions = {}): RR[] {
  const state: State = {
    origin: options.origin === undefined ? undefined : normalizeName(options.origin),
    ttl: undefined,
    lastTtl: undefined,
    soaMinimum: undefined,
    zoneClass: undefined,
    defaultTtl: options.defaultTtl,
    readInclude: options.readInclude,
    out: [],
    errors: options.errors ?? [],
  };
  const file = options.fileName ?? '<text>';
  parseInto(text, file, state, [options.fileName === undefined ? file : resolve(options.fileName)]);
  // Not collecting: the first error in line order (not the first the lexer met).
  if (!options.errors && state.errors.length > 0) throw state.errors[0];
  return state.out;
}

function parseInto(text: string, file: string, state: State, includeStack: string[]): void {
  // A UTF-8 byte-order mark (editors on Windows write one) is not part of the first owner name.
  const { entries, errors: lexErrors } = tokenizeRecovering(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
  let previousOwner: Name | undefined;

  const handle = (entry: Entry): void => {
    const tokens = entry.tokens;
    const first = tokens[0]!;
    const fail: (tok: Token | undefined, msg: string) => never = (tok, msg) => {
      const t = tok ?? tokens[tokens.length - 1]!;
      throw new ZoneSyntaxError(file, t.line, t.column, msg);
    };

    // Directives (RFC 1035 §5.1; $TTL from RFC 2308 §4).
    if (!entry.blankOwner && !first.quoted && first.text.startsWith('$')) {
      const directive = first.text.toUpperCase();
      const args = tokens.slice(1);
      switch (directive) {
        case '$ORIGIN': {
          if (args.length !== 1) fail(args[1] ?? first, `$ORIGIN takes exactly one domain name, found ${args.length} arguments`);
          state.origin = parseName(args[0]!, state.origin, fail);
          break;
        }
        case '$TTL': {
          if (args.length !== 1) fail(args[1] ?? first, `$TTL takes exactly one TTL, found ${args.length} arguments`);
          const ttl = parseTtl(args[0]!.text);
          if (ttl === undefined) fail(args[0], `expected a TTL after $TTL (seconds, or units like 1h30m), found '${args[0]!.text}'`);
          state.ttl = ttl;
          break;
        }
        case '$INCLUDE': {
          if (args.length < 1 || args.length > 2) fail(args[2] ?? first, `$INCLUDE takes a file name and an optional origin, found ${args.length} arguments`);
          if (!state.readInclude) fail(first, '$INCLUDE is not allowed here: no include reader was given (use loadZoneFile or pass readInclude)');
          const target = args[0]!.text;
          const base = file.startsWith('<') ? process.cwd() : dirname(resolve(file));
          const path = resolve(base, target);
          if (includeStack.includes(path)) {
            fail(args[0], `$INCLUDE loop: ${[...includeStack, path].join(' -> ')}`);
          }
          if (includeStack.length >= MAX_INCLUDE_DEPTH) fail(args[0], `$INCLUDE nested more than ${MAX_INCLUDE_DEPTH} deep`);
          let includedText: string;
          try {
            includedText = state.readInclude!(path);
          } catch (e) {
            fail(args[0], `cannot read $INCLUDE file '${target}' (${path}): ${(e as Error).message}`);
          }
          // RFC 1035 §5.1: the included file may get its own origin; the
          // parent's origin is unchanged afterwards.
          const savedOrigin = state.origin;
          if (args[1]) state.origin = parseName(args[1], state.origin, fail);
          parseInto(includedText, target.startsWith('/') ? target : relativeDisplay(file, target), state, [...includeStack, path]);
          state.origin = savedOrigin;
          break;
        }
        case '$GENERATE':
          // BIND extension, read the way named does (named-checkzone -D is the reference).
          for (const generated of expandGenerate(entry, file, fail)) handle(generated);
          break;
        default:
          fail(first, `unknown directive '${first.text}': expected $ORIGIN, $TTL or $INCLUDE`);
      }
      return;
    }

    // A resource record: [owner] [ttl] [class] type rdata  (TTL and class in either order).
    let i = 0;
    let owner: Name;
    let ownerText: string;
    if (entry.blankOwner) {
      if (previousOwner === undefined)
        fail(first, 'this line starts with a blank, so its owner is the previous owner, but there is none yet: start the line with a name');
      owner = previousOwner;
      ownerText = '';
    } else {
      if (first.quoted) fail(first, `expected an owner name, found quoted string "${first.text}"`);
      owner = parseName(first, state.origin, fail);
      ownerText = first.text;
      i = 1;
    }
    // Set before the rest can fail, so after a bad record a blank-owner line still belongs to its owner.
    previousOwner = owner;
    let ttl: number | undefined;
    let cls: RRClassName | undefined;
    for (let k = 0; k < 2 && i < tokens.length; k++) {
      const t = tokens[i]!;
      if (t.quoted) break;
      const asTtl = ttl === undefined ? parseTtl(t.text) : undefined;
      const asClass = cls === undefined ? classFromText(t.text) : undefined;
      if (asTtl !== undefined) ttl = asTtl;
      else if (asClass !== undefined) cls = asClass;
      else break;
      i++;
    }
    const typeTok = tokens[i];
    const after = ownerText === '' ? 'at the start of the line' : `after owner '${ownerText}'`;
    if (!typeTok) fail(undefined, `expected a type ${after}, found end of line`);
    const type = typeTok.quoted ? undefined : typeFromText(typeTok.text);
    const unmodeled = typeTok.quoted ? undefined : UNMODELED_TYPES[typeTok.text.toUpperCase()];
    if (!type && unmodeled !== undefined) {
      fail(
        typeTok,
        `${typeTok.text.toUpperCase()} (type ${unmodeled}) has no presentation format here: write it as TYPE${unmodeled} \\# <length> <hex> (RFC 3597 §5)`,
      );
    }
    if (!type) {
      const wanted = [ttl === undefined ? 'a TTL' : undefined, cls === undefined ? 'class' : undefined, 'type'].filter(Boolean).join(' or ');
      fail(typeTok, `expected ${wanted} ${after}, found '${typeTok.text}'`);
    }
    const rdataTokens = tokens.slice(i + 1);
    let data;
    try {
      data = parseRdataTokens(type, rdataTokens, state.origin);
    } catch (e) {
      if (e instanceof RdataSyntaxError) {
        const idx = e.tokenIndex ?? 0;
        fail(rdataTokens[idx] ?? typeTok, e.message);
      }
      throw e;
    }

    if (cls === 'ANY' || cls === 'NONE') {
      fail(
        tokens.find((t) => classFromText(t.text) === cls),
        `class ${cls} is only meaningful in queries and updates (RFC 1035 §3.2.5, RFC 2136 §2.4); zone data needs a real class such as IN`,
      );
    }
    const klass = cls ?? state.zoneClass ?? 'IN';
    if (state.zoneClass === undefined) state.zoneClass = klass;
    else if (klass !== state.zoneClass) fail(typeTok, `class ${klass} differs from the zone's class ${state.zoneClass}: one zone holds one class`);

    // TTL (RFC 2308 §4; without $TTL the RFC 1035 fallbacks exactly as BIND
    // 9 applies them): explicit, else $TTL, else the MINIMUM of an SOA already
    // read, else the last explicit TTL, else the SOA's own MINIMUM.
    if (type === 'SOA' && state.soaMinimum === undefined) state.soaMinimum = (data as SoaData).minimum;
    let effectiveTtl = ttl ?? state.ttl ?? state.soaMinimum ?? state.lastTtl ?? state.defaultTtl;
    if (effectiveTtl === undefined) {
      fail(typeTok, `no TTL for this record: give one on the record or add a $TTL line before it (RFC 2308 §4)`);
    }
    if (ttl !== undefined) state.lastTtl = ttl;

    const rr = { name: owner, type, class: klass, ttl: effectiveTtl, data } as RR;
    Object.defineProperty(rr, SOURCE, { value: { file, line: typeTok.line }, enumerable: false });
    state.out.push(rr);
  };
  // Every error in line order, the lexer's among the records'.
  const errors = state.errors;
  let nextLexError = 0;
  for (const entry of entries) {
    while (nextLexError < lexErrors.length && lexErrors[nextLexError]!.line < entry.line) errors.push(lexErrors[nextLexError++]!);
    try {
      handle(entry);
    } catch (e) {
      if (!(e instanceof ZoneSyntaxError)) throw e;
      errors.push(e);
    }
  }
  errors.push(...lexErrors.slice(nextLexError));
}

/**
 * Tokenize; a lexer error does not end the file: the lines before it are
 * read, and after an error confined to its line (an unterminated quoted
 * string, a stray ')') so are the lines after it. An unclosed '(' swallows
 * the rest of the file, so nothing after it is read.
 */
function tokenizeRecovering(text: string, file: string): { entries: Entry[]; errors: ZoneSyntaxError[] } {
  try {
    return { entries: tokenize(text, file), errors: [] };
  } catch (e) {
    if (!(e instanceof ZoneSyntaxError)) throw e;
    const lines = text.split('\n');
    const before = tokenizeRecovering(lines.slice(0, e.line - 1).join('\n'), file);
    if (/never closed/.test(e.detail) || e.line >= lines.length) return { entries: before.entries, errors: [...before.errors, e] };
    // Newlines in place of the lines already read keep the line numbers right.
    const after = tokenizeRecovering('\n'.repeat(e.line) + lines.slice(e.line).join('\n'), file);
    return { entries: [...before.entries, ...after.entries], errors: [...before.errors, e, ...after.errors] };
  }
}

function relativeDisplay(includer: string, target: string): string {
  if (includer.startsWith('<')) return target;
  const d = dirname(includer);
  return d === '.' ? target : `${d}/${target}`;
}

function parseName(tok: Token, origin: Name | undefined, fail: (t: Token, m: string) => never): Name {
  try {
    return parseNameText(tok.text, origin);
  } catch (e) {
    return fail(tok, (e as Error).message);
  }
}

// ---------------------------------------------------------------------------
// Zones

/**
 * Build a Zone from parsed records. When an RRset's records carry different
 * TTLs (RFC 2181 §5.2 forbids it; checkZone reports it) we settle them the
 * way BIND 9 loads a file: inside a run of consecutive lines with the same
 * owner the first record's TTL wins ("TTL set to prior TTL"); a later run
 * for the same RRset sets the TTL of the whole set again (checked against
 * named-checkzone -D in test/zone/random-differential). RRSIGs are settled per
 * covered type. Out-of-zone records are an error naming their line (BIND
 * only warns and drops them; we never drop data silently).
 */
export function zoneFromRecords(records: readonly RR[], origin: Name, fileName = '<text>'): Zone {
  const zone = new Zone(origin);
  let runOwner: string | undefined;
  let runTtl = new Map<string, number>();
  for (const rr of records) {
    if (!isSubdomain(rr.name, zone.origin)) {
      const pos = sourceOf(rr);
      throw new ZoneSyntaxError(
        pos?.file ?? fileName,
        pos?.line ?? 0,
        1,
        `${toFqdn(rr.name)} ${rr.type} is outside zone ${toFqdn(zone.origin)}: move it to its own zone or fix the owner (a missing trailing dot?)`,
      );
    }
    const owner = canonicalName(rr.name);
    if (owner !== runOwner) {
      runOwner = owner;
      runTtl = new Map();
    }
    const key = rr.type === 'RRSIG' ? `${rrsetKey(rr.name, rr.type, rr.class)}|${(rr.data as RrsigData).typeCovered}` : rrsetKey(rr.name, rr.type, rr.class);
    let ttl = runTtl.get(key);
    if (ttl === undefined) {
      ttl = rr.ttl;
      runTtl.set(key, ttl);
    }
    zone.add(ttl === rr.ttl ? rr : ({ ...rr, ttl } as RR));
  }
  loadedRecords.set(zone, { records: [...records], version: zone.version });
  return zone;
}

/**
 * The absolute name a `$ORIGIN` directive sets before the file's first record (only `$TTL` may come
 * earlier), or undefined: how a file names its own apex when no origin is given (RFC 1035 §5.1).
 */
export function leadingOrigin(text: string, fileName = '<text>'): Name | undefined {
  for (const entry of tokenize(text, fileName)) {
    const [first, arg] = entry.tokens;
    if (!first || entry.blankOwner || first.quoted || !first.text.startsWith('$')) return undefined;
    const directive = first.text.toUpperCase();
    if (directive === '$ORIGIN') {
      // A malformed or relative $ORIGIN is left to the parser, which reports it with file and line.
      if (!arg || entry.tokens.length !== 2) return undefined;
      try {
        return normalizeName(parseNameText(arg.text, undefined));
      } catch {
        return undefined;
      }
    }
    if (directive !== '$TTL') return undefined;
  }
  return undefined;
}

/** Parse a zone from text. `origin` is the zone apex and the initial $ORIGIN. */
export function parseZoneText(
  text: string,
  origin: Name,
  fileName?: string,
  options: { readInclude?: (path: string) => string; defaultTtl?: number } = {},
): Zone {
  const records = parseMasterFile(text, { origin, ...(fileName === undefined ? {} : { fileName }), ...options });
  return zoneFromRecords(records, origin, fileName);
}

/**
 * Read a master file from disk ($INCLUDE paths resolve against the including
 * file). Without `origin` the apex is the owner of the file's SOA.
 */
export function loadZoneFile(path: string, origin?: Name): Zone {
  const { origin: apex, records } = readMasterFile(path, origin);
  return zoneFromRecords(records, apex, path);
}

/**
 * Read and parse a master file without building a Zone (so out-of-zone data
 * can be reported by checkRecords instead of stopping the load). Without
 * `origin` the apex is the owner of the file's SOA. With `errors`, syntax
 * errors are collected there and the records that parsed are returned.
 */
export function readMasterFile(path: string, origin?: Name, errors?: ZoneSyntaxError[]): { origin: Name; records: RR[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ZoneSyntaxError(path, 0, 0, `cannot read zone file: ${(e as Error).message}`);
  }
  const records = parseMasterFile(text, {
    ...(origin === undefined ? {} : { origin }),
    fileName: path,
    readInclude: (p) => readFileSync(p, 'utf8'),
    ...(errors ? { errors } : {}),
  });
  let apex = origin;
  if (apex === undefined) {
    const soa = records.find((r) => r.type === 'SOA');
    if (!soa) throw new ZoneSyntaxError(path, 1, 1, 'no origin given and the file has no SOA record to take it from: pass the origin');
    apex = soa.name;
  }
  return { origin: normalizeName(apex), records };
}

// ---------------------------------------------------------------------------
// $GENERATE (BIND): `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs`.
// `$` is the iterator, `${offset[,width[,base]]}` formats it (base d, o, x, X),
// `\$` is a literal dollar sign.

/** Upper bound on records one $GENERATE may produce (every loop is bounded). */
const MAX_GENERATE = 65536;

function expandGenerate(entry: Entry, file: string, fail: (tok: Token | undefined, msg: string) => never): Entry[] {
  const [directive, range, lhs, ...rest] = entry.tokens;
  if (!range || !lhs || rest.length < 2) fail(directive, '$GENERATE needs a range, an owner pattern, a type and RDATA: $GENERATE 1-10 host$ A 192.0.2.$');
  const m = /^([0-9]+)-([0-9]+)(?:\/([0-9]+))?$/.exec(range.text);
  if (!m) fail(range, `expected a range like 1-100 or 0-254/2 after $GENERATE, found '${range.text}'`);
  const start = Number(m[1]);
  const stop = Number(m[2]);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (start > stop) fail(range, `$GENERATE range ${range.text} runs backwards`);
  if (step < 1) fail(range, '$GENERATE step must be at least 1');
  if (Math.floor((stop - start) / step) + 1 > MAX_GENERATE) fail(range, `$GENERATE range ${range.text} makes more than ${MAX_GENERATE} records`);
  // As in BIND, the RDATA is ONE token (quote it if it has blanks) that is
  // substituted and then read again as RDATA text.
  let typeAt = 0;
  while (typeAt < 2 && typeAt < rest.length - 1 && typeFromText(rest[typeAt]!.text) === undefined) typeAt++;
  if (rest.length > typeAt + 2) fail(rest[typeAt + 2], '$GENERATE takes a single RDATA token after the type: quote it if it contains blanks');
  const rhs = rest[rest.length - 1]!;
  const middle = rest.slice(0, -1);
  const out: Entry[] = [];
  for (let v = start; v <= stop; v += step) {
    let rdata: Token[];
    try {
      rdata = tokenize(substituteGenerate(rhs, v, fail), file).flatMap((e) => e.tokens);
    } catch (e) {
      if (e instanceof ZoneSyntaxError) fail(rhs, `$GENERATE RDATA for ${v}: ${e.detail}`);
      throw e;
    }
    const owner = { ...lhs, text: substituteGenerate(lhs, v, fail) };
    out.push({ line: entry.line, blankOwner: false, tokens: [owner, ...middle, ...rdata.map((t) => ({ ...t, line: rhs.line, column: rhs.column }))] });
  }
  return out;
}

function substituteGenerate(tok: Token, value: number, fail: (tok: Token | undefined, msg: string) => never): string {
  const s = tok.text;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      out += c + s[i + 1]!;
      i++;
    } else if (c === '$') {
      if (s[i + 1] === '{') {
        const close = s.indexOf('}', i);
        if (close < 0) fail(tok, `unterminated \${...} in $GENERATE pattern '${s}'`);
        const mod = /^(-?[0-9]+)(?:,([0-9]+)(?:,([doxX]))?)?$/.exec(s.slice(i + 2, close));
        if (!mod) fail(tok, `bad $GENERATE modifier '${s.slice(i, close + 1)}': expected \${offset[,width[,base]]} with base d, o, x or X`);
        const n = value + Number(mod[1]);
        if (n < 0) fail(tok, `$GENERATE modifier '${s.slice(i, close + 1)}' makes a negative number`);
        const base = mod[3] ?? 'd';
        let text = n.toString(base === 'o' ? 8 : base === 'd' ? 10 : 16);
        if (base === 'X') text = text.toUpperCase();
        out += text.padStart(Number(mod[2] ?? 0), '0');
        i = close;
      } else {
        out += String(value);
      }
    } else {
      out += c;
    }
  }
  return out;
}
