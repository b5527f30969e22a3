// The stub DNS client over TCP (net/dns-stub.ts) on the VirtualNetwork: which reply it takes, how it fails,
// how it ends the connection, and that every wait is bounded on the lab clock.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { VirtualClock } from '../../net/clock.ts';
import { queryTcp, type StubTcpOptions, type StubTcpOutcome } from '../../net/dns-stub.ts';
import type { TcpCloseReason } from '../../net/network.ts';
import { VirtualNetwork } from '../../net/virtual.ts';

const SERVER = { address: '192.0.2.53', port: 53 };
const QUERY = makeQuery('www.example.jp', 'A', { id: 4321 });

/** A reply to `query` with `id` (default: the query's). */
function reply(query: Buffer, id?: number): Buffer {
  const q = decodeMessage(query);
  return encodeMessage({ ...q, id: id ?? q.id, flags: { ...q.flags, qr: true } });
}

/**
 * A client and a server answering each framed query with the frames `answer` returns (none: silence).
 * Returns the flags of every TCP segment the client sent, and the close reasons the server saw.
 */
async function exchange(answer: ((query: Buffer) => Buffer[]) | 'refuse', options: Partial<StubTcpOptions> = {}) {
  const net = new VirtualNetwork({ seed: 'stub', clock: new VirtualClock({ start: 0 }) });
  const client = net.addHost('client', ['192.0.2.1']);
  const server = net.addHost('server', [SERVER.address]);
  const clientFlags: string[] = [];
  net.onTrace((e) => {
    if (e.type !== 'send' || e.packet.src !== '192.0.2.1' || e.packet.body.kind !== 'tcp') return;
    const f = e.packet.body.flags;
    clientFlags.push(['syn', 'fin', 'rst'].filter((k) => f[k as keyof typeof f]).join('+') || (e.packet.body.payload.length > 0 ? 'data' : 'ack'));
  });
  const serverClose: TcpCloseReason[] = [];
  if (answer !== 'refuse') {
    await server.listenTcp(SERVER, (c) => {
      c.onClose((r) => serverClose.push(r));
      const reader = new TcpFrameReader();
      c.onData((chunk) => {
        for (const q of reader.push(chunk)) for (const out of answer(q)) c.write(frameTcp(out));
      });
    });
  }
  let outcome: StubTcpOutcome | undefined;
  const x = queryTcp(client, SERVER, encodeMessage(QUERY), { connectTimeoutMs: 5000, answerTimeoutMs: 2000, close: 'end', ...options });
  void x.outcome.then((r) => (outcome = r));
  await net.clock.runUntilIdle();
  return { outcome, clientFlags, serverClose, x, net };
}

describe('queryTcp (stub DNS client over TCP)', () => {
  it('writes one framed query and takes the reply', async () => {
    const { outcome, clientFlags } = await exchange((q) => [reply(q)]);
    assert.ok(outcome?.ok);
    assert.equal(outcome.message.id, 4321);
    assert.equal(outcome.size, encodeMessage({ ...QUERY, flags: { ...QUERY.flags, qr: true } }).length);
    assert.deepEqual(clientFlags, ['syn', 'ack', 'data', 'fin', 'ack']);
  });

  it('with accept, skips replies it does not accept and takes the next', async () => {
    const { outcome } = await exchange((q) => [reply(q, 1), Buffer.from([1, 2, 3]), reply(q)], { accept: (m) => m.id === 4321 });
    assert.ok(outcome?.ok);
    assert.equal(outcome.message.id, 4321);
  });

  it('without accept, the first reply is the answer: one that does not decode is malformed', async () => {
    const { outcome } = await exchange(() => [Buffer.from([1, 2, 3]), reply(encodeMessage(QUERY))]);
    assert.equal(outcome?.ok, false);
    assert.equal(!outcome.ok && outcome.error, 'malformed');
    assert.equal(!outcome.ok && outcome.size, 3);
  });

  it('nothing listening: refused, not connected', async () => {
    const { outcome } = await exchange('refuse');
    assert.ok(outcome && !outcome.ok);
    assert.equal(outcome.error, 'refused');
    assert.equal(outcome.connected, false);
  });

  it('no answer: times out answerTimeoutMs after the query was written, then ends the connection', async () => {
    const { outcome, clientFlags } = await exchange(() => []);
    assert.ok(outcome && !outcome.ok);
    assert.equal(outcome.error, 'timeout');
    assert.equal(outcome.connected, true);
    // Written after the handshake (1 ms each way), so the answer timeout fires at 2 + 2000.
    assert.equal(outcome.at, 2002);
    assert.ok(clientFlags.includes('fin'));
  });

  it('timeoutMs bounds the whole exchange from the call, connect included', async () => {
    const { outcome } = await exchange(() => [], { answerTimeoutMs: undefined, timeoutMs: 500 });
    assert.ok(outcome && !outcome.ok);
    assert.equal(outcome.error, 'timeout');
    assert.equal(outcome.at, 500);
  });

  it("close: 'reset' ends with RST once there is an outcome", async () => {
    const { outcome, clientFlags, serverClose } = await exchange((q) => [reply(q)], { close: 'reset' });
    assert.ok(outcome?.ok);
    assert.equal(clientFlags.at(-1), 'rst');
    assert.deepEqual(serverClose, ['reset']);
  });

  it("close: 'caller' leaves the connection open until close()", async () => {
    const { outcome, clientFlags, x, net } = await exchange((q) => [reply(q)], { close: 'caller' });
    assert.ok(outcome?.ok);
    assert.ok(!clientFlags.includes('fin') && !clientFlags.includes('rst'), clientFlags.join(' '));
    x.close();
    await net.clock.runUntilIdle();
    assert.ok(clientFlags.includes('fin'));
  });
});
