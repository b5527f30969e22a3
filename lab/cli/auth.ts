// `dnslab auth`: serve zone files with the lab's authoritative server on real
// UDP+TCP sockets until Ctrl-C, so dig, resolvers and equipment can query it.

import { existsSync } from 'node:fs';
import { toFqdn } from '../../dns/name.ts';
import { loadZoneFile } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { formatEndpoint } from '../../net/network.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/server.ts';
import { quirkProblem, type Quirk } from '../../servers/authoritative/quirks.ts';
import { checkZone, formatProblem, zoneErrors } from '../../dns/zone/check.ts';
import { InputError, integerOption, listenEndpoints, parseCommandLine, parseEndpoint, runUntilInterrupt, UsageError, type CliCommand } from './command.ts';
import { isWorker, superviseWorkers, workerCount } from './workers.ts';

const usage = `usage: dnslab auth --zone FILE[:ORIGIN] [--zone …] --listen ADDR:PORT [--listen …] [options]

Serve master files (RFC 1035 §5) as an authoritative server on UDP and TCP
until Ctrl-C. The zone origin comes from the file's SOA owner, or from
":ORIGIN" after the file name. Pre-signed zones (dnssec-signzone output) are
served with RRSIGs and NSEC/NSEC3 proofs to DO=1 queries.

options:
  --zone FILE[:ORIGIN]   zone file to serve (repeatable; one file per origin)
  --listen ADDR:PORT     address to bind, UDP and TCP (repeatable; default 127.0.0.1:5300)
  --allow-external       allow binding a non-loopback address
  --allow-broken         serve zones that \`dnslab zone check\` rejects (CNAME and other
                         data, missing glue …), for labs that want a broken zone on
                         purpose; without it such a zone is refused (exit 2), as NSD and
                         named refuse it. Syntax errors and out-of-zone data are always refused.
  --udp-size N           EDNS UDP payload size we offer (default 1232)
  --quirk Q              misbehave on purpose (repeatable, applied in order):
                           drop | always-tc | ignore-edns | strip-opt | formerr-on-edns
                           | lame[=REFUSED|SERVFAIL] | delay=MS
                           | a JSON quirk, e.g. '{"kind":"lame","zone":"example.jp"}'
  --log                  print one line per query and response to stderr
  --workers N            serve from N processes sharing the listening sockets
                         (default 1; each loads the zones itself)

exit status: 0 stopped with Ctrl-C; 2 bad option, unreadable or rejected zone,
address in use.
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
  if (e.type === 'query')
    return `${formatEndpoint(e.from)} ${e.transport} query ${e.id ?? '-'} ${e.qname ?? '?'} ${e.qtype ?? ''}${e.malformed ? ` malformed: ${e.malformed}` : ''}`;
  if (e.type === 'response')
    return `${formatEndpoint(e.from)} ${e.transport} response ${e.id} ${e.rcode}${e.tc ? ' TC' : ''} ${e.bytes} octets${e.cached ? ' (cached)' : ''}`;
  if (e.type === 'drop') return `${formatEndpoint(e.from)} ${e.transport} dropped: ${e.reason}`;
  if (e.type === 'error') return `error: ${e.message}`;
  return undefined;
}

export const authCommand: CliCommand = {
  name: 'auth',
  summary: 'serve zone files as an authoritative server on real UDP/TCP sockets',
  usage,
  async run(argv, io) {
    const { values: v } = parseCommandLine(argv, {
      zone: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      'allow-external': { type: 'boolean' },
      'allow-broken': { type: 'boolean' },
      'udp-size': { type: 'string' },
      quirk: { type: 'string', multiple: true },
      log: { type: 'boolean' },
      workers: { type: 'string' },
    });
    const zoneArgs = v.zone ?? [];
    const allowExternal = v['allow-external'] ?? false;
    const udpSize = v['udp-size'] === undefined ? undefined : integerOption(v['udp-size'], '--udp-size', 512, 65535);
    const log = v.log ?? false;
    const quirks: Quirk[] = (v.quirk ?? []).map(parseQuirk);
    if (zoneArgs.length === 0) throw new UsageError('give at least one --zone FILE');
    const listen = listenEndpoints(
      (v.listen ?? []).map((l) => parseEndpoint(l)),
      { address: '127.0.0.1', port: 5300 },
      allowExternal,
    );

    const zones: Zone[] = [];
    const fileOf = new Map<string, string>();
    for (const arg of zoneArgs) {
      const { file, origin } = parseZoneArg(arg);
      // ZoneSyntaxError messages already name file:line:column and what was expected.
      const zone = loadZoneFile(file, origin);
      const apex = toFqdn(zone.origin);
      // One zone per origin, as NSD and named insist: a second one would silently replace the first.
      const earlier = fileOf.get(apex.toLowerCase());
      if (earlier !== undefined) throw new InputError(`${file}: zone ${apex} is already served from ${earlier}; give each origin once`);
      fileOf.set(apex.toLowerCase(), file);
      const errors = zoneErrors(checkZone(zone));
      if (errors.length > 0 && !v['allow-broken']) {
        // Every error on its own line (as \`dnslab zone check\` prints them), then the one-line verdict.
        for (const p of errors) io.stderr.write(`${formatProblem(file, p)}\n`);
        throw new InputError(
          `${file}: zone ${apex} has ${errors.length} error(s) that \`dnslab zone check\` rejects; not serving it (--allow-broken serves it anyway)`,
        );
      }
      for (const p of errors) io.stderr.write(`${formatProblem(file, p)} (served anyway: --allow-broken)\n`);
      zones.push(zone);
    }
    const workers = workerCount(v.workers, listen);
    if (workers > 1 && !isWorker()) return superviseWorkers(workers, io);
    const network = new SocketNetwork({
      addresses: [...new Set(listen.map((e) => e.address))],
      allowExternal,
      ...(isWorker() ? { sharedEndpoints: listen } : {}),
    });
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
