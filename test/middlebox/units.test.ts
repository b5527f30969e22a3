// Each middlebox module on its own: the DNS stages on encoded messages, the
// session table and port pool, seeded faults, and the packet interceptors and
// the proxy on a small VirtualNetwork.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeQuery, makeResponse } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { VirtualClock } from '../../net/clock.ts';
import { NetworkError, type Endpoint, type Network } from '../../net/network.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { AuthoritativeServer } from '../../servers/authoritative/index.ts';
import {
  clearDoBit,
  EdnsProxy,
  FaultStage,
  FragmentFilter,
  HealthChecker,
  LoadBalancer,
  MiddleboxConfigError,
  MiddleboxProxy,
  PathFaults,
  PortPool,
  removeOpt,
  rewriteUdpSize,
  runStages,
  SessionTable,
  SizeLimiter,
  TcpFilter,
  type DnsStage,
  type Flow,
} from '../../servers/middlebox/index.ts';

const flow = (transport: 'udp' | 'tcp' = 'udp', now = 0): Flow => ({
  transport,
  client: { address: '192.0.2.1', port: 5000 },
  server: { address: '192.0.2.53', port: 53 },
  now,
  random: new SeededRandom('t'),
});

function bigAnswer(query: Message, n = 10): Buffer {
  const r = makeResponse(query);
  r.flags.aa = true;
  r.answer = Array.from({ length: n }, (_, i) => ({ name: 'big.test', type: 'TXT', class: 'IN', ttl: 300, data: [Buffer.alloc(100, 97 + i)] }) as RR);
  r.answer.push({
    name: 'big.test',
    type: 'RRSIG',
    class: 'IN',
    ttl: 300,
    data: {
      typeCovered: 'TXT',
      algorithm: 15,
      labels: 2,
      originalTTL: 300,
      expiration: 2,
      inception: 1,
      keyTag: 1,
      signersName: 'test',
      signature: Buffer.alloc(64, 1),
    },
  } as RR);
  r.edns = { udpPayloadSize: 1232, version: 0, do: true, z: 0, options: [] };
  return encodeMessage(r);
}

describe('wire edits', () => {
  const q = encodeMessage(makeQuery('www.example', 'A', { id: 7, do: true, udpPayloadSize: 4096 }));
  it('rewrite the EDNS size, clear DO, remove OPT — and leave messages without OPT alone', () => {
    assert.equal(decodeMessage(rewriteUdpSize(q, 512)!).edns?.udpPayloadSize, 512);
    const noDo = decodeMessage(clearDoBit(q)!);
    assert.equal(noDo.edns?.do, false);
    assert.equal(noDo.edns?.udpPayloadSize, 4096);
    const stripped = decodeMessage(removeOpt(q)!);
    assert.equal(stripped.edns, undefined);
    assert.equal(stripped.question[0]?.qname, 'www.example');
    const plain = encodeMessage(makeQuery('www.example', 'A', { edns: false }));
    assert.equal(rewriteUdpSize(plain, 512), undefined);
    assert.equal(removeOpt(Buffer.from([1, 2, 3])), undefined);
  });
});

describe('stages', () => {
  const query = makeQuery('big.test', 'TXT', { id: 9, do: true });
  it('size limit: drop over N, truncate to fit with TC=1, UDP only, rewrite the query size', () => {
    const big = bigAnswer(query);
    assert.ok(big.length > 1000);
    assert.equal(new SizeLimiter({ maxUdpSize: 512 }).onResponse(big, flow()).kind, 'drop');
    const t = new SizeLimiter({ maxUdpSize: 512, oversize: 'truncate' }).onResponse(big, flow());
    assert.equal(t.kind, 'pass');
    const m = decodeMessage(t.kind === 'pass' ? t.payload : Buffer.alloc(0));
    assert.equal(m.flags.tc, true);
    assert.ok((t.kind === 'pass' ? t.payload.length : 9999) <= 512);
    assert.equal(new SizeLimiter({ maxUdpSize: 512 }).onResponse(big, flow('tcp')).kind, 'pass');
    const r = new SizeLimiter({ ednsRewrite: 1232 }).onQuery(encodeMessage(makeQuery('x.test', 'A', { udpPayloadSize: 4096 })), flow());
    assert.equal(r.kind === 'pass' ? decodeMessage(r.payload).edns?.udpPayloadSize : 0, 1232);
  });

  it('EDNS proxy: FORMERR to EDNS, stripping DNSSEC records, own cache with its own TTL', () => {
    const formerr = new EdnsProxy({ formerrEdns: true }).onQuery(encodeMessage(query), flow());
    assert.equal(formerr.kind, 'reply');
    const fm = decodeMessage(formerr.kind === 'reply' ? formerr.payload : Buffer.alloc(0));
    assert.equal(fm.rcode, 'FORMERR');
    assert.equal(fm.id, 9);
    assert.equal(fm.edns, undefined);
    const strip = new EdnsProxy({ stripDnssec: true }).onResponse(bigAnswer(query), flow());
    assert.ok(strip.kind === 'pass' && !decodeMessage(strip.payload).answer.some((a) => a.type === 'RRSIG'));
    const cache = new EdnsProxy({ cache: true, cacheTtl: 5 });
    cache.onResponse(bigAnswer(query, 1), flow('udp', 0));
    const again = cache.onQuery(encodeMessage({ ...query, id: 33 }), flow('udp', 2000));
    assert.equal(again.kind, 'reply');
    const cm = decodeMessage(again.kind === 'reply' ? again.payload : Buffer.alloc(0));
    assert.equal(cm.id, 33);
    assert.ok(
      cm.answer.every((a) => a.ttl === 3),
      'TTL is the box rule (5 s) minus 2 s',
    );
    assert.equal(cache.onQuery(encodeMessage(query), flow('udp', 6000)).kind, 'pass', 'expired after 5 s');
    assert.equal(cache.stats.cacheHits, 1);
  });

  it('runStages: queries in order, responses in reverse, a reply goes back through earlier stages only, duplicates multiply', () => {
    const seen: string[] = [];
    const tag = (name: string, extra: Partial<DnsStage> = {}): DnsStage => ({
      name,
      onQuery: (p) => (seen.push(`${name}:q`), { kind: 'pass', payload: p }),
      onResponse: (p) => (seen.push(`${name}:r`), { kind: 'pass', payload: p }),
      ...extra,
    });
    const payload = Buffer.from('x');
    runStages([tag('a'), tag('b')], 'query', payload, flow());
    runStages([tag('a'), tag('b')], 'response', payload, flow());
    assert.deepEqual(seen, ['a:q', 'b:q', 'b:r', 'a:r']);
    seen.length = 0;
    const out = runStages(
      [tag('a'), tag('b', { onQuery: () => ({ kind: 'reply', payload: Buffer.from('r'), reason: 'test' }) }), tag('c')],
      'query',
      payload,
      flow(),
    );
    assert.deepEqual(seen, ['a:q', 'a:r']);
    assert.equal(out.forward.length, 0);
    assert.equal(out.back.length, 1);
    const dup = runStages(
      [
        tag('d', { onQuery: (p) => ({ kind: 'pass', payload: p, delaysMs: [5, 10] }) }),
        tag('e', { onQuery: (p) => ({ kind: 'pass', payload: p, delaysMs: [1] }) }),
      ],
      'query',
      payload,
      flow(),
    );
    assert.deepEqual(
      dup.forward.map((d) => d.delayMs),
      [6, 11],
    );
  });

  it('faults: seeded and repeatable; loss rate near the setting; rate limit refills with time', () => {
    const run = () => {
      const f = new PathFaults({ loss: 0.3, jitterMs: 10, duplicate: 0.1 });
      const r = new SeededRandom('faults');
      return Array.from({ length: 2000 }, (_, i) => f.decide(i, r).delays);
    };
    const a = run();
    assert.deepEqual(a, run());
    const lost = a.filter((d) => d.length === 0).length;
    assert.ok(lost > 500 && lost < 700, `~30% lost, got ${lost}`);
    assert.ok(
      a.some((d) => d.length === 2),
      'some duplicates',
    );
    const rl = new PathFaults({ ratePerSecond: 2 });
    const r = new SeededRandom('x');
    assert.deepEqual(
      [0, 0, 0].map(() => rl.decide(0, r).delays.length),
      [1, 1, 0],
    );
    assert.equal(rl.decide(1000, r).delays.length, 1);
    assert.equal(new FaultStage({ loss: 1 }).onQuery(Buffer.from('x'), flow()).kind, 'drop');
  });
});

describe('session table and port pool', () => {
  it('drop when full, evict the least recently used, expire idle sessions', () => {
    const removed: string[] = [];
    const t = new SessionTable<string>({ maxSessions: 2, idleTimeoutMs: 1000, onFull: 'drop' }, (v, why) => removed.push(`${v}:${why}`));
    assert.equal(
      t.create('a', 0, () => 'a'),
      'a',
    );
    assert.equal(
      t.create('b', 10, () => 'b'),
      'b',
    );
    assert.equal(
      t.create('c', 20, () => 'c'),
      undefined,
    );
    assert.equal(t.stats.refused, 1);
    assert.equal(t.get('a', 900), 'a', 'a used again at 900');
    assert.equal(t.get('b', 1015), undefined, 'b idle since 10: expired');
    assert.equal(t.get('a', 1015), 'a', 'a idle only 115 ms');
    assert.deepEqual(removed, ['b:expired']);
    const e = new SessionTable<string>({ maxSessions: 2, onFull: 'evict' }, (v, why) => removed.push(`${v}:${why}`));
    e.create('x', 0, () => 'x');
    e.create('y', 1, () => 'y');
    e.get('x', 2);
    e.create('z', 3, () => 'z');
    assert.equal(e.peek('y'), undefined, 'y was least recently used');
    assert.ok(removed.includes('y:evicted'));
  });
  it('sequential pools hand out consecutive ports; random pools are seeded; exhaustion and release', () => {
    const seq = new PortPool({ size: 4, mode: 'sequential', base: 30000 }, new SeededRandom(1));
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => seq.allocate()),
      [30000, 30001, 30002, 30003, undefined],
    );
    seq.release(30001);
    assert.equal(seq.allocate(), 30001);
    const r1 = new PortPool({ size: 1000, base: 30000 }, new SeededRandom('p'));
    const r2 = new PortPool({ size: 1000, base: 30000 }, new SeededRandom('p'));
    const a = [1, 2, 3, 4, 5].map(() => r1.allocate()!);
    assert.deepEqual(
      a,
      [1, 2, 3, 4, 5].map(() => r2.allocate()!),
    );
    assert.ok(a.slice(1).some((p, i) => Math.abs(p - a[i]!) > 8));
    assert.throws(() => new PortPool({ size: 100, base: 65500 }, new SeededRandom(1)), MiddleboxConfigError);
  });
});

describe('packet interceptors and the proxy on a VirtualNetwork', () => {
  const zone = parseZoneText(
    `t. 300 IN SOA ns.t. a.t. 1 1 1 1 1\nt. 300 IN NS ns.t.\nbig.t. 300 IN TXT ${Array.from({ length: 10 }, () => `"${'z'.repeat(200)}"`).join(' ')}\nwww.t. 300 IN A 192.0.2.9\n`,
    't',
  );
  async function setup(seed: string) {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed });
    const servers: AuthoritativeServer[] = [];
    for (const a of ['10.0.0.1', '10.0.0.2']) {
      const s = new AuthoritativeServer({ network: net.addHost(`s${a}`, [a]), listen: [{ address: a, port: 53 }], zones: [zone], udpPayloadSize: 4096 });
      await s.start();
      servers.push(s);
    }
    const client = net.addHost('client', ['10.9.0.1']);
    return { clock, net, client, servers };
  }
  async function ask(clock: VirtualClock, host: Network, to: Endpoint, qname: string, qtype: 'A' | 'TXT' = 'TXT', size = 4096): Promise<Message | undefined> {
    const sock = await host.bindUdp({ address: host.addresses[0]!, port: 0 });
    const p = new Promise<Message | undefined>((resolve) => {
      const t = clock.setTimer(5000, () => resolve(undefined));
      sock.onMessage((b) => {
        clock.clearTimer(t);
        resolve(decodeMessage(b));
      });
    });
    sock.send(encodeMessage(makeQuery(qname, qtype, { id: 1, udpPayloadSize: size })), to);
    const r = await clock.runUntilSettled(p, 60_000);
    sock.close();
    return r;
  }

  it('fragment filter: pass delivers the 2 KB answer in fragments; first-only loses it after the reassembly timeout', async () => {
    const w = await setup('frag');
    const fw = new FragmentFilter({ mtu: 1500, fragments: 'pass' });
    const remove = w.net.addInterceptor(fw, { from: '10.0.0.1' });
    assert.equal((await ask(w.clock, w.client, { address: '10.0.0.1', port: 53 }, 'big.t'))?.answer.length, 1);
    remove();
    w.net.addInterceptor(new FragmentFilter({ mtu: 1500, fragments: 'first' }), { from: '10.0.0.1' });
    assert.equal(await ask(w.clock, w.client, { address: '10.0.0.1', port: 53 }, 'big.t'), undefined);
    await w.clock.runFor(40_000);
    assert.ok((w.net.stats.dropped['reassembly-timeout'] ?? 0) >= 1, 'the lone first fragment expired at the receiver');
    assert.ok((await ask(w.clock, w.client, { address: '10.0.0.1', port: 53 }, 'www.t', 'A')) !== undefined, 'small answers still pass');
  });

  it('TCP filter: reject → connection refused at once; blackhole → connect timeout', async () => {
    const w = await setup('tcp');
    w.net.addInterceptor(new TcpFilter({ tcp: 'reject' }), { to: '10.0.0.1' });
    w.net.addInterceptor(new TcpFilter({ tcp: 'blackhole' }), { to: '10.0.0.2' });
    const err = async (addr: string) => {
      try {
        await w.clock.runUntilSettled(w.client.connectTcp({ address: addr, port: 53 }, { timeoutMs: 5000 }), 60_000);
        return 'connected';
      } catch (e) {
        return e instanceof NetworkError ? e.code : String(e);
      }
    };
    assert.equal(await err('10.0.0.1'), 'CONNECTION_REFUSED');
    // The same rule on the way back (one filter per direction) must let the refusal through.
    w.net.addInterceptor(new TcpFilter({ tcp: 'reject' }, 'tcp-back'), { from: '10.0.0.1' });
    const t0 = w.clock.now();
    assert.equal(await err('10.0.0.1'), 'CONNECTION_REFUSED');
    assert.ok(w.clock.now() - t0 < 1000, 'refused at once, not after SYN retransmissions');
    assert.equal(await err('10.0.0.2'), 'TIMEOUT');
  });

  it('health checks take a dead backend out of the load balancer', async () => {
    const w = await setup('health');
    const lbHost = w.net.addHost('lb', ['10.0.0.54', '10.0.0.53']); // checks go out from .54, not the VIP
    const hc = new HealthChecker(
      lbHost,
      [
        { address: '10.0.0.1', port: 53 },
        { address: '10.0.0.2', port: 53 },
      ],
      { intervalMs: 1000, timeoutMs: 300, failures: 2, qname: 't' },
    );
    const lb = new LoadBalancer({ vip: '10.0.0.53', backends: ['10.0.0.1', '10.0.0.2'], distribution: 'per-packet' }, hc);
    w.net.addInterceptor(lb);
    await hc.start();
    w.net.setHostUp('s10.0.0.2', false);
    await w.clock.runFor(3500);
    assert.equal(hc.isUp('10.0.0.1'), true);
    assert.equal(hc.isUp('10.0.0.2'), false);
    for (let i = 0; i < 4; i++)
      assert.ok(await ask(w.clock, w.client, { address: '10.0.0.53', port: 53 }, 'www.t', 'A'), `query ${i} answered via the live backend`);
    assert.equal(lb.stats.dropped.noBackend, 0);
    w.net.setHostUp('s10.0.0.2', true);
    await w.clock.runFor(1500);
    assert.equal(hc.isUp('10.0.0.2'), true);
    assert.deepEqual(
      hc.log.map((l) => `${l.backend}:${l.up}`),
      ['10.0.0.2:false', '10.0.0.2:true'],
    );
    hc.stop();
  });

  it('MiddleboxProxy as a proxy host: caching home router answers the repeat itself; a 2-session table refuses the third client port', async () => {
    const w = await setup('proxy');
    const queries: string[] = [];
    const host = w.net.addHost('router', ['10.9.0.254']);
    const proxy = new MiddleboxProxy({
      network: host,
      listen: { address: '10.9.0.254', port: 53 },
      upstreams: [{ address: '10.0.0.1', port: 53 }],
      stages: [new EdnsProxy({ cache: true, cacheTtl: 60 })],
      sessions: { maxSessions: 2 },
      onEvent: (e) => queries.push(e.type === 'drop' ? `drop:${e.stage}` : e.type),
    });
    await w.clock.runUntilSettled(proxy.start());
    const to = { address: '10.9.0.254', port: 53 };
    assert.equal((await ask(w.clock, w.client, to, 'www.t', 'A'))?.answer.length, 1);
    assert.equal((await ask(w.clock, w.client, to, 'www.t', 'A'))?.answer.length, 1);
    assert.equal(queries.filter((q) => q === 'reply').length, 1, 'second answer from the cache');
    assert.equal(await ask(w.clock, w.client, to, 'big.t'), undefined, 'third client port: table full');
    assert.ok(queries.includes('drop:sessions'));
    await proxy.stop();
  });

  it('MiddleboxProxy with two upstreams and health checks skips the dead one; garbage from clients never takes it down', async () => {
    const w = await setup('proxy-health');
    const host = w.net.addHost('lb2', ['10.9.0.252']);
    const proxy = new MiddleboxProxy({
      network: host,
      listen: { address: '10.9.0.252', port: 53 },
      upstreams: [
        { address: '10.0.0.1', port: 53 },
        { address: '10.0.0.2', port: 53 },
      ],
      distribution: 'per-packet',
      healthCheck: { intervalMs: 500, timeoutMs: 200, failures: 2, qname: 't' },
      stages: [
        new EdnsProxy({ stripDnssec: true, maxUdpAnswer: 512 }),
        new SizeLimiter({ maxUdpSize: 4000, ednsRewrite: 1232 }),
        new FaultStage({ latencyMs: 1 }),
      ],
    });
    w.net.setHostUp('s10.0.0.2', false);
    await w.clock.runUntilSettled(proxy.start());
    await w.clock.runFor(1500);
    for (let i = 0; i < 4; i++) assert.ok(await ask(w.clock, w.client, { address: '10.9.0.252', port: 53 }, 'www.t', 'A'), `query ${i} answered`);
    const rnd = new SeededRandom('garbage');
    const sock = await w.client.bindUdp({ address: '10.9.0.1', port: 0 });
    for (let i = 0; i < 200; i++) sock.send(rnd.bytes(rnd.int(60)), { address: '10.9.0.252', port: 53 });
    await w.clock.runFor(1000);
    sock.close();
    assert.ok(await ask(w.clock, w.client, { address: '10.9.0.252', port: 53 }, 'www.t', 'A'), 'still answering after 200 garbage datagrams');
    await proxy.stop();
  });

  it('MiddleboxProxy closes idle sessions by itself and then leaves no timer running', async () => {
    const w = await setup('sweep');
    const host = w.net.addHost('nat', ['10.9.0.253']);
    const proxy = new MiddleboxProxy({
      network: host,
      listen: { address: '10.9.0.253', port: 53 },
      upstreams: [{ address: '10.0.0.1', port: 53 }],
      sessions: { idleTimeoutMs: 1000 },
    });
    await w.clock.runUntilSettled(proxy.start());
    assert.ok(await ask(w.clock, w.client, { address: '10.9.0.253', port: 53 }, 'www.t', 'A'));
    assert.equal(proxy.sessionCount, 1);
    const report = await w.clock.runUntilIdle(60_000);
    assert.equal(report.stoppedBy, 'idle');
    assert.equal(proxy.sessionCount, 0);
    await proxy.stop();
  });
});
