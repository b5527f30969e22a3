import assert from 'node:assert/strict';
import { createECDH, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { keyTag } from '../../dns/dnssec/algorithms.ts';
import { generateKey, loadBindKey, loadBindKeys, parseBindKeyFile, parseBindPrivateFile, SigningKey } from '../../dns/dnssec/keys.ts';
import { dnskeyToPublicKey, KeyError } from '../../dns/dnssec/public-key.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dnslab-keys-'));
  dirs.push(d);
  return d;
}

const ALGS = [8, 13, 15] as const;
const PUBLIC_LENGTH: Record<number, number> = { 13: 64, 15: 32 };

test('generateKey: flags, key tag, key length and signature sizes per algorithm', () => {
  for (const algorithm of ALGS) {
    const ksk = generateKey({ algorithm, owner: 'example.jp', ksk: true, bits: algorithm === 8 ? 1024 : undefined });
    const zsk = generateKey({ algorithm, owner: 'example.jp' });
    assert.equal(ksk.dnskey.flags, 257);
    assert.equal(zsk.dnskey.flags, 256);
    assert.ok(ksk.isKsk && !zsk.isKsk);
    assert.equal(ksk.keyTag, keyTag(ksk.dnskey));
    const data = Buffer.from('signed data');
    const sig = zsk.sign(data);
    if (algorithm === 8) {
      assert.equal(zsk.dnskey.key.length, 1 + 3 + 256, 'RSA 2048 default: len(1) e(3) n(256)');
      assert.equal(sig.length, 256);
    } else {
      assert.equal(zsk.dnskey.key.length, PUBLIC_LENGTH[algorithm]);
      assert.equal(sig.length, 64, 'RFC 6605 §4 / RFC 8080 §4: 64-octet signatures');
    }
    assert.ok(zsk.verify(data, sig));
    assert.ok(!zsk.verify(Buffer.from('other data'), sig));
    assert.ok(!ksk.verify(data, sig), 'another key does not verify it');
  }
});

test('generateKey with a seed is deterministic; another seed gives another key', () => {
  for (const algorithm of ALGS) {
    const opts = { algorithm, owner: 'example.jp', ksk: true, bits: algorithm === 8 ? 1024 : undefined };
    const a = generateKey({ ...opts, seed: 'lab-seed-1' });
    const b = generateKey({ ...opts, seed: 'lab-seed-1' });
    const c = generateKey({ ...opts, seed: 'lab-seed-2' });
    assert.deepEqual(a.dnskey.key, b.dnskey.key);
    assert.notDeepEqual(a.dnskey.key, c.dnskey.key);
    assert.ok(a.verify(Buffer.from('x'), b.sign(Buffer.from('x'))));
  }
});

test('BIND .key/.private round trip keeps key tag, flags, timing and signing ability', () => {
  const dir = tmp();
  for (const algorithm of ALGS) {
    const key = generateKey({
      algorithm,
      owner: 'Example.JP',
      ksk: algorithm !== 15,
      bits: algorithm === 8 ? 1024 : undefined,
      timing: { created: 1_800_000_000, publish: 1_800_000_000, activate: 1_800_003_600 },
    });
    const base = key.writeBindFiles(dir);
    assert.match(base, new RegExp(`Kexample\\.jp\\.\\+0${algorithm.toString().padStart(2, '0')}\\+\\d{5}$`));
    const priv = readFileSync(`${base}.private`, 'utf8');
    assert.match(priv, /^Private-key-format: v1\.3\nAlgorithm: \d+ \(/);
    assert.match(priv, /Activate: 20270115\d{6}/);
    const back = loadBindKey(base);
    assert.equal(back.keyTag, key.keyTag);
    assert.equal(back.flags, key.flags);
    assert.deepEqual(back.timing, key.timing);
    assert.ok(key.verify(Buffer.from('m'), back.sign(Buffer.from('m'))));
  }
  assert.equal(loadBindKeys(dir, 'example.jp').length, 3);
  assert.equal(loadBindKeys(dir, 'other.jp').length, 0);
});

test('malformed keys give typed KeyErrors, never crashes', () => {
  const bad = (fn: () => unknown, code: string, re: RegExp) => {
    assert.throws(fn, (e: unknown) => e instanceof KeyError && e.code === code && re.test(e.message), `${code} ${re}`);
  };
  // Wrong public key lengths.
  bad(() => dnskeyToPublicKey({ flags: 256, protocol: 3, algorithm: 13, key: Buffer.alloc(63, 1) }), 'BAD_KEY', /64 octets/);
  bad(() => dnskeyToPublicKey({ flags: 256, protocol: 3, algorithm: 15, key: Buffer.alloc(31, 1) }), 'BAD_KEY', /32 octets/);
  bad(() => dnskeyToPublicKey({ flags: 256, protocol: 3, algorithm: 8, key: Buffer.from([3, 1, 0, 1]) }), 'BAD_KEY', /no modulus/);
  bad(
    () => dnskeyToPublicKey({ flags: 256, protocol: 3, algorithm: 8, key: Buffer.concat([Buffer.from([3, 1, 0, 1]), Buffer.alloc(32, 0xff)]) }),
    'BAD_KEY',
    /256 bits/,
  );
  bad(() => dnskeyToPublicKey({ flags: 256, protocol: 3, algorithm: 13, key: Buffer.alloc(64, 0) }), 'BAD_KEY', /not a point/);
  // Unknown / unsupported algorithms.
  bad(() => dnskeyToPublicKey({ flags: 256, protocol: 3, algorithm: 99, key: Buffer.alloc(32) }), 'UNSUPPORTED_ALGORITHM', /99/);
  bad(() => generateKey({ algorithm: 7 as 8, owner: 'x' }), 'UNSUPPORTED_ALGORITHM', /algorithm 7/);
  bad(() => generateKey({ algorithm: 8, owner: 'x', bits: 8192 }), 'BAD_KEY', /8192/);
  bad(
    () => parseBindKeyFile('x. IN DNSKEY 256 3 16 ' + Buffer.alloc(57).toString('base64'), 'Kx.+016+00001.key'),
    'UNSUPPORTED_ALGORITHM',
    /Kx\.\+016\+00001\.key:1: algorithm 16 \(ED448\)/,
  );
  bad(() => parseBindKeyFile('x. IN DNSKEY 256 3 15 ' + Buffer.alloc(33).toString('base64'), 'k.key'), 'BAD_KEY', /k\.key:1: .*32 octets/);
  bad(() => parseBindKeyFile('; only comments\n', 'k.key'), 'BAD_KEY_FILE', /no DNSKEY/);
  bad(() => parseBindKeyFile('x. IN DNSKEY 256 2 15 AAAA', 'k.key'), 'BAD_KEY_FILE', /protocol must be 3/);
  bad(() => parseBindPrivateFile('Private-key-format: v1.3\nAlgorithm: 15 (ED25519)\nPrivateKey: AAAA\n', 'k.private'), 'BAD_KEY', /k\.private:3: .*32 octets/);
  bad(() => parseBindPrivateFile('Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\n', 'k.private'), 'BAD_KEY_FILE', /missing "PrivateKey:"/);
  bad(() => parseBindPrivateFile('Private-key-format: v1.3\nAlgorithm: 3 (DSA)\n', 'k.private'), 'UNSUPPORTED_ALGORITHM', /algorithm 3/);
  bad(() => parseBindPrivateFile('hello\n', 'k.private'), 'BAD_KEY_FILE', /Private-key-format/);
  bad(() => parseBindPrivateFile('Private-key-format: v1.3\nAlgorithm: 8 (RSASHA256)\nModulus: AQAB\n', 'k.private'), 'BAD_KEY', /17 bits/);
  // Private half that does not belong to the public half.
  const a = generateKey({ algorithm: 15, owner: 'x.test' });
  const b = generateKey({ algorithm: 15, owner: 'x.test' });
  bad(() => SigningKey.fromBind(a.toBindKeyFile(), b.toBindPrivateFile(), { privateFile: 'b.private' }), 'KEY_MISMATCH', /does not match/);
  const dir = tmp();
  writeFileSync(join(dir, 'Kx.test.+015+00001.key'), a.toBindKeyFile());
  bad(() => loadBindKey(join(dir, 'Kx.test.+015+00001')), 'BAD_KEY_FILE', /cannot read/);
});

test('deterministic ECDSA P-256 (RFC 6979 §A.2.5 vectors) and repeatable alg-13 signatures for seeded keys', async () => {
  const { signP256Deterministic } = await import('../../dns/dnssec/ecdsa-p256.ts');
  const x = Buffer.from('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721', 'hex');
  assert.equal(
    signP256Deterministic(x, Buffer.from('sample')).toString('hex').toUpperCase(),
    'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716' + 'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
  );
  assert.equal(
    signP256Deterministic(x, Buffer.from('test')).toString('hex').toUpperCase(),
    'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367' + '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083',
  );
  const seeded = generateKey({ algorithm: 13, owner: 'det.test', seed: 'det' });
  const data = Buffer.from('rrsig input');
  assert.ok(seeded.deterministicSignatures);
  assert.deepEqual(seeded.sign(data), seeded.sign(data));
  assert.ok(seeded.verify(data, seeded.sign(data)), 'node:crypto verifies our deterministic signature');
  const random = generateKey({ algorithm: 13, owner: 'det.test' });
  assert.ok(!random.deterministicSignatures);
  assert.notDeepEqual(random.sign(data), random.sign(data), 'node:crypto nonces are random');
  random.deterministicSignatures = true;
  assert.deepEqual(random.sign(data), random.sign(data));
  assert.ok(random.verify(data, random.sign(data)));
});

test('an ECDSA private key BIND wrote with a leading zero octet dropped (31 octets) loads and matches its public key', () => {
  // BIND writes the P-256 scalar as a minimal integer (BN_bn2bin): one key in ~256
  // has 31 octets in PrivateKey:. Found when dnssec-keygen produced one in CI-like runs.
  const scalar31 = Buffer.alloc(31, 0x11);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.concat([Buffer.alloc(1), scalar31]));
  const publicKey = ecdh.getPublicKey().subarray(1); // x | y, the DNSKEY key field (RFC 6605 §4)
  const parsed = parseBindPrivateFile(`Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${scalar31.toString('base64')}\n`, 'k.private');
  const data = Buffer.from('signed data');
  const signature = cryptoSign('sha256', data, { key: parsed.privateKey, dsaEncoding: 'ieee-p1363' });
  const dnskey = { flags: 256, protocol: 3, algorithm: 13, key: publicKey };
  assert.ok(cryptoVerify('sha256', data, { key: dnskeyToPublicKey(dnskey), dsaEncoding: 'ieee-p1363' }, signature));
  // Longer than the field is still refused.
  assert.throws(
    () =>
      parseBindPrivateFile(`Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${Buffer.alloc(33, 1).toString('base64')}\n`, 'k.private'),
    (e: unknown) => e instanceof KeyError && /1\.\.32 octets/.test(e.message),
  );
});
