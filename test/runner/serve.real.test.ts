// `dnslab serve`: a scenario's authoritative servers on real loopback sockets,
// queried with dig (bind9-dnsutils). Addresses from this helper's range 127.0.8.0/24.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lab/cli/main.ts';

const run = promisify(execFile);
const PORT = 5354;

function digAvailable(): void {
  if (spawnSync('dig', ['-v'], { stdio: 'ignore' }).status !== 0) throw new Error('dig is needed for this test: install the Debian package "bind9-dnsutils"');
}

async function dig(server: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('dig', [`@${server}`, '-p', String(PORT), '+norec', '+time=2', '+tries=1', ...args], { timeout: 10_000 });
  return stdout;
}

/**
 * Start `dnslab serve ARGS` in-process with captured output (and `stdin` when given); resolves once it serves,
 * i.e. waits for Ctrl-C. `stop()` plays Ctrl-C; `done` is the exit status.
 */
async function serve(args: string[], stdin?: PassThrough): Promise<{ output: () => string; errors: () => string; stop: () => void; done: Promise<number> }> {
  const chunks: string[] = [];
  const errChunks: string[] = [];
  const out = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  const err = new Writable({ write: (c, _e, cb) => (errChunks.push(String(c)), cb()) });
  let stop!: () => void;
  const interrupted = new Promise<void>((resolve) => (stop = resolve));
  let announced!: () => void;
  const ready = new Promise<void>((resolve) => (announced = resolve));
  const io = {
    stdout: out,
    stderr: err,
    ...(stdin ? { stdin } : {}),
    waitForInterrupt: () => {
      announced();
      return interrupted;
    },
  };
  const done = main(['serve', ...args], io);
  await Promise.race([ready, done.then((code) => assert.fail(`serve exited early with ${code}`))]);
  return { output: () => chunks.join(''), errors: () => errChunks.join(''), stop, done };
}

test('serve puts the scenario world on loopback; --at applies the attacker step; dig sees the takeover', async () => {
  digAvailable();
  const { output, stop, done } = await serve(['subdomain-takeover', '--variant', 'vulnerable', '--at', '+2h', '--base', '127.0.8.200', '--port', String(PORT)]);
  try {
    const table = output();
    assert.match(table, /ns-customer\s+ns1\.example\.jp\s+192\.0\.2\.53 → 127\.0\.8\.200:5354\s+example\.jp\./);
    assert.match(table, /root hints:\n\.\t3600000\tIN\tNS\ta\.root-servers\.lab\.\na\.root-servers\.lab\.\t3600000\tIN\tA\t127\.0\.8\.202/);
    // The customer's server still has the dangling CNAME…
    assert.match(await dig('127.0.8.200', 'campaign.example.jp', 'A'), /campaign\.example\.jp\.\s+300\s+IN\s+CNAME\s+cdn\.example\.net\./);
    // …and the provider now serves the attacker's address (the step at +2h was applied).
    assert.match(await dig('127.0.8.201', 'cdn.example.net', 'A'), /cdn\.example\.net\.\s+300\s+IN\s+A\s+203\.0\.113\.66/);
    // Glue points at the loopback addresses, so a real resolver given the root hints can follow referrals.
    const referral = await dig('127.0.8.202', 'www.example.jp', 'A');
    assert.match(referral, /a\.nic\.jp\.\s+86400\s+IN\s+A\s+127\.0\.8\.203/);
  } finally {
    stop();
    assert.equal(await done, 0);
  }
});

test('serve applies the next operator/attacker action each time Enter is pressed', async () => {
  digAvailable();
  const stdin = new PassThrough();
  const { output, stop, done } = await serve(['subdomain-takeover', '--variant', 'vulnerable', '--base', '127.0.8.220', '--port', String(PORT)], stdin);
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 100 && !re.test(output()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(output(), re);
  };
  try {
    // T+0: the provider serves the customer's site.
    assert.match(await dig('127.0.8.221', 'cdn.example.net', 'A'), /cdn\.example\.net\.\s+300\s+IN\s+A\s+192\.0\.2\.80/);
    stdin.write('\n');
    await waitFor(/applied step \d+ \(at \+1h\)/);
    assert.match(await dig('127.0.8.221', 'cdn.example.net', 'A'), /status: NXDOMAIN/);
    stdin.write('\n');
    await waitFor(/applied step \d+ \(at \+2h\)/);
    assert.match(await dig('127.0.8.221', 'cdn.example.net', 'A'), /cdn\.example\.net\.\s+300\s+IN\s+A\s+203\.0\.113\.66/);
  } finally {
    stop();
    assert.equal(await done, 0);
  }
});

test('serve: only Enter or "next" applies an action; any other line is a one-line hint and applies nothing', async () => {
  digAvailable();
  const stdin = new PassThrough();
  const hintsDir = mkdtempSync(join(tmpdir(), 'dnslab-serve-'));
  const hints = join(hintsDir, 'root.hints');
  const { output, errors, stop, done } = await serve(
    ['subdomain-takeover', '--variant', 'vulnerable', '--base', '127.0.8.240', '--port', String(PORT), '--hints', hints],
    stdin,
  );
  const waitFor = async (text: () => string, re: RegExp) => {
    for (let i = 0; i < 100 && !re.test(text()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(text(), re);
  };
  try {
    assert.ok(errors().includes(`wrote ${hints}\n`), 'the hints file is announced');
    assert.match(readFileSync(hints, 'utf8'), /^\.\t3600000\tIN\tNS\ta\.root-servers\.lab\./);
    stdin.write('yes\n');
    await waitFor(errors, /unknown command "yes": nothing applied; Enter or "next" applies the next action/);
    stdin.write('steps\n');
    await waitFor(errors, /step \d+ \(at \+1h\)/);
    assert.doesNotMatch(output(), /applied/);
    // The world is unchanged: the provider still serves the customer's site.
    assert.match(await dig('127.0.8.241', 'cdn.example.net', 'A'), /cdn\.example\.net\.\s+300\s+IN\s+A\s+192\.0\.2\.80/);
    stdin.write('next\n');
    await waitFor(output, /applied step \d+ \(at \+1h\)/);
    assert.match(await dig('127.0.8.241', 'cdn.example.net', 'A'), /status: NXDOMAIN/);
  } finally {
    stop();
    assert.equal(await done, 0);
    rmSync(hintsDir, { recursive: true, force: true });
  }
});

test('serve: --hints or --anchor that cannot be written is exit 2 before any server starts', async () => {
  const err = new Writable({ write: (_c, _e, cb) => cb() });
  let errText = '';
  const errSink = new Writable({ write: (c, _e, cb) => ((errText += String(c)), cb()) });
  for (const flag of ['--hints', '--anchor']) {
    errText = '';
    const code = await main(['serve', 'subdomain-takeover', '--base', '127.0.8.250', '--port', String(PORT), flag, '/nonexistent-dnslab-dir/out'], {
      stdout: err,
      stderr: errSink,
      waitForInterrupt: () => Promise.reject(new Error('must not serve')),
    });
    assert.equal(code, 2, errText);
    assert.match(errText, new RegExp(`^dnslab serve: ${flag} /nonexistent-dnslab-dir/out: directory /nonexistent-dnslab-dir does not exist\\n$`));
  }
});
