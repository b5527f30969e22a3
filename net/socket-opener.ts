// Sockets that live in another network namespace, used from this process.
//
// A socket belongs to the namespace it was created in, whatever process later
// holds it. So a helper process started inside the other namespace
// (socket-helper.ts, e.g. under `ip netns exec`) creates and binds each socket
// there and hands the descriptor back over Node's IPC channel
// (child_process send() with a dgram.Socket or net.Server handle, SCM_RIGHTS
// underneath); the helper then closes its copy, so datagrams and connections
// reach only this process. SocketNetwork({ opener }) uses these sockets as its
// own: one process runs both sides of a link while each side's packets leave
// from its own namespace.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket as DgramSocket } from 'node:dgram';
import type { Server, Socket as NetSocket } from 'node:net';
import { join } from 'node:path';

/** Creates bound sockets somewhere else than this process's namespace. */
export interface SocketOpener {
  /** A UDP socket bound to address:port (port 0: any). */
  udp(type: 'udp4' | 'udp6', address: string, port: number): Promise<DgramSocket>;
  /** A TCP server listening on address:port. */
  tcpServer(address: string, port: number): Promise<Server>;
  /** A TCP connection from `localAddress` to address:port, connected there (a DNS client or resolver over TCP). */
  tcpConnect(address: string, port: number, localAddress: string): Promise<NetSocket>;
}

/** What the helper is asked (one line of IPC each). */
export interface OpenRequest {
  id: number;
  kind: 'udp4' | 'udp6' | 'tcp' | 'tcp-connect';
  address: string;
  port: number;
  /** tcp-connect: the address to connect from. */
  localAddress?: string;
}

/** The helper's answer: the handle rides along with it, or `error` (errno code) when it could not bind. */
export interface OpenReply {
  id: number;
  error?: string;
}

/** Node options the helper needs: tsx for the TypeScript source, none for the compiled package (dist/). */
export const SOCKET_HELPER_NODE_ARGS: readonly string[] = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
/** The helper's file, source or compiled like this one (run it with SOCKET_HELPER_NODE_ARGS). */
export const SOCKET_HELPER = join(import.meta.dirname, `socket-helper${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`);

/** Opens sockets through a helper process: `argv` starts it (e.g. ['ip', 'netns', 'exec', NS, node, …, SOCKET_HELPER]). */
export class HelperSocketOpener implements SocketOpener {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (h: unknown) => void; reject: (e: Error) => void }>();
  private exitError: Error | undefined;
  private output = '';

  constructor(argv: [string, ...string[]], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
    const keep = (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4096));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('message', (m: OpenReply, handle: unknown) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined || handle === undefined)
        p.reject(Object.assign(new Error(`bind in the other namespace failed: ${m.error ?? 'no handle'}`), { code: m.error }));
      else p.resolve(handle);
    });
    this.child.on('exit', (code, signal) => {
      this.exitError = new Error(`socket helper exited (${code ?? signal}): ${this.output.trim().slice(-1000)}`);
      for (const p of this.pending.values()) p.reject(this.exitError);
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private ask<T>(req: Omit<OpenRequest, 'id'>): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (h: unknown) => void, reject });
      this.child.send({ id, ...req } satisfies OpenRequest);
    });
  }

  udp(type: 'udp4' | 'udp6', address: string, port: number): Promise<DgramSocket> {
    return this.ask({ kind: type, address, port });
  }

  tcpServer(address: string, port: number): Promise<Server> {
    return this.ask({ kind: 'tcp', address, port });
  }

  tcpConnect(address: string, port: number, localAddress: string): Promise<NetSocket> {
    return this.ask({ kind: 'tcp-connect', address, port, localAddress });
  }

  /** Stop the helper (the sockets it handed over stay open here). */
  close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
