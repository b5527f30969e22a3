// RDATA presentation format read: the fields of one record (RFC 1035 §5,
// RFC 3597 generic `\# len hex`, RFC 4034 §2.2/§3.2/§4.2/§5.3, RFC 5155 §3.3/§4.3,
// RFC 6698 §2.2, RFC 4255 §3.2, RFC 8659 §4.1.1, RFC 7553, RFC 9460 §2.1), and
// one record from one line. Printing is in rdata-format.ts.

import { fromBase32hex } from '../base32hex.ts';
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
  TlsaData,
  UriData,
} from '../types.ts';
import { RdataSyntaxError, ZoneSyntaxError } from './errors.ts';
import { decodeRdata, nameWire, typeBitmapWire } from '../wire/rdata.ts';
import { classFromText, formatIpv4, formatIpv6, META_TYPES, parseIpv4, parseIpv6, parseNameText, parseTtl, typeFromText } from './text-util.ts';
import { tokenize, type Token } from './tokenizer.ts';
import { typeToNumber } from '../wire/types-map.ts';
import { Fields, checkDigestLength, decodeEscapesOrFail, parseSalt, parseSigTime, DS_DIGEST_OCTETS, SSHFP_OCTETS } from './rdata-fields.ts';
import { parseSvcParams } from './svcb-text.ts';

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
      return {
        hashAlgorithm: f.u8('the hash algorithm'),
        flags: f.u8('the flags'),
        iterations: f.u16('the iterations'),
        salt: parseSalt(f),
      } satisfies Nsec3ParamData;
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
      f.fail(`no presentation format known for ${type}; write the RDATA in RFC 3597 generic form '\\# <length> <hex>'${t ? `, found '${t.text}'` : ''}`, 0);
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
  53: (f) =>
    Buffer.concat([
      Buffer.from([f.u8('the certificate usage'), f.u8('the selector'), f.u8('the matching type')]),
      f.hexRest('the certificate association data in hex'),
    ]),
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
