// An exercise played through the CLI (lab/cli/main.ts, in this process to keep the unit tier fast), as a trainee
// would: start it, `dnslab exercise check` (fails, with a hint), edit the zone file (a broken save is reported
// with file:line and the last good zone stays live), fix it, let the cached answer expire, `check` passes.
// Commands go both ways a trainee has: the exercise's stdin and `dnslab exercise COMMAND --dir` (control socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { main } from '../../lab/cli/main.ts';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { textSink } from '../helpers/io.ts';

/** A loopback block and port of our own (another engineer's test may run beside this one). */
function place(): string[] {
  const third = 100 + Math.floor(Math.random() * 150);
  return ['--base', `127.79.${third}.1`, '--port', String(20000 + Math.floor(Math.random() * 30000))];
}

/** `dnslab ARGS` as another shell would run it. */
async function dnslab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await main(args, { stdout, stderr, waitForInterrupt: () => Promise.resolve() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** `dnslab exercise ID` running until `stop()`; `type` writes a line to its stdin. */
async function startExercise(id: string, dir: string) {
  const stdout = textSink();
  const stderr = textSink();
  const stdin = new PassThrough();
  let interrupt!: () => void;
  const interrupted = new Promise<void>((r) => (interrupt = r));
  const args = ['exercise', id, '--dir', dir, ...place()];
  const running = main(args, { stdout, stderr, stdin, waitForInterrupt: () => interrupted });
  await waitFor(/Ctrl-C to stop/, () => stdout.text, 60_000, running);
  return {
    args,
    out: () => stdout.text,
    /** Type a line on the exercise's prompt; resolves with what it printed, up to `until`. */
    type: async (line: string, until: RegExp) => {
      const from = stdout.text.length;
      stdin.write(`${line}\n`);
      return waitFor(until, () => stdout.text.slice(from), 60_000);
    },
    stop: async () => {
      interrupt();
      const code = await running;
      return { code, stdout: stdout.text, stderr: stderr.text };
    },
  };
}

async function waitFor(what: RegExp, text: () => string, ms = 10_000, running?: Promise<number>): Promise<string> {
  let ended: number | undefined;
  void running?.then((c) => (ended = c));
  const deadline = Date.now() + ms;
  for (;;) {
    const m = what.exec(text());
    if (m) return m[0];
    if (ended !== undefined || Date.now() > deadline) throw new Error(`no ${what}${ended !== undefined ? ` (exit ${ended})` : ''} in:\n${text()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('subdomain-takeover exercise: check fails, a broken save keeps the last good zone, the fix passes', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-exercise-'));
  const ex = await startExercise('subdomain-takeover', dir);
  try {
    const zoneFile = join(dir, 'zones', 'example.jp.zone');
    const original = readFileSync(zoneFile, 'utf8');
    assert.match(original, /^campaign\.example\.jp\.\s+300\s+IN\s+CNAME\s+cdn\.example\.net\.$/m, 'the working copy holds the live zone');

    // One exercise per folder: a second start there is refused before it binds anything.
    const second = await dnslab('exercise', 'subdomain-takeover', '--dir', dir, ...place());
    assert.equal(second.code, 2);
    assert.match(second.stderr, /^dnslab exercise: an exercise is already running in /);

    // Before the fix: the attacker's address is what clients get.
    const before = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(before.code, 1, before.stdout + before.stderr);
    assert.match(before.stdout, /FAIL step 24 .*never an answer containing "203\.0\.113\.66"/);
    assert.match(before.stdout, /hint 1\/3: /);

    // A save that does not parse (the CNAME removed, but a bad address on line 8): reported with file:line, not loaded.
    const fixedText = original.replace(/^campaign\..*\n/m, '');
    writeFileSync(zoneFile, `${fixedText}www2 IN A 192.0.2.999\n`);
    const report = await waitFor(/zone example\.jp NOT reloaded: [^\n]*/, ex.out);
    assert.match(report, new RegExp(`${escape(zoneFile)}:8:\\d+: `));
    // The cached answer expires; the resolver asks example.jp again and still gets the CNAME: the last good zone.
    await ex.type('wait 10m', /lab time is now/);
    const kept = await ex.type('check', /hint \d\/3: [^\n]*\n|exercise solved/);
    assert.match(kept, /hint 2\/3/);
    const keptText = ex.out().slice(ex.out().lastIndexOf('FAIL step 16'));
    assert.match(
      keptText,
      /FAIL step 21 [^\n]*answer section\n\s+expected: \(empty\)\n\s+actual:\s+campaign\.example\.jp\.\s+\d+\s+IN\s+CNAME\s+cdn\.example\.net\./,
    );
    assert.match(keptText, /note: .*still serving the last good version/);

    // The fix, as the trainee saves it; the resolver holds the CNAME it fetched just now until its TTL runs out.
    writeFileSync(zoneFile, fixedText);
    await waitFor(/zone example\.jp reloaded from [^\n]*/, ex.out);
    const cached = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(cached.code, 1, cached.stdout);
    assert.equal((await dnslab('exercise', 'wait', '6m', '--dir', dir)).code, 0);
    const after = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.match(after.stdout, /all 6 claims hold .*exercise solved/);
    assert.doesNotMatch(after.stdout, /FAIL|note:/);
  } finally {
    const end = await ex.stop();
    assert.equal(end.code, 0, end.stderr);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dnssec-rollback exercise: signing again with the original keys matches the cached DS', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-exercise-'));
  const ex = await startExercise('dnssec-rollback', dir);
  try {
    const before = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(before.code, 1, before.stdout);
    assert.match(before.stdout, /FAIL step 14 \(watch alice[^\n]*never SERVFAIL\n\s+expected: not SERVFAIL\n\s+actual:\s+SERVFAIL/);
    const signed = await dnslab('exercise', 'sign', 'example.com', 'original-keys', '--dir', dir);
    assert.equal(signed.code, 0, signed.stderr);
    // The resolver cached "no DNSKEY" for the SOA minimum (300 s) when it failed just now; a little longer than that.
    assert.equal((await dnslab('exercise', 'wait', '6m', '--dir', dir)).code, 0);
    const after = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(after.code, 0, after.stdout);
    // Registrar actions act as the exercise's registrant; a bad one is exit 2 with what was expected.
    const ds = await dnslab('exercise', 'ds', 'example.com', 'from-zone', '--dir', dir);
    assert.equal(ds.code, 0, ds.stdout + ds.stderr);
    assert.match(ds.stdout, /registrar: ds example\.com accepted/);
    const badDs = await dnslab('exercise', 'ds', 'example.com', 'maybe', '--dir', dir);
    assert.equal(badDs.code, 2);
    assert.match(badDs.stderr, /expected none, from-zone/);
  } finally {
    const end = await ex.stop();
    assert.equal(end.code, 0, end.stderr);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exercise commands without a running exercise, and a scenario without one: exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-exercise-'));
  try {
    const none = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no exercise is running in/);
    const noExercise = await dnslab('exercise', 'auth-unreachable', '--dir', dir, ...place());
    assert.equal(noExercise.code, 2);
    assert.match(noExercise.stderr, /has no exercise \(scenarios with one: .*subdomain-takeover/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One question over UDP to a live server (as dig would ask it): the answer's records as master-file lines. */
async function askServer(address: string, port: number, qname: string, qtype: 'DNSKEY'): Promise<string[]> {
  const socket = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((done) => socket.once('message', (m) => done(m)));
    socket.send(encodeMessage(makeQuery(qname, qtype, { id: 4242, rd: false })), port, address);
    const timeout = new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no answer from ${address}:${port}`)), 5000));
    return decodeMessage(await Promise.race([reply, timeout])).answer.map((rr) => formatRecord(rr));
  } finally {
    socket.close();
  }
}

test('registrar-transfer-dnssec exercise: keys exchanged, both DS, then the NS change — the resolver follows', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-exercise-'));
  const ex = await startExercise('registrar-transfer-dnssec', dir);
  try {
    // Nothing moved yet: the resolver has never asked the gaining operator.
    const before = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(before.code, 1, before.stdout);
    assert.match(before.stdout, /FAIL step 29 \(queries seen since you took over\)/);
    const status = (await dnslab('exercise', 'status', '--dir', dir)).stdout;
    const at = (server: string) => new RegExp(`server\\s+${server}\\s+\\S+ → (127\\.[0-9.]+)`).exec(status)![1]!;
    const port = Number(ex.args[ex.args.indexOf('--port') + 1]);
    // Each operator publishes the other's ZSK (the 256 DNSKEY), pasted into the zone files as a trainee would.
    const zsk = async (server: string) => (await askServer(at(server), port, 'example.jp', 'DNSKEY')).find((l) => /\tDNSKEY\t256 /.test(l))!;
    const oldZsk = await zsk('ns-old');
    const newZsk = await zsk('ns-new');
    writeFileSync(join(dir, 'zones', 'example.jp.zone'), `${readFileSync(join(dir, 'zones', 'example.jp.zone'), 'utf8')}${newZsk}\n`);
    writeFileSync(join(dir, 'zones', 'example.jp@gaining.zone'), `${readFileSync(join(dir, 'zones', 'example.jp@gaining.zone'), 'utf8')}${oldZsk}\n`);
    await waitFor(/zone example\.jp reloaded[^]*zone example\.jp@gaining reloaded|zone example\.jp@gaining reloaded[^]*zone example\.jp reloaded/, ex.out);
    for (const command of [
      ['transfer', 'example.jp', 'reg-gaining', 'tr4nsfer'],
      ['ds', 'example.jp', 'from-zone', 'example.jp', 'example.jp@gaining'],
      ['wait', '2h5m'],
      ['ns', 'example.jp', 'ns1.new-dns.example'],
    ]) {
      const r = await dnslab('exercise', ...command, '--dir', dir);
      assert.equal(r.code, 0, `${command.join(' ')}: ${r.stdout}${r.stderr}`);
    }
    const after = await dnslab('exercise', 'check', '--dir', dir);
    assert.equal(after.code, 0, after.stdout);
    assert.match(after.stdout, /ok {3}step 29 \(queries seen since you took over\): queries under example\.jp from resolver to ns-new/);
    assert.match(after.stdout, /ok {3}step 28 \(alice: mail\.example\.jp A\): flags/);
  } finally {
    const end = await ex.stop();
    assert.equal(end.code, 0, end.stderr);
    rmSync(dir, { recursive: true, force: true });
  }
});
