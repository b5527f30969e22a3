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
import type { ServeReady, WorkerRequest } from './worker-request.ts';

const req = JSON.parse(process.argv[2] ?? '{}') as WorkerRequest;
// The helper starts first: its Node start-up overlaps with loading the lab's modules below.
const opener = openerIn(req.outsideNs);
let stop: () => Promise<void> = () => opener.close();
// Stopped from outside: close what we opened (the parent also kills whatever is left in the namespaces).
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().finally(() => process.exit(1)));

if (req.kind === 'run') {
  const { findScenario, planScenario } = await import('../runner/index.ts');
  const { runPlan } = await import('../runner/run.ts');
  const { deviceEnvironment, STARTUP_LEAD_MS } = await import('./environment.ts');
  const { outsideOf, placeDevice, withoutBoxes } = await import('./plan.ts');
  const loaded = await findScenario(req.file);
  const full = planScenario(loaded.scenario, loaded.file, req.variant);
  const placed = req.place ? placeDevice(full, req.place) : undefined;
  let plan = placed?.plan ?? withoutBoxes(full).plan;
  // A resolver device validates with its own clock: the lab's T+0 is the host's now (whole seconds), so the
  // signatures the lab makes are valid on the device.
  if (req.place?.role === 'resolver') plan = { ...plan, start: Math.ceil((Date.now() + STARTUP_LEAD_MS) / 1000) * 1000 };
  const { env, close, ttl } = deviceEnvironment(plan, {
    opener,
    timeScale: req.timeScale,
    outside: outsideOf(full, placed?.placement),
    ...(placed ? { placement: placed.placement } : {}),
  });
  stop = close;
  try {
    const result = await runPlan(plan, { seed: req.seed, environment: env });
    writeFileSync(req.out, JSON.stringify({ ...result, ...(ttl ? { crossings: ttl.crossings } : {}) }));
  } finally {
    await close();
  }
} else if (req.kind === 'serve') {
  // The scenario's servers on their own addresses, outside (behind the device) or inside, in host time, until stopped.
  const { findScenario, planScenario } = await import('../runner/index.ts');
  const { act } = await import('../runner/edits.ts');
  const { World } = await import('../runner/world.ts');
  const { SeededRandom } = await import('../../net/random.ts');
  const { formatRecord } = await import('../../dns/zone/rdata-format.ts');
  const { toFqdn } = await import('../../dns/name.ts');
  const { outsideOf, placeDevice, withoutBoxes } = await import('./plan.ts');
  const loaded = await findScenario(req.file);
  const full = planScenario(loaded.scenario, loaded.file, req.variant);
  const placed = req.place ? placeDevice(full, req.place) : undefined;
  const plan = placed?.plan ?? withoutBoxes(full).plan;
  const isOutside = outsideOf(full, placed?.placement);
  const clock = new RealClock();
  const world = new World({
    topology: plan.topology,
    network: { addHost: (name, addresses) => new SocketNetwork({ addresses, clock, allowExternal: true, ...(isOutside(name) ? { opener } : {}) }) },
    clock,
    random: new SeededRandom(`${plan.scenario.id}/${plan.variant}/${req.seed}`),
    onTrace: () => undefined,
    onRegistryLog: () => undefined,
    fileLabel: plan.file,
    serversOnly: true,
  });
  stop = async () => {
    await world.stop();
    await opener.close();
  };
  await world.build();
  const applied: string[] = [];
  for (const p of plan.steps) {
    if (p.at > req.at || !('action' in p.step)) continue;
    const r = act(world, p.step.action);
    applied.push(`step ${p.number} (at ${p.step.at}): ${typeof r === 'string' ? r : r.message}`);
  }
  const ready: ServeReady = {
    servers: [...world.servers].map(([name, s]) => ({
      name,
      host: toFqdn(s.host),
      addresses: s.addresses,
      zones: s.server.zones.zones().map((z) => toFqdn(z.origin)),
      outside: isOutside(name),
    })),
    rootHints: world
      .rootHints()
      .map((h) => `.\t3600000\tIN\tNS\t${toFqdn(h.host)}\n${toFqdn(h.host)}\t3600000\tIN\tA\t${h.address}`)
      .join('\n'),
    trustAnchors: world.trustAnchors().map((r) => formatRecord(r)),
    applied,
  };
  writeFileSync(req.out, JSON.stringify(ready));
  // Serve until the parent stops us (SIGTERM → stop() above).
  await new Promise(() => undefined);
} else {
  const { ProbeAuthority, runProbe } = await import('../probe/index.ts');
  const clock = new RealClock();
  const outside = new SocketNetwork({ addresses: [req.authority.address], clock, allowExternal: true, opener });
  const inside = new SocketNetwork({ addresses: [req.client], clock, allowExternal: true });
  const authority = new ProbeAuthority(outside, req.authority);
  try {
    await authority.start();
    if (req.load) {
      // The same load through the device, then to an identical authority on the inside (no device).
      const { runLoad } = await import('./load.ts');
      const direct = new ProbeAuthority(new SocketNetwork({ addresses: [req.load.direct.address], clock, allowExternal: true }), req.load.direct);
      await direct.start();
      try {
        const o = { qps: req.load.qps, seconds: req.load.seconds };
        const through = await runLoad(inside, req.client, req.authority, o, `through the device to ${req.authority.address}`);
        const without = await runLoad(inside, req.client, req.load.direct, o, `without the device (${req.load.direct.address})`);
        writeFileSync(req.out, JSON.stringify([through, without]));
      } finally {
        await direct.stop();
      }
      process.exit(0);
    }
    // The device routes (or bridges) the client's queries to the authority itself: --through is the authority.
    const report = await runProbe({ network: inside, through: req.authority, authority, clientAddress: req.client, mode: 'auth-path', ...req.options });
    writeFileSync(req.out, JSON.stringify(report));
  } finally {
    await authority.stop();
    await opener.close();
  }
}
process.exit(0);
