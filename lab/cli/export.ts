// `dnslab export ID|FILE --format compose|containerlab [--out DIR]`: a scenario's lab at T+0 as containers
// on an existing engine (lab/export/README.md).

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXIT_OK, InputError, parseCommandLine, parseSeed, UsageError, type CliCommand, type CliIO } from './command.ts';
import { DEFAULT_SCENARIO, findScenario } from '../runner/index.ts';
import { snapshotLab } from '../export/snapshot.ts';
import { DNSLAB_IMAGE, layoutLab, type LabLayout } from '../export/layout.ts';
import { renderCompose } from '../export/compose.ts';
import { renderContainerlab } from '../export/containerlab.ts';

const FORMATS = ['compose', 'containerlab'] as const;
type Format = (typeof FORMATS)[number];

const usage = `usage: dnslab export [ID|FILE] --format compose|containerlab [--out DIR] [--variant V] [--seed N]

Writes the scenario's lab as it stands at T+0 as containers for an existing
engine: every authoritative server a container of the dnslab image serving its
zones (signed now, with the seed's keys) with \`dnslab auth\`, every resolver
one running \`dnslab resolver\` (root hints and trust anchor of the lab), every
client an idle container to query from; one internal network per /24 of the
scenario's addresses, every container on every network at fixed addresses.
Steps and claims are not exported; what else is left out is listed on stderr
and in DIR/README.md.

  --format F     compose: DIR/docker-compose.yml (compose file format 3.8)
                 containerlab: DIR/lab.clab.yml (a containerlab topology)
  --out DIR      where to write (default: dnslab-ID-F); created if missing,
                 must be empty if it exists
  --variant V    scenario variant (default: the first)
  --seed N       seed for the DNSSEC keys (default 1)

The containers run the image ${DNSLAB_IMAGE} (docker/dnslab/Dockerfile).

exit status: 0 written; 2 bad option, unknown scenario, a non-empty DIR.`;

export const exportCommand: CliCommand = {
  name: 'export',
  summary: "write a scenario's lab as containers: a compose project or a containerlab topology",
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values: v, positionals } = parseCommandLine(
      argv,
      { format: { type: 'string' }, out: { type: 'string' }, variant: { type: 'string' }, seed: { type: 'string' } },
      1,
    );
    const format = v.format as Format | undefined;
    if (format === undefined) throw new UsageError('--format is required: compose or containerlab');
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${format}: expected compose or containerlab`);
    const seed = v.seed === undefined ? '1' : parseSeed(v.seed);
    const loaded = await findScenario(positionals[0] ?? DEFAULT_SCENARIO);
    const out = v.out ?? `dnslab-${loaded.scenario.id}-${format}`;
    if (existsSync(out) && readdirSync(out).length) throw new InputError(`--out ${out}: the folder exists and is not empty`);
    const snap = await snapshotLab(loaded, v.variant, seed);
    const layout = layoutLab(snap);
    const title = `${snap.scenario} [${snap.variant}]`;
    const files = filesOf(layout, format, title, snap.scenario);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(out, path)), { recursive: true });
      writeFileSync(join(out, path), text);
    }
    io.stderr.write(`wrote ${out}/ (${layout.nodes.length} containers, ${layout.networks.length} networks) for ${title}\n`);
    for (const o of layout.omitted) io.stderr.write(`  left out: ${o}\n`);
    return EXIT_OK;
  },
};

function filesOf(layout: LabLayout, format: Format, title: string, id: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const n of layout.nodes) for (const [p, text] of Object.entries(n.files)) files[`${n.name}/${p}`] = text;
  const main = format === 'compose' ? 'docker-compose.yml' : 'lab.clab.yml';
  files[main] = format === 'compose' ? renderCompose(layout, title) : renderContainerlab(layout, id);
  const up =
    format === 'compose'
      ? ['docker-compose up -d', `docker-compose exec ${layout.nodes.find((n) => n.role === 'client')?.name ?? 'CLIENT'} sh`, 'docker-compose down --volumes']
      : ['containerlab deploy -t lab.clab.yml', 'containerlab destroy -t lab.clab.yml --cleanup'];
  files['README.md'] = [
    `# ${title}`,
    '',
    `Written by \`dnslab export ${id} --format ${format}\`: the lab at T+0, ${layout.nodes.length} containers of the image \`${DNSLAB_IMAGE}\`.`,
    '',
    '| container | role | addresses |',
    '|---|---|---|',
    ...layout.nodes.map((n) => `| ${n.name} | ${n.role} | ${Object.values(n.addresses).join(', ')} |`),
    '',
    '```sh',
    ...up,
    '```',
    '',
    'Left out:',
    '',
    ...(layout.omitted.length ? layout.omitted.map((o) => `- ${o}`) : ['- nothing']),
    '',
  ].join('\n');
  return files;
}
