// A small DNS client for tests and benches: our codec over node:dgram / node:net,
// bounded by a timeout, loopback only.
import dgram from 'node:dgram';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMessage, encodeMessage } from '../../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../../dns/wire/tcp.ts';
import type { Message } from '../../../dns/types.ts';

export interface Reply {
  bytes: Buffer;
  message: Message | undefined;
  error?: string;
}

export function udpExchange(address: string, port: number, query: Message | Buffer, timeoutMs = 2000): Promise<Reply | 'timeout'> {
  const raw = Buffer.isBuffer(query) ? query : encodeMessage(query);
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve('timeout');
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(decodeReply(msg));
    });
    sock.send(raw, port, address);
  });
}

export function tcpExchange(address: string, port: number, queries: Array<Message | Buffer>, timeoutMs = 3000): Promise<Reply[] | 'timeout'> {
  return new Promise((resolve) => {
    const replies: Reply[] = [];
    const reader = new TcpFrameReader();
    const sock = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('timeout');
    }, timeoutMs);
    sock.on('connect', () => {
      // Pipelined: all queries in one write (RFC 7766 §6.2.1.1).
      sock.write(Buffer.concat(queries.map((q) => frameTcp(Buffer.isBuffer(q) ? q : encodeMessage(q)))));
    });
    sock.on('data', (chunk) => {
      for (const f of reader.push(chunk)) replies.push(decodeReply(f));
      if (replies.length >= queries.length) {
        clearTimeout(timer);
        sock.end();
        resolve(replies);
      }
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve('timeout');
    });
  });
}

function decodeReply(bytes: Buffer): Reply {
  try {
    return { bytes, message: decodeMessage(bytes) };
  } catch (e) {
    return { bytes, message: undefined, error: String(e) };
  }
}

export function requireBinary(name: string, debianPackage: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${name}`]);
  if (r.status !== 0) throw new Error(`${name} is not installed: apt-get install ${debianPackage}`);
}

export async function waitUntilAnswers(address: string, port: number, probe: Message, limitMs = 8000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const r = await udpExchange(address, port, probe, 300);
    if (r !== 'timeout') return;
  }
  throw new Error(`server at ${address}:${port} did not answer within ${limitMs} ms`);
}

/** Start NSD in the foreground on address@port serving `zones` (origin → file). */
export function startNsd(
  address: string,
  port: number,
  zones: Array<{ origin: string; file: string }>,
  extraServerLines: string[] = [],
): { child: ChildProcess; dir: string } {
  requireBinary('nsd', 'nsd');
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-nsd-'));
  const conf = [
    'server:',
    `  ip-address: ${address}@${port}`,
    '  username: ""',
    '  chroot: ""',
    '  database: ""',
    `  zonelistfile: "${dir}/zone.list"`,
    `  xfrdfile: "${dir}/xfrd.state"`,
    `  pidfile: "${dir}/nsd.pid"`,
    `  logfile: "${dir}/nsd.log"`,
    '  server-count: 1',
    '  verbosity: 1',
    ...extraServerLines.map((l) => `  ${l}`),
    'remote-control:',
    '  control-enable: no',
    ...zones.flatMap((z) => ['zone:', `  name: "${z.origin}"`, `  zonefile: "${z.file}"`]),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'nsd.conf'), conf);
  const child = spawn('nsd', ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  return { child, dir };
}

export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
