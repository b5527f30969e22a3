import assert from 'node:assert/strict';
import { test } from 'node:test';
import { algorithmMnemonic, dsMatches, keyTag, makeDs } from '../../dns/dnssec/algorithms.ts';
import type { DnskeyData } from '../../dns/types.ts';

function dnskey(flags: number, algorithm: number, b64: string): DnskeyData {
  return { flags, protocol: 3, algorithm, key: Buffer.from(b64.replace(/\s+/g, ''), 'base64') };
}

// Made with `dnssec-keygen -a ALG -f KSK example.com`; tags and digests from `dnssec-dsfromkey -1/-2/-a SHA-384`.
const VECTORS = [
  {
    key: dnskey(
      257,
      8,
      `AwEAAbKnd1IeaaWb6gCAw8LxZEXkrJ0KnJ7miHGFUuoEoS3pLNr1ybDg x/0HUN6FEIMFOg1oiFoc67NmJ3jqFI4+W/3/7ULUIVEjObByEnSnhNZA m7QxceOV3k168quPrvABgG/9enzodvovPdNoWzc70SUKN6Rm2Yx34fFx QjFeA9RzkMCPx4nYVNs/ZIxjrkZhF5aU7aFnwlKm2tb9Q/d+xqmRy9pZ 09Hd498gQhuWObjsDj3aZ3q8qTTdXWUjbWlyzYQPpGPM7pY+qpw98Rjx XE0A3wmvao/W7tG+O59o99BB8kK4l1cdqncnGjoEJlMk2gKU/RtIU4zu f1ojZeAVA4M=`,
    ),
    tag: 10372,
    ds1: '1F1309F41AB580D721EF7D10924AD1676B1C86BD',
    ds2: '16D5C187615E46AB4124B17C5B78859CCA21D9EED57DB190903421F232B7478B',
    ds4: '4254ECA2A0084E99340CBD76D21783B7FD70A2A95C2FC201574344449ED81523248BE263FEBF4F489CB7616C9B5C41EF',
  },
  {
    key: dnskey(257, 13, `8eRysi/4gGOzSxd7kpMGX0jjAeR7FdmSfMdS7RsAtGMT/61Ur96a2jW9 E/Ydpoc3NiOoMaFYMHfToDHt1ADByQ==`),
    tag: 350,
    ds1: '8F3A70E0FB2F62F3A6062129175283138374450A',
    ds2: 'A92951EF00C0FB08FB71C0F344659FEF90F6CD47D6BB6589DD1DA5AEC9911A2F',
    ds4: '6370EB712C042C08325C94EC27F42AA3B8C9956E3C45947316CBA1D8768C7FA76C6F5279063B5033205B6B9677E932C0',
  },
  {
    key: dnskey(257, 15, `A/SzcQE2EB7xEOp/+9/OHN4c0xw8ROaRPfLwJaTJjXs=`),
    tag: 42692,
    ds1: 'ED71ACBA84E7C892AD21FF7B801194B441E49677',
    ds2: 'F00C1700F956D048713AFEA9C55C88DB7AF9039FF5E4A406A3646DD9192A2CBF',
    ds4: 'AD1CAEE7812CC3D5AB129A465473D616D515B5271DC089E776A1ABE4DF1817F96EB777F18179C735036E89136A649828',
  },
];

test('keyTag and DS digests 1/2/4 match dnssec-dsfromkey (recorded vectors)', () => {
  for (const v of VECTORS) {
    const name = algorithmMnemonic(v.key.algorithm);
    assert.equal(keyTag(v.key), v.tag, `${name} tag`);
    assert.equal(makeDs('example.com', v.key, 1).digest.toString('hex').toUpperCase(), v.ds1, `${name} DS 1`);
    assert.equal(makeDs('Example.COM.', v.key, 2).digest.toString('hex').toUpperCase(), v.ds2, `${name} DS 2`);
    const ds4 = makeDs('example.com', v.key, 4);
    assert.equal(ds4.digest.toString('hex').toUpperCase(), v.ds4, `${name} DS 4`);
    assert.equal(ds4.keyTag, v.tag);
    assert.equal(ds4.algorithm, v.key.algorithm);
    assert.equal(ds4.digestType, 4);
    assert.ok(dsMatches('example.com', ds4, v.key));
    assert.ok(!dsMatches('example.net', ds4, v.key), 'DS is bound to the owner name');
    assert.ok(!dsMatches('example.com', ds4, { ...v.key, flags: 256 }), 'flags are part of the digest and tag');
  }
});

test('keyTag changes with the flags field (REVOKE bit moves the tag, RFC 5011 §7)', () => {
  const k = VECTORS[1]!.key;
  assert.notEqual(keyTag({ ...k, flags: 257 | 0x80 }), keyTag(k));
});

test('keyTag for algorithm 1 uses the modulus octets (RFC 4034 App. B.1)', () => {
  // RDATA ends ... 0x12 0x34 0x56: tag is 0x1234.
  assert.equal(keyTag({ flags: 256, protocol: 3, algorithm: 1, key: Buffer.from([3, 1, 0, 1, 0x12, 0x34, 0x56]) }), 0x1234);
});

test('makeDs rejects digest types it cannot compute', () => {
  assert.throws(() => makeDs('example.com', VECTORS[0]!.key, 3 as 2), /digest type 3/);
});
