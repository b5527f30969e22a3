// The stub DNS client (net/dns-stub.ts) on the VirtualNetwork, over TCP and UDP: which reply it takes, how it
// fails, how it ends the connection, and that every wait is bounded on the lab clock.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { VirtualClock } from '../../net/clock.ts';
import { queryTcp, StubUdpSocket, type StubTcpOptions, type StubTcpOutcome, type StubUdpOptions, type StubUdpOutcome } from '../../net/dns-stub.ts';
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

  it('with check, skips replies that fail it and takes the next', async () => {
    const { outcome } = await exchange((q) => [reply(q, 1), Buffer.from([1, 2, 3]), reply(q)], { check: (m) => (m.id === 4321 ? undefined : `ID ${m.id}`) });
    assert.ok(outcome?.ok);
    assert.equal(outcome.message.id, 4321);
  });

  it('without check, the first reply is the answer: one that does not decode is malformed', async () => {
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

/**
 * UDP: a client stub socket and a server whose port 53 answers each query with the datagrams `answer` returns,
 * each sent from port 53 or, with `port`, from another socket on the server.
 */
async function udpWorld(answer: (query: Buffer) => { payload: Buffer; port?: number }[]) {
  const net = new VirtualNetwork({ seed: 'stub-udp', clock: new VirtualClock({ start: 0 }) });
  const client = net.addHost('client', ['192.0.2.1']);
  const server = net.addHost('server', [SERVER.address]);
  const main = await server.bindUdp(SERVER);
  const other = await server.bindUdp({ address: SERVER.address, port: 5353 });
  main.onMessage((q, from) => {
    for (const a of answer(q)) (a.port === 5353 ? other : main).send(a.payload, from);
  });
  const stub = await StubUdpSocket.open(client, { address: '192.0.2.1', port: 0 });
  return { net, stub };
}

async function udpQuery(answer: Parameters<typeof udpWorld>[0], options: Partial<StubUdpOptions> = {}, query = QUERY) {
  const { net, stub } = await udpWorld(answer);
  const discards: string[] = [];
  let outcome: StubUdpOutcome | undefined;
  const x = stub.query(encodeMessage(query), SERVER, {
    timeoutMs: 1000,
    from: 'endpoint',
    onDiscard: (_f, kind, detail) => discards.push(`${kind}: ${detail}`),
    ...options,
  });
  void x.outcome.then((r) => (outcome = r));
  await net.clock.runUntilIdle();
  return { outcome, discards, stub, net, x };
}

describe('StubUdpSocket (stub DNS client over UDP)', () => {
  const byId = (m: { id: number }) => (m.id === 4321 ? undefined : `ID ${m.id}`);

  it('takes the reply from the endpoint asked; others are passed over and reported', async () => {
    const { outcome, discards } = await udpQuery(
      (q) => [{ payload: reply(q), port: 5353 }, { payload: Buffer.from([0x10, 0xe1, 9]) }, { payload: reply(q, 7) }, { payload: reply(q) }],
      { check: byId },
    );
    assert.ok(outcome?.ok);
    assert.equal(outcome.message.id, 4321);
    assert.equal(outcome.at, 2);
    assert.equal(discards.length, 3);
    assert.equal(discards[0], 'source: response from an address we did not ask');
    assert.match(discards[1]!, /^undecodable: undecodable response: /);
    assert.equal(discards[2], 'mismatch: ID 7');
  });

  it("from: 'address' takes a reply from another port of the server", async () => {
    const { outcome } = await udpQuery((q) => [{ payload: reply(q), port: 5353 }], { check: byId, from: 'address' });
    assert.ok(outcome?.ok);
  });

  it('without check: the first datagram with the query ID is the reply, malformed if it does not decode', async () => {
    const { outcome } = await udpQuery(() => [{ payload: Buffer.from([0, 1, 2, 3]) }, { payload: Buffer.from([0x10, 0xe1, 9]) }], { from: 'any' });
    assert.ok(outcome && !outcome.ok);
    assert.equal(outcome.error, 'malformed');
    assert.equal(outcome.size, 3);
  });

  it('no reply: times out timeoutMs after the send', async () => {
    const { outcome } = await udpQuery(() => [], { check: byId });
    assert.deepEqual(outcome, { ok: false, error: 'timeout', at: 1000 });
  });

  it('two queries in flight on one socket each get their own reply, whatever the order of the replies', async () => {
    // The server holds the first query and answers both, newest first, once the second has arrived.
    const held: Buffer[] = [];
    const { net, stub } = await udpWorld((q) => {
      held.push(q);
      return held.length < 2 ? [] : held.reverse().map((h) => ({ payload: reply(h) }));
    });
    const a = stub.query(encodeMessage(makeQuery('a.example.jp', 'A', { id: 1 })), SERVER, { timeoutMs: 1000, from: 'any' });
    const b = stub.query(encodeMessage(makeQuery('b.example.jp', 'A', { id: 2 })), SERVER, { timeoutMs: 1000, from: 'any' });
    const got: string[] = [];
    void a.outcome.then((r) => got.push(`a ${r.ok && r.message.question[0]?.qname}`));
    void b.outcome.then((r) => got.push(`b ${r.ok && r.message.question[0]?.qname}`));
    await net.clock.runUntilIdle();
    assert.deepEqual(got, ['b b.example.jp', 'a a.example.jp']);
  });

  it('close() ends the wait at once; the socket stays open for the next query', async () => {
    const { net, stub } = await udpWorld((q) => [{ payload: reply(q) }]);
    const x = stub.query(encodeMessage(QUERY), SERVER, { from: 'endpoint', check: byId });
    x.close();
    assert.deepEqual(await x.outcome, { ok: false, error: 'timeout', at: 0 });
    let second: StubUdpOutcome | undefined;
    void stub.query(encodeMessage(QUERY), SERVER, { from: 'endpoint', check: byId }).outcome.then((r) => (second = r));
    await net.clock.runUntilIdle();
    assert.ok(second?.ok);
  });
});
