// Signatures byte-identical to BIND's dnssec-signzone (bind9-utils), run live,
// for the algorithms whose signatures are deterministic.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { signZone } from '../../dns/dnssec/sign.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { ORIGIN, sigsAt, zone, ZONE } from './sign-fixtures.ts';

describe('byte-identical to dnssec-signzone where signatures are deterministic (RSA PKCS#1 v1.5, Ed25519)', () => {
  // BIND checks its own output against the host clock, so these signatures must be valid now.
  const LONG = { inception: 1_790_000_000, expiration: 1_790_000_000 + 3650 * 86400 };
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-signbytes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const alg of [8, 15] as const) {
    test(`alg ${alg}: the RRSIG over www A equals BIND's`, () => {
      const t = 1_790_000_000;
      const timing = { created: t, publish: t, activate: t };
      const k1 = generateKey({ algorithm: alg, owner: ORIGIN, ksk: true, timing, seed: `bytes-ksk-${alg}`, bits: 1024 });
      const k2 = generateKey({ algorithm: alg, owner: ORIGIN, timing, seed: `bytes-zsk-${alg}`, bits: 1024 });
      const keyDir = join(dir, `keys${alg}`);
      mkdirSync(keyDir);
      k1.writeBindFiles(keyDir);
      k2.writeBindFiles(keyDir);
      const zoneFile = join(dir, `z${alg}`);
      writeFileSync(zoneFile, ZONE);
      const out = join(dir, `z${alg}.signed`);
      const r = spawnSync(
        'dnssec-signzone',
        ['-K', keyDir, '-o', ORIGIN, '-O', 'full', '-f', out, '-S', '-s', String(LONG.inception), '-e', String(LONG.expiration), zoneFile],
        { encoding: 'utf8', cwd: dir },
      );
      if (r.error) assert.fail('dnssec-signzone not found: install the Debian package bind9-utils');
      assert.equal(r.status, 0, r.stderr);
      const theirs = parseZoneText(readFileSync(out, 'utf8'), ORIGIN);
      const ours = signZone(zone(), [k1, k2], { ...LONG });
      const pick = (z: Zone) => sigsAt(z, `www.${ORIGIN}`).find((s) => s.typeCovered === 'A' && s.keyTag === k2.keyTag)!;
      assert.equal(pick(ours).signature.toString('base64'), pick(theirs).signature.toString('base64'));
      assert.equal(pick(ours).keyTag, k2.keyTag);
    });
  }
});
