// Zone checks: each rule, including what must NOT be flagged (RRSIG/NSEC
// beside a CNAME, RRSIG TTLs per covered type, glue under a delegation).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRecords, checkZone } from '../../dns/zone/check.ts';
import { parseMasterFile, parseZoneText } from '../../dns/zone/master-file.ts';
import { Zone } from '../../dns/zone/zone.ts';

const HEAD = '$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n';

function codes(body: string, head = HEAD): string[] {
  return checkZone(parseZoneText(head + body, 'example.jp', 'z.zone')).map((p) => `${p.severity}:${p.code}`);
}

describe('checkZone', () => {
  test('a minimal correct zone has no problems', () => {
    assert.deepEqual(codes(''), []);
  });

  test('RRSIG and NSEC may sit beside a CNAME (RFC 4035 §2.5); anything else may not', () => {
    assert.deepEqual(
      codes('a CNAME ns1\na RRSIG CNAME 13 3 300 20261223120000 20261122120000 1 example.jp. AA==\na NSEC ns1.example.jp. CNAME RRSIG NSEC\n'),
      [],
    );
    assert.deepEqual(codes('a CNAME ns1\na TXT "x"\n'), ['error:CNAME_AND_OTHER_DATA']);
    assert.deepEqual(codes('a CNAME ns1\na CNAME ns2\n'), ['error:MULTIPLE_CNAME']);
  });

  test('a CNAME at the apex conflicts with SOA and NS', () => {
    assert.deepEqual(codes('@ CNAME other.example.\n'), ['error:CNAME_AND_OTHER_DATA']);
  });

  test('RRSIGs covering different types may have different TTLs; one covered type with two TTLs is flagged', () => {
    const sig = (t: string, ttl: number, tag: number): string => `ns1 ${ttl} RRSIG ${t} 13 3 ${ttl} 20261223120000 20261122120000 ${tag} example.jp. AA==\n`;
    assert.deepEqual(codes(sig('A', 300, 1) + sig('AAAA', 600, 1)), []);
    assert.deepEqual(codes(sig('A', 300, 1) + sig('A', 600, 2)), ['warning:TTL_MISMATCH']);
  });

  test('TTL mismatch message names both lines', () => {
    const p = checkZone(parseZoneText(HEAD + 'w 300 A 192.0.2.1\nw 600 A 192.0.2.2\n', 'example.jp', 'z.zone'));
    assert.equal(p.length, 1);
    assert.match(p[0]!.message, /TTL 600 \(z\.zone:6\) differs from 300 \(z\.zone:5\)/);
  });

  test('DNAME: no descendants (RFC 6672 §2.4), a single record', () => {
    assert.deepEqual(codes('d DNAME t.example.\n'), []);
    assert.deepEqual(codes('d DNAME t.example.\nx.y.d A 192.0.2.9\n'), ['error:DNAME_WITH_DESCENDANTS']);
  });

  test('glue: required for in-bailiwick NS of a delegation and of the apex, not for out-of-zone NS', () => {
    assert.deepEqual(codes('sub NS ns.example.net.\n'), []);
    assert.deepEqual(codes('sub NS ns.sub\nns.sub A 192.0.2.53\n'), []);
    assert.deepEqual(codes('sub NS ns.sub\n'), ['error:MISSING_GLUE']);
    // A sibling name inside the zone (not under the cut) needs an address too.
    assert.deepEqual(codes('sub NS ns.other\n'), ['error:MISSING_GLUE']);
    assert.deepEqual(codes('', '$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\n'), ['error:MISSING_GLUE']);
  });

  test('occluded data below a delegation is reported; glue is not', () => {
    assert.deepEqual(codes('sub NS ns.sub\nns.sub A 192.0.2.53\nwww.sub TXT "hidden"\n'), ['warning:OCCLUDED_DATA']);
  });

  test('NS/MX/SRV pointing at a CNAME are warnings (RFC 2181 §10.3)', () => {
    assert.deepEqual(codes('@ MX 10 m\nm CNAME ns1\n'), ['warning:MX_TARGET_IS_CNAME']);
    assert.deepEqual(codes('_x._tcp SRV 0 0 1 s\ns CNAME ns1\n'), ['warning:SRV_TARGET_IS_CNAME']);
    assert.deepEqual(codes('sub NS n\nn CNAME ns1\n'), ['warning:NS_TARGET_IS_CNAME']);
  });

  test('SOA and NS at the apex', () => {
    assert.deepEqual(codes('', '$TTL 1\n@ NS ns.example.net.\n'), ['error:NO_SOA']);
    assert.deepEqual(codes('', '$TTL 1\n@ SOA ns.example.net. h 1 2 3 4 5\n'), ['error:NO_APEX_NS']);
    assert.deepEqual(codes('@ SOA ns1 h 2 2 3 4 5\n'), ['error:MULTIPLE_SOA']);
    assert.deepEqual(codes('x SOA ns1 h 2 2 3 4 5\n'), ['error:SOA_NOT_AT_APEX']);
  });

  test('DS only at a delegation', () => {
    assert.deepEqual(codes('sub NS ns.example.net.\nsub DS 1 13 99 AABB\n'), []);
    assert.deepEqual(codes('x DS 1 13 99 AABB\n'), ['warning:DS_NOT_AT_DELEGATION']);
    assert.deepEqual(codes('@ DS 1 13 99 AABB\n'), ['error:DS_AT_APEX']);
  });

  test('checkRecords sees out-of-zone data a Zone cannot hold', () => {
    const records = parseMasterFile(HEAD + 'www.example.com. A 192.0.2.1\n', { origin: 'example.jp', fileName: 'z.zone' });
    const p = checkRecords('example.jp', records);
    assert.deepEqual(
      p.map((x) => x.code),
      ['OUT_OF_ZONE'],
    );
    assert.match(p[0]!.message, /www\.example\.com\. A \(z\.zone:5\) is outside zone example\.jp\./);
  });

  test('a Zone built in code (no file) is checked from its records', () => {
    const z = new Zone('example.jp');
    z.add({ name: 'example.jp', type: 'NS', class: 'IN', ttl: 1, data: 'ns.example.net' });
    assert.deepEqual(
      checkZone(z).map((p) => p.code),
      ['NO_SOA'],
    );
  });
});

describe('Zone', () => {
  test('RRSIGs keep their own TTL per covered type; other RRsets take the latest TTL', () => {
    const z = new Zone('example.jp');
    const sig = (covered: 'A' | 'NS', ttl: number) => ({
      name: 'example.jp',
      type: 'RRSIG' as const,
      class: 'IN' as const,
      ttl,
      data: {
        typeCovered: covered,
        algorithm: 13,
        labels: 2,
        originalTTL: ttl,
        expiration: 2,
        inception: 1,
        keyTag: 1,
        signersName: 'example.jp',
        signature: Buffer.from([1]),
      },
    });
    z.add(sig('A', 300));
    z.add(sig('NS', 3600));
    assert.deepEqual(
      z.get('example.jp', 'RRSIG')!.records.map((r) => r.ttl),
      [300, 3600],
    );
    // A later signature over A resets the TTL of the A signatures only (like any RRset).
    z.add({ ...sig('A', 60), data: { ...sig('A', 60).data, keyTag: 2 } });
    assert.deepEqual(
      z.get('example.jp', 'RRSIG')!.records.map((r) => r.ttl),
      [60, 3600, 60],
    );
    z.add({ name: 'example.jp', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.1' });
    z.add({ name: 'example.jp', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.2' });
    assert.deepEqual(
      z.get('example.jp', 'A')!.records.map((r) => r.ttl),
      [60, 60],
    );
  });

  test('duplicates are dropped case-insensitively for names in RDATA', () => {
    const z = parseZoneText(HEAD + 'a NS NS.EXAMPLE.NET.\na NS ns.example.net.\n', 'example.jp');
    assert.equal(z.get('a.example.jp', 'NS')!.records.length, 1);
  });

  test('closest encloser, empty non-terminals and delegation lookup', () => {
    const z = parseZoneText(HEAD + 'a.b.c A 192.0.2.1\nsub NS ns.example.net.\n', 'example.jp');
    assert.ok(z.nameExists('b.c.example.jp'));
    assert.ok(!z.hasData('b.c.example.jp'));
    assert.equal(z.closestEncloser('x.b.c.example.jp'), 'b.c.example.jp');
    assert.equal(z.findDelegation('www.sub.example.jp')?.name, 'sub.example.jp');
    assert.ok(z.isBelowCut('www.sub.example.jp'));
    assert.ok(!z.isBelowCut('sub.example.jp'));
  });
});
