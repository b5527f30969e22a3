// RDATA presentation format: for every type we model, parse(format(x)) == x,
// the RFC 3597 `\# len hex` form of the same octets parses to the same data,
// and the printed text looks like dig/BIND output.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RRTypeName, SvcbData } from '../../dns/types.ts';
import { ZoneSyntaxError, parseMasterFile } from '../../dns/zone/master-file.ts';
import { formatRdata, formatRecord } from '../../dns/zone/rdata-format.ts';
import { parseRdata, parseRecord } from '../../dns/zone/rdata-text.ts';
import { decodeRdata, encodeRdata } from '../../dns/wire/rdata.ts';
import { RdataSyntaxError } from '../../dns/zone/errors.ts';

const o = 'example.jp';

/** One presentation line per type (relative names resolve against example.jp). */
const SAMPLES: Record<string, string> = {
  A: 'www 300 IN A 192.0.2.1',
  AAAA: 'www 300 IN AAAA 2001:db8::1',
  NS: '@ 3600 IN NS ns1',
  CNAME: 'alias 300 IN CNAME www.example.net.',
  DNAME: 'old 300 IN DNAME new.example.',
  PTR: '1 300 IN PTR host',
  SOA: '@ 3600 IN SOA ns1 hostmaster 2026112301 7200 3600 1209600 300',
  MX: '@ 300 IN MX 10 mail',
  TXT: 'txt 300 IN TXT "hello world" "quote\\"d" "\\000\\255" ""',
  SRV: '_sip._udp 300 IN SRV 10 60 5060 sip',
  NAPTR: 'n 300 IN NAPTR 100 10 "S" "SIP+D2U" "!^.*$!sip:x@example.jp!" _sip._udp',
  HINFO: 'h 300 IN HINFO "PC" "Linux 6"',
  CAA: 'caa 300 IN CAA 128 tbs "a;b\\"c"',
  DS: 'sub 300 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118',
  CDS: 'sub 300 IN CDS 0 0 0 00',
  DNSKEY: '@ 300 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
  CDNSKEY: '@ 300 IN CDNSKEY 0 3 0 AA==',
  RRSIG:
    'www 300 IN RRSIG A 13 3 300 20261223094555 20261123094555 32350 example.jp. mU8d2z92TP6P75tI61yKVVbDd2MXnZkJwuGN3AHJmP59COrHxyKM6xzTjXb93dJ1E1epuAzAjZ+2yq636AwyHg==',
  NSEC: 'www 300 IN NSEC zz.example.jp. A NS SOA MX RRSIG NSEC DNSKEY TYPE1234 TYPE65534',
  NSEC3: '3uh40gac72vhfnlmpih9s058i8eemj6m 300 IN NSEC3 1 1 10 AABBCCDD B28L52288HIU3A1O3KGCKRMCD173USM4 A RRSIG',
  NSEC3PARAM: '@ 0 IN NSEC3PARAM 1 0 0 -',
  TLSA: '_443._tcp.www 300 IN TLSA 3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF',
  SSHFP: 'www 300 IN SSHFP 4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF',
  URI: '_http._tcp 300 IN URI 10 1 "https://www.example.jp/a b"',
  SVCB: 'svc 300 IN SVCB 1 . mandatory=alpn,port alpn="h2,h3\\\\,x" no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AAAA ipv6hint=2001:db8::1,::ffff:192.0.2.3 key7="/dns-query{?dns}" key65000="opaque \\"v\\"" key65001',
  HTTPS: '@ 300 IN HTTPS 0 cdn.example.net.',
  ZONEMD: '@ 300 IN ZONEMD 2026112301 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF',
  TYPE65534: 'gen 300 IN TYPE65534 \\# 4 0A000001',
  // Types without a structured shape, read by mnemonic into TYPEnnn + wire RDATA.
  TYPE99: 'spf 300 IN SPF "v=spf1 -all" "x"',
  TYPE17: 'rp 300 IN RP admin txt',
  TYPE18: 'afsdb 300 IN AFSDB 1 afs',
  TYPE36: 'kx 300 IN KX 10 kx',
  TYPE49: 'dhcid 300 IN DHCID AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=',
  TYPE53: 'smimea 300 IN SMIMEA 3 1 1 ABCDEF',
  TYPE61: 'pgp 300 IN OPENPGPKEY AQID',
  TYPE62: 'csync 300 IN CSYNC 66 3 A NS AAAA SPF',
  TYPE108: 'eui48 300 IN EUI48 00-00-5e-00-53-2a',
  TYPE109: 'eui64 300 IN EUI64 00-00-5e-ef-10-00-00-2a',
};

describe('every type round-trips', () => {
  for (const [type, line] of Object.entries(SAMPLES)) {
    test(type, () => {
      const rr = parseRecord(line, o);
      assert.equal(rr.type, type as RRTypeName);
      const text = formatRecord(rr);
      // parse(format(x)) == x
      assert.deepEqual(parseRecord(text), rr);
      // Wire octets back to the same structure, and the \# form parses to it too.
      const wire = encodeRdata(rr);
      assert.deepEqual(decodeRdata(rr.type, wire), rr.data);
      const generic = `${text.split('\t')[0]} ${rr.ttl} IN ${rr.type} \\# ${wire.length} ${wire.toString('hex')}`;
      assert.deepEqual(parseRecord(generic), rr);
      // And a second format is byte-identical (formatting is stable).
      assert.equal(formatRecord(parseRecord(text)), text);
    });
  }
});

describe('presentation looks like dig/BIND', () => {
  const cases: [string, string][] = [
    ['www 300 IN A 192.0.2.1', 'www.example.jp.\t300\tIN\tA\t192.0.2.1'],
    ['www 300 AAAA 2001:DB8:0:0:0:0:0:1', 'www.example.jp.\t300\tIN\tAAAA\t2001:db8::1'],
    ['www 300 AAAA 2001:db8:0:1:0:0:0:1', 'www.example.jp.\t300\tIN\tAAAA\t2001:db8:0:1::1'],
    ['@ 1h MX 10 mail', 'example.jp.\t3600\tIN\tMX\t10 mail.example.jp.'],
    ['t 1 TXT a\\;b "\\"q\\"" "\\255\\001"', 't.example.jp.\t1\tIN\tTXT\t"a;b" "\\"q\\"" "\\255\\001"'],
    ['d 1 DS 1 RSASHA256 99 ab cd', 'd.example.jp.\t1\tIN\tDS\t1 8 99 ABCD'],
    [
      's 1 RRSIG A 13 3 300 1798027200 1795348800 1 example.jp. AA==',
      's.example.jp.\t1\tIN\tRRSIG\tA 13 3 300 20261223120000 20261122120000 1 example.jp. AA==',
    ],
    ['n 1 NSEC next TYPE1 TYPE2 MX TXT', 'n.example.jp.\t1\tIN\tNSEC\tnext.example.jp. A NS MX TXT'],
    ['esc\\.dot 1 A 192.0.2.1', 'esc\\.dot.example.jp.\t1\tIN\tA\t192.0.2.1'],
    ['\\065bc 1 A 192.0.2.1', 'Abc.example.jp.\t1\tIN\tA\t192.0.2.1'],
    ['sp\\032ace 1 A 192.0.2.1', 'sp\\032ace.example.jp.\t1\tIN\tA\t192.0.2.1'],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(formatRecord(parseRecord(input, o)), want));

  test('RRSIG times: YYYYMMDDHHmmSS and seconds since 1970 give the same value', () => {
    const a = parseRecord('s 1 RRSIG A 13 3 300 20261223120000 20261122120000 1 example.jp. AA==', o);
    const b = parseRecord('s 1 RRSIG A 13 3 300 1798027200 1795348800 1 example.jp. AA==', o);
    assert.deepEqual(a, b);
    assert.throws(() => parseRecord('s 1 RRSIG A 13 3 300 20261332120000 20261122120000 1 example.jp. AA==', o), /not a valid YYYYMMDDHHmmSS/);
  });

  test('NSEC3: salt "-" is empty, next hashed owner is base32hex', () => {
    const rr = parseRecord('h 1 NSEC3 1 0 0 - 00000000000000000000000000000000 A', o);
    const d = rr.data as { salt: Buffer; nextHashedOwner: Buffer };
    assert.equal(d.salt.length, 0);
    assert.deepEqual(d.nextHashedOwner, Buffer.alloc(20));
    assert.match(formatRdata(rr), /^1 0 0 - 0{32} A$/);
    assert.throws(() => parseRecord('h 1 NSEC3 1 0 0 - WXYZ A', o), /base32hex/);
  });
});

describe('SVCB/HTTPS SvcParams (RFC 9460)', () => {
  test('params are sorted by key and values decoded', () => {
    const rr = parseRecord('s 1 HTTPS 1 . port=443 alpn=h3,h2 ipv4hint=192.0.2.1', o);
    const d = rr.data as SvcbData;
    assert.deepEqual(
      d.params.map((p) => p.key),
      [1, 3, 4],
    );
    assert.deepEqual(d.params[0]!.value, Buffer.from([2, 0x68, 0x33, 2, 0x68, 0x32]));
    assert.equal(formatRdata(rr), '1 . alpn="h3,h2" port=443 ipv4hint=192.0.2.1');
  });
  const bad: [string, RegExp][] = [
    ['1 . port=1 port=2', /appears twice/],
    ['1 . mandatory=port', /mandatory lists 'port' but that SvcParam is missing/],
    ['1 . mandatory=mandatory', /must not list 'mandatory'/],
    ['1 . frobnicate=1', /unknown SvcParamKey 'frobnicate'/],
    ['1 . port=99999', /port: expected 0..65535/],
    ['1 . ipv4hint=2001:db8::1', /ipv4hint: '2001:db8::1' is not an IPv4 address/],
    ['1 . no-default-alpn=x', /no-default-alpn takes no value/],
    ['1 . alpn', /needs a value/],
    ['0 . alpn=h2', /AliasMode/],
    ['1 . ech=!!', /base64/],
  ];
  for (const [rdata, re] of bad) test(`rejects ${rdata}`, () => assert.throws(() => parseRecord(`s 1 SVCB ${rdata}`, o), re));
});

describe('contract helpers', () => {
  test('parseRdata takes presentation fields relative to the origin', () => {
    assert.deepEqual(parseRdata('MX', ['10', 'mail'], 'example.jp'), { preference: 10, exchange: 'mail.example.jp' });
    assert.deepEqual(parseRdata('TXT', ['a b', 'c'], 'example.jp'), [Buffer.from('a b'), Buffer.from('c')]);
    assert.throws(
      () => parseRdata('A', ['192.0.2'], 'example.jp'),
      (e: unknown) => e instanceof RdataSyntaxError && /A RDATA: expected an IPv4 address, found '192.0.2'/.test(e.message),
    );
  });

  test('parseRecord defaults (TTL 3600, IN) and errors with a column', () => {
    const rr = parseRecord('www.example.jp. A 192.0.2.1');
    assert.equal(rr.ttl, 3600);
    assert.equal(rr.class, 'IN');
    assert.throws(
      () => parseRecord('www.example.jp. 300 IN MX ten mail'),
      (e: unknown) => e instanceof ZoneSyntaxError && e.column === 27 && /expected the preference/.test(e.message),
    );
  });

  test('trailing garbage after the RDATA is an error, never ignored', () => {
    assert.throws(() => parseRecord('www.example.jp. 1 A 192.0.2.1 extra'), /unexpected 'extra' after the end of the RDATA/);
    assert.throws(() => parseRecord('www.example.jp. 1 NS a. b.'), /unexpected 'b\.'/);
  });

  test('strict binary fields: digest sizes fixed by the algorithm, canonical base64', () => {
    assert.throws(() => parseRecord('d.example.jp. 1 DS 1 8 2 ABCD'), /digest type 2 needs a 32-octet digest, found 2 octets/);
    assert.throws(() => parseRecord('d.example.jp. 1 SSHFP 1 1 ABCD'), /fingerprint type 1 needs a 20-octet digest/);
    assert.throws(() => parseRecord('d.example.jp. 1 DNSKEY 256 3 8 AwEAAc=='), /not canonical base64/);
    assert.deepEqual((parseRecord('d.example.jp. 1 DNSKEY 256 3 8 AwEAAQ==').data as { key: Buffer }).key, Buffer.from([3, 1, 0, 1]));
  });

  test('keyNNNNN= is the raw wire value even for a named key (as BIND reads it)', () => {
    const a = parseRecord('s.example.jp. 1 SVCB 1 . key0=\\000\\001 key1=\\002h2 key3=\\000\\053');
    assert.equal(formatRdata(a), '1 . mandatory=alpn alpn="h2" port=53');
    assert.deepEqual(a, parseRecord('s.example.jp. 1 SVCB 1 . mandatory=alpn alpn=h2 port=53'));
  });

  test('character-strings over 255 octets are refused', () => {
    assert.throws(() => parseRecord(`t.example.jp. 1 TXT "${'x'.repeat(256)}"`), /256 octets; a character-string holds at most 255/);
    assert.equal((parseRecord(`t.example.jp. 1 TXT "${'x'.repeat(255)}"`).data as Buffer[])[0]!.length, 255);
  });
});

describe('robustness: mutated zone files only ever raise ZoneSyntaxError', () => {
  test('2000 seeded mutations of the features fixture', () => {
    const base = readFileSync(resolve(import.meta.dirname, '../fixtures/zones/good/features.zone'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('$INCLUDE'))
      .join('\n');
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = ' \t\n()";\\$@.#0123456789abcdefABCDEF:=,-';
    let errors = 0;
    for (let i = 0; i < 2000; i++) {
      const chars = base.split('');
      for (let k = 0; k < 3; k++) {
        const pos = rnd(chars.length);
        const op = rnd(3);
        if (op === 0) chars.splice(pos, 1);
        else if (op === 1) chars.splice(pos, 0, alphabet[rnd(alphabet.length)]!);
        else chars[pos] = alphabet[rnd(alphabet.length)]!;
      }
      try {
        parseMasterFile(chars.join(''), { origin: 'example.jp', fileName: 'm.zone' });
      } catch (e) {
        if (!(e instanceof ZoneSyntaxError)) throw new Error(`mutation ${i} raised ${String(e)}`);
        assert.ok(e.line >= 1 && e.column >= 1, `mutation ${i}: no position in ${e.message}`);
        errors++;
      }
    }
    // The mutations must actually hit errors, or this test proves nothing.
    assert.ok(errors > 200, `only ${errors} of 2000 mutations were rejected`);
  });

  test('1000 seeded random lines of arbitrary characters (controls, NUL, non-Latin-1)', () => {
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const words = [
      '@',
      'www',
      '300',
      'IN',
      'CH',
      'A',
      'AAAA',
      'TXT',
      'MX',
      'SVCB',
      'RRSIG',
      'NSEC3',
      '\\#',
      '(',
      ')',
      '"',
      ';',
      '$ORIGIN',
      '$TTL',
      '\\',
      '\u0000',
      '\u00ff',
      '例え',
      '\t',
      '\n',
      '.',
      '..',
      '1h',
      'key65535=',
      'alpn="',
      '-',
      '0',
      '65536',
    ];
    let parsed = 0;
    for (let i = 0; i < 1000; i++) {
      const line = Array.from({ length: 1 + rnd(8) }, () => (rnd(4) === 0 ? String.fromCharCode(rnd(0x3000)) : words[rnd(words.length)]!)).join(
        rnd(2) ? ' ' : '',
      );
      try {
        parseMasterFile(line, { origin: 'example.jp', defaultTtl: 1 });
        parsed++;
      } catch (e) {
        if (!(e instanceof ZoneSyntaxError)) throw new Error(`line ${JSON.stringify(line)} raised ${String(e)}`);
      }
    }
    assert.ok(parsed < 1000, 'random lines cannot all be valid');
  });
});
