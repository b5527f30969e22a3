// `dnslab zone check|print` on fixture files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
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
