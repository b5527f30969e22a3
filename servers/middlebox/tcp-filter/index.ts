// TCP/53 filter: the firewall rule that breaks TC=1 fallback (RFC 7766 §1:
// TCP is mandatory for DNS). 'reject' answers a SYN with RST (the client sees
// "connection refused" at once); 'blackhole' drops every segment (the client
// retransmits SYNs and times out); 'allow' passes.
//
// On the VirtualNetwork this is `TcpFilter`, an interceptor on real segments.
// The socket proxy (proxy.ts) implements the same modes itself: 'reject' =
// no TCP listener, so the kernel answers the SYN with RST; 'blackhole' =
// connections are accepted but nothing is ever forwarded or answered (a
// user-space proxy cannot swallow a SYN; to the DNS client the effect — no
// answer over TCP — is the same, except that connect() succeeds).

import type { InterceptContext, InterceptResult, PacketInterceptor } from '../../../net/interceptor.ts';
import { packetPorts, packetProtocol, type IpPacket } from '../../../net/packet.ts';
import { intSetting, knownKeys, oneOf } from '../errors.ts';

export type TcpMode = 'allow' | 'reject' | 'blackhole';
export const TCP_MODES: readonly TcpMode[] = ['allow', 'reject', 'blackhole'];

export interface TcpFilterConfig {
  tcp: TcpMode;
  /** Server port the rule is about (default 53). */
  port?: number;
}

export function validateTcpFilter(c: TcpFilterConfig): Required<TcpFilterConfig> {
  knownKeys('tcpFilter', c, ['tcp', 'port']);
  return { tcp: oneOf('tcp', c.tcp, TCP_MODES), port: c.port === undefined ? 53 : intSetting('port', c.port, 1, 65535) };
}

export class TcpFilter implements PacketInterceptor {
  readonly name: string;
  readonly config: Required<TcpFilterConfig>;

  constructor(config: TcpFilterConfig, name = 'tcp-filter') {
    this.config = validateTcpFilter(config);
    this.name = name;
  }

  intercept(packet: IpPacket, ctx: InterceptContext): InterceptResult {
    if (this.config.tcp === 'allow' || packetProtocol(packet) !== 'tcp') return 'forward';
    const ports = packetPorts(packet);
    // Non-first fragments carry no ports; TCP sets DF so they do not occur, drop them to be safe.
    if (!ports) return 'drop';
    if (ports.dstPort !== this.config.port && ports.srcPort !== this.config.port) return 'forward';
    const b = packet.body;
    // A rejecting firewall's own RSTs (and any RST) pass: the same rule on the reverse path
    // must not swallow the refusal it produced (attachBetween puts one filter per direction).
    if (this.config.tcp === 'reject' && b.kind === 'tcp' && b.flags.rst) return 'forward';
    if (this.config.tcp === 'reject' && b.kind === 'tcp' && b.flags.syn && !b.flags.ack && ports.dstPort === this.config.port) {
      // RFC 9293 §3.10.7.1: a SYN to a closed port gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN+1><CTL=RST,ACK>.
      ctx.inject({
        id: ctx.packetId(),
        family: packet.family,
        src: packet.dst,
        dst: packet.src,
        ident: 0,
        ttl: 64,
        dontFragment: true,
        body: {
          kind: 'tcp',
          srcPort: b.dstPort,
          dstPort: b.srcPort,
          seq: 0,
          ack: (b.seq + 1) >>> 0,
          flags: { rst: true, ack: true },
          window: 0,
          payload: Buffer.alloc(0),
        },
      });
    }
    return 'drop';
  }
}
