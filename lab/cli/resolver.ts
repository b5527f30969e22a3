// `dnslab resolver`: run the recursive resolver emulator on real UDP+TCP
// sockets until Ctrl-C, iterating from the given root hints (normally a
// dnslab authoritative root), validating from a trust-anchor file.

import { readFileSync } from 'node:fs';
import type { RR } from '../../dns/types.ts';
import { parseMasterFile } from '../../dns/zone/master-file.ts';
import { formatEndpoint } from '../../net/network.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { DEFAULT_ACL } from '../../servers/recursive/acl.ts';
import type { ResolverEvent } from '../../servers/recursive/events.ts';
import { isProfileName, PROFILE_NAMES, type ProfileName } from '../../servers/recursive/profiles.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import { primeRootHints } from '../../servers/recursive/priming.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { InputError, listenEndpoints, parseCommandLine, parseEndpoint, requireLoopback, runUntilInterrupt, UsageError, type CliCommand } from './command.ts';
import { isWorker, superviseWorkers, workerCount } from './workers.ts';

const usage = `usage: dnslab resolver --listen ADDR:PORT --root-hints ADDR[:PORT][,…] [options]

Run dnslab's recursive resolver on UDP and TCP until Ctrl-C. It iterates from
the root hints (port 53 unless given; nameservers learned from referrals are
asked on the same port as the first hint), validates DNSSEC from the trust
anchors, and answers only lab clients (loopback, private and documentation
ranges) unless --acl says otherwise.

options:
  --listen ADDR:PORT        address to serve on, UDP and TCP (repeatable; default 127.0.0.1:5353)
  --root-hints LIST         comma-separated root server addresses, ADDR[:PORT] (required)
  --trust-anchor FILE       DS or DNSKEY records in master-file format (like Unbound's
                            trust-anchor-file); without it nothing is validated
  --profile NAME            ${PROFILE_NAMES.join(' | ')} (default unbound)
  --aggressive-nsec on|off  RFC 8198 synthesis from cached NSEC/NSEC3 (profile default)
  --qname-minimisation on|off
  --serve-stale on|off      RFC 8767
  --ede on|off              Extended DNS Errors in responses (RFC 8914)
  --acl CIDR                allow these clients (repeatable; replaces the default lab ranges)
  --allow-external          allow binding a non-loopback address
  --log                     one line per upstream query/response and client answer on stderr
  --workers N               resolve in N processes sharing the listening sockets (default 1;
                            each has its own cache, warmed by the queries it gets)

exit status: 0 stopped with Ctrl-C; 2 bad option, unreadable trust-anchor file,
address in use.
`;

function onOff(flag: string, v: string): boolean {
  if (v === 'on' || v === 'yes' || v === 'true') return true;
  if (v === 'off' || v === 'no' || v === 'false') return false;
  throw new UsageError(`${flag} takes on or off, not "${v}"`);
}

/** Trust anchors from a master file: DS/DNSKEY records; other types are an error naming the line. */
export function loadTrustAnchors(file: string): RR[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--trust-anchor ${file}: cannot read it (${(err as Error).message})`);
  }
  const records = parseMasterFile(text, { origin: '.', fileName: file, defaultTtl: 3600 });
  const bad = records.find((r) => r.type !== 'DS' && r.type !== 'DNSKEY');
  if (bad) throw new InputError(`--trust-anchor ${file}: ${bad.name} ${bad.type} is not a DS or DNSKEY record; the file must hold only trust anchors`);
  if (records.length === 0) throw new InputError(`--trust-anchor ${file}: no DS or DNSKEY records found`);
  return records;
}

function describe(e: ResolverEvent): string | undefined {
  const t = new Date(e.time).toISOString();
  switch (e.type) {
    case 'upstream-query':
      return `${t} #${e.resolution} → ${formatEndpoint(e.server)} ${e.transport} ${e.qname} ${e.qtype}${e.edns ? '' : ' (no EDNS)'} [${e.purpose}]`;
    case 'upstream-response':
      return `${t} #${e.resolution} ← ${formatEndpoint(e.server)} ${e.rcode}${e.aa ? ' AA' : ''}${e.tc ? ' TC' : ''} ${e.class} ${e.size}B ${e.rttMs}ms`;
    case 'upstream-timeout':
    case 'upstream-error':
      return `${t} #${e.resolution} ✗ ${formatEndpoint(e.server)} ${e.qname} ${e.qtype}: ${e.reason}`;
    case 'client-response':
      return `${t} ${formatEndpoint(e.client)} ${e.transport} ${e.qname} ${e.qtype} → ${e.rcode}${e.ad ? ' AD' : ''}${e.tc ? ' TC' : ''} ${e.size}B`;
    case 'client-rejected':
      return `${t} ${formatEndpoint(e.client)} rejected: ${e.reason}`;
    case 'resolution':
      return `${t} #${e.summary.resolution} done ${e.summary.qname} ${e.summary.qtype} ${e.summary.rcode} ${e.summary.security} queries=${e.summary.queriesSent}${e.summary.ede ? ` EDE ${e.summary.ede.code} ${e.summary.ede.text}` : ''}`;
    default:
      return undefined;
  }
}

export const resolverCommand: CliCommand = {
  name: 'resolver',
  summary: 'run the recursive resolver emulator on real UDP/TCP sockets',
  usage,
  async run(argv, io) {
    const { values: v } = parseCommandLine(argv, {
      listen: { type: 'string', multiple: true },
      'root-hints': { type: 'string', multiple: true },
      'trust-anchor': { type: 'string' },
      profile: { type: 'string' },
      'aggressive-nsec': { type: 'string' },
      'qname-minimisation': { type: 'string' },
      'qname-minimization': { type: 'string' },
      'serve-stale': { type: 'string' },
      ede: { type: 'string' },
      acl: { type: 'string', multiple: true },
      'allow-external': { type: 'boolean' },
      log: { type: 'boolean' },
      workers: { type: 'string' },
    });
    const listenArgs = (v.listen ?? []).map((l) => parseEndpoint(l));
    const rootHints = (v['root-hints'] ?? []).flatMap((list) => list.split(',').map((part) => parseEndpoint(part.trim(), 53)));
    const anchorsFile = v['trust-anchor'];
    const profileName = v.profile ?? 'unbound';
    if (!isProfileName(profileName)) throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')}`);
    const profile: ProfileName = profileName;
    const overrides: Partial<ResolverSettings> = {};
    if (v['aggressive-nsec'] !== undefined) {
      // on: NSEC synthesis (NSEC3 stays as the profile has it); off: neither.
      const on = onOff('--aggressive-nsec', v['aggressive-nsec']);
      overrides.aggressiveNsec = on;
      if (!on) overrides.aggressiveNsec3 = false;
    }
    const qmin = v['qname-minimisation'] ?? v['qname-minimization'];
    if (qmin !== undefined) overrides.qnameMinimisation = onOff('--qname-minimisation', qmin);
    if (v['serve-stale'] !== undefined) overrides.serveStale = onOff('--serve-stale', v['serve-stale']);
    if (v.ede !== undefined) overrides.ede = onOff('--ede', v.ede);
    const acl = v.acl ?? [];
    const allowExternal = v['allow-external'] ?? false;
    const log = v.log ?? false;
    if (rootHints.length === 0) throw new UsageError('give --root-hints ADDR[:PORT][,…] (the lab root servers)');
    const listen = listenEndpoints(listenArgs, { address: '127.0.0.1', port: 5353 }, allowExternal);
    for (const ep of rootHints) requireLoopback(ep, allowExternal, '--root-hints');
    const trustAnchors = anchorsFile === undefined ? [] : loadTrustAnchors(anchorsFile);

    const workers = workerCount(v.workers, listen);
    if (workers > 1 && !isWorker()) return superviseWorkers(workers, io);
    const network = new SocketNetwork({
      addresses: [...new Set(listen.map((e) => e.address))],
      allowExternal,
      ...(isWorker() ? { sharedEndpoints: listen } : {}),
    });
    const resolver = new RecursiveResolver({
      network,
      listen,
      rootHints,
      trustAnchors,
      profile,
      options: overrides,
      seed: Date.now(),
      ...(acl.length > 0 ? { acl } : { acl: DEFAULT_ACL }),
      ...(log
        ? {
            onEvent: (e: ResolverEvent) => {
              const line = describe(e);
              if (line) io.stderr.write(`${line}\n`);
            },
          }
        : {}),
    });
    await resolver.start();
    io.stdout.write(
      `resolver (${profile}${trustAnchors.length ? `, validating from ${trustAnchors.length} anchor record(s)` : ', not validating'}) on ${listen.map((e) => `${formatEndpoint(e)} udp+tcp`).join(', ')}; root hints ${rootHints.map(formatEndpoint).join(', ')}; Ctrl-C to stop\n`,
    );
    // Alongside serving, after the banner: a caller waiting for it is not held up by hints that never answer.
    const primed = primeRootHints(network, listen[0]!.address, rootHints).then((priming) => {
      if (priming.problems.length === 0) return;
      const none = priming.usable.length === 0;
      io.stderr.write(
        `warning: priming (". NS", RFC 8109) ${none ? 'failed for every root hint' : 'failed for some root hints'}: ${priming.problems.join('; ')}${none ? ` — clients will get what the ${profile} profile gives when resolution outlasts its timers (servers/recursive/README.md, "When nothing answers")` : ''}\n`,
      );
    });
    return runUntilInterrupt(io, async () => {
      await primed;
      await resolver.stop();
    });
  },
};
