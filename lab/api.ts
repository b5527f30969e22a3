// The library API (`import { loadScenario, runScenario } from 'dnslab'`): for CI suites in node:test,
// vitest or jest that load a scenario, run one variant and assert on the RunResult — the same value
// every report (text, JSON, JUnit, HTML) is rendered from.

import type { PcapWriter } from '../net/pcap.ts';
import { findScenario, loadScenarioFile, type LoadedScenario } from './scenario/load.ts';
import type { Scenario } from './scenario/types.ts';
import { planScenario, variantNames } from './scenario/validate.ts';
import { runPlan } from './runner/run.ts';
import type { RunResult } from './runner/result.ts';

export { defineScenario } from './scenario/types.ts';
export type * from './scenario/types.ts';
export type { RunResult, AssertionRecord, TimelineEvent, EventKind } from './runner/result.ts';
export type { LoadedScenario } from './scenario/load.ts';
export { ScenarioError, variantNames } from './scenario/validate.ts';
export { renderText, renderSummary } from './runner/report-text.ts';
export { renderJson, renderJunit, toJson } from './runner/report-data.ts';
export { renderHtml } from './runner/report-html.ts';
export { PcapWriter } from '../net/pcap.ts';

/**
 * A scenario by id (searched in `dir`, default the scenarios shipped with dnslab) or by path to a
 * .ts/.js/.mjs file that `export default`s a scenario. Throws ScenarioError naming the file.
 */
export async function loadScenario(idOrFile: string, options: { dir?: string } = {}): Promise<LoadedScenario> {
  if (options.dir === undefined) return findScenario(idOrFile);
  return findScenario(idOrFile, options.dir);
}

export interface RunScenarioOptions {
  /** Variant name (default: the scenario's first variant, or 'default' when it has none). */
  variant?: string;
  /** Seed for the lab's random source (default 1, as on the command line): same seed, same bytes. */
  seed?: number | string;
  /** Record every packet of the run here. */
  pcap?: PcapWriter;
}

/**
 * Validate and run one variant of a scenario in the in-process lab. Accepts what loadScenario returns,
 * a scenario object (e.g. from defineScenario) or a file path. Throws ScenarioError for a bad scenario.
 */
export async function runScenario(scenario: LoadedScenario | Scenario | string, options: RunScenarioOptions = {}): Promise<RunResult> {
  const loaded: LoadedScenario =
    typeof scenario === 'string' ? await loadScenarioFile(scenario) : 'scenario' in scenario && 'file' in scenario ? scenario : { file: '(library)', scenario };
  const variant = options.variant ?? variantNames(loaded.scenario)[0]!;
  const plan = planScenario(loaded.scenario, loaded.file, variant);
  return runPlan(plan, { seed: options.seed ?? '1', ...(options.pcap ? { capture: options.pcap } : {}) });
}
