// `dnslab schema`: print the JSON Schema of a scenario file, generated from
// lab/scenario/types.ts, for editors (YAML language server, VS Code) to
// validate and complete scenario files.

import { scenarioSchemaText } from '../scenario/schema.ts';
import { EXIT_OK, parseCommandLine, type CliCommand, type CliIO } from './command.ts';

const USAGE = `usage: dnslab schema

Prints the JSON Schema (draft-07) of a scenario file on stdout. Save it and
point your editor at it, e.g. the first line of a YAML scenario:
  # yaml-language-server: $schema=./scenario.schema.json
exit status: 0; 2 bad usage.`;

export const schemaCommand: CliCommand = {
  name: 'schema',
  summary: 'print the JSON Schema of scenario files (for editors)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    parseCommandLine(argv, {}, 0);
    io.stdout.write(scenarioSchemaText());
    return EXIT_OK;
  },
};
