// A scenario's lab as containers (the renderers' common input): one container per server, resolver and client,
// and one network per /24 that a scenario IPv4 address lies in. Every container joins every network — with its
// scenario address where it has one there, else a filler address from the top of the /24 — so every machine
// reaches every other on-link, and a reply goes back to the scenario address it came from without routes or
// NET_ADMIN (a resolver sends from 10.0.1.53 to a server on 192.0.2.0/24: that server is on 10.0.1.0/24 too).

import { InputError } from '../cli/command.ts';
import { ipv4, type LabSnapshot } from './snapshot.ts';

/** Images the containers run: docker/dnslab/Dockerfile (lab/runner/images.ts builds it as this tag). */
export const DNSLAB_IMAGE = 'dnslab-dnslab:bookworm';

export interface LabNetwork {
  name: string;
  subnet: string;
  gateway: string;
}
export interface LabNode {
  name: string;
  role: 'server' | 'resolver' | 'client';
  image: string;
  /** Replaces the image's entrypoint (dnslab) when set. */
  entrypoint?: string[];
  command: string[];
  /** Network name → this node's address there (its scenario address, or a filler). */
  addresses: Record<string, string>;
  /** Files under the node's folder (mounted read-only at /lab): relative path → content. */
  files: Record<string, string>;
}
export interface LabLayout {
  networks: LabNetwork[];
  nodes: LabNode[];
  omitted: string[];
}

const prefix24 = (a: string) => a.split('.').slice(0, 3).join('.');
/** A node name usable as a container, host and compose service name. */
const nodeName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'node';

/** The resolver switches `dnslab resolver` has a flag for (lab/cli/resolver.ts). */
const RESOLVER_FLAGS: Record<string, string> = {
  aggressiveNsec: '--aggressive-nsec',
  qnameMinimisation: '--qname-minimisation',
  serveStale: '--serve-stale',
  ede: '--ede',
};

const shq = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;

/**
 * A node script that returns once one of `hints` answers a `. NS` query over UDP (any reply), polling every
 * 500 ms for at most 60 s (then it returns anyway and the resolver starts). The query: ID 1, RD=0, QDCOUNT 1,
 * the root name, type NS (2), class IN (1) (RFC 1035 §4.1).
 */
export function waitForRoot(hints: string[]): string {
  return [
    `const d=require("dgram"),s=d.createSocket("udp4"),q=Buffer.from([0,1,0,0,0,1,0,0,0,0,0,0,0,0,2,0,1]),h=${JSON.stringify(hints)};`,
    `const end=Date.now()+60000;s.on("message",()=>process.exit(0));s.on("error",()=>{});`,
    `const p=()=>{if(Date.now()>end)process.exit(0);for(const a of h)s.send(q,53,a,()=>{});setTimeout(p,500)};p();`,
  ].join('');
}

export function layoutLab(snap: LabSnapshot): LabLayout {
  const omitted = [...snap.omitted];
  const nodes: LabNode[] = [];
  const used = new Set<string>();
  const uniqueName = (s: string) => {
    let n = nodeName(s);
    for (let i = 2; used.has(n); i++) n = `${nodeName(s)}-${i}`;
    used.add(n);
    return n;
  };
  const scenarioAddresses = (what: string, addresses: string[]) => {
    const v4 = ipv4(addresses);
    const v6 = addresses.filter((a) => !v4.includes(a));
    if (v6.length) omitted.push(`${what}: IPv6 ${v6.join(', ')} not exported (IPv4 networks only)`);
    if (!v4.length) throw new InputError(`${what} has no IPv4 address; the export needs one per machine`);
    return v4;
  };
  const pending: { node: LabNode; v4: string[] }[] = [];

  for (const s of snap.servers) {
    const v4 = scenarioAddresses(`server ${s.name}`, s.addresses);
    const files: Record<string, string> = {};
    const command = ['auth', '--allow-external', '--allow-broken', ...v4.flatMap((a) => ['--listen', `${a}:53`])];
    for (const z of s.zones) {
      files[`zones/${z.file}`] = z.text;
      command.push('--zone', `/lab/zones/${z.file}:${z.origin}`);
    }
    for (const q of s.quirks) command.push('--quirk', JSON.stringify(q));
    if (s.udpPayloadSize !== undefined) command.push('--udp-size', String(s.udpPayloadSize));
    pending.push({ node: { name: uniqueName(s.name), role: 'server', image: DNSLAB_IMAGE, command, addresses: {}, files }, v4 });
  }
  const hints = ipv4(snap.rootHints);
  for (const r of snap.resolvers) {
    const v4 = scenarioAddresses(`resolver ${r.name}`, r.addresses);
    const files: Record<string, string> = {};
    const command = ['resolver', '--allow-external', ...v4.flatMap((a) => ['--listen', `${a}:53`]), '--root-hints', hints.join(','), '--profile', r.profile];
    // validate: false is a resolver that does not validate: no trust anchor (lab/cli/resolver.ts).
    if (snap.trustAnchor && r.settings.validate !== false) {
      files['root.ds'] = `${snap.trustAnchor}\n`;
      command.push('--trust-anchor', '/lab/root.ds');
    }
    for (const [k, v] of Object.entries(r.settings)) {
      if (k === 'validate') continue;
      const flag = RESOLVER_FLAGS[k];
      if (flag && typeof v === 'boolean') command.push(flag, v ? 'on' : 'off');
      else omitted.push(`resolver ${r.name}: setting ${k}=${v} has no dnslab resolver flag; not exported`);
    }
    // Start only once a root server answers: a resolver whose priming finds no root backs off for minutes (as
    // Unbound does), and containers start in no guaranteed order (Swarm ignores depends_on). Bounded: 60 s.
    const entrypoint = ['sh', '-c', `node -e ${shq(waitForRoot(hints))}; exec dnslab "$@"`, 'dnslab'];
    pending.push({ node: { name: uniqueName(r.name), role: 'resolver', image: DNSLAB_IMAGE, entrypoint, command, addresses: {}, files }, v4 });
  }
  for (const c of snap.clients) {
    const v4 = scenarioAddresses(`client ${c.name}`, c.addresses);
    // An idle machine to query from (docker compose exec CLIENT …); a shell loop ends at once on SIGTERM.
    pending.push({
      node: {
        name: uniqueName(c.name),
        role: 'client',
        image: DNSLAB_IMAGE,
        entrypoint: ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 1; done'],
        command: [],
        addresses: {},
        files: {},
      },
      v4,
    });
  }

  // One network per /24 in first-seen order; scenario addresses first, then fillers from the top.
  const taken = new Map<string, Set<number>>();
  for (const { v4 } of pending)
    for (const a of v4) {
      const p = prefix24(a);
      if (!taken.has(p)) taken.set(p, new Set());
      taken.get(p)!.add(Number(a.split('.')[3]));
    }
  const networks: LabNetwork[] = [];
  const netOf = new Map<string, LabNetwork>();
  const nextFree = (p: string) => {
    const t = taken.get(p)!;
    for (let h = 254; h >= 2; h--)
      if (!t.has(h)) {
        t.add(h);
        return `${p}.${h}`;
      }
    throw new InputError(`the lab's network ${p}.0/24 has no free address left for the export`);
  };
  for (const p of taken.keys()) {
    const n = { name: `net-${p.replace(/\./g, '-')}`, subnet: `${p}.0/24`, gateway: nextFree(p) };
    networks.push(n);
    netOf.set(p, n);
  }
  for (const { node, v4 } of pending) {
    for (const a of v4) {
      const n = netOf.get(prefix24(a))!;
      if (node.addresses[n.name])
        omitted.push(`${node.role} ${node.name}: ${a} not exported (one address per container per network; it keeps ${node.addresses[n.name]})`);
      else node.addresses[n.name] = a;
    }
    for (const n of networks) node.addresses[n.name] ??= nextFree(n.subnet.replace(/\.0\/24$/, ''));
    nodes.push(node);
  }
  return { networks, nodes, omitted };
}
