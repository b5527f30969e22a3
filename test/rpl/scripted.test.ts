// The scripted server answers from RANGE entries by step and address, adjusts
// copy_id / copy_query, falls back to one-shot STEP REPLY entries, and says
// SERVFAIL when the script has no answer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRpl } from '../../dns/rpl/reader.ts';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { ScriptedServer, type ScriptedQuery } from '../../servers/scripted/server.ts';

const TEXT = `CONFIG_END
SCENARIO_BEGIN scripted
RANGE_BEGIN 0 10
\tADDRESS 192.0.2.1
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
www.example.com. IN A
SECTION ANSWER
www.example.com. IN A 10.0.0.1
ENTRY_END
ENTRY_BEGIN
MATCH opcode subdomain
ADJUST copy_id copy_query
REPLY QR AA NXDOMAIN
SECTION QUESTION
example.com. IN SOA
ENTRY_END
RANGE_END
RANGE_BEGIN 11 100
\tADDRESS 192.0.2.1
ENTRY_BEGIN
MATCH opcode qtype qname
ADJUST copy_id
REPLY QR AA NOERROR
SECTION QUESTION
www.example.com. IN A
SECTION ANSWER
www.example.com. IN A 10.0.0.2
ENTRY_END
RANGE_END
STEP 5 QUERY
ENTRY_BEGIN
SECTION QUESTION
www.example.com. IN A
ENTRY_END
STEP 200 REPLY
ENTRY_BEGIN
MATCH qname
ADJUST copy_id
REPLY QR NOERROR
SECTION QUESTION
late.example. IN A
ENTRY_END
SCENARIO_END
`;

function setup() {
  const net = new VirtualNetwork();
  let step = 5;
  const seen: ScriptedQuery[] = [];
  const server = new ScriptedServer({
    network: net.addHost('s', ['192.0.2.1', '192.0.2.9']),
    scenario: parseRpl(TEXT, 't.rpl'),
    step: () => step,
    onQuery: (q) => seen.push(q),
  });
  const ask = (name: string, type: 'A' | 'AAAA', to = '192.0.2.1') => {
    const q = makeQuery(name, type, { id: 4242 });
    const out = server.answer(encodeMessage(q), to, { address: '198.51.100.1', port: 5353 }, 'udp');
    return out && decodeMessage(out);
  };
  return { ask, seen, setStep: (n: number) => (step = n) };
}

test('the RANGE holding the step answers, with the query ID and qname case', () => {
  const { ask, setStep } = setup();
  const a = ask('WWW.example.com', 'A')!;
  assert.equal(a.id, 4242);
  assert.equal(a.question[0]!.qname, 'WWW.example.com');
  assert.equal(a.answer[0]!.data, '10.0.0.1');
  setStep(50);
  assert.equal(ask('www.example.com', 'A')!.answer[0]!.data, '10.0.0.2', 'step 50: the second range');
});

test('subdomain + copy_query; unmatched → SERVFAIL with the reason reported', () => {
  const { ask, seen } = setup();
  const nx = ask('a.b.example.com', 'AAAA')!;
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.deepEqual(nx.question[0], { qname: 'a.b.example.com', qtype: 'AAAA', qclass: 'IN' });
  assert.equal(ask('other.test', 'A')!.rcode, 'SERVFAIL');
  assert.match(seen.at(-1)!.answeredBy, /^SERVFAIL: no entry of the range at line 3/);
  assert.equal(seen[0]!.answeredBy, 'range 3:14');
});

test('an address no RANGE names is any address; beyond every range a later STEP REPLY answers once', () => {
  const { ask, setStep } = setup();
  assert.equal(ask('www.example.com', 'A', '192.0.2.9')!.answer[0]!.data, '10.0.0.1');
  setStep(150);
  assert.equal(ask('late.example', 'A')!.rcode, 'NOERROR');
  assert.equal(ask('late.example', 'A')!.rcode, 'SERVFAIL', 'a REPLY step answers once');
});
