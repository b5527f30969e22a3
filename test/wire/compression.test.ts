// RFC 1035 §4.1.4 compression on encode: pointers where allowed (owner names,
// question, NS/CNAME/SOA/PTR/MX RDATA), never in the RDATA of other types
// (RFC 3597 §4), and encodeWithinLimit's truncation rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, encodeWithinLimit } from '../../dns/wire/message.ts';
import { makeQuery, makeResponse } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import { bigResponse } from './fixtures.ts';

const A = (name: string, addr: string, ttl = 300): RR => ({ name, type: 'A', class: 'IN', ttl, data: addr });

function response(): Message {
  const r = makeResponse(makeQuery('www.example.com', 'A', { id: 1 }));
  return r;
}

test('owner names that repeat the question become a pointer to offset 12', () => {
  const r = response();
  r.answer = [A('www.example.com', '192.0.2.1'), A('www.example.com', '192.0.2.2')];
  const b = encodeMessage(r);
  const qEnd = 12 + 17 + 4;
  assert.equal(b.readUInt16BE(qEnd), 0xc00c);
  assert.equal(b.readUInt16BE(qEnd + 16), 0xc00c);
  assert.equal(b.length, 12 + 21 + 2 * 16);
  assert.deepEqual(decodeMessage(b), r);
  assert.equal(encodeMessage(r, { compress: false }).length, 12 + 21 + 2 * 31);
});

test('a shared suffix becomes a pointer into the middle of an earlier name', () => {
  const r = response();
  r.answer = [A('mail.example.com', '192.0.2.1')];
  const b = encodeMessage(r);
  // "mail" label then pointer to "example.com" at offset 12 + 4
  assert.equal(b.subarray(33, 40).toString('hex'), '046d61696cc010');
  assert.deepEqual(decodeMessage(b), r);
});

test('NS, CNAME, SOA, PTR and MX RDATA are compressed', () => {
  const r = response();
  r.answer = [
    { name: 'www.example.com', type: 'CNAME', class: 'IN', ttl: 1, data: 'example.com' },
    { name: 'example.com', type: 'MX', class: 'IN', ttl: 1, data: { preference: 1, exchange: 'www.example.com' } },
    { name: 'example.com', type: 'NS', class: 'IN', ttl: 1, data: 'www.example.com' },
    { name: '1.2.0.192.in-addr.arpa', type: 'PTR', class: 'IN', ttl: 1, data: 'www.example.com' },
  ];
  r.authority = [
    {
      name: 'example.com',
      type: 'SOA',
      class: 'IN',
      ttl: 1,
      data: { mname: 'www.example.com', rname: 'hostmaster.example.com', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 },
    },
  ];
  const b = encodeMessage(r);
  const d = decodeMessage(b);
  assert.deepEqual(d, r);
  const walk = encodeMessage(r, { compress: false });
  assert.ok(b.length < walk.length - 60, `compressed ${b.length} vs plain ${walk.length}`);
  // CNAME RDATA "example.com" is just a pointer to offset 16
  assert.equal(b.subarray(33 + 10, 33 + 14).toString('hex'), '0002c010');
});

test('names in SRV, DNAME, RRSIG, NSEC, NAPTR and SVCB/HTTPS RDATA are never compressed (RFC 3597 §4)', () => {
  const r = response();
  const target = 'www.example.com';
  r.answer = [
    { name: target, type: 'SRV', class: 'IN', ttl: 1, data: { priority: 0, weight: 0, port: 1, target } },
    { name: target, type: 'DNAME', class: 'IN', ttl: 1, data: target },
    { name: target, type: 'NSEC', class: 'IN', ttl: 1, data: { nextDomain: target, types: ['A'] } },
    { name: target, type: 'NAPTR', class: 'IN', ttl: 1, data: { order: 1, preference: 1, flags: '', services: '', regexp: '', replacement: target } },
    { name: target, type: 'HTTPS', class: 'IN', ttl: 1, data: { priority: 1, target, params: [] } },
    {
      name: target,
      type: 'RRSIG',
      class: 'IN',
      ttl: 1,
      data: {
        typeCovered: 'A',
        algorithm: 13,
        labels: 3,
        originalTTL: 1,
        expiration: 2,
        inception: 1,
        keyTag: 1,
        signersName: target,
        signature: Buffer.from([1]),
      },
    },
  ];
  const b = encodeMessage(r);
  const d = decodeMessage(b); // decode rejects pointers in these types, so this also proves none were written
  assert.deepEqual(d, r);
  const full = Buffer.from('03777777076578616d706c6503636f6d00', 'hex');
  let count = 0;
  for (let i = b.indexOf(full); i >= 0; i = b.indexOf(full, i + 1)) count++;
  assert.equal(count, 1 + 6, 'question plus one uncompressed copy in each RDATA');
});

test('compression is case-sensitive so every name keeps its case (0x20 answers survive)', () => {
  const r = makeResponse(makeQuery('WwW.ExAmPlE.CoM', 'A'));
  r.answer = [A('www.example.com', '192.0.2.1'), A('WwW.ExAmPlE.CoM', '192.0.2.2')];
  const d = decodeMessage(encodeMessage(r));
  assert.equal(d.answer[0]!.name, 'www.example.com');
  assert.equal(d.answer[1]!.name, 'WwW.ExAmPlE.CoM');
});

test('names after offset 0x3fff are not used as pointer targets, and large messages round-trip', () => {
  const r = response();
  for (let i = 0; i < 200; i++) r.answer.push({ name: `n${i}.example.com`, type: 'TXT', class: 'IN', ttl: 1, data: [Buffer.alloc(100, 0x41 + (i % 26))] });
  const b = encodeMessage(r);
  assert.ok(b.length > 0x4000);
  assert.deepEqual(decodeMessage(b), r);
  // every pointer in the message points below 0x4000 (trivially: 14 bits) and backwards: decode proves it.
});

test('encodeWithinLimit keeps a fitting message as is', () => {
  const r = bigResponse();
  const full = encodeMessage(r);
  const res = encodeWithinLimit(r, full.length);
  assert.equal(res.truncated, false);
  assert.ok(res.bytes.equals(full));
});

test('encodeWithinLimit drops whole answer RRsets, sets TC, keeps OPT, and the result decodes', () => {
  const q = makeQuery('big.example', 'A', { id: 5, udpPayloadSize: 512 });
  const r = makeResponse(q);
  r.edns = { udpPayloadSize: 1232, version: 0, do: false, z: 0, options: [] };
  for (let i = 0; i < 40; i++) r.answer.push(A('big.example', `192.0.2.${i}`));
  r.answer.push({ name: 'big.example', type: 'TXT', class: 'IN', ttl: 1, data: [Buffer.alloc(200, 0x61)] });
  const res = encodeWithinLimit(r, 512);
  assert.ok(res.bytes.length <= 512);
  assert.equal(res.truncated, true);
  const d = decodeMessage(res.bytes);
  assert.equal(d.flags.tc, true);
  assert.ok(d.edns !== undefined, 'OPT kept');
  // 40 A records: 12 + 15 + 40*16 + 11 > 512, so the whole A RRset goes; the TXT RRset after it too
  assert.equal(d.answer.length, 0);
  assert.deepEqual(res.omitted, { answer: 41, authority: 0, additional: 0 });
  assert.equal(r.flags.tc, false, 'input message not modified');
});

test('encodeWithinLimit: records of one RRset stay together even when not adjacent; additional drop does not set TC', () => {
  const r = makeResponse(makeQuery('x.example', 'A', { edns: false }));
  r.answer = [A('x.example', '192.0.2.1'), A('y.example', '192.0.2.9'), A('x.example', '192.0.2.2')];
  for (let i = 0; i < 40; i++) r.additional.push(A(`glue${i}.example`, `198.51.100.${i}`));
  const res = encodeWithinLimit(r, 512);
  const d = decodeMessage(res.bytes);
  assert.equal(res.truncated, false);
  assert.equal(d.flags.tc, false);
  assert.deepEqual(
    d.answer.map((a) => a.data),
    ['192.0.2.1', '192.0.2.2', '192.0.2.9'],
  );
  assert.ok(d.additional.length > 0 && d.additional.length < 40);
  assert.equal(res.omitted.additional, 40 - d.additional.length);
  assert.ok(res.bytes.length <= 512);
});

test('encodeWithinLimit: authority RRset that does not fit sets TC', () => {
  const r = makeResponse(makeQuery('x.example', 'NS', { edns: false }));
  r.answer = [A('x.example', '192.0.2.1')];
  for (let i = 0; i < 30; i++) r.authority.push({ name: 'example', type: 'NS', class: 'IN', ttl: 1, data: `a-rather-long-server-name-${i}.example` });
  const res = encodeWithinLimit(r, 512);
  const d = decodeMessage(res.bytes);
  assert.equal(d.flags.tc, true);
  assert.equal(d.answer.length, 1);
  assert.equal(d.authority.length, 0);
});
