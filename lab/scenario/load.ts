// Find and load scenario files: scenarios/*.ts, each `export default` a
// Scenario object. A file that does not parse or does not export a scenario
// becomes a ScenarioError naming the file.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario } from './types.ts';
import { ScenarioError } from './validate.ts';

/** The scenarios/ folder next to this code: the repository's, or dist/scenarios in the built package. */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

export interface LoadedScenario {
  /** Path as shown in messages (relative to the current directory when shorter). */
  file: string;
  scenario: Scenario;
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Scenario files in a folder, sorted by name (deterministic order for --all): .ts/.mts sources, or the
 * .js/.mjs that `npm run build` compiles them to (declaration files skipped). */
export function scenarioFiles(dir = SCENARIO_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.m?[jt]s$/.test(f) && !/\.d\.m?ts$/.test(f) && !f.startsWith('_'))
    .sort()
    .map((f) => join(dir, f));
}

export async function loadScenarioFile(path: string): Promise<LoadedScenario> {
  const file = displayPath(path);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ScenarioError(file, [{ message: `cannot load the file: ${message.split('\n').slice(0, 6).join('\n    ')}` }]);
  }
  if (mod.default === undefined || mod.default === null || typeof mod.default !== 'object') {
    throw new ScenarioError(file, [{ message: 'the file must `export default` a scenario object (see lab/runner/README.md)' }]);
  }
  return { file, scenario: mod.default as Scenario };
}

/** Load by scenario id (searching `dir`) or by path to a file. */
export async function findScenario(idOrFile: string, dir = SCENARIO_DIR): Promise<LoadedScenario> {
  if (/\.(m?ts|m?js)$/.test(idOrFile) || idOrFile.includes('/')) {
    if (!existsSync(idOrFile)) throw new ScenarioError(idOrFile, [{ message: 'no such file' }]);
    return loadScenarioFile(idOrFile);
  }
  const direct = [join(dir, `${idOrFile}.ts`), join(dir, `${idOrFile}.js`)].find((f) => existsSync(f));
  if (direct) {
    const loaded = await loadScenarioFile(direct);
    if (loaded.scenario.id === idOrFile) return loaded;
  }
  const all = await loadAllScenarios(dir);
  const hit = all.find((l) => l.scenario.id === idOrFile);
  if (!hit) {
    const ids = all.map((l) => l.scenario.id).join(', ');
    throw new ScenarioError(idOrFile, [{ message: `no scenario with id "${idOrFile}" in ${displayPath(dir)} (scenarios: ${ids || 'none'})` }]);
  }
  return hit;
}

export async function loadAllScenarios(dir = SCENARIO_DIR): Promise<LoadedScenario[]> {
  const out: LoadedScenario[] = [];
  for (const f of scenarioFiles(dir)) out.push(await loadScenarioFile(f));
  return out;
}
