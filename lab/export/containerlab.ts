// `dnslab export ID --format containerlab`: the same layout as a containerlab topology (containerlab.dev),
// so vendor devices can be wired into the lab. Each network is a `bridge` node (a Linux bridge on the host,
// which containerlab expects to exist: README.md beside the topology names the commands); each container is a
// `linux` node linked to every bridge, its addresses set by `exec` after start (containerlab gives a linux
// node's data interfaces no address of its own).

import type { LabLayout } from './layout.ts';
import { toYaml } from './compose.ts';

type Json = string | number | boolean | Json[] | { [k: string]: Json };

/** Linux interface names are at most 15 bytes: br-<third and fourth octet of the /24> keeps it short. */
export const bridgeName = (subnet: string) => `br-${subnet.split('.').slice(0, 3).join('-')}`.slice(0, 15);

export function containerlabTopology(layout: LabLayout, id: string): { [k: string]: Json } {
  const nodes: Record<string, Json> = {};
  const links: Json[] = [];
  for (const n of layout.networks) nodes[bridgeName(n.subnet)] = { kind: 'bridge' };
  for (const node of layout.nodes) {
    const exec: string[] = [];
    layout.networks.forEach((net, i) => {
      const ifname = `eth${i + 1}`;
      links.push({ endpoints: [`${node.name}:${ifname}`, `${bridgeName(net.subnet)}:${node.name.slice(0, 10)}-${i + 1}`] });
      exec.push(`ip addr add ${node.addresses[net.name]}/24 dev ${ifname}`);
    });
    const cfg: Record<string, Json> = { kind: 'linux', image: node.image, exec, labels: { 'org.dnslab.role': node.role } };
    if (node.entrypoint) cfg.entrypoint = node.entrypoint.map((a) => (/\s/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
    if (node.command.length) cfg.cmd = node.command.map((a) => (/[\s"'{}]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
    if (Object.keys(node.files).length) cfg.binds = [`${node.name}:/lab:ro`];
    nodes[node.name] = cfg;
  }
  return { name: `dnslab-${id}`.slice(0, 60), topology: { nodes, links } };
}

export function renderContainerlab(layout: LabLayout, id: string): string {
  const bridges = layout.networks.map((n) => bridgeName(n.subnet));
  return [
    `# dnslab export ${id} --format containerlab (lab/export/). Before deploying, create the bridges:`,
    ...bridges.map((b) => `#   ip link add ${b} type bridge && ip link set ${b} up`),
    toYaml(containerlabTopology(layout, id)),
  ].join('\n');
}
