// `--workers N` (lab/cli/workers.ts) for auth, resolver and middlebox, as real processes on loopback: with two
// workers each one answers (the other stopped with SIGSTOP, so the shared socket has one reader) exactly what one
// process answers; SIGTERM and SIGINT to the primary stop every worker, and nothing is left running.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import type { Message } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { AuthoritativeServer } from '../../servers/authoritative/index.ts';
import { udpExchange } from '../authoritative/lib/dns-client.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const UPSTREAM = '127.0.47.1'; // in-process authoritative for "." and "wk.test"
const SERVE = '127.0.47.2'; // the CLI under test
const PORT = 5347;

const ROOT_ZONE = `. 3600 IN SOA ns.wk.test. h.wk.test. 1 3600 600 86400 300
. 3600 IN NS ns.wk.test.
wk.test. 3600 IN NS ns.wk.test.
ns.wk.test. 3600 IN A ${UPSTREAM}
`;
const ZONE = `$ORIGIN wk.test.
$TTL 3600
@ IN SOA ns h 1 3600 600 86400 300
@ IN NS ns
ns IN A ${UPSTREAM}
www IN A 192.0.2.80
www IN AAAA 2001:db8::80
alias IN CNAME www
`;
const QUESTIONS: Array<[string, 'A' | 'AAAA' | 'MX']> = [
  ['www.wk.test', 'A'],
  ['www.wk.test', 'AAAA'],
  ['alias.wk.test', 'A'],
  ['nope.wk.test', 'A'],
  ['wk.test', 'MX'],
];

interface Started {
  child: ChildProcess;
  out: () => string;
  err: () => string;
}

async function startCli(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lab/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolveP, reject) => {
    const t = setTimeout(() => reject(new Error(`no banner within 60 s: ${out} ${err}`)), 60_000);
    const check = () => {
      if (out.includes('Ctrl-C to stop')) {
        clearTimeout(t);
        resolveP();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`exited ${code} before its banner: ${out} ${err}`));
    });
  });
  return { child, out: () => out, err: () => err };
}

/** The primary's children that run the CLI (node:cluster workers), not tsx's esbuild service. */
function workerPids(primary: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === primary && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lab/cli/main.ts');
      } catch {
        return false; // gone meanwhile
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What a client sees, TTLs aside (a resolver's count down between the runs): rcode, flags, sections. */
function comparable(m: Message | undefined): unknown {
  assert.ok(m, 'a decodable answer');
  const rr = (rs: Message['answer']) => rs.map((r) => ({ ...r, ttl: 0 }));
  return { rcode: m.rcode, flags: m.flags, answer: rr(m.answer), authority: rr(m.authority) };
}

async function answers(): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [qname, qtype] of QUESTIONS) {
    const r = await udpExchange(SERVE, PORT, makeQuery(qname, qtype, { id: 99 }), 3000);
    assert.notEqual(r, 'timeout', `${qname} ${qtype} answered`);
    if (r !== 'timeout') out.push(comparable(r.message));
  }
  return out;
}

async function stopped(s: Started, signal: NodeJS.Signals): Promise<number | null> {
  const code = new Promise<number | null>((resolveP) => s.child.once('exit', (c) => resolveP(c)));
  s.child.kill(signal);
  const t = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  const c = await code;
  clearTimeout(t);
  return c;
}

/** One process's answers, then two workers' answers each with the other frozen; then the stop. */
async function checkCommand(args: string[], signal: NodeJS.Signals): Promise<void> {
  const single = await startCli(args);
  const expected = await answers();
  assert.equal(await stopped(single, 'SIGTERM'), 0);

  const multi = await startCli([...args, '--workers', '2']);
  try {
    assert.match(multi.out(), /2 workers; Ctrl-C to stop/);
    const pids = workerPids(multi.child.pid!);
    assert.equal(pids.length, 2, `two workers (found ${pids.join(', ')})`);
    for (const [i, pid] of pids.entries()) {
      const other = pids[1 - i]!;
      process.kill(other, 'SIGSTOP');
      try {
        assert.deepEqual(await answers(), expected, `worker ${pid} alone answers as one process does`);
      } finally {
        process.kill(other, 'SIGCONT');
      }
    }
    assert.equal(await stopped(multi, signal), 0, `the primary exits 0 on ${signal}`);
    assert.match(multi.out(), /stopped\n$/);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      pids.filter((p) => alive(p)),
      [],
      'no worker left running',
    );
  } finally {
    if (multi.child.exitCode === null) multi.child.kill('SIGKILL');
  }
}

describe('--workers N', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-workers-'));
  const network = new SocketNetwork({ addresses: [UPSTREAM] });
  const upstream = new AuthoritativeServer({
    network,
    listen: [{ address: UPSTREAM, port: PORT }],
    zones: [parseZoneText(ROOT_ZONE, '.'), parseZoneText(ZONE, 'wk.test')],
  });
  writeFileSync(join(dir, 'wk.zone'), ZONE);
  before(() => upstream.start());
  after(async () => {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('auth: each of 2 workers answers as 1 process does; SIGTERM stops them all', () =>
    checkCommand(['auth', '--zone', join(dir, 'wk.zone'), '--listen', `${SERVE}:${PORT}`], 'SIGTERM'));

  it('resolver: each of 2 workers answers as 1 process does; SIGINT stops them all', () =>
    checkCommand(['resolver', '--listen', `${SERVE}:${PORT}`, '--root-hints', `${UPSTREAM}:${PORT}`], 'SIGINT'));

  it('middlebox: each of 2 workers forwards as 1 process does; SIGTERM stops them all', () =>
    checkCommand(['middlebox', '--listen', `${SERVE}:${PORT}`, '--upstream', `${UPSTREAM}:${PORT}`], 'SIGTERM'));

  it('refuses --workers with a port-0 listen and with one-box state (exit 2)', async () => {
    const { main } = await import('../../lab/cli/main.ts');
    const { PassThrough } = await import('node:stream');
    for (const [args, pattern] of [
      [['auth', '--zone', join(dir, 'wk.zone'), '--listen', `${SERVE}:0`, '--workers', '2'], /fixed port/],
      [['middlebox', '--listen', `${SERVE}:${PORT}`, '--upstream', `${UPSTREAM}:${PORT}`, '--cache', '--workers', '2'], /--cache/],
      [['auth', '--zone', join(dir, 'wk.zone'), '--workers', '0'], /--workers/],
    ] as const) {
      let err = '';
      const stderr = new PassThrough();
      stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await main([...args], { stdout: new PassThrough(), stderr, waitForInterrupt: () => Promise.resolve() });
      assert.equal(code, 2, args.join(' '));
      assert.match(err, pattern);
    }
  });
});
