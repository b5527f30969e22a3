import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Base32HexError, base32hex, fromBase32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';

// RFC 5155 Appendix A: zone "example", salt aabbccdd, 12 additional iterations.
const RFC5155_APPENDIX_A: Array<[string, string]> = [
  ['example', '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom'],
  ['a.example', '35mthgpgcu1qg68fab165klnsnk3dpvl'],
  ['ai.example', 'gjeqe526plbf1g8mklp59enfd789njgi'],
  ['ns1.example', '2t7b4g4vsa5smi47k61mv5bv1a22bojr'],
  ['ns2.example', 'q04jkcevqvmu85r014c7dkba38o0ji5r'],
  ['w.example', 'k8udemvp1j2f7eg6jebps17vp3n8i58h'],
  ['*.w.example', 'r53bq7cc2uvmubfu5ocmm6pers9tk9en'],
  ['x.w.example', 'b4um86eghhds6nea196smvmlo4ors995'],
  ['y.w.example', 'ji6neoaepv8b5o6k4ev33abha8ht9fgc'],
  ['x.y.w.example', '2vptu5timamqttgl4luu9kg21e0aor3s'],
  ['xx.example', 't644ebqk9bibcna874givr6joj62mlhv'],
];

test('nsec3Hash matches RFC 5155 Appendix A', () => {
  const salt = Buffer.from('aabbccdd', 'hex');
  for (const [name, hash] of RFC5155_APPENDIX_A) assert.equal(base32hex(nsec3Hash(name, salt, 12)), hash, name);
});

test('nsec3Hash is case-insensitive and ignores a trailing dot (canonical form)', () => {
  const salt = Buffer.from('aabbccdd', 'hex');
  assert.equal(base32hex(nsec3Hash('A.EXAMPLE.', salt, 12)), '35mthgpgcu1qg68fab165klnsnk3dpvl');
});

test('nsec3Hash with empty salt and 0 iterations is a single SHA-1 of the wire name', async () => {
  const { createHash } = await import('node:crypto');
  const wire = Buffer.from('076578616d706c6500', 'hex');
  assert.deepEqual(nsec3Hash('example', Buffer.alloc(0), 0), createHash('sha1').update(wire).digest());
});

test('nsec3Hash rejects out-of-range iterations', () => {
  assert.throws(() => nsec3Hash('example', Buffer.alloc(0), 70000), /iterations/);
  assert.throws(() => nsec3Hash('example', Buffer.alloc(0), -1), /iterations/);
});

test('base32hex round-trips and matches RFC 4648 §10 vectors (unpadded, lowercase)', () => {
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'co'],
    ['fo', 'cpng'],
    ['foo', 'cpnmu'],
    ['foob', 'cpnmuog'],
    ['fooba', 'cpnmuoj1'],
    ['foobar', 'cpnmuoj1e8'],
  ];
  for (const [plain, enc] of vectors) {
    assert.equal(base32hex(Buffer.from(plain)), enc);
    assert.equal(fromBase32hex(enc).toString(), plain);
    assert.equal(fromBase32hex(enc.toUpperCase() + '======').toString().length, plain.length);
  }
  for (let n = 0; n < 40; n++) {
    const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
    assert.deepEqual(fromBase32hex(base32hex(b)), b);
  }
});

test('fromBase32hex rejects characters outside the alphabet and non-canonical tails', () => {
  assert.throws(() => fromBase32hex('0p9mhaveqvm6t7vbl5lop2u3t2rp3toz'), Base32HexError);
  assert.throws(() => fromBase32hex('cp'), Base32HexError); // non-zero pad bits
  assert.throws(() => fromBase32hex('c'), Base32HexError); // 5 bits cannot be a byte
});
