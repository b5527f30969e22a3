// The server's bytes-in/bytes-out path (server.handle), without a network:
// size limits and truncation, malformed input, the answer cache, quirks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import type { Message } from '../../dns/types.ts';
import type { Clock, Endpoint, Network } from '../../net/network.ts';
import { AuthoritativeServer, type ServerEvent } from '../../servers/authoritative/server.ts';
import type { Quirk } from '../../servers/authoritative/quirks.ts';
import { exampleZone, fakeSignNsec, query, rr } from './helpers.ts';

const from: Endpoint = { address: '127.0.4.9', port: 5353 };
const local: Endpoint = { address: '127.0.4.1', port: 53 };

/** A clock whose timers fire when the test says so: no real time in unit tests. */
class ManualClock implements Clock {
  t = 1_700_000_000_000;
  timers: Array<{ at: number; cb: () => void; id: number }> = [];
  private seq = 0;
  now() {
    return this.t;
  }
  setTimer(ms: number, cb: () => void) {
    const h = { at: this.t + ms, cb, id: ++this.seq };
    this.timers.push(h);
    return { id: h.id };
  }
  clearTimer(h: object) {
    this.timers = this.timers.filter((t) => t.id !== (h as { id: number }).id);
  }
  advance(ms: number) {
    this.t += ms;
    const due = this.timers.filter((t) => t.at <= this.t);
    this.timers = this.timers.filter((t) => t.at > this.t);
    for (const t of due) t.cb();
  }
}
const fakeNetwork = (clock: Clock): Network => ({
  clock,
  addresses: ['127.0.4.1'],
  bindUdp: () => Promise.reject(new Error('not used')),
  listenTcp: () => Promise.reject(new Error('not used')),
  connectTcp: () => Promise.reject(new Error('not used')),
});

function bigZone() {
  const z = exampleZone();
  for (let i = 1; i <= 6; i++) z.add(rr('big.example', 'TXT', [Buffer.from('a'.repeat(100) + i)]));
  return z;
}

function server(opts: { quirks?: Quirk[]; events?: ServerEvent[]; signed?: boolean; cache?: boolean } = {}) {
  const clock = new ManualClock();
  const zone = opts.signed ? fakeSignNsec(bigZone()) : bigZone();
  const s = new AuthoritativeServer({
    network: fakeNetwork(clock),
    listen: [],
    zones: [zone],
    quirks: opts.quirks ?? [],
    cache: opts.cache ?? true,
    onEvent: opts.events ? (e) => opts.events!.push(e) : undefined,
  });
  return { s, clock, zone };
}

async function send(s: AuthoritativeServer, m: Message | Buffer, transport: 'udp' | 'tcp' = 'udp'): Promise<{ bytes: Buffer; msg: Message } | undefined> {
  const raw = Buffer.isBuffer(m) ? m : encodeMessage(m);
  const out = await s.handle(raw, transport, from, local);
  return out ? { bytes: out, msg: decodeMessage(out) } : undefined;
}

describe('size limits and truncation (RFC 6891 §7, RFC 2181 §9; NSD behaviour)', () => {
  it('no EDNS: 512 octets; a big answer is TC=1 with empty sections', async () => {
    const r = (await send(server().s, query('big.example', 'TXT')))!;
    assert.ok(r.bytes.length <= 512);
    assert.equal(r.msg.flags.tc, true);
    assert.equal(r.msg.flags.aa, true);
    assert.deepEqual([r.msg.answer.length, r.msg.authority.length, r.msg.additional.length], [0, 0, 0]);
    assert.equal(r.msg.question.length, 1);
    assert.equal(r.msg.edns, undefined);
  });
  it('EDNS 512: TC with OPT kept', async () => {
    const r = (await send(server().s, query('big.example', 'TXT', { size: 512 })))!;
    assert.equal(r.msg.flags.tc, true);
    assert.equal(r.msg.edns!.udpPayloadSize, 1232);
  });
  it('a payload size below 512 is treated as 512', async () => {
    const r = (await send(server().s, query('www.example', 'A', { size: 100 })))!;
    assert.equal(r.msg.flags.tc, false);
    assert.equal(r.msg.answer.length, 1);
    assert.equal(r.msg.additional.length, 2);
  });
  it('EDNS 1232 fits it whole', async () => {
    const r = (await send(server().s, query('big.example', 'TXT', { size: 4096 })))!;
    assert.equal(r.msg.flags.tc, false);
    assert.equal(r.msg.answer.length, 6);
    assert.ok(r.bytes.length <= 1232);
  });
  it('TCP serves the full answer', async () => {
    const r = (await send(server().s, query('big.example', 'TXT'), 'tcp'))!;
    assert.equal(r.msg.flags.tc, false);
    assert.equal(r.msg.answer.length, 6);
    assert.equal(r.msg.authority.length, 2);
  });
  it('optional authority NS and additional are dropped silently before truncating', async () => {
    const z = exampleZone();
    for (let i = 1; i <= 4; i++) z.add(rr('mid.example', 'TXT', [Buffer.from('b'.repeat(100) + i)]));
    for (let i = 3; i <= 12; i++) {
      z.add(rr('example', 'NS', `ns${i}.example`));
      z.add(rr(`ns${i}.example`, 'A', `192.0.2.${100 + i}`));
    }
    const s = new AuthoritativeServer({ network: fakeNetwork(new ManualClock()), listen: [], zones: [z] });
    const r = (await send(s, query('mid.example', 'TXT')))!;
    assert.ok(r.bytes.length <= 512);
    assert.equal(r.msg.flags.tc, false);
    assert.equal(r.msg.answer.length, 4);
    const full = (await send(s, query('mid.example', 'TXT'), 'tcp'))!;
    assert.ok(full.msg.authority.length + full.msg.additional.length > r.msg.authority.length + r.msg.additional.length);
  });
  it('a negative answer whose NSEC proof does not fit is truncated (DO=1, RFC 4035 §3.1.1)', async () => {
    const z = fakeSignNsec(exampleZone());
    // Fat signatures so SOA+NSEC+RRSIGs exceed 512.
    for (const set of [...z.rrsets()])
      if (set.type === 'RRSIG') for (const r0 of set.records) (r0.data as { signature: Buffer }).signature = Buffer.alloc(120, 7);
    const s = new AuthoritativeServer({ network: fakeNetwork(new ManualClock()), listen: [], zones: [z] });
    const small = (await send(s, query('nx.example', 'A', { do: true, size: 512 })))!;
    assert.equal(small.msg.flags.tc, true);
    assert.ok(small.bytes.length <= 512);
    // NSD keeps the RRsets placed before the one that failed (NSEC proofs come first, then SOA).
    assert.ok(small.msg.authority.length > 0 && !small.msg.authority.some((x) => x.type === 'SOA'));
    const whole = (set: string[]) =>
      set.every((t) => small.msg.authority.some((x) => x.type === 'RRSIG' && (x.data as { typeCovered: string }).typeCovered === t));
    assert.ok(whole(['NSEC']), 'every NSEC kept travels with its RRSIG');
    const big = (await send(s, query('nx.example', 'A', { do: true, size: 1232 })))!;
    assert.equal(big.msg.flags.tc, false);
    assert.ok(big.msg.authority.some((x) => x.type === 'NSEC'));
  });
});

describe('referral glue under size pressure', () => {
  function bigReferralZone() {
    const z = exampleZone();
    for (let i = 0; i < 12; i++) {
      const ns = `ns${i}.a-rather-long-label-for-glue.big.example`;
      z.add(rr('big.example', 'NS', ns));
      z.add(rr(ns, 'A', `192.0.2.${100 + i}`));
      z.add(rr(ns, 'AAAA', `2001:db8::${100 + i}`));
    }
    return z;
  }
  it('NSD rule: glue that does not fit is left out silently while some A glue fits', async () => {
    const s = new AuthoritativeServer({ network: fakeNetwork(new ManualClock()), listen: [], zones: [bigReferralZone()] });
    const r = (await send(s, query('www.big.example', 'A')))!;
    assert.equal(r.msg.flags.tc, false);
    assert.ok(r.bytes.length <= 512);
    assert.equal(r.msg.authority.length, 12);
    // A glue goes first (NSD's ADDITIONAL_A section), then AAAA until one does not fit.
    assert.equal(r.msg.additional.filter((x) => x.type === 'A').length, 12);
    const aaaa = r.msg.additional.filter((x) => x.type === 'AAAA').length;
    assert.ok(aaaa < 12, `only some AAAA glue fits (${aaaa})`);
  });
  it('IPv6 clients get the AAAA glue of NS targets first (NSD), and the cache keeps them apart', async () => {
    const s = new AuthoritativeServer({ network: fakeNetwork(new ManualClock()), listen: [], zones: [bigReferralZone()] });
    const v4 = (await send(s, query('www.big.example', 'A')))!;
    const out = await s.handle(encodeMessage(query('www.big.example', 'A')), 'udp', { address: '::1', port: 5353 }, local);
    const v6 = decodeMessage(out!);
    assert.equal(v6.flags.tc, false);
    // AAAA glue fills the first address section until one does not fit; no A glue follows.
    assert.ok(v6.additional.filter((x) => x.type === 'AAAA').length > 0);
    assert.equal(v6.additional.filter((x) => x.type === 'A').length, 0);
    assert.equal(v4.msg.additional.filter((x) => x.type === 'A').length, 12, 'IPv4 answer not taken from the IPv6 cache entry');
    const again = decodeMessage((await s.handle(encodeMessage(query('www.big.example', 'A')), 'udp', from, local))!);
    assert.equal(again.additional.filter((x) => x.type === 'A').length, 12);
  });
  it('strictGlue (RFC 9471): missing in-domain glue sets TC', async () => {
    const s = new AuthoritativeServer({ network: fakeNetwork(new ManualClock()), listen: [], zones: [bigReferralZone()], strictGlue: true });
    const r = (await send(s, query('www.big.example', 'A')))!;
    assert.equal(r.msg.flags.tc, true);
    const tcp = (await send(s, query('www.big.example', 'A'), 'tcp'))!;
    assert.equal(tcp.msg.flags.tc, false);
    assert.equal(tcp.msg.additional.length, 24);
  });
});

describe('malformed input never crashes (docs/ARCHITECTURE.md, "Bad input never crashes the lab")', () => {
  it('drops packets shorter than a header, answers FORMERR with the ID otherwise', async () => {
    const { s } = server();
    assert.equal(await send(s, Buffer.from([1, 2, 3])), undefined);
    const q = encodeMessage(query('www.example', 'A', { id: 0xbeef }));
    const cut = q.subarray(0, q.length - 3);
    const r = (await send(s, Buffer.from(cut)))!;
    assert.equal(r.msg.rcode, 'FORMERR');
    assert.equal(r.msg.id, 0xbeef);
    assert.equal(r.msg.flags.qr, true);
  });
  it('FORMERR for trailing garbage and for qdcount=2', async () => {
    const { s } = server();
    const q = encodeMessage(query('www.example', 'A', { id: 77 }));
    const r = (await send(s, Buffer.concat([q, Buffer.from([0, 0, 0])])))!;
    assert.equal(r.msg.rcode, 'FORMERR');
    const two = query('www.example', 'A', { id: 78 });
    two.question.push({ qname: 'x.example', qtype: 'A', qclass: 'IN' });
    const r2 = (await send(s, two))!;
    assert.equal(r2.msg.rcode, 'FORMERR');
    assert.equal(r2.msg.id, 78);
  });
  it('never answers a response (QR=1)', async () => {
    const m = query('www.example', 'A');
    m.flags.qr = true;
    assert.equal(await send(server().s, m), undefined);
  });
  it('survives 3000 random mutations of a valid query', async () => {
    const { s } = server({ cache: false });
    const base = encodeMessage(query('www.example', 'A', { do: true, size: 4096 }));
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(base.subarray(0, Math.floor(rand() * (base.length + 4))));
      for (let k = 0; k < 3; k++) if (b.length > 0) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const out = await s.handle(b, 'udp', from, local);
      if (out) {
        answered++;
        decodeMessage(out); // every answer we send is well-formed
      }
    }
    assert.ok(answered > 100);
  });
});

describe('answer cache', () => {
  it('serves repeated queries with the right ID and sees zone edits', async () => {
    const events: ServerEvent[] = [];
    const { s, zone } = server({ events });
    const a = (await send(s, query('www.example', 'A', { id: 1 })))!;
    const b = (await send(s, query('www.example', 'A', { id: 2 })))!;
    assert.equal(b.msg.id, 2);
    assert.deepEqual(b.msg.answer, a.msg.answer);
    const responses = events.filter((e) => e.type === 'response');
    assert.deepEqual(
      responses.map((e) => (e as { cached: boolean }).cached),
      [false, true],
    );
    zone.replace('www.example', 'A', [rr('www.example', 'A', '198.51.100.1')]);
    const c = (await send(s, query('www.example', 'A', { id: 3 })))!;
    assert.equal(c.msg.answer[0]!.data, '198.51.100.1');
  });
  it('sees a zone replaced by a copy whose edit count makes the old sum come back', async () => {
    // Regression: the cache key was the SUM of the set's and the zones' counters, so
    // removing a zone (version v) and adding an edited copy could repeat a key and
    // serve the deleted data. A re-signed parent without its DS hit exactly this.
    const { s, zone } = server();
    assert.equal((await send(s, query('www.example', 'A', { id: 1 })))!.msg.answer[0]!.data, '192.0.2.10');
    const copy = zone.clone();
    copy.replace('www.example', 'A', [rr('www.example', 'A', '198.51.100.7')]);
    // Make the copy's counter equal the original's minus the two structural bumps below.
    while (copy.version > zone.version - 2) copy.version--;
    s.zones.remove('example');
    s.zones.add(copy);
    assert.equal((await send(s, query('www.example', 'A', { id: 2 })))!.msg.answer[0]!.data, '198.51.100.7');
  });
});

describe('quirks (composed as a chain)', () => {
  it('lame: REFUSED for one zone only, AA=0', async () => {
    const { s } = server({ quirks: [{ kind: 'lame', zone: 'sub.example' }] });
    assert.equal((await send(s, query('www.sub.example', 'A')))!.msg.rcode, 'REFUSED');
    assert.equal((await send(s, query('www.example', 'A')))!.msg.rcode, 'NOERROR');
    s.setQuirks([{ kind: 'lame', rcode: 'SERVFAIL' }]);
    const r = (await send(s, query('www.example', 'A')))!;
    assert.equal(r.msg.rcode, 'SERVFAIL');
    assert.equal(r.msg.flags.aa, false);
  });
  it('drop: no response, a drop event', async () => {
    const events: ServerEvent[] = [];
    const { s } = server({ quirks: [{ kind: 'drop', match: { qtype: 'AAAA' } }], events });
    assert.equal(await send(s, query('www.example', 'AAAA')), undefined);
    assert.ok(events.some((e) => e.type === 'drop'));
    assert.ok(await send(s, query('www.example', 'A')));
  });
  it('delay: answers only after the lab clock moved', async () => {
    const { s, clock } = server({ quirks: [{ kind: 'delay', ms: 500 }] });
    let done = false;
    const p = Promise.resolve(s.handle(encodeMessage(query('www.example', 'A')), 'udp', from, local)).then((b) => {
      done = true;
      return b;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(499);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(1);
    const out = await p;
    assert.equal(decodeMessage(out!).answer.length, 1);
  });
  it('always-tc: TC=1 over UDP, full answer over TCP', async () => {
    const { s } = server({ quirks: [{ kind: 'always-tc' }] });
    const u = (await send(s, query('www.example', 'A')))!;
    assert.equal(u.msg.flags.tc, true);
    assert.equal(u.msg.answer.length, 0);
    const t = (await send(s, query('www.example', 'A'), 'tcp'))!;
    assert.equal(t.msg.flags.tc, false);
    assert.equal(t.msg.answer.length, 1);
  });
  it('ignore-edns: no OPT and the 512 limit', async () => {
    const { s } = server({ quirks: [{ kind: 'ignore-edns' }] });
    const r = (await send(s, query('big.example', 'TXT', { size: 4096 })))!;
    assert.equal(r.msg.edns, undefined);
    assert.equal(r.msg.flags.tc, true);
  });
  it('strip-opt: EDNS-sized answer without OPT', async () => {
    const { s } = server({ quirks: [{ kind: 'strip-opt' }] });
    const r = (await send(s, query('big.example', 'TXT', { size: 4096 })))!;
    assert.equal(r.msg.edns, undefined);
    assert.equal(r.msg.flags.tc, false);
    assert.ok(r.bytes.length > 512);
  });
  it('formerr-on-edns: FORMERR without OPT for EDNS queries only', async () => {
    const { s } = server({ quirks: [{ kind: 'formerr-on-edns' }] });
    const r = (await send(s, query('www.example', 'A', { edns: true })))!;
    assert.equal(r.msg.rcode, 'FORMERR');
    assert.equal(r.msg.edns, undefined);
    assert.equal((await send(s, query('www.example', 'A')))!.msg.rcode, 'NOERROR');
  });
  it('scripted: fixed Message or raw bytes for a matching query', async () => {
    const fixed = query('evil.example', 'A');
    const response: Message = { ...fixed, flags: { ...fixed.flags, qr: true, aa: true }, answer: [rr('evil.example', 'A', '203.0.113.66', 60)] };
    const { s } = server({
      quirks: [
        { kind: 'scripted', match: { qname: 'evil.example' }, response },
        { kind: 'scripted', match: { qname: 'raw.example' }, bytes: Buffer.from('0000deadbeef', 'hex') },
      ],
    });
    const r = (await send(s, query('EVIL.example', 'A', { id: 31 })))!;
    assert.equal(r.msg.id, 31);
    assert.equal(r.msg.answer[0]!.data, '203.0.113.66');
    const raw = await s.handle(encodeMessage(query('raw.example', 'A', { id: 0x1234 })), 'udp', from, local);
    assert.equal(raw!.toString('hex'), '1234deadbeef');
    assert.equal((await send(s, query('www.example', 'A')))!.msg.answer[0]!.data, '192.0.2.10');
  });
  it('quirks compose: delay + lame, order preserved (first = outermost)', async () => {
    const settled = async (p: unknown) => {
      let done = false;
      void Promise.resolve(p).then(() => (done = true));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      return done;
    };
    // delay outside lame: the REFUSED leaves only after the 10 ms.
    const slow = server({ quirks: [{ kind: 'delay', ms: 10 }, { kind: 'lame' }] });
    const p = slow.s.handle(encodeMessage(query('www.example', 'A')), 'udp', from, local);
    assert.equal(await settled(p), false, 'answered at once');
    slow.clock.advance(9);
    assert.equal(await settled(p), false, 'answered before the delay ran out');
    slow.clock.advance(1);
    assert.equal(decodeMessage((await p)!).rcode, 'REFUSED');
    // lame outside delay: lame answers at once and the delay never runs.
    const fast = server({ quirks: [{ kind: 'lame' }, { kind: 'delay', ms: 10 }] });
    const f = fast.s.handle(encodeMessage(query('www.example', 'A')), 'udp', from, local);
    assert.equal(await settled(f), true, 'lame first answers without waiting');
    assert.equal(decodeMessage((await f)!).rcode, 'REFUSED');
    // formerr-on-edns outside ignore-edns sees the OPT; inside, ignore-edns has removed it first.
    const edns = query('www.example', 'A', { edns: true });
    assert.equal((await send(server({ quirks: [{ kind: 'formerr-on-edns' }, { kind: 'ignore-edns' }] }).s, edns))!.msg.rcode, 'FORMERR');
    assert.equal((await send(server({ quirks: [{ kind: 'ignore-edns' }, { kind: 'formerr-on-edns' }] }).s, edns))!.msg.rcode, 'NOERROR');
  });
  it('rejects unknown quirk kinds with a message naming the known ones', () => {
    assert.throws(() => server({ quirks: [{ kind: 'nope' } as unknown as Quirk] }), /known: lame/);
    assert.throws(() => server({ quirks: [{ kind: 'toString' } as unknown as Quirk] }), /unknown quirk/);
  });
});

describe('events', () => {
  it('emits query and response with transport, sizes and rcode', async () => {
    const events: ServerEvent[] = [];
    const { s } = server({ events });
    await send(s, query('nx.example', 'A'), 'tcp');
    const q = events.find((e) => e.type === 'query') as Extract<ServerEvent, { type: 'query' }>;
    const r = events.find((e) => e.type === 'response') as Extract<ServerEvent, { type: 'response' }>;
    assert.equal(q.transport, 'tcp');
    assert.equal(q.qname, 'nx.example');
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.ok(r.bytes > 12);
  });
});

describe('answer cache and online signing', () => {
  it('does not reuse answers of an online-signed zone (signatures are made "now")', async () => {
    const clock = new ManualClock();
    const s = new AuthoritativeServer({ network: fakeNetwork(clock), listen: [], zones: [] });
    let calls = 0;
    s.zones.add(exampleZone(), {
      onlineSigner: {
        signAnswer(response) {
          calls++;
          return response;
        },
      },
    });
    await send(s, query('www.example', 'A', { do: true }));
    await send(s, query('www.example', 'A', { do: true }));
    assert.equal(calls, 2);
  });
});

describe('failures inside the answer logic', () => {
  it('a throwing online signer costs one SERVFAIL and an error event, not the server', async () => {
    const events: ServerEvent[] = [];
    const s = new AuthoritativeServer({ network: fakeNetwork(new ManualClock()), listen: [], zones: [], onEvent: (e) => events.push(e) });
    s.zones.add(exampleZone(), {
      onlineSigner: {
        signAnswer() {
          throw new Error('HSM unplugged');
        },
      },
    });
    const r = (await send(s, query('www.example', 'A', { do: true })))!;
    assert.equal(r.msg.rcode, 'SERVFAIL');
    assert.ok(events.some((e) => e.type === 'error' && /HSM unplugged/.test(e.message)));
    assert.equal((await send(s, query('www.example', 'A')))!.msg.rcode, 'NOERROR');
  });
});
