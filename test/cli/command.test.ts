// The argument helpers every dnslab subcommand shares (lab/cli/command.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkOutputPath,
  failureText,
  InputError,
  integerOption,
  listenEndpoints,
  parseCommandLine,
  parseSeed,
  requirePort,
  runUntilInterrupt,
  UsageError,
  type CliIO,
} from '../../lab/cli/command.ts';

const AUTH_LIKE = { zone: { type: 'string', multiple: true }, listen: { type: 'string' }, log: { type: 'boolean' } } as const;
const usageError = (message: string) => (e: unknown) => e instanceof UsageError && e.message === message;

test('parseCommandLine: values, repeated options in order, --opt=value, positionals up to the limit', () => {
  const r = parseCommandLine(['--zone', 'a', 'file', '--log', '--zone=b', '--listen', '127.0.0.1:53'], AUTH_LIKE, 1);
  assert.deepEqual({ ...r.values }, { zone: ['a', 'b'], log: true, listen: '127.0.0.1:53' });
  assert.deepEqual(r.positionals, ['file']);
  assert.deepEqual({ ...parseCommandLine([], AUTH_LIKE).values }, {});
});

test('parseCommandLine: an option never takes the next option as its value', () => {
  assert.throws(() => parseCommandLine(['--zone', '--listen', '127.0.0.1:5300'], AUTH_LIKE), usageError('--zone needs a value'));
  assert.throws(() => parseCommandLine(['--log', '--zone'], AUTH_LIKE), usageError('--zone needs a value'));
  assert.throws(() => parseCommandLine(['--zone='], AUTH_LIKE), usageError('--zone needs a value'));
});

test('parseCommandLine: unknown options, values on switches and extra operands are UsageErrors naming them', () => {
  assert.throws(() => parseCommandLine(['--bogus'], AUTH_LIKE), usageError('unknown option --bogus'));
  assert.throws(() => parseCommandLine(['-x'], AUTH_LIKE), usageError('unknown option -x'));
  assert.throws(() => parseCommandLine(['--log=yes'], AUTH_LIKE), usageError('--log takes no value'));
  assert.throws(() => parseCommandLine(['a'], AUTH_LIKE), usageError('unexpected argument "a"'));
  assert.throws(() => parseCommandLine(['a', 'b'], AUTH_LIKE, 1), /unexpected argument "b"/);
});

test('integerOption: decimal digits within the range only', () => {
  assert.equal(integerOption('53', '--port', 1, 65535), 53);
  for (const bad of ['', '-1', '1.5', '1e3', '0x10', ' 5', 'abc', '0', '65536']) {
    assert.throws(() => integerOption(bad, '--port', 1, 65535), usageError(`--port: got "${bad}"; expected an integer 1..65535`), bad);
  }
});

test('parseSeed: non-negative integers in one canonical form; anything else is a UsageError', () => {
  assert.equal(parseSeed('1'), '1');
  assert.equal(parseSeed('01'), '1');
  assert.equal(parseSeed('0'), '0');
  assert.equal(parseSeed('007'), '7');
  for (const bad of ['abc', '-1', '1.5', '', '1.0', '+1', '1e3', String(2 ** 53)]) {
    assert.throws(
      () => parseSeed(bad),
      (e: unknown) => e instanceof UsageError && e.message.startsWith(`--seed: got "${bad}"; expected a non-negative integer`),
      bad,
    );
  }
});

test('checkOutputPath: a missing or read-only directory, or a directory as the path, is an InputError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-out-'));
  try {
    checkOutputPath(join(dir, 'new.html'), '--report');
    writeFileSync(join(dir, 'old.html'), 'x');
    checkOutputPath(join(dir, 'old.html'), '--report');
    assert.throws(
      () => checkOutputPath(join(dir, 'nope', 'r.html'), '--report'),
      (e: unknown) => e instanceof InputError && /^--report .*r\.html: directory .*nope does not exist$/.test(e.message),
    );
    assert.throws(
      () => checkOutputPath(dir, '--pcap'),
      (e: unknown) => e instanceof InputError && /is a directory, not a file/.test(e.message),
    );
    assert.throws(
      () => checkOutputPath(join(dir, 'old.html', 'x'), '--junit'),
      (e: unknown) => e instanceof InputError && /is not a directory/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listenEndpoints: the fallback when none given; every endpoint must be loopback unless allowed', () => {
  const fallback = { address: '127.0.0.1', port: 5300 };
  assert.deepEqual(listenEndpoints([], fallback, false), [fallback]);
  const given = [
    { address: '::1', port: 53 },
    { address: '127.9.9.9', port: 1 },
  ];
  assert.deepEqual(listenEndpoints(given, fallback, false), given);
  const outside = [
    { address: '127.0.0.2', port: 53 },
    { address: '192.0.2.1', port: 53 },
  ];
  assert.throws(
    () => listenEndpoints(outside, fallback, false),
    (e: unknown) => e instanceof UsageError && /^--listen 192\.0\.2\.1 is not a loopback address/.test(e.message),
  );
  assert.deepEqual(listenEndpoints(outside, fallback, true), outside);
});

test('listenEndpoints: the --allow-external guard knows loopback in any IPv6 spelling, and only loopback', () => {
  const fallback = { address: '127.0.0.1', port: 5300 };
  const loopback = ['0::1', '0:0:0:0:0:0:0:1', '::0001', '::ffff:127.0.0.1'].map((address) => ({ address, port: 53 }));
  assert.deepEqual(listenEndpoints(loopback, fallback, false), loopback);
  for (const address of ['::ffff:192.0.2.1', '::2', '::']) {
    assert.throws(
      () => listenEndpoints([{ address, port: 53 }], fallback, false),
      (e: unknown) => e instanceof UsageError && e.message.includes('not a loopback address'),
      address,
    );
  }
});

test('requirePort: 1..65535 integers only, the error names the flag', () => {
  for (const ok of [1, 53, 65535]) requirePort(ok, '--port');
  for (const bad of [0, 65536, 1.5, Number.NaN]) {
    assert.throws(
      () => requirePort(bad, '--server-port'),
      (e: unknown) => e instanceof UsageError && e.message === '--server-port must be 1..65535',
    );
  }
});

test('runUntilInterrupt: waits for Ctrl-C, then stops, then says stopped; exit 0', async () => {
  const steps: string[] = [];
  const stdout = new PassThrough();
  stdout.on('data', (b: Buffer) => steps.push(`out:${b.toString()}`));
  const io: CliIO = {
    stdout,
    stderr: new PassThrough(),
    waitForInterrupt: async () => {
      steps.push('wait');
    },
  };
  const code = await runUntilInterrupt(io, async () => {
    steps.push('stop');
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(code, 0);
  assert.deepEqual(steps, ['wait', 'stop', 'out:stopped\n']);
});

test('failureText: input, lab, setup and OS errors are expected; anything else is an internal error (a dnslab bug)', async () => {
  const { NetworkError } = await import('../../net/network.ts');
  const { ZoneSyntaxError } = await import('../../dns/zone/master-file.ts');
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT', syscall: 'open' });
  for (const e of [new UsageError('u'), new InputError('i'), new NetworkError('ADDRESS_IN_USE', 'in use'), new ZoneSyntaxError('f', 1, 1, 'bad'), enoent]) {
    assert.deepEqual(failureText(e), { text: e.message, internal: false }, e.name);
  }
  assert.deepEqual(failureText(new TypeError("Cannot read properties of undefined (reading 'x')")), {
    text: "Cannot read properties of undefined (reading 'x')",
    internal: true,
  });
  assert.deepEqual(failureText('thrown string'), { text: 'thrown string', internal: true });
});
