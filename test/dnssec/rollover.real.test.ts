// Every step of every rollover method is a complete signed zone for BIND's
// dnssec-verify (bind9-utils), run live. Whether resolvers holding the previous
// step's keys keep validating is checked without BIND in rollover.test.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  algorithmRollover,
  initialKeyState,
  kskDoubleDsRollover,
  kskDoubleSignatureRollover,
  zskDoubleSignatureRollover,
  zskPrePublishRollover,
  type KeyState,
} from '../../dns/dnssec/rollover.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { k, ksk1, ksk2, ORIGIN, sign, zsk1, zsk2 } from './rollover-fixtures.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dnssecVerify(zone: Zone): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-roll-'));
  dirs.push(dir);
  const file = join(dir, 'z');
  writeFileSync(file, writeMasterFile(zone, ORIGIN));
  const r = spawnSync('dnssec-verify', ['-o', ORIGIN, file], { encoding: 'utf8' });
  if (r.error) assert.fail('dnssec-verify not found: install the Debian package bind9-utils');
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function everyStepVerifies(steps: Array<{ name: string; state: KeyState }>): void {
  for (const step of steps) {
    const v = dnssecVerify(sign(step.state));
    assert.ok(v.ok, `${step.name}: ${v.out}`);
  }
}

describe('every rollover step passes dnssec-verify', () => {
  const s0 = initialKeyState(ORIGIN, [ksk1, zsk1]);

  test('ZSK pre-publication; step 1 publishes without signing, so BIND sees a stand-by ZSK', () => {
    const steps = zskPrePublishRollover(s0, zsk1, zsk2);
    everyStepVerifies(steps);
    assert.match(dnssecVerify(sign(steps[0]!.state)).out, /ZSKs: 1 active, 1 stand-by/);
  });

  test('ZSK double signature', () => {
    everyStepVerifies(zskDoubleSignatureRollover(s0, zsk1, zsk2));
  });

  test('KSK double-DS and double-signature', () => {
    everyStepVerifies(kskDoubleDsRollover(s0, ksk1, ksk2));
    everyStepVerifies(kskDoubleSignatureRollover(s0, ksk1, ksk2));
  });

  test('algorithm rollover 13 -> 15 (RFC 6781 §4.1.4, conservative)', () => {
    const oldKeys = [ksk1, zsk1];
    everyStepVerifies(algorithmRollover(s0, oldKeys, [k('aksk', true, 15), k('azsk', false, 15)]));
  });
});
