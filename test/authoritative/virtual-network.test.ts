// The server as a machine on the in-memory VirtualNetwork (docs/ARCHITECTURE.md, "One machine model, many networks"):
// UDP, TCP with pipelining and framing split across segments, idle timeout,
// EDNS size limits on the wire, a zone edit seen mid-run, events, stop().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import type { Message } from '../../dns/types.ts';
import { VirtualClock } from '../../net/clock.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import type { TcpCloseReason } from '../../net/network.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/server.ts';
import { exampleZone, query, rr } from './helpers.ts';

function world(opts: { tcpIdleTimeoutMs?: number } = {}) {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: 'auth-test' });
  const serverHost = net.addHost('ns1', ['192.0.2.53']);
  const client = net.addHost('client', ['198.51.100.7']);
  const zone = exampleZone();
  for (let i = 1; i <= 6; i++) zone.add(rr('big.example', 'TXT', [Buffer.from('a'.repeat(100) + i)]));
  const events: ServerEvent[] = [];
  const server = new AuthoritativeServer({
    network: serverHost,
    listen: [{ address: '192.0.2.53', port: 53 }],
    zones: [zone],
    onEvent: (e) => events.push(e),
    ...(opts.tcpIdleTimeoutMs === undefined ? {} : { tcpIdleTimeoutMs: opts.tcpIdleTimeoutMs }),
  });
  return { clock, net, client, server, zone, events };
}

async function udpAsk(w: ReturnType<typeof world>, m: Message): Promise<Message> {
  const sock = await w.client.bindUdp({ address: '198.51.100.7', port: 0 });
  const reply = new Promise<Message>((resolve) => sock.onMessage((payload) => resolve(decodeMessage(payload))));
  sock.send(encodeMessage(m), { address: '192.0.2.53', port: 53 });
  const r = await w.clock.runUntilSettled(reply, 10_000);
  sock.close();
  return r;
}

describe('AuthoritativeServer on VirtualNetwork', () => {
  it('answers over UDP and sees zone edits made while it runs', async () => {
    const w = world();
    await w.clock.runUntilSettled(w.server.start());
    const a = await udpAsk(w, query('www.example', 'A', { id: 11 }));
    assert.equal(a.id, 11);
    assert.equal(a.answer[0]!.data, '192.0.2.10');
    w.zone.replace('www.example', 'A', [rr('www.example', 'A', '203.0.113.9')]);
    const b = await udpAsk(w, query('www.example', 'A', { id: 12 }));
    assert.equal(b.answer[0]!.data, '203.0.113.9');
    assert.ok(w.events.some((e) => e.type === 'query' && e.transport === 'udp' && e.from.address === '198.51.100.7'));
    await w.server.stop();
  });

  it('truncates over UDP without EDNS, serves the full answer over TCP', async () => {
    const w = world();
    await w.clock.runUntilSettled(w.server.start());
    const udp = await udpAsk(w, query('big.example', 'TXT'));
    assert.equal(udp.flags.tc, true);
    const conn = await w.clock.runUntilSettled(w.client.connectTcp({ address: '192.0.2.53', port: 53 }));
    const reader = new TcpFrameReader();
    const got: Message[] = [];
    let closed: TcpCloseReason | undefined;
    conn.onData((chunk) => {
      for (const f of reader.push(chunk)) got.push(decodeMessage(f));
    });
    conn.onClose((r) => (closed = r));
    // Three pipelined queries, the framing split at awkward places (RFC 7766 §6.2.1.1, §8).
    const bytes = Buffer.concat(
      [query('big.example', 'TXT', { id: 1 }), query('www.example', 'A', { id: 2 }), query('nx.example', 'A', { id: 3 })].map((m) =>
        frameTcp(encodeMessage(m)),
      ),
    );
    conn.write(bytes.subarray(0, 1));
    conn.write(bytes.subarray(1, 40));
    conn.write(bytes.subarray(40));
    await w.clock.runFor(1000);
    assert.deepEqual(got.map((m) => m.id).sort(), [1, 2, 3]);
    const big = got.find((m) => m.id === 1)!;
    assert.equal(big.flags.tc, false);
    assert.equal(big.answer.length, 6);
    assert.equal(got.find((m) => m.id === 3)!.rcode, 'NXDOMAIN');
    assert.equal(closed, undefined, 'connection stays open for more queries');
    conn.end();
    await w.clock.runFor(1000);
    await w.server.stop();
  });

  it('closes an idle TCP connection after tcpIdleTimeoutMs (RFC 7766 §6.2.3)', async () => {
    const w = world({ tcpIdleTimeoutMs: 5000 });
    await w.clock.runUntilSettled(w.server.start());
    const conn = await w.clock.runUntilSettled(w.client.connectTcp({ address: '192.0.2.53', port: 53 }));
    let closedAt: number | undefined;
    conn.onClose(() => (closedAt = w.clock.now()));
    conn.onData(() => undefined);
    const start = w.clock.now();
    await w.clock.runFor(3000);
    conn.write(frameTcp(encodeMessage(query('www.example', 'A'))));
    await w.clock.runFor(4000);
    assert.equal(closedAt, undefined, 'activity re-arms the idle timer');
    await w.clock.runFor(3000);
    assert.ok(closedAt !== undefined, 'closed once idle');
    assert.ok(closedAt! - start >= 8000 && closedAt! - start <= 9000, `closed at +${closedAt! - start} ms`);
    await w.server.stop();
  });

  it('stops answering after stop()', async () => {
    const w = world();
    await w.clock.runUntilSettled(w.server.start());
    await w.server.stop();
    const sock = await w.client.bindUdp({ address: '198.51.100.7', port: 0 });
    let answered = false;
    sock.onMessage(() => (answered = true));
    sock.send(encodeMessage(query('www.example', 'A')), { address: '192.0.2.53', port: 53 });
    await w.clock.runFor(2000);
    assert.equal(answered, false);
  });
});
