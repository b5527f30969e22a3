// The probe's stub side: one DNS question over UDP or TCP with a deadline,
// returning what came back (or why nothing did) as evidence.

import type { Message } from '../../dns/types.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { queryTcp, StubUdpSocket, type StubTcpOutcome, type StubUdpOutcome } from '../../net/dns-stub.ts';
import type { Endpoint, Network, UdpSocket } from '../../net/network.ts';

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

/** The probe's record of one exchange from the stub client's outcome. */
function exchange(transport: 'udp' | 'tcp', query: Message, start: number, r: StubUdpOutcome | StubTcpOutcome): Exchange {
  const q = query.question[0];
  const asked = q ? `${q.qname} ${q.qtype}` : '?';
  if (r.ok) return { transport, asked, ok: true, bytes: r.size, rcode: r.message.rcode, tc: r.message.flags.tc, message: r.message, ms: r.at - start };
  return { transport, asked, ok: false, error: r.error, ...(r.size !== undefined ? { bytes: r.size } : {}), ms: r.at - start };
}

/** One UDP socket (one "flow" through a NAT), several questions matched by ID; replies from anywhere (a box may rewrite the source). */
export class UdpClient {
  private constructor(
    private readonly network: Network,
    private readonly stub: StubUdpSocket,
  ) {}

  get socket(): UdpSocket {
    return this.stub.socket;
  }

  static async open(network: Network, address: string): Promise<UdpClient> {
    return new UdpClient(network, await StubUdpSocket.open(network, { address, port: 0 }));
  }

  async query(msg: Message, to: Endpoint, timeoutMs: number): Promise<Exchange> {
    const start = this.network.clock.now();
    return exchange('udp', msg, start, await this.stub.query(encodeMessage(msg), to, { timeoutMs, from: 'any' }).outcome);
  }

  close(): void {
    this.stub.close();
  }
}

/**
 * One question over a fresh TCP connection (net/dns-stub.ts), the first reply taken as it is. The connection is
 * reset once there is an outcome, so a box on the path frees the session at once.
 */
export async function tcpQuery(network: Network, to: Endpoint, msg: Message, timeoutMs: number, localAddress?: string): Promise<Exchange> {
  const start = network.clock.now();
  return exchange(
    'tcp',
    msg,
    start,
    await queryTcp(network, to, encodeMessage(msg), { connectTimeoutMs: timeoutMs, timeoutMs, close: 'reset', ...(localAddress ? { localAddress } : {}) })
      .outcome,
  );
}
