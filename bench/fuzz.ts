// Bounded fuzz bench: each server — `dnslab auth`, `dnslab resolver` (whose
// root is that auth) and a no-setting `dnslab middlebox` in front of the auth —
// runs as its own process and takes malformed and mutated DNS messages over
// UDP and TCP on loopback (127.0.35.1–3). Judged per server:
//   crash      the process exited;
//   hang       a well-formed query (UDP, and TCP at the end) got no answer within 3 s;
//   malformed  a reply that does not decode, or has QR=0;
//   memory     peak RSS (VmHWM) above --max-rss-mb.
// Printed per server: messages sent, messages/s, replies by rcode, silent
// drops, TCP connections, peak RSS. Bounded in count and in time (whichever
// comes first); seeded, so a run can be repeated.
//
//   node --import tsx bench/fuzz.ts [--count N (default 100000, at most 1000000)]
//        [--seconds S (default 300 per server)] [--seed N] [--max-rss-mb M (default 1024)]
//        [--only auth|resolver|middlebox]
//
// Exit status 0 when no server crashed, hung, sent a malformed reply or
// exceeded the memory bound; 1 otherwise.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeQuery } from '../dns/message.ts';
import type { RRTypeName } from '../dns/types.ts';
import { decodeMessage, encodeMessage } from '../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../dns/wire/tcp.ts';
import { SeededRandom } from '../net/random.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'max-rss-mb': { type: 'string', default: '1024' },
    only: { type: 'string' },
  },
});
const COUNT = Number(args.count);
const SECONDS = Number(args.seconds);
const MAX_RSS_MB = Number(args['max-rss-mb']);
if (!Number.isInteger(COUNT) || COUNT < 100 || COUNT > 1_000_000) throw new Error('--count: an integer 100..1000000');
if (!Number.isInteger(SECONDS) || SECONDS < 1 || SECONDS > 3600) throw new Error('--seconds: an integer 1..3600');
if (!Number.isInteger(MAX_RSS_MB) || MAX_RSS_MB < 16) throw new Error('--max-rss-mb: an integer of at least 16');

const CLI = join(import.meta.dirname, '../lab/cli/main.ts');
const PORT = 5335;
const AUTH = '127.0.35.1';
const RESOLVER = '127.0.35.2';
const BOX = '127.0.35.3';
const CLIENT = '127.0.35.9';
/** One in this many messages goes over TCP. */
const TCP_SHARE = 10;
const BURST = 250;

const ROOT_ZONE = `. 86400 IN SOA a.root.lab. h.lab. 1 1800 900 604800 300
. 86400 IN NS a.root.lab.
a.root.lab. 86400 IN A ${AUTH}
a.root.lab. 86400 IN AAAA ::1
www.lab. 300 IN A 192.0.2.1
www.lab. 300 IN TXT "v=spf1 -all"
mail.lab. 300 IN MX 10 www.lab.
alias.lab. 300 IN CNAME www.lab.
*.wild.lab. 300 IN A 192.0.2.2
sub.lab. 300 IN NS ns.sub.lab.
ns.sub.lab. 300 IN A 192.0.2.3
${Array.from({ length: 12 }, (_, i) => `big.lab. 300 IN TXT "${'x'.repeat(200)}${i}"`).join('\n')}
`;

// ---- the messages ----

const QTYPES: RRTypeName[] = [
  'A',
  'AAAA',
  'NS',
  'SOA',
  'MX',
  'TXT',
  'CNAME',
  'PTR',
  'SRV',
  'DS',
  'DNSKEY',
  'RRSIG',
  'NSEC',
  'NSEC3',
  'CAA',
  'ANY',
  'HTTPS',
  'AXFR',
  'IXFR',
];
const NAMES = ['www.lab', 'alias.lab', 'mail.lab', 'x.wild.lab', 'www.sub.lab', 'big.lab', 'nope.lab', 'lab', '.', 'a.root.lab'];

function corpus(): Buffer[] {
  const out: Buffer[] = [];
  for (const name of NAMES) {
    for (const qtype of QTYPES) {
      out.push(encodeMessage(makeQuery(name, qtype, { id: 1, edns: false })));
      out.push(encodeMessage(makeQuery(name, qtype, { id: 2, do: true, edns: { udpPayloadSize: 1232, options: [{ code: 10, data: Buffer.alloc(8, 7) }] } })));
    }
  }
  return out;
}

const EDGE = [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc0, 0xff];

/** One mutation of `base` (or of random bytes): the operators fuzzers of DNS servers use. */
function mutate(base: Buffer, r: SeededRandom, other: Buffer): Buffer {
  const b = Buffer.from(base);
  // Nested mutations can leave less than a header: start again from random bytes.
  if (b.length < 12) return Buffer.concat([b, randomBytes(r, 12 - b.length + r.int(40))]);
  switch (r.int(11)) {
    case 0: // bit flips
      for (let i = r.int(8) + 1; i > 0; i--) b[r.int(b.length)]! ^= 1 << r.int(8);
      return b;
    case 1: // edge bytes
      for (let i = r.int(4) + 1; i > 0; i--) b[r.int(b.length)] = EDGE[r.int(EDGE.length)]!;
      return b;
    case 2: // truncated
      return b.subarray(0, r.int(b.length));
    case 3: // trailing garbage
      return Buffer.concat([b, randomBytes(r, r.int(64) + 1)]);
    case 4: // section counts lie
      b.writeUInt16BE(r.int(0x10000), 4 + 2 * r.int(4));
      return b;
    case 5: // a compression pointer to itself or forward, in the question name
      if (b.length > 14) {
        b[12] = 0xc0;
        b[13] = r.int(2) ? 12 : r.int(b.length);
      }
      return b;
    case 6: // random bytes
      return randomBytes(r, r.int(600));
    case 7: // header flags and opcode at random
      b.writeUInt16BE(r.int(0x10000), 2);
      return b;
    case 8: // two messages spliced
      return Buffer.concat([b.subarray(0, r.int(b.length)), other.subarray(r.int(other.length))]);
    case 9: // a label length past the end, or 63+
      if (b.length > 13) b[12] = [63, 64, 0x80, 0xff, b.length][r.int(5)]!;
      return b;
    default: // several of the above
      return mutate(mutate(b, r, other), r, other);
  }
}

function randomBytes(r: SeededRandom, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

// ---- the servers ----

interface Server {
  name: string;
  address: string;
  child: ChildProcess;
  exited: string | undefined;
}

async function start(name: string, address: string, cliArgs: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...cliArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const s: Server = { name, address, child, exited: undefined };
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  child.stderr!.on('data', (d: Buffer) => (out += String(d)));
  child.on('exit', (code, signal) => (s.exited = `exit ${code ?? signal}: ${out.slice(-400)}`));
  for (let i = 0; i < 400 && !/Ctrl-C/.test(out); i++) {
    if (s.exited) throw new Error(`${name} did not start: ${s.exited}`);
    await sleep(50);
  }
  if (!/Ctrl-C/.test(out)) throw new Error(`${name} did not start within 20 s: ${out}`);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The dnslab process behind a server: the child itself (node runs the CLI in-process). */
const pidOf = (s: Server) => s.child.pid!;

// ---- judging replies ----

interface Tally {
  sent: number;
  udp: number;
  tcp: number;
  tcpConnections: number;
  replies: number;
  byRcode: Record<string, number>;
  malformed: string[];
  hangs: string[];
}

function judgeReply(t: Tally, bytes: Buffer, transport: string): void {
  t.replies++;
  try {
    const m = decodeMessage(bytes);
    if (!m.flags.qr) throw new Error('QR=0 in a reply');
    t.byRcode[m.rcode] = (t.byRcode[m.rcode] ?? 0) + 1;
  } catch (e) {
    if (t.malformed.length < 5) t.malformed.push(`${transport} ${bytes.subarray(0, 48).toString('hex')}: ${(e as Error).message}`);
    else t.malformed.push('');
  }
}

async function alive(address: string, tcp: boolean): Promise<boolean> {
  const q = encodeMessage(makeQuery('www.lab', 'A', { id: 0xa11e, rd: true }));
  if (!tcp) {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, CLIENT, () => r()));
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      sock.on('message', (m) => {
        if (m.readUInt16BE(0) === 0xa11e) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      sock.send(q, PORT, address);
    });
    sock.close();
    return ok;
  }
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port: PORT, localAddress: CLIENT });
    const reader = new TcpFrameReader();
    const timer = setTimeout(() => done(false), 3000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.on('connect', () => s.write(frameTcp(q)));
    s.on('data', (c) => {
      try {
        if (reader.push(c).length) done(true);
      } catch {
        done(false);
      }
    });
    s.on('error', () => done(false));
  });
}

/** One TCP connection: a few mutated frames (now and then a lying length prefix), then our FIN; replies until close. */
function tcpBurst(address: string, frames: Buffer[], r: SeededRandom, t: Tally): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port: PORT, localAddress: CLIENT });
    const reader = new TcpFrameReader();
    t.tcpConnections++;
    const timer = setTimeout(() => s.destroy(), 1500);
    s.on('connect', () => {
      const wire = frames.map((f) => (r.int(20) === 0 ? Buffer.concat([Buffer.from([r.int(256), r.int(256)]), f]) : frameTcp(f)));
      s.end(Buffer.concat(wire));
    });
    s.on('data', (c) => {
      let got: Buffer[] = [];
      try {
        got = reader.push(c);
      } catch (e) {
        judgeReply(t, c, `tcp framing (${(e as Error).message})`);
      }
      for (const f of got) judgeReply(t, f, 'tcp');
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function fuzz(
  server: Server,
  seed: string,
): Promise<Tally & { seconds: number; peakRssMb: number; startRssMb: number; endRssMb: number; stoppedBy: string }> {
  const r = new SeededRandom(`fuzz-${seed}-${server.name}`);
  const base = corpus();
  const t: Tally = { sent: 0, udp: 0, tcp: 0, tcpConnections: 0, replies: 0, byRcode: {}, malformed: [], hangs: [] };
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 22 });
  await new Promise<void>((res) => sock.bind(0, CLIENT, () => res()));
  let lastReply = Date.now();
  sock.on('message', (m) => {
    lastReply = Date.now();
    judgeReply(t, m, 'udp');
  });
  const startRssMb = rssKb(pidOf(server), 'VmRSS') / 1024;
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let stoppedBy = 'count';
  let bursts = 0;
  while (t.sent < COUNT) {
    if (Date.now() > deadline) {
      stoppedBy = `time (${SECONDS} s)`;
      break;
    }
    if (server.exited) {
      stoppedBy = 'the server exiting';
      break;
    }
    const n = Math.min(BURST, COUNT - t.sent);
    const msgs = Array.from({ length: n }, () => mutate(base[r.int(base.length)]!, r, base[r.int(base.length)]!));
    const tcpMsgs = msgs.filter((_, i) => i % TCP_SHARE === 0);
    const udpMsgs = msgs.filter((_, i) => i % TCP_SHARE !== 0);
    for (const m of udpMsgs) sock.send(m, PORT, server.address);
    const conns: Promise<void>[] = [];
    for (let i = 0; i < tcpMsgs.length; i += 4) conns.push(tcpBurst(server.address, tcpMsgs.slice(i, i + 4), r, t));
    t.udp += udpMsgs.length;
    t.tcp += tcpMsgs.length;
    t.sent += n;
    await Promise.all(conns);
    // Until the replies stop (10 ms quiet, at most 500 ms): the server keeps up or drops, never a growing backlog.
    const burstEnd = Date.now();
    while (Date.now() - lastReply < 10 && Date.now() - burstEnd < 500) await sleep(2);
    if (++bursts % 50 === 0 && !server.exited && !(await alive(server.address, false))) t.hangs.push(`no UDP answer to a valid query after ${t.sent} messages`);
  }
  if (!server.exited) {
    await sleep(300);
    if (!(await alive(server.address, false))) t.hangs.push('no UDP answer to a valid query at the end');
    if (!(await alive(server.address, true))) t.hangs.push('no TCP answer to a valid query at the end');
  }
  sock.close();
  const seconds = (Date.now() - started) / 1000;
  return { ...t, seconds, startRssMb, endRssMb: rssKb(pidOf(server), 'VmRSS') / 1024, peakRssMb: rssKb(pidOf(server), 'VmHWM') / 1024, stoppedBy };
}

// ---- main ----

const dir = mkdtempSync(join(tmpdir(), 'dnslab-fuzz-'));
const zoneFile = join(dir, 'root.zone');
writeFileSync(zoneFile, ROOT_ZONE);
const servers: Server[] = [];
let failed = false;
try {
  servers.push(await start('auth', AUTH, ['auth', '--zone', `${zoneFile}:.`, '--listen', `${AUTH}:${PORT}`]));
  const only = args.only;
  if (!only || only === 'resolver')
    servers.push(await start('resolver', RESOLVER, ['resolver', '--listen', `${RESOLVER}:${PORT}`, '--root-hints', `${AUTH}:${PORT}`]));
  if (!only || only === 'middlebox') servers.push(await start('middlebox', BOX, ['middlebox', '--listen', `${BOX}:${PORT}`, '--upstream', `${AUTH}:${PORT}`]));
  const targets = only ? servers.filter((s) => s.name === only) : servers;
  console.log(`fuzz: ${COUNT} messages per server (1 in ${TCP_SHARE} over TCP), at most ${SECONDS} s each, seed ${args.seed}`);
  for (const s of targets) {
    const f = await fuzz(s, args.seed);
    const rcodes = Object.entries(f.byRcode)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const problems = [
      ...(s.exited ? [`CRASH: ${s.exited}`] : []),
      ...f.hangs.map((h) => `HANG: ${h}`),
      ...(f.malformed.length ? [`MALFORMED: ${f.malformed.length} replies, e.g. ${f.malformed.filter(Boolean).join(' | ')}`] : []),
      ...(f.peakRssMb > MAX_RSS_MB ? [`MEMORY: peak RSS ${f.peakRssMb.toFixed(0)} MB > ${MAX_RSS_MB} MB`] : []),
    ];
    if (problems.length) failed = true;
    console.log(
      `${s.name.padEnd(9)} ${f.sent} sent (udp ${f.udp}, tcp ${f.tcp} in ${f.tcpConnections} connections) in ${f.seconds.toFixed(1)} s = ${Math.round(f.sent / f.seconds)} msg/s, stopped by ${f.stoppedBy}\n` +
        `          replies ${f.replies} (${rcodes || 'none'}), silent ${Math.max(0, f.sent - f.replies)} (dropped or unanswerable; not counted as failures)\n` +
        `          RSS ${f.startRssMb.toFixed(0)} MB at start, ${f.endRssMb.toFixed(0)} MB at end, peak ${f.peakRssMb.toFixed(0)} MB\n` +
        `          ${problems.length ? problems.join('\n          ') : 'no crash, no hang, no malformed reply, memory within bound'}`,
    );
  }
} finally {
  for (const s of servers) if (!s.exited) s.child.kill('SIGTERM');
  await sleep(500);
  for (const s of servers) if (!s.exited) s.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
