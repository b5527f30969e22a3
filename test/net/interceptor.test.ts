import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { NetworkError, type Endpoint } from '../../net/network.ts';
import { ipPacketSize, packetPorts, packetProtocol, withUdpPayload, type IpPacket } from '../../net/packet.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { type InterceptContext, type InterceptResult, type PacketInterceptor } from '../../net/interceptor.ts';

function interceptor(name: string, fn: (p: IpPacket, ctx: InterceptContext) => InterceptResult): PacketInterceptor {
  return { name, intercept: fn };
}

async function setup() {
  const net = new VirtualNetwork({ seed: 'mbox', clock: new VirtualClock({ start: 0 }) });
  const client = net.addHost('client', ['192.0.2.1']);
  const server = net.addHost('server', ['192.0.2.53']);
  net.setDefaults({ latencyMs: 10 });
  const s = await server.bindUdp({ address: '192.0.2.53', port: 53 });
  const serverGot: { payload: string; from: Endpoint; at: number }[] = [];
  s.onMessage((p, from) => {
    serverGot.push({ payload: p.toString(), from, at: net.clock.now() });
    s.send(Buffer.from(`re:${p.toString()}`), from);
  });
  const c = await client.bindUdp({ address: '192.0.2.1', port: 0 });
  const clientGot: { payload: string; from: Endpoint; at: number }[] = [];
  c.onMessage((p, from) => clientGot.push({ payload: p.toString(), from, at: net.clock.now() }));
  const drops: string[] = [];
  net.onTrace((e) => e.type === 'drop' && drops.push(`${e.reason}${e.by ? `:${e.by}` : ''}`));
  return { net, client, server, c, serverGot, clientGot, drops };
}

describe('packet interceptors (middlebox hook)', () => {
  it('drop: a box that drops UDP/53 towards the server', async () => {
    const w = await setup();
    w.net.addInterceptor(
      interceptor('udp53-filter', (p) => (packetProtocol(p) === 'udp' && packetPorts(p)?.dstPort === 53 ? 'drop' : 'forward')),
      { to: 'server' },
    );
    w.c.send(Buffer.from('q'), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.equal(w.serverGot.length, 0);
    assert.deepEqual(w.drops, ['intercepted:udp53-filter']);
  });

  it('rewrite: payload changed in flight (checksums recomputed on the wire)', async () => {
    const w = await setup();
    w.net.addInterceptor(
      interceptor('upcase', (p) => (p.body.kind === 'udp' ? [{ packet: withUdpPayload(p, Buffer.from(p.body.payload.toString().toUpperCase())) }] : 'forward')),
      { from: 'client' },
    );
    w.c.send(Buffer.from('query'), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.deepEqual(
      w.serverGot.map((g) => g.payload),
      ['QUERY'],
    );
    assert.deepEqual(
      w.clientGot.map((g) => g.payload),
      ['re:QUERY'],
    );
  });

  it('delay and duplicate', async () => {
    const w = await setup();
    w.net.addInterceptor(
      interceptor('slow-dup', (p) => [
        { packet: p, delayMs: 100 },
        { packet: p, delayMs: 250 },
      ]),
      { to: 'server' },
    );
    w.c.send(Buffer.from('q'), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.deepEqual(
      w.serverGot.map((g) => g.at),
      [110, 260],
    );
    assert.deepEqual(
      w.clientGot.map((g) => g.at),
      [120, 270],
    );
  });

  it('NAT load balancer: VIP rewritten to a backend, replies rewritten back to the VIP', async () => {
    const w = await setup();
    const vip = '192.0.2.100';
    // The VIP must be routable to the box: give it to a host with nothing bound.
    w.net.addHost('lb', [vip]);
    w.net.addInterceptor(
      interceptor('lb-in', (p) => [{ packet: { ...p, dst: '192.0.2.53' } }]),
      { to: vip },
    );
    w.net.addInterceptor(
      interceptor('lb-out', (p) => [{ packet: { ...p, src: vip } }]),
      { from: 'server', to: 'client' },
    );
    w.c.send(Buffer.from('q'), { address: vip, port: 53 });
    await w.net.clock.runUntilIdle();
    assert.deepEqual(
      w.serverGot.map((g) => g.from.address),
      ['192.0.2.1'],
    );
    assert.deepEqual(
      w.clientGot.map((g) => `${g.payload} from ${g.from.address}:${g.from.port}`),
      [`re:q from ${vip}:53`],
    );
  });

  it('a rewritten packet meets the boxes in front of its new destination (scopes checked after each rewrite)', async () => {
    const vip = '2001:db8::100';
    const net = new VirtualNetwork({ seed: 'nat6' });
    const client = net.addHost('client', ['2001:db8::1']);
    net.addHost('lb', [vip]);
    const backend = net.addHost('backend', ['2001:db8::7']);
    const seenByFirewall: string[] = [];
    // Spelled in upper case on purpose: addresses from a box are canonicalized.
    net.addInterceptor(
      interceptor('nat', (p) => [{ packet: { ...p, dst: '2001:DB8:0::7' } }]),
      { to: vip },
    );
    net.addInterceptor(
      interceptor('backend-fw', (p) => (seenByFirewall.push(`${p.src} > ${p.dst}`), 'forward')),
      { to: 'backend' },
    );
    const got: string[] = [];
    const sb = await backend.bindUdp({ address: '2001:db8::7', port: 53 });
    sb.onMessage((p, from) => got.push(`${p.toString()} from ${from.address}`));
    const sc = await client.bindUdp({ address: '2001:db8::1', port: 0 });
    sc.send(Buffer.from('q'), { address: vip, port: 53 });
    await net.clock.runUntilIdle();
    assert.deepEqual(seenByFirewall, ['2001:db8::1 > 2001:db8::7']);
    assert.deepEqual(got, ['q from 2001:db8::1']);
  });

  it('inject: a box answers by itself (spoofed reply) and swallows the query', async () => {
    const w = await setup();
    w.net.addInterceptor(
      interceptor('spoofer', (p, ctx) => {
        if (p.body.kind !== 'udp') return 'forward';
        ctx.inject(
          {
            ...p,
            id: ctx.packetId(),
            src: p.dst,
            dst: p.src,
            body: { ...p.body, srcPort: p.body.dstPort, dstPort: p.body.srcPort, payload: Buffer.from('forged') },
          },
          1,
        );
        return 'drop';
      }),
      { to: 'server' },
    );
    w.c.send(Buffer.from('q'), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.equal(w.serverGot.length, 0);
    assert.deepEqual(
      w.clientGot.map((g) => `${g.payload}@${g.at} from ${g.from.address}:${g.from.port}`),
      ['forged@11 from 192.0.2.53:53'],
    );
  });

  it('EDNS-size-limiter style: drop UDP packets larger than 512 bytes', async () => {
    const w = await setup();
    w.net.addInterceptor(interceptor('max512', (p) => (packetProtocol(p) === 'udp' && ipPacketSize(p) > 512 + 28 ? 'drop' : 'forward')));
    w.c.send(Buffer.alloc(512), { address: '192.0.2.53', port: 53 }); // reply is 512 + 3 bytes: dropped
    w.c.send(Buffer.alloc(100), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.equal(w.serverGot.length, 2);
    assert.equal(w.clientGot.length, 1);
  });

  it('TCP/53 filter: SYNs dropped, connect times out', async () => {
    const w = await setup();
    await w.server.listenTcp({ address: '192.0.2.53', port: 53 }, () => assert.fail('no connection may get through'));
    w.net.addInterceptor(interceptor('tcp53', (p) => (packetProtocol(p) === 'tcp' && packetPorts(p)?.dstPort === 53 ? 'drop' : 'forward')));
    const pr = w.client.connectTcp({ address: '192.0.2.53', port: 53 }, { timeoutMs: 5000 });
    pr.catch(() => undefined);
    await w.net.clock.runUntilIdle();
    await assert.rejects(pr, (e: NetworkError) => e.code === 'TIMEOUT');
    assert.equal(w.drops.filter((d) => d === 'intercepted:tcp53').length, 3);
  });

  it('interceptors run in the order added; a throwing one drops the packet, the lab goes on', async () => {
    const w = await setup();
    const order: string[] = [];
    w.net.addInterceptor(interceptor('first', () => (order.push('first'), 'forward')));
    const remove = w.net.addInterceptor(
      interceptor('broken', () => {
        order.push('broken');
        throw new Error('bug in box');
      }),
    );
    w.c.send(Buffer.from('q'), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.deepEqual(order, ['first', 'broken']);
    assert.deepEqual(w.drops, ['interceptor-error:broken: bug in box']);
    remove();
    w.c.send(Buffer.from('q2'), { address: '192.0.2.53', port: 53 });
    await w.net.clock.runUntilIdle();
    assert.equal(w.clientGot.length, 1);
  });

  it('an injecting loop is bounded by the hop guard', async () => {
    const w = await setup();
    // Re-injects every packet it sees forever: must stop.
    w.net.addInterceptor(interceptor('loop-a', (p, ctx) => (ctx.inject(p), 'drop')));
    w.net.addInterceptor(interceptor('loop-b', (p, ctx) => (ctx.inject(p), 'drop')));
    w.c.send(Buffer.from('q'), { address: '192.0.2.53', port: 53 });
    const r = await w.net.clock.runUntilIdle();
    assert.equal(r.stoppedBy, 'idle');
    assert.ok(w.drops.includes('hop-limit'));
  });
});
