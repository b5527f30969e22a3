// Small presentation-format helpers shared by the RDATA parser/formatter and
// the master-file reader: TTLs with units, type/class mnemonics (RFC 3597
// generic forms), character-strings (RFC 1035 §5.1), names relative to an
// origin, IP addresses (adapters over dns/wire/ip.ts), base64/hex (base32hex: dns/base32hex.ts).

import { fromLabels, labelFromOctets, labelOctets, labels, nameProblem, normalizeName, ROOT } from '../name.ts';
import { rrTypeByName, rrTypeByNumber, typesWhere } from '../rr-types.ts';
import { RRClass, type Name, type RRClassName, type RRTypeName } from '../types.ts';
import { classFromNumber, typeFromNumber } from '../wire/types-map.ts';
import { WireError } from '../wire/errors.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../wire/ip.ts';
import { RdataSyntaxError } from './errors.ts';

// ---------------------------------------------------------------------------
// TTLs

const TTL_UNIT: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/**
 * A TTL in seconds: plain decimal, or BIND units (`1h30m`, `2d`, `1W`), as
 * BIND and Knot accept. Undefined if `text` is not a TTL. RFC 2181 §8 caps
 * TTLs at 2^31-1; larger values are not TTLs.
 */
export function parseTtl(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const v = Number(text);
    return v <= 0x7fffffff ? v : undefined;
  }
  const m = /^(?:[0-9]+[wdhmsWDHMS])+[0-9]*$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  const re = /([0-9]+)([wdhmsWDHMS]?)/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(text)) !== null) {
    if (part[0] === '') break;
    total += Number(part[1]) * (part[2] ? TTL_UNIT[part[2].toLowerCase()]! : 1);
  }
  return total <= 0x7fffffff ? total : undefined;
}

// ---------------------------------------------------------------------------
// Types and classes

/** Meta and pseudo types that cannot own data in a zone (RFC 6895 §3.1): the `meta` rows of dns/rr-types.ts. */
export const META_TYPES: ReadonlySet<RRTypeName> = new Set(typesWhere('meta') as RRTypeName[]);

/**
 * RR type from a mnemonic or RFC 3597 `TYPEnnn` (a generic number of a known
 * type maps to its mnemonic, RFC 3597 §5). A `textOnly` mnemonic of
 * dns/rr-types.ts (RP, SPF …) gives `TYPEnnn`. Undefined if not a type.
 */
export function typeFromText(text: string): RRTypeName | undefined {
  const up = text.toUpperCase();
  const row = rrTypeByName(up);
  if (row) return row.textOnly === true ? (`TYPE${row.number}` as RRTypeName) : (up as RRTypeName);
  const n = genericNumber(up, 'TYPE');
  return n === undefined ? undefined : typeFromNumber(n);
}

/** The number of an RFC 3597 §5 generic `TYPEnnn` / `CLASSnnn` (upper case), if it is one. */
function genericNumber(up: string, prefix: 'TYPE' | 'CLASS'): number | undefined {
  if (!up.startsWith(prefix)) return undefined;
  const digits = up.slice(prefix.length);
  if (!/^[0-9]{1,5}$/.test(digits) || Number(digits) > 0xffff) return undefined;
  return Number(digits);
}

/** The mnemonic to print for a type: its RRTypeName, or the `textOnly` mnemonic for `TYPEnnn`. */
export function typeMnemonic(type: RRTypeName): string {
  const m = /^TYPE([0-9]+)$/.exec(type);
  const row = m ? rrTypeByNumber(Number(m[1])) : undefined;
  return row?.textOnly === true ? row.name : type;
}

/** Class from a mnemonic or `CLASSnnn`; undefined if not a class. */
export function classFromText(text: string): RRClassName | undefined {
  const up = text.toUpperCase();
  if (up === 'CS') return 'CLASS2';
  if (Object.prototype.hasOwnProperty.call(RRClass, up)) return up as RRClassName;
  const n = genericNumber(up, 'CLASS');
  return n === undefined ? undefined : classFromNumber(n);
}

// ---------------------------------------------------------------------------
// Character-strings (RFC 1035 §3.3, §5.1)

/** Decode the escapes of a character-string token into its octets. */
export function decodeEscapes(raw: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x5c) {
      const ddd = raw.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(ddd)) {
        const v = Number(ddd);
        if (v > 255) throw new RdataSyntaxError(`escape \\${ddd} is above 255: a \\DDD escape is one octet in decimal`);
        out.push(v);
        i += 3;
      } else if (i + 1 < raw.length) {
        if (/^[0-9]/.test(raw[i + 1]!)) {
          throw new RdataSyntaxError(`bad escape '\\${raw.slice(i + 1, i + 4)}': expected three decimal digits (\\DDD)`);
        }
        pushChar(out, raw.charCodeAt(i + 1));
        i++;
      } else {
        throw new RdataSyntaxError('text ends with a lone backslash');
      }
    } else {
      pushChar(out, c);
    }
  }
  return Buffer.from(out);
}

function pushChar(out: number[], c: number): void {
  if (c <= 0xff) out.push(c);
  else for (const b of Buffer.from(String.fromCharCode(c), 'utf8')) out.push(b);
}

/** Escape octets for a quoted character-string the way BIND/dig print them. */
export function escapeCharString(octets: Uint8Array): string {
  let s = '';
  for (const b of octets) {
    if (b === 0x22 || b === 0x5c) s += '\\' + String.fromCharCode(b);
    else if (b < 0x20 || b > 0x7e) s += '\\' + b.toString().padStart(3, '0');
    else s += String.fromCharCode(b);
  }
  return s;
}

export function quoteCharString(octets: Uint8Array): string {
  return `"${escapeCharString(octets)}"`;
}

// ---------------------------------------------------------------------------
// Names

/**
 * A domain name from master-file text: `@` is the origin, a name without a
 * trailing dot is relative to the origin (RFC 1035 §5.1). Escapes are
 * normalized (`\065` → `A`), case is kept.
 */
export function parseNameText(raw: string, origin: Name | undefined): Name {
  let abs: string;
  if (raw === '@') {
    if (origin === undefined) throw new RdataSyntaxError("'@' used but no origin is set: add $ORIGIN or pass an origin");
    abs = origin;
  } else if (raw === '.') {
    abs = ROOT;
  } else if (raw.endsWith('.') && !escapedAt(raw, raw.length - 1)) {
    abs = raw;
  } else {
    if (origin === undefined) {
      throw new RdataSyntaxError(`relative name '${raw}' but no origin is set: end it with '.' or add $ORIGIN`);
    }
    const o = normalizeName(origin);
    abs = o === ROOT ? raw : `${raw}.${o}`;
  }
  const plain = normalizeName(abs);
  if (PLAIN.test(plain)) {
    // Fast path: no escapes, so the text is already canonical; only lengths to check (RFC 1035 §2.3.4).
    if (plain.length + 2 > 255) throw new RdataSyntaxError(`bad name '${raw}': name is ${plain.length + 2} octets on the wire, more than 255`);
    for (const l of plain.split('.')) if (l.length > 63) throw new RdataSyntaxError(`bad name '${raw}': label "${l}" is ${l.length} octets, more than 63`);
    return plain;
  }
  let canonical: Name;
  try {
    canonical = fromLabels(labels(normalizeName(abs)).map((l) => labelFromOctets(labelOctets(l))));
  } catch (e) {
    throw new RdataSyntaxError(`bad name '${raw}': ${(e as Error).message}`);
  }
  if (raw !== '.' && raw !== '@' && /(^|[^\\])\.\./.test(raw)) {
    throw new RdataSyntaxError(`bad name '${raw}': empty label (two dots in a row)`);
  }
  if (raw.startsWith('.') && raw !== '.') throw new RdataSyntaxError(`bad name '${raw}': empty label at the start`);
  const problem = nameProblem(canonical);
  if (problem) throw new RdataSyntaxError(`bad name '${raw}': ${problem}`);
  return canonical;
}

const PLAIN = /^[A-Za-z0-9_*-]+(?:\.[A-Za-z0-9_*-]+)*$/;

function escapedAt(s: string, index: number): boolean {
  let b = 0;
  for (let i = index - 1; i >= 0 && s[i] === '\\'; i--) b++;
  return b % 2 === 1;
}

// ---------------------------------------------------------------------------
// Addresses

// One parser and printer for the whole code base: dns/wire/ip.ts (RFC 4291
// §2.2 text in, RFC 5952 text out). The zone parser wants "not an address"
// as undefined so it can say which field was wrong, hence these adapters.

function orUndefined(parse: (text: string) => Buffer, text: string): Buffer | undefined {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
}

/** 4 octets of a dotted-quad IPv4 address, or undefined. */
export function parseIpv4(text: string): Buffer | undefined {
  return orUndefined(parseIPv4, text);
}

/** 16 octets of an IPv6 address in any RFC 4291 §2.2 text form, or undefined. */
export function parseIpv6(text: string): Buffer | undefined {
  return orUndefined(parseIPv6, text);
}

export { formatIPv4 as formatIpv4, formatIPv6 as formatIpv6 };

// ---------------------------------------------------------------------------
// Binary encodings

export function parseHex(text: string, what: string): Buffer {
  if (!/^[0-9a-fA-F]*$/.test(text)) throw new RdataSyntaxError(`${what}: expected hexadecimal digits, found '${text}'`);
  if (text.length % 2 !== 0) throw new RdataSyntaxError(`${what}: odd number of hex digits (${text.length})`);
  return Buffer.from(text, 'hex');
}

export function parseBase64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new RdataSyntaxError(`${what}: expected base64 (RFC 4648 §4), found '${text.length > 40 ? text.slice(0, 40) + '…' : text}'`);
  }
  const b = Buffer.from(text, 'base64');
  // Non-zero pad bits ("AwEAAc==") would be silently dropped: refuse them as BIND does.
  if (b.toString('base64') !== text)
    throw new RdataSyntaxError(
      `${what}: '${text.length > 40 ? '…' + text.slice(-12) : text}' is not canonical base64 (the bits after the last octet must be zero)`,
    );
  return b;
}
