// Middleboxes on the VirtualNetwork between a validating RecursiveResolver
// and the authoritative servers of a DNSSEC-signed zone with large answers
// (RSA-2048 KSK+ZSK, a ~2 KB TXT): each setting gives the outcome real
// networks show (docs/incidents.md: "Middlebox checkpoints"), and the packets that explain it are in
// the pcap (what tshark reads from it: virtual.real.test.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../dns/wire/message.ts';
import type { IpPacket } from '../../net/packet.ts';
import {
  attachBetween,
  buildInterceptors,
  EdnsProxy,
  MiddleboxConfigError,
  settingsFromOptions,
  FaultInterceptor,
  FragmentFilter,
  LoadBalancer,
  TcpFilter,
  stagesInterceptor,
  validateSettings,
} from '../../servers/middlebox/index.ts';
import { buildMbWorld, drive, RESOLVER } from './world.ts';

const MB = '10.1.0.2';

function dnsOf(p: IpPacket) {
  if (p.body.kind !== 'udp') return undefined;
  try {
    return decodeMessage(p.body.payload);
  } catch {
    return undefined;
  }
}

describe('middleboxes on the VirtualNetwork, validating resolver behind them', { timeout: 120_000 }, () => {
  it('control: no box — big.mb TXT resolves securely (AD) over UDP with the 1232 EDNS default via TC+TCP', async () => {
    const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'control' });
    const r = await drive(w.clock, w.resolver.resolve('big.mb', 'TXT', { do: true }));
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.ad, true);
    assert.equal(r.answer.filter((x) => x.type === 'TXT').length, 1);
    const www = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(www.ad, true);
    await w.stop();
  });

  it('home router: UDP answers capped at 512 octets (TC=1) and TCP/53 rejected → SERVFAIL; pcap shows TC=1 answers and RSTs', async () => {
    const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'cap512' });
    const proxy = new EdnsProxy({ maxUdpAnswer: 512 });
    w.net.addInterceptor(stagesInterceptor([proxy]), { from: RESOLVER, to: MB });
    w.net.addInterceptor(stagesInterceptor([proxy]), { from: MB, to: RESOLVER });
    w.net.addInterceptor(new TcpFilter({ tcp: 'reject' }), { from: RESOLVER, to: MB });
    // www.mb A is small, but signed with RSA-2048 (answer + authority + RRSIGs) its DO=1 answer is ~950 octets.
    const www = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(www.rcode, 'SERVFAIL');
    const r = await drive(w.clock, w.resolver.resolve('big.mb', 'TXT', { do: true }));
    assert.equal(r.rcode, 'SERVFAIL');
    const pk = w.packets();
    // The server's full answer (over 512) is captured as it leaves, then the box's truncated copy.
    const full = pk.filter((p) => p.src === MB && p.body.kind === 'udp' && p.body.payload.length > 512 && dnsOf(p)?.flags.tc === false);
    assert.ok(full.length > 0, 'the server sent complete answers over 512 octets');
    const tcFromMb = pk.filter((p) => p.src === MB && dnsOf(p)?.flags.tc === true);
    assert.ok(tcFromMb.length > 0, 'TC=1 answers from the box are in the pcap');
    assert.ok(tcFromMb.every((p) => p.body.kind === 'udp' && p.body.payload.length <= 512));
    const rsts = pk.filter((p) => p.src === MB && p.body.kind === 'tcp' && p.body.flags.rst === true);
    assert.ok(rsts.length > 0, 'RSTs answering the SYNs are in the pcap');
    assert.ok(proxy.stats.truncated > 0);
    await w.stop();
  });

  it('fragment-dropping firewall (MTU 1500): EDNS 1232 (DNS Flag Day 2020) works via TC+TCP; EDNS 4096 loses the fragmented answers', async () => {
    const good = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'frag-1232' });
    const fw1 = new FragmentFilter({ mtu: 1500, fragments: 'drop' });
    good.net.addInterceptor(fw1, { from: MB, to: RESOLVER });
    const r1 = await drive(good.clock, good.resolver.resolve('big.mb', 'TXT', { do: true }));
    assert.equal(r1.rcode, 'NOERROR');
    assert.equal(r1.ad, true);
    assert.equal(good.events.filter((e) => e.type === 'upstream-timeout').length, 0, 'no timeouts with 1232');
    assert.ok(
      good.packets().some((p) => p.src === MB && p.body.kind === 'tcp' && p.body.payload.length > 1000),
      'the big answer came over TCP',
    );
    await good.stop();

    const bad = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'frag-4096', ednsBufferSize: 4096 });
    const fw2 = new FragmentFilter({ mtu: 1500, fragments: 'drop' });
    bad.net.addInterceptor(fw2, { from: MB, to: RESOLVER });
    const dropped: IpPacket[] = [];
    bad.net.onTrace((e) => {
      if (e.type === 'drop' && e.by === fw2.name) dropped.push(e.packet);
    });
    const r2 = await drive(bad.clock, bad.resolver.resolve('big.mb', 'TXT', { do: true }));
    const timeouts = bad.events.filter((e) => e.type === 'upstream-timeout').length;
    assert.ok(timeouts >= 1, `the 4096-octet advertisement costs timeouts (got ${timeouts}, outcome ${r2.rcode})`);
    assert.ok(dropped.length > 0, 'the firewall dropped fragments');
    // The sender fragmented the >1500-octet answer itself: the fragments are in the pcap, and none reached the resolver.
    const frags = bad.packets().filter((p) => p.src === MB && p.body.kind === 'fragment');
    assert.ok(frags.length >= 2, 'fragments of the big answer in the pcap');
    await bad.stop();
  });

  it('strip-RRSIG proxy (RRSIG/NSEC/NSEC3/DS removed): the validating resolver answers SERVFAIL', async () => {
    const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'strip' });
    const proxy = new EdnsProxy({ stripDnssec: true });
    w.net.addInterceptor(stagesInterceptor([proxy]), { from: MB, to: RESOLVER });
    const r = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(proxy.stats.stripped > 0);
    // What left the server had RRSIGs; what the resolver got had none.
    const fromMb = w
      .packets()
      .filter((p) => p.src === MB)
      .map(dnsOf)
      .filter((m) => m !== undefined);
    assert.ok(
      fromMb.some((m) => m.answer.some((a) => a.type === 'RRSIG')),
      'signed answer on the server side of the box',
    );
    await w.stop();
  });

  it('load balancer with a 3-session UDP table (drop when full): new flows are dropped and resolution fails; the pcap shows unanswered queries to the VIP', async () => {
    const VIP = '10.1.0.53';
    const w = await buildMbWorld({ nsAddress: VIP, mbServers: [MB, '10.1.0.3'], seed: 'lb' });
    w.net.addHost('lb', [VIP]);
    const lb = new LoadBalancer({ vip: VIP, backends: [MB, '10.1.0.3'], sessions: { maxSessions: 3, idleTimeoutMs: 60_000, onFull: 'drop' } });
    w.net.addInterceptor(lb);
    const first = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(first.rcode, 'NOERROR', 'the first flows fit in the table');
    const later = await drive(w.clock, w.resolver.resolve('big.mb', 'TXT', { do: true }));
    assert.ok(lb.stats.dropped.full > 0, 'flows refused by the full table');
    assert.equal(later.rcode, 'SERVFAIL');
    const pk = w.packets();
    const toVip = pk.filter((p) => p.dst === VIP && p.body.kind === 'udp').length;
    const fromVip = pk.filter((p) => p.src === VIP && p.body.kind === 'udp').length;
    assert.ok(toVip > fromVip, `more queries to the VIP (${toVip}) than answers from it (${fromVip})`);
    // Rewritten packets are captured too: queries reach a backend with the client's source.
    assert.ok(pk.some((p) => p.dst === MB || p.dst === '10.1.0.3'));
    await w.stop();
  });

  it('load balancer with room: answers come back from the VIP and per-packet distribution spreads queries over both backends', async () => {
    const VIP = '10.1.0.53';
    const w = await buildMbWorld({ nsAddress: VIP, mbServers: [MB, '10.1.0.3'], seed: 'lb-ok' });
    w.net.addHost('lb', [VIP]);
    const lb = new LoadBalancer({ vip: VIP, backends: [MB, '10.1.0.3'], distribution: 'per-packet' });
    w.net.addInterceptor(lb);
    const r = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.ad, true);
    const pk = w.packets();
    assert.ok(pk.some((p) => p.dst === MB) && pk.some((p) => p.dst === '10.1.0.3'), 'both backends got queries');
    assert.ok(lb.stats.returned > 0);
    await w.stop();
  });

  it('the CLI settings as interceptors (buildInterceptors): --strip do,rrsig on the resolver↔server path → SERVFAIL; --mtu 1500 --fragments drop with EDNS 1232 → secure', async () => {
    const strip = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'settings-strip' });
    for (const box of buildInterceptors(validateSettings({ strip: ['do', 'rrsig'] }))) {
      strip.net.addInterceptor(box, { from: RESOLVER, to: MB });
      strip.net.addInterceptor(box, { from: MB, to: RESOLVER });
    }
    assert.equal((await drive(strip.clock, strip.resolver.resolve('www.mb', 'A', { do: true }))).rcode, 'SERVFAIL');
    // DO cleared on the way in: what left the resolver had DO=1, what reached the server had DO=0.
    const qs = strip
      .packets()
      .filter((p) => p.dst === MB)
      .map(dnsOf)
      .filter((m) => m !== undefined);
    assert.ok(qs.some((m) => m.edns?.do === true) && qs.some((m) => m.edns?.do === false));
    await strip.stop();

    const frag = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'settings-frag' });
    for (const box of buildInterceptors(validateSettings({ mtu: 1500, fragments: 'drop' }))) frag.net.addInterceptor(box, { from: MB, to: RESOLVER });
    const r = await drive(frag.clock, frag.resolver.resolve('big.mb', 'TXT', { do: true }));
    assert.equal(r.ad, true);
    await frag.stop();
  });

  it('load balancer with source NAT from a sequential port pool: the backends see consecutive, predictable source ports (what probe checkpoint 7 flags)', async () => {
    const VIP = '10.1.0.53';
    const w = await buildMbWorld({ nsAddress: VIP, mbServers: [MB], seed: 'lb-snat' });
    w.net.addHost('lb', [VIP]);
    const lb = new LoadBalancer({ vip: VIP, backends: [MB], snat: { address: VIP, ports: { size: 100, mode: 'sequential', base: 40000 } } });
    w.net.addInterceptor(lb);
    const r = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(r.rcode, 'NOERROR');
    assert.equal(r.ad, true);
    const atBackend = w.packets().filter((p) => p.dst === MB && p.body.kind === 'udp');
    const ports = atBackend.map((p) => (p.body.kind === 'udp' ? p.body.srcPort : 0));
    assert.ok(ports.length >= 2);
    assert.ok(
      atBackend.every((p) => p.src === VIP),
      'the backend sees the NAT address',
    );
    assert.deepEqual(
      ports,
      ports.map((_, i) => 40000 + i),
      'consecutive ports from the pool',
    );
    const resolverPorts = w
      .packets()
      .filter((p) => p.src === RESOLVER && p.dst === VIP && p.body.kind === 'udp')
      .map((p) => (p.body.kind === 'udp' ? p.body.srcPort : 0));
    assert.ok(
      resolverPorts.some((p, i) => i > 0 && Math.abs(p - resolverPorts[i - 1]!) > 100),
      'while the resolver itself randomises',
    );
    await w.stop();
  });

  it('path faults (seeded loss, jitter, duplication, reordering): the resolver still gets a secure answer, and the same seed gives the same packets', async () => {
    const run = async () => {
      const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'faults' });
      // One box per direction: each interceptor gets its own seeded stream, forked by its name.
      const config = { loss: 0.25, latencyMs: 20, jitterMs: 30, duplicate: 0.2, reorder: 0.2, reorderDelayMs: 50 };
      const up = new FaultInterceptor(config, 'faults-up');
      const down = new FaultInterceptor(config, 'faults-down');
      w.net.addInterceptor(up, { from: RESOLVER, to: MB });
      w.net.addInterceptor(down, { from: MB, to: RESOLVER });
      const r = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
      for (const name of ['big.mb', 'a.mb', 'b.mb', 'c.mb']) await drive(w.clock, w.resolver.resolve(name, 'TXT', { do: true }));
      const sum = (k: 'lost' | 'duplicated' | 'reordered') => up.faults.stats[k] + down.faults.stats[k];
      // ECDSA signatures in the root zone differ per signing, so compare times, addresses and sizes.
      const trace = w.packets().map((p) => `${p.src}>${p.dst} ${p.body.kind} ${p.body.kind === 'fragment' ? p.body.data.length : p.body.payload.length}`);
      await w.stop();
      return { r, trace, stats: { lost: sum('lost'), duplicated: sum('duplicated'), reordered: sum('reordered') }, now: w.clock.now() };
    };
    const a = await run();
    assert.equal(a.r.rcode, 'NOERROR');
    assert.equal(a.r.ad, true);
    assert.ok(a.stats.lost > 0 && a.stats.duplicated > 0, JSON.stringify(a.stats));
    const b = await run();
    assert.deepEqual(b.trace, a.trace);
    assert.deepEqual(b.stats, a.stats);
    assert.equal(b.now, a.now);
  });

  it('scenario glue: settingsFromOptions + attachBetween — a home-router preset breaks validation; with TCP allowed its cache answers the repeat', async () => {
    assert.throws(
      () => settingsFromOptions('router', {}),
      (e: unknown) => e instanceof MiddleboxConfigError && e.setting === 'kind',
    );
    assert.throws(
      () => settingsFromOptions('firewall', { mtu: -1 }),
      (e: unknown) => e instanceof MiddleboxConfigError && e.setting === 'mtu',
    );
    assert.throws(() => settingsFromOptions('firewall', { udpSessions: 4 }), MiddleboxConfigError);
    const broken = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'attach-home' });
    attachBetween(broken.net, 'resolver', 'mb0', settingsFromOptions('home-router', {}), 'home');
    assert.equal((await drive(broken.clock, broken.resolver.resolve('www.mb', 'A', { do: true }))).rcode, 'SERVFAIL');
    await broken.stop();

    const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'attach-cache' });
    const settings = settingsFromOptions('home-router', { tcp: 'allow', capAnswers: 4096, cacheTtl: 600 });
    attachBetween(w.net, 'resolver', 'mb0', settings, 'home');
    let atServer = 0;
    w.net.onTrace((e) => {
      if (e.type === 'deliver' && e.host === 'mb0') atServer++;
    });
    const first = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(first.ad, true);
    const before = atServer;
    assert.ok(before >= 2);
    w.resolver.flushAll();
    const second = await drive(w.clock, w.resolver.resolve('www.mb', 'A', { do: true }));
    assert.equal(second.ad, true);
    assert.equal(atServer, before, 'no query reached the server again: the box answered from its cache (replies injected from the server address)');
    await w.stop();
  });
});
