// `dnslab middlebox` and `dnslab probe` as processes (Ctrl-C/SIGTERM exits
// cleanly), and bad configuration refused with exit 2 and a message naming
// the flag and what it accepts. Addresses 127.0.9.70–79.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { textSink } from '../helpers/io.ts';
import { main } from '../../lab/cli/main.ts';
import { MiddleboxConfigError, validateSettings } from '../../servers/middlebox/index.ts';

const CLI = join(import.meta.dirname, '../../lab/cli/main.ts');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await main(args, { stdout, stderr, waitForInterrupt: async () => {} });
  return { code, out: stdout.text, err: stderr.text };
}

describe('dnslab middlebox: bad configuration → exit 2 naming the flag', () => {
  const base = ['middlebox', '--listen', '127.0.9.70:5370', '--upstream', '127.0.9.71:5371'];
  const cases: [string[], RegExp][] = [
    [['--max-udp', '5'], /--max-udp: got 5; expected an integer 12\.\.65535/],
    [['--max-udp', '-5'], /--max-udp needs a value/],
    [['--max-udp=-5'], /--max-udp: "-5" is not a number/],
    [['--max-udp', '1400', '--oversize', 'shred'], /--oversize: got "shred"; expected one of drop, truncate/],
    [['--oversize', 'drop'], /--oversize: .*together with maxUdp/],
    [['--mtu', '40', '--fragments', 'drop'], /--mtu: got 40; expected an integer 68\.\.65535/],
    [['--mtu', '1500', '--fragments', 'some'], /--fragments: got "some"; expected one of pass, drop, first/],
    [['--fragments', 'drop'], /--fragments: .*together with mtu/],
    [['--tcp', 'maybe'], /--tcp: got "maybe"; expected one of allow, reject, blackhole/],
    [['--strip', 'ds'], /--strip: got "ds"; expected one of opt, do, rrsig/],
    [['--udp-sessions', '0'], /--udp-sessions: got 0; expected an integer 1\.\.1000000/],
    [['--nat-ports', '0'], /--nat-ports: got 0; expected an integer 1\.\.64512/],
    [['--nat-predictable'], /--nat-predictable: .*together with natPorts/],
    [['--loss', '1.5'], /--loss: got 1\.5; expected a number 0\.\.1/],
    [['--latency', 'soon'], /--latency: "soon" is not a number/],
    [['--on-full', 'panic'], /--on-full: got "panic"; expected one of drop, evict/],
    [['--health-check', '5'], /--health-check: got "5"; expected an integer 10\.\.3600000/],
    [['--bogus'], /unknown option --bogus/],
    [['--seed', 'abc'], /--seed: got "abc"; expected a non-negative integer/],
  ];
  for (const [extra, message] of cases) {
    it(extra.join(' '), async () => {
      const r = await cli([...base, ...extra]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, message);
    });
  }
  it('non-loopback listen needs --allow-external', async () => {
    const r = await cli(['middlebox', '--listen', '192.0.2.1:53', '--upstream', '127.0.9.71:5371']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--allow-external/);
  });
  it('as data: validateSettings throws MiddleboxConfigError with the setting name', () => {
    assert.throws(
      () => validateSettings({ maxUdp: -1 }),
      (e: unknown) => e instanceof MiddleboxConfigError && e.setting === 'maxUdp',
    );
    assert.throws(
      () => validateSettings({ fragments: 'x', mtu: 1500 }),
      (e: unknown) => e instanceof MiddleboxConfigError && e.setting === 'fragments' && /pass, drop, first/.test(e.message),
    );
    assert.throws(
      () => validateSettings({ colour: 'red' }),
      (e: unknown) => e instanceof MiddleboxConfigError && e.setting === 'middlebox.colour',
    );
  });
  it('a real process exits with status 2', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...base, '--max-udp', '5'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-udp: got 5/);
  });
  it('probe: bad arguments exit 2', async () => {
    assert.equal((await cli(['probe'])).code, 2);
    assert.equal((await cli(['probe', '--through', '127.0.9.70:5370', '--mode', 'sideways'])).code, 2);
    assert.equal((await cli(['probe', '--through', '127.0.9.70:5370', '--report', 'x.txt'])).code, 2);
  });
});

describe('dnslab middlebox + dnslab probe as processes', { timeout: 90_000 }, () => {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-mbcli-'));
  after(() => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a TCP-rejecting box: the probe exits 1, its JSON and HTML reports say 3 and 4 fail; SIGTERM stops the box cleanly', async () => {
    const box = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'middlebox', '--listen', '127.0.9.72:5372', '--upstream', '127.0.9.73:5373', '--tcp', 'reject'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(box);
    let out = '';
    box.stdout!.on('data', (d: Buffer) => (out += String(d)));
    for (let i = 0; i < 200 && !/TCP: reject/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /middlebox listening on 127\.0\.9\.72:5372 udp → 127\.0\.9\.73:5373/);
    assert.match(out, /TCP: reject/);
    const json = join(dir, 'r.json');
    const html = join(dir, 'r.html');
    const probe = (report: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            CLI,
            'probe',
            '--through',
            '127.0.9.72:5372',
            '--auth-listen',
            '127.0.9.73:5373',
            '--report',
            report,
            '--udp-timeout',
            '1000',
            '--tcp-timeout',
            '2000',
            '--flows',
            '16',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        children.push(p);
        let o = '';
        p.stdout!.on('data', (d: Buffer) => (o += String(d)));
        p.stderr!.on('data', (d: Buffer) => (o += String(d)));
        p.on('exit', (code) => resolve({ code, out: o }));
      });
    const r = await probe(json);
    assert.equal(r.code, 1, r.out);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { checkpoints: { id: number; verdict: string; evidence: object }[] };
    assert.deepEqual(
      report.checkpoints.map((c) => c.verdict),
      ['pass', 'pass', 'fail', 'fail', 'pass', 'pass', 'pass'],
    );
    assert.match(r.out, /TCP\/53 connection refused/);
    assert.ok(r.out.includes(`wrote ${json}\n`), 'the report file is announced');
    const r2 = await probe(html);
    assert.equal(r2.code, 1);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<!doctype html>/);
    assert.match(page, /TCP\/53 reachable<\/td><td style="color:#cf222e;font-weight:bold">fail/);
    const exited = new Promise<number | null>((resolve) => box.on('exit', (code) => resolve(code)));
    box.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /stopped/);
  });
});
