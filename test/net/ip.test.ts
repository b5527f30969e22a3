import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bytesToIp, ipToBytes, isLoopback, normalizeIp } from '../../net/ip.ts';

describe('ip helpers', () => {
  it('normalizes IPv6 to RFC 5952 text', () => {
    const cases: [string, string][] = [
      ['0:0:0:0:0:0:0:1', '::1'],
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of equal runs (§4.2.3)
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single 0 field stays (§4.2.2)
      ['::ffff:7f00:1', '::ffff:127.0.0.1'], // IPv4-mapped (§5)
      ['::', '::'],
      ['192.0.2.1', '192.0.2.1'],
    ];
    for (const [input, want] of cases) assert.equal(normalizeIp(input), want, input);
    assert.equal(ipToBytes('2001:db8::1').length, 16);
    assert.equal(bytesToIp(ipToBytes('fe80::1:2')), 'fe80::1:2');
    assert.throws(() => ipToBytes('www.example.jp'));
  });

  it('knows loopback', () => {
    for (const a of ['127.0.0.1', '127.0.3.9', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
    for (const a of ['192.0.2.1', '::', '2001:db8::1', '128.0.0.1']) assert.ok(!isLoopback(a), a);
  });

  it('knows loopback in every IPv6 spelling, IPv4-mapped included', () => {
    // RFC 4291 §2.2: one address, many texts; RFC 4291 §2.5.5.2: ::ffff:a.b.c.d is the IPv4 host.
    for (const a of [
      '0::1',
      '0:0:0:0:0:0:0:1',
      '::0001',
      '0000:0000:0000:0000:0000:0000:0000:0001',
      '::ffff:127.0.0.1',
      '::ffff:127.1.2.3',
      '::ffff:7f00:1',
      '::FFFF:7F00:1',
    ]) {
      assert.ok(isLoopback(a), a);
    }
    // Not loopback: a mapped non-127 address, the IPv4-compatible form, ::2, ::1 with a zone id, and non-addresses.
    for (const a of ['::ffff:128.0.0.1', '::ffff:10.0.0.1', '::127.0.0.1', '::2', '1::1', '::1%lo', 'localhost', '127.0.0.1.example', '']) {
      assert.ok(!isLoopback(a), a);
    }
  });
});
