// The worker half of lab/runner/real.ts: runs INSIDE a dnslab-rr-* network
// namespace (started with `ip netns exec`), runs one scenario variant with a
// real resolver product, and writes the RunResult (plus what the switches
// became in the product's config) as JSON to the file it was given.
//
// argv[2]: JSON { file, variant, seed, product, waitMs?, clockRate?, out }

import { writeFileSync } from 'node:fs';
import { findScenario, planScenario } from './index.ts';
import { realEnvironment, withProfile, withProfileSwitches, type RealRunResult } from './real.ts';
import { runPlan } from './run.ts';
import { PROFILE_OF, type Product } from '../../servers/real/products.ts';

const req = JSON.parse(process.argv[2] ?? '{}') as { file: string; variant: string; seed: string; product: Product; waitMs?: number; clockRate?: number; out: string };
const loaded = await findScenario(req.file);
const plan = withProfile(withProfileSwitches(planScenario(loaded.scenario, loaded.file, req.variant)), PROFILE_OF[req.product]);
const { env, info, close } = realEnvironment(plan, req.product, {
  ...(req.waitMs !== undefined ? { waitMs: req.waitMs } : {}),
  ...(req.clockRate !== undefined ? { clockRate: req.clockRate } : {}),
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
