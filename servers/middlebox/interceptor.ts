// DNS stages as a VirtualNetwork interceptor: every whole UDP packet to or
// from the DNS port is run through the stages (queries in order, responses in
// reverse); replies a stage makes up are injected from the server's address,
// as a transparent proxy in a home router does. TCP segments and IP fragments
// pass untouched — a box that must act on them is a packet interceptor of its
// own (tcp-filter/, fragments/).

import type { InterceptContext, InterceptResult, PacketInterceptor } from '../../net/interceptor.ts';
import { withUdpPayload, type IpPacket } from '../../net/packet.ts';
import { runStages, type DnsStage, type Flow } from './stage.ts';
import { isResponse } from './wire-edit.ts';

export interface StagesInterceptorOptions {
  /** DNS port (default 53). */
  port?: number;
  name?: string;
  /** Called for every copy a stage dropped. */
  onDrop?: (stage: string, reason: string, packet: IpPacket) => void;
}

export function stagesInterceptor(stages: readonly DnsStage[], options: StagesInterceptorOptions = {}): PacketInterceptor {
  const port = options.port ?? 53;
  const name = options.name ?? stages.map((s) => s.name).join('+');
  return {
    name,
    intercept(packet: IpPacket, ctx: InterceptContext): InterceptResult {
      const b = packet.body;
      if (b.kind !== 'udp') return 'forward';
      const response = isResponse(b.payload);
      if (response ? b.srcPort !== port : b.dstPort !== port) return 'forward';
      const flow: Flow = response
        ? {
            transport: 'udp',
            client: { address: packet.dst, port: b.dstPort },
            server: { address: packet.src, port: b.srcPort },
            now: ctx.now,
            random: ctx.random,
          }
        : {
            transport: 'udp',
            client: { address: packet.src, port: b.srcPort },
            server: { address: packet.dst, port: b.dstPort },
            now: ctx.now,
            random: ctx.random,
          };
      const out = runStages(stages, response ? 'response' : 'query', b.payload, flow);
      for (const d of out.drops) options.onDrop?.(d.stage, d.reason, packet);
      for (const r of out.back) {
        ctx.inject(
          {
            id: ctx.packetId(),
            family: packet.family,
            src: flow.server.address,
            dst: flow.client.address,
            ident: ctx.random.int(0x10000),
            ttl: 64,
            dontFragment: false,
            body: { kind: 'udp', srcPort: flow.server.port, dstPort: flow.client.port, payload: r.payload },
          },
          r.delayMs,
        );
      }
      if (out.forward.length === 1 && out.forward[0]!.payload === b.payload && out.forward[0]!.delayMs === 0) return 'forward';
      return out.forward.map((d) => ({
        packet: d.payload === b.payload ? packet : withUdpPayload(packet, d.payload),
        ...(d.delayMs > 0 ? { delayMs: d.delayMs } : {}),
      }));
    },
  };
}
