// Zones signed by `dnslab sign` must pass the real validators (dnssec-verify
// from bind9-utils/bind9-dnsutils, ldns-verify-zone from ldnsutils), and keys
// must move between dnslab and BIND's tools in both directions.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { keyTag } from '../../dns/dnssec/algorithms.ts';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { signZone, type ZoneSigningQuirk } from '../../dns/dnssec/sign.ts';
import { canonicalName } from '../../dns/name.ts';
import type { DnskeyData, Nsec3Data, NsecData, RR } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { main } from '../../lab/cli/main.ts';

const ORIGIN = 'example.test';
const ZONE = `$TTL 3600
@ IN SOA ns1 hostmaster 2026112301 7200 3600 1209600 300
@ NS ns1
@ NS ns2.example.net.
@ MX 10 mail
@ A 192.0.2.1
@ TXT "v=spf1 -all"
ns1 A 192.0.2.53
ns1 AAAA 2001:db8::53
mail A 192.0.2.25
www CNAME @
*.wild TXT "wildcard"
a.b.c.ent A 192.0.2.9
Mixed.Case AAAA 2001:db8::1
sub NS ns.sub
ns.sub A 192.0.2.77
secure NS ns.secure
secure DS 12345 13 2 49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD
ns.secure A 192.0.2.78
deep.insecure.under.ent NS ns1.example.net.
other NS ns1.example.net.
srv._tcp SRV 0 5 5060 mail
dn DNAME target.example.net.
occluded.dn A 192.0.2.66
`;

function requireTool(bin: string, pkg: string): void {
  const r = spawnSync(bin, ['-h'], { encoding: 'utf8' });
  if (r.error) assert.fail(`${bin} not found: install the Debian package ${pkg}`);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function dnslab(argv: string[], cwd: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const prev = process.cwd();
  process.chdir(cwd); // default --ds-out is relative to the working directory, as with dnssec-signzone
  try {
    const code = await main(['sign', ...argv], {
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      waitForInterrupt: () => new Promise(() => {}),
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(prev);
  }
}

function verifyTools(file: string): { bind: Run; ldns: Run } {
  const bind = spawnSync('dnssec-verify', ['-o', ORIGIN, file], { encoding: 'utf8' });
  const ldns = spawnSync('ldns-verify-zone', [file], { encoding: 'utf8' });
  return {
    bind: { code: bind.status ?? -1, stdout: bind.stdout, stderr: bind.stderr },
    ldns: { code: ldns.status ?? -1, stdout: ldns.stdout, stderr: ldns.stderr },
  };
}

function assertVerified(file: string, what: string): void {
  const { bind, ldns } = verifyTools(file);
  assert.equal(bind.code, 0, `dnssec-verify rejected ${what}:\n${bind.stderr}${bind.stdout}`);
  assert.match(bind.stderr + bind.stdout, /Zone fully signed/);
  assert.equal(ldns.code, 0, `ldns-verify-zone rejected ${what}:\n${ldns.stderr}${ldns.stdout}`);
  assert.match(ldns.stdout + ldns.stderr, /Zone is verified and complete/);
}

let dir: string;
let zoneFile: string;
before(() => {
  requireTool('dnssec-verify', 'bind9-utils');
  requireTool('dnssec-signzone', 'bind9-utils');
  requireTool('ldns-verify-zone', 'ldnsutils');
  dir = mkdtempSync(join(tmpdir(), 'dnslab-signtools-'));
  zoneFile = join(dir, 'example.test.zone');
  writeFileSync(zoneFile, ZONE);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('dnslab sign output passes dnssec-verify and ldns-verify-zone', () => {
  for (const alg of [8, 13, 15] as const) {
    for (const mode of ['nsec', 'nsec3', 'nsec3-optout'] as const) {
      test(`alg ${alg}, ${mode}`, async () => {
        const keys = join(dir, `keys-${alg}`);
        const args = [zoneFile, '--origin', ORIGIN, '--alg', String(alg), '--keys', keys, '--new-keys', '--ds-out', join(dir, `ds-${alg}-${mode}`)];
        if (mode !== 'nsec') args.push('--nsec3', '--salt', 'c0ffee', '--iterations', '2');
        if (mode === 'nsec3-optout') args.push('--optout');
        const r = await dnslab(args, dir);
        assert.equal(r.code, 0, r.stderr);
        const out = join(dir, `signed-${alg}-${mode}.zone`);
        writeFileSync(out, r.stdout);
        assertVerified(out, `alg ${alg} ${mode}`);
        // The DS file matches the KSK in the signed zone.
        const zone = parseZoneText(r.stdout, ORIGIN);
        const ksk = zone
          .get(ORIGIN, 'DNSKEY')!
          .records.map((x) => x.data as DnskeyData)
          .find((d) => d.flags === 257)!;
        assert.match(readFileSync(join(dir, `ds-${alg}-${mode}`), 'utf8'), new RegExp(`IN\\s+DS\\s+${keyTag(ksk)} ${alg} 2 `));
        // Opt-out: the unsigned delegations have no NSEC3 of their own; the secure one does.
        const nsec3 = [...zone.records()].filter((x) => x.type === 'NSEC3');
        if (mode === 'nsec') assert.equal(nsec3.length, 0);
        else {
          const flags = new Set(nsec3.map((x) => (x.data as Nsec3Data).flags));
          assert.deepEqual([...flags], [mode === 'nsec3-optout' ? 1 : 0]);
          const withNsOnly = nsec3.filter((x) => (x.data as Nsec3Data).types.join(' ') === 'NS');
          assert.equal(withNsOnly.length, mode === 'nsec3-optout' ? 0 : 3, 'sub, other, deep.insecure.under.ent');
        }
      });
    }
  }

  test('the spawned bin works end to end and reuses the keys it generated', () => {
    const keys = join(dir, 'keys-bin');
    const bin = join(import.meta.dirname, '../../bin/dnslab.mjs');
    const run = () =>
      execFileSync(process.execPath, [bin, 'sign', zoneFile, '--origin', ORIGIN, '--keys', keys, '--new-keys'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const first = run();
    const tags = readdirSync(keys)
      .filter((f) => f.endsWith('.key'))
      .sort();
    assert.equal(tags.length, 2);
    writeFileSync(join(dir, 'bin.zone'), run());
    assert.deepEqual(
      readdirSync(keys)
        .filter((f) => f.endsWith('.key'))
        .sort(),
      tags,
      'second run generates nothing new',
    );
    assert.ok(first.includes('DNSKEY'));
    assertVerified(join(dir, 'bin.zone'), 'bin output');
    assert.match(readFileSync(join(dir, `dsset-${ORIGIN}.`), 'utf8'), /IN\tDS\t\d+ 13 2 [0-9A-F]{64}/);
  });
});

test('--digest 2,4 writes SHA-256 and SHA-384 DS records equal to dnssec-dsfromkey output', async () => {
  const keys = join(dir, 'keys-digest');
  const r = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', keys, '--new-keys', '--digest', '2,4', '--ds-out', join(dir, 'ds-digest')], dir);
  assert.equal(r.code, 0, r.stderr);
  const ours = readFileSync(join(dir, 'ds-digest'), 'utf8');
  const ksk = readdirSync(keys).find((f) => f.endsWith('.key') && readFileSync(join(keys, f), 'utf8').includes('DNSKEY 257'))!;
  for (const [flag, type] of [
    ['-2', 2],
    ['-a', 4],
  ] as const) {
    const args = flag === '-a' ? ['-a', 'SHA-384', join(keys, ksk)] : [flag, join(keys, ksk)];
    const digest = execFileSync('dnssec-dsfromkey', args, { encoding: 'utf8' }).trim().split(/\s+/).pop()!;
    assert.match(ours, new RegExp(`DS\\t\\d+ 13 ${type} ${digest}`), `digest type ${type}`);
  }
  assert.equal(ours.trim().split('\n').length, 2);
});

describe('keys move between dnslab and BIND', () => {
  test('keys from dnssec-keygen sign in dnslab with identical key tags', async () => {
    const keys = join(dir, 'bind-made');
    mkdirSync(keys);
    const made: string[] = [];
    for (const flagArgs of [['-f', 'KSK'], []]) {
      made.push(execFileSync('dnssec-keygen', ['-q', '-K', keys, '-a', 'ECDSAP256SHA256', ...flagArgs, ORIGIN], { encoding: 'utf8' }).trim());
    }
    const tagsFromBind = made.map((b) => Number(b.split('+')[2])).sort((a, b) => a - b);
    const r = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', keys, '--ds-out', join(dir, 'ds-bind-made')], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readdirSync(keys).length, 4, 'dnslab used the BIND keys and generated none');
    const zone = parseZoneText(r.stdout, ORIGIN);
    const dnskeyTags = zone
      .get(ORIGIN, 'DNSKEY')!
      .records.map((x) => keyTag(x.data as DnskeyData))
      .sort((a, b) => a - b);
    assert.deepEqual(dnskeyTags, tagsFromBind);
    const sigTags = new Set([...zone.records()].filter((x) => x.type === 'RRSIG').map((x) => (x.data as { keyTag: number }).keyTag));
    assert.deepEqual(
      [...sigTags].sort((a, b) => a - b),
      tagsFromBind,
    );
    writeFileSync(join(dir, 'bind-made.zone'), r.stdout);
    assertVerified(join(dir, 'bind-made.zone'), 'zone signed with dnssec-keygen keys');
    const dsBind = execFileSync('dnssec-dsfromkey', ['-2', join(keys, `${made[0]}.key`)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .pop();
    assert.match(readFileSync(join(dir, 'ds-bind-made'), 'utf8'), new RegExp(dsBind!));
  });

  for (const alg of [8, 13, 15] as const) {
    test(`keys exported by dnslab (alg ${alg}) load in dnssec-signzone; both signers build the same NSEC and NSEC3 chains`, () => {
      const keys = join(dir, `ours-${alg}`);
      mkdirSync(keys);
      const t = 1_790_000_000; // 2026-09-21, in the past for the host clock: keys are active for BIND
      const ksk = generateKey({ algorithm: alg, owner: ORIGIN, ksk: true, timing: { created: t, publish: t, activate: t }, seed: `ksk${alg}` });
      const zsk = generateKey({ algorithm: alg, owner: ORIGIN, timing: { created: t, publish: t, activate: t }, seed: `zsk${alg}` });
      ksk.writeBindFiles(keys);
      zsk.writeBindFiles(keys);
      const source = parseZoneText(ZONE, ORIGIN);
      for (const nsec3 of [false, true]) {
        const out = join(dir, `bind-${alg}-${nsec3}.zone`);
        const extra = nsec3 ? ['-3', 'c0ffee', '-H', '2', '-A'] : [];
        const r = spawnSync('dnssec-signzone', ['-K', keys, '-o', ORIGIN, '-O', 'full', '-f', out, '-S', ...extra, zoneFile], { encoding: 'utf8', cwd: dir });
        assert.equal(r.status, 0, `dnssec-signzone failed with our keys:\n${r.stderr}${r.stdout}`);
        const bindZone = parseZoneText(readFileSync(out, 'utf8'), ORIGIN);
        const bindTags = bindZone
          .get(ORIGIN, 'DNSKEY')!
          .records.map((x) => keyTag(x.data as DnskeyData))
          .sort();
        assert.deepEqual(bindTags, [ksk.keyTag, zsk.keyTag].sort());
        const ours = signZone(source, [ksk, zsk], {
          inception: t,
          expiration: t + 86400 * 3650,
          denial: nsec3 ? 'nsec3' : 'nsec',
          nsec3: { salt: Buffer.from('c0ffee', 'hex'), iterations: 2, optOut: true },
        });
        const chain = (records: Iterable<RR>): string[] =>
          [...records]
            .filter((x) => x.type === (nsec3 ? 'NSEC3' : 'NSEC'))
            .map((x) =>
              x.type === 'NSEC'
                ? `${canonicalName(x.name)} ${canonicalName((x.data as NsecData).nextDomain)} ${[...(x.data as NsecData).types].sort().join(',')}`
                : `${canonicalName(x.name)} ${(x.data as Nsec3Data).flags} ${(x.data as Nsec3Data).nextHashedOwner.toString('hex')} ${[...(x.data as Nsec3Data).types].sort().join(',')}`,
            )
            .sort();
        assert.deepEqual(chain(ours.records()), chain(bindZone.records()), `${nsec3 ? 'NSEC3 opt-out' : 'NSEC'} chain differs from dnssec-signzone`);
        assert.ok(chain(ours.records()).length > 5);
      }
    });
  }
});

describe('deliberately broken signing is caught by the real validators (the checks can fail)', () => {
  const t = 1_790_000_000;
  // A KSK and a ZSK, both active at t: dnssec-verify rejects a zone without a self-signed KSK ("Missing ZSK"/"No
  // self-signed KSK"), so with a single key its verdict could not tell a broken zone from a correct one.
  const timing = { created: t, publish: t, activate: t };
  const keys = [
    generateKey({ algorithm: 13, owner: ORIGIN, ksk: true, timing, seed: 'broken-ksk' }),
    generateKey({ algorithm: 13, owner: ORIGIN, timing, seed: 'broken-zsk' }),
  ];
  const signWith = (what: string, quirks: ZoneSigningQuirk[]): string => {
    const signed = signZone(parseZoneText(ZONE, ORIGIN), keys, { inception: t, expiration: t + 86400 * 3650, quirks });
    const file = join(dir, `broken-${what.replace(/\W+/g, '-')}.zone`);
    writeFileSync(file, writeMasterFile(signed, ORIGIN));
    return file;
  };
  test('baseline: the same keys and zone without a quirk pass both tools', () => assertVerified(signWith('baseline', []), 'the unbroken zone'));

  // Each tool's own message for the defect (dnssec-verify 9.18, ldns-verify-zone 1.8.3). ldns-verify-zone does not
  // compare NSEC bitmaps with the data, so for that case it must still say the zone is verified.
  const cases: Array<[string, ZoneSigningQuirk, RegExp, RegExp | undefined]> = [
    [
      'corrupt signature on www CNAME',
      { kind: 'corrupt-signature', owner: `www.${ORIGIN}`, type: 'CNAME' },
      /No correct ECDSAP256SHA256 signature for www\.example\.test CNAME/,
      /Bogus DNSSEC signature for www\.example\.test\.\s+CNAME/,
    ],
    [
      'missing RRSIG for mail A',
      { kind: 'missing-rrsig', owner: `mail.${ORIGIN}`, type: 'A' },
      /No signatures for mail\.example\.test\/A/,
      /no signatures for mail\.example\.test\.\s+A/,
    ],
    [
      'expired signatures on the apex MX',
      { kind: 'signature-validity', owner: ORIGIN, type: 'MX', inception: t - 7200, expiration: t - 3600 },
      /signature has expired[\s\S]*No correct ECDSAP256SHA256 signature for example\.test MX/,
      /DNSSEC signature has expired for example\.test\.\s+MX/,
    ],
    [
      'NSEC bitmap omits A at ns1',
      { kind: 'bitmap-omit', owner: `ns1.${ORIGIN}`, types: ['A'] },
      /Bad NSEC record for ns1\.example\.test, bit map mismatch/,
      undefined,
    ],
  ];
  for (const [what, quirk, bindError, ldnsError] of cases) {
    test(what, () => {
      const { bind, ldns } = verifyTools(signWith(what, [quirk]));
      assert.notEqual(bind.code, 0, `dnssec-verify accepted a zone with ${what}`);
      assert.match(bind.stderr + bind.stdout, bindError);
      if (ldnsError) {
        assert.notEqual(ldns.code, 0, `ldns-verify-zone accepted a zone with ${what}`);
        assert.match(ldns.stderr + ldns.stdout, ldnsError);
      } else {
        assert.equal(ldns.code, 0, `ldns-verify-zone:\n${ldns.stderr}${ldns.stdout}`);
      }
    });
  }
});

describe('dnslab sign: bad input gives errors, not crashes', () => {
  test('usage errors exit 2 with a reason', async () => {
    for (const [args, re] of [
      [[zoneFile], /--origin NAME is required/],
      [[zoneFile, '--origin', ORIGIN, '--alg', '7'], /--alg 7: use 8/],
      [[zoneFile, '--origin', ORIGIN, '--salt', 'ab'], /need --nsec3/],
      [[zoneFile, '--origin', ORIGIN, '--nsec3', '--salt', 'xyz'], /expected hex/],
      [[zoneFile, '--origin', ORIGIN, '--inception', 'yesterday'], /YYYYMMDDHHMMSS/],
      [[zoneFile, '--origin', ORIGIN, '--inception', '+100', '--expiration', '+50'], /after --inception/],
    ] as const) {
      const r = await dnslab([...args], dir);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });

  test('a broken zone file or key file is reported with file and line, exit 2 (input error)', async () => {
    const bad = join(dir, 'bad.zone');
    writeFileSync(bad, '$TTL 60\n@ SOA ns1 h 1 2 3 4 5\nwww A 999.1.1.1\n');
    const r = await dnslab([bad, '--origin', ORIGIN, '--keys', join(dir, 'keys-bad'), '--new-keys'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.zone:3/);
    const keys = join(dir, 'keys-broken');
    mkdirSync(keys);
    writeFileSync(join(keys, `K${ORIGIN}.+013+00001.key`), `${ORIGIN}. IN DNSKEY 257 3 13 AAAA\n`);
    writeFileSync(join(keys, `K${ORIGIN}.+013+00001.private`), 'Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: AAAA\n');
    const k = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', keys], dir);
    assert.equal(k.code, 2);
    assert.match(k.stderr, /Kexample\.test\.\+013\+00001\.key:1: .*64 octets/);
  });
});

describe('dnslab sign --keys: a missing key directory is an error unless --new-keys', () => {
  test('a mistyped --keys DIR exits 2 and creates nothing: no directory, no keys, no DS set', async () => {
    const typo = join(dir, 'keys-typo');
    const ds = join(dir, 'ds-typo');
    const r = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', typo, '--ds-out', ds], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--keys .*keys-typo: no such directory \(add --new-keys/);
    assert.equal(r.stdout, '', 'no signed zone');
    assert.equal(existsSync(typo), false);
    assert.equal(existsSync(ds), false);
  });

  test('--new-keys creates the directory with a KSK and a ZSK; the next run reuses them without it', async () => {
    const fresh = join(dir, 'keys-fresh');
    const ds = join(dir, 'ds-fresh');
    const first = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', fresh, '--new-keys', '--ds-out', ds], dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(readdirSync(fresh).filter((f) => f.endsWith('.key')).length, 2);
    assert.match(first.stderr, new RegExp(`wrote ${ds.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    const dsText = readFileSync(ds, 'utf8');
    const again = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', fresh, '--ds-out', ds], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(ds, 'utf8'), dsText, 'same keys, same DS set');
  });

  test('--ds-out into a missing directory exits 2 before anything is generated', async () => {
    const keys = join(dir, 'keys-dsout');
    const r = await dnslab([zoneFile, '--origin', ORIGIN, '--keys', keys, '--new-keys', '--ds-out', join(dir, 'no-such-dir', 'ds')], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--ds-out .*no-such-dir.*does not exist/);
    assert.equal(existsSync(keys), false);
  });
});
