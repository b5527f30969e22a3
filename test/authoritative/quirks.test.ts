// The quirk chain on its own (servers/authoritative/quirks.ts): which queries a `match` selects, what each
// handler does to the outcome of the handler inside it, and which quirk data is refused. The server tests
// (server-handle.test.ts) drive the same chain through AuthoritativeServer.handle.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import { composeQuirks, quirkMatches, quirkProblem, type QueryOutcome, type Quirk, type QueryContext } from '../../servers/authoritative/quirks.ts';
import { query, rr } from './helpers.ts';

const endpoint = { address: '127.0.4.1', port: 53 };

/** A clock whose timers run only when told to. */
function manualClock() {
  const timers: { at: number; cb: () => void }[] = [];
  let t = 0;
  const clock: Clock = {
    now: () => t,
    setTimer(ms, cb) {
      timers.push({ at: t + ms, cb });
      return {};
    },
    clearTimer() {},
  };
  return {
    clock,
    timers,
    advance(ms: number) {
      t += ms;
      for (const x of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(x), 1);
        x.cb();
      }
    },
  };
}

function ctx(q: Message, transport: 'udp' | 'tcp' = 'udp', clock: Clock = manualClock().clock): QueryContext {
  return { query: q, transport, from: endpoint, local: endpoint, limit: transport === 'udp' ? (q.edns ? q.edns.udpPayloadSize : 512) : 65535, clock };
}

/** The core: a full answer with EDNS echoed when asked; records what it saw. */
function core(seen: QueryContext[] = []) {
  return async (c: QueryContext): Promise<QueryOutcome> => {
    seen.push(c);
    const m: Message = {
      ...c.query,
      flags: { ...c.query.flags, qr: true, aa: true },
      answer: [rr('www.example', 'A', '192.0.2.10')],
      authority: [rr('example', 'NS', 'ns1.example')],
      additional: [rr('ns1.example', 'A', '192.0.2.1')],
    };
    if (c.query.edns) m.edns = { udpPayloadSize: 1232, version: 0, do: false, z: 0, options: [] };
    return { kind: 'message', message: m, limit: c.limit };
  };
}

const message = (o: QueryOutcome): Message => {
  assert.equal(o.kind, 'message');
  return (o as Extract<QueryOutcome, { kind: 'message' }>).message;
};

describe('quirkMatches', () => {
  const q = ctx(query('WWW.Example', 'AAAA'));
  it('no match selects everything', () => assert.equal(quirkMatches(undefined, q), true));
  it('qname: exact and case-insensitive, not below', () => {
    assert.equal(quirkMatches({ qname: 'www.example' }, q), true);
    assert.equal(quirkMatches({ qname: 'example' }, q), false);
    assert.equal(quirkMatches({ qname: 'www.example' }, ctx(query('a.www.example', 'AAAA'))), false);
  });
  it('zone: at or below', () => {
    assert.equal(quirkMatches({ zone: 'example' }, q), true);
    assert.equal(quirkMatches({ zone: 'www.example' }, q), true);
    assert.equal(quirkMatches({ zone: 'other' }, q), false);
  });
  it('qtype and transport', () => {
    assert.equal(quirkMatches({ qtype: 'AAAA' }, q), true);
    assert.equal(quirkMatches({ qtype: 'A' }, q), false);
    assert.equal(quirkMatches({ transport: 'udp' }, q), true);
    assert.equal(quirkMatches({ transport: 'tcp' }, q), false);
    assert.equal(quirkMatches({ transport: 'tcp' }, ctx(query('www.example', 'AAAA'), 'tcp')), true);
  });
  it('every given field must hold', () => {
    assert.equal(quirkMatches({ zone: 'example', qtype: 'AAAA', transport: 'udp' }, q), true);
    assert.equal(quirkMatches({ zone: 'example', qtype: 'A', transport: 'udp' }, q), false);
    assert.equal(quirkMatches({ qname: 'www.example', transport: 'tcp' }, q), false);
  });
  it('a query without a question matches only a match that names no qname, zone or qtype', () => {
    const none = ctx({ ...query('www.example', 'A'), question: [] });
    assert.equal(quirkMatches({ transport: 'udp' }, none), true);
    assert.equal(quirkMatches({ qname: 'www.example' }, none), false);
    assert.equal(quirkMatches({ zone: 'example' }, none), false);
    assert.equal(quirkMatches({ qtype: 'A' }, none), false);
  });
});

describe('quirk handlers', () => {
  it('lame: REFUSED (or the given rcode), AA=0, empty sections, the question echoed, OPT only for an EDNS query', async () => {
    const q = { ...query('www.example', 'A', { id: 7, edns: true }), flags: { ...query('www.example', 'A').flags, rd: true, cd: true } };
    const m = message(await composeQuirks([{ kind: 'lame' }], core())(ctx(q)));
    assert.equal(m.rcode, 'REFUSED');
    assert.equal(m.id, 7);
    assert.deepEqual(m.flags, { qr: true, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: true });
    assert.deepEqual(m.question, q.question);
    assert.deepEqual([m.answer, m.authority, m.additional], [[], [], []]);
    assert.deepEqual(m.edns, { udpPayloadSize: 1232, version: 0, do: false, z: 0, options: [] });
    const plain = message(await composeQuirks([{ kind: 'lame', rcode: 'SERVFAIL' }], core())(ctx(query('www.example', 'A'))));
    assert.equal(plain.rcode, 'SERVFAIL');
    assert.equal(plain.edns, undefined);
  });
  it('lame for one zone: queries outside it get the real answer', async () => {
    const chain = composeQuirks([{ kind: 'lame', zone: 'sub.example' }], core());
    assert.equal(message(await chain(ctx(query('a.sub.example', 'A')))).rcode, 'REFUSED');
    const outside = message(await chain(ctx(query('www.example', 'A'))));
    assert.equal(outside.rcode, 'NOERROR');
    assert.equal(outside.flags.aa, true);
    assert.equal(message(await chain(ctx({ ...query('www.example', 'A'), question: [] }))).rcode, 'NOERROR', 'no question: not in the zone');
  });
  it('drop: nothing, and the inner handler is never asked', async () => {
    const seen: QueryContext[] = [];
    assert.deepEqual(await composeQuirks([{ kind: 'drop' }], core(seen))(ctx(query('www.example', 'A'))), { kind: 'drop', reason: 'quirk drop' });
    assert.equal(seen.length, 0);
  });
  it('delay: the answer waits exactly ms of the lab clock; a negative ms waits 0', async () => {
    const c = manualClock();
    const p = composeQuirks([{ kind: 'delay', ms: 25 }], core())(ctx(query('www.example', 'A'), 'udp', c.clock));
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      c.timers.map((x) => x.at),
      [25],
    );
    c.advance(24);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    c.advance(1);
    assert.equal(message(await p).rcode, 'NOERROR');
    const c2 = manualClock();
    const p2 = composeQuirks([{ kind: 'delay', ms: -5 }], core())(ctx(query('www.example', 'A'), 'udp', c2.clock));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      c2.timers.map((x) => x.at),
      [0],
    );
    c2.advance(0);
    assert.equal(message(await p2).rcode, 'NOERROR');
  });
  it('always-tc: over UDP TC=1 and all three sections emptied; over TCP the answer untouched', async () => {
    const chain = composeQuirks([{ kind: 'always-tc' }], core());
    const udp = message(await chain(ctx(query('www.example', 'A'))));
    assert.equal(udp.flags.tc, true);
    assert.equal(udp.flags.aa, true, 'other flags kept');
    assert.deepEqual([udp.answer, udp.authority, udp.additional], [[], [], []]);
    const tcp = message(await chain(ctx(query('www.example', 'A'), 'tcp')));
    assert.equal(tcp.flags.tc, false);
    assert.equal(tcp.answer.length, 1);
    assert.equal(tcp.authority.length, 1);
    assert.equal(tcp.additional.length, 1);
    const dropped = await composeQuirks([{ kind: 'always-tc' }, { kind: 'drop' }], core())(ctx(query('www.example', 'A')));
    assert.equal(dropped.kind, 'drop', 'a drop inside stays a drop');
  });
  it('ignore-edns: the inner handler sees no OPT and a 512 limit over UDP; over TCP the limit stays', async () => {
    const seen: QueryContext[] = [];
    const chain = composeQuirks([{ kind: 'ignore-edns' }], core(seen));
    const udp = await chain(ctx(query('www.example', 'A', { size: 4096 })));
    assert.equal(seen[0]!.query.edns, undefined);
    assert.equal(seen[0]!.limit, 512);
    assert.equal((udp as Extract<QueryOutcome, { kind: 'message' }>).limit, 512);
    assert.equal(message(udp).edns, undefined);
    await chain(ctx(query('www.example', 'A', { size: 4096 }), 'tcp'));
    assert.equal(seen[1]!.limit, 65535);
    assert.equal(seen[1]!.query.edns, undefined);
  });
  it('strip-opt: the answer computed with EDNS (its limit), then the OPT removed', async () => {
    const seen: QueryContext[] = [];
    const o = await composeQuirks([{ kind: 'strip-opt' }], core(seen))(ctx(query('www.example', 'A', { size: 4096 })));
    assert.equal(seen[0]!.query.edns?.udpPayloadSize, 4096);
    assert.equal(message(o).edns, undefined);
    assert.equal((o as Extract<QueryOutcome, { kind: 'message' }>).limit, 4096);
    assert.equal(message(o).answer.length, 1);
    const bytes = await composeQuirks([{ kind: 'strip-opt' }, { kind: 'scripted', bytes: Buffer.from('abcd', 'hex') }], core())(ctx(query('www.example', 'A')));
    assert.equal(bytes.kind, 'bytes', 'raw bytes pass through');
  });
  it('formerr-on-edns: FORMERR, no OPT, 512 limit, for EDNS queries only', async () => {
    const seen: QueryContext[] = [];
    const chain = composeQuirks([{ kind: 'formerr-on-edns' }], core(seen));
    const o = await chain(ctx(query('www.example', 'A', { id: 9, size: 4096 })));
    const m = message(o);
    assert.equal(m.rcode, 'FORMERR');
    assert.equal(m.id, 9);
    assert.equal(m.edns, undefined);
    assert.equal((o as Extract<QueryOutcome, { kind: 'message' }>).limit, 512);
    assert.equal(seen.length, 0);
    assert.equal(message(await chain(ctx(query('www.example', 'A')))).rcode, 'NOERROR');
  });
  it('scripted bytes: the query ID written over the first two octets unless keepId; short bytes kept as they are', async () => {
    const q = ctx(query('www.example', 'A', { id: 0x1234 }));
    const bytesOf = async (quirk: Quirk) => {
      const o = await composeQuirks([quirk], core())(q);
      assert.equal(o.kind, 'bytes');
      return (o as Extract<QueryOutcome, { kind: 'bytes' }>).bytes.toString('hex');
    };
    const raw = Buffer.from('0000beef', 'hex');
    assert.equal(await bytesOf({ kind: 'scripted', bytes: raw }), '1234beef');
    assert.equal(raw.toString('hex'), '0000beef', 'the quirk data is not modified');
    assert.equal(await bytesOf({ kind: 'scripted', bytes: raw, keepId: true }), '0000beef');
    assert.equal(await bytesOf({ kind: 'scripted', bytes: Buffer.from('abcd', 'hex') }), '1234');
    assert.equal(await bytesOf({ kind: 'scripted', bytes: Buffer.from('ab', 'hex') }), 'ab');
  });
  it('scripted message: ID from the query; question from the query when the message has none; SERVFAIL header without one', async () => {
    const q = ctx(query('www.example', 'A', { id: 77 }));
    const fixed: Message = {
      ...query('evil.example', 'A', { id: 1 }),
      flags: { ...query('x', 'A').flags, qr: true },
      answer: [rr('evil.example', 'A', '203.0.113.66')],
    };
    const kept = message(await composeQuirks([{ kind: 'scripted', response: fixed }], core())(q));
    assert.equal(kept.id, 77);
    assert.deepEqual(kept.question, fixed.question);
    assert.equal(kept.answer[0]!.data, '203.0.113.66');
    const filled = message(await composeQuirks([{ kind: 'scripted', response: { ...fixed, question: [] } }], core())(q));
    assert.deepEqual(filled.question, q.query.question);
    const bare = message(await composeQuirks([{ kind: 'scripted' }], core())(q));
    assert.equal(bare.rcode, 'SERVFAIL');
    assert.equal(bare.id, 77);
    assert.equal(bare.flags.aa, false);
  });
  it('a quirk whose match fails is skipped: the next one (or the core) answers', async () => {
    const chain = composeQuirks(
      [
        { kind: 'lame', match: { qtype: 'AAAA' } },
        { kind: 'formerr-on-edns', match: { transport: 'tcp' } },
      ],
      core(),
    );
    assert.equal(message(await chain(ctx(query('www.example', 'AAAA')))).rcode, 'REFUSED');
    assert.equal(message(await chain(ctx(query('www.example', 'A', { edns: true })))).rcode, 'NOERROR');
    assert.equal(message(await chain(ctx(query('www.example', 'A', { edns: true }), 'tcp'))).rcode, 'FORMERR');
  });
});

describe('quirkProblem', () => {
  it('accepts every known kind with sound data', () => {
    for (const q of [
      { kind: 'lame' },
      { kind: 'drop' },
      { kind: 'delay', ms: 0 },
      { kind: 'always-tc' },
      { kind: 'ignore-edns' },
      { kind: 'strip-opt' },
      { kind: 'formerr-on-edns' },
      { kind: 'scripted', bytes: Buffer.alloc(2) },
      { kind: 'scripted', response: query('x', 'A') },
    ] as Quirk[]) {
      assert.equal(quirkProblem(q), undefined, q.kind);
    }
  });
  it('names the unknown kind and the known ones; inherited names are not kinds', () => {
    assert.equal(
      quirkProblem({ kind: 'nope' } as unknown as Quirk),
      'unknown quirk "nope"; known: lame, drop, delay, always-tc, ignore-edns, strip-opt, formerr-on-edns, scripted',
    );
    assert.match(quirkProblem({ kind: 'constructor' } as unknown as Quirk)!, /unknown quirk "constructor"/);
    assert.match(quirkProblem({ kind: 3 } as unknown as Quirk)!, /unknown quirk "3"/);
    // A kind that only becomes a known name when coerced to a string is not one.
    assert.match(quirkProblem({ kind: ['lame'] } as unknown as Quirk)!, /unknown quirk "lame"/);
  });
  it('delay needs a finite ms >= 0', () => {
    assert.equal(quirkProblem({ kind: 'delay', ms: -1 }), 'delay needs ms >= 0, got -1');
    assert.equal(quirkProblem({ kind: 'delay', ms: Number.NaN }), 'delay needs ms >= 0, got NaN');
    assert.equal(quirkProblem({ kind: 'delay', ms: Infinity }), 'delay needs ms >= 0, got Infinity');
  });
  it('scripted: response or bytes, not both', () => {
    assert.equal(
      quirkProblem({ kind: 'scripted', response: query('x', 'A'), bytes: Buffer.alloc(2) }),
      'scripted quirk: give either response or bytes, not both',
    );
    // Scenario data is not type-checked: stray fields on another kind are not a scripted quirk's problem.
    assert.equal(quirkProblem({ kind: 'drop', response: query('x', 'A'), bytes: Buffer.alloc(2) } as unknown as Quirk), undefined);
  });
});
