// The zone parser and the message codec must agree on RDATA: dns/zone has no
// wire codec of its own, so for every record of every good fixture
// - dns/wire decodes the octets it encodes back to the very structure the
//   presentation parser built (same field names, same name spelling, same
//   string octets), and
// - the RFC 3597 §5 generic form `\# len hex` of those octets, read by the
//   zone parser, gives the same record as the presentation form, and so does
//   the text formatRecord prints for raw octets kept under the record's type.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RR } from '../../dns/types.ts';
import { decodeRdata, encodeRdata } from '../../dns/wire/rdata.ts';
import { loadZoneFile, parseMasterFile, ZoneSyntaxError } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';

const GOOD = resolve(import.meta.dirname, '../fixtures/zones/good');

for (const f of readdirSync(GOOD)
  .filter((x) => x.endsWith('.zone'))
  .sort()) {
  test(`${f}: text, wire and \\# forms of every record's RDATA agree`, () => {
    const origin = /^; origin: (.+)$/m.exec(readFileSync(join(GOOD, f), 'utf8'))![1]!.trim();
    const zone = loadZoneFile(join(GOOD, f), origin);
    let n = 0;
    for (const rr of zone.records()) {
      const shown = formatRecord(rr);
      const wire = encodeRdata(rr);
      assert.deepEqual(decodeRdata(rr.type, wire), rr.data, `dns/wire decodes ${shown} differently`);
      const [owner, ttl, cls, type] = shown.split('\t') as [string, string, string, string];
      const generic = `${owner} ${ttl} ${cls} ${type} \\# ${wire.length} ${wire.toString('hex')}`;
      assert.deepEqual(parseRecord(generic), rr, `${generic} is not read as ${shown}`);
      // Raw octets under the record's own type print as text (\# or the
      // type's own form) that reads back as the structured record.
      const raw = { ...rr, data: wire } as RR;
      assert.deepEqual(parseRecord(formatRecord(raw)), rr, `${formatRecord(raw)} is not read as ${shown}`);
      n++;
    }
    assert.ok(n > 5);
  });
}

test("\\# octets the wire codec rejects are a ZoneSyntaxError at the hex, with the codec's reason", () => {
  const cases: [string, RegExp][] = [
    ['u 1 MX \\# 3 000A04', /not valid MX RDATA: MX exchange: label of 4 octets runs past the end of its RDATA/],
    ['u 1 A \\# 5 C000020100', /not valid A RDATA: A RDATA must be exactly 4 octets/],
    ['u 1 NSEC \\# 5 00 00 02 4000', /not valid NSEC RDATA: type bitmap has a trailing zero octet/],
    ['u 1 TXT \\# 2 0561', /not valid TXT RDATA: TXT character-string runs past the end of its RDATA/],
  ];
  for (const [line, reason] of cases) {
    let err: unknown;
    try {
      parseMasterFile(`x 1 A 192.0.2.1\n${line}\n`, { origin: 'example.jp', fileName: 'bad.zone' });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ZoneSyntaxError, `${line}: expected a ZoneSyntaxError, got ${String(err)}`);
    assert.equal(err.file, 'bad.zone');
    assert.equal(err.line, 2);
    // Column of the first hex field (owner ttl type \# len HEX...).
    assert.equal(err.column, line.split(' ').slice(0, 5).join(' ').length + 2, line);
    assert.match(err.message, reason);
  }
});
