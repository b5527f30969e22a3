// The .rpl reader: every scenario of the vendored Deckard set reads, a small
// file reads into the expected structure, and broken files fail with file:line
// and what was expected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseRpl, RplSyntaxError } from '../../dns/rpl/reader.ts';
import { entryMatches, entryMismatches } from '../../dns/rpl/match.ts';
import { makeQuery } from '../../dns/message.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';

export const DECKARD_DIR = join(import.meta.dirname, '../fixtures/deckard/resolver');

const SMALL = `; config
\tquery-minimization: off
\tstub-addr: 193.0.14.129 \t; K.ROOT-SERVERS.NET.
\ttrust-anchor: ". 3600 IN DS 10000 13 4 ABCDEF0123456789"
\t# a hash comment
CONFIG_END

SCENARIO_BEGIN A small one
RANGE_BEGIN 0 100
\tADDRESS 193.0.14.129
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
. IN NS
SECTION ANSWER
. IN NS K.ROOT-SERVERS.NET.
SECTION ADDITIONAL
K.ROOT-SERVERS.NET.\t300\tIN\tA\t193.0.14.129
ENTRY_END
RANGE_END

STEP 1 QUERY
ENTRY_BEGIN
REPLY RD DO
SECTION QUESTION
www.example.com. IN A
ENTRY_END

STEP 10 CHECK_ANSWER
ENTRY_BEGIN
MATCH all
REPLY QR RD RA NOERROR
SECTION QUESTION
www.example.com. IN A
SECTION ANSWER
www.example.com. IN A 10.20.30.40
ENTRY_END
STEP 20 TIME_PASSES ELAPSE 3600
SCENARIO_END
`;

test('a small scenario reads into config, ranges and steps', () => {
  const s = parseRpl(SMALL, 'small.rpl');
  assert.deepEqual(
    s.config.map((c) => [c.key, c.value, c.line]),
    [
      ['query-minimization', 'off', 2],
      ['stub-addr', '193.0.14.129', 3],
      ['trust-anchor', '. 3600 IN DS 10000 13 4 ABCDEF0123456789', 4],
    ],
  );
  assert.equal(s.description, 'A small one');
  assert.equal(s.ranges.length, 1);
  const r = s.ranges[0]!;
  assert.deepEqual([r.from, r.to, r.addresses], [0, 100, ['193.0.14.129']]);
  const e = r.entries[0]!;
  assert.deepEqual([...e.match!], ['opcode', 'qtype', 'qname']);
  assert.deepEqual([...e.adjust], ['copy_id']);
  assert.equal(e.message.flags.qr && e.message.flags.aa && !e.message.flags.rd, true);
  assert.equal(e.message.additional[0]!.ttl, 300);
  assert.equal(e.message.answer[0]!.ttl, 3600, 'no TTL written: 3600, as Deckard');
  assert.deepEqual(
    s.steps.map((st) => [st.id, st.type, st.elapse]),
    [
      [1, 'QUERY', undefined],
      [10, 'CHECK_ANSWER', undefined],
      [20, 'TIME_PASSES', 3600],
    ],
  );
  assert.equal(s.steps[0]!.entry!.message.edns!.do, true);
  assert.equal(s.steps[0]!.entry!.message.edns!.udpPayloadSize, 4096);
  assert.equal(s.steps[1]!.entry!.match!.size, 8, 'all = opcode qtype qname flags rcode answer authority additional');
});

test('MATCH compares question case-insensitively, sections as multisets without TTL', () => {
  const s = parseRpl(SMALL, 'small.rpl');
  const e = s.ranges[0]!.entries[0]!;
  assert.equal(entryMatches(e, makeQuery('.', 'NS')), true);
  assert.equal(entryMatches(e, makeQuery('.', 'A')), false);
  const check = s.steps[1]!.entry!;
  const answer = { ...makeQuery('WWW.Example.com', 'A'), rcode: 'NOERROR' as const };
  answer.flags = { ...answer.flags, qr: true, ra: true };
  answer.answer = [parseRecord('www.EXAMPLE.com. 5 IN A 10.20.30.40')];
  assert.deepEqual(entryMismatches(check, answer), []);
  answer.answer = [];
  assert.match(entryMismatches(check, answer).join(), /answer: expected www\.example\.com\.\s+3600\s+IN\s+A\s+10\.20\.30\.40; got \(empty\)/);
});

test('every scenario of the vendored Deckard set reads', () => {
  const files = readdirSync(DECKARD_DIR).filter((f) => f.endsWith('.rpl'));
  assert.ok(files.length >= 190, `${files.length} files`);
  let steps = 0;
  for (const f of files) {
    const s = parseRpl(readFileSync(join(DECKARD_DIR, f), 'utf8'), f);
    assert.ok(s.steps.length > 0, `${f}: no steps`);
    steps += s.steps.length;
  }
  assert.ok(steps > 3000);
});

const broken: [string, string, RegExp][] = [
  ['no CONFIG_END', 'stub-addr: 1.2.3.4\nSCENARIO_BEGIN x\nSCENARIO_END\n', /^b\.rpl:2: expected CONFIG_END before SCENARIO_BEGIN/],
  ['bad config line', 'stub-addr 1.2.3.4\nCONFIG_END\n', /^b\.rpl:1: expected a config line "key: value"/],
  ['unknown step type', 'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 ASK\nSCENARIO_END\n', /^b\.rpl:3: unknown step type "ASK"/],
  [
    'unknown MATCH element',
    'CONFIG_END\nSCENARIO_BEGIN x\nRANGE_BEGIN 0 1\nENTRY_BEGIN\nMATCH qnome\nENTRY_END\nRANGE_END\nSCENARIO_END\n',
    /^b\.rpl:5: unknown MATCH element "qnome"/,
  ],
  [
    'bad record',
    'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 CHECK_ANSWER\nENTRY_BEGIN\nSECTION ANSWER\nwww. IN A 10.0.0\nENTRY_END\nSCENARIO_END\n',
    /^b\.rpl:6: expected a record/,
  ],
  [
    'missing ENTRY_END',
    'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 QUERY\nENTRY_BEGIN\nSECTION QUESTION\nwww. IN A\nSTEP 2 QUERY\n',
    /^b\.rpl:7: expected ENTRY_END before STEP/,
  ],
  [
    'RAW not hex',
    'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 QUERY\nENTRY_BEGIN\nRAW\nzz\nENTRY_END\nSCENARIO_END\n',
    /^b\.rpl:6: expected one line of hexadecimal octets after RAW/,
  ],
  [
    'steps out of order',
    'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 5 TIME_PASSES ELAPSE 1\nSTEP 3 TIME_PASSES ELAPSE 1\nSCENARIO_END\n',
    /^b\.rpl:4: step numbers must increase/,
  ],
  [
    'range backwards',
    'CONFIG_END\nSCENARIO_BEGIN x\nRANGE_BEGIN 10 5\nRANGE_END\nSCENARIO_END\n',
    /^b\.rpl:3: RANGE_BEGIN 10 5: the first step is after the last/,
  ],
  ['no SCENARIO_END', 'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 TIME_PASSES ELAPSE 1\n', /^b\.rpl:3: expected SCENARIO_END, found end of file/],
  ['query without entry', 'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 QUERY\nSCENARIO_END\n', /^b\.rpl:3: STEP 1 QUERY needs an ENTRY_BEGIN/],
  [
    'bad question',
    'CONFIG_END\nSCENARIO_BEGIN x\nSTEP 1 QUERY\nENTRY_BEGIN\nSECTION QUESTION\nwww. IN BOGUS\nENTRY_END\nSCENARIO_END\n',
    /^b\.rpl:6: expected "name \[class\] type"/,
  ],
];

for (const [what, text, message] of broken) {
  test(`broken file: ${what} → file:line and what was expected`, () => {
    assert.throws(
      () => parseRpl(text, 'b.rpl'),
      (e: unknown) => e instanceof RplSyntaxError && message.test(e.message),
    );
  });
}
