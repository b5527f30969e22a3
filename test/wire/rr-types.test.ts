// dns/rr-types.ts is the one list of RR types: the codec, the zone reader and
// printer and RRType all answer from it.

import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RR_TYPES } from '../../dns/rr-types.ts';
import { RRType } from '../../dns/types.ts';
import { COMPRESSIBLE_RDATA_TYPES, isStructured } from '../../dns/wire/rdata.ts';
import { typeFromNumber, typeToNumber } from '../../dns/wire/types-map.ts';
import { META_TYPES, typeFromText, typeMnemonic } from '../../dns/zone/text-util.ts';

test('every row round-trips through the codec and the zone reader/printer', () => {
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const row of RR_TYPES) {
    assert.ok(!names.has(row.name) && !numbers.has(row.number), `${row.name} ${row.number} appears once`);
    names.add(row.name);
    numbers.add(row.number);
    const textOnly = 'textOnly' in row;
    // Modeled types are RRType keys with their mnemonic; textOnly ones are TYPEnnn that print by mnemonic.
    assert.equal((RRType as Record<string, number>)[row.name], textOnly ? undefined : row.number, row.name);
    assert.equal(typeFromNumber(row.number), textOnly ? `TYPE${row.number}` : row.name);
    assert.equal(typeFromText(row.name.toLowerCase()), typeFromNumber(row.number));
    assert.equal(typeToNumber(typeFromNumber(row.number)), row.number);
    assert.equal(typeMnemonic(typeFromNumber(row.number)), row.name);
    assert.equal(isStructured(typeFromNumber(row.number)), 'structured' in row, `${row.name} structured`);
  }
});

test('the flags reach the codec and the zone reader', () => {
  assert.deepEqual([...COMPRESSIBLE_RDATA_TYPES].sort(), ['CNAME', 'MX', 'NS', 'PTR', 'SOA']);
  assert.deepEqual([...META_TYPES].sort(), ['ANY', 'AXFR', 'IXFR', 'OPT']);
  // Every type of RDataMap (dns/types.ts) decodes into its structure, and nothing else does.
  const modeled = [
    'A',
    'AAAA',
    'NS',
    'CNAME',
    'DNAME',
    'PTR',
    'SOA',
    'MX',
    'TXT',
    'SRV',
    'NAPTR',
    'HINFO',
    'CAA',
    'DS',
    'CDS',
    'DNSKEY',
    'CDNSKEY',
    'RRSIG',
    'NSEC',
    'NSEC3',
    'NSEC3PARAM',
    'TLSA',
    'SSHFP',
    'URI',
    'SVCB',
    'HTTPS',
  ];
  assert.deepEqual(
    RR_TYPES.filter((r) => isStructured(typeFromNumber(r.number)))
      .map((r) => r.name)
      .sort(),
    modeled.sort(),
  );
  assert.equal(typeFromText('TYPE17'), 'TYPE17');
  assert.equal(typeFromText('TYPE46'), 'RRSIG');
});
