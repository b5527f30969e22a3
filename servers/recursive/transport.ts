// Upstream queries over a lab `Network` (virtual or sockets): one fresh UDP
// socket per query on a random source port, a random query ID, both from the
// seeded source (RFC 5452 §4, §9.2); responses are accepted only if they come
// from the server asked and match ID and question (RFC 5452 §9.1) —
// anything else is ignored and the wait goes on. Both transports are the stub
// client of net/dns-stub.ts. Timeouts run on the lab clock.

import { makeQuery } from '../../dns/message.ts';
import { nameEquals } from '../../dns/name.ts';
import type { Message } from '../../dns/types.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { queryTcp, StubUdpSocket } from '../../net/dns-stub.ts';
import type { Endpoint, Network, UdpSocket } from '../../net/network.ts';
import type { RandomSource } from './infra.ts';
import type { Upstream, UpstreamRequest, UpstreamResult } from './upstream.ts';

export interface NetworkUpstreamOptions {
  network: Network;
  random: RandomSource;
  /** Source address for IPv4 queries (default: the host's first IPv4 address). */
  sourceV4?: string;
  /** Source address for IPv6 queries (default: the host's first IPv6 address). */
  sourceV6?: string;
  /** Called for responses that were dropped because they did not match (spoofing attempts, late answers). */
  onMismatch?: (from: Endpoint, reason: string) => void;
}

function matches(query: Message, resp: Message): string | undefined {
  if (resp.id !== query.id) return `ID ${resp.id} ≠ ${query.id}`;
  if (!resp.flags.qr) return 'QR=0';
  const q = query.question[0]!;
  const r = resp.question[0];
  // RFC 5452 §9.1: the question must come back; servers echo it except in some FORMERR/NOTIMP replies.
  if (!r) return resp.rcode === 'FORMERR' || resp.rcode === 'NOTIMP' ? undefined : 'no question section';
  if (!nameEquals(r.qname, q.qname) || r.qtype !== q.qtype || r.qclass !== q.qclass) return `question ${r.qname}/${r.qtype} ≠ ${q.qname}/${q.qtype}`;
  return undefined;
}

export class NetworkUpstream implements Upstream {
  constructor(private readonly options: NetworkUpstreamOptions) {}

  private source(server: Endpoint): string | undefined {
    const v6 = server.address.includes(':');
    const explicit = v6 ? this.options.sourceV6 : this.options.sourceV4;
    if (explicit) return explicit;
    return this.options.network.addresses.find((a) => a.includes(':') === v6);
  }

  async send(req: UpstreamRequest): Promise<UpstreamResult> {
    const id = this.options.random.int(0x10000);
    const query = makeQuery(req.qname, req.qtype, {
      id,
      rd: false,
      cd: req.cd,
      edns: req.edns ? { udpPayloadSize: req.udpPayloadSize } : false,
      ...(req.edns ? { do: req.do } : {}),
    });
    const bytes = encodeMessage(query);
    const source = this.source(req.server);
    if (source === undefined) return { kind: 'error', reason: `no local address of the server's address family`, id };
    return req.tcp ? this.sendTcp(req, query, bytes, source) : this.sendUdp(req, query, bytes, source);
  }

  private async bindRandomPort(source: string): Promise<UdpSocket> {
    const net = this.options.network;
    // Random source port from the seeded source (RFC 5452 §10); a few tries, then let the network choose.
    for (let i = 0; i < 4; i++) {
      const port = 1024 + this.options.random.int(65536 - 1024);
      try {
        return await net.bindUdp({ address: source, port });
      } catch {
        // in use: try another
      }
    }
    return net.bindUdp({ address: source, port: 0 });
  }

  private async sendUdp(req: UpstreamRequest, query: Message, bytes: Buffer, source: string): Promise<UpstreamResult> {
    const clock = this.options.network.clock;
    let socket: UdpSocket;
    try {
      socket = await this.bindRandomPort(source);
    } catch (err) {
      return { kind: 'error', reason: `cannot bind a UDP socket: ${(err as Error).message}`, id: query.id };
    }
    const started = clock.now();
    const stub = new StubUdpSocket(socket, clock);
    const r = await stub.query(bytes, req.server, {
      timeoutMs: req.timeoutMs,
      from: 'endpoint',
      check: (m) => matches(query, m),
      onDiscard: (from, _kind, detail) => this.options.onMismatch?.(from, detail),
    }).outcome;
    stub.close();
    if (r.ok) return { kind: 'response', message: r.message, rttMs: r.at - started, size: r.size, id: query.id };
    return { kind: 'timeout', id: query.id };
  }

  private async sendTcp(req: UpstreamRequest, query: Message, bytes: Buffer, source: string): Promise<UpstreamResult> {
    const started = this.options.network.clock.now();
    const r = await queryTcp(this.options.network, req.server, bytes, {
      localAddress: source,
      connectTimeoutMs: req.timeoutMs,
      answerTimeoutMs: req.timeoutMs,
      check: (m) => matches(query, m),
      close: 'end',
    }).outcome;
    if (r.ok) return { kind: 'response', message: r.message, rttMs: r.at - started, size: r.size, id: query.id };
    if (!r.connected) return { kind: 'error', reason: `TCP connect to ${req.server.address}:${req.server.port} failed: ${r.detail}`, id: query.id };
    if (r.error === 'timeout') return { kind: 'timeout', id: query.id };
    return { kind: 'error', reason: `TCP connection closed (${r.detail}) before an answer`, id: query.id };
  }
}
