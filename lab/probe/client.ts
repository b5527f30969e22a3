// The probe's stub side: one DNS question over UDP or TCP with a deadline,
// returning what came back (or why nothing did) as evidence.

import type { Message } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { queryTcp } from '../../net/dns-stub.ts';
import type { Endpoint, Network, TimerHandle, UdpSocket } from '../../net/network.ts';

export interface Exchange {
  transport: 'udp' | 'tcp';
  /** What was asked (name, type). */
  asked: string;
  ok: boolean;
  /** Why there is no usable answer. */
  error?: 'timeout' | 'refused' | 'closed' | 'malformed' | 'unreachable';
  /** Octets of the DNS message received. */
  bytes?: number;
  rcode?: string;
  tc?: boolean;
  message?: Message;
  ms: number;
}

function summary(transport: 'udp' | 'tcp', query: Message, start: number, now: number, raw?: Buffer): Exchange {
  const q = query.question[0];
  const asked = q ? `${q.qname} ${q.qtype}` : '?';
  if (!raw) return { transport, asked, ok: false, error: 'timeout', ms: now - start };
  try {
    const m = decodeMessage(raw);
    return { transport, asked, ok: true, bytes: raw.length, rcode: m.rcode, tc: m.flags.tc, message: m, ms: now - start };
  } catch {
    return { transport, asked, ok: false, error: 'malformed', bytes: raw.length, ms: now - start };
  }
}

/** One UDP socket (one "flow" through a NAT), several questions matched by ID. */
export class UdpClient {
  private readonly waiting = new Map<number, (raw: Buffer) => void>();
  private constructor(
    private readonly network: Network,
    readonly socket: UdpSocket,
  ) {
    socket.onMessage((payload) => {
      if (payload.length < 2) return;
      const w = this.waiting.get(payload.readUInt16BE(0));
      if (w) w(payload);
    });
  }

  static async open(network: Network, address: string): Promise<UdpClient> {
    return new UdpClient(network, await network.bindUdp({ address, port: 0 }));
  }

  query(msg: Message, to: Endpoint, timeoutMs: number): Promise<Exchange> {
    const clock = this.network.clock;
    const start = clock.now();
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const done = (raw?: Buffer) => {
        if (timer) clock.clearTimer(timer);
        this.waiting.delete(msg.id);
        resolve(summary('udp', msg, start, clock.now(), raw));
      };
      this.waiting.set(msg.id, done);
      timer = clock.setTimer(timeoutMs, () => done());
      this.socket.send(encodeMessage(msg), to);
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * One question over a fresh TCP connection (net/dns-stub.ts), the first reply taken as it is. The connection is
 * reset once there is an outcome, so a box on the path frees the session at once.
 */
export async function tcpQuery(network: Network, to: Endpoint, msg: Message, timeoutMs: number, localAddress?: string): Promise<Exchange> {
  const start = network.clock.now();
  const q = msg.question[0];
  const asked = q ? `${q.qname} ${q.qtype}` : '?';
  const r = await queryTcp(network, to, encodeMessage(msg), { connectTimeoutMs: timeoutMs, timeoutMs, close: 'reset', ...(localAddress ? { localAddress } : {}) }).outcome;
  if (r.ok) return { transport: 'tcp', asked, ok: true, bytes: r.size, rcode: r.message.rcode, tc: r.message.flags.tc, message: r.message, ms: r.at - start };
  return { transport: 'tcp', asked, ok: false, error: r.error, ...(r.size !== undefined ? { bytes: r.size } : {}), ms: r.at - start };
}
