// What every `dnslab` subcommand provides, plus the small parsing helpers they share.

import { isIP } from 'node:net';
import { isLoopback } from '../../net/ip.ts';
import type { Endpoint } from '../../net/network.ts';

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
  /** Returns the process exit code. Throw UsageError for bad arguments. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Bad command-line input: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
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
    throw new UsageError(
      `${flag} ${endpoint.address} is not a loopback address; dnslab binds 127.0.0.0/8 or ::1 unless you add --allow-external`,
    );
  }
}

/**
 * The arguments of a command, each with a `value()` that takes the next
 * argument as this option's value (UsageError "FLAG needs a value" when there
 * is none), so the loop goes on after it:
 * `for (const [a, value] of cliArgs(argv)) if (a === '--zone') zones.push(value());`
 */
export function* cliArgs(argv: readonly string[]): Generator<[arg: string, value: () => string]> {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    yield [
      a,
      () => {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        return v;
      },
    ];
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
