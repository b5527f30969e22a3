// The probe's stub side: one DNS question over UDP or TCP with a deadline,
// returning what came back (or why nothing did) as evidence.

import type { Message } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { NetworkError, type Endpoint, type Network, type TimerHandle, type UdpSocket } from '../../net/network.ts';

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

/** One question over a fresh TCP connection (RFC 7766 framing). */
export async function tcpQuery(network: Network, to: Endpoint, msg: Message, timeoutMs: number, localAddress?: string): Promise<Exchange> {
  const clock = network.clock;
  const start = clock.now();
  const q = msg.question[0];
  const asked = q ? `${q.qname} ${q.qtype}` : '?';
  return new Promise((resolve) => {
    let settled = false;
    let conn: Awaited<ReturnType<Network['connectTcp']>> | undefined;
    const finish = (e: Exchange) => {
      if (settled) return;
      settled = true;
      clock.clearTimer(timer);
      try {
        conn?.reset();
      } catch {
        // already gone
      }
      resolve(e);
    };
    const timer = clock.setTimer(timeoutMs, () => finish({ transport: 'tcp', asked, ok: false, error: 'timeout', ms: clock.now() - start }));
    network.connectTcp(to, { timeoutMs, ...(localAddress ? { localAddress } : {}) }).then(
      (c) => {
        conn = c;
        if (settled) {
          c.reset();
          return;
        }
        const reader = new TcpFrameReader();
        c.onData((chunk) => {
          let frames: Buffer[] = [];
          try {
            frames = reader.push(chunk);
          } catch {
            finish({ transport: 'tcp', asked, ok: false, error: 'malformed', ms: clock.now() - start });
          }
          const f = frames[0];
          if (f) finish(summary('tcp', msg, start, clock.now(), f));
        });
        c.onClose(() => finish({ transport: 'tcp', asked, ok: false, error: 'closed', ms: clock.now() - start }));
        c.write(frameTcp(encodeMessage(msg)));
      },
      (err: unknown) => {
        const code = err instanceof NetworkError ? err.code : '';
        finish({ transport: 'tcp', asked, ok: false, error: code === 'CONNECTION_REFUSED' ? 'refused' : code === 'TIMEOUT' ? 'timeout' : 'unreachable', ms: clock.now() - start });
      },
    );
  });
}
