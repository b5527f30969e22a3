// The Docker path for real resolvers: the same products from Debian bookworm
// images (docker/<product>/Dockerfile) started with testcontainers 11.x, for
// hosts where the packages are not installed. Only loaded when asked for:
// testcontainers is imported dynamically and is not a dependency of dnslab
// (`npm install --no-save testcontainers@11` to use this path).
//
// The container gets the config generateConfig() writes (mounted at /lab) and
// joins an internal Docker network (Docker gives such a network no route out),
// the counterpart of the namespace without a route on the local path.

import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateConfig, type RealResolverConfig } from './products.ts';
import { RealSoftwareError } from './netns.ts';

export const DOCKER_SOCKET = '/var/run/docker.sock';

/** Is a Docker engine reachable? Connects to the socket with a short timeout; never hangs. */
export function dockerEngineReachable(socketPath = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : DOCKER_SOCKET, timeoutMs = 500): Promise<{ ok: boolean; reason: string }> {
  return new Promise((done) => {
    const s = connect({ path: socketPath });
    const t = setTimeout(() => finish(false, `no answer from ${socketPath} within ${timeoutMs} ms`), timeoutMs);
    const finish = (ok: boolean, reason: string) => {
      clearTimeout(t);
      s.destroy();
      done({ ok, reason });
    };
    s.once('connect', () => finish(true, `connected to ${socketPath}`));
    s.once('error', (e: NodeJS.ErrnoException) => finish(false, `no Docker engine: ${socketPath}: ${e.code ?? e.message}`));
  });
}

/** The parts of testcontainers 11 this adapter uses (it is an optional, dynamically imported module). */
interface StartedContainer {
  stop(): Promise<unknown>;
  getId(): string;
}
interface ContainerBuilder {
  withNetworkMode(mode: string): ContainerBuilder;
  withBindMounts(mounts: { source: string; target: string; mode?: 'ro' | 'rw' }[]): ContainerBuilder;
  withCommand(cmd: string[]): ContainerBuilder;
  withStartupTimeout(ms: number): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface TestcontainersModule {
  GenericContainer: {
    fromDockerfile(context: string): { build(image?: string, options?: { deleteOnExit?: boolean }): Promise<ContainerBuilder> };
  };
  Network: new (options?: { internal?: boolean }) => { start(): Promise<{ getName(): string; stop(): Promise<unknown> }> };
}

export async function loadTestcontainers(): Promise<TestcontainersModule> {
  const specifier = 'testcontainers';
  try {
    return (await import(specifier)) as TestcontainersModule;
  } catch {
    throw new RealSoftwareError('the Docker path needs testcontainers 11: npm install --no-save testcontainers@11');
  }
}

export interface DockerResolver {
  stop(): Promise<void>;
  containerId: string;
  network: string;
}

/**
 * Build the product's image and start it on a fresh internal network with the generated config. The lab's
 * servers must join the same network (e.g. `dnslab serve` in a container) — see servers/real/README.md.
 */
export async function startDockerResolver(cfg: Omit<RealResolverConfig, 'faketimeFile'>): Promise<DockerResolver> {
  const reach = await dockerEngineReachable();
  if (!reach.ok) throw new RealSoftwareError(reach.reason);
  const tc = await loadTestcontainers();
  const dir = mkdtempSync(join(tmpdir(), `dnslab-docker-${cfg.product}-`));
  // Inside the container the config lives at /lab; generate it for that path, write it here, mount it there.
  const gen = generateConfig(cfg, '/lab');
  for (const [name, text] of Object.entries(gen.files)) writeFileSync(join(dir, name), text);
  const network = await new tc.Network({ internal: true }).start();
  const image = await tc.GenericContainer.fromDockerfile(resolve(import.meta.dirname, '../../docker', cfg.product)).build(`dnslab-${cfg.product}:bookworm`, { deleteOnExit: false });
  const container = await image
    .withNetworkMode(network.getName())
    .withBindMounts([{ source: dir, target: '/lab', mode: 'rw' }])
    .withCommand([gen.command, ...gen.args])
    .withStartupTimeout(60_000)
    .start();
  return {
    containerId: container.getId(),
    network: network.getName(),
    stop: async () => {
      await container.stop();
      await network.stop();
    },
  };
}
