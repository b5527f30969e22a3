// rewriteTtls (dns/wire/ttl-rewrite.ts): every RR's TTL through the function, every other octet as it was — names
// behind compression pointers, RDATA, the RRSIG's own Original TTL — and the OPT pseudo-RR's TTL field (extended
// RCODE and flags) untouched; a message that does not parse to its last record gives undefined.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { makeQuery } from '../../dns/message.ts';
import { rewriteTtls } from '../../dns/wire/ttl-rewrite.ts';
import type { Message, RR } from '../../dns/types.ts';

function answer(records: RR[]): Buffer {
  const q = makeQuery('www.example.com', 'A', { id: 7, do: true });
  return encodeMessage({ ...q, flags: { ...q.flags, qr: true }, answer: records } as Message);
}

describe('rewriteTtls', () => {
  it('divides each TTL, keeps everything else byte for byte, leaves OPT alone', () => {
    const bytes = answer([
      { name: 'www.example.com', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.1' },
      { name: 'www.example.com', type: 'A', class: 'IN', ttl: 86400, data: '192.0.2.2' },
    ] as RR[]);
    const seen: string[] = [];
    const out = rewriteTtls(bytes, (ttl, owner, type) => (seen.push(`${owner}/${type}/${ttl}`), Math.ceil(ttl / 200)))!;
    assert.deepEqual(seen, ['www.example.com/1/300', 'www.example.com/1/86400']);
    const m = decodeMessage(out);
    assert.deepEqual(
      m.answer.map((r) => r.ttl),
      [2, 432],
    );
    assert.equal(m.edns?.do, true);
    assert.equal(m.edns?.udpPayloadSize, decodeMessage(bytes).edns?.udpPayloadSize);
    // Only the two TTL fields changed.
    let differing = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== out[i]) differing++;
    assert.ok(differing > 0 && differing <= 8, `${differing} octets changed`);
    assert.equal(out.length, bytes.length);
  });

  it('a cut message gives undefined (the caller sends it unchanged)', () => {
    const bytes = answer([{ name: 'www.example.com', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.1' } as RR]);
    assert.equal(
      rewriteTtls(bytes.subarray(0, bytes.length - 20), (t) => t),
      undefined,
    );
    assert.equal(
      rewriteTtls(bytes.subarray(0, 5), (t) => t),
      undefined,
    );
  });
});
