// `dnslab audit`: the dangling-record finder an operator runs on their own
// zone files (lab/audit). Recursive lookups go to a resolver (--resolve-via),
// lameness checks ask each nameserver address directly (RD=0), over UDP.

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import { makeQuery } from '../../dns/message.ts';
import { normalizeName } from '../../dns/name.ts';
import type { Message, Name, RRTypeName } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { leadingOrigin, parseZoneText } from '../../dns/zone/master-file.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import { auditDelegations, auditZones, formatFinding, resolverFault, type AuditDns } from '../audit/audit.ts';
import { BUILTIN_PROVIDER_SUFFIXES, parseProviderSuffixes } from '../audit/providers.ts';
import { formatEndpoint, type Endpoint } from '../../net/network.ts';
import { InputError, integerOption, parseCommandLine, parseEndpoint, readInput, UsageError, type CliCommand } from './command.ts';

const USAGE = `usage: dnslab audit ZONEFILE… [--origin NAME] [--resolve-via ADDR[:PORT]]
                    [--provider-suffixes FILE] [--released ADDR[/LEN],…]
                    [--delegation DOMAIN]… [--server-port N] [--timeout MS] [--json]

Finds what a takeover hunter would find in your zones:
  dangling-cname               CNAME whose target is NXDOMAIN (claim the target, own the name)
  cname-to-claimable-provider  CNAME into a provider where endpoint names can be claimed
  lame-delegation              NS (in the zone or published by the parent) that does not
                               answer the zone's SOA with AA=1: REFUSED, SERVFAIL, no answer,
                               AA=0, or NXDOMAIN/NODATA from a zone above it
  ns-name-unresolvable         NS host name without an address
  ns-domain-unregistered       NS host under a domain that does not exist (register it, own you)
  released-address             A/AAAA to an address you released (--released)
Exit status: 0 clean, 1 findings, 2 usage, input or setup error (bad option,
unreadable or invalid zone file).

options:
  --origin NAME            origin of the zone file (default: $ORIGIN, else the file name
                           without .zone/.db, e.g. example.jp.zone → example.jp)
  --resolve-via ADDR[:P]   recursive resolver for lookups (default: first nameserver in
                           /etc/resolv.conf)
  --provider-suffixes FILE extra claimable suffixes, one "suffix [provider]" per line
                           (added to the built-in list; see lab/audit/providers.ts)
  --released LIST          comma-separated addresses or prefixes you gave back
  --delegation DOMAIN      also check the parent's delegation of DOMAIN (no zone file needed)
  --server-port N          port for direct questions to nameservers (default 53; for labs)
  --timeout MS             per-query UDP timeout (default 2000, one retry)
  --json                   findings as JSON`;

function udpQuery(to: Endpoint, qname: Name, qtype: RRTypeName, rd: boolean, timeoutMs: number): Promise<Message | undefined> {
  const family = isIP(to.address) === 6 ? 'udp6' : 'udp4';
  const attempt = (id: number) =>
    new Promise<Message | undefined>((resolve) => {
      const socket = createSocket(family);
      const query = makeQuery(qname, qtype, { id, rd });
      const done = (m: Message | undefined) => {
        clearTimeout(timer);
        socket.close();
        resolve(m);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      socket.on('error', () => done(undefined));
      socket.on('message', (payload, rinfo) => {
        if (rinfo.address !== to.address) return;
        try {
          const m = decodeMessage(payload);
          if (m.id === id && m.flags.qr) done(m);
        } catch {
          // an undecodable answer is no answer
        }
      });
      socket.send(encodeMessage(query), to.port, to.address);
    });
  return (async () => {
    for (let i = 0; i < 2; i++) {
      const m = await attempt(Math.floor(Math.random() * 65536));
      if (m) return m;
    }
    return undefined;
  })();
}

export function socketDns(resolver: Endpoint, serverPort: number, timeoutMs: number): AuditDns {
  return {
    resolve: async (qname, qtype) => {
      const m = await udpQuery(resolver, qname, qtype, true, timeoutMs);
      return { rcode: m?.rcode ?? 'TIMEOUT', answer: m?.answer ?? [], ...(m ? { ra: m.flags.ra } : {}) };
    },
    ask: (address, qname, qtype) => udpQuery({ address, port: serverPort }, qname, qtype, false, timeoutMs),
    pause: (ms) => new Promise((resolveP) => setTimeout(resolveP, ms)),
  };
}

function defaultResolver(): Endpoint {
  try {
    const line = readFileSync('/etc/resolv.conf', 'utf8')
      .split('\n')
      .find((l) => /^\s*nameserver\s+\S+/.test(l));
    const address = line?.trim().split(/\s+/)[1];
    if (address && isIP(address)) return { address, port: 53 };
  } catch {
    // fall through
  }
  throw new UsageError('no resolver: give --resolve-via ADDR[:PORT] (nothing usable in /etc/resolv.conf)');
}

function originFor(file: string, text: string, explicit: string | undefined): Name {
  if (explicit) return normalizeName(explicit);
  const own = leadingOrigin(text, file);
  if (own !== undefined) return own;
  return normalizeName(
    basename(file)
      .replace(/\.(zone|db|txt)$/i, '')
      .replace(/^db\./, ''),
  );
}

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'find dangling CNAMEs, lame or hijackable delegations and released addresses in zone files',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals: files } = parseCommandLine(
      argv,
      {
        origin: { type: 'string' },
        'resolve-via': { type: 'string' },
        'provider-suffixes': { type: 'string' },
        released: { type: 'string' },
        delegation: { type: 'string', multiple: true },
        'server-port': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
      Infinity,
    );
    const delegations = v.delegation ?? [];
    const origin = v.origin;
    const resolveVia = v['resolve-via'] === undefined ? undefined : parseEndpoint(v['resolve-via'], 53);
    const suffixFile = v['provider-suffixes'];
    const released = (v.released ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    for (const r of released) if (isIP(r.split('/')[0] ?? '') === 0) throw new UsageError(`--released: "${r}" is not an address or prefix`);
    const serverPort = v['server-port'] === undefined ? 53 : integerOption(v['server-port'], '--server-port', 1, 65535);
    const timeoutMs = v.timeout === undefined ? 2000 : integerOption(v.timeout, '--timeout', 1, 600_000);
    const json = v.json ?? false;
    if (files.length === 0 && delegations.length === 0) throw new UsageError('give at least one ZONEFILE (or --delegation DOMAIN)');
    if (origin !== undefined && files.length > 1) throw new UsageError('--origin applies to one zone file; give files one at a time or name them ORIGIN.zone');

    const zones: Zone[] = [];
    for (const file of files) {
      const text = readInput(file, 'zone file');
      zones.push(parseZoneText(text, originFor(file, text, origin), file)); // parse errors name file and line
    }
    const providerSuffixes = [...BUILTIN_PROVIDER_SUFFIXES];
    if (suffixFile !== undefined) {
      const text = readInput(suffixFile, '--provider-suffixes');
      try {
        providerSuffixes.push(...parseProviderSuffixes(text, suffixFile));
      } catch (e) {
        throw new InputError((e as Error).message); // names file:line
      }
    }
    const resolver = resolveVia ?? defaultResolver();
    const dns = socketDns(resolver, serverPort, timeoutMs);
    const fault = await resolverFault(dns);
    if (fault) throw new InputError(`resolver ${formatEndpoint(resolver)} ${fault}: the audit needs one (--resolve-via ADDR[:PORT])`);
    const findings = [...(await auditZones(zones, dns, { providerSuffixes, released })), ...(await auditDelegations(delegations, dns))];
    if (json) io.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
    else {
      for (const f of findings) io.stdout.write(`${formatFinding(f)}\n`);
      io.stdout.write(findings.length ? `${findings.length} finding(s)\n` : `no findings in ${[...zones.map((z) => z.origin), ...delegations].join(', ')}\n`);
    }
    return findings.length ? 1 : 0;
  },
};
