// The argument helpers every dnslab subcommand shares (lab/cli/command.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { cliArgs, listenEndpoints, requirePort, runUntilInterrupt, UsageError, type CliIO } from '../../lab/cli/command.ts';

function walk(argv: string[]): string[] {
  const seen: string[] = [];
  for (const [a, value] of cliArgs(argv)) seen.push(a.startsWith('--v') ? `${a}=${value()}` : a);
  return seen;
}

test('cliArgs: value() takes the next argument and the walk goes on after it', () => {
  assert.deepEqual(walk(['--v1', 'x', 'file', '--flag', '--v2', '--v3', 'last']), ['--v1=x', 'file', '--flag', '--v2=--v3', 'last']);
  assert.deepEqual(walk([]), []);
});

test('cliArgs: a missing value is a UsageError naming the option', () => {
  assert.throws(() => walk(['a', '--v1']), (e: unknown) => e instanceof UsageError && e.message === '--v1 needs a value');
});

test('listenEndpoints: the fallback when none given; every endpoint must be loopback unless allowed', () => {
  const fallback = { address: '127.0.0.1', port: 5300 };
  assert.deepEqual(listenEndpoints([], fallback, false), [fallback]);
  const given = [{ address: '::1', port: 53 }, { address: '127.9.9.9', port: 1 }];
  assert.deepEqual(listenEndpoints(given, fallback, false), given);
  const outside = [{ address: '127.0.0.2', port: 53 }, { address: '192.0.2.1', port: 53 }];
  assert.throws(() => listenEndpoints(outside, fallback, false), (e: unknown) => e instanceof UsageError && /^--listen 192\.0\.2\.1 is not a loopback address/.test(e.message));
  assert.deepEqual(listenEndpoints(outside, fallback, true), outside);
});

test('listenEndpoints: the --allow-external guard knows loopback in any IPv6 spelling, and only loopback', () => {
  const fallback = { address: '127.0.0.1', port: 5300 };
  const loopback = ['0::1', '0:0:0:0:0:0:0:1', '::0001', '::ffff:127.0.0.1'].map((address) => ({ address, port: 53 }));
  assert.deepEqual(listenEndpoints(loopback, fallback, false), loopback);
  for (const address of ['::ffff:192.0.2.1', '::2', '::']) {
    assert.throws(() => listenEndpoints([{ address, port: 53 }], fallback, false), (e: unknown) => e instanceof UsageError && e.message.includes('not a loopback address'), address);
  }
});

test('requirePort: 1..65535 integers only, the error names the flag', () => {
  for (const ok of [1, 53, 65535]) requirePort(ok, '--port');
  for (const bad of [0, 65536, 1.5, Number.NaN]) {
    assert.throws(() => requirePort(bad, '--server-port'), (e: unknown) => e instanceof UsageError && e.message === '--server-port must be 1..65535');
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
