// Round-trip byte identity for every type we model, against hand-built RDATA
// octets and (where it is correct) dns-packet 5.6.1's encoding.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { decodeRdata, encodeRdata } from '../../dns/wire/rdata.ts';
import { typeToNumber } from '../../dns/wire/types-map.ts';
import { makeQuery } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import { TYPE_CASES, bigResponse, hex } from './fixtures.ts';

for (const c of TYPE_CASES) {
  test(`RDATA ${c.rr.type}: encodes to the hand-built octets and decodes back to the same record`, () => {
    const bytes = encodeRdata(c.rr);
    assert.equal(bytes.toString('hex'), hex(c.rdataHex).toString('hex'));
    const back = decodeRdata(c.rr.type, bytes);
    assert.deepEqual(back, c.rr.data);
    assert.ok(encodeRdata({ ...c.rr, data: back } as RR).equals(bytes));
  });
  if (c.dp !== undefined) {
    const dp = c.dp;
    test(`RDATA ${c.rr.type}: identical to dns-packet 5.6.1's encoding`, () => {
      const codec = (dnsPacket as unknown as Record<string, { encode(d: unknown): Buffer }>)[dp.type.toLowerCase()]!;
      const theirs = codec.encode(dp.data).subarray(2); // strip their RDLENGTH
      assert.equal(encodeRdata(c.rr).toString('hex'), theirs.toString('hex'));
    });
  }
}

test('whole message with every type round-trips byte for byte (compressed and uncompressed)', () => {
  const msg = bigResponse();
  for (const compress of [true, false]) {
    const bytes = encodeMessage(msg, { compress });
    const decoded = decodeMessage(bytes);
    assert.deepEqual(decoded, msg);
    assert.ok(encodeMessage(decoded, { compress }).equals(bytes));
  }
});

test('uncompressed message is byte-identical to dns-packet for the types it handles', () => {
  const withDp = TYPE_CASES.filter((c) => c.dp !== undefined);
  const ours: Message = {
    id: 7,
    opcode: 'QUERY',
    rcode: 'NXDOMAIN',
    flags: { qr: true, aa: true, tc: false, rd: true, ra: true, z: false, ad: false, cd: false },
    question: [{ qname: 'q.example', qtype: 'A', qclass: 'IN' }],
    answer: withDp.map((c) => c.rr),
    authority: [],
    additional: [],
    edns: { udpPayloadSize: 4096, version: 0, do: true, z: 0, options: [{ code: 10, data: hex('0102030405060708') }] },
  };
  const theirs = dnsPacket.encode({
    id: 7,
    type: 'response',
    // dns-packet takes the header RCODE from the low 4 bits of `flags` (3 = NXDOMAIN)
    flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | 3,
    questions: [{ name: 'q.example', type: 'A', class: 'IN' }],
    answers: withDp.map((c) => ({ name: c.rr.name, type: c.dp!.type, class: 'IN', ttl: c.rr.ttl, data: c.dp!.data })),
    additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK, options: [{ code: 10, data: hex('0102030405060708') }] }],
  } as unknown as dnsPacket.Packet);
  assert.equal(encodeMessage(ours, { compress: false }).toString('hex'), theirs.toString('hex'));
});

test('SVCB and HTTPS go out as TYPE 64 and 65 (never TYPE 0 as with dns-packet by name)', () => {
  const svcb = TYPE_CASES.find((c) => c.rr.type === 'SVCB')!.rr;
  const https = TYPE_CASES.find((c) => c.rr.type === 'HTTPS')!.rr;
  const msg = makeQuery('example', 'HTTPS', { edns: false });
  msg.answer = [svcb, https];
  const bytes = encodeMessage(msg, { compress: false });
  // header 12 + question (9 name + 4) = 25; first answer owner "_8443._foo.example" = 20 octets
  assert.equal(bytes.readUInt16BE(12 + 9), 65, 'qtype HTTPS');
  assert.equal(bytes.readUInt16BE(25 + 20), 64, 'SVCB type');
  const second = 25 + 20 + 10 + bytes.readUInt16BE(25 + 20 + 8);
  assert.equal(bytes.readUInt16BE(second + 9), 65, 'HTTPS type');
  assert.equal(typeToNumber('SVCB'), 64);
  assert.equal(typeToNumber('HTTPS'), 65);
  assert.equal(typeToNumber('URI'), 256);
  assert.equal(typeToNumber('NSEC3PARAM'), 51);
  const d = decodeMessage(bytes);
  assert.deepEqual(
    d.answer.map((r) => r.type),
    ['SVCB', 'HTTPS'],
  );
});

test('header flags AA TC RD RA Z AD CD each map to their own bit', () => {
  const bits: [keyof Message['flags'], number][] = [
    ['qr', 0x8000],
    ['aa', 0x0400],
    ['tc', 0x0200],
    ['rd', 0x0100],
    ['ra', 0x0080],
    ['z', 0x0040],
    ['ad', 0x0020],
    ['cd', 0x0010],
  ];
  for (const [flag, bit] of bits) {
    const m = makeQuery('example', 'A', { edns: false, rd: false });
    m.flags[flag] = true;
    const b = encodeMessage(m);
    assert.equal(b.readUInt16BE(2), bit, flag);
    assert.deepEqual(decodeMessage(b).flags, m.flags);
  }
});

test('opcode and RCODE round-trip; extended RCODE bits merge with the OPT RR (RFC 6891 §6.1.3)', () => {
  const m = makeQuery('example', 'A', { id: 9 });
  m.flags.qr = true;
  m.rcode = 'BADVERS';
  const b = encodeMessage(m);
  assert.equal(b.readUInt16BE(2) & 0xf, 0, 'header keeps the low 4 bits (16 & 0xf = 0)');
  const optTtl = b.readUInt32BE(b.length - 6);
  assert.equal(optTtl >>> 24, 1, 'OPT extended RCODE holds 16 >> 4 = 1');
  assert.equal(decodeMessage(b).rcode, 'BADVERS');
  m.rcode = 'BADCOOKIE';
  assert.equal(decodeMessage(encodeMessage(m)).rcode, 'BADCOOKIE');
  m.rcode = 'RCODE3841';
  assert.equal(decodeMessage(encodeMessage(m)).rcode, 'RCODE3841');
  for (const op of ['QUERY', 'NOTIFY', 'UPDATE', 'OPCODE14'] as const) {
    m.opcode = op;
    assert.equal(decodeMessage(encodeMessage(m)).opcode, op);
  }
  const noEdns = makeQuery('example', 'A', { edns: false });
  noEdns.rcode = 'BADVERS';
  assert.throws(() => encodeMessage(noEdns), { name: 'WireError', code: 'BAD_OPT' });
});

test('EDNS fields and unknown options round-trip', () => {
  const m = makeQuery('example', 'A', {
    edns: {
      udpPayloadSize: 512,
      version: 1,
      do: true,
      z: 0x1234,
      options: [
        { code: 65001, data: hex('') },
        { code: 8, data: hex('00011800c00002') },
      ],
    },
  });
  const d = decodeMessage(encodeMessage(m));
  assert.deepEqual(d.edns, m.edns);
});

test('names with escaped dots and arbitrary octets round-trip byte-exactly', () => {
  const names = ['a\\.b.example', '\\000\\255\\032x.example', 'Mixed\\.Case\\\\.EXAMPLE', '\\(\\)\\;\\@\\$\\".example', '*.example'];
  for (const n of names) {
    const m = makeQuery(n, 'A', { edns: false });
    m.answer = [{ name: n, type: 'CNAME', class: 'IN', ttl: 1, data: n }];
    const b = encodeMessage(m);
    const d = decodeMessage(b);
    assert.equal(d.question[0]!.qname, n);
    assert.equal(d.answer[0]!.data, n);
    assert.ok(encodeMessage(d).equals(b));
  }
  // a label holding a dot is ONE label of 3 octets on the wire
  const b = encodeMessage(makeQuery('a\\.b.example', 'A', { edns: false }));
  assert.equal(b.subarray(12, 16).toString('hex'), '03612e62');
  // octets given in decimal escapes come back in canonical escape form
  assert.equal(decodeMessage(encodeMessage(makeQuery('\\097\\.b', 'A', { edns: false }))).question[0]!.qname, 'a\\.b');
});

test('unknown types and classes decode as RFC 3597 generic forms', () => {
  const m = makeQuery('example', 'TYPE65280', { edns: false, qclass: 'CLASS42' });
  m.answer = [{ name: 'example', type: 'TYPE65280', class: 'CLASS42', ttl: 0, data: hex('0001') }];
  const d = decodeMessage(encodeMessage(m));
  assert.deepEqual(d, m);
  // a known type given in generic form with raw RDATA is decoded structurally
  m.answer = [{ name: 'example', type: 'TYPE1', class: 'IN', ttl: 0, data: hex('c0000201') }];
  assert.equal(decodeMessage(encodeMessage(m)).answer[0]!.data, '192.0.2.1');
});

test('labels holding every octet value 0..255 decode to the escapes of dns/name.ts and round-trip', async () => {
  const { labelFromOctets, fromLabels } = await import('../../dns/name.ts');
  const octets = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const parts: Buffer[] = [];
  for (let i = 0; i < 256; i += 52) parts.push(octets.subarray(i, Math.min(256, i + 52)));
  // 5 labels of <= 52 octets = 261 + 1 octets: too long for one name, so split over two names.
  const nameA = fromLabels(parts.slice(0, 3).map((p) => labelFromOctets(p)));
  const nameB = fromLabels(parts.slice(3).map((p) => labelFromOctets(p)));
  for (const n of [nameA, nameB]) {
    const m = makeQuery(n, 'A', { edns: false });
    const b = encodeMessage(m);
    const d = decodeMessage(b);
    assert.equal(d.question[0]!.qname, n);
    assert.ok(encodeMessage(d).equals(b));
  }
  const wire = encodeMessage(makeQuery(nameA, 'A', { edns: false }));
  assert.ok(wire.subarray(13, 13 + 52).equals(octets.subarray(0, 52)), 'first label carries octets 0..51 verbatim');
});
