import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { NetworkError, type Endpoint } from '../../net/network.ts';
import { VirtualNetwork, type TraceEvent } from '../../net/virtual.ts';

/** A client sends `count` numbered datagrams to an echo server; returns what came back and when. */
async function echoRun(seed: string, path: { latencyMs?: number; jitterMs?: number; loss?: number }, count: number) {
  const net = new VirtualNetwork({ seed, clock: new VirtualClock({ start: 0 }) });
  const client = net.addHost('client', ['192.0.2.1']);
  const server = net.addHost('server', ['192.0.2.53']);
  net.setLink('client', 'server', path);
  const s = await server.bindUdp({ address: '192.0.2.53', port: 53 });
  s.onMessage((p, from) => s.send(p, from));
  const c = await client.bindUdp({ address: '192.0.2.1', port: 0 });
  const got: string[] = [];
  c.onMessage((p) => got.push(`${p.toString()}@${net.clock.now().toFixed(3)}`));
  for (let i = 0; i < count; i++) c.send(Buffer.from(`m${i}`), { address: '192.0.2.53', port: 53 });
  await net.clock.runUntilIdle();
  return { got, port: c.local.port, stats: net.stats };
}

describe('VirtualNetwork UDP', () => {
  it('delivers after one-way latency each way', async () => {
    const r = await echoRun('u1', { latencyMs: 25 }, 1);
    assert.deepEqual(r.got, ['m0@50.000']);
    assert.equal(r.stats.sent, 2);
    assert.equal(r.stats.delivered, 2);
  });

  it('ephemeral ports come from the seed: same seed same port', async () => {
    const a = await echoRun('ports-A', {}, 1);
    const b = await echoRun('ports-A', {}, 1);
    const c = await echoRun('ports-B', {}, 1);
    assert.equal(a.port, b.port);
    assert.ok(a.port >= 49152 && a.port <= 65535);
    assert.notEqual(a.port, c.port);
  });

  it('loss is seeded: same seed loses the same datagrams, about the configured share', async () => {
    const a = await echoRun('loss-1', { loss: 0.3 }, 400);
    const b = await echoRun('loss-1', { loss: 0.3 }, 400);
    const c = await echoRun('loss-2', { loss: 0.3 }, 400);
    assert.deepEqual(a.got, b.got);
    assert.notDeepEqual(a.got, c.got);
    // Each round trip survives with p = 0.7^2 = 0.49 → about 196 of 400.
    assert.ok(a.got.length > 150 && a.got.length < 245, `got ${a.got.length} replies`);
    // Every lost packet (query or reply) costs exactly one reply.
    assert.equal(a.got.length, 400 - (a.stats.dropped.loss ?? 0));
  });

  it('jitter spreads arrival times deterministically and can reorder', async () => {
    const a = await echoRun('jit', { latencyMs: 10, jitterMs: 20 }, 50);
    const b = await echoRun('jit', { latencyMs: 10, jitterMs: 20 }, 50);
    assert.deepEqual(a.got, b.got);
    const times = a.got.map((g) => Number(g.split('@')[1]));
    assert.ok(Math.min(...times) >= 20 && Math.max(...times) < 60);
    const order = a.got.map((g) => Number(g.split('@')[0]!.slice(1)));
    assert.notDeepEqual(
      order,
      [...order].sort((x, y) => x - y),
      'with 20 ms jitter some replies should overtake others',
    );
  });

  it('datagrams to an unknown address or closed port are lost silently', async () => {
    const net = new VirtualNetwork({ seed: 'x' });
    const h = net.addHost('h', ['192.0.2.1']);
    net.addHost('other', ['192.0.2.2']);
    const drops: string[] = [];
    net.onTrace((e: TraceEvent) => e.type === 'drop' && drops.push(e.reason));
    const s = await h.bindUdp({ address: '192.0.2.1', port: 5000 });
    s.send(Buffer.from('a'), { address: '198.51.100.7', port: 53 });
    s.send(Buffer.from('b'), { address: '192.0.2.2', port: 53 });
    await net.clock.runUntilIdle();
    assert.deepEqual(drops, ['no-route', 'port-unreachable']);
  });

  it('IPv6, wildcard binds and address checks', async () => {
    const net = new VirtualNetwork({ seed: 'v6' });
    const a = net.addHost('a', ['2001:db8::1', '192.0.2.1']);
    const b = net.addHost('b', ['2001:DB8:0:0::53']);
    assert.deepEqual(b.addresses, ['2001:db8::53']);
    const s = await b.bindUdp({ address: '::', port: 53 });
    const seen: Endpoint[] = [];
    s.onMessage((p, from) => {
      seen.push(from);
      s.send(p, from);
    });
    const c = await a.bindUdp({ address: '::', port: 0 });
    let reply: Endpoint | undefined;
    c.onMessage((_p, from) => (reply = from));
    c.send(Buffer.from('q'), { address: '2001:db8:0::53', port: 53 });
    await net.clock.runUntilIdle();
    assert.deepEqual(seen, [{ address: '2001:db8::1', port: c.local.port }]);
    assert.deepEqual(reply, { address: '2001:db8::53', port: 53 });
    await assert.rejects(a.bindUdp({ address: '192.0.2.99', port: 1 }), (e: NetworkError) => e.code === 'ADDRESS_NOT_LOCAL');
    await a.bindUdp({ address: '192.0.2.1', port: 7 });
    await assert.rejects(a.bindUdp({ address: '192.0.2.1', port: 7 }), (e: NetworkError) => e.code === 'ADDRESS_IN_USE');
    assert.throws(
      () => net.addHost('dup', ['192.0.2.1']),
      (e: NetworkError) => e.code === 'ADDRESS_IN_USE',
    );
  });

  it('a host taken down neither sends nor receives; moveAddress hands an IP to another host', async () => {
    const net = new VirtualNetwork({ seed: 'down' });
    const a = net.addHost('a', ['192.0.2.1']);
    const b = net.addHost('b', ['192.0.2.2']);
    const evil = net.addHost('evil', ['192.0.2.66']);
    const got: string[] = [];
    const sb = await b.bindUdp({ address: '192.0.2.2', port: 53 });
    sb.onMessage((p) => got.push(`b:${p.toString()}`));
    const sa = await a.bindUdp({ address: '192.0.2.1', port: 0 });
    net.setHostUp('b', false);
    sa.send(Buffer.from('1'), { address: '192.0.2.2', port: 53 });
    await net.clock.runUntilIdle();
    net.setHostUp('b', true);
    sa.send(Buffer.from('2'), { address: '192.0.2.2', port: 53 });
    await net.clock.runUntilIdle();
    net.moveAddress('192.0.2.2', 'evil');
    const se = await evil.bindUdp({ address: '192.0.2.2', port: 53 });
    se.onMessage((p) => got.push(`evil:${p.toString()}`));
    sa.send(Buffer.from('3'), { address: '192.0.2.2', port: 53 });
    await net.clock.runUntilIdle();
    assert.deepEqual(got, ['b:2', 'evil:3']);
    assert.equal(net.stats.dropped['host-down'], 1);
  });
});
