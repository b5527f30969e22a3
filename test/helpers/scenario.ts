// Scenarios for tests: the smallest world a scenario unit test needs (one authoritative server for
// example.jp, a resolver and a client; tests add their steps, quirks, zones, variants), and the plan of
// a real scenario changed for one test (another profile, a setting switched off, a middlebox altered).
import assert from 'node:assert/strict';
import { findScenario, planScenario, runPlan, type RunResult } from '../../lab/runner/index.ts';
import type { RunOptions } from '../../lab/runner/run.ts';
import type { Plan } from '../../lab/scenario/validate.ts';
import type { Scenario, Topology } from '../../lab/scenario/types.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';

export const UNIT_ZONE = `
$TTL 300
@   IN SOA ns1.example.jp. h.example.jp. 1 3600 900 604800 300
@   IN NS ns1.example.jp.
ns1 IN A 192.0.2.53
www IN A 192.0.2.10
`;

type Quirks = NonNullable<Scenario['topology']['servers'][string]['quirks']>;

/** Server `ns` (ns1.example.jp, 192.0.2.53) serving example.jp (UNIT_ZONE unless `zones`), resolver `r` (unbound profile), client `alice`. */
export function unitScenario(steps: Scenario['steps'], options: { id?: string; zones?: Scenario['topology']['zones']; quirks?: Quirks } = {}): Scenario {
  return {
    id: options.id ?? 'unit',
    title: { en: 't', ja: 't' },
    narrative: { en: 'n', ja: 'n' },
    references: [],
    topology: {
      servers: { ns: { host: 'ns1.example.jp', addresses: ['192.0.2.53'], ...(options.quirks ? { quirks: options.quirks } : {}) } },
      zones: options.zones ?? { 'example.jp': { servers: ['ns'], text: UNIT_ZONE } },
      resolvers: { r: { addresses: ['10.0.0.53'], profile: 'unbound' } },
      clients: { alice: { addresses: ['10.0.0.10'], resolver: 'r' } },
    },
    steps,
  };
}

export async function planOf(id: string, variant: string): Promise<Plan> {
  const loaded = await findScenario(id);
  return planScenario(loaded.scenario, loaded.file, variant);
}

/** A copy of the plan whose topology is changed by `edit` (the plan's own objects are not touched). */
export function withTopology(p: Plan, edit: (t: Topology) => void): Plan {
  const topology = structuredClone(p.topology);
  edit(topology);
  return { ...p, topology };
}

export interface ProfileRun {
  /** The resolver profile to put the resolver(s) on, e.g. 'unbound'. */
  profile: string;
  /** Settings over the profile's (and over any the scenario sets), e.g. a switch turned off. */
  settings?: Partial<ResolverSettings>;
  /** The resolver (key of the topology's `resolvers`) to change; every resolver of the scenario when omitted. */
  resolver?: string;
  /** A further change to the topology (e.g. a middlebox option), after the profile and settings are set. */
  edit?: (t: Topology) => void;
  /** Receives every packet of the run (runPlan's `capture`). */
  capture?: RunOptions['capture'];
  /** The run's seed (1 when omitted). */
  seed?: number;
}

/**
 * Runs scenario `id` [variant] on the VirtualNetwork (seed 1 unless `seed`), with `resolver` (or every resolver) on
 * `profile` plus `settings`, and asserts the run completed: a lab error proves nothing about the resolver.
 * Whether the claims hold is left to the test.
 */
export async function runOnProfile(id: string, variant: string, run: ProfileRun): Promise<RunResult> {
  const where = `${id} [${variant}]`;
  const plan = withTopology(await planOf(id, variant), (t) => {
    let resolvers = Object.values(t.resolvers ?? {});
    if (run.resolver !== undefined) {
      const r = t.resolvers?.[run.resolver];
      assert.ok(r, `${where} has no resolver named "${run.resolver}" (it has: ${Object.keys(t.resolvers ?? {}).join(', ') || 'none'})`);
      resolvers = [r];
    }
    assert.ok(resolvers.length > 0, `${where} has no resolver to put on the ${run.profile} profile`);
    for (const r of resolvers) {
      r.profile = run.profile;
      Object.assign((r.settings ??= {}), run.settings);
    }
    run.edit?.(t);
  });
  const result = await runPlan(plan, { seed: run.seed ?? 1, ...(run.capture ? { capture: run.capture } : {}) });
  assert.equal(result.error, undefined, `${where} on ${run.profile}: the run must complete (a lab error proves nothing):\n${result.error}`);
  return result;
}
