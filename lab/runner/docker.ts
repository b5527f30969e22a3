// The Docker path for real resolvers: the same products from Debian bookworm
// images (docker/<product>/Dockerfile), for hosts where the packages are not
// installed. `dnslab run ID --resolver docker:unbound,docker:bind` (matrix.ts).
// testcontainers 11 is an optional dependency, imported dynamically; the images: images.ts.
//
// Shape of one run (the counterpart of runReal's namespace + worker, real.ts):
//   - an internal user-defined Docker network (meant to have no route out; see isolateContainer for why the
//     world still deletes its gateway route);
//   - the world container (docker/world/Dockerfile) on that network runs the same worker as the local
//     path (lab/runner/real-worker.ts). With NET_ADMIN it deletes any gateway route Docker gave it
//     (isolateContainer), refuses to run if one is left, and puts every scenario address on its own lo,
//     like the worker does in its namespace;
//   - the product container joins the world container's network namespace (`--network container:<world>`),
//     so the product listens on and sends from the scenario resolver's address and reaches every lab server
//     on lo, exactly as on the local path. One address per container per Docker network could not hold the
//     dozens of scenario addresses (10.53.0.1, 192.0.2.x, 198.51.100.x, IPv6…), and the authoritatives'
//     traces must name the resolver by its scenario address;
//   - both mount one host temp dir at /lab, through which the worker starts and controls the product
//     (servers/real/container.ts: ContainerProduct; LAUNCHER runs the requests in the product container);
//   - afterwards (also on failure, timeout and SIGINT/SIGTERM) both containers and the network are removed.

import { connect } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { RealSoftwareError, runChecked } from '../../servers/real/netns.ts';
import { CONTAINER_DIR, LAUNCHER } from '../../servers/real/container.ts';
import { type Product, VERSION_COMMAND, versionLine } from '../../servers/real/products.ts';
import { buildImage, imageTag, ROOT } from './images.ts';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export { imageTag } from './images.ts';
/** Label on every container and network a run creates (value: the run id), to find leftovers. */
export const RUN_LABEL = 'org.dnslab.run';

/** Where the engine listens, from DOCKER_HOST (unix:// or tcp://) or the default socket. */
function engineEndpoint(): { path: string } | { host: string; port: number } {
  const h = process.env.DOCKER_HOST;
  if (h?.startsWith('unix://')) return { path: h.slice(7) };
  const m = h ? /^tcp:\/\/([^:/]+):(\d+)/.exec(h) : null;
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return { path: DOCKER_SOCKET };
}

/**
 * Is a Docker engine reachable and answering? Sends `GET /_ping` and waits for "OK", with a short timeout
 * (a socket file left by a dead daemon refuses, a hung daemon times out); never hangs.
 */
export function dockerEngineReachable(socketPath?: string, timeoutMs = 500): Promise<{ ok: boolean; reason: string }> {
  const ep = socketPath !== undefined ? { path: socketPath } : engineEndpoint();
  const where = 'path' in ep ? ep.path : `${ep.host}:${ep.port}`;
  return new Promise((done) => {
    const s = 'path' in ep ? connect({ path: ep.path }) : connect({ host: ep.host, port: ep.port });
    let reply = '';
    const t = setTimeout(() => finish(false, `no Docker engine: no answer from ${where} within ${timeoutMs} ms`), timeoutMs);
    const finish = (ok: boolean, reason: string) => {
      clearTimeout(t);
      s.destroy();
      done({ ok, reason });
    };
    s.once('connect', () => s.write('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n'));
    s.on('data', (d) => {
      reply += d.toString();
      if (/\r\n\r\nOK/.test(reply)) finish(true, `Docker engine answers on ${where}`);
    });
    s.once('end', () => finish(false, `no Docker engine: ${where} closed without answering /_ping`));
    s.once('error', (e: NodeJS.ErrnoException) => finish(false, `no Docker engine: ${where}: ${e.code ?? e.message}`));
  });
}

// --- testcontainers: the parts this adapter uses (an optional, dynamically imported module) ---

interface ExecResult {
  output: string;
  exitCode: number;
}
interface StartedContainer {
  stop(options?: { timeout?: number; remove?: boolean }): Promise<unknown>;
  getId(): string;
  exec(command: string[]): Promise<ExecResult>;
}
interface ContainerBuilder {
  withNetworkMode(mode: string): ContainerBuilder;
  withBindMounts(mounts: { source: string; target: string; mode?: 'ro' | 'rw' }[]): ContainerBuilder;
  withCommand(cmd: string[]): ContainerBuilder;
  withEnvironment(env: Record<string, string>): ContainerBuilder;
  withAddedCapabilities(...caps: string[]): ContainerBuilder;
  withLabels(labels: Record<string, string>): ContainerBuilder;
  withStartupTimeout(ms: number): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface DockerodeContainer {
  inspect(): Promise<{ State: { Running: boolean; ExitCode: number } }>;
  logs(o: { stdout: boolean; stderr: boolean; tail: number }): Promise<Buffer>;
  remove(o: { force: boolean }): Promise<unknown>;
}
interface DockerodeNetwork {
  id: string;
  remove(): Promise<unknown>;
}
interface RuntimeClient {
  container: {
    getById(id: string): DockerodeContainer;
    dockerode: {
      listContainers(o: { all: boolean; filters: string }): Promise<{ Id: string }[]>;
      listNetworks(o: { filters: string }): Promise<{ Id: string; Name: string }[]>;
      getNetwork(id: string): DockerodeNetwork;
    };
  };
  network: { create(o: Record<string, unknown>): Promise<DockerodeNetwork> };
}
interface TestcontainersModule {
  GenericContainer: (new (image: string) => ContainerBuilder) & {
    fromDockerfile(context: string, dockerfile?: string): { build(image?: string, options?: { deleteOnExit?: boolean }): Promise<ContainerBuilder> };
  };
  getContainerRuntimeClient(): Promise<RuntimeClient>;
}

export async function loadTestcontainers(): Promise<TestcontainersModule> {
  const specifier = 'testcontainers';
  // Its reaper (Ryuk) is an image pulled from Docker Hub, which an engine here cannot reach; runInDocker
  // removes what it created by label itself, also on failure and on SIGINT/SIGTERM.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  try {
    return (await import(specifier)) as TestcontainersModule;
  } catch {
    throw new RealSoftwareError('the Docker path needs testcontainers 11, an optional dependency: npm install (without --omit=optional)');
  }
}

/**
 * Make this container's network a dead end and prove it: delete every gateway route (default or via), then
 * refuse to go on unless only on-link routes are left (the internal network's own subnet), IPv4 and IPv6. The
 * Docker-path counterpart of assertIsolated() (servers/real/netns.ts), which needs a dnslab-rr-* namespace with no route.
 * Why delete: Docker 20.10 (Debian 12's docker.io) still gives a container on an `--internal` network a default
 * route via the bridge and relies on iptables rules to drop what it forwards; with `--iptables=false`, or a host
 * that forwards, that route leads out. Measured: `docker network create --internal n; docker run --network n …
 * ip route` → `default via 172.17.0.1 dev eth0`. Needs NET_ADMIN (which the world has for its lo addresses).
 */
export function isolateContainer(): string {
  if (!existsSync('/.dockerenv'))
    throw new RealSoftwareError('not inside a Docker container (/.dockerenv missing); the Docker path runs the world only in its container');
  const routes = () =>
    [runChecked('ip', ['-4', 'route', 'show']), runChecked('ip', ['-6', 'route', 'show'])]
      .join('\n')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  // A route with a gateway (default or via) leads off the link; on-link routes reach only the internal bridge.
  const gateway = (l: string) => l.startsWith('default') || / via /.test(l);
  for (const l of routes().filter(gateway)) {
    const v6 = l.includes(':');
    spawnSync('ip', [...(v6 ? ['-6'] : ['-4']), 'route', 'del', ...l.split(/\s+/)], { timeout: 10_000 });
  }
  const left = routes();
  const bad = left.filter(gateway);
  if (bad.length) throw new RealSoftwareError(`this container still has a route out; refusing to run real resolvers:\n${bad.join('\n')}`);
  return left.join('; ') || '(no routes)';
}

/** What runInDocker gives back: the worker's JSON result and the product's version line. */
export interface DockerRun {
  resultJson: string;
  version: string;
  /** Containers and networks of this run still present after cleanup (should be 0). */
  leftover: number;
}

let runCounter = 0;

/**
 * One scenario variant against `product` on the Docker path: build the images, create the internal network,
 * start the world and product containers, wait for the worker's result, and remove everything — also when
 * anything fails, on timeout and on SIGINT/SIGTERM (then the process dies of the same signal).
 */
export async function runInDocker(req: {
  file: string;
  variant: string;
  seed: string;
  product: Product;
  waitMs?: number;
  timeoutMs?: number;
}): Promise<DockerRun> {
  const reach = await dockerEngineReachable();
  if (!reach.ok) throw new RealSoftwareError(`${reach.reason} (the docker:* resolvers need a Docker engine; see servers/real/README.md "Docker path")`);
  const rel = relative(ROOT, resolve(req.file));
  if (rel.startsWith('..')) throw new RealSoftwareError(`${req.file}: the Docker path runs scenarios from this checkout only (the world image holds ${ROOT})`);
  const tc = await loadTestcontainers();
  await buildImage(tc, 'world');
  await buildImage(tc, req.product);
  const client = await tc.getContainerRuntimeClient();
  const runId = `dnslab-rr-${process.pid}-${runCounter++}`;
  const shared = mkdtempSync(join(tmpdir(), 'dnslab-docker-'));
  const timeoutMs = req.timeoutMs ?? 600_000;
  writeFileSync(join(shared, 'launcher.sh'), LAUNCHER(Math.ceil(timeoutMs / 50) + 100));
  mkdirSync(join(shared, 'tmp'));
  let network: DockerodeNetwork | undefined;
  const containers: StartedContainer[] = [];
  let cleaned: Promise<number> | undefined;
  const cleanup = (): Promise<number> =>
    (cleaned ??= (async () => {
      writeFileSync(join(shared, 'done'), '');
      // By label, not only the containers we hold: one may have been created while we were interrupted.
      const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
      const ids = new Set([
        ...containers.map((c) => c.getId()),
        ...(await client.container.dockerode.listContainers({ all: true, filters }).catch(() => [])).map((c) => c.Id),
      ]);
      for (const id of ids)
        await client.container
          .getById(id)
          .remove({ force: true })
          .catch(() => undefined);
      for (const n of await client.container.dockerode.listNetworks({ filters }).catch(() => []))
        await client.container.dockerode
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
      if (network) await network.remove().catch(() => undefined);
      rmSync(shared, { recursive: true, force: true });
      // Anything of this run still there?
      const left = [
        ...(await client.container.dockerode.listContainers({ all: true, filters }).catch(() => [])),
        ...(await client.container.dockerode.listNetworks({ filters }).catch(() => [])),
      ];
      return left.length;
    })());
  const onSignal = (sig: NodeJS.Signals) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    void cleanup().finally(() => process.kill(process.pid, sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const labels = { [RUN_LABEL]: runId };
    // Internal: the engine keeps it off the outside (with its iptables rules); isolateContainer() in the world
    // makes sure of it without them.
    network = await client.network.create({
      Name: runId,
      Driver: 'bridge',
      Internal: true,
      CheckDuplicate: true,
      Attachable: false,
      Ingress: false,
      EnableIPv6: false,
      Labels: labels,
    });
    const workerReq = {
      file: rel,
      variant: req.variant,
      seed: req.seed,
      product: req.product,
      ...(req.waitMs !== undefined ? { waitMs: req.waitMs } : {}),
      out: `${CONTAINER_DIR}/result.json`,
      container: CONTAINER_DIR,
    };
    const mount = [{ source: shared, target: CONTAINER_DIR, mode: 'rw' as const }];
    const world = await new tc.GenericContainer(imageTag('world'))
      .withNetworkMode(runId)
      .withAddedCapabilities('NET_ADMIN')
      .withBindMounts(mount)
      .withEnvironment({ TMPDIR: `${CONTAINER_DIR}/tmp` })
      .withLabels(labels)
      .withCommand(['node', '--import', 'tsx', 'lab/runner/real-worker.ts', JSON.stringify(workerReq)])
      .withStartupTimeout(60_000)
      .start();
    containers.push(world);
    const worldRef = client.container.getById(world.getId());
    const worldFailure = async (what: string) => {
      const logs = demuxLogs(await worldRef.logs({ stdout: true, stderr: true, tail: 60 }));
      return new RealSoftwareError(`world container for ${req.product} ${what} (exit ${(await worldRef.inspect()).State.ExitCode}):\n${logs.slice(-3000)}`);
    };
    let product: StartedContainer;
    try {
      product = await new tc.GenericContainer(imageTag(req.product))
        .withNetworkMode(`container:${world.getId()}`)
        .withBindMounts(mount)
        .withLabels(labels)
        .withCommand(['sh', `${CONTAINER_DIR}/launcher.sh`])
        .withStartupTimeout(60_000)
        .start();
    } catch (e) {
      // The usual cause: the worker failed at once, and a stopped container has no namespace to join.
      if (!(await worldRef.inspect()).State.Running) throw await worldFailure('exited before the product could join it');
      throw e;
    }
    containers.push(product);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const st = await worldRef.inspect();
      if (!st.State.Running) break;
      if (Date.now() > deadline)
        throw new RealSoftwareError(`${req.product} run of ${req.file} [${req.variant}] in Docker took longer than ${timeoutMs} ms; stopped`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const out = join(shared, 'result.json');
    if (!existsSync(out)) throw await worldFailure('produced no result');
    const resultJson = readFileSync(out, 'utf8');
    const v = await product.exec(VERSION_COMMAND[req.product]);
    const version = versionLine(v.output) ?? '(unknown)';
    const leftover = await cleanup();
    return { resultJson, version: `${version} (${imageTag(req.product)})`, leftover };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/**
 * A non-TTY container's log as text: the engine frames each chunk with 8 bytes (stream type, 3 zero bytes, payload
 * length big-endian; Docker Engine API, "Attach to a container", stream format).
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && buf[i]! <= 2 && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const n = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + n));
    i += 8 + n;
  }
  // Not framed (a TTY container) or trailing bytes: keep them as they are.
  if (i < buf.length) parts.push(buf.subarray(i));
  return Buffer.concat(parts).toString('utf8');
}
