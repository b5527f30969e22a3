import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, RR } from '../../dns/types.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import { checkResponse, formatMessage, summarizeMessage, ExpectationSyntaxError } from '../../assertions/response.ts';
import { expectNotReceived, expectQueryCount, expectReceived, queriesPerServer, type TraceEntry } from '../../assertions/trace.ts';
import {
  expectNever,
  expectOutageDuration,
  expectRecoveryBetween,
  expectThroughout,
  outageDuration,
  outages,
  recoveryTime,
  describeSeries,
  phasesOf,
  type Sample,
} from '../../assertions/timeline.ts';
import { formatOffset } from '../../assertions/result.ts';

function response(answer: RR[], over: Partial<Message> = {}): Message {
  return {
    id: 7,
    opcode: 'QUERY',
    rcode: 'NOERROR',
    flags: { qr: true, aa: false, tc: false, rd: true, ra: true, z: false, ad: false, cd: false },
    question: [{ qname: 'campaign.example.jp', qtype: 'A', qclass: 'IN' }],
    answer,
    authority: [],
    additional: [],
    ...over,
  };
}

const cname = parseRecord('campaign.example.jp. 300 IN CNAME cdn.example.net.');
const a = parseRecord('cdn.example.net. 60 IN A 192.0.2.80');

test('sections compare order-insensitively, TTL only when the line gives one', () => {
  const r = response([a, cname]);
  const out = checkResponse(r, {
    rcode: 'NOERROR',
    flags: { ra: true, aa: false },
    answer: ['campaign.example.jp. CNAME cdn.example.net.', 'cdn.example.net. 60 IN A 192.0.2.80'],
    authority: [],
  });
  assert.deepEqual(
    out.map((o) => [o.what, o.ok]),
    [
      ['rcode', true],
      ['flags', true],
      ['answer section', true],
      ['authority section', true],
    ],
  );
  const wrongTtl = checkResponse(r, { answer: ['campaign.example.jp. 301 CNAME cdn.example.net.', 'cdn.example.net. A 192.0.2.80'] });
  assert.equal(wrongTtl[0]?.ok, false);
  const extra = checkResponse(r, { answer: ['cdn.example.net. A 192.0.2.80'] });
  assert.equal(extra[0]?.ok, false, 'an unexpected extra record fails an exact section claim');
  assert.match(extra[0]!.actual, /campaign\.example\.jp\.\s+300\s+IN\s+CNAME\s+cdn\.example\.net\./);
});

test('rcode and flag mismatches print expected vs actual', () => {
  const r = response([], { rcode: 'NXDOMAIN' });
  const [rc, flags] = checkResponse(r, { rcode: 'NOERROR', flags: { aa: true } });
  assert.equal(rc?.ok, false);
  assert.equal(rc?.expected, 'NOERROR');
  assert.equal(rc?.actual, 'NXDOMAIN');
  assert.equal(flags?.ok, false);
  assert.equal(flags?.expected, 'aa=1');
  assert.match(flags!.actual, /aa=0/);
});

test('includes / excludes / TTL range / EDE', () => {
  const r = response([cname, a], {
    edns: { udpPayloadSize: 1232, version: 0, do: false, z: 0, options: [{ code: 15, data: Buffer.from([0, 6, 0x62]) }] },
  });
  const out = checkResponse(r, {
    answerIncludes: ['cdn.example.net. A 192.0.2.80'],
    answerExcludes: ['cdn.example.net. A 203.0.113.66'],
    answerTtl: { min: 1, max: 300 },
    ede: [6],
  });
  assert.ok(
    out.every((o) => o.ok),
    JSON.stringify(out),
  );
  const bad = checkResponse(r, { answerExcludes: ['cdn.example.net. A 192.0.2.80'], answerTtl: { max: 59 }, ede: [] });
  assert.deepEqual(
    bad.map((o) => o.ok),
    [false, false, false],
  );
});

test('no response: only rcode TIMEOUT holds', () => {
  assert.equal(checkResponse(undefined, { rcode: 'TIMEOUT' })[0]?.ok, true);
  const out = checkResponse(undefined, { rcode: 'NOERROR', answer: [] });
  assert.deepEqual(
    out.map((o) => o.ok),
    [false, false],
  );
});

test('a bad expectation line throws a typed error naming the line', () => {
  assert.throws(
    () => checkResponse(response([]), { answer: ['www.example.jp. IN A not-an-address'] }),
    (e: unknown) => {
      return e instanceof ExpectationSyntaxError && e.line.includes('not-an-address');
    },
  );
});

test('formatMessage looks like dig and summarizeMessage is one line', () => {
  const text = formatMessage(response([cname, a]));
  assert.match(text, /status: NOERROR, id: 7/);
  assert.match(text, /;; flags: qr rd ra;/);
  assert.match(text, /;; ANSWER SECTION:\ncampaign\.example\.jp\./);
  assert.equal(summarizeMessage(response([a])), 'NOERROR  cdn.example.net. A 192.0.2.80');
  assert.equal(summarizeMessage(undefined), 'TIMEOUT (no response)');
});

const T0 = Date.UTC(2026, 0, 1);
function q(time: number, from: string, to: string, qname: string, qtype: 'A' | 'NS' = 'A'): TraceEntry {
  return { time: T0 + time, from, to, transport: 'udp', response: false, qname, qtype, size: 40 };
}

test('trace: received, not received, counts by server and zone', () => {
  const trace: TraceEntry[] = [
    q(0, 'alice', 'resolver', 'www.example.jp'),
    q(1, 'resolver', 'root', 'jp', 'NS'),
    q(2, 'resolver', 'tld-jp', 'example.jp', 'NS'),
    q(3, 'resolver', 'ns-example', 'www.example.jp'),
    { ...q(4, 'ns-example', 'resolver', 'www.example.jp'), response: true, rcode: 'NOERROR' },
    q(5000, 'resolver', 'ns-example', 'www.example.jp'),
  ];
  assert.equal(expectReceived(trace, { server: 'ns-example', qname: 'WWW.example.jp' }, T0).ok, true);
  assert.equal(expectNotReceived(trace, { server: 'ns-provider' }, T0).ok, true);
  const not = expectNotReceived(trace, { server: 'tld-jp' }, T0);
  assert.equal(not.ok, false);
  assert.match(not.actual, /T\+2ms {2}resolver → tld-jp {2}udp {2}example\.jp NS\?/);
  assert.equal(expectQueryCount(trace, { zone: 'example.jp', client: 'resolver' }, { count: 3 }, T0).ok, true);
  assert.equal(expectQueryCount(trace, { server: 'ns-example' }, { max: 1 }, T0).ok, false);
  assert.equal(expectQueryCount(trace, { server: 'ns-example', from: T0 + 1000 }, { count: 1 }, T0).ok, true);
  assert.deepEqual(
    [...queriesPerServer(trace)],
    [
      ['resolver', 1],
      ['root', 1],
      ['tld-jp', 1],
      ['ns-example', 2],
    ],
  );
});

function s(minutes: number, rcode: Sample['rcode'], answer: string[] = []): Sample {
  return { time: T0 + minutes * 60_000, client: 'alice', qname: 'www.example.jp', qtype: 'A', rcode, answer };
}

test('timeline: throughout, never, outage duration and recovery', () => {
  const samples = [s(0, 'NOERROR', ['192.0.2.1']), s(10, 'SERVFAIL'), s(20, 'SERVFAIL'), s(30, 'SERVFAIL'), s(40, 'NOERROR', ['192.0.2.1'])];
  const m = (x: number) => T0 + x * 60_000;
  assert.equal(expectThroughout(samples, {}, { from: m(10), to: m(30) }, { rcode: 'SERVFAIL' }, T0).ok, true);
  const fail = expectThroughout(samples, {}, { from: m(0), to: m(30) }, { rcode: 'SERVFAIL' }, T0);
  assert.equal(fail.ok, false);
  assert.match(fail.actual, /1 of 4 samples did not/);
  assert.equal(expectThroughout(samples, {}, { from: m(100), to: m(200) }, { rcode: 'SERVFAIL' }, T0).ok, false, 'empty window proves nothing');
  assert.equal(expectNever(samples, {}, { from: m(0), to: m(40) }, { rcode: 'SERVFAIL' }, T0).ok, false);
  assert.equal(expectNever(samples, {}, { from: m(0), to: m(40) }, { answerContains: '203.0.113.66' }, T0).ok, true);
  assert.deepEqual(outages(samples), [{ start: m(10), end: m(40) }]);
  assert.equal(outageDuration(samples), 30 * 60_000);
  assert.equal(recoveryTime(samples), m(40));
  assert.equal(expectOutageDuration(samples, {}, { min: 25 * 60_000, max: 35 * 60_000 }, T0).ok, true);
  assert.equal(expectOutageDuration(samples, {}, { max: 10 * 60_000 }, T0).ok, false);
  assert.equal(expectRecoveryBetween(samples, {}, { from: m(35), to: m(45) }, T0).ok, true);
  const never = expectRecoveryBetween([s(0, 'SERVFAIL')], {}, { from: m(0), to: m(45) }, T0);
  assert.equal(never.ok, false);
  assert.match(never.actual, /never recovered/);
  assert.equal(formatOffset(90 * 60_000 + 1500), 'T+1h30m1s500ms');
});

test('timeline: phases of what clients saw, in one line per series (the observable outcome in the matrix)', () => {
  const a = (ip: string) => `www.example.jp. 300 IN A ${ip}`;
  // A real run samples a little late (700 ms here): times are told in whole minutes for a series sampled every minute.
  const late = (x: Sample) => ({ ...x, time: x.time + 700 });
  const alice = [
    s(0, 'NOERROR', [a('192.0.2.1')]),
    s(30, 'SERVFAIL'),
    s(60, 'SERVFAIL'),
    s(90, 'NOERROR', []),
    s(120, 'NOERROR', [a('192.0.2.2'), a('192.0.2.1')]),
    s(150, 'NOERROR', [a('192.0.2.1'), a('192.0.2.2')]),
  ].map(late);
  assert.deepEqual(
    phasesOf(alice).map((p) => [p.what, p.samples]),
    [
      ['NOERROR 192.0.2.1', 1],
      ['SERVFAIL', 2],
      ['NODATA', 1],
      ['NOERROR 192.0.2.1, 192.0.2.2', 2],
    ],
    'RRset order and TTLs are not changes',
  );
  const bob = [0, 30, 60].map((m) => ({ ...s(m, 'NXDOMAIN'), client: 'bob' }));
  const other = { ...s(5, 'TIMEOUT'), qname: 'mail.example.jp' };
  assert.deepEqual(describeSeries([...alice, ...bob, other], T0), [
    'alice www.example.jp A: NOERROR 192.0.2.1 → SERVFAIL from T+30m for 1h → NODATA from T+1h30m for 30m → NOERROR 192.0.2.1, 192.0.2.2 from T+2h',
    'bob: NXDOMAIN throughout',
    'alice mail.example.jp A: TIMEOUT throughout',
  ]);
  // Flapping: first and last phases, and how many changes lie between.
  const flapping = Array.from({ length: 20 }, (_, i) => s(i, i % 2 ? 'SERVFAIL' : 'TIMEOUT'));
  assert.match(
    describeSeries(flapping, T0)[0]!,
    /^alice: TIMEOUT → SERVFAIL from T\+1m for 1m → TIMEOUT from T\+2m for 1m → … 15 more changes … → TIMEOUT from T\+18m for 1m → SERVFAIL from T\+19m$/,
  );
});
