// `dnslab export ID --format compose`: the lab as a compose project (docker-compose.yml plus one folder of
// files per container, mounted read-only at /lab). Compose file format 3.8, so `docker stack deploy` reads
// the same file; its networks are internal (no route out), each with a fixed /24 and fixed container
// addresses (the zones' glue names them).

import type { LabLayout } from './layout.ts';

type Yaml = string | number | boolean | Yaml[] | { [k: string]: Yaml };

/** Block-style YAML; every string is a double-quoted scalar (JSON string syntax is valid YAML there). */
export function toYaml(v: Yaml, indent = ''): string {
  if (Array.isArray(v)) return v.map((x) => `${indent}-${block(x, `${indent}  `)}`).join('');
  return Object.entries(v as Record<string, Yaml>)
    .map(([k, x]) => `${indent}${/^[A-Za-z0-9_.-]+$/.test(k) ? k : JSON.stringify(k)}:${block(x, `${indent}  `)}`)
    .join('');
}
function block(x: Yaml, indent: string): string {
  if (typeof x !== 'object') return ` ${typeof x === 'string' ? JSON.stringify(x) : String(x)}\n`;
  if (Array.isArray(x) ? x.length === 0 : Object.keys(x).length === 0) return Array.isArray(x) ? ' []\n' : ' {}\n';
  return `\n${toYaml(x, indent)}`;
}

/** The compose file (text) for a layout; the files of each node go to ./<node>/ beside it. */
export function renderCompose(layout: LabLayout, title: string): string {
  const services: Record<string, Yaml> = {};
  for (const n of layout.nodes) {
    const svc: Record<string, Yaml> = {
      image: n.image,
      hostname: n.name,
      // dnslab's servers stop on SIGINT (Ctrl-C); the idle clients' shell loop on SIGTERM or SIGINT.
      stop_signal: 'SIGINT',
      labels: { 'org.dnslab.export': title, 'org.dnslab.role': n.role },
    };
    // Compose substitutes $VAR in every value; $$ is a literal $ (the resolvers' entrypoint uses "$@").
    const literal = (a: string) => a.replace(/\$/g, '$$$$');
    if (n.entrypoint) svc.entrypoint = n.entrypoint.map(literal);
    if (n.command.length) svc.command = n.command.map(literal);
    if (Object.keys(n.files).length) svc.volumes = [`./${n.name}:/lab:ro`];
    svc.networks = Object.fromEntries(Object.entries(n.addresses).map(([net, a]) => [net, { ipv4_address: a }]));
    services[n.name] = svc;
  }
  const networks = Object.fromEntries(
    layout.networks.map((n) => [n.name, { driver: 'bridge', internal: true, ipam: { config: [{ subnet: n.subnet, gateway: n.gateway }] } }] as [string, Yaml]),
  );
  return `# ${title}: written by dnslab export (lab/export/); see README.md beside this file.\nversion: "3.8"\n${toYaml({ services, networks })}`;
}
