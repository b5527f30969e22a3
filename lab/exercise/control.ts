// The control socket of a running exercise: a Unix socket in the working folder (DIR/.exercise.sock), so
// `dnslab exercise check --dir DIR` in another shell reaches the instance there. No network traffic. One JSON
// line each way: { "command": "check" } → { "output": "…", "code": 0 }.

import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import type { Reply } from './session.ts';

export const SOCKET_NAME = '.exercise.sock';

/** Another exercise answers on the folder's control socket. */
export class ExerciseBusyError extends Error {}

/** A Unix socket path is limited to about 107 bytes; a relative path keeps deep folders usable. */
function socketPath(dir: string): string {
  const full = join(resolve(dir), SOCKET_NAME);
  return full.length < 100 ? full : join(dir, SOCKET_NAME);
}

/** Listen for commands in `dir`; refuses when another exercise answers there. */
export async function listenControl(dir: string, run: (line: string) => Promise<Reply>): Promise<Server> {
  const path = socketPath(dir);
  if (existsSync(path)) {
    if (await answers(path)) throw new ExerciseBusyError(`an exercise is already running in ${dir} (stop it, or use another --dir)`);
    unlinkSync(path); // left behind by an exercise that was killed
  }
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) {
        if (buffer.length > 65536) socket.destroy(); // bounded: a command is one short line
        return;
      }
      let command = '';
      try {
        command = String((JSON.parse(buffer.slice(0, nl)) as { command?: unknown }).command ?? '');
      } catch {
        socket.end(JSON.stringify({ output: 'control socket: expected one JSON line { "command": "…" }', code: 2 }) + '\n');
        return;
      }
      void run(command).then((reply) => socket.end(JSON.stringify(reply) + '\n'));
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => ok());
  });
  return server;
}

function answers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/** Send one command to the exercise running in `dir`; undefined when none is running there. */
export function sendCommand(dir: string, command: string, timeoutMs = 120_000): Promise<Reply | undefined> {
  const path = socketPath(dir);
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((done, fail) => {
    const s = createConnection(path);
    let buffer = '';
    const timer = setTimeout(() => {
      s.destroy();
      fail(new Error(`the exercise in ${dir} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(JSON.stringify({ command }) + '\n'));
    s.on('data', (chunk: string) => (buffer += chunk));
    s.on('end', () => {
      clearTimeout(timer);
      try {
        done(JSON.parse(buffer) as Reply);
      } catch {
        fail(new Error(`the exercise in ${dir} sent an unreadable reply`));
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') done(undefined);
      else fail(e);
    });
  });
}
