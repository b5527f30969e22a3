// DNSKEY Public Key field -> node:crypto key, and signature verification with
// it (RFC 3110 and RFC 5702 RSA, RFC 6605 ECDSA, RFC 8080 EdDSA). One parser
// for the signer's keys and the validator: malformed keys throw a KeyError,
// and the validator turns that into a bogus reason.

import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { DnslabError, type DnskeyData } from '../types.ts';
import { keyTag } from './algorithms.ts';

/** A key file or key material that cannot be used. `file`/`line` say where, when known. */
export class KeyError extends DnslabError {
  constructor(
    code: 'BAD_KEY' | 'UNSUPPORTED_ALGORITHM' | 'BAD_KEY_FILE' | 'KEY_MISMATCH',
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(code, file ? `${file}${line ? `:${line}` : ''}: ${message}` : message);
    this.name = 'KeyError';
  }
}

/** RFC 5702 §2: RSA/SHA-256 moduli are 512..4096 bits. */
export const RSA_MIN_BITS = 512;
export const RSA_MAX_BITS = 4096;

interface ParsedKey {
  key: KeyObject;
  /** Signature length in octets. */
  sigLength: number;
  /** node:crypto digest name; null for EdDSA. */
  hash: string | null;
}

const RSA_HASH: Record<number, string> = { 5: 'sha1', 7: 'sha1', 8: 'sha256', 10: 'sha512' };

function b64url(b: Buffer): string {
  return b.toString('base64url');
}

function bad(message: string): never {
  throw new KeyError('BAD_KEY', message);
}

function parseRsaKey(alg: number, raw: Buffer): ParsedKey {
  const hash = RSA_HASH[alg]!;
  // RFC 3110 §2: exponent length in one octet, or 0 followed by two octets.
  if (raw.length < 3) bad(`RSA key of ${raw.length} octets is too short`);
  let expLen = raw[0]!;
  let off = 1;
  if (expLen === 0) {
    expLen = raw.readUInt16BE(1);
    off = 3;
  }
  if (expLen === 0) bad('RSA exponent length is zero');
  if (off + expLen >= raw.length) bad(`RSA exponent length ${expLen} leaves no modulus in a ${raw.length}-octet key`);
  const exponent = raw.subarray(off, off + expLen);
  const modulus = raw.subarray(off + expLen);
  if (exponent[0] === 0) bad('RSA exponent has a leading zero octet (RFC 3110 §2)');
  if (modulus[0] === 0) bad('RSA modulus has a leading zero octet (RFC 3110 §2)');
  if ((exponent[exponent.length - 1]! & 1) === 0) bad('RSA exponent is even');
  if (expLen === 1 && exponent[0] === 1) bad('RSA exponent is 1');
  if (expLen > 16) bad(`RSA exponent of ${expLen} octets is absurdly long`);
  if ((modulus[modulus.length - 1]! & 1) === 0) bad('RSA modulus is even');
  const bits = modulus.length * 8 - Math.clz32(modulus[0]!) + 24;
  const minBits = alg === 10 ? 1024 : RSA_MIN_BITS;
  if (bits < minBits || bits > RSA_MAX_BITS) bad(`RSA modulus of ${bits} bits is outside ${minBits}..${RSA_MAX_BITS} (RFC 3110, RFC 5702 §2)`);
  try {
    const key = createPublicKey({ key: { kty: 'RSA', n: b64url(modulus), e: b64url(exponent) }, format: 'jwk' });
    return { key, sigLength: modulus.length, hash };
  } catch (e) {
    bad(`RSA key rejected by the crypto library: ${(e as Error).message}`);
  }
}

function parseEcKey(alg: number, raw: Buffer): ParsedKey {
  const [crv, len, hash] = alg === 13 ? (['P-256', 32, 'sha256'] as const) : (['P-384', 48, 'sha384'] as const);
  // RFC 6605 §4: the key is Q as X | Y, no point-format octet.
  if (raw.length !== 2 * len) bad(`${crv} key must be ${2 * len} octets, got ${raw.length} (RFC 6605 §4)`);
  try {
    const key = createPublicKey({ key: { kty: 'EC', crv, x: b64url(raw.subarray(0, len)), y: b64url(raw.subarray(len)) }, format: 'jwk' });
    return { key, sigLength: 2 * len, hash };
  } catch (e) {
    bad(`${crv} key is not a point on the curve: ${(e as Error).message}`);
  }
}

function parseEdKey(alg: number, raw: Buffer): ParsedKey {
  const [crv, len, sigLength] = alg === 15 ? (['Ed25519', 32, 64] as const) : (['Ed448', 57, 114] as const);
  if (raw.length !== len) bad(`${crv} key must be ${len} octets, got ${raw.length} (RFC 8080 §3)`);
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv, x: b64url(raw) }, format: 'jwk' });
    return { key, sigLength, hash: null };
  } catch (e) {
    bad(`${crv} key rejected by the crypto library: ${(e as Error).message}`);
  }
}

function parseKey(algorithm: number, raw: Buffer): ParsedKey {
  if (algorithm in RSA_HASH) return parseRsaKey(algorithm, raw);
  if (algorithm === 13 || algorithm === 14) return parseEcKey(algorithm, raw);
  if (algorithm === 15 || algorithm === 16) return parseEdKey(algorithm, raw);
  throw new KeyError('UNSUPPORTED_ALGORITHM', `algorithm ${algorithm} is not implemented`);
}

// Building a KeyObject costs more than a verify, and resolvers see the same
// keys again and again: cache by key octets, and by Buffer identity first.
type Parsed = ParsedKey | KeyError;
const KEY_CACHE = new Map<string, Parsed>();
const KEY_CACHE_LIMIT = 4096;
const KEY_BY_BUFFER = new WeakMap<Buffer, { algorithm: number; parsed: Parsed }>();

function cachedKey(algorithm: number, raw: Buffer): ParsedKey {
  let parsed: Parsed | undefined;
  const quick = KEY_BY_BUFFER.get(raw);
  if (quick && quick.algorithm === algorithm) parsed = quick.parsed;
  else {
    const id = `${algorithm}:${raw.toString('base64')}`;
    parsed = KEY_CACHE.get(id);
    if (!parsed) {
      try {
        parsed = parseKey(algorithm, raw);
      } catch (e) {
        if (!(e instanceof KeyError)) throw e;
        parsed = e;
      }
      if (KEY_CACHE.size >= KEY_CACHE_LIMIT) KEY_CACHE.clear();
      KEY_CACHE.set(id, parsed);
    }
    KEY_BY_BUFFER.set(raw, { algorithm, parsed });
  }
  if (parsed instanceof KeyError) throw parsed;
  return parsed;
}

/** A node:crypto public key for a DNSKEY. Throws KeyError: BAD_KEY when the key field is malformed, UNSUPPORTED_ALGORITHM. */
export function dnskeyToPublicKey(dnskey: DnskeyData): KeyObject {
  return cachedKey(dnskey.algorithm, dnskey.key).key;
}

/**
 * Check `signature` over `data` with the DNSKEY, as algorithm `algorithm`
 * (the RRSIG's). Undefined when it verifies, else why not; never throws.
 * A reason starting with "DNSKEY" means the key itself is unusable.
 */
export function signatureProblem(algorithm: number, dnskey: DnskeyData, data: Buffer, signature: Buffer): string | undefined {
  let parsed: ParsedKey;
  try {
    parsed = cachedKey(algorithm, dnskey.key);
  } catch (e) {
    return `DNSKEY ${tagOrUnknown(dnskey)} is malformed: ${(e as Error).message}`;
  }
  if (signature.length !== parsed.sigLength) return `signature is ${signature.length} octets, expected ${parsed.sigLength} for algorithm ${algorithm}`;
  try {
    const ok =
      algorithm === 13 || algorithm === 14
        ? cryptoVerify(parsed.hash, data, { key: parsed.key, dsaEncoding: 'ieee-p1363' }, signature)
        : cryptoVerify(parsed.hash, data, parsed.key, signature);
    return ok ? undefined : 'signature does not verify (data or signature altered, or wrong key)';
  } catch (e) {
    return `signature could not be checked: ${(e as Error).message}`;
  }
}

function tagOrUnknown(dnskey: DnskeyData): number {
  try {
    return keyTag(dnskey);
  } catch {
    return -1;
  }
}
