// The worker half of lab/runner/real.ts: runs INSIDE a dnslab-rr-* network
// namespace (started with `ip netns exec`), runs one scenario variant with a
// real resolver product, and writes the RunResult (plus what the switches
// became in the product's config) as JSON to the file it was given.
//
// argv[2]: JSON { file, variant, seed, product, waitMs?, clockRate?, out, container? }
// With `container` (the shared dir), it runs in the world container of the Docker path (docker.ts)
// and starts the product in the product container through that dir.

import { writeFileSync } from 'node:fs';
import type { RealRunResult } from './real.ts';
import type { Product } from '../../servers/real/products.ts';

// Started by runReal (real.ts): what this run and its product write goes to the run's own dir, removed afterwards.
// Set here, after `--import tsx` took the usual TMPDIR for its compile cache (a fresh dir per cell would make every
// worker compile every module again), and before any module below runs.
if (process.env.DNSLAB_RUN_DIR) process.env.TMPDIR = process.env.DNSLAB_RUN_DIR;
const { findScenario, planScenario } = await import('./index.ts');
const { realEnvironment, withProfile, withProfileSwitches } = await import('./real.ts');
const { runPlan } = await import('./run.ts');
const { PROFILE_OF } = await import('../../servers/real/products.ts');
const { waitForLauncher } = await import('../../servers/real/container.ts');

const req = JSON.parse(process.argv[2] ?? '{}') as {
  file: string;
  variant: string;
  seed: string;
  product: Product;
  waitMs?: number;
  clockRate?: number;
  out: string;
  container?: string;
};
// Docker path: the product container joins this one's namespace only after it started; wait for its launcher.
if (req.container !== undefined) await waitForLauncher(req.container);
const loaded = await findScenario(req.file);
const plan = withProfile(withProfileSwitches(planScenario(loaded.scenario, loaded.file, req.variant)), PROFILE_OF[req.product]);
const { env, info, close } = realEnvironment(plan, req.product, {
  ...(req.waitMs !== undefined ? { waitMs: req.waitMs } : {}),
  ...(req.clockRate !== undefined ? { clockRate: req.clockRate } : {}),
  ...(req.container !== undefined ? { container: req.container } : {}),
});
// Stopped from outside: stop the product first (the parent also kills whatever is left in the namespace).
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void close().finally(() => process.exit(1));
  });
}
let result: RealRunResult;
try {
  result = await runPlan(plan, { seed: req.seed, environment: env });
} finally {
  await close();
}
result.real = info;
writeFileSync(req.out, JSON.stringify(result));
process.exit(0);
