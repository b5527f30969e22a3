// Generated round trips: random names (arbitrary octets, random case, shared
// suffixes so compression has work), random record mixes, random flags and
// RCODEs. decode(encode(m)) must equal m with and without compression, and
// encodeWithinLimit must stay within the limit and decode.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageUnguarded, encodeMessage, encodeWithinLimit } from '../../dns/wire/message.ts';
import { fromLabels, labelFromOctets } from '../../dns/name.ts';
import { Rcode } from '../../dns/types.ts';
import type { Message, RcodeName, RR } from '../../dns/types.ts';
import { prng, TYPE_CASES } from './fixtures.ts';

test('2000 generated messages round-trip exactly, compressed and not; encodeWithinLimit respects its limit', () => {
  const rnd = prng(4242);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
  const randomLabel = (): string => {
    const len = 1 + int(rnd() < 0.9 ? 10 : 63);
    const bytes = Buffer.alloc(len);
    for (let i = 0; i < len; i++) bytes[i] = rnd() < 0.85 ? alphabet.charCodeAt(int(alphabet.length)) : int(256);
    return labelFromOctets(bytes);
  };
  const suffixes = ['example', 'Example', 'example.com', 'EXAMPLE.COM', 'jp', '.'];
  const randomName = (): string => {
    const base = pick(suffixes);
    const ls: string[] = [];
    const n = int(4);
    for (let i = 0; i < n; i++) ls.push(rnd() < 0.5 ? pick(['www', 'WWW', 'mail', 'ns1']) : randomLabel());
    const name = base === '.' ? fromLabels(ls) : ls.length ? `${ls.join('.')}.${base}` : base;
    // keep under 255 octets: retry with a short name when long
    return Buffer.byteLength(name) > 200 ? base : name;
  };
  const rcodes = Object.keys(Rcode) as RcodeName[];
  for (let i = 0; i < 2000; i++) {
    const rec = (): RR => {
      const c = pick(TYPE_CASES).rr;
      const rr = { ...c, name: randomName(), ttl: int(2 ** 31) } as RR;
      // re-point names inside RDATA at random names too, for the compressible types
      if (rr.type === 'NS' || rr.type === 'CNAME' || rr.type === 'PTR' || rr.type === 'DNAME') (rr as { data: string }).data = randomName();
      if (rr.type === 'MX') rr.data = { preference: int(65536), exchange: randomName() };
      if (rr.type === 'SOA') rr.data = { ...(rr.data as object), mname: randomName(), rname: randomName() } as RR['data'];
      return rr;
    };
    const many = (max: number): RR[] => Array.from({ length: int(max) }, rec);
    const rcode = pick(rcodes);
    const useEdns = Rcode[rcode as keyof typeof Rcode] > 15 || rnd() < 0.6;
    const m: Message = {
      id: int(65536),
      opcode: pick(['QUERY', 'NOTIFY', 'UPDATE', 'STATUS'] as const),
      rcode,
      flags: { qr: rnd() < 0.5, aa: rnd() < 0.5, tc: rnd() < 0.2, rd: rnd() < 0.5, ra: rnd() < 0.5, z: rnd() < 0.1, ad: rnd() < 0.5, cd: rnd() < 0.5 },
      question: Array.from({ length: int(3) }, () => ({
        qname: randomName(),
        qtype: pick(TYPE_CASES).rr.type,
        qclass: pick(['IN', 'CH', 'ANY', 'CLASS9'] as const),
      })),
      answer: many(8),
      authority: many(4),
      additional: many(4),
    };
    if (useEdns)
      m.edns = {
        udpPayloadSize: 512 + int(4000),
        version: 0,
        do: rnd() < 0.5,
        z: int(0x8000),
        options: rnd() < 0.5 ? [{ code: 10, data: Buffer.alloc(8, i & 0xff) }] : [],
      };
    for (const compress of [true, false]) {
      const b = encodeMessage(m, { compress });
      assert.deepEqual(decodeMessageUnguarded(b), m, `message ${i} compress=${compress}`);
    }
    const limit = 100 + int(1500);
    const res = encodeWithinLimit(m, limit);
    const d = decodeMessageUnguarded(res.bytes);
    const minimal = encodeMessage({ ...m, answer: [], authority: [], additional: [] }).length;
    if (minimal <= limit) assert.ok(res.bytes.length <= limit, `message ${i}: ${res.bytes.length} > ${limit}`);
    assert.equal(d.flags.tc, m.flags.tc || res.truncated);
    assert.equal(d.answer.length + res.omitted.answer, m.answer.length);
    assert.equal(d.edns !== undefined, m.edns !== undefined, 'OPT kept');
  }
});
