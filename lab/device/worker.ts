// The worker half of lab/device/run.ts: runs INSIDE the "inside" namespace
// (started with `ip netns exec`), with the authoritative side's sockets made in
// the "outside" namespace (environment.ts), and writes its result as JSON to
// the file it was given.
//
// argv[2]: JSON WorkerRequest.

import { writeFileSync } from 'node:fs';
import { RealClock } from '../../net/clock.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { openerIn } from './environment.ts';
import type { WorkerRequest } from './worker-request.ts';

const req = JSON.parse(process.argv[2] ?? '{}') as WorkerRequest;
// The helper starts first: its Node start-up overlaps with loading the lab's modules below.
const opener = openerIn(req.outsideNs);
let stop: () => Promise<void> = () => opener.close();
// Stopped from outside: close what we opened (the parent also kills whatever is left in the namespaces).
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().finally(() => process.exit(1)));

if (req.kind === 'run') {
  const { findScenario, planScenario } = await import('../runner/index.ts');
  const { runPlan } = await import('../runner/run.ts');
  const { deviceEnvironment, outsideMachines } = await import('./environment.ts');
  const { withoutBoxes } = await import('./plan.ts');
  const loaded = await findScenario(req.file);
  const full = planScenario(loaded.scenario, loaded.file, req.variant);
  const plan = withoutBoxes(full).plan;
  const { env, close } = deviceEnvironment(plan, { opener, timeScale: req.timeScale, outside: outsideMachines(full) });
  stop = close;
  try {
    const result = await runPlan(plan, { seed: req.seed, environment: env });
    writeFileSync(req.out, JSON.stringify(result));
  } finally {
    await close();
  }
} else {
  const { ProbeAuthority, runProbe } = await import('../probe/index.ts');
  const clock = new RealClock();
  const outside = new SocketNetwork({ addresses: [req.authority.address], clock, allowExternal: true, opener });
  const inside = new SocketNetwork({ addresses: [req.client], clock, allowExternal: true });
  const authority = new ProbeAuthority(outside, req.authority);
  try {
    await authority.start();
    // The device routes (or bridges) the client's queries to the authority itself: --through is the authority.
    const report = await runProbe({ network: inside, through: req.authority, authority, clientAddress: req.client, mode: 'auth-path', ...req.options });
    writeFileSync(req.out, JSON.stringify(report));
  } finally {
    await authority.stop();
    await opener.close();
  }
}
process.exit(0);
