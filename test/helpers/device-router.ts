// The reference device for the --device tests, built by the test and not by
// dnslab: a router in its own network namespace (dnslab-dev-PID-N-rtr) with
// nftables rules the test writes, joined by two veth pairs whose host ends
// (ddPIDNi, ddPIDNo) the test passes as --inside and --outside.
//
// The rules are the checkpoint boxes made from a real kernel: IP fragments are
// dropped before conntrack could reassemble them (prerouting, priority -450;
// nf_defrag hooks at -400), UDP/53 payloads over 512 octets are dropped (UDP
// length = payload + 8), and TCP/53 gets an RST. The last rule only counts
// the UDP/53 queries that were forwarded.

import { spawnSync } from 'node:child_process';

export const ROUTER_RULES = `table inet dnsbox {
  chain early {
    type filter hook prerouting priority -450; policy accept;
    ip frag-off & 0x3fff != 0 counter drop
  }
  chain forwarded {
    type filter hook forward priority 0; policy accept;
    udp sport 53 udp length > 520 counter drop
    udp dport 53 udp length > 520 counter drop
    tcp dport 53 counter reject with tcp reset
    udp dport 53 counter
  }
}
`;

/** The same box as dnslab's emulated firewall settings (servers/middlebox/settings.ts). */
export const ROUTER_SETTINGS = { mtu: 1500, fragments: 'drop', maxUdp: 512, oversize: 'drop', tcp: 'reject' } as const;

export const INSIDE_GATEWAY = '10.250.1.1';
export const OUTSIDE_GATEWAY = '10.250.2.1';
export const LAB_INSIDE = '10.250.1.2';
export const LAB_OUTSIDE = '10.250.2.2';

let counter = 0;

function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export class ReferenceRouter {
  readonly ns: string;
  readonly inside: string;
  readonly outside: string;

  constructor(rules: string | undefined = ROUTER_RULES) {
    const id = `${process.pid}${counter++}`;
    this.ns = `dnslab-dev-${process.pid}-${counter}-rtr`;
    this.inside = `dd${id}i`.slice(0, 15);
    this.outside = `dd${id}o`.slice(0, 15);
    try {
      sh('ip', ['netns', 'add', this.ns]);
      sh('ip', ['link', 'add', this.inside, 'type', 'veth', 'peer', 'name', 'rin', 'netns', this.ns]);
      sh('ip', ['link', 'add', this.outside, 'type', 'veth', 'peer', 'name', 'rout', 'netns', this.ns]);
      // The host says nothing on these links (no IPv6 link-local, no router solicitations).
      sh('sysctl', ['-q', '-w', `net.ipv6.conf.${this.inside}.disable_ipv6=1`, `net.ipv6.conf.${this.outside}.disable_ipv6=1`]);
      sh('ip', ['link', 'set', this.inside, 'up']);
      sh('ip', ['link', 'set', this.outside, 'up']);
      const ipn = (...a: string[]) => sh('ip', ['-n', this.ns, ...a]);
      sh('ip', ['netns', 'exec', this.ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.disable_ipv6=1']);
      ipn('link', 'set', 'lo', 'up');
      ipn('addr', 'add', `${INSIDE_GATEWAY}/24`, 'dev', 'rin');
      ipn('addr', 'add', `${OUTSIDE_GATEWAY}/24`, 'dev', 'rout');
      ipn('link', 'set', 'rin', 'up');
      ipn('link', 'set', 'rout', 'up');
      if (rules) sh('ip', ['netns', 'exec', this.ns, 'nft', '-f', '-'], rules);
    } catch (e) {
      this.delete();
      throw e;
    }
  }

  /** Routes a routed box needs, as dnslab prints them ("ADDR via LAB (…)"). */
  addRoutes(deviceRoutes: string[]): void {
    for (const r of deviceRoutes) {
      const m = /^(\S+) via (\S+)/.exec(r);
      if (!m) throw new Error(`unexpected route line "${r}"`);
      spawnSync('ip', ['-n', this.ns, 'route', 'replace', m[1]!, 'via', m[2]!], { timeout: 10_000 });
    }
  }

  /** The packet counters of the nftables rules, in rule order. */
  counters(): number[] {
    return [...sh('ip', ['netns', 'exec', this.ns, 'nft', 'list', 'table', 'inet', 'dnsbox']).matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
  }

  /** Delete the namespace (its veth ends and so the host ends go with it). */
  delete(): void {
    spawnSync('ip', ['netns', 'del', this.ns], { timeout: 10_000 });
    for (const i of [this.inside, this.outside]) spawnSync('ip', ['link', 'del', i], { timeout: 10_000, stdio: 'ignore' });
  }
}
