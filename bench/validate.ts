// RRSIG verifications per second per algorithm: dnslab's verifyRRset versus a
// bare node:crypto verify loop over the very same signed data, and the ratio
// (the validator's overhead: RRSIG checks, canonical form, key lookup).
//
//   node --import tsx bench/validate.ts [seconds-per-round, default 0.3; 5 interleaved rounds, best kept]
//
// Zones are signed by BIND's dnssec-signzone (bind9-utils) in a temp dir.

import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalNameWire } from '../dns/dnssec/nsec3-hash.ts';
import { verifyRRset } from '../dns/dnssec/validate.ts';
import type { DnskeyData, RrsigData } from '../dns/types.ts';
import { canonicalRecord, sortCanonical } from '../dns/wire/canonical.ts';
import { typeToNumber } from '../dns/wire/types-map.ts';
import { NOW, parentZoneText, requireBindTools, Signed, signWithBind, type Alg } from '../test/dnssec/validate-fixtures.ts';

const ROUNDS = 5;
/** Seconds per round per side. */
const seconds = Number(process.argv[2] ?? '0.3');
const MAX_ITERATIONS = 5_000_000;

/** Run `fn` repeatedly for about `seconds` (and at most MAX_ITERATIONS times); ops per second. */
function rate(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn(); // warm up JIT and caches
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let n = 0;
  while (n < MAX_ITERATIONS) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    if (process.hrtime.bigint() >= deadline) break;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

function rawKey(alg: Alg, key: Buffer) {
  if (alg === 13)
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: key.subarray(0, 32).toString('base64url'), y: key.subarray(32).toString('base64url') },
      format: 'jwk',
    });
  if (alg === 15) return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') }, format: 'jwk' });
  const el = key[0]!;
  return createPublicKey({
    key: { kty: 'RSA', e: key.subarray(1, 1 + el).toString('base64url'), n: key.subarray(1 + el).toString('base64url') },
    format: 'jwk',
  });
}

requireBindTools();
const dir = mkdtempSync(join(tmpdir(), 'dnslab-bench-validate-'));
try {
  const rows: string[][] = [['algorithm', 'RRset', 'dnslab verifyRRset/s', 'raw node:crypto verify/s', 'raw ÷ dnslab']];
  for (const alg of [8, 13, 15] as Alg[]) {
    const origin = `bench${alg}.example`;
    const z = new Signed(origin, signWithBind({ dir: join(dir, String(alg)), origin, zoneText: parentZoneText(), algorithm: alg }).records);
    const set = z.rrset(`www.${origin}`, 'AAAA');
    const sigRR = z.sigsFor(`www.${origin}`, 'AAAA')[0]!;
    const sig = sigRR.data as RrsigData;
    const keys = z.dnskeys.records;
    const zsk = keys.find((k) => (k.data as DnskeyData).flags === 256)!.data as DnskeyData;
    // The signed data, built once for the baseline (RFC 4034 §3.1.8.1).
    const head = Buffer.alloc(18);
    head.writeUInt16BE(typeToNumber(sig.typeCovered), 0);
    head.writeUInt8(sig.algorithm, 2);
    head.writeUInt8(sig.labels, 3);
    head.writeUInt32BE(sig.originalTTL, 4);
    head.writeUInt32BE(sig.expiration >>> 0, 8);
    head.writeUInt32BE(sig.inception >>> 0, 12);
    head.writeUInt16BE(sig.keyTag, 16);
    const data = Buffer.concat([head, canonicalNameWire(sig.signersName), ...sortCanonical(set.records).map((r) => canonicalRecord(r, sig.originalTTL))]);
    const key = rawKey(alg, zsk.key);
    const hash = alg === 8 ? 'sha256' : alg === 13 ? 'sha256' : null;
    const raw = () => {
      const ok = alg === 13 ? verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig.signature) : verify(hash, data, key, sig.signature);
      if (!ok) throw new Error('baseline did not verify');
    };
    const ours = () => {
      if (verifyRRset(set, [sigRR], keys, origin, NOW).status !== 'secure') throw new Error('validator did not verify');
    };
    // Interleave rounds and keep the best of each, so load from other processes
    // hits both sides alike instead of skewing the ratio.
    let r = 0;
    let o = 0;
    for (let round = 0; round < ROUNDS; round++) {
      r = Math.max(r, rate(raw));
      o = Math.max(o, rate(ours));
    }
    rows.push([String(alg), `www AAAA (${set.records.length} RR)`, o.toFixed(0), r.toFixed(0), (r / o).toFixed(2)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
  console.log(`(best of ${ROUNDS} interleaved rounds of ${seconds}s each, node ${process.version}; ratio > 1 means dnslab is slower than the bare verify)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
