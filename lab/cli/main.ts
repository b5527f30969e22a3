// dnslab command line: a table of subcommands, each in its own file under lab/cli/.
// To add a command, write lab/cli/NAME.ts exporting a `CliCommand` and add it to COMMANDS.

import { UsageError, type CliCommand, type CliIO } from './command.ts';
import { signCommand } from './sign.ts';
import { runCommand } from './run.ts';
import { listCommand } from './list.ts';
import { serveCommand } from './serve.ts';
import { resolverCommand } from './resolver.ts';
import { authCommand } from './auth.ts';
import { middleboxCommand } from './middlebox.ts';
import { probeCommand } from './probe.ts';
import { zoneCommand } from './zone.ts';
import { auditCommand } from './audit.ts';

const COMMANDS: CliCommand[] = [
  // subcommands register here, one line each
  signCommand,
  runCommand,
  listCommand,
  serveCommand,
  resolverCommand,
  authCommand,
  middleboxCommand,
  probeCommand,
  zoneCommand,
  auditCommand,
];

function helpText(): string {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  return [
    'dnslab — a DNS lab simulator',
    '',
    'usage: dnslab COMMAND [options]     (dnslab COMMAND --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    const fallback = COMMANDS.find((c) => c.name === 'run');
    if (fallback) return fallback.run([], io);
    io.stdout.write(helpText());
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(helpText());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`dnslab: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`dnslab ${name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`dnslab ${name}: ${message}\n`);
    return 1;
  }
}

function interruptedPromise(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

const isEntry = process.argv[1] !== undefined && /(lab[\\/]cli[\\/]main\.ts|dnslab(\.mjs)?)$/.test(process.argv[1]);
if (isEntry) {
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, waitForInterrupt: interruptedPromise });
  process.exitCode = code;
}
