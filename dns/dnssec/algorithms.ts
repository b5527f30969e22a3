// DNSSEC algorithm and digest tables, key tags and DS construction.
// Numbers and mnemonics: IANA "DNS Security Algorithm Numbers" and
// "Delegation Signer (DS) Resource Record (RR) Type Digest Algorithms".

import { createHash } from 'node:crypto';
import { DnslabError, type DnskeyData, type DsData, type Name } from '../types.ts';
import { canonicalNameWire } from './nsec3-hash.ts';

export class DnssecAlgorithmError extends DnslabError {
  constructor(message: string) {
    super('UNSUPPORTED_ALGORITHM', message);
    this.name = 'DnssecAlgorithmError';
  }
}

export interface AlgorithmInfo {
  number: number;
  /** IANA mnemonic, as BIND prints it. */
  mnemonic: string;
  /** dnslab can generate keys and sign with it. */
  canSign: boolean;
  /** The hash the signature is computed over (node:crypto name), when known. */
  hash?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
}

export const Algorithm = {
  RSAMD5: 1,
  DSA: 3,
  RSASHA1: 5,
  DSA_NSEC3_SHA1: 6,
  RSASHA1_NSEC3_SHA1: 7,
  RSASHA256: 8,
  RSASHA512: 10,
  ECC_GOST: 12,
  ECDSAP256SHA256: 13,
  ECDSAP384SHA384: 14,
  ED25519: 15,
  ED448: 16,
} as const;

/** Algorithms dnslab signs with (RFC 5702, RFC 6605, RFC 8080). */
export type SigningAlgorithm = 8 | 13 | 15;

export const ALGORITHMS: ReadonlyMap<number, AlgorithmInfo> = new Map<number, AlgorithmInfo>([
  [1, { number: 1, mnemonic: 'RSAMD5', canSign: false }],
  [3, { number: 3, mnemonic: 'DSA', canSign: false, hash: 'sha1' }],
  [5, { number: 5, mnemonic: 'RSASHA1', canSign: false, hash: 'sha1' }],
  [6, { number: 6, mnemonic: 'NSEC3DSA', canSign: false, hash: 'sha1' }],
  [7, { number: 7, mnemonic: 'NSEC3RSASHA1', canSign: false, hash: 'sha1' }],
  [8, { number: 8, mnemonic: 'RSASHA256', canSign: true, hash: 'sha256' }],
  [10, { number: 10, mnemonic: 'RSASHA512', canSign: false, hash: 'sha512' }],
  [12, { number: 12, mnemonic: 'ECCGOST', canSign: false }],
  [13, { number: 13, mnemonic: 'ECDSAP256SHA256', canSign: true, hash: 'sha256' }],
  [14, { number: 14, mnemonic: 'ECDSAP384SHA384', canSign: false, hash: 'sha384' }],
  [15, { number: 15, mnemonic: 'ED25519', canSign: true }],
  [16, { number: 16, mnemonic: 'ED448', canSign: false }],
]);

export function algorithmMnemonic(n: number): string {
  return ALGORITHMS.get(n)?.mnemonic ?? `ALG${n}`;
}

export function isSigningAlgorithm(n: number): n is SigningAlgorithm {
  return n === 8 || n === 13 || n === 15;
}

export type DsDigestType = 1 | 2 | 4;
const DIGEST_HASH: Record<DsDigestType, { hash: string; length: number }> = {
  1: { hash: 'sha1', length: 20 },
  2: { hash: 'sha256', length: 32 },
  4: { hash: 'sha384', length: 48 },
};

/** DNSKEY flag bits (RFC 4034 §2.1.1, RFC 5011 §7 REVOKE). */
export const DnskeyFlag = { ZONE: 0x0100, SEP: 0x0001, REVOKE: 0x0080 } as const;
export const KSK_FLAGS = 257;
export const ZSK_FLAGS = 256;

/** DNSKEY RDATA in wire form (RFC 4034 §2.2): flags | protocol | algorithm | public key. */
export function dnskeyRdataWire(dnskey: DnskeyData): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(dnskey.flags & 0xffff, 0);
  head.writeUInt8(dnskey.protocol & 0xff, 2);
  head.writeUInt8(dnskey.algorithm & 0xff, 3);
  return Buffer.concat([head, dnskey.key]);
}

/**
 * Key tag, RFC 4034 Appendix B: a ones'-complement-like sum over the DNSKEY
 * RDATA; for algorithm 1 (RSA/MD5) it is the 16 bits before the last octet
 * of the modulus (App. B.1).
 */
export function keyTag(dnskey: DnskeyData): number {
  const rdata = dnskeyRdataWire(dnskey);
  if (dnskey.algorithm === 1) {
    if (rdata.length < 7) return 0;
    return rdata.readUInt16BE(rdata.length - 3);
  }
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}

/** RFC 4034 §5.1.4: digest = hash(canonical owner name | DNSKEY RDATA). */
export function dsDigest(owner: Name, dnskey: DnskeyData, digestType: DsDigestType): Buffer {
  const d = DIGEST_HASH[digestType];
  if (!d) throw new DnssecAlgorithmError(`DS digest type ${String(digestType)} is not supported (use 1, 2 or 4)`);
  return createHash(d.hash).update(canonicalNameWire(owner)).update(dnskeyRdataWire(dnskey)).digest();
}

/** The DS RDATA for a DNSKEY at `owner` (RFC 4034 §5, RFC 4509, RFC 6605 §2). */
export function makeDs(owner: Name, dnskey: DnskeyData, digestType: DsDigestType = 2): DsData {
  return { keyTag: keyTag(dnskey), algorithm: dnskey.algorithm, digestType, digest: dsDigest(owner, dnskey, digestType) };
}

/** Does `ds` match the DNSKEY at `owner`? (tag, algorithm and digest; unknown digest types never match). */
export function dsMatches(owner: Name, ds: DsData, dnskey: DnskeyData): boolean {
  if (ds.algorithm !== dnskey.algorithm || ds.keyTag !== keyTag(dnskey)) return false;
  if (!(ds.digestType in DIGEST_HASH)) return false;
  return dsDigest(owner, dnskey, ds.digestType as DsDigestType).equals(ds.digest);
}
