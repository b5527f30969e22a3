// What a resolver or forwarder device must be configured with for a run
// (`--print-config FORMAT`): its two addresses, the clients it must answer,
// the lab's root hints and trust anchor (resolver) or the lab's resolver
// (forwarder), and the scenario resolver's settings. With --time-scale N the
// device's own TTL caps and timers are divided by N as well (the lab's TTLs
// already are, ttl-scale.ts), so the device keeps state for as long in lab
// time as the emulated resolver would.

import { settingsFor, isProfileName } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import type { Placement } from './plan.ts';

export const CONFIG_FORMATS = ['generic', 'unbound', 'bind', 'dnsmasq'] as const;
export type ConfigFormat = (typeof CONFIG_FORMATS)[number];

export interface DeviceConfigInput {
  scenario: string;
  variant: string;
  placement: Placement;
  /** The addresses of the device's clients (access lists). */
  clientAddresses: string[];
  /** Resolver role: the world's root servers and the root's DS records (presentation form). */
  rootHints: { host: string; address: string }[];
  trustAnchors: string[];
  /** Forwarder role: the lab resolver's address. */
  upstream?: string;
  profile: string;
  settings: Record<string, boolean | number>;
  timeScale: number;
}

/** A device timer of `s` seconds at the scale: at least 1 s (0 stays 0: "off"). */
function scaled(s: number, scale: number): number {
  return s === 0 ? 0 : Math.max(1, Math.round(s / scale));
}

function effective(c: DeviceConfigInput): ResolverSettings {
  return settingsFor(isProfileName(c.profile) ? c.profile : 'unbound', c.settings as Partial<ResolverSettings>);
}

/** The device configuration in `format`, or a one-line reason it does not fit the role. */
export function deviceConfig(format: ConfigFormat, c: DeviceConfigInput): { text: string } | { refused: string } {
  const p = c.placement;
  const head = `dnslab: ${c.scenario} [${c.variant}], device ${p.role} ${p.role === 'resolver' ? `as resolver "${p.resolver}"` : `in front of the lab's resolver "${p.resolver}" (${c.upstream})`}, time scale ${c.timeScale}`;
  const s = effective(c);
  const k = c.timeScale;
  const validate = s.validate && c.trustAnchors.length > 0;
  const v6 = [p.inside, p.outside].some((a) => a.includes(':'));
  const host = (a: string) => (a.includes(':') ? `${a}/128` : `${a}/32`);
  switch (format) {
    case 'generic': {
      const lines = [`# ${head}`, `listen on (inside)         : ${p.inside} port 53, UDP and TCP`, `send queries from (outside): ${p.outside}`];
      lines.push(`answer these clients       : ${c.clientAddresses.join(', ')}`);
      if (p.role === 'resolver') {
        lines.push('root hints:', ...c.rootHints.map((h) => `  .  NS  ${h.host}   ${h.host}  ${h.address.includes(':') ? 'AAAA' : 'A'}  ${h.address}`));
        lines.push(validate ? 'trust anchor (validate DNSSEC):' : 'no DNSSEC validation', ...(validate ? c.trustAnchors.map((t) => `  ${t}`) : []));
        lines.push(
          `cache TTL cap ${scaled(s.maxTtl, k)} s, negative TTL cap ${scaled(s.maxNegativeTtl, k)} s, bogus TTL ${scaled(s.bogusTtl, k)} s` +
            (k !== 1 ? ` (the scenario's ${s.maxTtl}, ${s.maxNegativeTtl}, ${s.bogusTtl} s divided by ${k})` : ''),
          `aggressive use of NSEC (RFC 8198): ${s.aggressiveNsec ? 'on' : 'off'}; QNAME minimisation: ${s.qnameMinimisation ? 'on' : 'off'}; serve stale: ${s.serveStale ? 'on' : 'off'}`,
        );
      } else lines.push(`forward every query to      : ${c.upstream} port 53 (the lab's resolver), from ${p.outside}`);
      return { text: lines.join('\n') + '\n' };
    }
    case 'unbound': {
      if (p.role !== 'resolver') return { refused: 'unbound: a resolver config; for a forwarder use dnsmasq or generic' };
      // Root hints as a primed stub zone for ".": Unbound reads hints only from a file, and this stays one snippet.
      const lines = [
        `# ${head}`,
        'server:',
        `  interface: ${p.inside}`,
        `  outgoing-interface: ${p.outside}`,
        `  do-ip6: ${v6 ? 'yes' : 'no'}`,
        '  access-control: 0.0.0.0/0 refuse',
        ...c.clientAddresses.map((a) => `  access-control: ${host(a)} allow`),
        ...(validate
          ? ['  module-config: "validator iterator"', ...c.trustAnchors.map((t) => `  trust-anchor: "${t.replace(/\s+/g, ' ')}"`)]
          : ['  module-config: "iterator"']),
        `  aggressive-nsec: ${s.aggressiveNsec ? 'yes' : 'no'}`,
        `  qname-minimisation: ${s.qnameMinimisation ? 'yes' : 'no'}`,
        ...(s.serveStale ? ['  serve-expired: yes'] : []),
        `  cache-max-ttl: ${scaled(s.maxTtl, k)}`,
        `  cache-max-negative-ttl: ${scaled(s.maxNegativeTtl, k)}`,
        `  cache-min-ttl: ${scaled(s.minTtl, k)}`,
        `  val-bogus-ttl: ${scaled(s.bogusTtl, k)}`,
        `  infra-host-ttl: ${scaled(900, k)}`,
        `  edns-buffer-size: ${s.ednsBufferSize}`,
        'stub-zone:',
        '  name: "."',
        ...c.rootHints.map((h) => `  stub-addr: ${h.address}`),
        '  stub-prime: yes',
      ];
      return { text: lines.join('\n') + '\n' };
    }
    case 'bind': {
      if (p.role !== 'resolver') return { refused: 'bind: a resolver config; for a forwarder use dnsmasq or generic' };
      const ds = c.trustAnchors.map((t) => {
        const f = t.trim().split(/\s+/);
        const i = f.indexOf('DS');
        return `  "${f[0]}" static-ds ${f[i + 1]} ${f[i + 2]} ${f[i + 3]} "${f.slice(i + 4).join('')}";`;
      });
      const lines = [
        `// ${head}`,
        'options {',
        `  listen-on { ${p.inside}; };`,
        `  listen-on-v6 { ${v6 ? p.inside : 'none'}; };`,
        `  query-source address ${p.outside};`,
        '  recursion yes;',
        `  allow-query { ${c.clientAddresses.join('; ')}; };`,
        `  allow-recursion { ${c.clientAddresses.join('; ')}; };`,
        `  dnssec-validation ${validate ? 'yes' : 'no'};`,
        `  max-cache-ttl ${scaled(s.maxTtl, k)};`,
        `  max-ncache-ttl ${scaled(s.maxNegativeTtl, k)};`,
        `  synth-from-dnssec ${s.aggressiveNsec ? 'yes' : 'no'};`,
        `  qname-minimization ${s.qnameMinimisation ? 'relaxed' : 'off'};`,
        `  edns-udp-size ${s.ednsBufferSize};`,
        '};',
        ...(validate ? ['trust-anchors {', ...ds, '};'] : []),
        // A static-stub for the root: the hints in the config itself, no hints file.
        `zone "." { type static-stub; server-addresses { ${c.rootHints.map((h) => h.address).join('; ')}; }; };`,
      ];
      return { text: lines.join('\n') + '\n' };
    }
    case 'dnsmasq': {
      if (p.role !== 'forwarder')
        return { refused: 'dnsmasq: a forwarder config (dnsmasq does not resolve from the root); for a resolver use unbound, bind or generic' };
      const lines = [`# ${head}`, `listen-address=${p.inside}`, 'bind-interfaces', 'no-resolv', 'no-hosts', `server=${c.upstream}@${p.outside}`];
      return { text: lines.join('\n') + '\n' };
    }
  }
}
