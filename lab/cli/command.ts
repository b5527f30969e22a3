// What every `dnslab` subcommand provides, plus the small parsing helpers they share.

import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DnslabError } from '../../dns/types.ts';
import { isLoopback } from '../../net/ip.ts';
import { NetworkError, type Endpoint } from '../../net/network.ts';
import { RealSoftwareError } from '../../servers/real/netns.ts';
import { WorldError } from '../runner/zone-plan.ts';
import { problemLine, ScenarioError } from '../scenario/validate.ts';

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Lines typed by the user, for commands that take commands while running (`dnslab serve`). */
  stdin?: NodeJS.ReadableStream;
  /**
   * For long-running commands: resolves when the user asks to stop (Ctrl-C /
   * SIGTERM). Signals are only caught once this has been called, so short
   * commands keep Node's default Ctrl-C behaviour.
   */
  waitForInterrupt(): Promise<void>;
}

export interface CliCommand {
  name: string;
  /** One line for `dnslab --help`. */
  summary: string;
  /** Full usage text for `dnslab NAME --help`. */
  usage: string;
  /** Returns the process exit code (0 or 1). Throw UsageError for bad arguments, InputError for a missing file or a setup fault (exit 2). */
  run(argv: string[], io: CliIO): Promise<number>;
}

/**
 * dnslab could not run what was asked: a missing or unreadable file, an output
 * path it cannot write, a zone it refuses to load, a port in use. Exit code 2
 * and one line on stderr, never a verdict about the target.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Bad command-line input (an unknown option, a missing value): exit code 2, one line pointing at the usage. */
export class UsageError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The exit codes of every command (README "Exit codes"): 0 success, 1 the run's
 * claims failed or findings were found, 2 usage, input or setup error.
 */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_INPUT = 2;

/**
 * What went wrong, as the user reads it. Usage, input and setup errors (ours,
 * the lab's, a real product missing or failing to start, and the operating
 * system's: ENOENT, EADDRINUSE …) are expected;
 * anything else is `internal`, a dnslab bug. A scenario error lists every
 * problem, one per line; a single one fits on one line.
 */
export function failureText(err: unknown): { text: string; internal: boolean } {
  if (err instanceof ScenarioError && err.problems.length === 1) return { text: problemLine(err.file, err.problems[0]!), internal: false };
  const known =
    err instanceof InputError ||
    err instanceof DnslabError ||
    err instanceof NetworkError ||
    err instanceof ScenarioError ||
    err instanceof WorldError ||
    err instanceof RealSoftwareError ||
    (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string');
  return { text: err instanceof Error ? err.message : String(err), internal: !known };
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>>;

/**
 * The one option parser of every command: node:util parseArgs, strict, with
 * its errors turned into UsageErrors that name the option. An option that
 * takes a value never swallows the next option (`--zone --listen X` is
 * "--zone needs a value"), an empty value is no value, and at most
 * `maxPositionals` operands are accepted.
 */
export function parseCommandLine<const O extends OptionsConfig>(argv: readonly string[], options: O, maxPositionals = 0): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true }) as Parsed<O>;
  } catch (e) {
    const err = e as Error & { code?: string };
    const flag = /'(-[^' ]*)/.exec(err.message)?.[1] ?? '';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${flag}`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw new UsageError(/does not take an argument/.test(err.message) ? `${flag} takes no value` : `${flag} needs a value`);
    throw new UsageError(err.message.split('\n')[0]!);
  }
  for (const [name, value] of Object.entries(parsed.values as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v === '')) throw new UsageError(`--${name} needs a value`);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals]!;
    throw new UsageError(
      maxPositionals === 0
        ? `unexpected argument "${extra}"`
        : `unexpected argument "${extra}" (at most ${maxPositionals} operand${maxPositionals === 1 ? '' : 's'})`,
    );
  }
  return parsed;
}

/** A decimal integer option: digits only (no sign, fraction, exponent or hex), within min..max. */
export function integerOption(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new UsageError(`${flag}: got "${text}"; expected an integer ${min}..${max}`);
  return n;
}

/** A decimal number option (fractions allowed, for probabilities and rates): no sign, exponent or hex. */
export function numberOption(text: string, flag: string): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new UsageError(`${flag}: "${text}" is not a number`);
  return Number(text);
}

/**
 * `--seed`: decimal digits only, in canonical form (`01` is `1`), so one seed
 * has one spelling and the same output. Returned as the text the lab's
 * seeded random sources are keyed with.
 */
export function parseSeed(text: string, flag = '--seed'): string {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag}: got "${text}"; expected a non-negative integer (decimal digits, at most ${Number.MAX_SAFE_INTEGER})`);
  }
  return String(Number(text));
}

/**
 * Check an output path before the run, so a long run does not fail at the
 * end: its directory must exist and be writable, and the path must not be a
 * directory or a read-only file.
 */
export function checkOutputPath(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new InputError(`${flag} ${path}: directory ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new InputError(`${flag} ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new InputError(`${flag} ${path}: directory ${dir} is not writable`);
  }
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new InputError(`${flag} ${path} is a directory, not a file`);
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw new InputError(`${flag} ${path} is not writable`);
    }
  }
}

/** Write an output file and say so on stderr ("wrote FILE"), the same line for every file every command writes. */
export function writeOutput(io: { stderr: { write(s: string): unknown } }, path: string, data: string | Uint8Array): void {
  writeFileSync(path, data);
  io.stderr.write(`wrote ${path}\n`);
}

/** Read an input file named by `flag` (or an operand): InputError naming it when it cannot be read. */
export function readInput(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${what} ${path}: cannot read it (${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'a directory' : err.message})`);
  }
}

/** Parse `ADDR:PORT`, `[V6]:PORT` or `ADDR` (with `defaultPort`). */
export function parseEndpoint(text: string, defaultPort?: number): Endpoint {
  let address = text;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    address = v6[1]!;
    portText = v6[2];
  } else if (isIP(text) !== 6) {
    const i = text.lastIndexOf(':');
    if (i >= 0) {
      address = text.slice(0, i);
      portText = text.slice(i + 1);
    }
  }
  if (isIP(address) === 0) throw new UsageError(`"${text}": expected ADDR:PORT with an IPv4 or IPv6 address`);
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined) throw new UsageError(`"${text}": a port is required (ADDR:PORT)`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`"${text}": port must be 0..65535`);
  return { address, port };
}

export function requireLoopback(endpoint: Endpoint, allowExternal: boolean, flag = '--listen'): void {
  if (!allowExternal && !isLoopback(endpoint.address)) {
    throw new UsageError(`${flag} ${endpoint.address} is not a loopback address; dnslab binds 127.0.0.0/8 or ::1 unless you add --allow-external`);
  }
}

/** The `--listen` endpoints given (or `fallback` when none), each checked by requireLoopback. */
export function listenEndpoints(given: readonly Endpoint[], fallback: Endpoint, allowExternal: boolean): Endpoint[] {
  const listen = given.length > 0 ? [...given] : [fallback];
  for (const ep of listen) requireLoopback(ep, allowExternal);
  return listen;
}

/** A port option checked after parsing: UsageError "FLAG must be 1..65535". */
export function requirePort(port: number, flag: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${flag} must be 1..65535`);
}

/**
 * End of a long-running command whose banner is out: serve until Ctrl-C,
 * stop, say "stopped", exit 0.
 */
export async function runUntilInterrupt(io: CliIO, stop: () => Promise<void>): Promise<number> {
  await io.waitForInterrupt();
  await stop();
  io.stdout.write('stopped\n');
  return 0;
}
