// keyTag and DS digests against keys made by BIND's dnssec-keygen and
// dnssec-dsfromkey (bind9-utils), run live; the recorded vectors from the same
// tools are checked without them in algorithms.test.ts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyTag, makeDs } from '../../dns/dnssec/algorithms.ts';
import type { DnskeyData } from '../../dns/types.ts';

function dnskey(flags: number, algorithm: number, b64: string): DnskeyData {
  return { flags, protocol: 3, algorithm, key: Buffer.from(b64.replace(/\s+/g, ''), 'base64') };
}

test('keyTag and DS agree with freshly generated dnssec-keygen keys (live BIND tools)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-alg-'));
  try {
    for (const alg of ['RSASHA256', 'ECDSAP256SHA256', 'ED25519']) {
      let base: string;
      try {
        base = execFileSync('dnssec-keygen', ['-q', '-K', dir, '-a', alg, ...(alg === 'RSASHA256' ? ['-b', '1024'] : []), 'live.test'], {
          encoding: 'utf8',
        }).trim();
      } catch (e) {
        assert.fail(`dnssec-keygen failed (install Debian package bind9-utils): ${(e as Error).message}`);
      }
      const keyText = readFileSync(join(dir, `${base}.key`), 'utf8');
      const m = /IN\s+DNSKEY\s+(\d+)\s+3\s+(\d+)\s+([A-Za-z0-9+/=\s]+)$/m.exec(keyText);
      assert.ok(m, `cannot parse ${base}.key`);
      const key = dnskey(Number(m[1]), Number(m[2]), m[3]!);
      const tagFromName = Number(/\+(\d+)$/.exec(base)![1]);
      assert.equal(keyTag(key), tagFromName, `${alg} key tag`);
      const ds = execFileSync('dnssec-dsfromkey', ['-2', join(dir, `${base}.key`)], { encoding: 'utf8' });
      const digest = /DS \d+ \d+ 2 ([0-9A-F]+)/.exec(ds)![1]!;
      assert.equal(makeDs('live.test', key, 2).digest.toString('hex').toUpperCase(), digest, `${alg} DS`);
    }
    t.diagnostic(`generated ${readdirSync(dir).length / 2} keys`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
