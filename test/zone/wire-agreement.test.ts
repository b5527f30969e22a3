// Two independent codecs must agree: for every record of every good fixture,
// dns/zone's RDATA octets (used for RFC 3597 `\#`) equal dns/wire's encoding,
// and dns/wire decodes those octets back to the structure our text parser built.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeRdata, encodeRdata } from '../../dns/wire/rdata.ts';
import { loadZoneFile } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-text.ts';
import { encodeRdataWire } from '../../dns/zone/rdata-wire.ts';

const GOOD = resolve(import.meta.dirname, '../fixtures/zones/good');

for (const f of readdirSync(GOOD).filter((x) => x.endsWith('.zone')).sort()) {
  test(`${f}: dns/zone and dns/wire agree on every record's RDATA`, () => {
    const origin = /^; origin: (.+)$/m.exec(readFileSync(join(GOOD, f), 'utf8'))![1]!.trim();
    const zone = loadZoneFile(join(GOOD, f), origin);
    let n = 0;
    for (const rr of zone.records()) {
      const ours = encodeRdataWire(rr);
      const theirs = encodeRdata(rr);
      assert.equal(ours.toString('hex'), theirs.toString('hex'), `encoding differs for ${formatRecord(rr)}`);
      assert.deepEqual(decodeRdata(rr.type, ours), rr.data, `dns/wire decodes ${formatRecord(rr)} differently`);
      n++;
    }
    assert.ok(n > 5);
  });
}
