// `dnslab list`: the scenarios in scenarios/ with their variants.

import { loadAllScenarios, variantNames } from '../runner/index.ts';
import { parseCommandLine, type CliCommand, type CliIO } from './command.ts';

const USAGE = `usage: dnslab list [--json]

Lists the scenarios in scenarios/: id, variants and title (English and Japanese).
--json prints an array of { id, title, variants, file }.
exit status: 0 listed; 2 bad option or an invalid scenario file.`;

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'list scenarios and their variants',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const json = parseCommandLine(argv, { json: { type: 'boolean' } }).values.json ?? false;
    // An invalid scenario file throws ScenarioError: exit 2, naming the file and the problems.
    const all = await loadAllScenarios();
    const rows = all.map((l) => ({ id: l.scenario.id, title: l.scenario.title, variants: variantNames(l.scenario), file: l.file }));
    if (json) {
      io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    const w = Math.max(8, ...rows.map((r) => r.id.length));
    const vw = Math.max(8, ...rows.map((r) => r.variants.join(',').length));
    io.stdout.write(`${'scenario'.padEnd(w)}  ${'variants'.padEnd(vw)}  title\n`);
    for (const r of rows) io.stdout.write(`${r.id.padEnd(w)}  ${r.variants.join(',').padEnd(vw)}  ${r.title.en}\n${''.padEnd(w + vw + 4)}${r.title.ja}\n`);
    return 0;
  },
};
