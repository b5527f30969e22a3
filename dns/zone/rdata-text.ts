// RDATA presentation format: parsing the fields of one record (RFC 1035 §5,
// RFC 3597 generic `\# len hex`, RFC 4034 §2.2/§3.2/§4.2/§5.3, RFC 5155 §3.3/§4.3,
// RFC 6698 §2.2, RFC 4255 §3.2, RFC 8659 §4.1.1, RFC 7553, RFC 9460 §2.1) and
// printing it the way dig and BIND do, so `parseRdata(formatRdata(rr))`
// gives back the same data for every type.

import { base32hex, fromBase32hex } from '../base32hex.ts';
import { toFqdn } from '../name.ts';
import type {
  CaaData,
  DnskeyData,
  DsData,
  HinfoData,
  MxData,
  Name,
  NaptrData,
  Nsec3Data,
  Nsec3ParamData,
  NsecData,
  RData,
  RR,
  RRClassName,
  RRTypeName,
  RrsigData,
  SoaData,
  SrvData,
  SshfpData,
  SvcbData,
  SvcParam,
  TlsaData,
  UriData,
} from '../types.ts';
import { RdataSyntaxError, ZoneSyntaxError } from './errors.ts';
import type { Reader } from '../wire/buffer.ts';
import { decodeRdata, encodeRdata, nameWire, rdataReader, readCharString, readTypeBitmap, typeBitmapWire } from '../wire/rdata.ts';
import {
  classFromText,
  decodeEscapes,
  escapeCharString,
  formatIpv4,
  formatIpv6,
  META_TYPES,
  parseBase64,
  parseHex,
  parseIpv4,
  parseIpv6,
  parseNameText,
  parseTtl,
  quoteCharString,
  typeFromText,
  typeMnemonic,
} from './text-util.ts';
import { tokenize, type Token } from './tokenizer.ts';
import { typeFromNumber, typeToNumber } from '../wire/types-map.ts';

// ---------------------------------------------------------------------------
// Field cursor

class Fields {
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
// SVCB / HTTPS SvcParams (RFC 9460 §2.1, §7; RFC 9461 §5 dohpath)

export const SVC_PARAM_KEYS: Record<string, number> = {
  mandatory: 0,
  alpn: 1,
  'no-default-alpn': 2,
  port: 3,
  ipv4hint: 4,
  ech: 5,
  ipv6hint: 6,
  dohpath: 7,
};
const SVC_KEY_NAMES = new Map<number, string>(Object.entries(SVC_PARAM_KEYS).map(([k, v]) => [v, k]));

function svcKeyFromText(text: string): number | undefined {
  const known = SVC_PARAM_KEYS[text.toLowerCase()];
  if (known !== undefined) return known;
  const m = /^key([0-9]{1,5})$/i.exec(text);
  if (!m || Number(m[1]) > 65535) return undefined;
  return Number(m[1]);
}

function svcKeyName(key: number): string {
  return SVC_KEY_NAMES.get(key) ?? `key${key}`;
}

/** Split a comma-separated value list (RFC 9460 Appendix A.1): `\,` is a literal comma, `\\` a backslash. */
function splitValueList(octets: Buffer): Buffer[] {
  const items: Buffer[] = [];
  let cur: number[] = [];
  for (let i = 0; i < octets.length; i++) {
    const b = octets[i]!;
    if (b === 0x5c && i + 1 < octets.length) {
      cur.push(octets[i + 1]!);
      i++;
    } else if (b === 0x2c) {
      items.push(Buffer.from(cur));
      cur = [];
    } else {
      cur.push(b);
    }
  }
  items.push(Buffer.from(cur));
  return items;
}

function parseSvcParams(f: Fields): SvcParam[] {
  const params: SvcParam[] = [];
  while (f.more()) {
    const t = f.next('a SvcParam (key=value)');
    const eq = t.text.indexOf('=');
    const keyText = eq < 0 ? t.text : t.text.slice(0, eq);
    const key = svcKeyFromText(keyText);
    if (key === undefined) f.fail(`unknown SvcParamKey '${keyText}': use a name from RFC 9460 §14.3.2 or keyNNNNN`);
    let rawValue: string | undefined;
    if (eq >= 0) {
      rawValue = t.text.slice(eq + 1);
      if (rawValue.startsWith('"')) {
        if (!rawValue.endsWith('"') || rawValue.length < 2) f.fail(`unterminated quoted value for '${keyText}'`);
        rawValue = rawValue.slice(1, -1);
      } else if (rawValue === '' && f.more() && f.tokens[f.i]!.quoted) {
        // `key= "value"` is not RFC 9460 syntax, but a quoted token right after
        // `key=` can only be the value.
        rawValue = f.next('a SvcParamValue').text;
      }
    } else if (t.quoted) {
      f.fail(`expected a SvcParam (key=value), found quoted string '${t.text}'`);
    }
    let octets: Buffer | undefined;
    if (rawValue !== undefined) {
      try {
        octets = decodeEscapes(rawValue);
      } catch (e) {
        f.fail(`${keyText}: ${(e as Error).message}`);
      }
    }
    const need = (): Buffer => {
      if (octets === undefined || octets.length === 0) f.fail(`SvcParam '${keyText}' needs a value`);
      return octets;
    };
    let value: Buffer;
    // `keyNNNNN=` carries the raw wire value even for a key we know by name
    // (as BIND reads it); named keys use their own syntax (RFC 9460 §7).
    const generic = /^key[0-9]+$/i.test(keyText);
    switch (generic ? -1 : key) {
      case 0: {
        const keys = splitValueList(need()).map((k) => {
          const n = svcKeyFromText(k.toString('latin1'));
          if (n === undefined) f.fail(`mandatory: unknown key '${k.toString('latin1')}'`);
          if (n === 0) f.fail("mandatory must not list 'mandatory' itself (RFC 9460 §8)");
          return n;
        });
        const sorted = [...new Set(keys)].sort((a, b) => a - b);
        if (sorted.length !== keys.length) f.fail('mandatory lists a key twice');
        value = Buffer.alloc(sorted.length * 2);
        sorted.forEach((k, i) => value.writeUInt16BE(k, i * 2));
        break;
      }
      case 1: {
        const ids = splitValueList(need());
        for (const id of ids) {
          if (id.length === 0) f.fail('alpn: empty protocol id');
          if (id.length > 255) f.fail('alpn: protocol id longer than 255 octets');
        }
        value = Buffer.concat(ids.flatMap((id) => [Buffer.from([id.length]), id]));
        break;
      }
      case 2:
        if (octets !== undefined) f.fail('no-default-alpn takes no value');
        value = Buffer.alloc(0);
        break;
      case 3: {
        const s = need().toString('latin1');
        if (!/^[0-9]+$/.test(s) || Number(s) > 65535) f.fail(`port: expected 0..65535, found '${s}'`);
        value = Buffer.alloc(2);
        value.writeUInt16BE(Number(s));
        break;
      }
      case 4:
        value = Buffer.concat(
          need()
            .toString('latin1')
            .split(',')
            .map((a) => parseIpv4(a) ?? f.fail(`ipv4hint: '${a}' is not an IPv4 address`)),
        );
        break;
      case 5:
        try {
          value = parseBase64(need().toString('latin1'), 'ech');
        } catch (e) {
          f.fail((e as Error).message);
        }
        break;
      case 6:
        value = Buffer.concat(
          need()
            .toString('latin1')
            .split(',')
            .map((a) => parseIpv6(a) ?? f.fail(`ipv6hint: '${a}' is not an IPv6 address`)),
        );
        break;
      default:
        value = octets ?? Buffer.alloc(0);
    }
    if (params.some((p) => p.key === key)) f.fail(`SvcParamKey '${svcKeyName(key)}' appears twice (RFC 9460 §2.2)`);
    params.push({ key, value });
  }
  params.sort((a, b) => a.key - b.key);
  const mandatory = params.find((p) => p.key === 0);
  if (mandatory) {
    for (let i = 0; i + 1 < mandatory.value.length; i += 2) {
      const k = mandatory.value.readUInt16BE(i);
      if (!params.some((p) => p.key === k)) f.fail(`mandatory lists '${svcKeyName(k)}' but that SvcParam is missing (RFC 9460 §8)`, f.tokens.length - 1);
    }
  }
  return params;
}

function formatSvcParam(p: SvcParam): string {
  const name = svcKeyName(p.key);
  const v = p.value;
  const escList = (items: Buffer[]): string =>
    `"${items.map((it) => escapeCharString(Buffer.from(it.toString('latin1').replace(/[\\,]/g, (c) => `\\${c}`), 'latin1'))).join(',')}"`;
  try {
    switch (p.key) {
      case 0: {
        if (v.length % 2 !== 0 || v.length === 0) break;
        const keys: string[] = [];
        for (let i = 0; i < v.length; i += 2) keys.push(svcKeyName(v.readUInt16BE(i)));
        return `${name}=${keys.join(',')}`;
      }
      case 1: {
        const ids: Buffer[] = [];
        let i = 0;
        while (i < v.length) {
          const len = v[i]!;
          if (len === 0 || i + 1 + len > v.length) throw new Error('bad alpn');
          ids.push(v.subarray(i + 1, i + 1 + len));
          i += 1 + len;
        }
        if (ids.length === 0) break;
        return `${name}=${escList(ids)}`;
      }
      case 2:
        if (v.length === 0) return name;
        break;
      case 3:
        if (v.length === 2) return `${name}=${v.readUInt16BE(0)}`;
        break;
      case 4: {
        if (v.length === 0 || v.length % 4 !== 0) break;
        const a: string[] = [];
        for (let i = 0; i < v.length; i += 4) a.push(formatIpv4(v.subarray(i, i + 4)));
        return `${name}=${a.join(',')}`;
      }
      case 5:
        if (v.length > 0) return `${name}=${v.toString('base64')}`;
        break;
      case 6: {
        if (v.length === 0 || v.length % 16 !== 0) break;
        const a: string[] = [];
        for (let i = 0; i < v.length; i += 16) a.push(formatIpv6(v.subarray(i, i + 16)));
        return `${name}=${a.join(',')}`;
      }
      default:
        break;
    }
  } catch {
    // fall through to the generic form
  }
  // Unknown keys, dohpath, and malformed values of known keys: the generic keyNNNNN form.
  // BIND 9.18 prints keys above 6 (dohpath, ohttp) generically; so do we, so our text matches named-checkzone.
  const generic = `key${p.key}`;
  return v.length === 0 ? generic : `${generic}=${quoteCharString(v)}`;
}

// ---------------------------------------------------------------------------
// Times (RFC 4034 §3.2)

function parseSigTime(f: Fields, what: string): number {
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

export function formatSigTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number, w = 2): string => n.toString().padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

// ---------------------------------------------------------------------------
// Parsing

/** The RDATA of `type` from its presentation fields (tokens keep escapes). */
export function parseRdataTokens(type: RRTypeName, tokens: readonly Token[], origin: Name | undefined): RData {
  if (META_TYPES.has(type)) throw new RdataSyntaxError(`${type} is a meta-type and cannot appear in a zone file (RFC 6895 §3.1)`, 0);
  const f = new Fields(tokens, origin, type);
  // RFC 3597 §5: `\# len hex` is valid for every type, known ones included.
  if (tokens[0] && !tokens[0].quoted && tokens[0].text === '\\#') {
    f.i = 1;
    const len = f.int('the RDATA length after \\#', 0xffff);
    const bytes = f.hexRest('the RDATA in hex', len === 0);
    if (bytes.length !== len) f.fail(`\\# says ${len} octets but the hex has ${bytes.length}`, 1);
    try {
      // The message codec's decoder, so `\#` octets get exactly the checks a
      // record off the wire gets; its WireError becomes a syntax error here.
      return decodeRdata(type, bytes);
    } catch (e) {
      f.fail(`\\# data is not valid ${type} RDATA: ${(e as Error).message}`, 2);
    }
  }
  const data = parseStructured(type, f);
  f.end();
  return data;
}

function parseStructured(type: RRTypeName, f: Fields): RData {
  switch (type) {
    case 'A': {
      const t = f.next('an IPv4 address');
      const b = parseIpv4(t.text);
      if (!b) f.fail(`expected an IPv4 address, found '${t.text}'`);
      return formatIpv4(b);
    }
    case 'AAAA': {
      const t = f.next('an IPv6 address');
      const b = parseIpv6(t.text);
      if (!b) f.fail(`expected an IPv6 address, found '${t.text}'`);
      return formatIpv6(b);
    }
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      return f.name('a domain name');
    case 'SOA': {
      const soa: SoaData = {
        mname: f.name('the primary server name (MNAME)'),
        rname: f.name('the mailbox name (RNAME)'),
        serial: f.u32('the serial'),
        refresh: f.period('the refresh timer'),
        retry: f.period('the retry timer'),
        expire: f.period('the expire timer'),
        minimum: f.period('the minimum (negative caching) TTL'),
      };
      return soa;
    }
    case 'MX':
      return { preference: f.u16('the preference'), exchange: f.name('the exchange name') } satisfies MxData;
    case 'TXT': {
      const strings: Buffer[] = [];
      strings.push(f.charString('a character-string'));
      while (f.more()) strings.push(f.charString('a character-string'));
      return strings;
    }
    case 'SRV':
      return { priority: f.u16('the priority'), weight: f.u16('the weight'), port: f.u16('the port'), target: f.name('the target name') } satisfies SrvData;
    case 'NAPTR':
      return {
        order: f.u16('the order'),
        preference: f.u16('the preference'),
        flags: f.charString('the flags string').toString('latin1'),
        services: f.charString('the services string').toString('latin1'),
        regexp: f.charString('the regexp string').toString('latin1'),
        replacement: f.name('the replacement name'),
      } satisfies NaptrData;
    case 'HINFO':
      return { cpu: f.charString('the CPU string').toString('latin1'), os: f.charString('the OS string').toString('latin1') } satisfies HinfoData;
    case 'CAA': {
      const flags = f.u8('the flags');
      const tag = f.next('the tag');
      if (!/^[A-Za-z0-9]+$/.test(tag.text)) f.fail(`expected a tag of letters and digits (RFC 8659 §4.1), found '${tag.text}'`);
      const value = f.more() ? decodeEscapesOrFail(f, f.next('the value').text, 'value') : Buffer.alloc(0);
      return { flags, tag: tag.text, value: value.toString('latin1') } satisfies CaaData;
    }
    case 'DS':
    case 'CDS': {
      const ds = {
        keyTag: f.u16('the key tag'),
        algorithm: f.algorithm('the algorithm'),
        digestType: f.u8('the digest type'),
        digest: f.hexRest('the digest in hex'),
      } satisfies DsData;
      checkDigestLength(f, DS_DIGEST_OCTETS[ds.digestType], ds.digest.length, `digest type ${ds.digestType}`, 3);
      return ds;
    }
    case 'DNSKEY':
    case 'CDNSKEY':
      return {
        flags: f.u16('the flags'),
        protocol: f.u8('the protocol (3)'),
        algorithm: f.algorithm('the algorithm'),
        key: f.base64Rest('the public key in base64'),
      } satisfies DnskeyData;
    case 'RRSIG':
      return {
        typeCovered: f.type('the type covered'),
        algorithm: f.algorithm('the algorithm'),
        labels: f.u8('the label count'),
        originalTTL: f.u32('the original TTL'),
        expiration: parseSigTime(f, 'the signature expiration'),
        inception: parseSigTime(f, 'the signature inception'),
        keyTag: f.u16('the key tag'),
        signersName: f.name("the signer's name"),
        signature: f.base64Rest('the signature in base64'),
      } satisfies RrsigData;
    case 'NSEC':
      return { nextDomain: f.name('the next domain name'), types: f.typeList() } satisfies NsecData;
    case 'NSEC3': {
      const hashAlgorithm = f.u8('the hash algorithm');
      const flags = f.u8('the flags');
      const iterations = f.u16('the iterations');
      const salt = parseSalt(f);
      const nextTok = f.next('the next hashed owner name in base32hex');
      let nextHashedOwner: Buffer;
      try {
        nextHashedOwner = fromBase32hex(nextTok.text);
      } catch (e) {
        f.fail(`next hashed owner name: ${(e as Error).message}`);
      }
      if (nextHashedOwner.length === 0) f.fail('the next hashed owner name is empty');
      return { hashAlgorithm, flags, iterations, salt, nextHashedOwner, types: f.typeList() } satisfies Nsec3Data;
    }
    case 'NSEC3PARAM':
      return { hashAlgorithm: f.u8('the hash algorithm'), flags: f.u8('the flags'), iterations: f.u16('the iterations'), salt: parseSalt(f) } satisfies Nsec3ParamData;
    case 'TLSA':
      return {
        usage: f.u8('the certificate usage'),
        selector: f.u8('the selector'),
        matchingType: f.u8('the matching type'),
        certificate: f.hexRest('the certificate association data in hex'),
      } satisfies TlsaData;
    case 'SSHFP': {
      const fp = { algorithm: f.u8('the algorithm'), hash: f.u8('the fingerprint type'), fingerprint: f.hexRest('the fingerprint in hex') } satisfies SshfpData;
      checkDigestLength(f, SSHFP_OCTETS[fp.hash], fp.fingerprint.length, `fingerprint type ${fp.hash}`, 2);
      return fp;
    }
    case 'URI': {
      const priority = f.u16('the priority');
      const weight = f.u16('the weight');
      const t = f.next('the target URI (a quoted string)');
      return { priority, weight, target: decodeEscapesOrFail(f, t.text, 'target').toString('latin1') } satisfies UriData;
    }
    case 'SVCB':
    case 'HTTPS': {
      const priority = f.u16('the SvcPriority');
      const target = f.name('the TargetName');
      const params = parseSvcParams(f);
      if (priority === 0 && params.length > 0) f.fail('AliasMode (priority 0) must not carry SvcParams (RFC 9460 §2.4.2)', 2);
      return { priority, target, params } satisfies SvcbData;
    }
    case 'ZONEMD': {
      // RFC 8976 §2.3: not modeled structurally, kept as wire octets.
      const serial = f.u32('the serial');
      const scheme = f.u8('the scheme');
      const hashAlg = f.u8('the hash algorithm');
      const digest = f.hexRest('the digest in hex');
      if (digest.length < 12) f.fail(`the digest is ${digest.length} octets; RFC 8976 §2.2.4 requires at least 12`, 3);
      const head = Buffer.alloc(6);
      head.writeUInt32BE(serial, 0);
      head[4] = scheme;
      head[5] = hashAlg;
      return Buffer.concat([head, digest]);
    }
    default: {
      const extra = /^TYPE([0-9]+)$/.exec(type) ? EXTRA_PARSERS[typeToNumber(type)] : undefined;
      if (extra) return extra(f);
      const t = f.tokens[0];
      f.fail(
        `no presentation format known for ${type}; write the RDATA in RFC 3597 generic form '\\# <length> <hex>'${t ? `, found '${t.text}'` : ''}`,
        0,
      );
    }
  }
}

// `textOnly` types of dns/rr-types.ts: presentation <-> wire octets.
const u16b = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
const u32b = (v: number): Buffer => Buffer.from([v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);

function parseEui(f: Fields, octets: number): Buffer {
  const t = f.next(`an EUI-${octets * 8} address (${Array(octets).fill('xx').join('-')})`);
  if (!new RegExp(`^[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){${octets - 1}}$`).test(t.text)) {
    f.fail(`expected an EUI-${octets * 8} address as ${octets} hex pairs joined by '-', found '${t.text}'`);
  }
  return Buffer.from(t.text.replace(/-/g, ''), 'hex');
}

const EXTRA_PARSERS: Partial<Record<number, (f: Fields) => Buffer>> = {
  // RFC 1183 §2.2 RP: mailbox, TXT owner
  17: (f) => Buffer.concat([nameWire(f.name('the mailbox name')), nameWire(f.name('the TXT name'))]),
  // RFC 1183 §1 AFSDB, RFC 2230 KX: preference/subtype + name
  18: (f) => Buffer.concat([u16b(f.u16('the subtype')), nameWire(f.name('the hostname'))]),
  36: (f) => Buffer.concat([u16b(f.u16('the preference')), nameWire(f.name('the exchanger'))]),
  // RFC 4701 DHCID, RFC 7929 OPENPGPKEY: base64
  49: (f) => f.base64Rest('the DHCID digest in base64'),
  61: (f) => f.base64Rest('the public key in base64'),
  // RFC 8162 SMIMEA: as TLSA
  53: (f) => Buffer.concat([Buffer.from([f.u8('the certificate usage'), f.u8('the selector'), f.u8('the matching type')]), f.hexRest('the certificate association data in hex')]),
  // RFC 7477 CSYNC: SOA serial, flags, type bitmap
  62: (f) => Buffer.concat([u32b(f.u32('the SOA serial')), u16b(f.u16('the flags')), typeBitmapWire(f.typeList())]),
  // RFC 7208 §3.1 SPF: as TXT
  99: (f) => {
    const strings = [f.charString('a character-string')];
    while (f.more()) strings.push(f.charString('a character-string'));
    return Buffer.concat(strings.flatMap((b) => [Buffer.from([b.length]), b]));
  },
  // RFC 7043 EUI48/EUI64
  108: (f) => parseEui(f, 6),
  109: (f) => parseEui(f, 8),
};

function done(r: Reader, text: string): string {
  if (r.remaining() !== 0) throw new Error('trailing octets');
  return text;
}
const euiText = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('-');

const EXTRA_FORMATS: Partial<Record<number, (r: Reader) => string>> = {
  17: (r) => done(r, `${toFqdn(r.name(false, 'mailbox'))} ${toFqdn(r.name(false, 'TXT name'))}`),
  18: (r) => done(r, `${r.u16('subtype')} ${toFqdn(r.name(false, 'hostname'))}`),
  36: (r) => done(r, `${r.u16('preference')} ${toFqdn(r.name(false, 'exchanger'))}`),
  49: (r) => {
    const b = r.rest('RDATA');
    if (b.length === 0) throw new Error('empty');
    return b.toString('base64');
  },
  61: (r) => {
    const b = r.rest('RDATA');
    if (b.length === 0) throw new Error('empty');
    return b.toString('base64');
  },
  53: (r) => `${r.u8('usage')} ${r.u8('selector')} ${r.u8('matching type')} ${hexUpper(r.rest('RDATA'))}`,
  62: (r) => [String(r.u32('serial')), String(r.u16('flags')), ...sortTypes(readTypeBitmap(r))].join(' '),
  99: (r) => {
    const parts: string[] = [];
    if (r.remaining() === 0) throw new Error('empty');
    while (r.remaining() > 0) parts.push(quoteCharString(readCharString(r, 'character-string')));
    return parts.join(' ');
  },
  108: (r) => {
    if (r.remaining() !== 6) throw new Error('EUI48 is 6 octets');
    return euiText(r.rest('RDATA'));
  },
  109: (r) => {
    if (r.remaining() !== 8) throw new Error('EUI64 is 8 octets');
    return euiText(r.rest('RDATA'));
  },
};

/** Digest sizes fixed by the digest algorithm (RFC 4509, RFC 6605 §2, RFC 3658): SHA-1, SHA-256, GOST, SHA-384. */
const DS_DIGEST_OCTETS: Partial<Record<number, number>> = { 1: 20, 2: 32, 3: 32, 4: 48 };
/** RFC 4255 §3.1.2, RFC 6594: SHA-1, SHA-256. */
const SSHFP_OCTETS: Partial<Record<number, number>> = { 1: 20, 2: 32 };

function checkDigestLength(f: Fields, want: number | undefined, got: number, what: string, index: number): void {
  if (want !== undefined && want !== got) f.fail(`${what} needs a ${want}-octet digest, found ${got} octets`, index);
}

function decodeEscapesOrFail(f: Fields, raw: string, what: string): Buffer {
  try {
    return decodeEscapes(raw);
  } catch (e) {
    f.fail(`${what}: ${(e as Error).message}`);
  }
}

function parseSalt(f: Fields): Buffer {
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

/**
 * Contract API: RDATA from presentation fields, e.g.
 * `parseRdata('MX', ['10', 'mail'], 'example.jp')`. Fields keep their escapes;
 * names are relative to `origin`. Throws RdataSyntaxError.
 */
export function parseRdata(type: RRTypeName, fields: string[], origin: Name): RData {
  return parseRdataTokens(
    type,
    fields.map((text) => ({ text, quoted: false, line: 0, column: 0 })),
    origin,
  );
}

// ---------------------------------------------------------------------------
// Formatting

const hexUpper = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

function genericRdata(bytes: Uint8Array): string {
  return bytes.length === 0 ? '\\# 0' : `\\# ${bytes.length} ${hexUpper(bytes)}`;
}

/** The RDATA in presentation format, as dig/BIND print it (absolute names, uppercase hex). */
export function formatRdata(rr: RR): string {
  const d = rr.data as unknown;
  // Raw octets under a structured type (a decoder that gave up) print in the
  // RFC 3597 form, which is valid for every type; never crash on them.
  if (Buffer.isBuffer(d) || d instanceof Uint8Array) {
    const extra = EXTRA_FORMATS[typeToNumber(rr.type)];
    if (extra) {
      try {
        return extra(rdataReader(d));
      } catch {
        return genericRdata(d); // malformed octets: the generic form is always valid
      }
    }
    if (rr.type !== 'ZONEMD') return genericRdata(d);
  }
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      if (typeof d !== 'string') return genericRdata(d as Buffer);
      if (rr.type === 'AAAA') {
        const b = parseIpv6(d);
        return b ? formatIpv6(b) : d;
      }
      return d;
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      return toFqdn(d as Name);
    case 'SOA': {
      const s = d as SoaData;
      return `${toFqdn(s.mname)} ${toFqdn(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case 'MX': {
      const m = d as MxData;
      return `${m.preference} ${toFqdn(m.exchange)}`;
    }
    case 'TXT':
      return (d as Uint8Array[]).map((s) => quoteCharString(s)).join(' ');
    case 'SRV': {
      const s = d as SrvData;
      return `${s.priority} ${s.weight} ${s.port} ${toFqdn(s.target)}`;
    }
    case 'NAPTR': {
      const n = d as NaptrData;
      const q = (s: string): string => quoteCharString(Buffer.from(s, 'latin1'));
      return `${n.order} ${n.preference} ${q(n.flags)} ${q(n.services)} ${q(n.regexp)} ${toFqdn(n.replacement)}`;
    }
    case 'HINFO': {
      const h = d as HinfoData;
      return `${quoteCharString(Buffer.from(h.cpu, 'latin1'))} ${quoteCharString(Buffer.from(h.os, 'latin1'))}`;
    }
    case 'CAA': {
      const c = d as CaaData;
      return `${c.flags} ${c.tag} ${quoteCharString(Buffer.from(c.value, 'latin1'))}`;
    }
    case 'DS':
    case 'CDS': {
      const s = d as DsData;
      return `${s.keyTag} ${s.algorithm} ${s.digestType} ${hexUpper(s.digest)}`;
    }
    case 'DNSKEY':
    case 'CDNSKEY': {
      const k = d as DnskeyData;
      return `${k.flags} ${k.protocol} ${k.algorithm} ${Buffer.from(k.key).toString('base64')}`;
    }
    case 'RRSIG': {
      const s = d as RrsigData;
      return `${typeMnemonic(s.typeCovered)} ${s.algorithm} ${s.labels} ${s.originalTTL} ${formatSigTime(s.expiration)} ${formatSigTime(s.inception)} ${s.keyTag} ${toFqdn(s.signersName)} ${Buffer.from(s.signature).toString('base64')}`;
    }
    case 'NSEC': {
      const n = d as NsecData;
      return [toFqdn(n.nextDomain), ...sortTypes(n.types)].join(' ');
    }
    case 'NSEC3': {
      const n = d as Nsec3Data;
      return [n.hashAlgorithm, n.flags, n.iterations, n.salt.length === 0 ? '-' : hexUpper(n.salt), base32hex(n.nextHashedOwner).toUpperCase(), ...sortTypes(n.types)].join(' ');
    }
    case 'NSEC3PARAM': {
      const n = d as Nsec3ParamData;
      return `${n.hashAlgorithm} ${n.flags} ${n.iterations} ${n.salt.length === 0 ? '-' : hexUpper(n.salt)}`;
    }
    case 'TLSA': {
      const t = d as TlsaData;
      return `${t.usage} ${t.selector} ${t.matchingType} ${hexUpper(t.certificate)}`;
    }
    case 'SSHFP': {
      const s = d as SshfpData;
      return `${s.algorithm} ${s.hash} ${hexUpper(s.fingerprint)}`;
    }
    case 'URI': {
      const u = d as UriData;
      return `${u.priority} ${u.weight} ${quoteCharString(Buffer.from(u.target, 'latin1'))}`;
    }
    case 'SVCB':
    case 'HTTPS': {
      const s = d as SvcbData;
      return [String(s.priority), toFqdn(s.target), ...[...s.params].sort((a, b) => a.key - b.key).map(formatSvcParam)].join(' ');
    }
    case 'ZONEMD': {
      const b = d as Buffer;
      if (Buffer.isBuffer(b) && b.length >= 18) return `${b.readUInt32BE(0)} ${b[4]} ${b[5]} ${hexUpper(b.subarray(6))}`;
      return genericRdata(b);
    }
    default:
      if (Buffer.isBuffer(d) || d instanceof Uint8Array) return genericRdata(d);
      // A structured shape under a generic type name: encode it.
      return genericRdata(encodeRdata(rr));
  }
}

function sortTypes(types: readonly RRTypeName[]): string[] {
  return [...new Set(types.map(typeToNumber))].sort((a, b) => a - b).map((n) => typeMnemonic(typeFromNumber(n)));
}

/** Type mnemonic as printed: RFC 3597 `TYPEnnn` when unknown. */
export function formatType(type: RRTypeName): string {
  return typeMnemonic(type);
}

/** One record as dig and zone files print it: `www.example.jp.\t300\tIN\tA\t192.0.2.1`. */
export function formatRecord(rr: RR): string {
  return `${toFqdn(rr.name)}\t${rr.ttl}\t${rr.class}\t${typeMnemonic(rr.type)}\t${formatRdata(rr)}`;
}

// ---------------------------------------------------------------------------
// One record from one line

/** TTL used by `parseRecord` when the line has none. */
export const PARSE_RECORD_DEFAULT_TTL = 3600;

/**
 * One zone-file line (owner required; TTL and class optional in either order;
 * defaults TTL 3600, class IN), e.g. `parseRecord('www 300 IN A 192.0.2.1', 'example.jp')`.
 * Throws ZoneSyntaxError (file "<record>") naming the column.
 */
export function parseRecord(line: string, origin?: Name): RR {
  const file = '<record>';
  const entries = tokenize(line, file);
  if (entries.length !== 1) throw new ZoneSyntaxError(file, 1, 1, `expected exactly one record, found ${entries.length}`);
  const tokens = entries[0]!.tokens;
  if (entries[0]!.blankOwner) throw new ZoneSyntaxError(file, 1, 1, 'expected an owner name at the start of the line');
  const at = (i: number, msg: string): never => {
    const t = tokens[Math.min(i, tokens.length - 1)]!;
    throw new ZoneSyntaxError(file, t.line, t.column, msg);
  };
  let name: Name;
  try {
    name = parseNameText(tokens[0]!.text, origin);
  } catch (e) {
    return at(0, (e as Error).message);
  }
  let i = 1;
  let ttl: number | undefined;
  let cls: RRClassName | undefined;
  for (let k = 0; k < 2 && i < tokens.length; k++) {
    const t = tokens[i]!.text;
    const asTtl = ttl === undefined ? parseTtl(t) : undefined;
    const asClass = cls === undefined ? classFromText(t) : undefined;
    if (asTtl !== undefined) ttl = asTtl;
    else if (asClass !== undefined) cls = asClass;
    else break;
    i++;
  }
  const typeTok = tokens[i];
  if (!typeTok) return at(i, `expected a type after owner '${tokens[0]!.text}', found end of line`);
  const type = typeFromText(typeTok.text);
  if (!type) return at(i, `expected a TTL or class or type after owner '${tokens[0]!.text}', found '${typeTok.text}'`);
  const rdataTokens = tokens.slice(i + 1);
  let data: RData;
  try {
    data = parseRdataTokens(type, rdataTokens, origin);
  } catch (e) {
    if (e instanceof RdataSyntaxError) return at(i + 1 + (e.tokenIndex ?? 0), e.message);
    throw e;
  }
  return { name, type, class: cls ?? 'IN', ttl: ttl ?? PARSE_RECORD_DEFAULT_TTL, data } as RR;
}
