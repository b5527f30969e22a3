// The runner's public API: load, plan and run scenarios, render reports.

import { PcapWriter } from '../../net/pcap.ts';
import { findScenario, loadAllScenarios, type LoadedScenario } from '../scenario/load.ts';
import { planScenario, variantNames } from '../scenario/validate.ts';
import { runPlan } from './run.ts';
import type { RunResult } from './result.ts';

export { runPlan, CLIENT_TIMEOUT_MS } from './run.ts';
export type { RunResult, AssertionRecord, TimelineEvent } from './result.ts';
export { renderText, renderSummary } from './report-text.ts';
export { renderJson, renderJunit, toJson } from './report-data.ts';
export { renderHtml } from './report-html.ts';
export { findScenario, loadAllScenarios, scenarioFiles } from '../scenario/load.ts';
export { planScenario, variantNames, ScenarioError } from '../scenario/validate.ts';

export const DEFAULT_SCENARIO = 'subdomain-takeover';

export interface RunRequest {
  loaded: LoadedScenario;
  variant: string;
  seed: number | string;
  /** Record every packet of this run here. */
  pcap?: PcapWriter;
}

/** Plan (validate) and run one scenario variant. Throws ScenarioError for a bad scenario. */
export async function runOne(req: RunRequest): Promise<RunResult> {
  const plan = planScenario(req.loaded.scenario, req.loaded.file, req.variant);
  return runPlan(plan, { seed: req.seed, ...(req.pcap ? { capture: req.pcap } : {}) });
}

/** Every (scenario, variant) pair, in file then declaration order. */
export async function allRuns(): Promise<{ loaded: LoadedScenario; variant: string }[]> {
  const out: { loaded: LoadedScenario; variant: string }[] = [];
  for (const loaded of await loadAllScenarios()) for (const variant of variantNames(loaded.scenario)) out.push({ loaded, variant });
  return out;
}

export async function runsFor(idOrFile: string, variant?: string): Promise<{ loaded: LoadedScenario; variant: string }[]> {
  const loaded = await findScenario(idOrFile);
  const variants = variant ? [variant] : variantNames(loaded.scenario);
  return variants.map((v) => ({ loaded, variant: v }));
}
