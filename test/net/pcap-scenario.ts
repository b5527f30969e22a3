// A small DNS exchange on the VirtualNetwork written to a pcap, shared by
// pcap.test.ts (bytes, determinism) and pcap.real.test.ts (what tshark reads).
import * as dnsPacket from 'dns-packet';
import { VirtualClock } from '../../net/clock.ts';
import { PcapWriter } from '../../net/pcap.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import type { PathProperties } from '../../net/path.ts';
import { answerTcpFrames } from '../helpers/dns-tcp.ts';

export function query(id: number, name: string, type: 'A' | 'AAAA' | 'TXT'): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

/** An answer to `q`; TXT answers are made large on purpose (3 kB: needs fragmentation). */
export function answer(q: Buffer): Buffer {
  const m = dnsPacket.decode(q);
  const question = m.questions![0]!;
  const answers: dnsPacket.Answer[] =
    question.type === 'TXT'
      ? Array.from({ length: 12 }, (_, i) => ({
          type: 'TXT' as const,
          name: question.name,
          ttl: 300,
          class: 'IN' as const,
          data: [`chunk-${i}-${'x'.repeat(240)}`],
        }))
      : question.type === 'AAAA'
        ? [{ type: 'AAAA', name: question.name, ttl: 300, class: 'IN', data: '2001:db8::80' }]
        : [{ type: 'A', name: question.name, ttl: 300, class: 'IN', data: '192.0.2.80' }];
  return dnsPacket.encode({ type: 'response', id: m.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: m.questions, answers });
}

/** A small DNS exchange: UDP/IPv4, a fragmented UDP answer, DNS over TCP, UDP/IPv6. Returns the pcap bytes. */
export async function scenario(seed: string, path: Partial<PathProperties> = {}): Promise<Buffer> {
  const pcap = new PcapWriter();
  const net = new VirtualNetwork({ seed, capture: pcap, clock: new VirtualClock() });
  net.setDefaults(path);
  const client = net.addHost('client', ['192.0.2.1', '2001:db8::1']);
  const server = net.addHost('server', ['192.0.2.53', '2001:db8::53']);
  for (const address of ['192.0.2.53', '2001:db8::53']) {
    const s = await server.bindUdp({ address, port: 53 });
    s.onMessage((q, from) => s.send(answer(q), from));
  }
  await server.listenTcp({ address: '192.0.2.53', port: 53 }, (conn) => answerTcpFrames(conn, answer));
  const c4 = await client.bindUdp({ address: '192.0.2.1', port: 0 });
  const c6 = await client.bindUdp({ address: '2001:db8::1', port: 0 });
  c4.send(query(1, 'www.example.jp', 'A'), { address: '192.0.2.53', port: 53 });
  await net.clock.runFor(100);
  c4.send(query(2, 'big.example.jp', 'TXT'), { address: '192.0.2.53', port: 53 });
  await net.clock.runFor(100);
  const conn = await net.clock.runUntilSettled(client.connectTcp({ address: '192.0.2.53', port: 53 }));
  const q = query(3, 'tcp.example.jp', 'TXT');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  conn.write(Buffer.concat([len, q]));
  await net.clock.runFor(100);
  conn.end();
  await net.clock.runFor(100);
  c6.send(query(4, 'v6.example.jp', 'AAAA'), { address: '2001:db8::53', port: 53 });
  await net.clock.runUntilIdle();
  return pcap.toBuffer();
}
