// .ci/check-deps: passes on a machine with every test dependency, and names
// each missing binary or Python module with its Debian package when one is
// missing (here: nothing found on a PATH that holds only a shell, and a
// Python module that cannot be imported).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const SCRIPT = join(import.meta.dirname, '../../.ci/check-deps');

describe('.ci/check-deps', () => {
  it('exits 0 here, where the tests run', () => {
    const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
  });

  it('names every missing binary with its package, and exits 1', () => {
    const bin = mkdtempSync(join(tmpdir(), 'dnslab-deps-'));
    try {
      symlinkSync('/bin/bash', join(bin, 'bash'));
      const r = spawnSync(join(bin, 'bash'), [SCRIPT], { encoding: 'utf8', env: { PATH: bin } });
      assert.equal(r.status, 1);
      for (const line of [
        'missing: nsd (Debian package nsd)',
        'missing: kresd (Debian package knot-resolver)',
        'missing: dnssec-signzone (Debian package bind9-utils)',
        'missing: nft (Debian package nftables)',
      ]) {
        assert.ok(r.stdout.split('\n').includes(line), `${line} in:\n${r.stdout}`);
      }
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('covers every program the tests, servers and benches start', () => {
    const checked = new Set([...readFileSync(SCRIPT, 'utf8').matchAll(/^need_(?:bin|tool) (\S+) /gm)].map((m) => m[1]));
    const root = join(import.meta.dirname, '../..');
    const grep = spawnSync(
      'grep',
      ['-rhoE', "(requireBinary|spawnSync|spawn|execFileSync)\\('[a-z0-9_.-]+'", 'test', 'servers', 'lab', 'bench', '--include=*.ts'],
      { cwd: root, encoding: 'utf8' },
    );
    const used = new Set([...grep.stdout.matchAll(/\('([a-z0-9_.-]+)'/g)].map((m) => m[1]!));
    // POSIX tools every Debian has, and kzonecheck, which the zone test uses only where it exists (Debian 12's knot lacks it).
    for (const always of ['sh', 'bash', 'mkdir', 'grep', 'sleep', 'kzonecheck']) used.delete(always);
    assert.ok(used.size >= 15, `found ${used.size} programs`);
    assert.deepEqual([...used].filter((b) => !checked.has(b)).sort(), []);
  });

  it('checks each Python module the tests import: pyspf and py3dns (DNS), named by package', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    const modules = [...text.matchAll(/^need_py (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(modules, [
      ['spf', 'python3-spf'],
      ['DNS', 'python3-dns'],
    ]);
    // A module that does not exist is reported as missing, with its package.
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-deps-'));
    try {
      const copy = join(dir, 'check');
      writeFileSync(copy, text.replace('need_py DNS python3-dns', 'need_py DNS_no_such_module python3-nothing'));
      const r = spawnSync('bash', [copy], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /^missing: Python module DNS_no_such_module for \/usr\/bin\/python3 \(Debian package python3-nothing\)$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
