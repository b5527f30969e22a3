// `--workers N` for the serving commands (auth, resolver, middlebox): N processes of node:cluster running the same
// command line. Node 20's dgram has no reusePort (it came in 22.12 / 23.1), so the workers share the primary's
// socket instead (cluster's SharedHandle for UDP: one socket, every worker reads it, the kernel hands each datagram
// to one of them); TCP connections are dealt out round-robin by the primary. Each worker keeps its own state
// (zones, caches): nothing is shared between processes.

import cluster, { type Worker } from 'node:cluster';
import { Writable } from 'node:stream';
import { formatEndpoint, type Endpoint } from '../../net/network.ts';
import { integerOption, UsageError, type CliIO } from './command.ts';

/** How long stopped workers get to exit before they are killed. */
const STOP_GRACE_MS = 5000;
const BANNER_END = 'Ctrl-C to stop';

/** Running as one of the workers of `--workers N`. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/**
 * A worker's stdout goes to the primary (which prints the first worker's once, when all listen); its stderr is
 * the terminal's, shared by all.
 */
export function workerStdout(): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      process.send?.({ type: 'stdout', text: String(chunk) });
      done();
    },
  });
}

interface StdoutMessage {
  type: 'stdout';
  text: string;
}
function isStdoutMessage(m: unknown): m is StdoutMessage {
  return typeof m === 'object' && m !== null && (m as StdoutMessage).type === 'stdout' && typeof (m as StdoutMessage).text === 'string';
}

/**
 * In the primary: fork `count` workers with this process's command line, print the first worker's banner (with the
 * worker count) once every worker has printed one, and on Ctrl-C/SIGTERM stop them all (SIGTERM, SIGKILL after
 * STOP_GRACE_MS). A worker that exits before that stops the others: exit status 2 with its reason on stderr.
 */
export async function superviseWorkers(count: number, io: CliIO): Promise<number> {
  const workers: Worker[] = [];
  const texts = new Map<Worker, string>();
  let stopping = false;
  let failure: string | undefined;
  let settle: () => void = () => undefined;
  const allReadyOrFailed = new Promise<void>((resolve) => (settle = resolve));
  const exited = new Map<Worker, Promise<void>>();

  for (let i = 0; i < count; i++) {
    const worker = cluster.fork();
    workers.push(worker);
    texts.set(worker, '');
    exited.set(worker, new Promise<void>((resolve) => worker.once('exit', () => resolve())));
    worker.on('message', (m: unknown) => {
      if (!isStdoutMessage(m)) return;
      texts.set(worker, texts.get(worker)! + m.text);
      if (workers.length === count && workers.every((w) => texts.get(w)!.includes(BANNER_END))) settle();
    });
    worker.once('exit', (code, signal) => {
      if (stopping) return;
      failure ??= `worker ${i + 1} of ${count} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}) before it was stopped`;
      settle();
    });
  }
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(exited.values());
    clearTimeout(timer);
  };

  const interrupted = io.waitForInterrupt().then(() => 'interrupt' as const);
  const first = await Promise.race([allReadyOrFailed.then(() => 'settled' as const), interrupted]);
  if (first === 'settled' && failure === undefined) {
    const banner = texts.get(workers[0]!)!;
    io.stdout.write(banner.replace(BANNER_END, `${count} workers; ${BANNER_END}`));
    const next = await Promise.race([interrupted, new Promise<'failed'>((resolve) => (settle = () => resolve('failed')))]);
    if (next === 'failed') {
      await stopAll();
      io.stderr.write(`${failure}; stopped the others\n`);
      return 2;
    }
  }
  await stopAll();
  if (failure !== undefined && first === 'settled') {
    io.stderr.write(`${failure}; stopped the others\n`);
    return 2;
  }
  io.stdout.write('stopped\n');
  return 0;
}

/** `--workers N` checked: 1–64, and every listening port given (port 0 would give each worker a port of its own). */
export function workerCount(text: string | undefined, listen: readonly Endpoint[]): number {
  if (text === undefined) return 1;
  const n = integerOption(text, '--workers', 1, 64);
  const zero = listen.find((e) => e.port === 0);
  if (n > 1 && zero) throw new UsageError(`--workers ${n} needs a fixed port in --listen, not ${formatEndpoint(zero)}: the workers share one socket`);
  return n;
}
