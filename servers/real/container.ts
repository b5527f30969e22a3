// The product side of the Docker path (the run itself: lab/runner/docker.ts): a real resolver product in its
// product container (docker/<product>/Dockerfile), which shares the network namespace of the world container.
// Both mount one host temp dir at /lab. The world writes the product config there with the same
// generateConfig() as the local path (products.ts), the clock offset /lab/faketime that the product's
// libfaketime / timeshift shim reads on every call, and requests for the product container (launch/N.sh:
// start a product; control/K.sh: run a control tool, e.g. a cache flush), which LAUNCHER below runs there.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { RealSoftwareError } from './netns.ts';
import { flushCommands, LIBFAKETIME, timeEnvironment, type RealResolverConfig, type SwitchMapping, waitForDns, writeConfig } from './products.ts';

/** Where the shared run dir is mounted in both containers. */
export const CONTAINER_DIR = '/lab';
/** Where docker/bind and docker/knot install the timeshift shim (servers/real/timeshift.c). */
export const CONTAINER_TIMESHIFT = '/usr/local/lib/dnslab-timeshift.so';

/**
 * Runs in the product container: starts what the world asks for (launch/N.sh, in the background, once) and runs
 * control commands (control/K.sh, to the end; exit status in K.sh.rc). Requests are written as *.tmp and renamed,
 * so a half-written file is never run. Bounded: stops after MAX polls (50 ms each) or when /lab/done appears.
 */
export const LAUNCHER = (maxPolls: number) => `# dnslab product launcher (servers/real/container.ts)
cd ${CONTAINER_DIR}
: > ${CONTAINER_DIR}/launcher.ready
i=0
while [ $i -lt ${maxPolls} ] && [ ! -e ${CONTAINER_DIR}/done ]; do
  for f in ${CONTAINER_DIR}/launch/*.sh; do
    [ -e "$f" ] || continue
    [ -e "$f.started" ] && continue
    : > "$f.started"
    sh "$f" > "$f.log" 2>&1 &
  done
  for f in ${CONTAINER_DIR}/control/*.sh; do
    [ -e "$f" ] || continue
    [ -e "$f.rc" ] && continue
    sh "$f" > "$f.out" 2>&1
    echo $? > "$f.rc.tmp" && mv "$f.rc.tmp" "$f.rc"
  done
  sleep 0.05
  i=$((i+1))
done
`;

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Wait until the product container's launcher runs (it creates launcher.ready). The product container can only be
 * created after the world container exists, and with the vfs storage driver that copies the whole image (seconds
 * to tens of seconds on a loaded host): the worker waits here before building the world, so the lab clock starts
 * at T+0 with the product ready to start, as on the local path. Bounded: 2 min.
 */
export async function waitForLauncher(shared: string = CONTAINER_DIR, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(join(shared, 'launcher.ready'))) {
    if (Date.now() > deadline) throw new RealSoftwareError(`the product container's launcher did not start within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sleep without returning to the event loop (flushCache is synchronous: scenario actions are). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

let requestCounter = 0;

/**
 * A product running in the product container, driven from the world container through the shared dir. Same
 * surface as RealResolver (products.ts) for lab/runner/real.ts.
 */
export class ContainerProduct {
  private constructor(
    readonly config: RealResolverConfig,
    readonly dir: string,
    readonly mappings: SwitchMapping[],
    private readonly timeEnv: Record<string, string>,
    private readonly request: string,
  ) {}

  /** Write the config (generateConfig, as locally), ask the launcher to start it, wait until it answers. */
  static async start(cfg: RealResolverConfig, options: { shared?: string; startTimeoutMs?: number } = {}): Promise<ContainerProduct> {
    const shared = options.shared ?? CONTAINER_DIR;
    const dir = mkdtempSync(join(shared, `${cfg.product}-`));
    const gen = writeConfig(cfg, dir);
    // The images build the shim only for named and kresd (docker/<product>/Dockerfile): the Docker path runs at rate 1.
    const timeEnv = cfg.faketimeFile ? timeEnvironment(cfg.product, cfg.faketimeFile, (m) => (m === 'timeshift' ? CONTAINER_TIMESHIFT : LIBFAKETIME)) : {};
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, ...timeEnv };
    const id = `${requestCounter++}-${process.pid}`;
    // The product's own pid (kresd names its control socket after it), then its exit status if it dies.
    const script = [
      `cd ${shq(dir)}`,
      `env -i ${Object.entries(env)
        .map(([k, v]) => shq(`${k}=${v}`))
        .join(' ')} ${[gen.command, ...gen.args].map(shq).join(' ')} &`,
      `pid=$!`,
      `echo $pid > ${shq(join(dir, 'product.pid'))}`,
      `wait $pid`,
      `echo $? > ${shq(join(dir, 'product.exit'))}`,
      '',
    ].join('\n');
    mkdirSync(join(shared, 'launch'), { recursive: true });
    writeFileSync(join(shared, 'launch', `${id}.sh.tmp`), script);
    renameSync(join(shared, 'launch', `${id}.sh.tmp`), join(shared, 'launch', `${id}.sh`));
    const p = new ContainerProduct(cfg, dir, gen.mappings, timeEnv, join(shared, 'control'));
    // The launcher is running (waitForLauncher) and polls every 50 ms.
    const pickup = Date.now() + 10_000;
    try {
      while (!existsSync(join(dir, 'product.pid'))) {
        if (Date.now() > pickup) throw new RealSoftwareError('the product container did not pick up the start request within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const exitFile = join(dir, 'product.exit');
      await waitForDns(cfg.address, options.startTimeoutMs ?? 20_000, () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : undefined));
    } catch (e) {
      const log = existsSync(join(shared, 'launch', `${id}.sh.log`)) ? readFileSync(join(shared, 'launch', `${id}.sh.log`), 'utf8').slice(-3000) : '';
      throw new RealSoftwareError(`${cfg.product} did not come up on ${cfg.address} in its container: ${(e as Error).message}\n--- output ---\n${log}`);
    }
    return p;
  }

  /** The product's pid in its container (what kresd named its control socket after). */
  get pid(): number | undefined {
    const f = join(this.dir, 'product.pid');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  }

  /** Run a shell command in the product container and wait for it (bounded). */
  private runInProduct(command: string, timeoutMs = 10_000): { rc: number; output: string } {
    mkdirSync(this.request, { recursive: true });
    const base = join(this.request, `${requestCounter++}-${process.pid}.sh`);
    writeFileSync(`${base}.tmp`, command + '\n');
    renameSync(`${base}.tmp`, base);
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(`${base}.rc`)) {
      if (Date.now() > deadline) throw new RealSoftwareError(`no answer from the product container within ${timeoutMs} ms to: ${command}`);
      sleepSync(20);
    }
    const out = existsSync(`${base}.out`) ? readFileSync(`${base}.out`, 'utf8') : '';
    return { rc: Number(readFileSync(`${base}.rc`, 'utf8').trim()), output: out };
  }

  flushCache(name?: string): void {
    for (const c of flushCommands(this.config.product, this.dir, name, this.pid)) {
      if (c.in === 'lab') {
        // The control socket lives in the shared dir: reachable from here with the lab's node.
        const r = spawnSync(c.command, c.args, { encoding: 'utf8', timeout: 10_000 });
        if (r.status !== 0) throw new RealSoftwareError(`${c.command} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
        continue;
      }
      // Same clock as the product (rndc's messages carry a timestamp named checks against its own).
      const env = Object.entries(this.timeEnv)
        .map(([k, v]) => shq(`${k}=${v}`))
        .join(' ');
      const r = this.runInProduct(`env ${env} ${[c.command, ...c.args].map(shq).join(' ')}`);
      if (r.rc !== 0) throw new RealSoftwareError(`${c.command} ${c.args.join(' ')} failed in the product container (${r.rc}): ${r.output}`);
    }
  }

  /** SIGTERM, then SIGKILL after 3 s (the container is removed afterwards anyway). */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined || existsSync(join(this.dir, 'product.exit'))) return;
    this.runInProduct(
      `kill -TERM ${pid} 2>/dev/null; i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt 60 ]; do sleep 0.05; i=$((i+1)); done; kill -KILL ${pid} 2>/dev/null; exit 0`,
      10_000,
    );
  }
}
