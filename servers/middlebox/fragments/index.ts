// Fragment policy: a link with a path MTU and a firewall that passes IP
// fragments, drops them all, or passes only the first one (a stateless port
// filter: only the first fragment carries the UDP ports). The classic way
// large DNSSEC answers vanish (docs/incidents.md: "Middlebox checkpoints"; DNS Flag Day 2020).
//
// Two forms:
//  * `FragmentFilter` — a VirtualNetwork interceptor working on real IP
//    packets: a UDP packet larger than `mtu` is fragmented here like a router
//    would (IPv4 without DF; IPv4 with DF and IPv6 are dropped as too big, no
//    ICMP is modelled), and then the policy is applied to each fragment,
//    including fragments the sender made itself. With 'first', the receiver
//    holds the first fragment until the network's reassembly timeout
//    (VirtualNetwork option `reassemblyTimeoutMs`) and then discards it.
//  * `FragmentStage` — the same decision for the socket proxy. Loopback does
//    not fragment (MTU 65536), so the proxy judges each datagram: a DNS
//    payload + 8 (UDP) + 20 (IPv4) / 40 (IPv6) octets over
//    `mtu` "would be fragmented", and 'drop' / 'first' make it vanish
//    ('first' only after `reassemblyTimeoutMs`, which the receiver cannot
//    observe either way — it simply never gets the datagram).

import type { InterceptContext, InterceptResult, PacketInterceptor } from '../../../net/interceptor.ts';
import { fragmentPacket, ipPacketSize, type IpPacket } from '../../../net/packet.ts';
import { intSetting, knownKeys, oneOf } from '../errors.ts';
import { SymmetricStage, type Flow, type StageResult } from '../stage.ts';

export type FragmentMode = 'pass' | 'drop' | 'first';
export const FRAGMENT_MODES: readonly FragmentMode[] = ['pass', 'drop', 'first'];

export interface FragmentConfig {
  /** Path MTU: the largest IP packet, headers included (68..65535; RFC 791 minimum 68). */
  mtu: number;
  fragments: FragmentMode;
  /** How long a receiver keeps an incomplete datagram (default 30000, Linux ipfrag_time). */
  reassemblyTimeoutMs?: number;
}

export function validateFragments(c: FragmentConfig): Required<FragmentConfig> {
  knownKeys('fragments', c, ['mtu', 'fragments', 'reassemblyTimeoutMs']);
  return {
    mtu: intSetting('mtu', c.mtu, 68, 65535),
    fragments: oneOf('fragments', c.fragments, FRAGMENT_MODES),
    reassemblyTimeoutMs: c.reassemblyTimeoutMs === undefined ? 30_000 : intSetting('reassemblyTimeoutMs', c.reassemblyTimeoutMs, 0, 600_000),
  };
}

/** IP packet size a DNS payload of `dnsOctets` makes over UDP (unfragmented). */
export function udpIpSize(dnsOctets: number, family: 4 | 6): number {
  return dnsOctets + 8 + (family === 4 ? 20 : 40);
}

export class FragmentStage extends SymmetricStage {
  readonly config: Required<FragmentConfig>;

  constructor(config: FragmentConfig, name = 'fragments') {
    super(name);
    this.config = validateFragments(config);
  }

  protected judge(payload: Buffer, flow: Flow): StageResult {
    if (flow.transport !== 'udp') return { kind: 'pass', payload };
    const family = flow.server.address.includes(':') ? 6 : 4;
    const size = udpIpSize(payload.length, family);
    if (size <= this.config.mtu) return { kind: 'pass', payload };
    if (this.config.fragments === 'pass') return { kind: 'pass', payload };
    if (this.config.fragments === 'drop')
      return { kind: 'drop', reason: `${size}-octet datagram over MTU ${this.config.mtu} would be fragmented; fragments are dropped` };
    return {
      kind: 'drop',
      reason: `${size}-octet datagram over MTU ${this.config.mtu}: only the first fragment passes, the receiver discards it after ${this.config.reassemblyTimeoutMs} ms`,
    };
  }
}

export class FragmentFilter implements PacketInterceptor {
  readonly name: string;
  readonly config: Required<FragmentConfig>;

  constructor(config: FragmentConfig, name = 'fragment-filter') {
    this.config = validateFragments(config);
    this.name = name;
  }

  intercept(packet: IpPacket, ctx: InterceptContext): InterceptResult {
    let pieces: IpPacket[] = [packet];
    if (ipPacketSize(packet) > this.config.mtu) {
      // A router on a smaller-MTU link: IPv4 without DF is fragmented, the rest is too big (RFC 791, RFC 8200 §5).
      if (packet.family === 6 || packet.dontFragment) return 'drop';
      pieces = fragmentPacket(packet, this.config.mtu, () => ctx.packetId());
    }
    const kept = pieces.filter((p) => {
      if (p.body.kind !== 'fragment') return true;
      if (this.config.fragments === 'pass') return true;
      if (this.config.fragments === 'drop') return false;
      return p.body.offset === 0;
    });
    if (kept.length === 1 && kept[0] === packet) return 'forward';
    return kept.map((p) => ({ packet: p }));
  }
}
