// Protocol types shared by every part of dnslab. Field names follow the RFCs
// (RFC 1035 §4.1, RFC 4034, RFC 5155, RFC 6891, RFC 9460) so that code reads
// like the specification. Nothing here knows about the wire codec.

import { RR_TYPES } from './rr-types.ts';

/**
 * An absolute domain name in presentation form WITHOUT the trailing dot,
 * case preserved (resolvers may use 0x20 mixed case): "www.example.jp".
 * The root is ".". Compare with `nameEquals`/`canonicalCompare` from
 * `dns/name.ts`, never with `===`.
 */
export type Name = string;

type RRTypeRow = (typeof RR_TYPES)[number];
type ModeledRRTypeRow = Exclude<RRTypeRow, { textOnly: true }>;

/** RR type mnemonics with their numbers: every row of dns/rr-types.ts that dns/types.ts models (not `textOnly`). */
export const RRType = Object.fromEntries(RR_TYPES.filter((r) => !('textOnly' in r)).map((r) => [r.name, r.number])) as {
  readonly [R in ModeledRRTypeRow as R['name']]: R['number'];
};

export type KnownRRTypeName = keyof typeof RRType;
/** A known mnemonic, or the RFC 3597 generic form `TYPE12345`. */
export type RRTypeName = KnownRRTypeName | `TYPE${number}`;

export const RRClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;
export type RRClassName = keyof typeof RRClass | `CLASS${number}`;

/** RCODEs, including the extended ones carried in the OPT RR (RFC 6891 §6.1.3). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
  BADCOOKIE: 23,
} as const;
export type RcodeName = keyof typeof Rcode | `RCODE${number}`;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;
export type OpcodeName = keyof typeof Opcode | `OPCODE${number}`;

/** EDNS option codes we give names to (IANA "DNS EDNS0 Option Codes"). */
export const EdnsOptionCode = {
  NSID: 3,
  DAU: 5,
  DHU: 6,
  N3U: 7,
  CLIENT_SUBNET: 8,
  EXPIRE: 9,
  COOKIE: 10,
  TCP_KEEPALIVE: 11,
  PADDING: 12,
  CHAIN: 13,
  KEY_TAG: 14,
  /** Extended DNS Errors, RFC 8914. */
  EDE: 15,
} as const;

// ---------------------------------------------------------------------------
// RDATA, one shape per type. Binary fields are Buffers; names are `Name`.

export interface SoaData {
  mname: Name;
  rname: Name;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  /** Negative-caching TTL bound, RFC 2308 §4. */
  minimum: number;
}
export interface MxData {
  preference: number;
  exchange: Name;
}
export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: Name;
}
export interface NaptrData {
  order: number;
  preference: number;
  flags: string;
  services: string;
  regexp: string;
  replacement: Name;
}
export interface HinfoData {
  cpu: string;
  os: string;
}
/** RFC 8659. `value` is the raw value octets as a string (Latin-1 for non-ASCII). */
export interface CaaData {
  flags: number;
  tag: string;
  value: string;
}
/** RFC 4034 §5.1. Also CDS (RFC 7344). */
export interface DsData {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: Buffer;
}
/** RFC 4034 §2.1. Also CDNSKEY (RFC 7344). Protocol is always 3 on the wire. */
export interface DnskeyData {
  flags: number;
  protocol: number;
  algorithm: number;
  key: Buffer;
}
/** RFC 4034 §3.1. Times are seconds since the Unix epoch (serial arithmetic on the wire). */
export interface RrsigData {
  typeCovered: RRTypeName;
  algorithm: number;
  labels: number;
  originalTTL: number;
  expiration: number;
  inception: number;
  keyTag: number;
  signersName: Name;
  signature: Buffer;
}
/** RFC 4034 §4.1. */
export interface NsecData {
  nextDomain: Name;
  /** Type Bit Maps, as mnemonics. */
  types: RRTypeName[];
}
/** RFC 5155 §3.2. `nextHashedOwner` is the raw hash (base32hex in presentation). */
export interface Nsec3Data {
  hashAlgorithm: number;
  flags: number;
  iterations: number;
  salt: Buffer;
  nextHashedOwner: Buffer;
  types: RRTypeName[];
}
/** RFC 5155 §4.2. */
export interface Nsec3ParamData {
  hashAlgorithm: number;
  flags: number;
  iterations: number;
  salt: Buffer;
}
/** RFC 6698. */
export interface TlsaData {
  usage: number;
  selector: number;
  matchingType: number;
  certificate: Buffer;
}
/** RFC 4255. */
export interface SshfpData {
  algorithm: number;
  hash: number;
  fingerprint: Buffer;
}
/** RFC 7553. */
export interface UriData {
  priority: number;
  weight: number;
  target: string;
}
/** One SvcParam (RFC 9460 §2.2): key number and its raw wire value. */
export interface SvcParam {
  key: number;
  value: Buffer;
}
/** SVCB and HTTPS, RFC 9460 §2.2. Params in strictly increasing key order on the wire. */
export interface SvcbData {
  priority: number;
  target: Name;
  params: SvcParam[];
}

/** Maps each type we model structurally to its RDATA shape. */
export interface RDataMap {
  A: string;
  AAAA: string;
  NS: Name;
  CNAME: Name;
  DNAME: Name;
  PTR: Name;
  SOA: SoaData;
  MX: MxData;
  /** character-strings (RFC 1035 §3.3.14), each at most 255 octets. */
  TXT: Buffer[];
  SRV: SrvData;
  NAPTR: NaptrData;
  HINFO: HinfoData;
  CAA: CaaData;
  DS: DsData;
  CDS: DsData;
  DNSKEY: DnskeyData;
  CDNSKEY: DnskeyData;
  RRSIG: RrsigData;
  NSEC: NsecData;
  NSEC3: Nsec3Data;
  NSEC3PARAM: Nsec3ParamData;
  TLSA: TlsaData;
  SSHFP: SshfpData;
  URI: UriData;
  SVCB: SvcbData;
  HTTPS: SvcbData;
}
export type StructuredRRTypeName = keyof RDataMap;
/** RDATA for a type: the structured shape, or raw octets (RFC 3597) for any other type. */
export type RData<T extends RRTypeName = RRTypeName> = T extends StructuredRRTypeName ? RDataMap[T] : Buffer;

/** A resource record. `ttl` is seconds. Class is almost always IN. */
export interface ResourceRecord<T extends RRTypeName = RRTypeName> {
  name: Name;
  type: T;
  class: RRClassName;
  ttl: number;
  data: RData<T>;
}

/** Convenience alias used throughout: any record. */
export type RR = { [K in RRTypeName]: ResourceRecord<K> }[RRTypeName] | ResourceRecord;

// ---------------------------------------------------------------------------
// Messages (RFC 1035 §4.1, RFC 6891)

export interface Question {
  qname: Name;
  qtype: RRTypeName;
  qclass: RRClassName;
}

export interface HeaderFlags {
  qr: boolean;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** Z bit (RFC 1035 §4.1.1): must be zero; kept so malformed peers can be reproduced. */
  z: boolean;
  ad: boolean;
  cd: boolean;
}

export interface EdnsOption {
  code: number;
  data: Buffer;
}

/** The OPT pseudo-RR, decoded (RFC 6891 §6.1). */
export interface Edns {
  /** Requestor's UDP payload size. */
  udpPayloadSize: number;
  version: number;
  /** DNSSEC OK, RFC 3225. */
  do: boolean;
  /** The remaining 15 Z flag bits, as received. */
  z: number;
  options: EdnsOption[];
}

export interface Message {
  id: number;
  opcode: OpcodeName;
  /** The full RCODE: header RCODE merged with the OPT extended RCODE bits (RFC 6891 §6.1.3). */
  rcode: RcodeName;
  flags: HeaderFlags;
  question: Question[];
  answer: RR[];
  authority: RR[];
  /** Additional section WITHOUT the OPT RR; OPT lives in `edns`. */
  additional: RR[];
  /** Present iff the message carries an OPT RR. */
  edns?: Edns;
}

/** Errors dnslab raises on purpose carry a stable code a caller can branch on. */
export class DnslabError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnslabError';
  }
}
