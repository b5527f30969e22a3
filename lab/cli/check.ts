// `dnslab check FILE…`: validate scenario files without running them — the
// YAML/JSON shape against the scenario schema, then every variant's meaning
// (validate.ts) — and print each problem as one FILE:LINE:COLUMN line (data
// files) or FILE: where: what line (TypeScript/JavaScript).

import { findScenario, ScenarioError, variantNames } from '../runner/index.ts';
import { DATA_FILE, pathText } from '../scenario/data-file.ts';
import { shapeProblems } from '../scenario/schema.ts';
import { planScenario, problemLine, type Problem } from '../scenario/validate.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { existsSync } from 'node:fs';
import { EXIT_INPUT, EXIT_OK, InputError, parseCommandLine, UsageError, type CliCommand, type CliIO } from './command.ts';

const USAGE = `usage: dnslab check FILE|ID…

Validates scenarios without running them: a YAML or JSON file's syntax and
shape (the schema \`dnslab schema\` prints: unknown keys, missing keys, wrong
types) and, for every variant, what the scenario means (unknown servers,
clients and zones, bad records, bad times, variant overlays). Each problem is
one line, FILE:LINE:COLUMN: what was expected, for YAML and JSON files.

exit status: 0 every file is valid (one "ok FILE" line each on stdout);
2 a file has problems (all of them on stderr), or bad usage.`;

/** Every problem of a module scenario (a data file's are found while it loads): shape, then each variant. */
function moduleProblems(loaded: LoadedScenario): Problem[] {
  const shape = shapeProblems(loaded.scenario);
  if (shape.length > 0) return shape.map((p) => ({ where: pathText(p.path), message: p.message }));
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const variant of variantNames(loaded.scenario)) {
    try {
      planScenario(loaded.scenario, loaded.file, variant);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      for (const p of e.problems) {
        const line = problemLine(loaded.file, p);
        if (!seen.has(line)) out.push(p);
        seen.add(line);
      }
    }
  }
  return out;
}

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'validate scenario files (YAML, JSON, TS) without running them',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { positionals } = parseCommandLine(argv, {}, Number.MAX_SAFE_INTEGER);
    if (positionals.length === 0) throw new UsageError('give at least one scenario FILE');
    // A file that is not there is a usage slip, not a scenario with problems: say it the way every command does.
    const absent = positionals.find((t) => (t.includes('/') || /\.[a-z]+$/i.test(t)) && !existsSync(t));
    if (absent !== undefined) throw new InputError(`${absent}: no such file`);
    let failed = 0;
    for (const target of positionals) {
      let problems: Problem[];
      let file = target;
      try {
        const loaded = await findScenario(target);
        file = loaded.file;
        problems = DATA_FILE.test(loaded.file) ? [] : moduleProblems(loaded);
        if (problems.length === 0) io.stdout.write(`ok ${loaded.file} (${variantNames(loaded.scenario).join(', ')})\n`);
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        file = e.file;
        problems = e.problems;
      }
      for (const p of problems) io.stderr.write(`${problemLine(file, p)}\n`);
      if (problems.length > 0) failed++;
    }
    return failed > 0 ? EXIT_INPUT : EXIT_OK;
  },
};
