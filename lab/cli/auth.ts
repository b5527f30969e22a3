// `dnslab auth`: serve zone files with the lab's authoritative server on real
// UDP+TCP sockets until Ctrl-C, so dig, resolvers and equipment can query it.

import { existsSync } from 'node:fs';
import { toFqdn } from '../../dns/name.ts';
import { loadZoneFile } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { SocketNetwork } from '../../net/socket.ts';
import type { Endpoint } from '../../net/network.ts';
import { formatEndpoint } from '../../net/network.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/server.ts';
import { quirkProblem, type Quirk } from '../../servers/authoritative/quirks.ts';
import { cliArgs, listenEndpoints, parseEndpoint, runUntilInterrupt, UsageError, type CliCommand } from './command.ts';

const usage = `usage: dnslab auth --zone FILE[:ORIGIN] [--zone …] --listen ADDR:PORT [--listen …] [options]

Serve master files (RFC 1035 §5) as an authoritative server on UDP and TCP
until Ctrl-C. The zone origin comes from the file's SOA owner, or from
":ORIGIN" after the file name. Pre-signed zones (dnssec-signzone output) are
served with RRSIGs and NSEC/NSEC3 proofs to DO=1 queries.

options:
  --zone FILE[:ORIGIN]   zone file to serve (repeatable)
  --listen ADDR:PORT     address to bind, UDP and TCP (repeatable; default 127.0.0.1:5300)
  --allow-external       allow binding a non-loopback address
  --udp-size N           EDNS UDP payload size we offer (default 1232)
  --quirk Q              misbehave on purpose (repeatable, applied in order):
                           drop | always-tc | ignore-edns | strip-opt | formerr-on-edns
                           | lame[=REFUSED|SERVFAIL] | delay=MS
                           | a JSON quirk, e.g. '{"kind":"lame","zone":"example.jp"}'
  --log                  print one line per query and response to stderr
`;

/** `--quirk` value: a short form or a JSON object (servers/authoritative/quirks.ts). */
export function parseQuirk(text: string): Quirk {
  let quirk: Quirk;
  if (text.trim().startsWith('{')) {
    try {
      quirk = JSON.parse(text) as Quirk;
    } catch (e) {
      throw new UsageError(`--quirk ${text}: not valid JSON (${(e as Error).message})`);
    }
  } else {
    const [kind, arg] = text.split('=', 2) as [string, string | undefined];
    if (kind === 'lame') {
      if (arg !== undefined && arg !== 'REFUSED' && arg !== 'SERVFAIL') throw new UsageError(`--quirk lame=${arg}: expected REFUSED or SERVFAIL`);
      quirk = arg === undefined ? { kind: 'lame' } : { kind: 'lame', rcode: arg };
    } else if (kind === 'delay') {
      quirk = { kind: 'delay', ms: Number(arg) };
    } else {
      quirk = { kind } as Quirk;
    }
  }
  const problem = typeof quirk === 'object' && quirk !== null ? quirkProblem(quirk) : 'a quirk is an object with a "kind"';
  if (problem) throw new UsageError(`--quirk ${text}: ${problem}`);
  return quirk;
}

function parseZoneArg(text: string): { file: string; origin?: string } {
  if (existsSync(text)) return { file: text };
  const i = text.lastIndexOf(':');
  if (i > 0) return { file: text.slice(0, i), origin: text.slice(i + 1) };
  return { file: text };
}

function describe(e: ServerEvent): string | undefined {
  if (e.type === 'query') return `${formatEndpoint(e.from)} ${e.transport} query ${e.id ?? '-'} ${e.qname ?? '?'} ${e.qtype ?? ''}${e.malformed ? ` malformed: ${e.malformed}` : ''}`;
  if (e.type === 'response') return `${formatEndpoint(e.from)} ${e.transport} response ${e.id} ${e.rcode}${e.tc ? ' TC' : ''} ${e.bytes} octets${e.cached ? ' (cached)' : ''}`;
  if (e.type === 'drop') return `${formatEndpoint(e.from)} ${e.transport} dropped: ${e.reason}`;
  if (e.type === 'error') return `error: ${e.message}`;
  return undefined;
}

export const authCommand: CliCommand = {
  name: 'auth',
  summary: 'serve zone files as an authoritative server on real UDP/TCP sockets',
  usage,
  async run(argv, io) {
    const zoneArgs: string[] = [];
    const listenArgs: Endpoint[] = [];
    let allowExternal = false;
    let udpSize: number | undefined;
    let log = false;
    const quirks: Quirk[] = [];
    for (const [a, value] of cliArgs(argv)) {
      if (a === '--zone') zoneArgs.push(value());
      else if (a === '--listen') listenArgs.push(parseEndpoint(value()));
      else if (a === '--allow-external') allowExternal = true;
      else if (a === '--udp-size') {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 512 || n > 65535) throw new UsageError('--udp-size must be an integer 512..65535');
        udpSize = n;
      } else if (a === '--quirk') quirks.push(parseQuirk(value()));
      else if (a === '--log') log = true;
      else throw new UsageError(`unknown option "${a}"`);
    }
    if (zoneArgs.length === 0) throw new UsageError('give at least one --zone FILE');
    const listen = listenEndpoints(listenArgs, { address: '127.0.0.1', port: 5300 }, allowExternal);

    const zones: Zone[] = [];
    for (const arg of zoneArgs) {
      const { file, origin } = parseZoneArg(arg);
      // ZoneSyntaxError messages already name file:line:column and what was expected.
      zones.push(loadZoneFile(file, origin));
    }
    const network = new SocketNetwork({ addresses: [...new Set(listen.map((e) => e.address))], allowExternal });
    const server = new AuthoritativeServer({
      network,
      listen,
      zones,
      name: 'dnslab-auth',
      quirks,
      ...(udpSize === undefined ? {} : { udpPayloadSize: udpSize }),
      ...(log
        ? {
            onEvent: (e: ServerEvent) => {
              const line = describe(e);
              if (line) io.stderr.write(`${line}\n`);
            },
          }
        : {}),
    });
    await server.start();
    for (const z of zones) io.stdout.write(`serving ${toFqdn(z.origin)} (${z.size} records)\n`);
    if (quirks.length > 0) io.stdout.write(`quirks: ${quirks.map((q) => JSON.stringify(q)).join(' ')}\n`);
    io.stdout.write(`listening on ${server.endpoints.map((e) => `${formatEndpoint(e)} udp+tcp`).join(', ')}; Ctrl-C to stop\n`);
    return runUntilInterrupt(io, () => server.stop());
  },
};
