// The images dnslab runs in containers, built from this checkout on an engine that can pull nothing
// (every docker/*/Dockerfile builds FROM debian:bookworm-slim, which .ci/docker-up makes from the Debian
// mirror):
//   dnslab     dnslab itself: the packed package (production dependencies, plus tsx) and the host's node
//              binary (Debian 12's nodejs is 18), built from a staging dir (stageDnslabContext);
//   world      the Docker path's world: FROM the dnslab image, plus this checkout's sources and iproute2;
//   <product>  a real resolver from Debian 12's package (docker/<product>/Dockerfile).
// Builds go through testcontainers (an optional dependency), once per process; the engine's layer cache
// makes an unchanged rebuild cheap.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { RealSoftwareError } from '../../servers/real/netns.ts';
import type { Product } from '../../servers/real/products.ts';

export type ImageName = Product | 'world' | 'dnslab';
/** Image tags built from docker/<name>/Dockerfile. */
export const imageTag = (name: ImageName) => `dnslab-${name}:bookworm`;

// The package root: two levels up from the source tree, three from the built one (dist/lab/runner).
export const ROOT = ((r) => (basename(r) === 'dist' ? dirname(r) : r))(resolve(import.meta.dirname, '../..'));

/** The part of testcontainers' image builder used here. */
export interface ImageBuilder {
  GenericContainer: {
    fromDockerfile(context: string, dockerfile?: string): { build(image?: string, options?: { deleteOnExit?: boolean }): Promise<unknown> };
  };
}

function run(cmd: string, args: string[], cwd: string, what: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new RealSoftwareError(`${what} failed (${cmd} ${args.join(' ')}: ${r.status ?? r.signal}):\n${(r.stderr || r.stdout || '').slice(-2000)}`);
  return r.stdout;
}

/** Node ≥ 20.19, as package.json's engines: the binary copied into the image must run dnslab. */
export function nodeVersionOk(version = process.version): boolean {
  const [maj, min] = version.replace(/^v/, '').split('.').map(Number) as [number, number];
  return maj > 20 || (maj === 20 && min >= 19);
}

/**
 * Fill a staging dir for docker/dnslab/Dockerfile: `npm pack` of this checkout (its prepare script builds
 * dist/, so the image never holds a stale build), unpacked to package/ with its production dependencies
 * and tsx (user scenarios written in TypeScript, mounted into the container, need a loader) installed by
 * the host's npm, and the host's node binary as node. Returns the dir; the caller removes it.
 */
export function stageDnslabContext(root = ROOT): string {
  if (!nodeVersionOk()) throw new RealSoftwareError(`the dnslab image copies this host's node binary, which is ${process.version}; dnslab needs Node >= 20.19`);
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-image-'));
  try {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], root, 'npm pack')) as { filename: string }[];
    run('tar', ['-xzf', join(dir, packed[0]!.filename), '-C', dir], dir, 'unpacking the package');
    // tsx joins the staged package.json's dependencies (the published one stays without it); the dev and
    // optional lists go (tsx is a development dependency there, and testcontainers is of no use inside). Not
    // --omit=optional: esbuild, under tsx, has its platform binary as an optional dependency.
    const tsx = (JSON.parse(readFileSync(join(root, 'node_modules/tsx/package.json'), 'utf8')) as { version: string }).version;
    const pkgFile = join(dir, 'package', 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: unknown;
      optionalDependencies?: unknown;
    };
    pkg.dependencies = { ...pkg.dependencies, tsx };
    delete pkg.devDependencies;
    delete pkg.optionalDependencies;
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], join(dir, 'package'), 'installing the package dependencies');
    copyFileSync(process.execPath, join(dir, 'node'));
    copyFileSync(join(root, 'docker/dnslab/Dockerfile'), join(dir, 'Dockerfile'));
    return dir;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const built = new Map<ImageName, Promise<void>>();

/**
 * Build imageTag(name) once per process: dnslab from a staging dir, the world after dnslab (it builds FROM
 * it), the products from docker/<product>/Dockerfile with the repository root as context (.dockerignore).
 */
export function buildImage(tc: ImageBuilder, name: ImageName): Promise<void> {
  let p = built.get(name);
  if (!p) {
    p = (async () => {
      if (name === 'world') await buildImage(tc, 'dnslab');
      const staged = name === 'dnslab' ? stageDnslabContext() : undefined;
      try {
        const context = staged ?? ROOT;
        const dockerfile = staged ? 'Dockerfile' : `docker/${name}/Dockerfile`;
        if (!existsSync(join(context, dockerfile))) throw new RealSoftwareError(`${join(context, dockerfile)} is missing (the images build from a checkout)`);
        await tc.GenericContainer.fromDockerfile(context, dockerfile).build(imageTag(name), { deleteOnExit: false });
      } catch (e) {
        if (e instanceof RealSoftwareError) throw e;
        throw new RealSoftwareError(
          `building docker/${name}/Dockerfile failed (every image builds FROM debian:bookworm-slim, made by .ci/docker-up, and installs from the Debian mirror): ${(e as Error).message}`,
        );
      } finally {
        if (staged) rmSync(staged, { recursive: true, force: true });
      }
    })();
    built.set(name, p);
    p.catch(() => built.delete(name));
  }
  return p;
}
