// `dnslab new NAME`: write a commented starter scenario that runs and passes as it is — the shortest path from
// "I want a lab for X" to a file to edit. YAML by default, as the bundled scenarios are; with --format ts a
// plain object with no imports, so it loads from any folder (an import of dnslab's own types would tie it to
// where dnslab is installed), in an .mts file: Node takes a .ts file outside a "type": "module" package for
// CommonJS, an .mts file is always an ES module.

import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { checkOutputPath, InputError, parseCommandLine, UsageError, type CliCommand } from './command.ts';

const USAGE = `usage: dnslab new NAME [--format yaml|ts] [--force]

Write NAME.yaml (NAME may be a path): a commented starter scenario — one zone
on one server, a validating resolver, a client, two queries with claims, a
record change and a variant — that runs and passes as it is:
dnslab run ./NAME.yaml. The scenario id is the file name (lowercase words
joined by '-'). Edit it from there; the scenario guide is scenarios/README.md.

options:
  --format yaml|ts YAML (default) or TypeScript (NAME.mts; NAME.ts if you
                   write .ts); NAME.yaml, .yml, .mts or .ts also picks it
  --force          overwrite the file if it exists

exit status: 0 written; 2 bad NAME, file exists (without --force), or the
folder is not writable.
`;

export const newCommand: CliCommand = {
  name: 'new',
  summary: 'write a commented starter scenario (NAME.yaml, or NAME.mts) that runs and passes as it is',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandLine(argv, { force: { type: 'boolean' }, format: { type: 'string' } }, 1);
    const name = positionals[0];
    if (name === undefined) throw new UsageError('expected NAME (e.g. dnslab new my-lab)');
    if (v.format !== undefined && v.format !== 'yaml' && v.format !== 'ts') throw new UsageError(`--format ${v.format}: expected yaml or ts`);
    const ext = extname(name);
    const byExt = ext === '.yaml' || ext === '.yml' ? 'yaml' : ext === '.mts' || ext === '.ts' ? 'ts' : ext === '' ? undefined : 'bad';
    if (byExt === 'bad') throw new UsageError(`NAME ${name}: give NAME, NAME.yaml, NAME.yml, NAME.mts or NAME.ts`);
    if (byExt !== undefined && v.format !== undefined && byExt !== v.format)
      throw new UsageError(`NAME ${name} is not a ${v.format} file name (--format ${v.format})`);
    const format = byExt ?? v.format ?? 'yaml';
    const path = ext === '' ? `${name}.${format === 'yaml' ? 'yaml' : 'mts'}` : name;
    const id = basename(path, extname(path));
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id))
      throw new UsageError(`NAME ${name}: the file name is the scenario id: lowercase letters, digits and '-', e.g. my-lab`);
    checkOutputPath(path, 'NAME');
    if (existsSync(path) && !v.force) throw new InputError(`${path} exists; pick another NAME or add --force`);
    writeFileSync(path, format === 'yaml' ? starterYaml(id, basename(path)) : starterScenario(id, basename(path)));
    io.stderr.write(`wrote ${path}\n`);
    io.stdout.write(
      `run it:   dnslab run ${path.includes('/') ? path : `./${path}`}\nedit it:  ${path} (every key is explained in the comments; folder ${dirname(path)})\n`,
    );
    return 0;
  },
};

/** The starter scenario's text (a TS module; also valid as the guide's "minimal example"). */
export function starterScenario(id: string, file = `${id}.mts`): string {
  return `// ${id}: a dnslab scenario (written by \`dnslab new\`). Run it with: dnslab run ./${file}
// A scenario is data: a small Internet (topology) and steps read top to bottom like a runbook.
// Each step has \`at\`, an offset from T+0 ('+0s', '+90s', '+1h30m', '+2d'); steps never go back in time.
// Names are written like in a zone file; records are zone-file lines.

export default {
  // The id names the scenario on the command line; lowercase words joined by '-'.
  id: '${id}',
  title: { en: 'My first lab: a record change seen through a validating resolver', ja: '最初のラボ: 検証リゾルバー越しに見るレコード変更' },
  narrative: {
    en: \`example.jp is signed. Its operator moves www to a new address; a client keeps asking through a
validating resolver, which answers from its cache until the old record's TTL (300 s) has passed.\`,
    ja: \`example.jp は署名済み。運用者が www のアドレスを変更する。検証リゾルバー経由で問い合わせ続ける
クライアントには、古いレコードの TTL (300 秒) が過ぎるまでキャッシュの応答が返る。\`,
  },
  // RFCs, postmortems, anything a reader should look at.
  references: ['RFC 1034 §4.3.2 (caching)', 'RFC 4035 §5 (validation)'],
  // Lab time of T+0 (ISO 8601).
  start: '2026-01-01T00:00:00Z',

  topology: {
    // Authoritative servers: a host name (for NS records) and addresses on the lab network.
    servers: {
      'ns-example': { host: 'ns1.example.jp', addresses: ['192.0.2.53'] },
    },
    // Zones as master-file text, and which servers serve them. The root and the TLD (jp) are
    // synthesised and delegate to these servers; signed: true signs the zone and puts its DS in jp.
    zones: {
      'example.jp': {
        servers: ['ns-example'],
        signed: true,
        text: \`
$TTL 300
@    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300
@    IN NS  ns1.example.jp.
ns1  IN A   192.0.2.53
www  IN A   192.0.2.10
\`,
      },
    },
    // Recursive resolvers: a profile ('unbound', 'bind', 'knot-resolver', 'powerdns', 'google-public-dns').
    resolvers: {
      resolver: { addresses: ['10.0.0.53'], profile: 'unbound' },
    },
    // Clients ask through their resolver unless a step says to: 'SERVER'.
    clients: {
      alice: { addresses: ['10.0.0.10'], resolver: 'resolver' },
    },
  },

  steps: [
    {
      at: '+0s',
      client: 'alice',
      query: 'www.example.jp A',
      note: 'validated: AD=1',
      // Claims about the answer: rcode, flags, answer records (TTL may be left out).
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['www.example.jp. 300 IN A 192.0.2.10'] },
    },
    // A watch samples a query at an interval; expectTimeline steps make claims about what it saw.
    { at: '+0s', watch: { name: 'www', client: 'alice', query: 'www.example.jp A', every: '1m', until: '+15m' } },
    {
      at: '+1m',
      // Who acts: operator: 'NAME' or attacker: 'NAME'. The lab re-signs the zone after the edit.
      operator: 'example-jp',
      note: 'www moves to a new address',
      action: { do: 'set-records', zone: 'example.jp', records: ['www 300 IN A 192.0.2.20'] },
    },
    {
      at: '+2m',
      client: 'alice',
      query: 'www.example.jp A',
      // Only in this variant: the resolver still answers from its cache.
      only: ['cached'],
      note: 'the cached answer, until its TTL has passed',
      expect: { rcode: 'NOERROR', answer: ['www.example.jp. A 192.0.2.10'] },
    },
    {
      at: '+10m',
      client: 'alice',
      query: 'www.example.jp A',
      note: 'the new address, still validated',
      expect: { rcode: 'NOERROR', flags: { ad: true }, answer: ['www.example.jp. A 192.0.2.20'] },
    },
    {
      at: '+15m',
      expectTimeline: { watch: 'www', never: { from: '+0s', to: '+15m', rcode: 'SERVFAIL' } },
      note: 'no client ever saw SERVFAIL',
    },
  ],

  // Variants run the same steps on a changed world (topology overrides merge over the base); a step with
  // only: [...] runs in those variants alone. Without variants the scenario has one, 'default'.
  variants: {
    cached: { description: { en: 'the resolver caches for the full TTL', ja: 'リゾルバーは TTL いっぱいキャッシュする' } },
    'short-cache': {
      description: { en: 'a resolver that caches for at most 60 s', ja: 'キャッシュは最大 60 秒のリゾルバー' },
      topology: { resolvers: { resolver: { settings: { maxTtl: 60 } } } },
    },
  },
};
`;
}

/** The starter as YAML: the same scenario as starterScenario, with the same comments. */
export function starterYaml(id: string, file = `${id}.yaml`): string {
  return `# ${id}: a dnslab scenario (written by \`dnslab new\`). Run it with: dnslab run ./${file}
# A scenario is data: a small Internet (topology) and steps read top to bottom like a runbook.
# Each step has \`at\`, an offset from T+0 ('+0s', '+90s', '+1h30m', '+2d'); steps never go back in time.
# Names are written like in a zone file; records are zone-file lines.
# Editors complete and check this file with the schema \`dnslab schema\` prints; \`dnslab check FILE\` checks it.

# The id names the scenario on the command line; lowercase words joined by '-'.
id: ${id}
title:
  en: 'My first lab: a record change seen through a validating resolver'
  ja: '最初のラボ: 検証リゾルバー越しに見るレコード変更'
narrative:
  en: >-
    example.jp is signed. Its operator moves www to a new address; a client keeps asking through a
    validating resolver, which answers from its cache until the old record's TTL (300 s) has passed.
  ja: >-
    example.jp は署名済み。運用者が www のアドレスを変更する。検証リゾルバー経由で問い合わせ続ける
    クライアントには、古いレコードの TTL (300 秒) が過ぎるまでキャッシュの応答が返る。
# RFCs, postmortems, anything a reader should look at.
references:
  - RFC 1034 §4.3.2 (caching)
  - RFC 4035 §5 (validation)
# Lab time of T+0 (ISO 8601).
start: '2026-01-01T00:00:00Z'

topology:
  # Authoritative servers: a host name (for NS records) and addresses on the lab network.
  servers:
    ns-example: { host: ns1.example.jp, addresses: [192.0.2.53] }
  # Zones as master-file text (or \`text: !file example.jp.zone\` for a file next to this one), and which
  # servers serve them. The root and the TLD (jp) are synthesised and delegate to these servers;
  # signed: true signs the zone and puts its DS in jp.
  zones:
    example.jp:
      servers: [ns-example]
      signed: true
      text: |
        $TTL 300
        @    IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300
        @    IN NS  ns1.example.jp.
        ns1  IN A   192.0.2.53
        www  IN A   192.0.2.10
  # Recursive resolvers: a profile (unbound, bind, knot-resolver, powerdns, google-public-dns).
  resolvers:
    resolver: { addresses: [10.0.0.53], profile: unbound }
  # Clients ask through their resolver unless a step says to: SERVER.
  clients:
    alice: { addresses: [10.0.0.10], resolver: resolver }

steps:
  - at: +0s
    client: alice
    query: www.example.jp A
    note: 'validated: AD=1'
    # Claims about the answer: rcode, flags, answer records (TTL may be left out).
    expect: { rcode: NOERROR, flags: { ad: true }, answer: ['www.example.jp. 300 IN A 192.0.2.10'] }
  # A watch samples a query at an interval; expectTimeline steps make claims about what it saw.
  - at: +0s
    watch: { name: www, client: alice, query: www.example.jp A, every: 1m, until: +15m }
  - at: +1m
    # Who acts: operator: NAME or attacker: NAME. The lab re-signs the zone after the edit.
    operator: example-jp
    note: www moves to a new address
    action: { do: set-records, zone: example.jp, records: ['www 300 IN A 192.0.2.20'] }
  - at: +2m
    client: alice
    query: www.example.jp A
    # Only in this variant: the resolver still answers from its cache.
    only: [cached]
    note: the cached answer, until its TTL has passed
    expect: { rcode: NOERROR, answer: ['www.example.jp. A 192.0.2.10'] }
  - at: +10m
    client: alice
    query: www.example.jp A
    note: the new address, still validated
    expect: { rcode: NOERROR, flags: { ad: true }, answer: ['www.example.jp. A 192.0.2.20'] }
  - at: +15m
    expectTimeline: { watch: www, never: { from: +0s, to: +15m, rcode: SERVFAIL } }
    note: no client ever saw SERVFAIL

# Variants run the same steps on a changed world (topology overrides merge over the base); a step with
# only: [...] runs in those variants alone. Without variants the scenario has one, 'default'.
variants:
  cached:
    description: { en: the resolver caches for the full TTL, ja: リゾルバーは TTL いっぱいキャッシュする }
  short-cache:
    description: { en: a resolver that caches for at most 60 s, ja: キャッシュは最大 60 秒のリゾルバー }
    topology: { resolvers: { resolver: { settings: { maxTtl: 60 } } } }
`;
}
