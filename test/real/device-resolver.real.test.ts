// A resolver appliance in the lab's path (lab/device/, --device resolver): real Unbound in the reference
// router's namespace (test/helpers/device-appliance.ts), configured only from what `dnslab run … --print-config
// unbound` printed, answering the scenario's clients on the inside and resolving from the lab's authoritative world
// on the outside, at --time-scale (the lab divides the TTLs it serves; the printed config the device's own caps).
// What must hold: the verdicts of the resolver matrix's unbound cell (every claim of these variants holds with real
// Unbound: docs/measurements.md), and nothing left behind. Needs root, iproute2 and unbound. About 100 s.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Appliance, dnslabCli } from '../helpers/device-appliance.ts';
import { INSIDE_GATEWAY, OUTSIDE_GATEWAY } from '../helpers/device-router.ts';

const cli = (args: string[]) => dnslabCli(args, 150_000);

let appliance: Appliance;
before(() => {
  appliance = new Appliance();
});
after(async () => {
  await appliance?.delete();
});

interface JsonRun {
  passed: boolean;
  assertions: { step: number; ok: boolean; what: string; expected?: string; actual?: string }[];
  comparison: { agree: boolean; rows: { step: number; emulated?: boolean; device?: boolean; claim: string }[] };
  device: { crossings?: { question: string; fromDevice: string[] }[] };
}

/** Print the config, start Unbound from it (routes from the printed plan), run the variant through it. */
async function throughUnbound(id: string, variant: string, scale: number, extra: string[] = []): Promise<JsonRun> {
  const flags = ['--device', 'resolver', '--inside', appliance.router.inside, '--outside', appliance.router.outside];
  flags.push('--device-address', `${INSIDE_GATEWAY},${OUTSIDE_GATEWAY}`, '--time-scale', String(scale), ...extra);
  const printed = await cli(['run', id, '--variant', variant, ...flags, '--print-config', 'unbound']);
  assert.equal(printed.code, 0, printed.stderr);
  appliance.router.addRoutes(
    printed.stderr
      .split('\n')
      .filter((l) => /^\s+\S+ via \S+ \((inside|outside) link\)/.test(l))
      .map((l) => l.trim()),
  );
  await appliance.start('unbound', printed.stdout);
  try {
    const run = await cli(['run', id, '--variant', variant, ...flags, '--json']);
    assert.ok(run.code === 0 || run.code === 1, `${run.stderr}\n${appliance.log.slice(-2000)}`);
    return (JSON.parse(run.stdout) as { runs: JsonRun[] }).runs[0]!;
  } finally {
    await appliance.stop();
  }
}

function failed(r: JsonRun): string[] {
  return r.assertions.filter((a) => !a.ok).map((a) => `step ${a.step} ${a.what}: expected ${a.expected}, got ${a.actual}`);
}

describe('--device resolver: real Unbound configured from --print-config', { timeout: 300_000 }, () => {
  // Scale 200: the NSEC's 3600 s are 18 device seconds, so Unbound's whole-second TTL counting moves its expiry by
  // at most 200 lab seconds, inside the claim's 5-minute sampling.
  for (const variant of ['aggressive', 'non-aggressive']) {
    it(`aggressive-nsec-new-name [${variant}] at scale 200: every claim holds, as in the matrix's unbound cell`, async () => {
      const r = await throughUnbound('aggressive-nsec-new-name', variant, 200);
      assert.deepEqual(failed(r), []);
      assert.equal(r.passed, true);
      assert.ok(r.comparison.agree, JSON.stringify(r.comparison.rows));
    });
  }
});
