// The Slack NSEC-bitmap scenario against a REAL Unbound (1.17, Debian): the
// scenario's authoritative side runs under `dnslab serve` (online signer with
// the Route 53 bitmap quirk) inside a network namespace with no default route,
// and three Unbound instances resolve through it. Real Unbound must show what
// the scenario claims for the emulated one: with aggressive-nsec (its default)
// app.example.com A becomes NODATA after an AAAA query; with aggressive-nsec
// off it resolves; with the correct bitmap it resolves even with aggressive-nsec.
// Addresses: 127.0.10.100–.139 (served worlds), 127.0.10.50–.52 (Unbound).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeConfig } from '../../servers/real/products.ts';

const NS = `dnslab-inc-${process.pid}`;
const ROOT_DIR = resolve(import.meta.dirname, '../..');
const AGGRESSIVE = '127.0.10.50';
const PLAIN = '127.0.10.51';
const FIXED = '127.0.10.52';

function need(binary: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0)
    throw new Error(`${binary} not found: install the Debian package "${pkg}" (apt-get install -y ${pkg})`);
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Asynchronous dig inside the namespace (the served world lives in a child process, but keep the loop free anyway). */
function dig(server: string, qname: string, qtype: string): Promise<{ status: string; answer: string[]; raw: string }> {
  return new Promise((resolveP) => {
    const child = spawn('ip', ['netns', 'exec', NS, 'dig', '+dnssec', '+time=4', '+tries=2', `@${server}`, qname, qtype], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NO-ANSWER';
      const section = out.split(';; ANSWER SECTION:\n')[1]?.split('\n\n')[0] ?? '';
      const answer = section
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 5 && f[3] !== 'RRSIG')
        .map((f) => `${f[0]} ${f[3]} ${f.slice(4).join(' ')}`);
      resolveP({ status, answer, raw: out });
    });
  });
}

const readLines = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');

/** The root servers in a hints file `dnslab serve --hints` wrote (its A/AAAA lines). */
function readRootHints(file: string): { host: string; address: string }[] {
  return readLines(file)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === 'A' || f[3] === 'AAAA')
    .map((f) => ({ host: f[0]!, address: f[4]! }));
}

function waitForText(child: ChildProcess, text: string, ms: number): Promise<void> {
  return new Promise((resolveP, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms; output so far: ${buf}`)), ms);
    const on = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes(text)) {
        clearTimeout(t);
        resolveP();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', (d: Buffer) => (buf += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited with ${code} before "${text}": ${buf}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

describe('slack-nsec-bitmap against a real Unbound', () => {
  let dir = '';
  let nsCreated = false;
  const children: ChildProcess[] = [];

  const serve = async (variant: string, base: string, tag: string) => {
    const hints = join(dir, `${tag}.hints`);
    const anchor = join(dir, `${tag}.anchor`);
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        '--import',
        'tsx',
        join(ROOT_DIR, 'lab/cli/main.ts'),
        'serve',
        'slack-nsec-bitmap',
        '--variant',
        variant,
        '--base',
        base,
        '--port',
        '53',
        '--hints',
        hints,
        '--anchor',
        anchor,
      ],
      { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    await waitForText(child, 'root hints', 60_000);
    return { hints, anchor };
  };

  const unbound = async (address: string, world: { hints: string; anchor: string }, aggressive: boolean) => {
    // The real-resolver adapter's config (servers/real/products.ts), in a directory of its own per instance.
    const sub = join(dir, `unbound-${address}`);
    mkdirSync(sub);
    const gen = writeConfig(
      { product: 'unbound', address, rootHints: readRootHints(world.hints), trustAnchors: readLines(world.anchor), switches: { aggressiveNsec: aggressive } },
      sub,
    );
    const child = spawn('ip', ['netns', 'exec', NS, gen.command, ...gen.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await dig(address, 'www.example.com', 'A');
      if (r.status === 'NOERROR') return r;
      if (Date.now() > deadline) throw new Error(`unbound on ${address} did not answer: ${r.raw}`);
      await new Promise((r2) => setTimeout(r2, 300));
    }
  };

  before(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root to create a network namespace (ip netns add)');
    need('ip', 'iproute2');
    need('unbound', 'unbound');
    need('dig', 'bind9-dnsutils');
    dir = mkdtempSync(join(tmpdir(), 'dnslab-slack-'));
    run('ip', ['netns', 'add', NS]);
    nsCreated = true;
    run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    assert.equal(run('ip', ['-n', NS, 'route', 'show', 'default']).trim(), '', 'the namespace must have no default route');
  });

  after(async () => {
    for (const c of children.reverse()) await stopChild(c);
    if (nsCreated) spawnSync('ip', ['netns', 'del', NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('buggy bitmap: aggressive Unbound answers A with NODATA after AAAA; non-aggressive Unbound resolves A; a correct bitmap resolves', async () => {
    const buggy = await serve('vulnerable', '127.0.10.100', 'buggy');
    const fixed = await serve('fixed', '127.0.10.120', 'fixed');
    const www = await unbound(AGGRESSIVE, buggy, true);
    assert.match(www.raw, /flags: [a-z ]*ad/, 'the zone validates (AD) at real Unbound');
    await unbound(PLAIN, buggy, false);
    await unbound(FIXED, fixed, true);

    for (const server of [AGGRESSIVE, PLAIN, FIXED]) {
      const aaaa = await dig(server, 'app.example.com', 'AAAA');
      assert.equal(aaaa.status, 'NOERROR', `${server} AAAA: ${aaaa.raw}`);
      assert.deepEqual(aaaa.answer, [], `${server}: no AAAA exists`);
    }
    const aggressiveA = await dig(AGGRESSIVE, 'app.example.com', 'A');
    assert.equal(aggressiveA.status, 'NOERROR', aggressiveA.raw);
    assert.deepEqual(aggressiveA.answer, [], `real Unbound with aggressive-nsec must deny A from the cached NSEC:\n${aggressiveA.raw}`);
    const plainA = await dig(PLAIN, 'app.example.com', 'A');
    assert.deepEqual(plainA.answer, ['app.example.com. A 192.0.2.80'], plainA.raw);
    const fixedA = await dig(FIXED, 'app.example.com', 'A');
    assert.deepEqual(fixedA.answer, ['app.example.com. A 192.0.2.80'], fixedA.raw);
  });
});
