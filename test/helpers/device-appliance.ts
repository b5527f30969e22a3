// Reference appliances for the --device resolver/forwarder tests, built by the
// test and not by dnslab: the reference router's namespace (device-router.ts,
// no nftables rules) with a real Unbound or dnsmasq started in it, configured
// from the text `dnslab … --print-config` printed plus only what the process
// itself needs to run here (no chroot, no user switch, where to put its pid
// file) — the parts an appliance has built in.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ManagedProcess } from '../../servers/real/netns.ts';
import { INSIDE_GATEWAY, ReferenceRouter } from './device-router.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** `dnslab ARGS` from the repository root as a child process, killed after `timeoutMs`. */
export function dnslabCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/dnslab.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((r) => child.once('close', (code) => (clearTimeout(t), r({ code, stdout, stderr }))));
}

export class Appliance {
  readonly router = new ReferenceRouter(undefined);
  private process: ManagedProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'dnslab-appliance-'));

  /** Start `product` with the printed config; resolves once it listens on the inside address. */
  async start(product: 'unbound' | 'dnsmasq', printed: string): Promise<void> {
    let argv: string[];
    if (product === 'unbound') {
      const conf = join(this.dir, 'unbound.conf');
      const housekeeping = [
        'server:',
        '  username: ""',
        '  chroot: ""',
        `  directory: "${this.dir}"`,
        `  pidfile: "${join(this.dir, 'pid')}"`,
        '  use-syslog: no',
        '  verbosity: 1',
      ];
      writeFileSync(conf, `${housekeeping.join('\n')}\n${printed}`);
      argv = ['unbound', '-d', '-c', conf];
    } else {
      const conf = join(this.dir, 'dnsmasq.conf');
      writeFileSync(conf, `${printed}\nuser=root\npid-file=${join(this.dir, 'pid')}\nlog-queries\nlog-facility=-\n`);
      argv = ['dnsmasq', '-k', '-C', conf];
    }
    this.process = new ManagedProcess('ip', ['netns', 'exec', this.router.ns, ...argv], { cwd: this.dir, env: process.env });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const ss = spawnSync('ip', ['netns', 'exec', this.router.ns, 'ss', '-lnu'], { encoding: 'utf8' }).stdout ?? '';
      if (ss.includes(`${INSIDE_GATEWAY}:53`)) return;
      if (this.process.exited) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${product} did not come up:\n${this.process.log.slice(-2000)}`);
  }

  get log(): string {
    return this.process?.log ?? '';
  }

  async stop(): Promise<void> {
    await this.process?.stop(2000);
    this.process = undefined;
  }

  async delete(): Promise<void> {
    await this.stop();
    this.router.delete();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
