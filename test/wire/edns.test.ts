import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EdeCode,
  edeOf,
  findOption,
  makeClientSubnetOption,
  makeCookieOption,
  makeEdeOption,
  makePaddingOption,
  parseClientSubnetOption,
  parseCookieOption,
  parseEdeOption,
} from '../../dns/wire/edns.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { WireError } from '../../dns/wire/errors.ts';
import { makeQuery, makeResponse } from '../../dns/message.ts';

test('EDE options round-trip through a message (RFC 8914)', () => {
  const r = makeResponse(makeQuery('example', 'A'));
  r.rcode = 'SERVFAIL';
  r.edns = {
    udpPayloadSize: 1232,
    version: 0,
    do: false,
    z: 0,
    options: [makeEdeOption(EdeCode.DNSSEC_BOGUS, 'signature expired for example/A'), makeEdeOption(EdeCode.RRSIGS_MISSING)],
  };
  const d = decodeMessage(encodeMessage(r));
  assert.deepEqual(edeOf(d), [
    { infoCode: 6, extraText: 'signature expired for example/A' },
    { infoCode: 10, extraText: '' },
  ]);
  assert.equal(
    encodeMessage(r)
      .subarray(-(2 + 31 + 4 + 2 + 4))
      .readUInt16BE(0),
    15,
  );
  assert.throws(() => parseEdeOption({ code: 15, data: Buffer.from([1]) }), WireError);
});

test('COOKIE: 8-octet client cookie, 8..32-octet server cookie; other lengths are BAD_OPT (RFC 7873 §5.2.2)', () => {
  const client = Buffer.from('0102030405060708', 'hex');
  const q = makeQuery('example', 'A', { edns: { options: [makeCookieOption(client)] } });
  const opt = findOption(decodeMessage(encodeMessage(q)), 10)!;
  assert.deepEqual(parseCookieOption(opt), { client });
  const server = Buffer.alloc(16, 9);
  assert.deepEqual(parseCookieOption(makeCookieOption(client, server)), { client, server });
  for (const n of [0, 7, 9, 15, 41]) assert.throws(() => parseCookieOption({ code: 10, data: Buffer.alloc(n) }), { code: 'BAD_OPT' });
  assert.throws(() => makeCookieOption(Buffer.alloc(7)), { code: 'BAD_OPT' });
});

test('Client Subnet round-trips and checks ADDRESS length against SOURCE PREFIX-LENGTH (RFC 7871 §6)', () => {
  const ecs = { family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, address: Buffer.from([192, 0, 2]) };
  assert.deepEqual(parseClientSubnetOption(makeClientSubnetOption(ecs)), ecs);
  assert.throws(() => parseClientSubnetOption(makeClientSubnetOption({ ...ecs, address: Buffer.from([192, 0, 2, 0]) })), { code: 'BAD_OPT' });
  assert.throws(() => parseClientSubnetOption(makeClientSubnetOption({ ...ecs, family: 3 })), { code: 'BAD_OPT' });
});

test('PADDING brings the encoded message to a multiple of the block size (RFC 8467)', () => {
  const q = makeQuery('www.example.com', 'AAAA', { id: 1 });
  const unpadded = encodeMessage(q).length;
  q.edns!.options.push(makePaddingOption(unpadded, 128));
  assert.equal(encodeMessage(q).length, 128);
  const r = makeResponse(q);
  r.edns = { udpPayloadSize: 1232, version: 0, do: false, z: 0, options: [] };
  r.edns.options.push(makePaddingOption(encodeMessage(r).length, 468));
  assert.equal(encodeMessage(r).length % 468, 0);
});
