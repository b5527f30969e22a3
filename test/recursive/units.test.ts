// Unit tests of the resolver's parts: cache credibility and TTL rules, server
// selection, ACL, profiles, the network transport's response matching, and
// engine behaviours that need a quirky authoritative (EDNS fallback, QNAME
// minimisation, bailiwick/poisoning).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeResponse } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { VirtualClock } from '../../net/clock.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { Acl, DEFAULT_ACL } from '../../servers/recursive/acl.ts';
import { ResolverCache, Trust } from '../../servers/recursive/cache.ts';
import { ResolverEngine } from '../../servers/recursive/engine.ts';
import type { ResolverEvent } from '../../servers/recursive/events.ts';
import { InfraCache } from '../../servers/recursive/infra.ts';
import { PROFILE_NAMES, PROFILES, settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { NetworkUpstream } from '../../servers/recursive/transport.ts';
import { ADDR, buildWorld, DirectUpstream, drive, engineOnWorld } from './world.ts';

const a = (name: string, address: string, ttl = 300): RR => ({ name, type: 'A', class: 'IN', ttl, data: address });
/** A scripted non-authoritative answer that only refers: NS in authority, glue in additional (RFC 1034 §4.3.2). */
const referral = (authority: RR[], additional: RR[]): Message => ({
  id: 0,
  opcode: 'QUERY',
  rcode: 'NOERROR',
  flags: { qr: true, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
  question: [],
  answer: [],
  authority,
  additional,
});
const set = (rr: RR) => ({ name: rr.name, type: rr.type, class: rr.class, ttl: rr.ttl, records: [rr] });

describe('ResolverCache', () => {
  it('RFC 2181 §5.4.1: glue never overwrites authoritative data; authoritative data replaces glue', () => {
    const clock = new VirtualClock();
    const c = new ResolverCache(clock, settingsFor('unbound'));
    assert.equal(c.storeRRset(set(a('ns1.example.lab', '192.0.2.1')), [], Trust.AuthAnswer, 'unchecked'), true);
    assert.equal(c.storeRRset(set(a('ns1.example.lab', '6.6.6.6')), [], Trust.Additional, 'unchecked'), false);
    assert.equal(c.get('ns1.example.lab', 'A')!.records[0]!.data, '192.0.2.1');
    c.storeRRset(set(a('ns2.example.lab', '6.6.6.6')), [], Trust.Additional, 'unchecked');
    c.storeRRset(set(a('ns2.example.lab', '192.0.2.2')), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(c.get('ns2.example.lab', 'A')!.records[0]!.data, '192.0.2.2');
  });

  it('TTL caps and floors apply; remaining TTL counts down on the lab clock', async () => {
    const clock = new VirtualClock();
    const c = new ResolverCache(clock, settingsFor('unbound', { maxTtl: 100, minTtl: 10 }));
    c.storeRRset(set(a('big.lab', '192.0.2.1', 999999)), [], Trust.AuthAnswer, 'unchecked');
    c.storeRRset(set(a('small.lab', '192.0.2.1', 1)), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(c.get('big.lab', 'A')!.records[0]!.ttl, 100);
    assert.equal(c.get('small.lab', 'A')!.records[0]!.ttl, 10);
    await clock.runFor(40_000);
    assert.equal(c.get('big.lab', 'A')!.records[0]!.ttl, 60);
    assert.equal(c.get('small.lab', 'A'), undefined);
  });

  it('RFC 2308 §5: negative TTL is min(SOA TTL, SOA MINIMUM), capped', () => {
    const c = new ResolverCache(new VirtualClock(), settingsFor('unbound', { maxNegativeTtl: 3600 }));
    const soa = (ttl: number, minimum: number): RR => ({
      name: 'lab',
      type: 'SOA',
      class: 'IN',
      ttl,
      data: { mname: 'ns.lab', rname: 'h.lab', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
    });
    assert.equal(c.negativeTtl(soa(900, 300)), 300);
    assert.equal(c.negativeTtl(soa(120, 300)), 120);
    assert.equal(c.negativeTtl(soa(86400, 86400)), 3600);
    assert.equal(c.negativeTtl(undefined), 0);
  });

  it('bogus data is kept only for the bogus TTL', () => {
    const c = new ResolverCache(new VirtualClock(), settingsFor('unbound', { bogusTtl: 60 }));
    c.storeRRset(set(a('x.lab', '192.0.2.1', 3600)), [], Trust.AuthAnswer, 'bogus');
    assert.equal(c.get('x.lab', 'A')!.records[0]!.ttl, 60);
  });

  it('flushTree removes a name and everything below, nothing else', () => {
    const c = new ResolverCache(new VirtualClock(), settingsFor('unbound'));
    for (const n of ['example.lab', 'www.example.lab', 'a.b.example.lab', 'other.lab']) c.storeRRset(set(a(n, '192.0.2.1')), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(c.flushTree('example.lab'), 3);
    assert.ok(c.get('other.lab', 'A'));
    assert.equal(c.get('www.example.lab', 'A'), undefined);
  });
});

describe('InfraCache server selection', () => {
  it('prefers the server with the lower smoothed RTT and avoids lame ones', () => {
    const clock = new VirtualClock();
    const infra = new InfraCache(clock, settingsFor('unbound', { rttBandMs: 50, exploreProbability: 0 }));
    const fast = { address: '10.0.0.1', port: 53 };
    const slow = { address: '10.0.0.2', port: 53 };
    const lame = { address: '10.0.0.3', port: 53 };
    for (let i = 0; i < 5; i++) {
      infra.recordRtt(fast, 10);
      infra.recordRtt(slow, 300);
      infra.recordRtt(lame, 1);
    }
    infra.markLame(lame, 'example.lab');
    const rnd = new SeededRandom(1);
    const picks = Array.from({ length: 50 }, () => infra.select([fast, slow, lame], 'example.lab', new Set(), rnd)!.address);
    assert.ok(
      picks.every((p) => p === fast.address),
      picks.join(','),
    );
  });

  it('with exploration on, slower servers are still tried now and then (seeded)', () => {
    const infra = new InfraCache(new VirtualClock(), settingsFor('unbound', { rttBandMs: 50, exploreProbability: 0.2 }));
    const fast = { address: '10.0.0.1', port: 53 };
    const slow = { address: '10.0.0.2', port: 53 };
    infra.recordRtt(fast, 10);
    infra.recordRtt(slow, 500);
    const rnd = new SeededRandom(2);
    const picks = Array.from({ length: 200 }, () => infra.select([fast, slow], 'z', new Set(), rnd)!.address);
    const slowCount = picks.filter((p) => p === slow.address).length;
    assert.ok(slowCount > 0 && slowCount < 60, `slow picked ${slowCount}/200`);
  });

  it('unbound: an unknown server starts at 376 ms (util/rtt.c UNKNOWN_SERVER_NICENESS), doubles per timeout (RFC 6298 §5.5) up to infra-cache-max-rtt', () => {
    const infra = new InfraCache(new VirtualClock(), settingsFor('unbound'));
    const s = { address: '10.0.0.9', port: 53 };
    const waits = [infra.timeoutFor(s)];
    for (let i = 0; i < 10; i++) {
      infra.recordTimeout(s);
      waits.push(infra.timeoutFor(s));
    }
    assert.deepEqual(waits, [376, 752, 1504, 3008, 6016, 12032, 24064, 48128, 96256, 120_000, 120_000]);
  });
});

describe('ACL and profiles', () => {
  it('default ACL: lab ranges yes, public addresses no', () => {
    const acl = new Acl(DEFAULT_ACL);
    for (const ok of ['127.0.7.1', '10.1.2.3', '192.0.2.5', '::1', '2001:db8::5', 'fd00::1']) assert.equal(acl.allows(ok), true, ok);
    for (const no of ['8.8.8.8', '1.1.1.1', '2606:4700::1111']) assert.equal(acl.allows(no), false, no);
  });

  it('every profile sets every switch, and the documented product differences hold', () => {
    const keys = Object.keys(PROFILES.unbound).sort();
    for (const p of PROFILE_NAMES) assert.deepEqual(Object.keys(PROFILES[p]).sort(), keys, p);
    assert.equal(PROFILES.unbound.aggressiveNsec3, false);
    assert.equal(PROFILES['knot-resolver'].aggressiveNsec3, true);
    assert.equal(PROFILES.bind.maxNegativeTtl, 10800);
    assert.equal(PROFILES.powerdns.bogusServfailOnlyWhenRequested, true);
    assert.equal(PROFILES['google-public-dns'].ednsBufferSize, 1400);
    assert.equal(PROFILES['google-public-dns'].serveStale, true);
  });
});

describe('NetworkUpstream', () => {
  it('accepts only a response matching ID, question and server; mismatches are ignored, not fatal', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 'upstream-match' });
    const server = net.addHost('server', ['10.0.0.53']);
    const client = net.addHost('client', ['10.0.0.1']);
    const sock = await server.bindUdp({ address: '10.0.0.53', port: 53 });
    sock.onMessage((payload, from) => {
      const q = decodeMessage(payload);
      const good = makeResponse(q);
      good.answer = [a(q.question[0]!.qname, '192.0.2.1')];
      const wrongId: Message = { ...good, id: (q.id + 1) & 0xffff };
      const wrongQuestion: Message = { ...good, question: [{ qname: 'evil.lab', qtype: 'A', qclass: 'IN' }] };
      sock.send(encodeMessage(wrongId), from);
      sock.send(encodeMessage(wrongQuestion), from);
      clock.setTimer(5, () => sock.send(encodeMessage(good), from));
    });
    const mismatches: string[] = [];
    const up = new NetworkUpstream({ network: client, random: new SeededRandom('ids'), onMismatch: (_f, why) => mismatches.push(why) });
    const r = await drive(
      clock,
      up.send({
        server: { address: '10.0.0.53', port: 53 },
        qname: 'www.example.lab',
        qtype: 'A',
        edns: true,
        udpPayloadSize: 1232,
        do: false,
        cd: false,
        tcp: false,
        timeoutMs: 1000,
      }),
    );
    assert.equal(r.kind, 'response');
    assert.equal(mismatches.length, 2, mismatches.join('; '));
    const silent = await drive(
      clock,
      up.send({
        server: { address: '10.0.0.99', port: 53 },
        qname: 'x.lab',
        qtype: 'A',
        edns: true,
        udpPayloadSize: 1232,
        do: false,
        cd: false,
        tcp: false,
        timeoutMs: 400,
      }),
    );
    assert.equal(silent.kind, 'timeout');
  });

  it('query IDs come from the seeded source: same seed, same IDs; different seed, different IDs', async () => {
    const ids = async (seed: string) => {
      const clock = new VirtualClock();
      const net = new VirtualNetwork({ clock, seed: 'n' });
      const client = net.addHost('client', ['10.0.0.1']);
      const up = new NetworkUpstream({ network: client, random: new SeededRandom(seed) });
      const out: number[] = [];
      for (let i = 0; i < 5; i++)
        out.push(
          (
            await drive(
              clock,
              up.send({
                server: { address: '10.0.0.99', port: 53 },
                qname: 'x.lab',
                qtype: 'A',
                edns: false,
                udpPayloadSize: 512,
                do: false,
                cd: false,
                tcp: false,
                timeoutMs: 10,
              }),
            )
          ).id,
        );
      return out;
    };
    assert.deepEqual(await ids('s1'), await ids('s1'));
    assert.notDeepEqual(await ids('s1'), await ids('s2'));
  });
});

describe('engine behaviours with quirky authoritatives', () => {
  function setup(overrides: Partial<ResolverSettings> = {}, validate = true) {
    return engineOnWorld(buildWorld(new VirtualClock()), settingsFor('unbound', overrides), 'units', { validate });
  }

  it('FORMERR to an EDNS query → the same question again without EDNS (RFC 6891 §7), remembered per server', async () => {
    const { w, q, events } = setup();
    w.servers.get(ADDR.insecure)!.setQuirks([{ kind: 'formerr-on-edns' }]);
    const r = await q('www.insecure.lab');
    assert.equal(r.rcode, 'NOERROR');
    const toInsecure = events.filter((e) => e.type === 'upstream-query' && e.server.address === ADDR.insecure);
    assert.deepEqual(
      toInsecure.map((e) => e.type === 'upstream-query' && e.edns),
      [true, false],
    );
    await q('other.insecure.lab');
    const later = events.filter((e) => e.type === 'upstream-query' && e.server.address === ADDR.insecure).slice(2);
    assert.ok(later.length > 0 && later.every((e) => e.type === 'upstream-query' && !e.edns), 'no EDNS retry dance the second time');
  });

  /** Resolve www.insecure.lab A with `settings` while EDNS queries to the insecure.lab server go into a black hole. */
  const behindEdnsBlackHole = async (settings: ResolverSettings) => {
    const w = buildWorld(new VirtualClock());
    const direct = new DirectUpstream(w, w.clock);
    const events: ResolverEvent[] = [];
    const engine = new ResolverEngine({
      settings,
      clock: w.clock,
      random: new SeededRandom('edns-drop'),
      upstream: {
        send: (req) =>
          req.edns && req.server.address === ADDR.insecure
            ? new Promise((r) => w.clock.setTimer(req.timeoutMs, () => r({ kind: 'timeout', id: 0 })))
            : direct.send(req),
      },
      rootHints: w.rootHints,
      trustAnchors: [],
      onEvent: (e) => events.push(e),
    });
    const r = await drive(w.clock, engine.resolve('www.insecure.lab', 'A'));
    const toInsecure = events
      .filter((e) => e.type === 'upstream-query' && e.server.address === ADDR.insecure)
      .map((e) => e.type === 'upstream-query' && e.edns);
    return { r, engine, toInsecure };
  };

  it('no answer to EDNS queries (a middlebox dropping OPT) → after two timeouts, one try without EDNS that succeeds (ednsOffAfterTimeouts)', async () => {
    // RFC 6891 §6.2.2 (BASE); the unbound profile turns it off (next test), and resends each lost query once at the same size.
    const { r, engine, toInsecure } = await behindEdnsBlackHole(settingsFor('unbound', { ednsOffAfterTimeouts: true, ednsFragmentFallbackAnySize: false }));
    assert.equal(r.rcode, 'NOERROR');
    assert.deepEqual(toInsecure, [true, true, false]);
    assert.equal(engine.infra.info({ address: ADDR.insecure, port: 53 }).edns, 'noedns');
  });

  it('unbound profile: no EDNS-less retry on timeouts (outside_network.c serviced_udp_callback), so the EDNS black hole is a failure', async () => {
    assert.equal(settingsFor('unbound').ednsOffAfterTimeouts, false);
    const { r, toInsecure } = await behindEdnsBlackHole(settingsFor('unbound'));
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(toInsecure.length > 0 && toInsecure.every((e) => e === true), `every query with EDNS: ${toInsecure}`);
  });

  it('an upward referral (NS for the root from a server of example.lab) marks that server lame; the good one answers', async () => {
    const { w, q, events, engine } = setup();
    const upward = referral([{ name: '.', type: 'NS', class: 'IN', ttl: 86400, data: 'a.root-servers.lab' }], [a('a.root-servers.lab', ADDR.root)]);
    w.servers.get(ADDR.exampleLame)!.setQuirks([{ kind: 'scripted', response: upward }]);
    for (const n of ['www.example.lab', 'c.example.lab', 'f.example.lab']) assert.equal((await q(n)).rcode, 'NOERROR', n);
    const lame = events.filter((e) => e.type === 'upstream-response' && e.server.address === ADDR.exampleLame);
    assert.ok(lame.every((e) => e.type === 'upstream-response' && e.class === 'lame'));
    // The seeded choice asks the lame server once (it is tried, classified, marked and then avoided).
    assert.equal(lame.length, 1, `asked the lame server ${lame.length} times`);
    assert.equal(engine.infra.isLame({ address: ADDR.exampleLame, port: 53 }, 'example.lab'), true);
  });

  it('identical concurrent questions are resolved once and shared (no upstream amplification)', async () => {
    const single = setup();
    await single.q('www.example.lab');
    const once = single.upstream.sent;
    const { w, engine, upstream } = setup();
    const many = await drive(w.clock, Promise.all(Array.from({ length: 20 }, () => engine.resolve('www.example.lab', 'A', { do: true }))));
    assert.equal(upstream.sent, once);
    assert.ok(many.every((r) => r.rcode === 'NOERROR' && r.ad));
    assert.equal(many.filter((r) => r.summary.coalesced).length, 19);
  });

  it('PowerDNS "process" mode: bogus data is SERVFAIL for DO/AD clients, plain data (AD=0) for others', async () => {
    const w = buildWorld(new VirtualClock());
    const engine = new ResolverEngine({
      settings: settingsFor('powerdns'),
      clock: w.clock,
      random: new SeededRandom('pdns'),
      upstream: new DirectUpstream(w, w.clock),
      rootHints: w.rootHints,
      trustAnchors: w.anchors,
    });
    const plain = await drive(w.clock, engine.resolve('www.bogus.lab', 'A', {}));
    assert.equal(plain.rcode, 'NOERROR');
    assert.equal(plain.ad, false);
    assert.deepEqual(
      plain.answer.map((r) => r.data),
      ['192.0.2.50'],
    );
    const dnssec = await drive(w.clock, engine.resolve('www.bogus.lab', 'A', { do: true }));
    assert.equal(dnssec.rcode, 'SERVFAIL');
    const unb = setup();
    assert.equal((await drive(unb.w.clock, unb.engine.resolve('www.bogus.lab', 'A', {}))).rcode, 'SERVFAIL', 'unbound: always SERVFAIL');
  });

  it('QNAME minimisation (RFC 9156): the root sees only "lab"; with it off it sees the full name', async () => {
    const on = setup({ qnameMinimisation: true });
    await on.q('www.example.lab');
    const rootOn = on.events.filter((e) => e.type === 'upstream-query' && e.server.address === ADDR.root && e.purpose === 'iterate');
    assert.deepEqual(
      rootOn.map((e) => e.type === 'upstream-query' && `${e.qname}/${e.qtype}`),
      ['lab/A'],
    );
    const off = setup({ qnameMinimisation: false });
    await off.q('www.example.lab');
    const rootOff = off.events.filter((e) => e.type === 'upstream-query' && e.server.address === ADDR.root && e.purpose === 'iterate');
    assert.deepEqual(
      rootOff.map((e) => e.type === 'upstream-query' && `${e.qname}/${e.qtype}`),
      ['www.example.lab/A'],
    );
  });

  it('out-of-bailiwick records in an answer are not cached (no poisoning of other.lab from insecure.lab)', async () => {
    const { w, q } = setup({}, false);
    const evil: Message = {
      id: 0,
      opcode: 'QUERY',
      rcode: 'NOERROR',
      flags: { qr: true, aa: true, tc: false, rd: false, ra: false, z: false, ad: false, cd: false },
      question: [],
      // The chain leaves insecure.lab's bailiwick: the A for www.other.lab must be asked of other.lab's servers.
      answer: [{ name: 'www.insecure.lab', type: 'CNAME', class: 'IN', ttl: 300, data: 'www.other.lab' }, a('www.other.lab', '6.6.6.6')],
      authority: [{ name: 'other.lab', type: 'NS', class: 'IN', ttl: 86400, data: 'ns.insecure.lab' }],
      additional: [a('ns.other.lab', '6.6.6.6')],
    };
    w.servers.get(ADDR.insecure)!.setQuirks([{ kind: 'scripted', match: { qname: 'www.insecure.lab' }, response: evil }]);
    const r = await q('www.insecure.lab');
    assert.deepEqual(
      r.answer.filter((x) => x.type === 'A').map((x) => x.data),
      ['192.0.2.20'],
      'target re-asked in its own zone',
    );
    const other = await q('www.other.lab');
    assert.deepEqual(
      other.answer.filter((r) => r.type === 'A').map((r) => r.data),
      ['192.0.2.20'],
    );
  });

  it('harden-glue: glue for a nameserver outside the referring zone is ignored, never used or cached', async () => {
    const { w, q, events, engine } = setup({}, false);
    const outside = referral(
      [
        { name: 'example.lab', type: 'NS', class: 'IN', ttl: 86400, data: 'ns.outside.test' },
        { name: 'example.lab', type: 'NS', class: 'IN', ttl: 86400, data: 'ns1.example.lab' },
      ],
      [a('ns.outside.test', '6.6.6.6'), a('ns1.example.lab', ADDR.example)],
    );
    w.servers.get(ADDR.lab)!.setQuirks([{ kind: 'scripted', match: { zone: 'example.lab' }, response: outside }]);
    for (const n of ['www.example.lab', 'c.example.lab', 'f.example.lab']) assert.equal((await q(n)).rcode, 'NOERROR', n);
    assert.ok(!events.some((e) => e.type === 'upstream-query' && e.server.address === '6.6.6.6'), 'out-of-bailiwick glue never used');
    assert.equal(engine.cache.get('ns.outside.test', 'A'), undefined);
  });

  it('a delegation whose servers never answer ends in SERVFAIL within the per-client-query budget', async () => {
    const { w, q } = setup({ maxQueriesPerClientQuery: 20 });
    for (const addr of [ADDR.example, ADDR.exampleLame]) w.servers.get(addr)!.setQuirks([{ kind: 'drop' }]);
    const r = await q('www.example.lab');
    assert.equal(r.rcode, 'SERVFAIL');
    assert.ok(r.summary.queriesSent <= 20, `${r.summary.queriesSent}`);
  });
});
