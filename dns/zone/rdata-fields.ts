// The field cursor the RDATA reader walks (RFC 1035 §5 presentation fields):
// numbers, names, character-strings, base64/hex blobs, type lists, DNSSEC
// algorithm mnemonics, RRSIG times (RFC 4034 §3.2) and NSEC3 salts, each
// failing with an RdataSyntaxError that names the field and token.

import type { Name, RRTypeName } from '../types.ts';
import { RdataSyntaxError } from './errors.ts';
import { decodeEscapes, parseBase64, parseHex, parseNameText, parseTtl, typeFromText } from './text-util.ts';
import type { Token } from './tokenizer.ts';
import { typeFromNumber, typeToNumber } from '../wire/types-map.ts';

// ---------------------------------------------------------------------------
// Field cursor

export class Fields {
  i = 0;
  constructor(
    readonly tokens: readonly Token[],
    readonly origin: Name | undefined,
    readonly rrType: RRTypeName,
  ) {}

  fail(message: string, index = this.i - 1): never {
    throw new RdataSyntaxError(`${this.rrType} RDATA: ${message}`, Math.max(0, Math.min(index, this.tokens.length - 1)));
  }

  next(what: string): Token {
    const t = this.tokens[this.i];
    if (!t) this.fail(`expected ${what}, found end of record`, this.tokens.length - 1);
    this.i++;
    return t;
  }

  more(): boolean {
    return this.i < this.tokens.length;
  }

  int(what: string, max: number): number {
    const t = this.next(what);
    if (!/^[0-9]+$/.test(t.text) || Number(t.text) > max) this.fail(`expected ${what} (0..${max}), found '${t.text}'`);
    return Number(t.text);
  }
  u8(what: string): number {
    return this.int(what, 0xff);
  }
  u16(what: string): number {
    return this.int(what, 0xffff);
  }
  u32(what: string): number {
    return this.int(what, 0xffffffff);
  }
  /** A 32-bit count of seconds that BIND also accepts with units (SOA timers). */
  period(what: string): number {
    const t = this.next(what);
    if (/^[0-9]+$/.test(t.text) && Number(t.text) <= 0xffffffff) return Number(t.text);
    const v = parseTtl(t.text);
    if (v === undefined) this.fail(`expected ${what} (seconds, or units like 1h30m), found '${t.text}'`);
    return v;
  }

  name(what: string): Name {
    const t = this.next(what);
    try {
      return parseNameText(t.text, this.origin);
    } catch (e) {
      this.fail(`${what}: ${(e as Error).message}`);
    }
  }

  charString(what: string): Buffer {
    const t = this.next(what);
    let b: Buffer;
    try {
      b = decodeEscapes(t.text);
    } catch (e) {
      this.fail(`${what}: ${(e as Error).message}`);
    }
    if (b.length > 255) this.fail(`${what} is ${b.length} octets; a character-string holds at most 255 (split it into several quoted strings)`);
    return b;
  }

  /** All remaining tokens concatenated (base64 and hex may be split by blanks). */
  blob(what: string, allowEmpty = false): string {
    if (!this.more()) {
      if (allowEmpty) return '';
      this.fail(`expected ${what}, found end of record`, this.tokens.length - 1);
    }
    const parts: string[] = [];
    while (this.more()) parts.push(this.next(what).text);
    return parts.join('');
  }

  hexRest(what: string, allowEmpty = false): Buffer {
    const start = this.i;
    const s = this.blob(what, allowEmpty);
    try {
      return parseHex(s, what);
    } catch (e) {
      this.fail((e as Error).message, start);
    }
  }

  base64Rest(what: string): Buffer {
    const start = this.i;
    const s = this.blob(what);
    try {
      return parseBase64(s, what);
    } catch (e) {
      this.fail((e as Error).message, start);
    }
  }

  type(what: string): RRTypeName {
    const t = this.next(what);
    const ty = typeFromText(t.text);
    if (!ty) this.fail(`expected ${what} (a type mnemonic or TYPEnnn), found '${t.text}'`);
    return ty;
  }

  typeList(): RRTypeName[] {
    const nums = new Set<number>();
    while (this.more()) nums.add(typeToNumber(this.type('a type in the type bitmap')));
    return [...nums].sort((a, b) => a - b).map(typeFromNumber);
  }

  algorithm(what: string): number {
    const t = this.next(what);
    if (/^[0-9]+$/.test(t.text)) {
      if (Number(t.text) > 255) this.fail(`expected ${what} (0..255), found '${t.text}'`);
      return Number(t.text);
    }
    const n = ALGORITHM_MNEMONICS[t.text.toUpperCase()];
    if (n === undefined) this.fail(`expected ${what} (a number or mnemonic such as ECDSAP256SHA256), found '${t.text}'`);
    return n;
  }

  end(): void {
    if (this.more()) this.fail(`unexpected '${this.tokens[this.i]!.text}' after the end of the RDATA`, this.i);
  }
}

/** DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers"), accepted in DS/DNSKEY/RRSIG like BIND does. */
const ALGORITHM_MNEMONICS: Record<string, number> = {
  RSAMD5: 1,
  DH: 2,
  DSA: 3,
  RSASHA1: 5,
  'DSA-NSEC3-SHA1': 6,
  'RSASHA1-NSEC3-SHA1': 7,
  RSASHA256: 8,
  RSASHA512: 10,
  'ECC-GOST': 12,
  ECDSAP256SHA256: 13,
  ECDSAP384SHA384: 14,
  ED25519: 15,
  ED448: 16,
  INDIRECT: 252,
  PRIVATEDNS: 253,
  PRIVATEOID: 254,
};

// ---------------------------------------------------------------------------
// Times (RFC 4034 §3.2)

export function parseSigTime(f: Fields, what: string): number {
  const t = f.next(what);
  if (/^[0-9]{14}$/.test(t.text)) {
    const s = t.text;
    const [y, mo, d, h, mi, se] = [s.slice(0, 4), s.slice(4, 6), s.slice(6, 8), s.slice(8, 10), s.slice(10, 12), s.slice(12, 14)].map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ms = Date.UTC(y, mo - 1, d, h, mi, se);
    const back = new Date(ms);
    if (mo < 1 || mo > 12 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== se) {
      f.fail(`${what}: '${s}' is not a valid YYYYMMDDHHmmSS time`);
    }
    // Serial number arithmetic (RFC 4034 §3.1.5): only the low 32 bits travel.
    return (((ms / 1000) % 0x100000000) + 0x100000000) % 0x100000000;
  }
  if (/^[0-9]{1,10}$/.test(t.text) && Number(t.text) <= 0xffffffff) return Number(t.text);
  f.fail(`expected ${what} (YYYYMMDDHHmmSS or seconds since 1970), found '${t.text}'`);
}

/** Digest sizes fixed by the digest algorithm (RFC 4509, RFC 6605 §2, RFC 3658): SHA-1, SHA-256, GOST, SHA-384. */
export const DS_DIGEST_OCTETS: Partial<Record<number, number>> = { 1: 20, 2: 32, 3: 32, 4: 48 };
/** RFC 4255 §3.1.2, RFC 6594: SHA-1, SHA-256. */
export const SSHFP_OCTETS: Partial<Record<number, number>> = { 1: 20, 2: 32 };

export function checkDigestLength(f: Fields, want: number | undefined, got: number, what: string, index: number): void {
  if (want !== undefined && want !== got) f.fail(`${what} needs a ${want}-octet digest, found ${got} octets`, index);
}

export function decodeEscapesOrFail(f: Fields, raw: string, what: string): Buffer {
  try {
    return decodeEscapes(raw);
  } catch (e) {
    f.fail(`${what}: ${(e as Error).message}`);
  }
}

export function parseSalt(f: Fields): Buffer {
  const t = f.next("the salt in hex (or '-' for none)");
  if (t.text === '-') return Buffer.alloc(0);
  try {
    const b = parseHex(t.text, 'salt');
    if (b.length === 0 || b.length > 255) f.fail('the salt must be 1..255 octets, or - for none');
    return b;
  } catch (e) {
    if (e instanceof RdataSyntaxError && e.tokenIndex !== undefined) throw e;
    f.fail((e as Error).message);
  }
}
