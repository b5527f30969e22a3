// Real resolvers really started (servers/real, lab/runner/real): the isolation
// of the namespace they run in, the clock jump each product must honour (a TTL
// of 86400 s expires in about a second of real time), and that nothing is left
// running afterwards — also when the run is interrupted. The switch → option
// mapping, which starts nothing, is in real-resolvers.test.ts.
//
// Needs root and the Debian packages unbound, bind9, knot-resolver,
// pdns-recursor, faketime, gcc and iproute2 (CI installs them).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { NetworkNamespace, pidsByName, namespaceOf } from '../../servers/real/netns.ts';
import { BINARY, PRODUCTS, timeshiftLibrary, writeFaketimeOffset } from '../../servers/real/products.ts';
import { RealClock } from '../../net/clock.ts';
import { runReal } from '../../lab/runner/real.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TTL_SCENARIO = resolve(import.meta.dirname, 'fixtures/ttl-jump.ts');
const PRODUCT_BINARIES = PRODUCTS.map((p) => BINARY[p].binary);

/** Product processes still running inside namespaces this process (or `owner`) created. */
function leftovers(owner = process.pid): string[] {
  return pidsByName(PRODUCT_BINARIES)
    .filter((p) => namespaceOf(p.pid)?.startsWith(`dnslab-rr-${owner}-`))
    .map((p) => `${p.name} ${p.pid}`);
}

function ourNamespaces(owner = process.pid): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`dnslab-rr-${owner}-`));
}

describe('real resolvers: isolation, clock jump, cleanup', () => {
  it('the namespace has no route: UDP and TCP to a public address fail with ENETUNREACH', () => {
    const ns = NetworkNamespace.create(`dnslab-rr-${process.pid}-iso`);
    try {
      assert.equal(ns.routes(), '');
      const probe = `
        const dgram = require('node:dgram'); const net = require('node:net');
        const s = dgram.createSocket('udp4');
        s.send(Buffer.alloc(12), 53, '9.9.9.9', (e) => {
          console.log('udp', e ? e.code : 'sent'); s.close();
          const c = net.connect({ host: '1.1.1.1', port: 53 });
          c.on('connect', () => { console.log('tcp connected'); c.destroy(); });
          c.on('error', (e2) => console.log('tcp', e2.code));
        });`;
      const [cmd, args] = ns.exec(process.execPath, ['-e', probe]);
      const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
      assert.match(r.stdout, /udp ENETUNREACH/);
      assert.match(r.stdout, /tcp ENETUNREACH/);
    } finally {
      ns.delete();
    }
    assert.deepEqual(ourNamespaces(), []);
  });

  for (const product of PRODUCTS) {
    it(`${product}: honours a one-day clock jump (cached until the TTL of 86400 runs out, asked again after), and nothing is left running`, async () => {
      const t0 = Date.now();
      // The run gives up after 60 s of real time: a day of waiting must cost seconds.
      const r = await runReal({ file: TTL_SCENARIO, variant: 'default', seed: '1', product, timeoutMs: 60_000 });
      const failed = r.assertions.filter((a) => !a.ok).map((a) => `${a.offset} ${a.what}: expected ${a.expected}, actual ${a.actual}`);
      assert.equal(r.error, undefined, r.error);
      assert.deepEqual(failed, []);
      assert.equal(r.assertions.length, 9); // rcode + answer (+ TTL) per query, two query counts
      assert.ok(r.end - r.start >= 86_400_000, 'lab time passed a day');
      assert.deepEqual(r.real?.leftover, [], 'processes left in the namespace');
      assert.deepEqual(leftovers(), []);
      assert.deepEqual(ourNamespaces(), []);
      // No socket is left on the lab addresses the run used (they only ever existed in the deleted namespace).
      const sockets = spawnSync('ss', ['-Htuan'], { encoding: 'utf8' }).stdout ?? '';
      assert.ok(!/\b(10\.0\.0\.(53|10)|192\.0\.2\.53|10\.53\.\d+\.\d+):\d+/.test(sockets), sockets);
      // Not a timing assertion: the figure for the README.
      process.stderr.write(`# ${product}: 1 day of lab time in ${((Date.now() - t0) / 1000).toFixed(1)} s real\n`);
    });
  }

  // dnssec-rollback: Unbound under libfaketime at host pace; auth-unreachable: BIND under timeshift.c at the
  // scenario's realClockRate.
  for (const [file, product] of [
    ['dnssec-rollback', 'unbound'],
    ['auth-unreachable', 'bind'],
  ] as const) {
    it(`an interrupted run (SIGINT mid-scenario: ${file} × ${product}) leaves no resolver process and no namespace`, async () => {
      const script = `
      import { runReal } from ${JSON.stringify(resolve(ROOT, 'lab/runner/real.ts'))};
      console.log('START');
      await runReal({ file: '${file}', variant: ${file === 'dnssec-rollback' ? "'vulnerable'" : "'default'"}, seed: '1', product: '${product}' });
      console.log('FINISHED');`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      // Wait until the product runs inside the child's namespace, then interrupt.
      const deadline = Date.now() + 30_000;
      while (leftovers(child.pid!).length === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.ok(leftovers(child.pid!).length > 0, `${product} never started inside the child's namespace: ${out}`);
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT');
      await exited;
      assert.ok(!out.includes('FINISHED'), 'the run was interrupted');
      assert.deepEqual(leftovers(child.pid!), []);
      assert.deepEqual(ourNamespaces(child.pid!), []);
    });
  }

  it('an interrupted matrix with two cells running at once (dnslab run --jobs 2, SIGINT) leaves no process and no namespace', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(ROOT, 'lab/cli/main.ts'), 'run', 'dnssec-rollback', '--variant', 'vulnerable', '--resolver', 'unbound,bind', '--jobs', '2'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // Both products up, each in its own namespace of the child's, before the interrupt (the scenario has two
    // resolvers, so each cell runs one or two processes of its product).
    const running = () => new Set(leftovers(child.pid!).map((p) => p.split(' ')[0]));
    const deadline = Date.now() + 30_000;
    while (running().size < 2 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([...running()].sort(), ['named', 'unbound'], `expected unbound and named running at once: ${leftovers(child.pid!).join(', ')}\n${out}`);
    assert.equal(ourNamespaces(child.pid!).length, 2);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    child.kill('SIGINT');
    assert.equal(await exited, 'SIGINT', out);
    assert.ok(!out.includes('scenario [variant]'), 'the matrix was interrupted before it printed');
    assert.deepEqual(leftovers(child.pid!), []);
    assert.deepEqual(ourNamespaces(child.pid!), []);
  });
});

describe('timeshift.c at a rate', () => {
  it('runs wall clock, monotonic clock and timed waits 20 times faster from the anchors, as RealClock computes', () => {
    const so = timeshiftLibrary();
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-timeshift-test-'));
    try {
      const file = join(dir, 'shift');
      const clock = new RealClock({ offsetMs: 3_600_000 });
      const host = clock.setRate(20);
      writeFaketimeOffset(file, 3600, { rate: 20, anchorMs: host, monoAnchorNs: process.hrtime.bigint(), jumpedSeconds: 0 });
      const env = { ...process.env, LD_PRELOAD: so, DNSLAB_TIMESHIFT_FILE: file };
      // `date` reads CLOCK_REALTIME; `sleep 4` is a nanosleep of 4 s, which must take 0.2 s; and the monotonic clock
      // (python3: time.monotonic) must see the 4 s.
      const t0 = Date.now();
      const r = spawnSync(
        'sh',
        ['-c', 'date +%s%3N; python3 -c "import time; a=time.monotonic(); time.sleep(4); print(round((time.monotonic()-a)*1000))"; date +%s%3N'],
        { env, encoding: 'utf8', timeout: 10_000 },
      );
      const hostMs = Date.now() - t0;
      const [before, slept, after] = (r.stdout ?? '').trim().split('\n').map(Number);
      assert.ok(hostMs < 2000, `4 s of sleep at rate 20 took ${hostMs} host ms`);
      assert.ok(slept! >= 4000 && slept! < 6000, `the monotonic clock saw ${slept} ms of a 4 s sleep`);
      assert.ok(Math.abs(before! - (clock.now() - 20 * hostMs)) < 20 * hostMs + 500, `wall clock ${before} vs lab ${clock.now()}`);
      assert.ok(after! - before! >= 4000 && after! - before! < 20 * hostMs + 500, `wall clock moved ${after! - before!} ms`);
      assert.ok(Math.abs(after! - clock.now()) < 1500, `product wall clock ${after} agrees with the lab's ${clock.now()}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
