// TCP framing (RFC 1035 §4.2.2, RFC 7766 §8).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { encodeMessage, decodeMessage } from '../../dns/wire/message.ts';
import { WireError } from '../../dns/wire/errors.ts';
import { makeQuery } from '../../dns/message.ts';

const msgs = [
  encodeMessage(makeQuery('a.example', 'A', { id: 1 })),
  encodeMessage(makeQuery('bb.example', 'AAAA', { id: 2 })),
  Buffer.alloc(0),
  encodeMessage(makeQuery('c.example', 'MX', { id: 3 })),
];

test('frameTcp prefixes the 2-octet length', () => {
  const f = frameTcp(msgs[0]!);
  assert.equal(f.readUInt16BE(0), msgs[0]!.length);
  assert.ok(f.subarray(2).equals(msgs[0]!));
  assert.throws(() => frameTcp(Buffer.alloc(65536)), WireError);
  assert.equal(frameTcp(Buffer.alloc(65535)).length, 65537);
});

test('TcpFrameReader reassembles frames split at every possible point', () => {
  const stream = Buffer.concat(msgs.map(frameTcp));
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new TcpFrameReader();
    const got = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
    assert.deepEqual(
      got.map((b) => b.toString('hex')),
      msgs.map((b) => b.toString('hex')),
      `cut at ${cut}`,
    );
    assert.equal(r.buffered, 0);
  }
});

test('TcpFrameReader handles one octet at a time and coalesced frames', () => {
  const stream = Buffer.concat(msgs.map(frameTcp));
  const r = new TcpFrameReader();
  const got: Buffer[] = [];
  for (const byte of stream) got.push(...r.push(Buffer.from([byte])));
  assert.equal(got.length, msgs.length);
  assert.equal(decodeMessage(got[1]!).id, 2);
  const r2 = new TcpFrameReader();
  assert.equal(r2.push(stream).length, msgs.length);
  // a half-sent frame stays buffered
  assert.equal(r2.push(frameTcp(msgs[0]!).subarray(0, 5)).length, 0);
  assert.equal(r2.buffered, 5);
});

test('returned messages do not alias the pushed chunk', () => {
  const chunk = frameTcp(msgs[0]!);
  const r = new TcpFrameReader();
  const [m] = r.push(chunk);
  chunk.fill(0);
  assert.ok(m!.equals(msgs[0]!));
});
