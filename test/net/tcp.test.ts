import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { NetworkError, type TcpCloseReason, type TcpConnection } from '../../net/network.ts';
import { describePacket } from '../../net/packet.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { type HostOptions } from '../../net/virtual-host.ts';
import { type PathProperties } from '../../net/path.ts';

interface World {
  net: VirtualNetwork;
  log: string[];
  serverConns: TcpConnection[];
  serverClose: TcpCloseReason[];
  serverData: Buffer[];
}

/** A client and a server host; the server echoes everything back if `echo`. */
async function world(
  options: { echo?: boolean; path?: Partial<PathProperties>; server?: HostOptions; seed?: string } = {},
): Promise<World & { client: ReturnType<VirtualNetwork['addHost']> }> {
  const net = new VirtualNetwork({ seed: options.seed ?? 'tcp', clock: new VirtualClock({ start: 0 }) });
  const client = net.addHost('client', ['192.0.2.1', '2001:db8::1']);
  const server = net.addHost('server', ['192.0.2.53', '2001:db8::53'], options.server ?? {});
  if (options.path) net.setDefaults(options.path);
  const w: World = { net, log: [], serverConns: [], serverClose: [], serverData: [] };
  net.onTrace((e) => {
    if (e.type === 'send' && e.packet.body.kind === 'tcp') w.log.push(`${net.clock.now()} ${describePacket(e.packet).replace(/seq=\d+ ack=\d+ /, '')}`);
  });
  await server.listenTcp({ address: '0.0.0.0', port: 53 }, (c) => {
    w.serverConns.push(c);
    c.onData((d) => {
      w.serverData.push(d);
      if (options.echo !== false) c.write(d);
    });
    c.onClose((r) => w.serverClose.push(r));
  });
  await server.listenTcp({ address: '::', port: 53 }, (c) => {
    w.serverConns.push(c);
    c.onData((d) => c.write(d));
    c.onClose((r) => w.serverClose.push(r));
  });
  return { ...w, client };
}

async function connect(w: World & { client: ReturnType<VirtualNetwork['addHost']> }, address: string, port = 53, timeoutMs?: number): Promise<TcpConnection> {
  const p = w.client.connectTcp({ address, port }, timeoutMs !== undefined ? { timeoutMs } : {});
  p.catch(() => undefined);
  await w.net.clock.runUntilIdle();
  return p;
}

describe('VirtualNetwork TCP', () => {
  it('three-way handshake, echo, FIN close: both sides see "end"', async () => {
    const w = await world();
    const c = await connect(w, '192.0.2.53');
    const got: Buffer[] = [];
    let clientClose: TcpCloseReason | undefined;
    c.onData((d) => got.push(d));
    c.onClose((r) => (clientClose = r));
    c.write(Buffer.from('hello'));
    await w.net.clock.runFor(10);
    c.end();
    await w.net.clock.runUntilIdle();
    assert.equal(Buffer.concat(got).toString(), 'hello');
    assert.equal(clientClose, 'end');
    assert.deepEqual(w.serverClose, ['end']);
    const flags = w.log.map((l) => l.replace(/^\d+ \S+ > \S+ TCP /, ''));
    assert.deepEqual(flags, [
      '[S] len=0', // SYN
      '[S.] len=0', // SYN-ACK
      '[.] len=0', // ACK
      '[P.] len=5', // data
      '[P.] len=5', // echo, carrying the ACK of the data
      '[.] len=0', // client ACKs the echo
      '[F.] len=0', // client FIN
      '[F.] len=0', // server FIN, carrying the ACK of the client's
      '[.] len=0', // last ACK
    ]);
    assert.equal(c.local.address, '192.0.2.1');
    assert.deepEqual(c.remote, { address: '192.0.2.53', port: 53 });
  });

  it('IPv6 connections work the same', async () => {
    const w = await world();
    const c = await connect(w, '2001:db8::53');
    let got = '';
    c.onData((d) => (got += d.toString()));
    c.write(Buffer.from('six'));
    await w.net.clock.runUntilIdle();
    assert.equal(got, 'six');
    assert.equal(c.local.address, '2001:db8::1');
  });

  it('nothing listening: RST, connect rejects CONNECTION_REFUSED after one round trip', async () => {
    const w = await world();
    await assert.rejects(connect(w, '192.0.2.53', 5353), (e: NetworkError) => e.code === 'CONNECTION_REFUSED');
    assert.equal(w.net.clock.now(), 2);
    assert.match(w.log[1]!, /\[R\.\]/);
  });

  it('unknown destination: SYNs retransmitted (1 s, 2 s, 4 s…) until the connect timeout', async () => {
    const w = await world();
    await assert.rejects(connect(w, '198.51.100.1', 53, 10_000), (e: NetworkError) => e.code === 'TIMEOUT');
    assert.deepEqual(
      w.log.map((l) => Number(l.split(' ')[0])),
      [0, 1000, 3000, 7000],
    );
    assert.equal(w.net.clock.now(), 10_000);
  });

  it('reset(): the peer sees "reset"', async () => {
    const w = await world();
    const c = await connect(w, '192.0.2.53');
    let reason: TcpCloseReason | undefined;
    c.onClose((r) => (reason = r));
    c.reset();
    await w.net.clock.runUntilIdle();
    assert.equal(reason, 'reset');
    assert.deepEqual(w.serverClose, ['reset']);
    // Writing after close is ignored, not a crash.
    c.write(Buffer.from('late'));
  });

  it('idle timeout: the server aborts an idle connection ("timeout"), the client sees "reset"', async () => {
    const w = await world({ server: { tcpIdleTimeoutMs: 5000 } });
    const c = await connect(w, '192.0.2.53');
    let reason: TcpCloseReason | undefined;
    c.onClose((r) => (reason = r));
    c.write(Buffer.from('x'));
    await w.net.clock.runUntilIdle();
    assert.deepEqual(w.serverClose, ['timeout']);
    assert.equal(reason, 'reset');
    // Idle since the last segment (client's ACK of the echo at ~4 ms).
    assert.ok(w.net.clock.now() > 5000 && w.net.clock.now() < 5010, `closed at ${w.net.clock.now()}`);
  });

  for (const [label, path] of [
    ['clean path', {}],
    ['5% loss and jitter (retransmission, reordering)', { loss: 0.05, jitterMs: 3 }],
  ] as const) {
    it(`a 200 kB write arrives intact and in order over a ${label}, in MSS-sized segments`, async () => {
      const run = async (): Promise<{ data: Buffer; segs: number; now: number }> => {
        const w = await world({ echo: false, path, seed: 'big' });
        const c = await connect(w, '192.0.2.53');
        const data = new SeededRandom('big').bytes(200_000);
        c.write(data);
        c.end();
        await w.net.clock.runUntilIdle();
        const sizes = w.log.map((l) => Number(/len=(\d+)/.exec(l)?.[1]));
        assert.ok(Math.max(...sizes) <= 1460, 'segments fit MSS 1460 (MTU 1500 - 40)');
        return { data: Buffer.concat(w.serverData), segs: sizes.filter((s) => s > 0).length, now: w.net.clock.now() };
      };
      const a = await run();
      assert.equal(a.data.length, 200_000);
      assert.ok(a.data.equals(new SeededRandom('big').bytes(200_000)));
      if (Object.keys(path).length === 0) assert.equal(a.segs, Math.ceil(200_000 / 1460));
      else assert.ok(a.segs > Math.ceil(200_000 / 1460), 'loss causes retransmissions');
      const b = await run();
      assert.equal(b.now, a.now, 'same seed, same timing');
      assert.equal(b.segs, a.segs);
    });
  }

  it('the server gets the connection once the handshake completes; local/remote are right', async () => {
    const w = await world();
    const c = await connect(w, '192.0.2.53');
    assert.equal(w.serverConns.length, 1);
    assert.deepEqual(w.serverConns[0]!.remote, c.local);
    assert.deepEqual(w.serverConns[0]!.local, { address: '192.0.2.53', port: 53 });
  });
});
