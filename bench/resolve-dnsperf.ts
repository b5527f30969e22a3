// Queries per second of `dnslab resolver` (the real CLI, lab/cli/resolver.ts,
// as a child process) answering from a WARM cache over UDP, measured with
// dnsperf in ONE run side by side with a real Unbound (Debian package) that
// iterates the same hierarchy: a small root → lab → example.lab / other.lab,
// signed with `dnslab sign` and served by `dnslab auth` (one process per
// level, so both resolvers really walk the delegations). Each resolver runs
// twice: validating from the lab root DS, and not validating.
//
// Safety (docs/ARCHITECTURE.md, "Safe by default"): Unbound primes from root hints, so everything —
// the authoritative servers, both resolvers, dig and dnsperf — runs inside a
// network namespace `dnslab-rb-<pid>` that has only `lo` and no route at all
// (checked before anything starts). Unbound's root hints point at the lab root.
// Every process is stopped by PID (process group) and the namespace deleted in
// `finally`, and on SIGINT/SIGTERM.
//
// Method: warm each cache with one pass of the query file (dnsperf -n 1), check
// with dig that both resolvers give the same RCODE and AD for every query, then
// dnsperf each resolver for SECONDS (-q 50 outstanding) in ROUNDS interleaved
// rounds; the median is printed, with the ratio dnslab / Unbound.
//
//   sudo node --import tsx bench/resolve-dnsperf.ts [seconds] [rounds]   (default 5 s × 3 rounds)
//
// Needs root (ip netns) and the Debian packages iproute2, unbound, dnsperf,
// bind9-dnsutils (dig). Addresses (inside the namespace): 127.0.14.1 root,
// .2 lab, .3 example.lab + other.lab, .53/.54 Unbound (validating / not),
// .55/.56 dnslab resolver (validating / not), all port 53.
//
// Helpers: the namespace and process handling is servers/real/netns.ts, and
// Unbound's configuration is the real-resolver adapter's (servers/real/products.ts
// writeConfig), both shared with the real-resolver matrix and the tests that run
// Unbound (test/recursive/unbound-differential.real.test.ts, test/scenarios/slack-unbound.real.test.ts).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManagedProcess, NetworkNamespace, requireBinary } from '../servers/real/netns.ts';
import { writeConfig } from '../servers/real/products.ts';

const SECONDS = Math.min(30, Math.max(1, Number(process.argv[2] ?? 5)));
const ROUNDS = Math.min(9, Math.max(1, Number(process.argv[3] ?? 3)));
const OUTSTANDING = 50;
const NS = `dnslab-rb-${process.pid}`;
const ROOT_DIR = resolve(import.meta.dirname, '..');
const ADDR = { root: '127.0.14.1', lab: '127.0.14.2', sld: '127.0.14.3' } as const;
const RESOLVERS = [
  { name: 'unbound, validating', address: '127.0.14.53', kind: 'unbound', validate: true },
  { name: 'dnslab resolver, validating', address: '127.0.14.55', kind: 'dnslab', validate: true },
  { name: 'unbound, no DNSSEC', address: '127.0.14.54', kind: 'unbound', validate: false },
  { name: 'dnslab resolver, no DNSSEC', address: '127.0.14.56', kind: 'dnslab', validate: false },
] as const;
// The ceiling for one Node process: a plain node:dgram echo (the query sent back as is), measured in the same rounds.
const ECHO = { name: 'node udp echo (ceiling)', address: '127.0.14.57' } as const;
const ECHO_SERVER = `
const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(53, '${ECHO.address}', () => console.log('listening'));
`;
// Names that exist in the hierarchy (A, AAAA, a CNAME into another zone, an
// MX), a NODATA and an NXDOMAIN: after the warm-up both resolvers answer every
// one from cache (TTLs and negative TTLs are an hour or more).
const QUERIES = [
  'www.example.lab A',
  'www.example.lab AAAA',
  'alias.example.lab A',
  'example.lab MX',
  'www.other.lab A',
  'www.other.lab TXT',
  'nope.example.lab A',
  'nope.other.lab AAAA',
];

const ZONES = {
  '.': `$TTL 86400
. SOA a.root-servers.lab. hostmaster.lab. 1 7200 3600 1209600 86400
. NS a.root-servers.lab.
lab. NS ns.lab.
ns.lab. A ${ADDR.lab}
a.root-servers.lab. A ${ADDR.root}
`,
  lab: `$ORIGIN lab.
$TTL 86400
@ SOA ns hostmaster 1 7200 3600 1209600 3600
@ NS ns
ns A ${ADDR.lab}
a.root-servers A ${ADDR.root}
example NS ns.example
ns.example A ${ADDR.sld}
other NS ns.other
ns.other A ${ADDR.sld}
`,
  'example.lab': `$ORIGIN example.lab.
$TTL 3600
@ SOA ns hostmaster 1 7200 3600 1209600 3600
@ NS ns
@ MX 10 mail
ns A ${ADDR.sld}
mail A 192.0.2.25
www A 192.0.2.10
www AAAA 2001:db8::10
alias CNAME www.other.lab.
`,
  'other.lab': `$ORIGIN other.lab.
$TTL 3600
@ SOA ns hostmaster 1 7200 3600 1209600 3600
@ NS ns
ns A ${ADDR.sld}
www A 192.0.2.20
www AAAA 2001:db8::20
`,
} as const;

const children: ManagedProcess[] = [];
/** Short-lived commands (dnsperf, dig, dnslab sign) still running: killed first on cleanup. */
const running = new Set<number>();
let ns: NetworkNamespace | undefined;
let dir = '';
let cleaned: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaned ??= (async () => {
    for (const pid of running) killGroup(pid);
    for (const c of [...children].reverse()) await c.stop();
    // Kills anything still inside (only processes started here), then deletes the namespace.
    const left = ns?.delete() ?? [];
    if (left.length > 0) process.stderr.write(`killed ${left.length} leftover process(es) in ${NS}\n`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaned;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`${sig}: stopping everything\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Run a command to completion, bounded: killed (group) at the deadline. */
function runBounded(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; stdout: string }> {
  return new Promise((resolveP, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: ROOT_DIR });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const t = setTimeout(() => pid !== undefined && killGroup(pid), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(t);
      if (pid !== undefined) running.delete(pid);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(t);
      if (pid !== undefined) running.delete(pid);
      resolveP({ code, out, stdout });
    });
  });
}

function inNs(cmd: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', NS, cmd, ...args]];
}

const dnslab = (args: string[]): [string, string[]] => [process.execPath, ['--import', 'tsx', join(ROOT_DIR, 'lab/cli/main.ts'), ...args]];

/** Sign children first so each parent carries its children's DS; returns the root DS set. */
async function signHierarchy(): Promise<{ files: Record<keyof typeof ZONES, string>; anchor: string }> {
  const files = {} as Record<keyof typeof ZONES, string>;
  const ds: Record<string, string> = {};
  const order: Array<keyof typeof ZONES> = ['example.lab', 'other.lab', 'lab', '.'];
  for (const origin of order) {
    let text: string = ZONES[origin];
    if (origin === 'lab') text += ds['example.lab']! + ds['other.lab']!;
    if (origin === '.') text += ds['lab']!;
    const plain = join(dir, `${origin === '.' ? 'root' : origin}.zone`);
    writeFileSync(plain, text);
    const dsFile = `${plain}.ds`;
    const [cmd, args] = dnslab(['sign', plain, '--origin', origin, '--keys', dir, '--seed', String(order.indexOf(origin) + 1), '--ds-out', dsFile]);
    const r = await runBounded(cmd, args, 30_000);
    if (r.code !== 0) throw new Error(`dnslab sign ${origin} failed (${r.code}): ${r.out}`);
    files[origin] = `${plain}.signed`;
    writeFileSync(files[origin], r.stdout);
    ds[origin] = readFileSync(dsFile, 'utf8');
  }
  const anchor = join(dir, 'root.ds');
  writeFileSync(anchor, ds['.']!);
  return { files, anchor };
}

/**
 * One Unbound's config, as the real-resolver matrix writes it (servers/real/products.ts writeConfig), in a
 * directory of its own. One thread: Unbound's default num-threads (unbound.conf(5)), like the one Node process it
 * is compared with. Returns the command line to run inside the namespace.
 */
function unboundCommand(address: string, validate: boolean, anchor: string): [string, string[]] {
  const sub = join(dir, `unbound-${address}`);
  mkdirSync(sub);
  const trustAnchors = readFileSync(anchor, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const gen = writeConfig(
    { product: 'unbound', address, rootHints: [{ host: 'a.root-servers.lab', address: ADDR.root }], trustAnchors, switches: { validate } },
    sub,
  );
  return inNs(gen.command, gen.args);
}

interface Dig {
  status: string;
  ad: boolean;
  answers: number;
}

async function dig(server: string, qname: string, qtype: string): Promise<Dig> {
  const [cmd, args] = inNs('dig', ['+time=2', '+tries=1', `@${server}`, qname, qtype]);
  const r = await runBounded(cmd, args, 10_000);
  const status = /status: ([A-Z]+)/.exec(r.out)?.[1] ?? 'NO-ANSWER';
  const flags = /;; flags: ([a-z ]+);/.exec(r.out)?.[1]?.split(' ') ?? [];
  const answers = Number(/ANSWER: (\d+)/.exec(r.out)?.[1] ?? -1);
  return { status, ad: flags.includes('ad'), answers };
}

async function waitForAnswer(server: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await dig(server, 'lab', 'SOA')).status === 'NOERROR') return;
    if (Date.now() > deadline) throw new Error(`${server} did not answer lab SOA within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface PerfRun {
  qps: number;
  lost: string;
  rcodes: string;
  out: string;
}

async function dnsperf(address: string, extra: string[]): Promise<PerfRun> {
  const [cmd, args] = inNs('dnsperf', ['-s', address, '-p', '53', '-d', join(dir, 'queries.txt'), '-t', '2', '-q', String(OUTSTANDING), ...extra]);
  const r = await runBounded(cmd, args, (SECONDS + 20) * 1000);
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(r.out)?.[1] ?? 'NaN');
  const lost = /Queries lost:\s+(.*)/.exec(r.out)?.[1]?.trim() ?? '?';
  const rcodes = /Response codes:\s+(.*)/.exec(r.out)?.[1]?.trim() ?? '?';
  if (!Number.isFinite(qps)) throw new Error(`dnsperf against ${address} gave no figure (exit ${r.code}):\n${r.out}`);
  return { qps, lost, rcodes, out: r.out };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('this bench needs root to create a network namespace (run it with sudo)');
  requireBinary('ip', 'iproute2');
  requireBinary('unbound', 'unbound');
  requireBinary('dnsperf', 'dnsperf');
  requireBinary('dig', 'bind9-dnsutils');
  dir = mkdtempSync(join(tmpdir(), 'dnslab-rb-'));
  const { files, anchor } = await signHierarchy();
  writeFileSync(join(dir, 'queries.txt'), `${QUERIES.join('\n')}\n`);

  // lo up and no route at all, checked (servers/real/netns.ts); nothing can leave the lab.
  ns = NetworkNamespace.create(NS, 'dnslab-rb-');

  const authProcesses: ManagedProcess[] = [];
  const auths: Array<[string, string[]]> = [
    [ADDR.root, [files['.']]],
    [ADDR.lab, [files.lab]],
    [ADDR.sld, [files['example.lab'], files['other.lab']]],
  ];
  for (const [address, zoneFiles] of auths) {
    // --log: one stderr line per query, so the timed phase can show that no resolver asked upstream.
    const [cmd, args] = dnslab(['auth', ...zoneFiles.flatMap((f) => ['--zone', f]), '--listen', `${address}:53`, '--log']);
    const p = new ManagedProcess(...inNs(cmd, args), { cwd: ROOT_DIR });
    children.push(p);
    authProcesses.push(p);
    await p.waitForOutput('Ctrl-C to stop', 30_000);
  }
  for (const r of RESOLVERS) {
    let p: ManagedProcess;
    if (r.kind === 'unbound') {
      p = new ManagedProcess(...unboundCommand(r.address, r.validate, anchor));
      children.push(p);
    } else {
      const [cmd, args] = dnslab([
        'resolver',
        '--listen',
        `${r.address}:53`,
        '--root-hints',
        ADDR.root,
        '--profile',
        'unbound',
        ...(r.validate ? ['--trust-anchor', anchor] : []),
      ]);
      p = new ManagedProcess(...inNs(cmd, args), { cwd: ROOT_DIR });
      children.push(p);
      await p.waitForOutput('Ctrl-C to stop', 30_000);
    }
  }
  for (const r of RESOLVERS) await waitForAnswer(r.address, 15_000);
  const echo = new ManagedProcess(...inNs(process.execPath, ['-e', ECHO_SERVER]));
  children.push(echo);
  await echo.waitForOutput('listening', 10_000);

  // Warm: one pass of the query file each, then the same questions by dig, which must agree.
  for (const r of RESOLVERS) await dnsperf(r.address, ['-n', '1']);
  const disagreements: string[] = [];
  for (const q of QUERIES) {
    const [qname, qtype] = q.split(' ') as [string, string];
    const seen = new Map<string, Dig>();
    for (const r of RESOLVERS) seen.set(r.name, await dig(r.address, qname, qtype));
    for (const validate of [true, false]) {
      const [u, o] = RESOLVERS.filter((r) => r.validate === validate).map((r) => seen.get(r.name)!);
      if (u!.status !== o!.status || u!.ad !== o!.ad || u!.answers !== o!.answers || u!.status === 'SERVFAIL' || u!.status === 'NO-ANSWER') {
        disagreements.push(`${q} (${validate ? 'validating' : 'no DNSSEC'}): unbound ${JSON.stringify(u)} dnslab ${JSON.stringify(o)}`);
      }
      if (validate && !u!.ad) disagreements.push(`${q}: the validating Unbound did not set AD — the hierarchy is not validating`);
    }
  }
  if (disagreements.length > 0)
    throw new Error(`the resolvers do not answer the query mix alike, so their speed is not comparable:\n${disagreements.join('\n')}`);
  const checked = `checked after warm-up: ${QUERIES.length} queries × ${RESOLVERS.length} resolvers, dnslab and Unbound give the same RCODE, AD and answer count; AD set by both validating resolvers`;

  await new Promise((r) => setTimeout(r, 300));
  const countQueries = () => authProcesses.reduce((n, p) => n + (p.log.match(/ query /g)?.length ?? 0), 0);
  const before = authProcesses.map((p) => p.log);
  const warmupQueries = countQueries();
  const runs = new Map<string, PerfRun[]>([...RESOLVERS, ECHO].map((r) => [r.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of [...RESOLVERS, ECHO]) runs.get(r.name)!.push(await dnsperf(r.address, ['-l', String(SECONDS)]));
  }
  await new Promise((r) => setTimeout(r, 300));
  // ManagedProcess keeps the last 64 KiB of output: unchanged logs mean no query reached any authoritative server.
  const upstream = authProcesses.every((p, i) => p.log === before[i])
    ? '0'
    : `some (≥ ${Math.max(1, countQueries() - before.reduce((n, l) => n + (l.match(/ query /g)?.length ?? 0), 0))})`;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const by = new Map([...runs].map(([n, rs]) => [n, median(rs.map((r) => r.qps))]));
  console.log(
    `dnsperf against WARM caches, ${ROUNDS} interleaved rounds of ${SECONDS} s per resolver (median), -q ${OUTSTANDING}, UDP, ${QUERIES.length}-query mix (A, AAAA, CNAME, MX, NODATA, NXDOMAIN), namespace ${NS} without routes, hierarchy signed (ECDSAP256) and served by dnslab auth`,
  );
  console.log(`  ${checked}`);
  console.log(`  queries that reached the authoritative servers during the timed runs: ${upstream} (during start-up and warm-up they logged ${warmupQueries})`);
  for (const [name, rs] of runs) {
    console.log(
      `  ${name.padEnd(28)} ${by.get(name)!.toFixed(0).padStart(8)} qps   (runs: ${rs.map((r) => r.qps.toFixed(0)).join(', ')}; lost ${rs.map((r) => r.lost).join(' / ')})`,
    );
  }
  console.log(`  response codes (last round, dnslab validating): ${runs.get('dnslab resolver, validating')!.at(-1)!.rcodes}`);
  for (const validate of [true, false]) {
    const [u, o] = RESOLVERS.filter((r) => r.validate === validate).map((r) => by.get(r.name)!);
    const [un, on] = RESOLVERS.filter((r) => r.validate === validate).map((r) => runs.get(r.name)!);
    // Also per round (the two runs of a round are seconds apart, so they share the machine's load).
    const perRound = un!.map((u2, i) => on![i]!.qps / u2.qps);
    console.log(
      `  dnslab / unbound, ${validate ? 'validating' : 'no DNSSEC '} = ${(o! / u!).toFixed(2)}   (per round: ${perRound.map((x) => x.toFixed(2)).join(', ')}; median ${median(perRound).toFixed(2)})   (target >= 0.60)`,
    );
  }
  const echoRuns = runs.get(ECHO.name)!;
  for (const r of RESOLVERS) {
    const perRound = runs.get(r.name)!.map((x, i) => x.qps / echoRuns[i]!.qps);
    console.log(
      `  ${r.name} / node echo = ${(by.get(r.name)! / by.get(ECHO.name)!).toFixed(2)}   (per round: ${perRound.map((x) => x.toFixed(2)).join(', ')})`,
    );
  }
}

try {
  await main();
} finally {
  await cleanup();
}
