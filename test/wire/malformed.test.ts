// Strict decode: every malformed input is a typed WireError (never a
// RangeError or plain Error), and encode refuses what the wire forbids unless
// asked for { unsafe: true }.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, decodeMessageUnguarded, encodeMessage, peekHeader } from '../../dns/wire/message.ts';
import { decodeRdata, encodeRdata } from '../../dns/wire/rdata.ts';
import { WireError } from '../../dns/wire/errors.ts';
import { makeQuery } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import { bigResponse, hex, prng } from './fixtures.ts';

function wireCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WireError, `expected WireError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    return e.code;
  }
  assert.fail('expected a WireError, decode succeeded');
}

const HDR_1Q_1AN = '1234 8180 0001 0001 0000 0000'; // id, QR RD RA, qd=1 an=1
const Q_EXAMPLE_A = '07 6578616d706c65 00 0001 0001'; // example. A IN at offset 12
const RR_HEAD = 'c00c 0001 0001 0000012c'; // owner -> 12, A, IN, TTL 300

test('inputs shorter than the header are TRUNCATED and peekHeader says undefined', () => {
  const full = encodeMessage(makeQuery('example', 'A', { id: 0x4242 }));
  for (let n = 0; n < 12; n++) {
    assert.equal(
      wireCode(() => decodeMessage(full.subarray(0, n))),
      'TRUNCATED',
    );
    assert.equal(peekHeader(full.subarray(0, n)), undefined);
  }
  const peek = peekHeader(full.subarray(0, 12));
  assert.equal(peek?.id, 0x4242);
  assert.equal(peek?.arcount, 1);
  assert.equal(peek?.flags.rd, true);
});

test('every prefix of a real response is a WireError, and the whole one decodes', () => {
  for (const compress of [true, false]) {
    const full = encodeMessage(bigResponse(), { compress });
    for (let n = 0; n < full.length; n++) wireCode(() => decodeMessageUnguarded(full.subarray(0, n)));
    assert.deepEqual(decodeMessage(full), bigResponse());
  }
});

test('trailing octets after the announced records are TRAILING_BYTES', () => {
  const full = encodeMessage(bigResponse());
  assert.equal(
    wireCode(() => decodeMessage(Buffer.concat([full, hex('00')]))),
    'TRAILING_BYTES',
  );
  const q = encodeMessage(makeQuery('example', 'A', { edns: false }));
  assert.equal(
    wireCode(() => decodeMessage(Buffer.concat([q, hex('deadbeef')]))),
    'TRAILING_BYTES',
  );
});

test('header counts larger than the data are TRUNCATED', () => {
  const b = hex(`1234 8180 0001 0005 0000 0000 ${Q_EXAMPLE_A}`);
  assert.equal(
    wireCode(() => decodeMessage(b)),
    'TRUNCATED',
  );
  const b2 = hex(`1234 0100 0002 0000 0000 0000 ${Q_EXAMPLE_A}`);
  assert.equal(
    wireCode(() => decodeMessage(b2)),
    'TRUNCATED',
  );
});

test('RDLENGTH mismatches are BAD_RDLENGTH, including fixed-size types', () => {
  // A with RDLENGTH 5 (dns-packet accepts this silently)
  assert.equal(
    wireCode(() => decodeMessage(hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} ${RR_HEAD} 0005 c000020101`))),
    'BAD_RDLENGTH',
  );
  // A with RDLENGTH 3
  assert.equal(
    wireCode(() => decodeMessage(hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} ${RR_HEAD} 0003 c00002`))),
    'BAD_RDLENGTH',
  );
  // AAAA with RDLENGTH 4
  assert.equal(
    wireCode(() => decodeMessage(hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 001c 0001 0000012c 0004 c0000201`))),
    'BAD_RDLENGTH',
  );
  // MX: RDLENGTH 4 cuts the exchange name short although the octets follow
  assert.equal(
    wireCode(() => decodeMessage(hex(`1234 8180 0001 0001 0000 0000 ${Q_EXAMPLE_A} c00c 000f 0001 0000012c 0004 000a 026d78 00`))),
    'BAD_RDLENGTH',
  );
  // TXT string length 5 inside RDLENGTH 3
  assert.equal(
    wireCode(() => decodeMessage(hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 0010 0001 0000012c 0003 05 6162`))),
    'BAD_RDLENGTH',
  );
  // SOA with one octet too many inside RDLENGTH
  const soa = `00 00 ${'00000001'.repeat(5)} ff`;
  assert.equal(
    wireCode(() => decodeMessage(hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 0006 0001 0000012c 0017 ${soa}`))),
    'BAD_RDLENGTH',
  );
  // RDLENGTH beyond the end of the message
  assert.equal(
    wireCode(() => decodeMessage(hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} ${RR_HEAD} 0010 c0000201`))),
    'TRUNCATED',
  );
  // standalone RDATA
  assert.equal(
    wireCode(() => decodeRdata('A', hex('c000020101'))),
    'BAD_RDLENGTH',
  );
  assert.equal(
    wireCode(() => decodeRdata('DS', hex('0001 0d'))),
    'BAD_RDLENGTH',
  );
  assert.equal(
    wireCode(() => decodeRdata('NSEC3PARAM', hex('01 00 000a 04 aabbcc'))),
    'BAD_RDLENGTH',
  );
  assert.equal(
    wireCode(() => decodeRdata('TXT', hex(''))),
    'BAD_RDLENGTH',
  );
});

test('bad label lengths (0x40 and 0x80 label types, i.e. > 63) are BAD_NAME', () => {
  for (const lenByte of ['40', '7f', '80', 'bf']) {
    const b = hex(`1234 0100 0001 0000 0000 0000 ${lenByte} ${'61'.repeat(parseInt(lenByte, 16) & 0x3f)} 00 0001 0001`);
    assert.equal(
      wireCode(() => decodeMessage(b)),
      'BAD_NAME',
      lenByte,
    );
  }
});

test('names longer than 255 octets are BAD_NAME, also when assembled through pointers', () => {
  const l63 = `3f${'61'.repeat(63)}`;
  const long = hex(`1234 0100 0001 0000 0000 0000 ${l63}${l63}${l63}${l63} 00 0001 0001`); // 4*64+1 = 257
  assert.equal(
    wireCode(() => decodeMessage(long)),
    'BAD_NAME',
  );
  // question name of 193 octets at 12; answer owner = 63-octet label + pointer to 12 = 257 octets
  const q = `${l63}${l63}${l63} 00 0001 0001`;
  const viaPointer = hex(`1234 8100 0001 0001 0000 0000 ${q} ${l63} c00c 0001 0001 00000000 0004 c0000201`);
  assert.equal(
    wireCode(() => decodeMessage(viaPointer)),
    'BAD_NAME',
  );
  // 255 exactly is fine: 3*64 + 62-octet label (63) = 255
  const ok = hex(`1234 0100 0001 0000 0000 0000 ${l63}${l63}${l63} 3d${'61'.repeat(61)} 00 0001 0001`);
  assert.equal(decodeMessage(ok).question.length, 1);
});

test('compression pointer loops, self pointers, forward pointers and pointers into the header are BAD_POINTER', () => {
  // qname is a pointer to itself (offset 12)
  assert.equal(
    wireCode(() => decodeMessage(hex('1234 0100 0001 0000 0000 0000 c00c 0001 0001'))),
    'BAD_POINTER',
  );
  // label "a" then pointer back to the start of the same name: a loop
  assert.equal(
    wireCode(() => decodeMessage(hex('1234 0100 0001 0000 0000 0000 0161 c00c 0001 0001'))),
    'BAD_POINTER',
  );
  // two names pointing at each other: the first pointer points forward
  assert.equal(
    wireCode(() => decodeMessage(hex('1234 0100 0002 0000 0000 0000 c012 0001 0001 c00c 0001 0001'))),
    'BAD_POINTER',
  );
  // pointer into the header
  assert.equal(
    wireCode(() => decodeMessage(hex('1234 0100 0001 0000 0000 0000 c002 0001 0001'))),
    'BAD_POINTER',
  );
  // pointer past the end of the message
  assert.equal(
    wireCode(() => decodeMessage(hex('1234 0100 0001 0000 0000 0000 c0ff 0001 0001'))),
    'BAD_POINTER',
  );
  // a chain of backward pointers is fine: answer owner -> 29 ("www" + pointer to 12)
  const ok = hex(`1234 8180 0001 0001 0000 0000 ${Q_EXAMPLE_A} 03777777 c00c 0001 0001 0000012c 0004 c0000201`);
  assert.equal(decodeMessage(ok).answer[0]!.name, 'www.example');
});

test('pointers in RDATA only where RFC 3597 §4 allows them (MX yes; SRV, RRSIG, NSEC, DNAME no)', () => {
  const mx = hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 000f 0001 0000012c 0004 000a c00c`);
  assert.deepEqual(decodeMessage(mx).answer[0]!.data, { preference: 10, exchange: 'example' });
  const srv = hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 0021 0001 0000012c 0008 0001 0001 0001 c00c`);
  assert.equal(
    wireCode(() => decodeMessage(srv)),
    'BAD_POINTER',
  );
  const dname = hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 0027 0001 0000012c 0002 c00c`);
  assert.equal(
    wireCode(() => decodeMessage(dname)),
    'BAD_POINTER',
  );
  const nsec = hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 002f 0001 0000012c 0005 c00c 000140`);
  assert.equal(
    wireCode(() => decodeMessage(nsec)),
    'BAD_POINTER',
  );
  const rrsig = hex(`${HDR_1Q_1AN} ${Q_EXAMPLE_A} c00c 002e 0001 0000012c 0015 0001 0d 01 0000012c 00000002 00000001 1234 c00c 99`);
  assert.equal(
    wireCode(() => decodeMessage(rrsig)),
    'BAD_POINTER',
  );
});

test('OPT misuse is BAD_OPT: in the answer section, twice, not at the root, options overrunning', () => {
  const opt = '00 0029 04d0 00000000 0000';
  assert.equal(
    wireCode(() => decodeMessage(hex(`1234 8180 0001 0001 0000 0000 ${Q_EXAMPLE_A} ${opt}`))),
    'BAD_OPT',
  );
  assert.equal(
    wireCode(() => decodeMessage(hex(`1234 8180 0001 0000 0000 0002 ${Q_EXAMPLE_A} ${opt} ${opt}`))),
    'BAD_OPT',
  );
  assert.equal(
    wireCode(() => decodeMessage(hex(`1234 8180 0001 0000 0000 0001 ${Q_EXAMPLE_A} c00c 0029 04d0 00000000 0000`))),
    'BAD_OPT',
  );
  assert.equal(
    wireCode(() => decodeMessage(hex(`1234 8180 0001 0000 0000 0001 ${Q_EXAMPLE_A} 00 0029 04d0 00000000 0006 000a 0008 0102`))),
    'BAD_OPT',
  );
  assert.equal(
    wireCode(() => decodeMessage(hex(`1234 8180 0001 0000 0000 0001 ${Q_EXAMPLE_A} 00 0029 04d0 00000000 0002 000a`))),
    'BAD_OPT',
  );
});

test('malformed type bit maps and SVCB params are BAD_RDATA', () => {
  assert.equal(
    wireCode(() => decodeRdata('NSEC', hex('00 00 00'))),
    'BAD_RDATA',
  ); // window length 0
  assert.equal(
    wireCode(() => decodeRdata('NSEC', hex('00 00 02 4000'))),
    'BAD_RDATA',
  ); // trailing zero octet
  assert.equal(
    wireCode(() => decodeRdata('NSEC', hex('00 01 01 40 00 01 40'))),
    'BAD_RDATA',
  ); // window 1 then 0
  assert.equal(
    wireCode(() => decodeRdata('NSEC', hex('00 00 21' + '01'.repeat(33)))),
    'BAD_RDATA',
  ); // 33 > 32
  assert.equal(
    wireCode(() => decodeRdata('NSEC3', hex('01 00 0000 00 00'))),
    'BAD_RDATA',
  ); // empty hash
  assert.equal(
    wireCode(() => decodeRdata('HTTPS', hex('0001 00 0003 0002 01bb 0001 0003 026832'))),
    'BAD_RDATA',
  ); // keys 3 then 1
  assert.equal(
    wireCode(() => decodeRdata('HTTPS', hex('0001 00 0003 0003 01bb00'))),
    'BAD_RDATA',
  ); // port of 3 octets
  assert.equal(
    wireCode(() => decodeRdata('SVCB', hex('0001 00 0004 0003 c00002'))),
    'BAD_RDATA',
  ); // ipv4hint of 3 octets
  assert.equal(
    wireCode(() => decodeRdata('CAA', hex('00 00 6162'))),
    'BAD_RDATA',
  ); // empty tag
});

test('encode refuses over-long labels, names and empty labels unless unsafe; unsafe writes them raw', () => {
  const label64 = 'a'.repeat(64);
  const q = makeQuery(`${label64}.example`, 'A', { edns: false });
  assert.equal(
    wireCode(() => encodeMessage(q)),
    'BAD_NAME',
  );
  const raw = encodeMessage(q, { unsafe: true });
  assert.equal(raw[12], 0x40, 'length octet 64 = label type 0x40 on the wire');
  assert.equal(
    wireCode(() => decodeMessage(raw)),
    'BAD_NAME',
  );

  const longName = Array.from({ length: 5 }, () => 'b'.repeat(63)).join('.'); // 321 octets
  assert.equal(
    wireCode(() => encodeMessage(makeQuery(longName, 'A', { edns: false }))),
    'BAD_NAME',
  );
  assert.equal(
    wireCode(() => decodeMessage(encodeMessage(makeQuery(longName, 'A', { edns: false }), { unsafe: true }))),
    'BAD_NAME',
  );

  assert.equal(
    wireCode(() => encodeMessage(makeQuery('a..example', 'A', { edns: false }))),
    'BAD_NAME',
  );
  assert.equal(
    wireCode(() => encodeMessage(makeQuery('a\\', 'A', { edns: false }))),
    'BAD_NAME',
  );
  // a label of 256 octets cannot be written even in unsafe mode
  assert.equal(
    wireCode(() => encodeMessage(makeQuery('c'.repeat(256), 'A', { edns: false }), { unsafe: true })),
    'BAD_NAME',
  );
});

test('a 256-octet TXT string is refused on encode, also in unsafe mode; raw TYPE16 RDATA is the escape hatch', () => {
  const txt: RR = { name: 'example', type: 'TXT', class: 'IN', ttl: 0, data: [Buffer.alloc(256, 0x61)] };
  assert.equal(
    wireCode(() => encodeRdata(txt)),
    'BAD_RDATA',
  );
  assert.equal(
    wireCode(() => encodeRdata(txt, { unsafe: true })),
    'BAD_RDATA',
  );
  const m: Message = makeQuery('example', 'TXT', { edns: false });
  m.answer = [txt];
  assert.equal(
    wireCode(() => encodeMessage(m, { unsafe: true })),
    'BAD_RDATA',
  );
  // Deliberately broken TXT RDATA (string length says 5, 2 octets follow): refused as TXT with a Buffer unless unsafe
  m.answer = [{ name: 'example', type: 'TXT', class: 'IN', ttl: 0, data: hex('05 6162') } as unknown as RR];
  assert.equal(
    wireCode(() => encodeMessage(m)),
    'BAD_RDLENGTH',
  );
  const broken = encodeMessage(m, { unsafe: true });
  assert.equal(
    wireCode(() => decodeMessage(broken)),
    'BAD_RDLENGTH',
  );
  m.answer = [{ name: 'example', type: 'TYPE16', class: 'IN', ttl: 0, data: hex('05 6162') }];
  assert.equal(
    wireCode(() => decodeMessage(encodeMessage(m, { unsafe: true }))),
    'BAD_RDLENGTH',
  );
});

test('unsorted SVCB params are refused on encode unless unsafe; out-of-range fields always refused', () => {
  const svcb: RR = {
    name: 'example',
    type: 'SVCB',
    class: 'IN',
    ttl: 0,
    data: {
      priority: 1,
      target: '.',
      params: [
        { key: 3, value: hex('01bb') },
        { key: 1, value: hex('026832') },
      ],
    },
  };
  assert.equal(
    wireCode(() => encodeRdata(svcb)),
    'BAD_RDATA',
  );
  assert.equal(encodeRdata(svcb, { unsafe: true }).toString('hex'), '0001000003000201bb0001000302683' + '2');
  assert.equal(
    wireCode(() => encodeRdata({ name: 'x', type: 'MX', class: 'IN', ttl: 0, data: { preference: 70000, exchange: 'a' } })),
    'BAD_RDATA',
  );
  assert.equal(
    wireCode(() => encodeRdata({ name: 'x', type: 'A', class: 'IN', ttl: 0, data: '192.0.2.256' })),
    'BAD_RDATA',
  );
  assert.equal(
    wireCode(() => encodeRdata({ name: 'x', type: 'AAAA', class: 'IN', ttl: 0, data: '2001:db8::1::2' })),
    'BAD_RDATA',
  );
  const m = makeQuery('example', 'A', { edns: false });
  m.answer = [{ name: 'x', type: 'A', class: 'IN', ttl: -1, data: '192.0.2.1' }];
  assert.equal(
    wireCode(() => encodeMessage(m)),
    'BAD_RDATA',
  );
  m.answer = [];
  m.id = 65536;
  assert.equal(
    wireCode(() => encodeMessage(m)),
    'BAD_RDATA',
  );
  assert.equal(
    wireCode(() => encodeMessage({ ...makeQuery('example', 'A'), opcode: 'OPCODE16' as Message['opcode'] })),
    'BAD_MNEMONIC',
  );
});

test('unsafe counts override builds a header that lies', () => {
  const m = makeQuery('example', 'A', { edns: false });
  const b = encodeMessage(m, { counts: { ancount: 3 } });
  assert.equal(b.readUInt16BE(6), 3);
  assert.equal(
    wireCode(() => decodeMessage(b)),
    'TRUNCATED',
  );
});

test('mutation fuzz (seed 20261123, 20000 mutants): only WireErrors, and anything accepted re-encodes and round-trips', () => {
  const rnd = prng(20261123);
  const seeds = [
    encodeMessage(bigResponse()),
    encodeMessage(bigResponse(), { compress: false }),
    encodeMessage(makeQuery('www.example', 'AAAA', { do: true })),
  ];
  const started = Date.now();
  let accepted = 0;
  let rejected = 0;
  const codes = new Map<string, number>();
  for (let i = 0; i < 20000 && Date.now() - started < 60_000; i++) {
    const base = seeds[i % seeds.length]!;
    const b = Buffer.from(base);
    let out: Buffer = b;
    const kind = Math.floor(rnd() * 6);
    const pos = Math.floor(rnd() * b.length);
    switch (kind) {
      case 0: // random byte
        b[pos] = Math.floor(rnd() * 256);
        break;
      case 1: // flip one bit
        b[pos] = b[pos]! ^ (1 << Math.floor(rnd() * 8));
        break;
      case 2: // truncate
        out = b.subarray(0, pos);
        break;
      case 3: // insert a byte
        out = Buffer.concat([b.subarray(0, pos), Buffer.from([Math.floor(rnd() * 256)]), b.subarray(pos)]);
        break;
      case 4: // delete a byte
        out = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1)]);
        break;
      default: // several random bytes, biased to pointer/label-type values
        for (let k = 0; k < 4; k++) b[Math.floor(rnd() * b.length)] = [0xc0, 0x40, 0x80, 0x3f, 0x00, 0xff][Math.floor(rnd() * 6)]!;
    }
    let msg: Message;
    try {
      msg = decodeMessageUnguarded(out);
    } catch (e) {
      if (!(e instanceof WireError)) assert.fail(`mutant ${i} (${out.toString('hex')}) threw ${(e as Error).name}: ${(e as Error).message}`);
      rejected++;
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      continue;
    }
    accepted++;
    // What strict decode accepts is valid, so safe encode must take it and give the same message back.
    const again = decodeMessageUnguarded(encodeMessage(msg));
    assert.deepEqual(again, msg, `mutant ${i} did not round-trip`);
  }
  assert.ok(accepted + rejected >= 1000, 'fuzz ran too few iterations');
  assert.ok(rejected > 0 && accepted > 0, `both outcomes expected (accepted ${accepted}, rejected ${rejected})`);
  // Surface the distribution in the test log.
  console.log(`# fuzz: accepted ${accepted} rejected ${rejected} ${JSON.stringify(Object.fromEntries(codes))} in ${Date.now() - started} ms`);
});

test('random garbage of every length up to 64 octets never throws anything but WireError', () => {
  const rnd = prng(7);
  for (let n = 0; n <= 64; n++) {
    for (let k = 0; k < 50; k++) {
      const b = Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
      try {
        decodeMessageUnguarded(b);
      } catch (e) {
        assert.ok(e instanceof WireError, `${b.toString('hex')}: ${(e as Error).message}`);
      }
    }
  }
});

test('decodeMessage (guarded) and the unguarded variant agree; wrong-shape data on encode is a WireError', () => {
  const b = encodeMessage(bigResponse());
  assert.deepEqual(decodeMessage(b), decodeMessageUnguarded(b));
  const m = makeQuery('example', 'SVCB', { edns: false });
  m.answer = [{ name: 'x', type: 'SVCB', class: 'IN', ttl: 0, data: { priority: 1, target: '.' } } as unknown as RR];
  assert.equal(
    wireCode(() => encodeMessage(m)),
    'BAD_RDATA',
  );
  m.answer = [{ name: 'x', type: 'SOA', class: 'IN', ttl: 0, data: { mname: 'a' } } as unknown as RR];
  assert.equal(
    wireCode(() => encodeMessage(m)),
    'BAD_NAME',
    'missing RNAME',
  );
  m.answer = [{ name: 'x', type: 'DS', class: 'IN', ttl: 0, data: { keyTag: 1, algorithm: 8, digestType: 2, digest: 'abcd' } } as unknown as RR];
  assert.equal(
    wireCode(() => encodeMessage(m)),
    'BAD_RDATA',
  );
});
