// Process and network-namespace helpers for running real DNS software
// (Unbound, BIND, Knot Resolver, PowerDNS Recursor) next to dnslab servers.
//
// Safety (docs/ARCHITECTURE.md, "Safe by default"): a real recursive resolver iterates from the
// root hints it is given, so it only ever runs inside a network namespace of
// its own that has nothing but `lo` and no route at all: whatever it was told,
// a packet to a public address fails with ENETUNREACH. Everything started here
// runs in its own process group and is stopped by PID (group), and a namespace
// is deleted only after every process still inside it was killed.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Namespaces this module creates are named with this prefix (and only those are ever deleted here). */
export const NETNS_PREFIX = 'dnslab-rr-';

export class RealSoftwareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealSoftwareError';
  }
}

/** Fail with the Debian package to install when a binary is missing. */
export function requireBinary(binary: string, pkg: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${binary}`]);
  if (r.status !== 0) throw new RealSoftwareError(`${binary} not found: install the Debian package "${pkg}" (apt-get install -y ${pkg})`);
}

/** Run a short command; throw with its stderr when it fails. Bounded in time. */
export function runChecked(cmd: string, args: string[], timeoutMs = 20_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0)
    throw new RealSoftwareError(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim() || r.error?.message || ''}`);
  return r.stdout;
}

/** A network namespace with only `lo` (up) and no route out. */
export class NetworkNamespace {
  private deleted = false;

  private constructor(readonly name: string) {}

  /** Create `name` (must start with `prefix`), bring `lo` up, and check that there is no route at all. */
  static create(name: string, prefix = NETNS_PREFIX): NetworkNamespace {
    if (process.getuid?.() !== 0) throw new RealSoftwareError('running real resolvers needs root to create a network namespace (ip netns add)');
    requireBinary('ip', 'iproute2');
    if (!name.startsWith(prefix)) throw new RealSoftwareError(`namespace "${name}" must start with ${prefix}`);
    runChecked('ip', ['netns', 'add', name]);
    const ns = new NetworkNamespace(name);
    try {
      runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      const routes = ns.routes();
      if (routes !== '') throw new RealSoftwareError(`fresh namespace ${name} has routes, refusing to run resolvers in it:\n${routes}`);
    } catch (e) {
      ns.delete();
      throw e;
    }
    return ns;
  }

  /** Main-table routes, IPv4 and IPv6 (local addresses on lo live in the local table and do not count). */
  routes(): string {
    const v4 = runChecked('ip', ['-n', this.name, '-4', 'route', 'show']).trim();
    // A down/absent IPv6 stack has no main-table routes either.
    const v6 = runChecked('ip', ['-n', this.name, '-6', 'route', 'show']).trim();
    return [v4, v6].filter((s) => s !== '').join('\n');
  }

  /** Put an address on the namespace's lo (BIND only listens on addresses configured on an interface). */
  addAddress(address: string): void {
    addLoopbackAddress(address, this.name);
  }

  /** The argv prefix that runs a command inside this namespace. */
  exec(cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]];
  }

  /** PIDs of every process inside the namespace. */
  pids(): number[] {
    const r = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8', timeout: 10_000 });
    return (r.stdout ?? '')
      .split(/\s+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number);
  }

  /** Kill whatever is left inside (these are processes we started in it), then delete the namespace. */
  delete(): number[] {
    if (this.deleted) return [];
    const leftover = this.pids();
    for (const pid of leftover) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['netns', 'del', this.name], { timeout: 10_000 });
    this.deleted = true;
    return leftover;
  }
}

/** Add an address to `lo` (inside `netns`, or in the namespace this process runs in). */
export function addLoopbackAddress(address: string, netns?: string): void {
  const prefix = address.includes(':') ? 128 : 32;
  const args = [...(netns ? ['-n', netns] : []), 'addr', 'add', `${address}/${prefix}`, 'dev', 'lo'];
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 && !/File exists|already assigned/.test(r.stderr ?? '')) throw new RealSoftwareError(`ip ${args.join(' ')} failed: ${r.stderr}`);
}

/**
 * Set the MTU of `lo` in the namespace this process runs in (Linux lo defaults to 65536). With 1500, the
 * kernel really fragments a larger UDP datagram and TCP uses an MSS of 1460, as on Ethernet.
 */
export function setLoopbackMtu(mtu: number): void {
  runChecked('ip', ['link', 'set', 'dev', 'lo', 'mtu', String(mtu)]);
}

/** The name of the namespace a process is in (`ip netns identify`), or undefined in the host namespace. */
export function namespaceOf(pid: number = process.pid): string | undefined {
  const r = spawnSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8', timeout: 10_000 });
  const name = (r.stdout ?? '').trim();
  return name === '' ? undefined : name;
}

/**
 * Refuse to go on unless this process runs inside a dnslab namespace with no route: the precondition for
 * binding non-loopback lab addresses and letting a real resolver iterate.
 */
export function assertIsolated(prefix = NETNS_PREFIX): string {
  const ns = namespaceOf();
  if (!ns?.startsWith(prefix))
    throw new RealSoftwareError(`not inside a ${prefix}* network namespace (in ${ns ?? 'the host namespace'}); real resolvers only run isolated`);
  const v4 = runChecked('ip', ['-4', 'route', 'show']).trim();
  const v6 = runChecked('ip', ['-6', 'route', 'show']).trim();
  if (v4 !== '' || v6 !== '') throw new RealSoftwareError(`namespace ${ns} has routes; refusing:\n${v4}\n${v6}`);
  return ns;
}

/** A child process in its own process group, stopped as a group. */
export class ManagedProcess {
  readonly child: ChildProcess;
  private output = '';

  constructor(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const keep = (d: Buffer) => {
      // Keep the last 64 KiB for error messages.
      this.output = (this.output + d.toString()).slice(-65536);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** What it printed so far (stdout and stderr, last 64 KiB). */
  get log(): string {
    return this.output;
  }

  /** Resolves when `text` appears in the output; rejects at the deadline or when the process exits first. */
  waitForOutput(text: string | RegExp, ms: number): Promise<void> {
    return new Promise((resolveP, reject) => {
      const found = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
      if (found()) return resolveP();
      const onData = () => {
        if (found()) done(undefined);
      };
      const onExit = (code: number | null) => done(new RealSoftwareError(`exited (${code}) before printing "${String(text)}": ${this.output.slice(-2000)}`));
      const t = setTimeout(() => done(new RealSoftwareError(`no "${String(text)}" within ${ms} ms; output so far: ${this.output.slice(-2000)}`)), ms);
      const done = (e: Error | undefined) => {
        clearTimeout(t);
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        this.child.off('exit', onExit);
        if (e) reject(e);
        else resolveP();
      };
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
      this.child.once('exit', onExit);
    });
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when the leader exited. */
  async stop(graceMs = 3000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        try {
          process.kill(pid, sig);
        } catch {
          // gone
        }
      }
    };
    if (this.exited) {
      signalGroup('SIGKILL'); // stragglers in the group
      return;
    }
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    signalGroup('SIGTERM');
    const t = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
    signalGroup('SIGKILL');
  }
}

/** PIDs of running processes whose executable name is one of `names` (for leak checks). */
export function pidsByName(names: string[]): { pid: number; name: string }[] {
  const r = spawnSync('ps', ['-eo', 'pid=,comm='], { encoding: 'utf8', timeout: 10_000 });
  const out: { pid: number; name: string }[] = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m && names.includes(m[2]!)) out.push({ pid: Number(m[1]), name: m[2]! });
  }
  return out;
}
