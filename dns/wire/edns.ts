// Builders and parsers for the EDNS options servers and resolvers in the lab
// actually use. Options stay raw ({ code, data }) in Message.edns; these
// helpers give them structure on demand and reject malformed ones with a
// WireError('BAD_OPT') a server can turn into FORMERR.

import { EdnsOptionCode, type EdnsOption, type Message } from '../types.ts';
import { WireError } from './errors.ts';

/** First option with `code` in the message's OPT RR, if any. */
export function findOption(msg: Message, code: number): EdnsOption | undefined {
  return msg.edns?.options.find((o) => o.code === code);
}

// --- Extended DNS Errors, RFC 8914 ------------------------------------------

/** INFO-CODEs of RFC 8914 §4 (plus 27 from RFC 9276 §3.2). */
export const EdeCode = {
  OTHER: 0,
  UNSUPPORTED_DNSKEY_ALGORITHM: 1,
  UNSUPPORTED_DS_DIGEST_TYPE: 2,
  STALE_ANSWER: 3,
  FORGED_ANSWER: 4,
  DNSSEC_INDETERMINATE: 5,
  DNSSEC_BOGUS: 6,
  SIGNATURE_EXPIRED: 7,
  SIGNATURE_NOT_YET_VALID: 8,
  DNSKEY_MISSING: 9,
  RRSIGS_MISSING: 10,
  NO_ZONE_KEY_BIT_SET: 11,
  NSEC_MISSING: 12,
  CACHED_ERROR: 13,
  NOT_READY: 14,
  BLOCKED: 15,
  CENSORED: 16,
  FILTERED: 17,
  PROHIBITED: 18,
  STALE_NXDOMAIN_ANSWER: 19,
  NOT_AUTHORITATIVE: 20,
  NOT_SUPPORTED: 21,
  NO_REACHABLE_AUTHORITY: 22,
  NETWORK_ERROR: 23,
  INVALID_DATA: 24,
  UNSUPPORTED_NSEC3_ITERATIONS_VALUE: 27,
} as const;

export interface Ede {
  infoCode: number;
  extraText: string;
}

/** RFC 8914 §2: INFO-CODE (2 octets) + EXTRA-TEXT (UTF-8, no terminating NUL). */
export function makeEdeOption(infoCode: number, extraText = ''): EdnsOption {
  if (!Number.isInteger(infoCode) || infoCode < 0 || infoCode > 0xffff) throw new WireError('BAD_OPT', `EDE INFO-CODE ${infoCode} is not in 0..65535`);
  const text = Buffer.from(extraText, 'utf8');
  const data = Buffer.alloc(2 + text.length);
  data.writeUInt16BE(infoCode, 0);
  text.copy(data, 2);
  return { code: EdnsOptionCode.EDE, data };
}

export function parseEdeOption(o: EdnsOption): Ede {
  if (o.code !== EdnsOptionCode.EDE) throw new WireError('BAD_OPT', `option ${o.code} is not EDE (15)`);
  if (o.data.length < 2) throw new WireError('BAD_OPT', `EDE option of ${o.data.length} octets; needs at least the 2-octet INFO-CODE (RFC 8914 §2)`);
  return { infoCode: o.data.readUInt16BE(0), extraText: o.data.subarray(2).toString('utf8') };
}

/** All EDE options of a message, in order (RFC 8914 §3 allows several). */
export function edeOf(msg: Message): Ede[] {
  return (msg.edns?.options ?? []).filter((o) => o.code === EdnsOptionCode.EDE && o.data.length >= 2).map(parseEdeOption);
}

// --- DNS Cookies, RFC 7873 ---------------------------------------------------

export interface Cookie {
  client: Buffer;
  server?: Buffer;
}

/** RFC 7873 §4: client cookie 8 octets, optional server cookie 8..32 octets. */
export function makeCookieOption(client: Buffer, server?: Buffer): EdnsOption {
  if (client.length !== 8) throw new WireError('BAD_OPT', `client cookie must be 8 octets, got ${client.length} (RFC 7873 §4.1)`);
  if (server !== undefined && (server.length < 8 || server.length > 32))
    throw new WireError('BAD_OPT', `server cookie must be 8..32 octets, got ${server.length} (RFC 7873 §4.2)`);
  return { code: EdnsOptionCode.COOKIE, data: server === undefined ? Buffer.from(client) : Buffer.concat([client, server]) };
}

/** Throws BAD_OPT for a malformed COOKIE (total length not 8 or 16..40): RFC 7873 §5.2.2 says FORMERR. */
export function parseCookieOption(o: EdnsOption): Cookie {
  const n = o.data.length;
  if (o.code !== EdnsOptionCode.COOKIE) throw new WireError('BAD_OPT', `option ${o.code} is not COOKIE (10)`);
  if (n !== 8 && (n < 16 || n > 40)) throw new WireError('BAD_OPT', `COOKIE option of ${n} octets; must be 8 or 16..40 (RFC 7873 §4)`);
  const client = Buffer.from(o.data.subarray(0, 8));
  return n === 8 ? { client } : { client, server: Buffer.from(o.data.subarray(8)) };
}

// --- Client Subnet, RFC 7871 --------------------------------------------------

export interface ClientSubnet {
  /** 1 = IPv4, 2 = IPv6 (address family numbers). */
  family: number;
  sourcePrefixLength: number;
  scopePrefixLength: number;
  /** Address octets, exactly ceil(sourcePrefixLength / 8) of them. */
  address: Buffer;
}

export function parseClientSubnetOption(o: EdnsOption): ClientSubnet {
  if (o.code !== EdnsOptionCode.CLIENT_SUBNET) throw new WireError('BAD_OPT', `option ${o.code} is not CLIENT_SUBNET (8)`);
  if (o.data.length < 4) throw new WireError('BAD_OPT', 'ECS option shorter than 4 octets (RFC 7871 §6)');
  const family = o.data.readUInt16BE(0);
  const sourcePrefixLength = o.data[2]!;
  const scopePrefixLength = o.data[3]!;
  const address = Buffer.from(o.data.subarray(4));
  const max = family === 1 ? 32 : family === 2 ? 128 : -1;
  if (max < 0) throw new WireError('BAD_OPT', `ECS family ${family} is neither 1 (IPv4) nor 2 (IPv6)`);
  if (sourcePrefixLength > max || scopePrefixLength > max) throw new WireError('BAD_OPT', `ECS prefix length above ${max}`);
  if (address.length !== Math.ceil(sourcePrefixLength / 8)) {
    throw new WireError(
      'BAD_OPT',
      `ECS ADDRESS has ${address.length} octets; SOURCE PREFIX-LENGTH ${sourcePrefixLength} needs ${Math.ceil(sourcePrefixLength / 8)} (RFC 7871 §6)`,
    );
  }
  return { family, sourcePrefixLength, scopePrefixLength, address };
}

export function makeClientSubnetOption(s: ClientSubnet): EdnsOption {
  const data = Buffer.alloc(4 + s.address.length);
  data.writeUInt16BE(s.family, 0);
  data[2] = s.sourcePrefixLength;
  data[3] = s.scopePrefixLength;
  s.address.copy(data, 4);
  return { code: EdnsOptionCode.CLIENT_SUBNET, data };
}

// --- Padding (RFC 7830, RFC 8467) ---------------------------------------------

/**
 * A PADDING option that brings a message of `unpaddedSize` octets (without
 * this option) to the next multiple of `block` (RFC 8467 §4.1: 128 for
 * queries, 468 for responses). The option header itself takes 4 octets.
 */
export function makePaddingOption(unpaddedSize: number, block: number): EdnsOption {
  const withHeader = unpaddedSize + 4;
  const len = (block - (withHeader % block)) % block;
  return { code: EdnsOptionCode.PADDING, data: Buffer.alloc(len) };
}
