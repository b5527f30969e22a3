// Shared test data: one record of every type in RDataMap (dns/types.ts) plus
// an RFC 3597 unknown type, each with its RDATA octets built by hand from the
// RFC layouts (comments name the fields), and where dns-packet 5.6.1 encodes
// the type correctly, the dns-packet form of the same RDATA for a cross-check.

import type { Message, RR } from '../../dns/types.ts';

export interface TypeCase {
  rr: RR;
  /** RDATA octets, hand-built (hex, spaces ignored). */
  rdataHex: string;
  /** Same RDATA in dns-packet's shape, when dns-packet handles the type. */
  dp?: { type: string; data: unknown };
}

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const rr = <T extends RR>(r: T): T => r;

export const TYPE_CASES: TypeCase[] = [
  { rr: rr({ name: 'a.example', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.1' }), rdataHex: 'c0000201', dp: { type: 'A', data: '192.0.2.1' } },
  {
    rr: rr({ name: 'a.example', type: 'AAAA', class: 'IN', ttl: 300, data: '2001:db8::1' }),
    rdataHex: '20010db8000000000000000000000001',
    dp: { type: 'AAAA', data: '2001:db8::1' },
  },
  {
    rr: rr({ name: 'example', type: 'NS', class: 'IN', ttl: 3600, data: 'ns1.example' }),
    rdataHex: '036e7331 076578616d706c65 00',
    dp: { type: 'NS', data: 'ns1.example' },
  },
  {
    rr: rr({ name: 'www.example', type: 'CNAME', class: 'IN', ttl: 300, data: 'a.example' }),
    rdataHex: '0161 076578616d706c65 00',
    dp: { type: 'CNAME', data: 'a.example' },
  },
  {
    rr: rr({ name: 'd.example', type: 'DNAME', class: 'IN', ttl: 300, data: 'example.net' }),
    rdataHex: '076578616d706c65 036e6574 00',
    dp: { type: 'DNAME', data: 'example.net' },
  },
  {
    rr: rr({ name: '1.2.0.192.in-addr.arpa', type: 'PTR', class: 'IN', ttl: 300, data: 'a.example' }),
    rdataHex: '0161 076578616d706c65 00',
    dp: { type: 'PTR', data: 'a.example' },
  },
  {
    rr: rr({
      name: 'example',
      type: 'SOA',
      class: 'IN',
      ttl: 3600,
      data: { mname: 'ns1.example', rname: 'hostmaster.example', serial: 2026112301, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 },
    }),
    // MNAME, RNAME, SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM (RFC 1035 §3.3.13)
    rdataHex: '036e7331076578616d706c6500 0a686f73746d6173746572076578616d706c6500 78c4052d 00001c20 00000e10 00127500 0000012c',
    dp: {
      type: 'SOA',
      data: { mname: 'ns1.example', rname: 'hostmaster.example', serial: 2026112301, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 },
    },
  },
  {
    rr: rr({ name: 'example', type: 'MX', class: 'IN', ttl: 300, data: { preference: 10, exchange: 'mail.example' } }),
    rdataHex: '000a 046d61696c076578616d706c6500',
    dp: { type: 'MX', data: { preference: 10, exchange: 'mail.example' } },
  },
  {
    rr: rr({
      name: 'example',
      type: 'TXT',
      class: 'IN',
      ttl: 300,
      data: [Buffer.from('v=spf1 -all'), Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(0), Buffer.alloc(255, 0x61)],
    }),
    rdataHex: '0b763d73706631202d616c6c 04000102ff 00 ff' + '61'.repeat(255),
    dp: { type: 'TXT', data: [Buffer.from('v=spf1 -all'), Buffer.from([0, 1, 2, 0xff]), Buffer.alloc(0), Buffer.alloc(255, 0x61)] },
  },
  {
    rr: rr({ name: '_sip._udp.example', type: 'SRV', class: 'IN', ttl: 300, data: { priority: 1, weight: 5, port: 5060, target: 'sip.example' } }),
    rdataHex: '0001 0005 13c4 03736970076578616d706c6500',
    dp: { type: 'SRV', data: { priority: 1, weight: 5, port: 5060, target: 'sip.example' } },
  },
  {
    rr: rr({
      name: 'example',
      type: 'NAPTR',
      class: 'IN',
      ttl: 300,
      data: { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example' },
    }),
    rdataHex: '0064 000a 0153 075349502b443255 00 045f736970045f756470076578616d706c6500',
    dp: { type: 'NAPTR', data: { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example' } },
  },
  {
    rr: rr({ name: 'h.example', type: 'HINFO', class: 'IN', ttl: 300, data: { cpu: 'RFC8482', os: '' } }),
    rdataHex: '075246433834383200',
    dp: { type: 'HINFO', data: { cpu: 'RFC8482', os: '' } },
  },
  {
    rr: rr({ name: 'example', type: 'CAA', class: 'IN', ttl: 300, data: { flags: 128, tag: 'issue', value: 'ca.example; account=1' } }),
    rdataHex: '80 05697373756 5 63612e6578616d706c653b206163636f756e743d31'.replace(/ /g, ''),
    dp: { type: 'CAA', data: { flags: 128, tag: 'issue', value: 'ca.example; account=1' } },
  },
  {
    rr: rr({ name: 'example', type: 'DS', class: 'IN', ttl: 3600, data: { keyTag: 60485, algorithm: 13, digestType: 2, digest: h('ab'.repeat(32)) } }),
    rdataHex: 'ec45 0d 02' + 'ab'.repeat(32),
    dp: { type: 'DS', data: { keyTag: 60485, algorithm: 13, digestType: 2, digest: h('ab'.repeat(32)) } },
  },
  {
    // CDS: same layout as DS (RFC 7344 §3.1); dns-packet has no CDS codec.
    rr: rr({ name: 'example', type: 'CDS', class: 'IN', ttl: 3600, data: { keyTag: 0, algorithm: 0, digestType: 0, digest: h('00') } }),
    rdataHex: '0000 00 00 00',
  },
  {
    rr: rr({ name: 'example', type: 'DNSKEY', class: 'IN', ttl: 3600, data: { flags: 257, protocol: 3, algorithm: 13, key: h('11'.repeat(64)) } }),
    rdataHex: '0101 03 0d' + '11'.repeat(64),
    dp: { type: 'DNSKEY', data: { flags: 257, algorithm: 13, key: h('11'.repeat(64)) } },
  },
  {
    rr: rr({ name: 'example', type: 'CDNSKEY', class: 'IN', ttl: 3600, data: { flags: 0, protocol: 3, algorithm: 0, key: h('00') } }),
    rdataHex: '0000 03 00 00',
  },
  {
    rr: rr({
      name: 'a.example',
      type: 'RRSIG',
      class: 'IN',
      ttl: 300,
      data: {
        typeCovered: 'A',
        algorithm: 13,
        labels: 2,
        originalTTL: 300,
        expiration: 1767225600,
        inception: 1764547200,
        keyTag: 60485,
        signersName: 'Example',
        signature: h('22'.repeat(64)),
      },
    }),
    // type covered, alg, labels, orig TTL, expiration, inception, key tag, signer (case kept), signature (RFC 4034 §3.1)
    rdataHex: '0001 0d 02 0000012c 6955b900 692cda80 ec45 074578616d706c6500' + '22'.repeat(64),
    dp: {
      type: 'RRSIG',
      data: {
        typeCovered: 'A',
        algorithm: 13,
        labels: 2,
        originalTTL: 300,
        expiration: 1767225600,
        inception: 1764547200,
        keyTag: 60485,
        signersName: 'Example',
        signature: h('22'.repeat(64)),
      },
    },
  },
  {
    rr: rr({ name: 'a.example', type: 'NSEC', class: 'IN', ttl: 300, data: { nextDomain: 'b.Example', types: ['A', 'RRSIG', 'NSEC', 'CAA'] } }),
    // next name; window 0 len 6: A(1) RRSIG(46) NSEC(47); window 1 len 1: CAA(257)
    rdataHex: '0162 074578616d706c6500 00 06 400000000003 01 01 40',
    dp: { type: 'NSEC', data: { nextDomain: 'b.Example', rrtypes: ['A', 'RRSIG', 'NSEC', 'CAA'] } },
  },
  {
    // A real NSEC3 owner is a base32hex hash label (BIND's dig rejects other owners: check-names).
    rr: rr({
      name: '2vptu5timamqttgl4luu9kg21e0aor3s.example',
      type: 'NSEC3',
      class: 'IN',
      ttl: 300,
      data: { hashAlgorithm: 1, flags: 1, iterations: 0, salt: Buffer.alloc(0), nextHashedOwner: h('33'.repeat(20)), types: ['A', 'RRSIG'] },
    }),
    rdataHex: '01 01 0000 00 14' + '33'.repeat(20) + '00 06 400000000002',
    dp: { type: 'NSEC3', data: { algorithm: 1, flags: 1, iterations: 0, salt: Buffer.alloc(0), nextDomain: h('33'.repeat(20)), rrtypes: ['A', 'RRSIG'] } },
  },
  {
    rr: rr({ name: 'example', type: 'NSEC3PARAM', class: 'IN', ttl: 0, data: { hashAlgorithm: 1, flags: 0, iterations: 10, salt: h('aabbccdd') } }),
    rdataHex: '01 00 000a 04 aabbccdd',
  },
  {
    rr: rr({
      name: '_443._tcp.example',
      type: 'TLSA',
      class: 'IN',
      ttl: 300,
      data: { usage: 3, selector: 1, matchingType: 1, certificate: h('44'.repeat(32)) },
    }),
    rdataHex: '03 01 01' + '44'.repeat(32),
    dp: { type: 'TLSA', data: { usage: 3, selector: 1, matchingType: 1, certificate: h('44'.repeat(32)) } },
  },
  {
    rr: rr({ name: 'host.example', type: 'SSHFP', class: 'IN', ttl: 300, data: { algorithm: 4, hash: 2, fingerprint: h('55'.repeat(32)) } }),
    rdataHex: '04 02' + '55'.repeat(32),
    // dns-packet takes the SSHFP fingerprint as a hex string
    dp: { type: 'SSHFP', data: { algorithm: 4, hash: 2, fingerprint: '55'.repeat(32) } },
  },
  {
    rr: rr({ name: '_http._tcp.example', type: 'URI', class: 'IN', ttl: 300, data: { priority: 10, weight: 1, target: 'https://example/' } }),
    // priority, weight, target as the rest of RDATA (RFC 7553 §4.5, not a character-string)
    rdataHex: '000a 0001 68747470733a2f2f6578616d706c652f',
  },
  {
    rr: rr({
      name: '_8443._foo.example',
      type: 'SVCB',
      class: 'IN',
      ttl: 300,
      data: {
        priority: 1,
        target: 'svc.example',
        params: [
          { key: 3, value: h('20fb') },
          { key: 4, value: h('c0000201') },
        ],
      },
    }),
    // priority 1, target, port=8443, ipv4hint=192.0.2.1 (RFC 9460 §2.2, §7)
    rdataHex: '0001 037376630765 78616d706c6500 0003 0002 20fb 0004 0004 c0000201'.replace(/ /g, ''),
  },
  {
    rr: rr({
      name: 'example',
      type: 'HTTPS',
      class: 'IN',
      ttl: 300,
      data: {
        priority: 1,
        target: '.',
        params: [
          { key: 1, value: h('02683208687474702f312e31') },
          { key: 6, value: h('20010db8000000000000000000000001') },
        ],
      },
    }),
    // priority 1, target root, alpn=h2,http/1.1, ipv6hint=2001:db8::1
    rdataHex: '0001 00 0001 000c 02683208687474702f312e31 0006 0010 20010db8000000000000000000000001',
  },
  { rr: rr({ name: 'example', type: 'TYPE65280', class: 'IN', ttl: 300, data: h('deadbeef') }), rdataHex: 'deadbeef' },
  // An empty RFC 3597 RDATA (RFC 3597 §5 "\# 0").
  { rr: rr({ name: 'example', type: 'TYPE65281', class: 'IN', ttl: 300, data: Buffer.alloc(0) }), rdataHex: '' },
];

export function hex(s: string): Buffer {
  return h(s);
}

/** A response carrying every test record, with EDNS and a cookie, for whole-message tests. */
export function bigResponse(): Message {
  return {
    id: 0xbeef,
    opcode: 'QUERY',
    rcode: 'NOERROR',
    flags: { qr: true, aa: true, tc: false, rd: true, ra: false, z: false, ad: true, cd: true },
    question: [{ qname: 'www.Example', qtype: 'ANY', qclass: 'IN' }],
    answer: TYPE_CASES.map((c) => c.rr),
    authority: [TYPE_CASES[6]!.rr],
    additional: [TYPE_CASES[0]!.rr, TYPE_CASES[1]!.rr],
    edns: {
      udpPayloadSize: 1232,
      version: 0,
      do: true,
      z: 0,
      options: [
        { code: 10, data: h('0102030405060708') },
        { code: 15, data: h('0012') },
      ],
    },
  };
}

/** Small deterministic PRNG (mulberry32) in [0, 1), so fuzz and generated cases are reproducible without the lab. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
