// `dnslab zone check|print` on fixture files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { zoneCommand } from '../../lab/cli/zone.ts';

const FIX = resolve(import.meta.dirname, '../fixtures/zones');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const code = await zoneCommand.run(argv, { stdout, stderr, waitForInterrupt: () => new Promise(() => {}) });
  return { code, out, err };
}

test('zone check: a good zone exits 0 and counts records', async () => {
  const r = await run(['check', `${FIX}/good/reverse.zone`, '--origin', '2.0.192.in-addr.arpa']);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /zone 2\.0\.192\.in-addr\.arpa: 7 records, 0 errors, 0 warnings/);
});

test('zone check: a zone with a defect exits 1 and names it', async () => {
  const r = await run(['check', `${FIX}/bad/cname-and-a.zone`]);
  assert.equal(r.code, 1);
  assert.match(r.out, /error CNAME_AND_OTHER_DATA: www\.example\.jp\. has a CNAME and other data \(A\)/);
});

test('zone check: out-of-zone data is reported with its line, like the other problems', async () => {
  const r = await run(['check', `${FIX}/bad/out-of-zone.zone`]);
  assert.equal(r.code, 1);
  assert.match(r.out, /error OUT_OF_ZONE: www\.example\.com\. A \(.*out-of-zone\.zone:9\) is outside zone example\.jp\./);
});

test('zone check: a syntax error prints file:line:column and exits 1', async () => {
  const r = await run(['check', `${FIX}/bad/bad-class.zone`]);
  assert.equal(r.code, 1);
  assert.match(r.out, /bad-class\.zone:9:5: error SYNTAX: expected a TTL or class or type after owner 'www', found 'IN2'/);
});

test('zone print: absolute records, SOA first; bad usage throws', async () => {
  const r = await run(['print', `${FIX}/good/rfc1035-ttl.zone`, '--origin', 'old.example']);
  assert.equal(r.code, 0);
  const lines = r.out.trim().split('\n');
  assert.equal(lines[0], '$ORIGIN old.example.');
  assert.match(lines[1]!, /^old\.example\.\t900\tIN\tSOA\t/);
  await assert.rejects(run(['frobnicate']), /expected "check" or "print"/);
  await assert.rejects(run(['check']), /FILE is required/);
});

test('zone check: every error in one run, in line order (syntax, lexer, record problems), then the summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-zonecheck-'));
  try {
    const file = join(dir, 'many.zone');
    writeFileSync(
      file,
      [
        '$ORIGIN example.jp.',
        '$TTL 300',
        '@ IN SOA ns1 h 1 2 3 4 5',
        '@ IN NS ns1',
        'ns1 IN A 192.0.2.1',
        'www IN A 300.1.2.3', // 6: bad address
        'mail IN MX x', // 7: bad preference
        'bad IN TXT "unterminated', // 8: lexer error, confined to its line
        'www.example.com. IN A 192.0.2.9', // 9: out of zone
        'c IN CNAME www', // 10: CNAME and other data (with line 11)
        'c IN A 192.0.2.3',
        'z IN AAAA nope', // 12: bad address
        '',
      ].join('\n'),
    );
    const r = await run(['check', file]);
    assert.equal(r.code, 1);
    assert.equal(r.err, '');
    const lines = r.out.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => /^[^:]+:(\d+)(?::\d+)?: error (\w+)/.exec(l)?.slice(1).join(' ')),
      ['6 SYNTAX', '7 SYNTAX', '8 SYNTAX', '9 OUT_OF_ZONE', '10 CNAME_AND_OTHER_DATA', '12 SYNTAX', undefined],
      r.out,
    );
    assert.match(lines[2]!, /many\.zone:8:12: error SYNTAX: unterminated quoted string/);
    assert.equal(lines[6], 'zone example.jp: 6 records, 6 errors, 0 warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zone check and print: a UTF-8 byte-order mark at the start of the file is accepted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-zonebom-'));
  try {
    const file = join(dir, 'bom.zone');
    writeFileSync(file, '\uFEFF$ORIGIN example.jp.\n$TTL 300\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.1\n');
    const check = await run(['check', file]);
    assert.equal(check.code, 0, check.out + check.err);
    assert.match(check.out, /zone example\.jp: 3 records, 0 errors/);
    const print = await run(['print', file]);
    assert.equal(print.code, 0);
    assert.match(print.out, /^\$ORIGIN example\.jp\.\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('zone check: a missing file is exit 2 (input error), not a finding', async () => {
  await assert.rejects(run(['check', '/nonexistent-dnslab-dir/x.zone']), /cannot read zone file/);
  await assert.rejects(run(['check', 'x.zone', '--origin']), /--origin needs a value/);
});
