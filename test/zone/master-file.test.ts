// Unit tests for the master-file reader (RFC 1035 §5, RFC 2308 §4, RFC 3597):
// every directive, owner/TTL/class rules, the lexer, and error messages that
// name file, line and column.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZoneFile, parseMasterFile, parseZoneText, ZoneSyntaxError } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import type { RR, SoaData } from '../../dns/types.ts';

type TxtData = Buffer[];

const lines = (rrs: readonly RR[]): string[] => rrs.map(formatRecord);

function syntaxError(fn: () => unknown): ZoneSyntaxError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ZoneSyntaxError, `expected ZoneSyntaxError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ZoneSyntaxError, nothing was thrown');
}

describe('directives', () => {
  test('$ORIGIN: absolute, then relative to the current origin; @ follows it', () => {
    const rrs = parseMasterFile('$TTL 60\n$ORIGIN example.jp.\n@ A 192.0.2.1\n$ORIGIN sub\n@ A 192.0.2.2\nwww A 192.0.2.3\n');
    assert.deepEqual(lines(rrs), ['example.jp.\t60\tIN\tA\t192.0.2.1', 'sub.example.jp.\t60\tIN\tA\t192.0.2.2', 'www.sub.example.jp.\t60\tIN\tA\t192.0.2.3']);
  });

  test('$TTL with BIND units applies to later records without a TTL only', () => {
    const rrs = parseMasterFile('$TTL 1h30m\na A 192.0.2.1\nb 10 A 192.0.2.2\n$TTL 1w2d\nc A 192.0.2.3\nd A 192.0.2.4\n$TTL 2D\ne A 192.0.2.5\n', {
      origin: 'x',
    });
    assert.deepEqual(
      rrs.map((r) => r.ttl),
      [5400, 10, 604800 + 2 * 86400, 604800 + 2 * 86400, 172800],
    );
  });

  test('without $TTL: SOA takes its MINIMUM and later records inherit it (BIND semantics); explicit TTLs stay', () => {
    const rrs = parseMasterFile('@ SOA ns h 1 2 3 4 900\nwww 7200 A 192.0.2.1\nweb A 192.0.2.2\n', { origin: 'old.example' });
    assert.deepEqual(
      rrs.map((r) => r.ttl),
      [900, 7200, 900],
    );
  });

  test('no TTL anywhere is an error naming the record', () => {
    const e = syntaxError(() => parseMasterFile('www A 192.0.2.1\n', { origin: 'example.jp', fileName: 'z.zone' }));
    assert.equal(e.file, 'z.zone');
    assert.equal(e.line, 1);
    assert.match(e.message, /no TTL .* \$TTL/);
  });

  test('$INCLUDE with and without origin; parent origin restored afterwards; paths relative to the including file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-inc-'));
    try {
      mkdirSync(join(dir, 'zones/parts'), { recursive: true });
      writeFileSync(
        join(dir, 'zones/main.zone'),
        '$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n$INCLUDE parts/a.inc\n$INCLUDE parts/b.inc lab.example.jp.\nafter A 192.0.2.9\n',
      );
      writeFileSync(join(dir, 'zones/parts/a.inc'), 'host1 A 192.0.2.11\n$INCLUDE nested.inc\n');
      writeFileSync(join(dir, 'zones/parts/nested.inc'), 'nested A 192.0.2.12\n');
      writeFileSync(join(dir, 'zones/parts/b.inc'), '@ TXT "lab"\npc A 192.0.2.13\n');
      const zone = loadZoneFile(join(dir, 'zones/main.zone'), 'example.jp');
      const names = [...zone.records()].map((r) => `${r.name} ${r.type}`);
      for (const want of ['host1.example.jp A', 'nested.example.jp A', 'lab.example.jp TXT', 'pc.lab.example.jp A', 'after.example.jp A']) {
        assert.ok(names.includes(want), `missing ${want} in ${names.join(', ')}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('$INCLUDE loop is detected and reported with the chain', () => {
    const files: Record<string, string> = { '/z/a.zone': '$INCLUDE b.inc\n', '/z/b.inc': '$INCLUDE a.zone\n' };
    const e = syntaxError(() =>
      parseMasterFile(files['/z/a.zone']!, {
        origin: 'example.jp',
        fileName: '/z/a.zone',
        readInclude: (p) => files[p] ?? assert.fail(`unexpected include ${p}`),
      }),
    );
    assert.match(e.message, /\$INCLUDE loop: \/z\/a\.zone -> \/z\/b\.inc -> \/z\/a\.zone/);
    assert.equal(e.file, '/z/b.inc');
    assert.equal(e.line, 1);
  });

  test('$INCLUDE without a reader, unreadable include, and unknown directives are errors', () => {
    assert.match(syntaxError(() => parseMasterFile('$INCLUDE x\n', { origin: 'a' })).message, /no include reader/);
    const e = syntaxError(() =>
      parseMasterFile('\n$INCLUDE missing.inc\n', {
        origin: 'a',
        fileName: '/z/a.zone',
        readInclude: () => {
          throw new Error('ENOENT');
        },
      }),
    );
    assert.equal(e.line, 2);
    assert.match(e.message, /cannot read \$INCLUDE file 'missing.inc'/);
    assert.match(syntaxError(() => parseMasterFile('$FOO bar\n', { origin: 'a' })).message, /unknown directive '\$FOO': expected \$ORIGIN, \$TTL or \$INCLUDE/);
    assert.match(syntaxError(() => parseMasterFile('$TTL soon\n', { origin: 'a' })).message, /expected a TTL after \$TTL/);
    assert.match(syntaxError(() => parseMasterFile('$ORIGIN\n', { origin: 'a' })).message, /\$ORIGIN takes exactly one/);
  });
});

describe('$GENERATE (BIND extension)', () => {
  test('iterator, step and ${offset,width,base} modifiers', () => {
    const rrs = parseMasterFile('$TTL 1\n$GENERATE 8-24/8 h${-8,3,x} 60 IN A 192.0.2.$\n$GENERATE 10-11 ${0,0,o}.r PTR \\$dollar$\n', { origin: 'example.jp' });
    assert.deepEqual(lines(rrs), [
      'h000.example.jp.\t60\tIN\tA\t192.0.2.8',
      'h008.example.jp.\t60\tIN\tA\t192.0.2.16',
      'h010.example.jp.\t60\tIN\tA\t192.0.2.24',
      '12.r.example.jp.\t1\tIN\tPTR\t\\$dollar10.example.jp.',
      '13.r.example.jp.\t1\tIN\tPTR\t\\$dollar11.example.jp.',
    ]);
  });

  test('the RDATA token is substituted, then read again (as BIND does)', () => {
    const [rr] = parseMasterFile('$GENERATE 7-7 t 1 TXT "a$ b"\n', { origin: 'x' });
    assert.deepEqual(rr!.data, [Buffer.from('a7'), Buffer.from('b')]);
  });

  test('errors: bad range, backwards, too many, bad modifier, RDATA errors point at the directive line', () => {
    const opts = { origin: 'x', defaultTtl: 1, fileName: 'g.zone' };
    assert.match(syntaxError(() => parseMasterFile('$GENERATE 1to3 h$ A 192.0.2.$\n', opts)).message, /expected a range like 1-100/);
    assert.match(syntaxError(() => parseMasterFile('$GENERATE 3-1 h$ A 192.0.2.$\n', opts)).message, /runs backwards/);
    assert.match(syntaxError(() => parseMasterFile('$GENERATE 0-70000 h$ A 192.0.2.1\n', opts)).message, /more than 65536 records/);
    assert.match(syntaxError(() => parseMasterFile('$GENERATE 1-2 h${1,2,n} A 192.0.2.1\n', opts)).message, /bad \$GENERATE modifier/);
    assert.match(syntaxError(() => parseMasterFile('$GENERATE 1-2 h$ A 192.0.2.1 x\n', opts)).message, /single RDATA token/);
    const e = syntaxError(() => parseMasterFile('\n$GENERATE 250-260 h$ A 192.0.2.$\n', opts));
    assert.equal(e.line, 2);
    assert.match(e.message, /expected an IPv4 address, found '192\.0\.2\.256'/);
  });
});

describe('owners, TTL and class', () => {
  test('@, relative names, absolute names, blank owner = previous owner', () => {
    const rrs = parseMasterFile('$TTL 1\n@ A 192.0.2.1\n  AAAA ::1\nwww A 192.0.2.2\n\tTXT "x"\nabs.example.net. A 192.0.2.3\n', { origin: 'example.jp' });
    assert.deepEqual(
      rrs.map((r) => `${r.name}/${r.type}`),
      ['example.jp/A', 'example.jp/AAAA', 'www.example.jp/A', 'www.example.jp/TXT', 'abs.example.net/A'],
    );
  });

  test('blank owner on the first record is an error that says what to do', () => {
    const e = syntaxError(() => parseMasterFile('  A 192.0.2.1\n', { origin: 'example.jp', defaultTtl: 1 }));
    assert.match(e.message, /previous owner.*start the line with a name/);
  });

  test('TTL and class in either order, both optional', () => {
    const rrs = parseMasterFile('a 300 IN A 192.0.2.1\nb IN 300 A 192.0.2.2\nc IN A 192.0.2.3\nd 1m A 192.0.2.4\n', { origin: 'x', defaultTtl: 7 });
    assert.equal(parseMasterFile('c IN A 192.0.2.3\n', { origin: 'x', defaultTtl: 7 })[0]!.ttl, 7);
    assert.deepEqual(
      rrs.map((r) => `${r.ttl} ${r.class}`),
      // c: no $TTL and no SOA yet, so the last explicit TTL (RFC 1035 §5.1).
      ['300 IN', '300 IN', '300 IN', '60 IN'],
    );
  });

  test("the brief's example error: bad class/type token after the owner, with file, line and column", () => {
    const e = syntaxError(() => parseMasterFile('$TTL 300\nwww IN2 A 192.0.2.1\n', { origin: 'example.jp', fileName: 'example.jp.zone' }));
    assert.equal(e.message, "example.jp.zone:2:5: expected a TTL or class or type after owner 'www', found 'IN2'");
    assert.equal(e.file, 'example.jp.zone');
    assert.equal(e.line, 2);
    assert.equal(e.column, 5);
  });

  test('after a TTL and class only the type is still expected', () => {
    const e = syntaxError(() => parseMasterFile('www 300 IN FOO x\n', { origin: 'example.jp' }));
    assert.match(e.message, /:1:12: expected type after owner 'www', found 'FOO'/);
  });

  test('query-only classes ANY and NONE cannot hold data', () => {
    const e = syntaxError(() => parseMasterFile('a 1 ANY A 192.0.2.1\n', { origin: 'x' }));
    assert.equal(e.column, 5);
    assert.match(e.message, /class ANY is only meaningful in queries/);
  });

  test('a record of another class than the zone is an error', () => {
    const e = syntaxError(() => parseMasterFile('a 1 IN A 192.0.2.1\nb 1 CH TXT "x"\n', { origin: 'x' }));
    assert.match(e.message, /class CH differs from the zone's class IN/);
  });

  test('relative name without origin is an error', () => {
    const e = syntaxError(() => parseMasterFile('www 1 A 192.0.2.1\n'));
    assert.match(e.message, /relative name 'www' but no origin/);
  });

  test('bad names: empty labels, 64-octet labels, names over 255 octets', () => {
    assert.match(syntaxError(() => parseMasterFile('a..b 1 A 192.0.2.1\n', { origin: 'x' })).message, /empty label/);
    assert.match(syntaxError(() => parseMasterFile(`${'a'.repeat(64)} 1 A 192.0.2.1\n`, { origin: 'x' })).message, /64 octets, more than 63/);
    const long = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
    assert.match(syntaxError(() => parseMasterFile(`${long}. 1 A 192.0.2.1\n`)).message, /more than 255/);
  });
});

describe('lexer', () => {
  test('parentheses join lines; comments inside them; errors for unbalanced ones', () => {
    const rrs = parseMasterFile('@ 1 SOA ns h ( 1 ; serial\n 2 ; refresh\n\n 3 4\n 5 )\nnext 1 A 192.0.2.1\n', { origin: 'example.jp' });
    assert.deepEqual(rrs[0]!.data as SoaData, { mname: 'ns.example.jp', rname: 'h.example.jp', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 });
    assert.equal(rrs[1]!.name, 'next.example.jp');
    const open = syntaxError(() => parseMasterFile('a 1 TXT ( "x"\nb 1 A 192.0.2.1\n', { origin: 'x' }));
    assert.equal(open.line, 1);
    assert.equal(open.column, 9);
    assert.match(open.message, /'\(' is never closed/);
    assert.match(syntaxError(() => parseMasterFile('a 1 TXT "x" )\n', { origin: 'x' })).message, /'\)' without a matching '\('/);
  });

  test('quoted strings: blanks, ; and ( are literal, escapes \\DDD and \\X decoded', () => {
    const [rr] = parseMasterFile('t 1 TXT "a b;c(d)" "q\\"uote" "\\065\\066" \\"bare\\; ""\n', { origin: 'x' });
    assert.deepEqual(
      (rr!.data as TxtData).map((b) => b.toString('latin1')),
      ['a b;c(d)', 'q"uote', 'AB', '"bare;', ''],
    );
  });

  test('unterminated quote names its line and column', () => {
    const e = syntaxError(() => parseMasterFile('a 1 A 192.0.2.1\nt 1 TXT "oops\n', { origin: 'x', fileName: 'f' }));
    assert.equal(e.message, "f:2:9: unterminated quoted string: expected a closing '\"' on the same line");
  });

  test('bad escapes are errors, not silent octets', () => {
    assert.match(syntaxError(() => parseMasterFile('t 1 TXT "\\256"\n', { origin: 'x' })).message, /above 255/);
    assert.match(syntaxError(() => parseMasterFile('t 1 TXT "\\12"\n', { origin: 'x' })).message, /three decimal digits/);
  });

  test('CRLF line ends and a last line without newline', () => {
    const rrs = parseMasterFile('a 1 A 192.0.2.1\r\nb 1 A 192.0.2.2', { origin: 'x' });
    assert.equal(rrs.length, 2);
  });
});

describe('RFC 3597 generic forms', () => {
  test('TYPEnnn of a known type, CLASSnnn and \\# for known types equal the specific forms', () => {
    const a = parseMasterFile(
      [
        'a 1 IN A 192.0.2.2',
        'b 1 CLASS1 TYPE1 \\# 4 C0000202',
        'c 1 IN A \\# 4 C0000202',
        'd 1 MX 10 mail.example.',
        'e 1 MX \\# 16 000A 046D61696C 076578616D706C65 00',
      ].join('\n'),
      { origin: 'x' },
    );
    assert.deepEqual(a[1]!.data, a[0]!.data);
    assert.equal(a[1]!.type, 'A');
    assert.equal(a[1]!.class, 'IN');
    assert.deepEqual(a[2]!.data, a[0]!.data);
    assert.deepEqual(a[4]!.data, a[3]!.data);
  });

  test('unknown types keep raw octets; \\# 0 is empty RDATA; length mismatch and bad data are errors', () => {
    const [u, z] = parseMasterFile('u 1 TYPE65534 \\# 3 ABCDEF\nz 1 TYPE65533 \\# 0\n', { origin: 'x' });
    assert.deepEqual(u!.data, Buffer.from('abcdef', 'hex'));
    assert.deepEqual(z!.data, Buffer.alloc(0));
    assert.match(syntaxError(() => parseMasterFile('u 1 TYPE65534 \\# 4 ABCDEF\n', { origin: 'x' })).message, /says 4 octets but the hex has 3/);
    assert.match(syntaxError(() => parseMasterFile('u 1 A \\# 3 ABCDEF\n', { origin: 'x' })).message, /not valid A RDATA/);
    assert.match(
      syntaxError(() => parseMasterFile('u 1 TYPE65536 \\# 0\n', { origin: 'x' })).message,
      /expected class or type after owner 'u', found 'TYPE65536'/,
    );
  });

  test('an unknown mnemonic is an error; extra mnemonics map to TYPEnnn; LOC needs the generic form', () => {
    const e = syntaxError(() => parseMasterFile('a 1 FOO "v=spf1"\n', { origin: 'x' }));
    assert.match(e.message, /found 'FOO'/);
    assert.equal(parseMasterFile('a 1 SPF "v=spf1"\n', { origin: 'x' })[0]!.type, 'TYPE99');
    assert.match(
      syntaxError(() => parseMasterFile('a 1 LOC 52 22 N\n', { origin: 'x' })).message,
      /LOC \(type 29\) has no presentation format here: write it as TYPE29 \\# <length> <hex>/,
    );
    assert.match(
      syntaxError(() => parseMasterFile('a 1 TYPE29 52 22 N 4 22 W 10m\n', { origin: 'x' })).message,
      /no presentation format known for TYPE29; write the RDATA in RFC 3597 generic form/,
    );
  });

  test('meta types cannot appear in a zone', () => {
    assert.match(syntaxError(() => parseMasterFile('a 1 AXFR \\# 0\n', { origin: 'x' })).message, /meta-type/);
  });
});

describe('zones from text', () => {
  test("parseZoneText builds a Zone; RRset TTL is the first record's (as BIND and Knot load it)", () => {
    const zone = parseZoneText('$TTL 300\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww 300 A 192.0.2.1\nwww 600 A 192.0.2.2\n', 'example.jp');
    assert.equal(zone.get('www.example.jp', 'A')!.ttl, 300);
    assert.deepEqual(
      zone.get('www.example.jp', 'A')!.records.map((r) => r.ttl),
      [300, 300],
    );
    assert.equal(zone.soa!.serial, 1);
  });

  test('out-of-zone data is refused with its line, never dropped silently', () => {
    const e = syntaxError(() => parseZoneText('$TTL 1\n@ SOA ns h 1 2 3 4 5\nwww.example.com. A 192.0.2.1\n', 'example.jp', 'z.zone'));
    assert.equal(e.file, 'z.zone');
    assert.equal(e.line, 3);
    assert.match(e.message, /www\.example\.com\. A is outside zone example\.jp\./);
  });

  test('loadZoneFile takes the origin from the SOA when none is given, and reports unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-load-'));
    try {
      writeFileSync(join(dir, 'z'), 'example.jp. 60 SOA ns.example.jp. h.example.jp. 1 2 3 4 5\nwww.example.jp. 60 A 192.0.2.1\n');
      assert.equal(loadZoneFile(join(dir, 'z')).origin, 'example.jp');
      const e = syntaxError(() => loadZoneFile(join(dir, 'missing')));
      assert.match(e.message, /cannot read zone file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('collecting errors (options.errors), as named-checkzone reports them', () => {
  const text = [
    '$ORIGIN example.jp.',
    '$TTL 300',
    'www IN A 300.1.2.3', // 3: bad address
    '    IN AAAA 2001:db8::1', // 4: blank owner: still www
    'q IN TXT "open', // 5: lexer error confined to the line
    'ok IN A 192.0.2.1',
    'bad IN A ( 192.0.2.2', // 7: '(' never closed: the rest of the file is inside it
    'after IN A 192.0.2.3',
    '',
  ].join('\n');

  test('every error in line order; the records that parsed are returned; a blank owner after a bad record keeps that owner', () => {
    const errors: ZoneSyntaxError[] = [];
    const records = parseMasterFile(text, { fileName: 'z', errors });
    assert.deepEqual(
      errors.map((e) => `${e.line}:${e.column}`),
      ['3:10', '5:10', '7:10'],
    );
    assert.match(errors[1]!.detail, /unterminated quoted string/);
    assert.match(errors[2]!.detail, /never closed/);
    assert.deepEqual(
      records.map((r) => `${r.name} ${r.type}`),
      ['www.example.jp AAAA', 'ok.example.jp A'],
    );
  });

  test('without options.errors the first error in line order is thrown, not the first the lexer met', () => {
    assert.throws(
      () => parseMasterFile(text, { fileName: 'z' }),
      (e: unknown) => e instanceof ZoneSyntaxError && e.line === 3,
    );
  });
});
