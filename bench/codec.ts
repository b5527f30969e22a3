// Encode/decode throughput of our wire codec (dns/wire) versus raw dns-packet
// 5.6.1 on the same messages, in the same process. Prints messages per second
// and the ratio ours/dns-packet. Bounded: a fixed iteration count per case
// (and a time cap), so it always ends. Rounds alternate between the two
// codecs so that load from other processes hits both alike.
//
//   node --import tsx bench/codec.ts [iterations]

import dnsPacket from 'dns-packet';
import { decodeMessage, encodeMessage } from '../dns/wire/message.ts';
import { makeQuery, makeResponse } from '../dns/message.ts';
import type { Message, RR } from '../dns/types.ts';
import { TYPE_CASES } from '../test/wire/fixtures.ts';

const ITERATIONS = Math.max(100, Number(process.argv[2] ?? 20000));
const TIME_CAP_MS = 5000;

interface Case {
  name: string;
  ours: Message;
  theirs: dnsPacket.Packet;
}

function toDp(m: Message, dpData: (rr: RR) => { type: string; data: unknown }): dnsPacket.Packet {
  const rec = (rr: RR) => ({ name: rr.name, class: 'IN', ttl: rr.ttl, ...dpData(rr) });
  const additionals: unknown[] = m.additional.map(rec);
  if (m.edns)
    additionals.push({ name: '.', type: 'OPT', udpPayloadSize: m.edns.udpPayloadSize, flags: m.edns.do ? dnsPacket.DNSSEC_OK : 0, options: m.edns.options });
  return {
    id: m.id,
    type: m.flags.qr ? 'response' : 'query',
    flags:
      (m.flags.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (m.flags.rd ? dnsPacket.RECURSION_DESIRED : 0) | (m.flags.ra ? dnsPacket.RECURSION_AVAILABLE : 0),
    questions: m.question.map((q) => ({ name: q.qname, type: q.qtype, class: q.qclass })),
    answers: m.answer.map(rec),
    authorities: m.authority.map(rec),
    additionals,
  } as unknown as dnsPacket.Packet;
}

const simple = (rr: RR) => ({ type: rr.type, data: rr.data });

function cases(): Case[] {
  const q = makeQuery('www.example.com', 'A', { id: 1, do: true });
  const r = makeResponse(q);
  r.flags.aa = true;
  r.answer = [
    { name: 'www.example.com', type: 'CNAME', class: 'IN', ttl: 300, data: 'web.example.com' },
    { name: 'web.example.com', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.1' },
    { name: 'web.example.com', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.2' },
  ];
  r.authority = [
    { name: 'example.com', type: 'NS', class: 'IN', ttl: 3600, data: 'ns1.example.com' },
    { name: 'example.com', type: 'NS', class: 'IN', ttl: 3600, data: 'ns2.example.com' },
  ];
  r.additional = [
    { name: 'ns1.example.com', type: 'A', class: 'IN', ttl: 3600, data: '192.0.2.53' },
    { name: 'ns2.example.com', type: 'AAAA', class: 'IN', ttl: 3600, data: '2001:db8::53' },
  ];
  r.edns = { udpPayloadSize: 1232, version: 0, do: true, z: 0, options: [] };

  const withDp = TYPE_CASES.filter((c) => c.dp !== undefined);
  const big = makeResponse(makeQuery('example', 'ANY', { id: 2 }));
  big.answer = withDp.map((c) => c.rr);
  big.edns = { udpPayloadSize: 1232, version: 0, do: true, z: 0, options: [{ code: 10, data: Buffer.alloc(8, 1) }] };
  const dpOf = new Map(withDp.map((c) => [c.rr, c.dp!]));
  return [
    { name: 'query (A, EDNS DO)', ours: q, theirs: toDp(q, simple) },
    { name: 'response (CNAME+A, NS, glue)', ours: r, theirs: toDp(r, simple) },
    { name: `response (${withDp.length} types incl. DNSSEC)`, ours: big, theirs: toDp(big, (rr) => dpOf.get(rr) ?? simple(rr)) },
  ];
}

const ROUNDS = 5;

/** Best rate over ROUNDS interleaved rounds (the machine is shared; the best round is the least disturbed). */
function rates(fns: (() => void)[]): number[] {
  for (const fn of fns) for (let i = 0; i < Math.min(1000, ITERATIONS); i++) fn(); // warm-up
  const best = fns.map(() => 0);
  const perRound = Math.max(20, Math.floor(ITERATIONS / ROUNDS));
  for (let round = 0; round < ROUNDS; round++) {
    fns.forEach((fn, k) => {
      const start = process.hrtime.bigint();
      let n = 0;
      for (; n < perRound; n++) {
        fn();
        if ((n & 255) === 0 && Number(process.hrtime.bigint() - start) / 1e6 > TIME_CAP_MS / ROUNDS) break;
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      best[k] = Math.max(best[k]!, (n / ms) * 1000);
    });
  }
  return best;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(10);

console.log(
  `dns/wire vs dns-packet 5.6.1 — node ${process.version}, ${ITERATIONS} iterations per cell in ${ROUNDS} interleaved rounds, best round shown (cap ${TIME_CAP_MS} ms per cell)`,
);
console.log('case                                   | op     | ours msg/s | dns-packet msg/s | ours/dns-packet | bytes ours/dp');
for (const c of cases()) {
  const oursBytes = encodeMessage(c.ours);
  const oursPlain = encodeMessage(c.ours, { compress: false });
  const theirBytes = dnsPacket.encode(c.theirs);
  const [encOurs, encTheirs, decOurs, decTheirs] = rates([
    () => encodeMessage(c.ours),
    () => dnsPacket.encode(c.theirs),
    () => decodeMessage(oursPlain),
    () => dnsPacket.decode(theirBytes),
  ]) as [number, number, number, number];
  const label = c.name.padEnd(38);
  console.log(
    `${label} | encode | ${fmt(encOurs)} | ${fmt(encTheirs)}       | ${(encOurs / encTheirs).toFixed(2).padStart(15)} | ${oursBytes.length}/${theirBytes.length}`,
  );
  console.log(
    `${label} | decode | ${fmt(decOurs)} | ${fmt(decTheirs)}       | ${(decOurs / decTheirs).toFixed(2).padStart(15)} | (same ${oursPlain.length} uncompressed octets: ${oursPlain.equals(theirBytes) ? 'identical' : 'differ'})`,
  );
}
