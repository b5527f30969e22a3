// Find and load scenario files: scenarios/*.yaml (data, data-file.ts) and
// TypeScript/JavaScript modules that `export default` a Scenario object. A
// file that does not parse or does not hold a scenario becomes a
// ScenarioError naming the file (and, for data files, line and column).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario } from './types.ts';
import { ScenarioError } from './validate.ts';
import { DATA_FILE, loadDataScenario } from './data-file.ts';

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

/** A scenario module's name: .ts/.mts sources, or the .js/.mjs that `npm run build` compiles them to. */
const MODULE_FILE = /\.m?[jt]s$/;

/**
 * Scenario files in a folder, sorted by name (deterministic order for --all): .yaml/.yml/.json data files and
 * .ts/.mts/.js/.mjs modules (declaration files skipped; a name starting with `_` is ignored). Where a data file
 * and a module share a name (a build's .js beside its .yaml), the data file is the scenario.
 */
export function scenarioFiles(dir = SCENARIO_DIR): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((f) => (DATA_FILE.test(f) || MODULE_FILE.test(f)) && !/\.d\.m?ts$/.test(f) && !f.startsWith('_'));
  const stem = (f: string) => f.replace(/\.[^.]+$/, '');
  const dataStems = new Set(names.filter((f) => DATA_FILE.test(f)).map(stem));
  return names
    .filter((f) => DATA_FILE.test(f) || !dataStems.has(stem(f)))
    .sort()
    .map((f) => join(dir, f));
}

export async function loadScenarioFile(path: string): Promise<LoadedScenario> {
  const file = displayPath(path);
  if (DATA_FILE.test(path)) return { file, scenario: loadDataScenario(path, file) };
  let mod: { default?: unknown };
  try {
    mod = await importModule(resolve(path));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ScenarioError(file, [{ message: `cannot load the file: ${message.split('\n').slice(0, 6).join('\n    ')}` }]);
  }
  if (mod.default === undefined || mod.default === null || typeof mod.default !== 'object') {
    throw new ScenarioError(file, [{ message: 'the file must `export default` a scenario object (see lab/runner/README.md)' }]);
  }
  return { file, scenario: mod.default as Scenario };
}

/**
 * A TypeScript file goes through tsx's tsImport when tsx is installed: a .ts outside any `"type": "module"`
 * package is CommonJS by Node's rules, and a plain import() of it under the tsx hooks fails on Node 20 with
 * "Cannot require() ES Module … in a cycle". tsImport loads it in a namespace of its own; what it gives back
 * for a CommonJS-compiled file is module.exports, whose `default` is the scenario.
 */
async function importModule(absolute: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(absolute).href;
  if (/\.[mc]?ts$/.test(absolute)) {
    const api = await import('tsx/esm/api').catch(() => undefined);
    if (api) {
      const mod = (await api.tsImport(url, import.meta.url)) as { default?: unknown };
      const inner = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
      return inner !== null && typeof inner === 'object' && inner.__esModule ? { default: inner.default } : mod;
    }
  }
  return (await import(url)) as { default?: unknown };
}

/**
 * Load by scenario id (searching `dir`) or by path to a file. A name with a slash or a scenario file's
 * extension (.yaml, .yml, .json, .ts, .mts, .js, .mjs) is a file, and so is an existing file of any name.
 */
export async function findScenario(idOrFile: string, dir = SCENARIO_DIR): Promise<LoadedScenario> {
  const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
  if (DATA_FILE.test(idOrFile) || MODULE_FILE.test(idOrFile) || idOrFile.includes('/') || isFile(idOrFile)) {
    if (!existsSync(idOrFile)) throw new ScenarioError(idOrFile, [{ message: 'no such file' }]);
    return loadScenarioFile(idOrFile);
  }
  const direct = ['yaml', 'yml', 'json', 'ts', 'js'].map((ext) => join(dir, `${idOrFile}.${ext}`)).find(isFile);
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
