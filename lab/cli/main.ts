// dnslab command line: a table of subcommands, each in its own file under lab/cli/.
// To add a command, write lab/cli/NAME.ts exporting a `CliCommand` and add it to COMMANDS.

import { existsSync, readFileSync } from 'node:fs';
import { EXIT_INPUT, failureText, UsageError, type CliCommand, type CliIO } from './command.ts';
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
import { exportCommand } from './export.ts';
import { isWorker, workerStdout } from './workers.ts';
import { exerciseCommand } from './exercise.ts';
import { newCommand } from './new.ts';
import { checkCommand } from './check.ts';
import { schemaCommand } from './schema.ts';

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
  exerciseCommand,
  newCommand,
  checkCommand,
  schemaCommand,
  exportCommand,
];

function helpText(): string {
  const width = Math.max(8, ...COMMANDS.map((c) => c.name.length));
  return [
    'dnslab — a DNS lab simulator',
    '',
    'usage: dnslab COMMAND [options]     (dnslab help COMMAND, or dnslab COMMAND --help, for details)',
    '       dnslab --version',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'exit status (every command): 0 success, 1 claims failed or findings found,',
    '2 usage, input or setup error (bad option, missing file, port in use …)',
    '',
  ].join('\n');
}

/** package.json's version: the one place it is written (two folders up in the source tree, three in dist/). */
export function dnslabVersion(): string {
  const url = ['../../package.json', '../../../package.json'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u))!;
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

function printUsage(command: CliCommand, io: CliIO): number {
  io.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
  return 0;
}

/** The stderr text for an error a command threw: `dnslab NAME: ` and failureText. */
function describeError(name: string, err: unknown): string {
  const { text, internal } = failureText(err);
  if (err instanceof UsageError) return `dnslab ${name}: ${text} (usage: dnslab help ${name})\n`;
  if (!internal) return `dnslab ${name}: ${text}\n`;
  const stack = process.env['DNSLAB_DEBUG'] && err instanceof Error && err.stack ? `\n${err.stack}` : ' (DNSLAB_DEBUG=1 shows the stack trace)';
  return `dnslab ${name}: internal error: ${text}${stack}\n`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    const fallback = COMMANDS.find((c) => c.name === 'run');
    if (fallback) return fallback.run([], io);
    io.stdout.write(helpText());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`dnslab ${dnslabVersion()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout.write(helpText());
    return 0;
  }
  if (name === 'help') {
    // `dnslab help CMD` is `dnslab CMD --help`.
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (!command || rest.length > 1) {
      io.stderr.write(
        `dnslab help: ${command ? `one command at a time (got ${rest.join(' ')})` : `unknown command "${rest[0]}"`} (dnslab --help lists them)\n`,
      );
      return EXIT_INPUT;
    }
    return printUsage(command, io);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`dnslab: unknown command "${name}" (dnslab --help lists them)\n`);
    return EXIT_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) return printUsage(command, io);
  try {
    return await command.run(rest, io);
  } catch (err) {
    io.stderr.write(describeError(name, err));
    return EXIT_INPUT;
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
  const code = await main(process.argv.slice(2), {
    // A worker of `--workers N` (workers.ts) prints through the primary.
    stdout: isWorker() ? workerStdout() : process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    waitForInterrupt: interruptedPromise,
  });
  process.exitCode = code;
  // The channel to the primary would keep a stopped worker alive.
  if (isWorker()) process.disconnect();
}
