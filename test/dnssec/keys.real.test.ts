// Key files against BIND's own tools (bind9-utils), run live: keys made by
// dnssec-keygen load here, ours load in dnssec-dsfromkey and sign in
// dnssec-signzone. Everything that needs no BIND tool is in keys.test.ts.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKey, loadBindKey } from '../../dns/dnssec/keys.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dnslab-keys-'));
  dirs.push(d);
  return d;
}

test('keys made by dnssec-keygen load with identical tags and sign verifiably; ours load in dnssec-dsfromkey', () => {
  const dir = tmp();
  for (const [alg, mnemonic] of [
    [8, 'RSASHA256'],
    [13, 'ECDSAP256SHA256'],
    [15, 'ED25519'],
  ] as const) {
    let base: string;
    try {
      base = execFileSync('dnssec-keygen', ['-q', '-K', dir, '-a', mnemonic, ...(alg === 8 ? ['-b', '1024'] : []), '-f', 'KSK', 'interop.test'], {
        encoding: 'utf8',
      }).trim();
    } catch (e) {
      assert.fail(`dnssec-keygen is missing or failed; install Debian package bind9-utils (${(e as Error).message})`);
    }
    const key = loadBindKey(join(dir, base));
    assert.equal(key.algorithm, alg);
    assert.equal(key.keyTag, Number(base.split('+')[2]), `${mnemonic} key tag from file name`);
    assert.ok(key.isKsk);
    assert.ok(key.verify(Buffer.from('z'), key.sign(Buffer.from('z'))));
    // And back: our export of the BIND key reads in BIND with the same DS.
    const ours = generateKey({ algorithm: alg, owner: 'ours.test', ksk: true, bits: alg === 8 ? 1024 : undefined });
    const ourBase = ours.writeBindFiles(dir);
    const ds = execFileSync('dnssec-dsfromkey', ['-2', `${ourBase}.key`], { encoding: 'utf8' });
    assert.match(ds, new RegExp(`^ours\\.test\\. IN DS ${ours.keyTag} ${alg} 2 ${ours.ds(2).digest.toString('hex').toUpperCase()}`));
  }
});

test('keys without a schedule export as live: dnssec-signzone -S signs with them', () => {
  const dir = tmp();
  const ksk = generateKey({ algorithm: 15, owner: 'live.test', ksk: true });
  const zsk = generateKey({ algorithm: 15, owner: 'live.test' });
  ksk.writeBindFiles(dir);
  zsk.writeBindFiles(dir);
  assert.match(readFileSync(join(dir, `${ksk.bindBaseName}.private`), 'utf8'), /Publish: 19700101000000\nActivate: 19700101000000/);
  writeFileSync(join(dir, 'zone'), '$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n');
  const r = spawnSync('dnssec-signzone', ['-S', '-O', 'full', '-K', dir, '-o', 'live.test', '-f', join(dir, 'signed'), join(dir, 'zone')], {
    encoding: 'utf8',
    cwd: dir,
  });
  if (r.error) assert.fail('dnssec-signzone not found: install the Debian package bind9-utils');
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(join(dir, 'signed'), 'utf8'), new RegExp(`RRSIG\\s+NS 15 2 60 \\d+ \\d+ ${zsk.keyTag} live\\.test\\.`));
  assert.equal(loadBindKey(join(dir, zsk.bindBaseName)).timing.activate, 0);
});
