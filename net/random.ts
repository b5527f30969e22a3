// The lab's seeded random source (docs/ARCHITECTURE.md, "Deterministic"): every query ID, port,
// loss decision and jitter comes from here, so the same seed gives the same
// packets byte for byte.
//
// Generator: xoshiro128** (Blackman & Vigna, 2018) — 128-bit state, 32-bit
// output, passes BigCrush, tiny and fast in 32-bit integer arithmetic. The state
// is derived from SHA-256 of the seed's text, so any string is a good seed and
// nearby seeds ("run-1", "run-2") give unrelated streams.

import { createHash } from 'node:crypto';

export class SeededRandom {
  /** The seed text this stream was made from (a fork's is "parent/label"). */
  readonly seed: string;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number | string) {
    this.seed = String(seed);
    const digest = createHash('sha256').update(this.seed, 'utf8').digest();
    this.s0 = digest.readUInt32LE(0);
    this.s1 = digest.readUInt32LE(4);
    this.s2 = digest.readUInt32LE(8);
    this.s3 = digest.readUInt32LE(12);
    // The all-zero state is the one state xoshiro cannot leave.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /** A generator with an explicit xoshiro128** state (for reference-vector tests). */
  static fromState(s0: number, s1: number, s2: number, s3: number): SeededRandom {
    const r = new SeededRandom('fromState');
    r.s0 = s0 >>> 0;
    r.s1 = s1 >>> 0;
    r.s2 = s2 >>> 0;
    r.s3 = s3 >>> 0;
    return r;
  }

  /**
   * An independent stream for one purpose ("ports", "loss", "host:ns1"...).
   * It depends only on this stream's seed and the label — not on how many
   * numbers were drawn here — so adding a draw in one part of the lab does
   * not shift the numbers of another. The same label gives the same stream.
   */
  fork(label: string): SeededRandom {
    return new SeededRandom(`${this.seed}/${label}`);
  }

  /** Next 32-bit unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, maxExclusive). Unbiased (rejection sampling) up to 2^32. */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`SeededRandom.int needs a positive integer bound, got ${maxExclusive}`);
    }
    if (maxExclusive > 0x1_0000_0000) return Math.floor(this.float() * maxExclusive);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % maxExclusive);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % maxExclusive;
    }
  }

  /** Uniform integer in [min, max] (both inclusive). */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** true with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.uint32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (x >>> (8 * k)) & 0xff;
    }
    return out;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRandom.pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
