// RDATA and records printed the way dig and BIND print them (absolute names,
// uppercase hex, RFC 5952 IPv6), so `parseRdata(formatRdata(rr))` gives back
// the same data for every type.

import { base32hex } from '../base32hex.ts';
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
  RR,
  RRTypeName,
  RrsigData,
  SoaData,
  SrvData,
  SshfpData,
  SvcbData,
  TlsaData,
  UriData,
} from '../types.ts';
import type { Reader } from '../wire/buffer.ts';
import { encodeRdata, rdataReader, readCharString, readTypeBitmap } from '../wire/rdata.ts';
import { formatIpv6, parseIpv6, quoteCharString, typeMnemonic } from './text-util.ts';
import { typeFromNumber, typeToNumber } from '../wire/types-map.ts';
import { formatSvcParam } from './svcb-text.ts';

export function formatSigTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number, w = 2): string => n.toString().padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

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

// ---------------------------------------------------------------------------
// Formatting

export const hexUpper = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

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
      return [
        n.hashAlgorithm,
        n.flags,
        n.iterations,
        n.salt.length === 0 ? '-' : hexUpper(n.salt),
        base32hex(n.nextHashedOwner).toUpperCase(),
        ...sortTypes(n.types),
      ].join(' ');
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

export function sortTypes(types: readonly RRTypeName[]): string[] {
  return [...new Set(types.map(typeToNumber))].sort((a, b) => a - b).map((n) => typeMnemonic(typeFromNumber(n)));
}

/** One record as dig and zone files print it: `www.example.jp.\t300\tIN\tA\t192.0.2.1`. */
export function formatRecord(rr: RR): string {
  return `${toFqdn(rr.name)}\t${rr.ttl}\t${rr.class}\t${typeMnemonic(rr.type)}\t${formatRdata(rr)}`;
}
