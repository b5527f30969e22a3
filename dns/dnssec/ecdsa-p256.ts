// Deterministic ECDSA P-256 with SHA-256 (RFC 6979 §3.2 nonces), for
// ECDSAP256SHA256 (algorithm 13, RFC 6605) signatures that are the same
// octets on every run: node:crypto only offers random nonces, and the lab
// promises byte-identical packets for the same seed (docs/ARCHITECTURE.md, "Deterministic").
// Plain BigInt arithmetic in Jacobian coordinates: a few milliseconds per
// signature, fine for online answers and scenario zones, not for bulk signing
// (signZone uses node:crypto unless the key asks for deterministic nonces).

import { createHash, createHmac } from 'node:crypto';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

type Jacobian = [bigint, bigint, bigint]; // (X, Y, Z); Z = 0 is the point at infinity

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function modInv(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

// Doubling for a = -3 ("dbl-2001-b").
function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return [0n, 1n, 0n];
  const delta = (z * z) % P;
  const gamma = (y * y) % P;
  const beta = (x * gamma) % P;
  const alpha = (3n * (x - delta) * (x + delta)) % P;
  const x3 = mod(alpha * alpha - 8n * beta, P);
  const z3 = mod((y + z) * (y + z) - gamma - delta, P);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, P);
  return [x3, y3, z3];
}

// General addition ("add-2007-bl").
function add(p1: Jacobian, p2: Jacobian): Jacobian {
  const [x1, y1, z1] = p1;
  const [x2, y2, z2] = p2;
  if (z1 === 0n) return p2;
  if (z2 === 0n) return p1;
  const z1z1 = (z1 * z1) % P;
  const z2z2 = (z2 * z2) % P;
  const u1 = (x1 * z2z2) % P;
  const u2 = (x2 * z1z1) % P;
  const s1 = (y1 * z2 * z2z2) % P;
  const s2 = (y2 * z1 * z1z1) % P;
  if (u1 === u2) return s1 === s2 ? double(p1) : [0n, 1n, 0n];
  const h = mod(u2 - u1, P);
  const i = (4n * h * h) % P;
  const j = (h * i) % P;
  const r = mod(2n * (s2 - s1), P);
  const v = (u1 * i) % P;
  const x3 = mod(r * r - j - 2n * v, P);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, P);
  const z3 = mod(((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h, P);
  return [x3, y3, z3];
}

function multiplyG(k: bigint): bigint {
  let acc: Jacobian = [0n, 1n, 0n];
  let base: Jacobian = [GX, GY, 1n];
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) acc = add(acc, base);
    base = double(base);
  }
  const zInv = modInv(acc[2], P);
  return (acc[0] * zInv * zInv) % P; // affine x
}

const toBig = (b: Uint8Array): bigint => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const to32 = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');

/** RFC 6979 §3.2 nonce generation for P-256/SHA-256 (qlen = hlen = 256, so bits2int is plain conversion). */
function* nonces(x: bigint, h1: Buffer): Generator<bigint> {
  const xo = to32(x);
  const ho = to32(mod(toBig(h1), N));
  let v = Buffer.alloc(32, 1);
  let k = Buffer.alloc(32, 0);
  const hmac = (key: Buffer, ...parts: Buffer[]) => {
    const h = createHmac('sha256', key);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  k = hmac(k, v, Buffer.from([0]), xo, ho);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([1]), xo, ho);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const candidate = toBig(v);
    if (candidate >= 1n && candidate < N) yield candidate;
    k = hmac(k, v, Buffer.from([0]));
    v = hmac(k, v);
  }
}

/** ECDSA P-256 / SHA-256 signature r‖s (64 octets) with an RFC 6979 nonce. `privateKey` is the 32-octet scalar. */
export function signP256Deterministic(privateKey: Uint8Array, message: Uint8Array): Buffer {
  const x = toBig(privateKey);
  if (x <= 0n || x >= N) throw new RangeError('P-256 private key must be in 1..n-1');
  const h1 = createHash('sha256').update(message).digest();
  const e = toBig(h1);
  for (const k of nonces(x, h1)) {
    const r = mod(multiplyG(k), N);
    if (r === 0n) continue;
    const s = mod(modInv(k, N) * (e + x * r), N);
    if (s === 0n) continue;
    return Buffer.concat([to32(r), to32(s)]);
  }
  throw new Error('unreachable');
}
