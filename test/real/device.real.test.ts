// A real device in the lab's path (lab/device/): the reference router of
// test/helpers/device-router.ts — a namespace with nftables rules that drop IP
// fragments, drop UDP/53 payloads over 512 octets and reject TCP/53 — between
// dnslab's inside namespace (resolver, clients) and outside namespace
// (authoritative world), joined by veth pairs whose host ends are --inside and
// --outside.
//
// What must hold: middlebox-checkpoints through the router gives, step by step,
// the verdicts of dnslab's emulated firewall with the router's settings, and
// the router really acted (its counters moved); `dnslab probe` through it gives
// the checkpoint verdicts of `dnslab middlebox` with the matching flags; setup
// errors are one line and exit 2 before any step; nothing is left after a run,
// a failed run or Ctrl-C; a capture on the host interfaces that were not named
// sees none of the lab's packets (while one on the named ones does).
// Needs root, iproute2, nftables and tshark.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findScenario } from '../../lab/runner/index.ts';
import { compareWithEmulated, runOnDevice, type DeviceInfo, type DeviceRunResult } from '../../lab/device/run.ts';
import { deviceOptions } from '../../lab/device/options.ts';
import type { ProbeReport } from '../../lab/probe/index.ts';
import { INSIDE_GATEWAY, OUTSIDE_GATEWAY, ReferenceRouter, ROUTER_SETTINGS } from '../helpers/device-router.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/dnslab.mjs');
// 10, not 20: at 20 the lab's own processing (×20 in lab time) outlasted a client's 30 s wait on this 2-core host.
const SCALE = '10';
const VARIANTS = ['vulnerable', 'fragment-drop', 'fixed'];

function sh(cmd: string, args: string[]): string {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 }).stdout ?? '';
}

/**
 * Everything a run could leave behind in the host namespace: the namespaces, macvlans and processes of the
 * dnslab processes `owners` (they carry the PID in their names; the suites below run concurrently), and the
 * host's addresses, routes and nftables tables (which no run may change at all).
 */
function hostState(owners: number[]) {
  const mine = (text: string) => owners.some((pid) => text.includes(`dnslab-link-${pid}-`));
  return {
    namespaces: sh('ip', ['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(mine),
    macvlans: sh('ip', ['-o', 'link'])
      .split('\n')
      .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
      .filter((n) => owners.some((pid) => new RegExp(`^dl${pid % 1_000_000}[io]\\d+$`).test(n))),
    addresses: sh('ip', ['-o', 'addr']).replace(/valid_lft.*$/gm, ''),
    routes: sh('ip', ['route']) + sh('ip', ['-6', 'route']),
    nftables: sh('nft', ['list', 'tables']),
    processes: sh('ps', ['-eo', 'pid=,args=']).split('\n').filter(mine),
  };
}

let baseline: ReturnType<typeof hostState>;

function assertClean(owners: number[], what: string): void {
  assert.deepEqual(hostState(owners), { ...baseline, namespaces: [], macvlans: [], processes: [] }, `${what} left something behind`);
}

function cli(args: string[], o: { asUser?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const argv = o.asUser ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(o.asUser ? { HOME: '/tmp' } : {}) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((r) => child.once('close', (code) => (clearTimeout(t), r({ code, stdout, stderr, pid: child.pid! }))));
}

function waitFor(child: ChildProcess, text: RegExp, ms: number): Promise<void> {
  return new Promise((res, rej) => {
    let seen = '';
    const t = setTimeout(() => rej(new Error(`no ${text} within ${ms} ms: ${seen}`)), ms);
    const on = (d: Buffer) => {
      seen += d.toString();
      if (text.test(seen)) {
        clearTimeout(t);
        res();
      }
    };
    child.stderr?.on('data', on);
    child.stdout?.on('data', on);
  });
}

let router: ReferenceRouter;
const dir = mkdtempSync(join(tmpdir(), 'dnslab-device-test-'));
const deviceFlags = (r: ReferenceRouter = router) => [
  '--device',
  'middlebox',
  '--inside',
  r.inside,
  '--outside',
  r.outside,
  '--device-address',
  `${INSIDE_GATEWAY},${OUTSIDE_GATEWAY}`,
];
const device = () =>
  deviceOptions({
    device: 'middlebox',
    inside: router.inside,
    outside: router.outside,
    deviceAddress: `${INSIDE_GATEWAY},${OUTSIDE_GATEWAY}`,
    timeScale: SCALE,
  })!;

before(async () => {
  router = new ReferenceRouter();
  // The routes the router needs, from dnslab's own address plan (--plan).
  const loaded = await findScenario('middlebox-checkpoints');
  for (const variant of VARIANTS) {
    const plan = (await runOnDevice({ loaded, variant, seed: '1', device: { ...device(), planOnly: true } })) as DeviceInfo;
    scenarioRoutes.push(...plan.deviceRoutes);
  }
  router.addRoutes([...scenarioRoutes, ...PROBE_ROUTES]);
  baseline = hostState([]);
});

after(() => {
  router?.delete();
  rmSync(dir, { recursive: true, force: true });
});

/** The probe's client and authority (lab/device/run.ts PROBE_DEVICE_*) behind the router's links. */
const PROBE_ROUTES = ['203.0.113.10 via 10.250.1.2', '198.51.100.53 via 10.250.2.2'];
const scenarioRoutes: string[] = [];

/**
 * A router of a test's own: tests that run at the same time must not share one, since every run puts the same
 * lab link address (10.250.1.2, 10.250.2.2) on its side of the router's links.
 */
async function withOwnRouter<T>(body: (r: ReferenceRouter) => Promise<T>): Promise<T> {
  const r = new ReferenceRouter();
  try {
    r.addRoutes([...scenarioRoutes, ...PROBE_ROUTES]);
    return await body(r);
  } finally {
    r.delete();
  }
}

// Alone, so that the capture on the host's other interfaces sees only this suite's runs.
describe('--device middlebox: middlebox-checkpoints through an nftables router', { timeout: 200_000 }, () => {
  it('middlebox-checkpoints: each variant gives the emulated firewall’s verdicts with the router’s settings; only the named links carry it', async () => {
    // Capture on every host interface that is up and was not named (lo, eth0, …) for the lab's addresses, and on
    // the named ones for DNS (the control: the capture works and the lab's packets are there). -f comes first:
    // after an -i it would filter that interface only.
    const others = sh('ip', ['-o', 'link', 'show', 'up'])
      .split('\n')
      .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
      // Another device test file running at the same time (npm test runs two files at once) names its own
      // reference router's links (dd<pid><n>i/o, test/helpers/device-router.ts): its lab traffic belongs there.
      .filter((n) => n && n !== router.inside && n !== router.outside && !/^dd\d+[io]$/.test(n));
    const labHosts = 'net 10.0.0.0/24 or net 10.53.0.0/16 or host 192.0.2.53 or net 10.250.0.0/16';
    const capOthers = spawn('tshark', ['-f', labHosts, ...others.flatMap((i) => ['-i', i]), '-w', join(dir, 'others.pcapng'), '-q'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const capNamed = spawn('tshark', ['-f', 'port 53', '-i', router.inside, '-i', router.outside, '-w', join(dir, 'named.pcapng'), '-q'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await Promise.all([waitFor(capOthers, /Capturing on/, 30_000), waitFor(capNamed, /Capturing on/, 30_000)]);
    const before = router.counters();
    const loaded = await findScenario('middlebox-checkpoints');
    const results: DeviceRunResult[] = [];
    try {
      for (const variant of VARIANTS) {
        const r = (await runOnDevice({ loaded, variant, seed: '1', device: device() })) as DeviceRunResult;
        results.push(r);
        assert.equal(r.error, undefined, `${variant}: ${r.error}`);
        assert.deepEqual(r.device.leftover, [], `${variant}: processes left in the namespaces`);
        const cmp = await compareWithEmulated(loaded, variant, '1', r, { ...ROUTER_SETTINGS });
        const table = cmp.rows.map((x) => `step ${x.step}: emulated ${x.emulated} device ${x.device}`).join('\n');
        process.stderr.write(`# ${variant} (${r.device.seconds.toFixed(1)} s):\n${table.replace(/^/gm, '#   ')}\n`);
        assert.ok(cmp.agree, `${variant}: the device and the emulated firewall (${JSON.stringify(ROUTER_SETTINGS)}) disagree:\n${table}`);
      }
    } finally {
      capOthers.kill('SIGTERM');
      capNamed.kill('SIGTERM');
      await Promise.all([capOthers, capNamed].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    }
    // The verdicts are not the same by accident: the router dropped oversized answers and refused TCP.
    const [frags, udpOut, , tcp] = router.counters().map((n, i) => n - before[i]!);
    assert.ok(udpOut! > 0, `no oversized UDP answer was dropped by the router (${router.counters()})`);
    assert.ok(tcp! > 0, `no TCP/53 connection was refused by the router (${router.counters()})`);
    process.stderr.write(`# router: ${frags} fragments, ${udpOut} oversized answers dropped, ${tcp} TCP SYNs refused\n`);
    // Some steps fail through this box (it is the vulnerable one): the comparison is about agreeing, not passing.
    assert.ok(
      results.some((r) => !r.passed),
      'every variant passed through a box that drops answers over 512 octets: the box was not in the path',
    );
    const count = (f: string) => Number(/(\d+)/.exec(sh('sh', ['-c', `tshark -r ${f} 2>/dev/null | wc -l`]))![1]);
    const named = count(join(dir, 'named.pcapng'));
    const leaked = count(join(dir, 'others.pcapng'));
    process.stderr.write(`# capture: ${named} DNS packets on the named interfaces, ${leaked} lab packets on ${others.join(', ')}\n`);
    assert.ok(named > 0, 'the capture on the named interfaces saw no DNS: the capture does not work');
    assert.equal(
      leaked,
      0,
      `lab packets on interfaces that were not named (${others.join(', ')}):\n${sh('sh', ['-c', `tshark -r ${join(dir, 'others.pcapng')} 2>/dev/null | head -5`])}`,
    );
    assertClean([process.pid], 'the runs');
  });
});

// Each of these uses its own dnslab processes (leak checks by their PIDs) and may run at the same time.
describe('--device middlebox: probe, serve, load, setup errors, Ctrl-C', { timeout: 200_000, concurrency: true }, () => {
  it('probe through the router gives the checkpoint verdicts of `dnslab middlebox` with the same settings', () =>
    withOwnRouter(async (router) => {
      const devReport = join(dir, 'device-probe.json');
      const emuReport = join(dir, 'emulated-probe.json');
      let devPid = 0;
      const box = spawn(
        process.execPath,
        [
          CLI,
          'middlebox',
          '--listen',
          '127.0.0.1:5471',
          '--upstream',
          '127.0.0.1:5472',
          '--max-udp',
          '512',
          '--oversize',
          'drop',
          '--tcp',
          'reject',
          '--mtu',
          '1500',
          '--fragments',
          'drop',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      try {
        await waitFor(box, /listen|127\.0\.0\.1:5471/, 90_000);
        const probe = ['--flows', '16', '--samples', '6', '--udp-timeout', '400'];
        const [dev, emu] = await Promise.all([
          new Promise<number | null>((r) => {
            const c = spawn(process.execPath, [CLI, 'probe', ...deviceFlags(router), ...probe, '--report', devReport], { cwd: ROOT, stdio: 'ignore' });
            devPid = c.pid!;
            c.once('exit', r);
          }),
          new Promise<number | null>((r) =>
            spawn(process.execPath, [CLI, 'probe', '--through', '127.0.0.1:5471', '--auth-listen', '127.0.0.1:5472', ...probe, '--report', emuReport], {
              cwd: ROOT,
              stdio: 'ignore',
            }).once('exit', r),
          ),
        ]);
        assert.equal(dev, 1, 'the device probe should fail some checkpoints (exit 1)');
        assert.equal(emu, 1);
      } finally {
        box.kill('SIGTERM');
      }
      const d = JSON.parse(readFileSync(devReport, 'utf8')) as ProbeReport & { device: DeviceInfo };
      const e = JSON.parse(readFileSync(emuReport, 'utf8')) as ProbeReport;
      const verdicts = (r: ProbeReport) => r.checkpoints.map((c) => `${c.id} ${c.key}: ${c.verdict}`);
      process.stderr.write(
        `# probe device vs emulated:\n${verdicts(d)
          .map((v, i) => `#   ${v.padEnd(32)} ${verdicts(e)[i]}`)
          .join('\n')}\n`,
      );
      assert.deepEqual(verdicts(d), verdicts(e));
      assert.ok(d.checkpoints.find((c) => c.key === 'tcp-reachable')?.verdict === 'fail', 'TCP/53 was not refused through the router');
      assert.deepEqual(d.device.leftover, []);
      assertClean([devPid], 'the probe');
    }));

  it('setup errors are one line and exit 2 before any step runs; a failed setup leaves nothing', async () => {
    const cases: [string, string[], RegExp, { asUser?: boolean }?][] = [
      [
        'no such interface',
        ['--device', 'middlebox', '--inside', 'nosuch0', '--outside', router.outside, '--time-scale', SCALE],
        /--inside nosuch0: no such interface/,
      ],
      [
        'device not answering',
        ['--device', 'middlebox', '--inside', router.inside, '--outside', router.outside, '--device-address', '10.250.7.1,10.250.8.1'],
        /device not answering: no ARP reply from the device's inside address 10\.250\.7\.1/,
      ],
      ['not root', deviceFlags(), /--device needs root/, { asUser: true }],
      ['bad role', ['--device', 'toaster', '--inside', router.inside, '--outside', router.outside], /--device: got "toaster"/],
    ];
    const runs = await Promise.all(cases.map(([, flags, , o]) => cli(['run', 'middlebox-checkpoints', '--variant', 'fixed', ...flags], o)));
    for (const [i, [what, , message]] of cases.entries()) {
      const r = runs[i]!;
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^middlebox-checkpoints \[fixed\]: device|^  /.test(l));
      assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
      assert.equal(lines.length, 1, `${what}: not one line:\n${r.stderr}`);
      assert.match(lines[0]!, message, what);
      assert.equal(r.stdout, '', `${what}: something ran:\n${r.stdout}`);
    }
    assertClean(
      runs.map((r) => r.pid),
      'a failed setup',
    );
  });

  it('Ctrl-C during a run removes the namespaces, macvlans and processes', () =>
    withOwnRouter(async (router) => {
      const child = spawn(process.execPath, [CLI, 'run', 'middlebox-checkpoints', '--variant', 'fixed', ...deviceFlags(router)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (code, sig) => r(sig ?? code)));
      // Wait until the worker runs in the inside namespace (the first step's query is on its way).
      const ns = `dnslab-link-${child.pid}-0-in`;
      const workerRuns = () =>
        sh('ip', ['netns', 'pids', ns])
          .split(/\s+/)
          .filter(Boolean)
          .some((pid) => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('lab/device/worker.ts');
            } catch {
              return false;
            }
          });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !workerRuns()) await new Promise((r) => setTimeout(r, 200));
      assert.ok(workerRuns(), 'the worker never started');
      await new Promise((r) => setTimeout(r, 2000));
      child.kill('SIGINT');
      assert.equal(await exited, 'SIGINT');
      assertClean([child.pid!], 'Ctrl-C');
    }));

  it('serve puts the servers behind the device: dig from the inside gets UDP answers, TCP is refused by the router; Ctrl-C cleans up', () =>
    withOwnRouter(async (router) => {
      const child = spawn(process.execPath, [CLI, 'serve', 'middlebox-checkpoints', '--variant', 'fixed', ...deviceFlags(router)], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(child, /query from the inside: ip netns exec (\S+)/, 90_000);
        const ns = /ip netns exec (\S+)/.exec(out)![1]!;
        assert.match(out, /ns-example\s+ns1\.example\.jp\.\s+192\.0\.2\.53\s+outside/);
        const dig = (...a: string[]) =>
          sh('ip', ['netns', 'exec', ns, 'dig', '+norec', '+time=5', '+tries=2', '-b', '10.0.0.53', '@192.0.2.53', 'www.example.jp', 'A', ...a]);
        assert.match(dig(), /status: NOERROR[\s\S]*www\.example\.jp\.\s+300\s+IN\s+A\s+192\.0\.2\.10/);
        assert.match(dig('+tcp'), /connection refused/);
      } finally {
        child.kill('SIGINT');
      }
      assert.equal(await exited, 0);
      assert.match(out, /stopped\n$/);
      assertClean([child.pid!], 'serve');
    }));

  it('probe --load: figures through the router and without it, side by side; the load really crossed the router', async () => {
    // A router of its own: its counters must count this load only.
    const own = new ReferenceRouter();
    own.addRoutes(PROBE_ROUTES);
    const report = join(dir, 'load.json');
    let r;
    let forwarded = 0;
    try {
      r = await cli([
        'probe',
        '--device',
        'middlebox',
        '--inside',
        own.inside,
        '--outside',
        own.outside,
        '--device-address',
        `${INSIDE_GATEWAY},${OUTSIDE_GATEWAY}`,
        '--load',
        '100',
        '--load-seconds',
        '2',
        '--report',
        report,
      ]);
    } finally {
      forwarded = own.counters()[4]!;
      own.delete();
    }
    process.stderr.write(r.stdout.replace(/^/gm, '# '));
    assert.equal(r.code, 0, r.stderr);
    const { paths } = JSON.parse(readFileSync(report, 'utf8')) as { paths: { path: string; sent: number; answered: number; lost: number; p50: number }[] };
    assert.equal(paths.length, 2);
    assert.match(paths[0]!.path, /through the device/);
    assert.match(paths[1]!.path, /without the device/);
    for (const p of paths) assert.equal(p.sent, 200, p.path);
    assert.equal(paths[0]!.answered, 200, 'small answers pass the router');
    assert.ok(forwarded >= 200, `only ${forwarded} UDP/53 queries crossed the router`);
    assertClean([r.pid], 'the load');
  });
});
