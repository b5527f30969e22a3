// Every RR type dnslab knows, defined once (IANA "Resource Record (RR) TYPEs"):
// its mnemonic and number, and the properties the wire codec, the zone-file
// reader/printer, the canonical form and the validator look up, in the spirit
// of miekg/dns defining each type in one place. `RRType` (dns/types.ts),
// dns/wire/types-map.ts, dns/wire/rdata.ts, dns/rdata-key.ts and
// dns/zone/text-util.ts all read this table; none keeps a list of its own.

/** What one row says about a type. Absent flags are false. */
export interface RRTypeInfo {
  readonly name: string;
  readonly number: number;
  /** dns/wire/rdata.ts decodes it into a structure (RDataMap in dns/types.ts), not raw octets. */
  readonly structured?: boolean;
  /** Names in its RDATA may be compressed (RFC 3597 §4: the RFC 1035 types only). */
  readonly compressible?: boolean;
  /** Names in its RDATA are lowercased in canonical form (RFC 4034 §6.2 item 3 as amended by RFC 6840 §5.1). */
  readonly canonicalLower?: boolean;
  /** RDATA fields that hold domain names; '' when the whole RDATA is one name. */
  readonly nameFields?: readonly string[];
  /** Meta or pseudo type: it cannot own data in a zone (RFC 6895 §3.1). */
  readonly meta?: boolean;
  /**
   * Known only to the zone-file reader/printer: dns/types.ts does not model it,
   * so a record of it is typed `TYPEnnn` and holds wire RDATA, printed back
   * with its mnemonic (as BIND does).
   */
  readonly textOnly?: boolean;
}

const NAME = [''] as const;

export const RR_TYPES = [
  { name: 'A', number: 1, structured: true },
  { name: 'NS', number: 2, structured: true, compressible: true, canonicalLower: true, nameFields: NAME },
  { name: 'CNAME', number: 5, structured: true, compressible: true, canonicalLower: true, nameFields: NAME },
  { name: 'SOA', number: 6, structured: true, compressible: true, canonicalLower: true, nameFields: ['mname', 'rname'] },
  { name: 'PTR', number: 12, structured: true, compressible: true, canonicalLower: true, nameFields: NAME },
  { name: 'HINFO', number: 13, structured: true },
  { name: 'MX', number: 15, structured: true, compressible: true, canonicalLower: true, nameFields: ['exchange'] },
  { name: 'TXT', number: 16, structured: true },
  { name: 'RP', number: 17, textOnly: true },
  { name: 'AFSDB', number: 18, textOnly: true },
  { name: 'AAAA', number: 28, structured: true },
  { name: 'SRV', number: 33, structured: true, canonicalLower: true, nameFields: ['target'] },
  { name: 'NAPTR', number: 35, structured: true, canonicalLower: true, nameFields: ['replacement'] },
  { name: 'KX', number: 36, textOnly: true },
  { name: 'DNAME', number: 39, structured: true, canonicalLower: true, nameFields: NAME },
  { name: 'OPT', number: 41, meta: true },
  { name: 'DS', number: 43, structured: true },
  { name: 'SSHFP', number: 44, structured: true },
  { name: 'RRSIG', number: 46, structured: true, canonicalLower: true, nameFields: ['signersName'] },
  // RFC 6840 §5.1 took NSEC off the canonical-lowercase list.
  { name: 'NSEC', number: 47, structured: true, nameFields: ['nextDomain'] },
  { name: 'DNSKEY', number: 48, structured: true },
  { name: 'DHCID', number: 49, textOnly: true },
  { name: 'NSEC3', number: 50, structured: true },
  { name: 'NSEC3PARAM', number: 51, structured: true },
  { name: 'TLSA', number: 52, structured: true },
  { name: 'SMIMEA', number: 53, textOnly: true },
  { name: 'CDS', number: 59, structured: true },
  { name: 'CDNSKEY', number: 60, structured: true },
  { name: 'OPENPGPKEY', number: 61, textOnly: true },
  { name: 'CSYNC', number: 62, textOnly: true },
  // RFC 8976: a mnemonic of ours, but its RDATA stays wire octets.
  { name: 'ZONEMD', number: 63 },
  // RFC 9460 §2.2 keeps the TargetName's case: not on the canonical-lowercase list.
  { name: 'SVCB', number: 64, structured: true, nameFields: ['target'] },
  { name: 'HTTPS', number: 65, structured: true, nameFields: ['target'] },
  { name: 'SPF', number: 99, textOnly: true },
  { name: 'EUI48', number: 108, textOnly: true },
  { name: 'EUI64', number: 109, textOnly: true },
  { name: 'IXFR', number: 251, meta: true },
  { name: 'AXFR', number: 252, meta: true },
  { name: 'ANY', number: 255, meta: true },
  { name: 'URI', number: 256, structured: true },
  { name: 'CAA', number: 257, structured: true },
] as const satisfies readonly RRTypeInfo[];

const BY_NAME = new Map<string, RRTypeInfo>(RR_TYPES.map((r) => [r.name, r]));
const BY_NUMBER = new Map<number, RRTypeInfo>(RR_TYPES.map((r) => [r.number, r]));

/** The row for a mnemonic (upper case) — modeled or `textOnly`. */
export function rrTypeByName(name: string): RRTypeInfo | undefined {
  return BY_NAME.get(name);
}

/** The row for a type number, if dnslab knows it. */
export function rrTypeByNumber(n: number): RRTypeInfo | undefined {
  return BY_NUMBER.get(n);
}

/** Mnemonics of the modeled rows where `flag` holds. */
export function typesWhere(flag: 'structured' | 'compressible' | 'canonicalLower' | 'meta'): string[] {
  return RR_TYPES.filter((r: RRTypeInfo) => r[flag] === true && r.textOnly !== true).map((r) => r.name);
}
