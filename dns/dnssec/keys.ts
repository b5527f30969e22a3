// DNSSEC signing keys: generation, signing, and BIND's key file format
// (`K<name>+<alg>+<tag>.key` / `.private`, Private-key-format v1.3) so keys
// move between dnslab and dnssec-keygen / dnssec-signzone in both directions.
//
// Algorithms: 8 RSASHA256 (RFC 5702, PKCS#1 v1.5 over SHA-256), 13
// ECDSAP256SHA256 (RFC 6605, signature is r||s, 64 octets), 15 ED25519
// (RFC 8080, RFC 8032 pure Ed25519, 64 octets).
//
// Determinism: with `seed`, key material is derived from the seed (same seed,
// same key), so a scenario can rebuild identical keys run after run. Without
// it, keys come from node:crypto's CSPRNG. RSA and Ed25519 signatures are
// deterministic by construction. ECDSA needs a nonce: node:crypto draws a
// random one (fast); with `deterministicSignatures` (the default for seeded
// keys) we use RFC 6979 nonces instead (ecdsa-p256.ts, @noble/curves), so
// the same data signed twice gives the same octets.

import { createECDH, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalName, nameEquals, normalizeName, toFqdn } from '../name.ts';
import { type DnskeyData, type DsData, type Name, type RR } from '../types.ts';
import { signP256Deterministic } from './ecdsa-p256.ts';
import { dnskeyToPublicKey, KeyError, RSA_MAX_BITS, RSA_MIN_BITS, signatureProblem } from './public-key.ts';
import { algorithmMnemonic, isSigningAlgorithm, keyTag, KSK_FLAGS, makeDs, ZSK_FLAGS, type DsDigestType, type SigningAlgorithm } from './algorithms.ts';

/** BIND key timing metadata (Unix seconds). Only what is set is written. */
export interface KeyTiming {
  created?: number;
  publish?: number;
  activate?: number;
  revoke?: number;
  inactive?: number;
  delete?: number;
}

export class SigningKey {
  readonly owner: Name;
  readonly algorithm: SigningAlgorithm;
  readonly dnskey: DnskeyData;
  readonly keyTag: number;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  timing: KeyTiming;
  /** Algorithm 13 only: RFC 6979 nonces, so signatures repeat exactly (8 and 15 always do). */
  deterministicSignatures: boolean;
  private scalar: Buffer | undefined;

  constructor(owner: Name, dnskey: DnskeyData, privateKey: KeyObject, timing: KeyTiming = {}, options: { deterministicSignatures?: boolean } = {}) {
    if (!isSigningAlgorithm(dnskey.algorithm))
      throw new KeyError('UNSUPPORTED_ALGORITHM', `algorithm ${dnskey.algorithm} (${algorithmMnemonic(dnskey.algorithm)}) cannot sign here; use 8, 13 or 15`);
    this.owner = normalizeName(owner);
    this.algorithm = dnskey.algorithm;
    this.dnskey = { ...dnskey, key: Buffer.from(dnskey.key) };
    this.keyTag = keyTag(this.dnskey);
    this.privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.timing = { ...timing };
    this.deterministicSignatures = options.deterministicSignatures ?? false;
    // The private half must belong to the published DNSKEY; otherwise every signature is bogus.
    if (!publicKeyBytes(this.algorithm, this.publicKey).equals(this.dnskey.key)) {
      throw new KeyError('KEY_MISMATCH', `private key does not match the DNSKEY public key for ${this.owner} tag ${this.keyTag}`);
    }
  }

  get flags(): number {
    return this.dnskey.flags;
  }
  /** SEP bit set (RFC 4034 §2.1.1): by convention a key-signing key. */
  get isKsk(): boolean {
    return (this.dnskey.flags & 1) === 1;
  }
  get isRevoked(): boolean {
    return (this.dnskey.flags & 0x80) !== 0;
  }

  /** The signature octets as they go into RRSIG Signature (RFC 5702 §3, RFC 6605 §4, RFC 8080 §4). */
  sign(data: Buffer): Buffer {
    switch (this.algorithm) {
      case 8:
        return cryptoSign('sha256', data, this.privateKey);
      case 13:
        if (this.deterministicSignatures) {
          this.scalar ??= Buffer.from(this.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
          return signP256Deterministic(this.scalar, data);
        }
        return cryptoSign('sha256', data, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
      case 15:
        return cryptoSign(null, data, this.privateKey);
    }
  }

  verify(data: Buffer, signature: Buffer): boolean {
    return signatureProblem(this.algorithm, this.dnskey, data, signature) === undefined;
  }

  dnskeyRecord(ttl = 3600): RR {
    return { name: this.owner, type: 'DNSKEY', class: 'IN', ttl, data: { ...this.dnskey, key: Buffer.from(this.dnskey.key) } };
  }

  ds(digestType: DsDigestType = 2): DsData {
    return makeDs(this.owner, this.dnskey, digestType);
  }

  dsRecord(digestType: DsDigestType = 2, ttl = 86400): RR {
    return { name: this.owner, type: 'DS', class: 'IN', ttl, data: this.ds(digestType) };
  }

  /** Same key material with other flags (e.g. REVOKE, RFC 5011 §2.1); the key tag changes with them. */
  withFlags(flags: number): SigningKey {
    return new SigningKey(this.owner, { ...this.dnskey, flags }, this.privateKey, this.timing, { deterministicSignatures: this.deterministicSignatures });
  }

  /** BIND's file base name: `K<fqdn>+<alg>+<tag>` (tag zero-padded to 5 digits). */
  get bindBaseName(): string {
    return bindBaseName(this.owner, this.algorithm, this.keyTag);
  }

  /**
   * Timing as written to BIND files. `dnssec-signzone -S` ignores keys without
   * Publish/Activate, and a key with no schedule is meant to be live, so such
   * a key is written as published and active since its creation (or the epoch).
   */
  private bindTiming(): KeyTiming {
    const t = { ...this.timing };
    if (t.publish === undefined && t.activate === undefined) {
      const since = t.created ?? 0;
      t.created = since;
      t.publish = since;
      t.activate = since;
    }
    return t;
  }

  toBindKeyFile(ttl?: number): string {
    const kind = this.isKsk ? 'key-signing' : 'zone-signing';
    const lines = [`; This is a ${kind} key, keyid ${this.keyTag}, for ${toFqdn(this.owner)}`];
    const timing = this.bindTiming();
    for (const [field, label] of TIMING_FIELDS) {
      const t = timing[field];
      if (t !== undefined) lines.push(`; ${label}: ${bindTime(t)} (${new Date(t * 1000).toUTCString()})`);
    }
    const ttlText = ttl === undefined ? '' : ` ${ttl}`;
    lines.push(
      `${toFqdn(this.owner)}${ttlText} IN DNSKEY ${this.dnskey.flags} ${this.dnskey.protocol} ${this.algorithm} ${this.dnskey.key.toString('base64')}`,
    );
    return lines.join('\n') + '\n';
  }

  toBindPrivateFile(): string {
    const lines = ['Private-key-format: v1.3', `Algorithm: ${this.algorithm} (${algorithmMnemonic(this.algorithm)})`];
    if (this.algorithm === 8) {
      const jwk = this.privateKey.export({ format: 'jwk' });
      const f = (v: string | undefined): string => Buffer.from(v ?? '', 'base64url').toString('base64');
      lines.push(
        `Modulus: ${f(jwk.n)}`,
        `PublicExponent: ${f(jwk.e)}`,
        `PrivateExponent: ${f(jwk.d)}`,
        `Prime1: ${f(jwk.p)}`,
        `Prime2: ${f(jwk.q)}`,
        `Exponent1: ${f(jwk.dp)}`,
        `Exponent2: ${f(jwk.dq)}`,
        `Coefficient: ${f(jwk.qi)}`,
      );
    } else {
      const jwk = this.privateKey.export({ format: 'jwk' });
      lines.push(`PrivateKey: ${Buffer.from(jwk.d ?? '', 'base64url').toString('base64')}`);
    }
    const timing = this.bindTiming();
    for (const [field, label] of TIMING_FIELDS) {
      const t = timing[field];
      if (t !== undefined) lines.push(`${label}: ${bindTime(t)}`);
    }
    return lines.join('\n') + '\n';
  }

  /** Write both files into `dir`; returns the base path (without extension). */
  writeBindFiles(dir: string): string {
    const base = join(dir, this.bindBaseName);
    writeFileSync(`${base}.key`, this.toBindKeyFile());
    writeFileSync(`${base}.private`, this.toBindPrivateFile(), { mode: 0o600 });
    return base;
  }

  /** Parse a BIND `.key` + `.private` pair (text). File names only label errors. */
  static fromBind(keyText: string, privateText: string, names: { keyFile?: string; privateFile?: string } = {}): SigningKey {
    const pub = parseBindKeyFile(keyText, names.keyFile ?? 'key file');
    const priv = parseBindPrivateFile(privateText, names.privateFile ?? 'private file');
    if (priv.algorithm !== pub.dnskey.algorithm) {
      throw new KeyError('KEY_MISMATCH', `private file says algorithm ${priv.algorithm}, the .key file ${pub.dnskey.algorithm}`, names.privateFile);
    }
    try {
      return new SigningKey(pub.owner, pub.dnskey, priv.privateKey, { ...pub.timing, ...priv.timing });
    } catch (e) {
      if (e instanceof KeyError) throw new KeyError(e.code as 'KEY_MISMATCH', e.message, names.privateFile);
      throw e;
    }
  }
}

const TIMING_FIELDS: ReadonlyArray<[keyof KeyTiming, string]> = [
  ['created', 'Created'],
  ['publish', 'Publish'],
  ['activate', 'Activate'],
  ['revoke', 'Revoke'],
  ['inactive', 'Inactive'],
  ['delete', 'Delete'],
];

export function bindBaseName(owner: Name, algorithm: number, tag: number): string {
  const fqdn = toFqdn(canonicalName(owner));
  return `K${fqdn}+${String(algorithm).padStart(3, '0')}+${String(tag).padStart(5, '0')}`;
}

function bindTime(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function parseBindTime(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

// ---------------------------------------------------------------------------
// Public key encodings in DNSKEY RDATA

/** The DNSKEY Public Key field for a node:crypto public key. */
export function publicKeyBytes(algorithm: SigningAlgorithm, publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (algorithm === 8) {
    // RFC 3110 §2: exponent length (1 octet, or 0 then 2 octets), exponent, modulus.
    const e = Buffer.from(jwk.e ?? '', 'base64url');
    const n = Buffer.from(jwk.n ?? '', 'base64url');
    const len = e.length <= 255 ? Buffer.from([e.length]) : Buffer.from([0, e.length >> 8, e.length & 0xff]);
    return Buffer.concat([len, e, n]);
  }
  // RFC 6605 §4: Q = x | y; RFC 8080 §3: the 32-octet public key.
  if (algorithm === 13) return Buffer.concat([Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
  return Buffer.from(jwk.x ?? '', 'base64url');
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function bitLength(b: Buffer): number {
  const s = stripZeros(b);
  if (s.length === 0 || (s.length === 1 && s[0] === 0)) return 0;
  return (s.length - 1) * 8 + (32 - Math.clz32(s[0]!));
}

// ---------------------------------------------------------------------------
// Generation

export interface GenerateKeyOptions {
  algorithm: SigningAlgorithm;
  owner: Name;
  /** Key-signing key: flags 257 (SEP) instead of 256 (RFC 4034 §2.1.1). */
  ksk?: boolean;
  /** Override the flags entirely (e.g. 385 for a revoked KSK). */
  flags?: number;
  /** RSA modulus size; default 2048. Ignored for 13 and 15. */
  bits?: number;
  /** Derive the key from this seed (deterministic). Omit for a random key. */
  seed?: Uint8Array | string;
  /** Algorithm 13: RFC 6979 nonces (repeatable signatures). Default: true with `seed`, false without. */
  deterministicSignatures?: boolean;
  timing?: KeyTiming;
}

export function generateKey(options: GenerateKeyOptions): SigningKey {
  const { algorithm } = options;
  if (!isSigningAlgorithm(algorithm)) throw new KeyError('UNSUPPORTED_ALGORITHM', `cannot generate keys for algorithm ${String(algorithm)}; use 8, 13 or 15`);
  const flags = options.flags ?? (options.ksk ? KSK_FLAGS : ZSK_FLAGS);
  let privateKey: KeyObject;
  if (algorithm === 8) {
    const bits = options.bits ?? 2048;
    if (!Number.isInteger(bits) || bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
      throw new KeyError('BAD_KEY', `RSASHA256 key size ${bits} is outside ${RSA_MIN_BITS}..${RSA_MAX_BITS} bits (RFC 5702 §2)`);
    privateKey =
      options.seed !== undefined
        ? deterministicRsa(bits, seedStream(options.seed, 'rsa'))
        : generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 }).privateKey;
  } else if (algorithm === 13) {
    privateKey =
      options.seed !== undefined ? p256FromScalar(p256Scalar(seedStream(options.seed, 'p256'))) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  } else {
    privateKey = options.seed !== undefined ? ed25519FromSeed(seedStream(options.seed, 'ed25519')(32)) : generateKeyPairSync('ed25519').privateKey;
  }
  const publicKey = createPublicKey(privateKey);
  const dnskey: DnskeyData = { flags, protocol: 3, algorithm, key: publicKeyBytes(algorithm, publicKey) };
  return new SigningKey(options.owner, dnskey, privateKey, options.timing ?? {}, {
    deterministicSignatures: options.deterministicSignatures ?? options.seed !== undefined,
  });
}

/** A deterministic byte stream: HMAC-SHA256(seed, label | counter) blocks. */
function seedStream(seed: Uint8Array | string, label: string): (n: number) => Buffer {
  const key = typeof seed === 'string' ? Buffer.from(seed, 'utf8') : Buffer.from(seed);
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n: number) => {
    while (pool.length < n) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(counter++);
      pool = Buffer.concat([pool, createHmac('sha256', key).update(label).update(c).digest()]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function p256Scalar(next: (n: number) => Buffer): Buffer {
  for (;;) {
    const d = BigInt('0x' + next(32).toString('hex'));
    if (d > 0n && d < P256_N) return Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
  }
}

function p256FromScalar(raw: Buffer): KeyObject {
  // BIND writes the scalar as a minimal big-endian integer (OpenSSL BN_bn2bin), so
  // about one key in 256 has 31 octets or fewer: pad it back to the field size.
  if (raw.length === 0 || raw.length > 32) throw new KeyError('BAD_KEY', `ECDSAP256SHA256 private key must be 1..32 octets, got ${raw.length}`);
  const d = raw.length === 32 ? raw : Buffer.concat([Buffer.alloc(32 - raw.length), raw]);
  const v = BigInt('0x' + d.toString('hex'));
  if (v === 0n || v >= P256_N) throw new KeyError('BAD_KEY', 'ECDSAP256SHA256 private key is not in 1..n-1');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey(); // 0x04 | x | y
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
}

function ed25519FromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new KeyError('BAD_KEY', `ED25519 private key must be 32 octets (RFC 8032 §5.1.5), got ${seed.length}`);
  // PKCS#8 wrapper for an Ed25519 private key (RFC 8410 §7): fixed 16-octet prefix, then the seed.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

// Deterministic RSA: primes from the seed stream via Miller-Rabin (bases also from the stream).
const SMALL_PRIMES: number[] = (() => {
  const out: number[] = [];
  for (let n = 3; out.length < 300; n += 2) if (out.every((p) => n % p !== 0)) out.push(n);
  return out;
})();

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function toBig(b: Buffer): bigint {
  return BigInt('0x' + (b.length ? b.toString('hex') : '0'));
}
function fromBig(v: bigint): Buffer {
  let h = v.toString(16);
  if (h.length % 2) h = '0' + h;
  return Buffer.from(h, 'hex');
}

function isProbablePrime(n: bigint, next: (k: number) => Buffer, rounds: number): boolean {
  for (const p of SMALL_PRIMES) if (n % BigInt(p) === 0n) return n === BigInt(p);
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const bytes = Math.ceil(n.toString(16).length / 2);
  outer: for (let i = 0; i < rounds; i++) {
    const a = 2n + (toBig(next(bytes)) % (n - 3n));
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

function randomPrime(bits: number, e: bigint, next: (k: number) => Buffer): bigint {
  const bytes = Math.ceil(bits / 8);
  for (let attempt = 0; attempt < 100000; attempt++) {
    let c = toBig(next(bytes)) >> BigInt(bytes * 8 - bits);
    c |= (1n << BigInt(bits - 1)) | (1n << BigInt(bits - 2)) | 1n; // top two bits set: p*q has the full size
    if (gcd(c - 1n, e) !== 1n) continue;
    if (isProbablePrime(c, next, 40)) return c;
  }
  throw new KeyError('BAD_KEY', `no ${bits}-bit prime found from the seed (should not happen)`);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function deterministicRsa(bits: number, next: (k: number) => Buffer): KeyObject {
  const e = 65537n;
  for (;;) {
    const p = randomPrime(Math.ceil(bits / 2), e, next);
    const q = randomPrime(Math.floor(bits / 2), e, next);
    if (p === q) continue;
    const n = p * q;
    if (n.toString(2).length !== bits) continue;
    const [P, Q] = p > q ? [p, q] : [q, p];
    const phi = (P - 1n) * (Q - 1n);
    const d = modInverse(e, phi);
    return rsaFromComponents({ n, e, d, p: P, q: Q, dp: d % (P - 1n), dq: d % (Q - 1n), qi: modInverse(Q, P) });
  }
}

function rsaFromComponents(c: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; dp: bigint; dq: bigint; qi: bigint }): KeyObject {
  const f = (v: bigint): string => fromBig(v).toString('base64url');
  return createPrivateKey({ key: { kty: 'RSA', n: f(c.n), e: f(c.e), d: f(c.d), p: f(c.p), q: f(c.q), dp: f(c.dp), dq: f(c.dq), qi: f(c.qi) }, format: 'jwk' });
}

// ---------------------------------------------------------------------------
// BIND file parsing

interface ParsedKeyFile {
  owner: Name;
  dnskey: DnskeyData;
  timing: KeyTiming;
}

/** Parse a `K*.key` file: comments, then one `owner [ttl] [IN] DNSKEY flags 3 alg base64...` line. */
export function parseBindKeyFile(text: string, file = 'key file'): ParsedKeyFile {
  const timing: KeyTiming = {};
  const lines = text.split(/\r?\n/);
  let found: ParsedKeyFile | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const comment = /^\s*;\s*(Created|Publish|Activate|Revoke|Inactive|Delete):\s*(\d{14})/.exec(raw);
    if (comment) {
      const field = TIMING_FIELDS.find(([, label]) => label === comment[1])![0];
      const t = parseBindTime(comment[2]!);
      if (t !== undefined) timing[field] = t;
      continue;
    }
    const line = raw.replace(/;.*$/, '').trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    const idx = fields.findIndex((f) => f.toUpperCase() === 'DNSKEY' || f.toUpperCase() === 'KEY');
    if (idx < 1) throw new KeyError('BAD_KEY_FILE', `expected "owner [ttl] IN DNSKEY flags protocol algorithm key", got "${line}"`, file, i + 1);
    const [flags, protocol, algorithm] = fields.slice(idx + 1, idx + 4).map(Number);
    const b64 = fields.slice(idx + 4).join('');
    if (
      flags === undefined ||
      protocol === undefined ||
      algorithm === undefined ||
      [flags, protocol, algorithm].some((v) => !Number.isInteger(v)) ||
      b64 === ''
    ) {
      throw new KeyError('BAD_KEY_FILE', `DNSKEY needs numeric flags, protocol, algorithm and a base64 key: "${line}"`, file, i + 1);
    }
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) throw new KeyError('BAD_KEY_FILE', 'DNSKEY public key is not base64', file, i + 1);
    if (protocol !== 3) throw new KeyError('BAD_KEY_FILE', `DNSKEY protocol must be 3 (RFC 4034 §2.1.2), got ${protocol}`, file, i + 1);
    if (!isSigningAlgorithm(algorithm))
      throw new KeyError('UNSUPPORTED_ALGORITHM', `algorithm ${algorithm} (${algorithmMnemonic(algorithm)}) is not supported; use 8, 13 or 15`, file, i + 1);
    const dnskey: DnskeyData = { flags, protocol, algorithm, key: Buffer.from(b64, 'base64') };
    try {
      dnskeyToPublicKey(dnskey); // validates lengths
    } catch (e) {
      if (e instanceof KeyError) throw new KeyError(e.code as 'BAD_KEY', e.message, file, i + 1);
      throw e;
    }
    found = { owner: normalizeName(fields[0]!), dnskey, timing };
  }
  if (!found) throw new KeyError('BAD_KEY_FILE', 'no DNSKEY record found', file);
  return found;
}

/** Parse a `K*.private` file (Private-key-format v1.2/v1.3). */
export function parseBindPrivateFile(text: string, file = 'private file'): { algorithm: number; privateKey: KeyObject; timing: KeyTiming } {
  const fields = new Map<string, { value: string; line: number }>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^([A-Za-z0-9-]+):\s*(.*?)\s*$/.exec(raw);
    if (m) fields.set(m[1]!, { value: m[2]!, line: i + 1 });
  });
  const format = fields.get('Private-key-format');
  if (!format || !/^v1\.[0-9]+$/.test(format.value))
    throw new KeyError('BAD_KEY_FILE', 'first line must be "Private-key-format: v1.x"', file, format?.line ?? 1);
  const algField = fields.get('Algorithm');
  const algorithm = Number(/^(\d+)/.exec(algField?.value ?? '')?.[1]);
  if (!algField || !Number.isInteger(algorithm)) throw new KeyError('BAD_KEY_FILE', 'missing "Algorithm: N (NAME)" line', file);
  if (!isSigningAlgorithm(algorithm))
    throw new KeyError(
      'UNSUPPORTED_ALGORITHM',
      `algorithm ${algorithm} (${algorithmMnemonic(algorithm)}) is not supported; use 8, 13 or 15`,
      file,
      algField.line,
    );
  const b64 = (name: string): Buffer => {
    const f = fields.get(name);
    if (!f) throw new KeyError('BAD_KEY_FILE', `missing "${name}:" field for algorithm ${algorithm}`, file);
    if (!/^[A-Za-z0-9+/]+=*$/.test(f.value)) throw new KeyError('BAD_KEY_FILE', `"${name}" is not base64`, file, f.line);
    return Buffer.from(f.value, 'base64');
  };
  const timing: KeyTiming = {};
  for (const [field, label] of TIMING_FIELDS) {
    const f = fields.get(label);
    const t = f && parseBindTime(f.value);
    if (t !== undefined) timing[field] = t;
  }
  let privateKey: KeyObject;
  if (algorithm === 8) {
    const n = b64('Modulus');
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
      throw new KeyError(
        'BAD_KEY',
        `RSASHA256 modulus is ${bits} bits; RFC 5702 §2 allows ${RSA_MIN_BITS}..${RSA_MAX_BITS}`,
        file,
        fields.get('Modulus')!.line,
      );
    const parts = ['PublicExponent', 'PrivateExponent', 'Prime1', 'Prime2', 'Exponent1', 'Exponent2', 'Coefficient'].map(b64);
    const [e, d, p, q, dp, dq, qi] = parts.map((b) => stripZeros(b).toString('base64url'));
    try {
      privateKey = createPrivateKey({
        key: { kty: 'RSA', n: stripZeros(n).toString('base64url'), e: e!, d: d!, p: p!, q: q!, dp: dp!, dq: dq!, qi: qi! },
        format: 'jwk',
      });
    } catch (err) {
      throw new KeyError('BAD_KEY', `RSA private key components are inconsistent: ${(err as Error).message}`, file);
    }
  } else {
    const pk = b64('PrivateKey');
    try {
      privateKey = algorithm === 13 ? p256FromScalar(pk) : ed25519FromSeed(pk);
    } catch (err) {
      if (err instanceof KeyError) throw new KeyError('BAD_KEY', err.message, file, fields.get('PrivateKey')!.line);
      throw new KeyError('BAD_KEY', (err as Error).message, file, fields.get('PrivateKey')!.line);
    }
  }
  return { algorithm, privateKey, timing };
}

/** Load one key by base path (`dir/Kexample.+013+12345`, with or without extension). */
export function loadBindKey(basePath: string): SigningKey {
  const base = basePath.replace(/\.(key|private)$/, '');
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new KeyError('BAD_KEY_FILE', `cannot read: ${(e as Error).message}`, p);
    }
  };
  return SigningKey.fromBind(read(`${base}.key`), read(`${base}.private`), { keyFile: `${base}.key`, privateFile: `${base}.private` });
}

/** All key pairs for `owner` found in `dir` (files named K<owner>.+AAA+TTTTT.{key,private}), sorted by file name. */
export function loadBindKeys(dir: string, owner?: Name): SigningKey[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new KeyError('BAD_KEY_FILE', `cannot list key directory: ${(e as Error).message}`, dir);
  }
  const prefix = owner === undefined ? undefined : `K${toFqdn(canonicalName(owner))}+`;
  const keys: SigningKey[] = [];
  for (const f of entries.sort()) {
    if (!/^K.*\+\d{3}\+\d{5}\.private$/.test(f)) continue;
    if (prefix && f.toLowerCase().indexOf(prefix.toLowerCase()) !== 0) continue;
    const key = loadBindKey(join(dir, f));
    if (owner !== undefined && !nameEquals(key.owner, owner)) continue;
    keys.push(key);
  }
  return keys;
}
