// RDATA codec, one reader and one writer per type of RDataMap (dns/types.ts),
// plus RFC 3597 opaque RDATA for every other type.
//
// Why not dns-packet here: its RDATA decoders slice past RDLENGTH without
// complaint (Buffer.slice never throws), do not check fixed sizes (an A record
// with RDLENGTH 5 decodes), cannot encode SVCB/HTTPS/URI/NSEC3PARAM/CDS/CDNSKEY
// as real types (they become TYPE 0 or need raw Buffers), decode strings as
// UTF-8 (lossy), and cannot keep names with '.' or non-UTF-8 octets. Every
// reader below consumes exactly RDLENGTH octets or throws a WireError.

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
import { typesWhere } from '../rr-types.ts';
import { WireError } from './errors.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.ts';
import { Reader, Writer } from './buffer.ts';
import { normalizeType, typeFromNumber, typeToNumber } from './types-map.ts';

/**
 * Types whose RDATA names may be compressed on encode and must be
 * decompressed on decode: the RFC 1035 types we model (RFC 3597 §4). Every
 * other type's names are written whole and a pointer in them is rejected,
 * as BIND does. From the `compressible` rows of dns/rr-types.ts.
 */
export const COMPRESSIBLE_RDATA_TYPES: ReadonlySet<RRTypeName> = new Set(typesWhere('compressible') as RRTypeName[]);

/**
 * Types whose embedded names are lowercased in canonical form (RFC 4034 §6.2
 * as amended by RFC 6840 §5.1): the `canonicalLower` rows of dns/rr-types.ts.
 */
export const CANONICAL_LOWERCASE_TYPES: ReadonlySet<RRTypeName> = new Set(typesWhere('canonicalLower') as RRTypeName[]);

export interface RdataWriteOptions {
  /** Compression allowed for this message (only used for COMPRESSIBLE_RDATA_TYPES). */
  compress: boolean;
  /** Lowercase embedded names (canonical form). */
  lower: boolean;
}

// ---------------------------------------------------------------------------
// Strings

/** Octets of a string field: code points ≤ 0xff are one octet (Latin-1), others UTF-8. */
export function stringOctets(s: string): Buffer {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) ascii = false;
  if (ascii) return Buffer.from(s, 'latin1');
  const parts: Buffer[] = [];
  for (const ch of s) parts.push(ch.charCodeAt(0) > 0xff ? Buffer.from(ch, 'utf8') : Buffer.from(ch, 'latin1'));
  return Buffer.concat(parts);
}

function writeCharString(w: Writer, value: Uint8Array | string, field: string): void {
  const b = typeof value === 'string' ? stringOctets(value) : value;
  if (b.length > 255) {
    // Not even unsafe mode can write this: the length octet cannot hold it. Use
    // raw RDATA (type TYPEnnn with a Buffer) to build a deliberately broken one.
    throw new WireError(
      'BAD_RDATA',
      `${field} is ${b.length} octets; a character-string holds at most 255 (RFC 1035 §3.3). Split it into several strings`,
      w.pos,
    );
  }
  w.u8(b.length);
  w.bytes(b);
}

/** One RFC 1035 §3.3 character-string (length octet + octets). */
export function readCharString(r: Reader, field: string): Buffer {
  const len = r.u8(`${field} length`);
  return r.bytes(len, field);
}

function readLatin1String(r: Reader, field: string): string {
  return readCharString(r, field).toString('latin1');
}

// ---------------------------------------------------------------------------
// Type bit maps (RFC 4034 §4.1.2, shared by NSEC and NSEC3)

function writeTypeBitmap(w: Writer, types: readonly RRTypeName[]): void {
  const nums = [...new Set(types.map((t) => typeToNumber(t)))].sort((a, b) => a - b);
  let i = 0;
  while (i < nums.length) {
    const window = nums[i]! >> 8;
    const bitmap = new Uint8Array(32);
    let used = 0;
    while (i < nums.length && nums[i]! >> 8 === window) {
      const low = nums[i]! & 0xff;
      bitmap[low >> 3] = bitmap[low >> 3]! | (0x80 >> (low & 7));
      used = (low >> 3) + 1;
      i++;
    }
    w.u8(window);
    w.u8(used);
    w.bytes(bitmap.subarray(0, used));
  }
}

/** A type bit map running to the end of `r` (RFC 4034 §4.1.2). */
export function readTypeBitmap(r: Reader): RRTypeName[] {
  const out: RRTypeName[] = [];
  let lastWindow = -1;
  while (r.remaining() > 0) {
    const at = r.pos;
    const window = r.u8('type bitmap window');
    const len = r.u8('type bitmap length');
    if (window <= lastWindow) throw new WireError('BAD_RDATA', `type bitmap window ${window} is not in increasing order (RFC 4034 §4.1.2)`, at);
    if (len < 1 || len > 32) throw new WireError('BAD_RDATA', `type bitmap length ${len} is outside 1..32 (RFC 4034 §4.1.2)`, at);
    const bits = r.bytes(len, 'type bitmap');
    if (bits[len - 1] === 0) throw new WireError('BAD_RDATA', 'type bitmap has a trailing zero octet (RFC 4034 §4.1.2)', at);
    for (let i = 0; i < len; i++) {
      const byte = bits[i]!;
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) out.push(typeFromNumber((window << 8) | (i << 3) | bit));
    }
    lastWindow = window;
  }
  return out;
}

// ---------------------------------------------------------------------------
// NSEC3 parameters: the first four fields of NSEC3 are the whole of NSEC3PARAM
// (RFC 5155 §3.2, §4.2).

function writeNsec3Params(w: Writer, d: Nsec3ParamData, type: string): void {
  w.u8(d.hashAlgorithm, `${type} hash algorithm`);
  w.u8(d.flags, `${type} flags`);
  w.u16(d.iterations, `${type} iterations`);
  writeCharString(w, asBuffer(d.salt, `${type} salt`, w), `${type} salt`);
}

function readNsec3Params(r: Reader, type: string): Nsec3ParamData {
  return {
    hashAlgorithm: r.u8(`${type} hash algorithm`),
    flags: r.u8(`${type} flags`),
    iterations: r.u16(`${type} iterations`),
    salt: readCharString(r, `${type} salt`),
  };
}

// ---------------------------------------------------------------------------
// SVCB / HTTPS params (RFC 9460 §2.2, §7)

function svcParamProblem(key: number, value: Uint8Array): string | undefined {
  switch (key) {
    case 0: // mandatory: list of keys
      if (value.length === 0 || value.length % 2 !== 0) return 'mandatory must be a non-empty list of 2-octet keys';
      return undefined;
    case 1: {
      // alpn: non-empty sequence of non-empty char-strings
      if (value.length === 0) return 'alpn must not be empty';
      let p = 0;
      while (p < value.length) {
        const l = value[p]!;
        if (l === 0 || p + 1 + l > value.length) return 'alpn holds a malformed alpn-id';
        p += 1 + l;
      }
      return undefined;
    }
    case 2: // no-default-alpn
      return value.length === 0 ? undefined : 'no-default-alpn must have an empty value';
    case 3:
      return value.length === 2 ? undefined : 'port must be 2 octets';
    case 4:
      return value.length > 0 && value.length % 4 === 0 ? undefined : 'ipv4hint must be a non-empty multiple of 4 octets';
    case 6:
      return value.length > 0 && value.length % 16 === 0 ? undefined : 'ipv6hint must be a non-empty multiple of 16 octets';
    default:
      return undefined;
  }
}

function writeSvcb(w: Writer, d: SvcbData): void {
  w.u16(d.priority, 'SvcPriority');
  w.name(d.target, false);
  let last = -1;
  for (const p of d.params) {
    if (!w.unsafe) {
      if (p.key <= last)
        throw new WireError(
          'BAD_RDATA',
          `SvcParamKey ${p.key} after ${last}: keys must be strictly increasing (RFC 9460 §2.2); sort them or use { unsafe: true }`,
          w.pos,
        );
      const problem = svcParamProblem(p.key, p.value);
      if (problem !== undefined) throw new WireError('BAD_RDATA', `SvcParam key${p.key}: ${problem} (RFC 9460 §7)`, w.pos);
    }
    last = p.key;
    w.u16(p.key, 'SvcParamKey');
    w.u16(p.value.length, 'SvcParamValue length');
    w.bytes(p.value);
  }
}

function readSvcb(r: Reader): SvcbData {
  const priority = r.u16('SvcPriority');
  const target = r.name(false, 'SVCB TargetName');
  const params: SvcParam[] = [];
  let last = -1;
  while (r.remaining() > 0) {
    const at = r.pos;
    const key = r.u16('SvcParamKey');
    const len = r.u16('SvcParamValue length');
    const value = r.bytes(len, 'SvcParamValue');
    if (key <= last) throw new WireError('BAD_RDATA', `SvcParamKey ${key} after ${last}: keys must be strictly increasing (RFC 9460 §2.2)`, at);
    const problem = svcParamProblem(key, value);
    if (problem !== undefined) throw new WireError('BAD_RDATA', `SvcParam key${key}: ${problem} (RFC 9460 §7)`, at);
    last = key;
    params.push({ key, value });
  }
  return { priority, target, params };
}

// ---------------------------------------------------------------------------
// Per-type writers

function asBuffer(v: unknown, field: string, w: Writer): Uint8Array {
  if (v instanceof Uint8Array) return v;
  throw new WireError('BAD_RDATA', `${field} must be a Buffer`, w.pos);
}

/**
 * Write the RDATA of `rr` (no RDLENGTH). A Buffer as data is written as-is
 * (RFC 3597 opaque form) for any type; for a structured type it is decoded
 * first unless `w.unsafe`, so malformed RDATA only goes out on purpose.
 */
export function writeRdata(w: Writer, type: RRTypeName, data: unknown, opts: RdataWriteOptions): void {
  const at = w.pos;
  try {
    writeRdataUnguarded(w, type, data, opts);
  } catch (e) {
    if (e instanceof WireError) throw e;
    // Data of the wrong shape (a missing field, a string where a Buffer belongs) is the caller's bug, but still typed.
    throw new WireError('BAD_RDATA', `${type} RDATA has the wrong shape: ${(e as Error).message}`, at);
  }
}

function writeRdataUnguarded(w: Writer, type: RRTypeName, data: unknown, opts: RdataWriteOptions): void {
  if (data instanceof Uint8Array) {
    if (!w.unsafe && isStructured(type)) decodeRdata(type, data);
    w.bytes(data);
    return;
  }
  const t = isStructured(type) ? type : normalizeType(type);
  const compress = opts.compress && COMPRESSIBLE_RDATA_TYPES.has(t);
  const lower = opts.lower && CANONICAL_LOWERCASE_TYPES.has(t);
  const bad = (what: string): never => {
    throw new WireError('BAD_RDATA', `${t} RDATA ${what}`, w.pos);
  };
  if (data === null || data === undefined) bad('is missing');
  switch (t) {
    case 'A':
      if (typeof data !== 'string') bad('must be an IPv4 address string');
      w.bytes(parseIPv4(data as string, w.pos));
      return;
    case 'AAAA':
      if (typeof data !== 'string') bad('must be an IPv6 address string');
      w.bytes(parseIPv6(data as string, w.pos));
      return;
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      if (typeof data !== 'string') bad('must be a domain name string');
      w.name(data as string, compress, lower);
      return;
    case 'SOA': {
      const d = data as SoaData;
      w.name(d.mname, compress, lower);
      w.name(d.rname, compress, lower);
      w.u32(d.serial, 'SOA serial');
      w.u32(d.refresh, 'SOA refresh');
      w.u32(d.retry, 'SOA retry');
      w.u32(d.expire, 'SOA expire');
      w.u32(d.minimum, 'SOA minimum');
      return;
    }
    case 'MX': {
      const d = data as MxData;
      w.u16(d.preference, 'MX preference');
      w.name(d.exchange, compress, lower);
      return;
    }
    case 'TXT': {
      const d = data as unknown[];
      if (!Array.isArray(d)) bad('must be an array of character-strings');
      if (d.length === 0 && !w.unsafe) bad('needs at least one character-string (RFC 1035 §3.3.14); use [Buffer.alloc(0)] for an empty one');
      for (const s of d) writeCharString(w, s as Uint8Array | string, 'TXT character-string');
      return;
    }
    case 'SRV': {
      const d = data as SrvData;
      w.u16(d.priority, 'SRV priority');
      w.u16(d.weight, 'SRV weight');
      w.u16(d.port, 'SRV port');
      w.name(d.target, false, lower);
      return;
    }
    case 'NAPTR': {
      const d = data as NaptrData;
      w.u16(d.order, 'NAPTR order');
      w.u16(d.preference, 'NAPTR preference');
      writeCharString(w, d.flags, 'NAPTR flags');
      writeCharString(w, d.services, 'NAPTR services');
      writeCharString(w, d.regexp, 'NAPTR regexp');
      w.name(d.replacement, false, lower);
      return;
    }
    case 'HINFO': {
      const d = data as HinfoData;
      writeCharString(w, d.cpu, 'HINFO cpu');
      writeCharString(w, d.os, 'HINFO os');
      return;
    }
    case 'CAA': {
      const d = data as CaaData;
      const tag = stringOctets(d.tag);
      if (!w.unsafe && (tag.length < 1 || !/^[A-Za-z0-9]+$/.test(d.tag))) bad(`tag "${d.tag}" must be 1..255 letters and digits (RFC 8659 §4.1)`);
      w.u8(d.flags, 'CAA flags');
      writeCharString(w, tag, 'CAA tag');
      w.bytes(stringOctets(d.value));
      return;
    }
    case 'DS':
    case 'CDS': {
      const d = data as DsData;
      w.u16(d.keyTag, `${t} key tag`);
      w.u8(d.algorithm, `${t} algorithm`);
      w.u8(d.digestType, `${t} digest type`);
      w.bytes(asBuffer(d.digest, `${t} digest`, w));
      return;
    }
    case 'DNSKEY':
    case 'CDNSKEY': {
      const d = data as DnskeyData;
      w.u16(d.flags, `${t} flags`);
      w.u8(d.protocol, `${t} protocol`);
      w.u8(d.algorithm, `${t} algorithm`);
      w.bytes(asBuffer(d.key, `${t} public key`, w));
      return;
    }
    case 'RRSIG': {
      const d = data as RrsigData;
      w.u16(typeToNumber(d.typeCovered), 'RRSIG type covered');
      w.u8(d.algorithm, 'RRSIG algorithm');
      w.u8(d.labels, 'RRSIG labels');
      w.u32(d.originalTTL, 'RRSIG original TTL');
      w.u32(d.expiration, 'RRSIG expiration');
      w.u32(d.inception, 'RRSIG inception');
      w.u16(d.keyTag, 'RRSIG key tag');
      w.name(d.signersName, false, lower);
      w.bytes(asBuffer(d.signature, 'RRSIG signature', w));
      return;
    }
    case 'NSEC': {
      const d = data as NsecData;
      w.name(d.nextDomain, false, lower);
      writeTypeBitmap(w, d.types);
      return;
    }
    case 'NSEC3': {
      const d = data as Nsec3Data;
      writeNsec3Params(w, d, t);
      const h = asBuffer(d.nextHashedOwner, 'NSEC3 next hashed owner', w);
      if (h.length === 0 && !w.unsafe) bad('next hashed owner must not be empty (RFC 5155 §3.2)');
      writeCharString(w, h, 'NSEC3 next hashed owner');
      writeTypeBitmap(w, d.types);
      return;
    }
    case 'NSEC3PARAM':
      writeNsec3Params(w, data as Nsec3ParamData, t);
      return;
    case 'TLSA': {
      const d = data as TlsaData;
      w.u8(d.usage, 'TLSA usage');
      w.u8(d.selector, 'TLSA selector');
      w.u8(d.matchingType, 'TLSA matching type');
      w.bytes(asBuffer(d.certificate, 'TLSA certificate association data', w));
      return;
    }
    case 'SSHFP': {
      const d = data as SshfpData;
      w.u8(d.algorithm, 'SSHFP algorithm');
      w.u8(d.hash, 'SSHFP fingerprint type');
      w.bytes(asBuffer(d.fingerprint, 'SSHFP fingerprint', w));
      return;
    }
    case 'URI': {
      const d = data as UriData;
      w.u16(d.priority, 'URI priority');
      w.u16(d.weight, 'URI weight');
      w.bytes(stringOctets(d.target));
      return;
    }
    case 'SVCB':
    case 'HTTPS':
      writeSvcb(w, data as SvcbData);
      return;
    default:
      bad(`for a type without a structured codec must be a Buffer (RFC 3597 opaque RDATA)`);
  }
}

// ---------------------------------------------------------------------------
// Per-type readers

const STRUCTURED: ReadonlySet<RRTypeName> = new Set(typesWhere('structured') as RRTypeName[]);

/** Does the codec decode this (canonical) type into a structure rather than a Buffer? */
export function isStructured(type: RRTypeName): boolean {
  return STRUCTURED.has(type);
}

function fixedLength(r: Reader, type: string, expected: number): void {
  if (r.remaining() !== expected) {
    throw new WireError('BAD_RDLENGTH', `${type} RDATA must be exactly ${expected} octets, RDLENGTH says ${r.remaining()}`, r.pos);
  }
}

/**
 * Read RDATA of `type` from `r.pos` to `r.end` (the RDLENGTH boundary), which
 * must be consumed exactly. `type` must be canonical (from typeFromNumber).
 */
export function readRdata(r: Reader, type: RRTypeName): RData {
  const ptr = COMPRESSIBLE_RDATA_TYPES.has(type);
  let data: unknown;
  switch (type) {
    case 'A':
      fixedLength(r, 'A', 4);
      data = formatIPv4(r.bytes(4, 'A address'));
      break;
    case 'AAAA':
      fixedLength(r, 'AAAA', 16);
      data = formatIPv6(r.bytes(16, 'AAAA address'));
      break;
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      data = r.name(ptr, `${type} target`);
      break;
    case 'SOA':
      data = {
        mname: r.name(ptr, 'SOA MNAME'),
        rname: r.name(ptr, 'SOA RNAME'),
        serial: r.u32('SOA serial'),
        refresh: r.u32('SOA refresh'),
        retry: r.u32('SOA retry'),
        expire: r.u32('SOA expire'),
        minimum: r.u32('SOA minimum'),
      } satisfies SoaData;
      break;
    case 'MX':
      data = { preference: r.u16('MX preference'), exchange: r.name(ptr, 'MX exchange') } satisfies MxData;
      break;
    case 'TXT': {
      if (r.remaining() === 0) throw new WireError('BAD_RDLENGTH', 'TXT RDATA is empty; it needs at least one character-string (RFC 1035 §3.3.14)', r.pos);
      const strings: Buffer[] = [];
      while (r.remaining() > 0) strings.push(readCharString(r, 'TXT character-string'));
      data = strings;
      break;
    }
    case 'SRV':
      data = {
        priority: r.u16('SRV priority'),
        weight: r.u16('SRV weight'),
        port: r.u16('SRV port'),
        target: r.name(false, 'SRV target'),
      } satisfies SrvData;
      break;
    case 'NAPTR':
      data = {
        order: r.u16('NAPTR order'),
        preference: r.u16('NAPTR preference'),
        flags: readLatin1String(r, 'NAPTR flags'),
        services: readLatin1String(r, 'NAPTR services'),
        regexp: readLatin1String(r, 'NAPTR regexp'),
        replacement: r.name(false, 'NAPTR replacement'),
      } satisfies NaptrData;
      break;
    case 'HINFO':
      data = { cpu: readLatin1String(r, 'HINFO cpu'), os: readLatin1String(r, 'HINFO os') } satisfies HinfoData;
      break;
    case 'CAA': {
      const flags = r.u8('CAA flags');
      const at = r.pos;
      const tag = readLatin1String(r, 'CAA tag');
      // RFC 8659 §4.1: 1+ US-ASCII letters and digits (BIND rejects others on the wire too).
      if (!/^[A-Za-z0-9]+$/.test(tag)) throw new WireError('BAD_RDATA', `CAA tag "${tag}" is empty or not letters and digits (RFC 8659 §4.1)`, at);
      data = { flags, tag, value: r.rest('CAA value').toString('latin1') } satisfies CaaData;
      break;
    }
    case 'DS':
    case 'CDS':
      data = {
        keyTag: r.u16(`${type} key tag`),
        algorithm: r.u8(`${type} algorithm`),
        digestType: r.u8(`${type} digest type`),
        digest: r.rest(`${type} digest`),
      } satisfies DsData;
      break;
    case 'DNSKEY':
    case 'CDNSKEY':
      data = {
        flags: r.u16(`${type} flags`),
        protocol: r.u8(`${type} protocol`),
        algorithm: r.u8(`${type} algorithm`),
        key: r.rest(`${type} public key`),
      } satisfies DnskeyData;
      break;
    case 'RRSIG':
      data = {
        typeCovered: typeFromNumber(r.u16('RRSIG type covered')),
        algorithm: r.u8('RRSIG algorithm'),
        labels: r.u8('RRSIG labels'),
        originalTTL: r.u32('RRSIG original TTL'),
        expiration: r.u32('RRSIG expiration'),
        inception: r.u32('RRSIG inception'),
        keyTag: r.u16('RRSIG key tag'),
        signersName: r.name(false, "RRSIG signer's name"),
        signature: r.rest('RRSIG signature'),
      } satisfies RrsigData;
      break;
    case 'NSEC':
      data = { nextDomain: r.name(false, 'NSEC next domain name'), types: readTypeBitmap(r) } satisfies NsecData;
      break;
    case 'NSEC3': {
      const params = readNsec3Params(r, type);
      const at = r.pos;
      const nextHashedOwner = readCharString(r, 'NSEC3 next hashed owner');
      if (nextHashedOwner.length === 0) throw new WireError('BAD_RDATA', 'NSEC3 next hashed owner is empty (RFC 5155 §3.2)', at);
      data = { ...params, nextHashedOwner, types: readTypeBitmap(r) } satisfies Nsec3Data;
      break;
    }
    case 'NSEC3PARAM':
      data = readNsec3Params(r, type) satisfies Nsec3ParamData;
      break;
    case 'TLSA':
      data = {
        usage: r.u8('TLSA usage'),
        selector: r.u8('TLSA selector'),
        matchingType: r.u8('TLSA matching type'),
        certificate: r.rest('TLSA certificate association data'),
      } satisfies TlsaData;
      break;
    case 'SSHFP':
      data = { algorithm: r.u8('SSHFP algorithm'), hash: r.u8('SSHFP fingerprint type'), fingerprint: r.rest('SSHFP fingerprint') } satisfies SshfpData;
      break;
    case 'URI':
      data = { priority: r.u16('URI priority'), weight: r.u16('URI weight'), target: r.rest('URI target').toString('latin1') } satisfies UriData;
      break;
    case 'SVCB':
    case 'HTTPS':
      data = readSvcb(r);
      break;
    default:
      data = r.rest(`${type} RDATA`);
  }
  if (r.pos !== r.end) {
    throw new WireError('BAD_RDLENGTH', `${type} RDATA has ${r.end - r.pos} octets left over after its last field (RDLENGTH too large?)`, r.pos);
  }
  return data as RData;
}

// ---------------------------------------------------------------------------
// Public helpers

/** Uncompressed RDATA octets of one record (no RDLENGTH). Validates like encodeMessage. */
export function encodeRdata(rr: RR, options: { unsafe?: boolean } = {}): Buffer {
  const w = new Writer(options.unsafe === true, false, 64);
  writeRdata(w, rr.type, rr.data, { compress: false, lower: false });
  return w.finish();
}

/**
 * Decode standalone RDATA octets of `type` (no RDLENGTH prefix, no
 * surrounding message, so compression pointers are always an error).
 */
export function decodeRdata(type: RRTypeName, bytes: Uint8Array): RData {
  const t = normalizeType(type);
  return readRdata(rdataReader(bytes), t);
}

// Building blocks for RDATA of types without a structured codec here (the
// zone parser's RP, AFSDB, KX, CSYNC ... kept as RFC 3597 octets), so they
// use the same name, bit map and bounds rules as the types modeled above.

/** A Reader over standalone RDATA octets: overruns are BAD_RDLENGTH, every pointer is refused. */
export function rdataReader(bytes: Uint8Array): Reader {
  return new Reader(bytes, 0, bytes.length, 'BAD_RDLENGTH', 0);
}

/** Uncompressed wire form of one name (RFC 3597 §4). Throws WireError BAD_NAME. */
export function nameWire(name: Name): Buffer {
  const w = new Writer(false, false, 64);
  w.name(name, false);
  return w.finish();
}

/** Wire form of a type bit map (RFC 4034 §4.1.2): sorted, duplicates dropped. */
export function typeBitmapWire(types: readonly RRTypeName[]): Buffer {
  const w = new Writer(false, false, 34);
  writeTypeBitmap(w, types);
  return w.finish();
}
