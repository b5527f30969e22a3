// Differential test against BIND: random zones (seeded, so a failure is
// reproducible from its seed) with delegations, DS, glue, wildcards, empty
// non-terminals, DNAME, escaped labels and mixed case are signed by dnslab and
// by dnssec-signzone with the same keys; the NSEC / NSEC3 (opt-out) chains
// must be identical and our zone must pass dnssec-verify.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { signZone } from '../../dns/dnssec/sign.ts';
import { canonicalName } from '../../dns/name.ts';
import type { Nsec3Data, NsecData, RR } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { SeededRandom } from '../../net/random.ts';

const ORIGIN = 'diff.test';
const dir = mkdtempSync(join(tmpdir(), 'dnslab-signdiff-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LABELS = ['a', 'b', 'www', 'mail', 'X', 'Mixed', '*', '\\000', '\\255', 'dot\\.ted', 'sp\\032ace', '_tcp', '0', 'zz'];

function randomZone(rnd: SeededRandom): string {
  const pick = <T>(xs: readonly T[]): T => xs[rnd.int(xs.length)]!;
  const name = (depth: number): string => Array.from({ length: 1 + rnd.int(depth) }, () => pick(LABELS)).join('.');
  const lines = ['$TTL 600', '@ SOA ns1 hostmaster 1 7200 3600 1209600 300', '@ NS ns1', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < 25; i++) {
    let owner = name(4);
    const kind = rnd.int(8);
    // BIND refuses NS and DNAME at a wildcard owner (RFC 4592 §4.2, §4.4 discourage them).
    if (kind <= 2 && owner.startsWith('*')) owner = `n.${owner}`;
    switch (kind) {
      case 0:
        lines.push(`${owner} NS ns.${owner}`, `ns.${owner} A 192.0.2.${1 + rnd.int(250)}`);
        break;
      case 1:
        lines.push(`${owner} NS ns1.example.net.`, `${owner} DS ${rnd.int(65536)} 13 2 ${'AB'.repeat(32)}`);
        break;
      case 2:
        lines.push(`${owner} DNAME target.example.net.`);
        break;
      case 3:
        lines.push(`${owner} TXT "t${i}"`, `${owner} AAAA 2001:db8::${i.toString(16)}`);
        break;
      case 4:
        lines.push(`${owner} MX 10 ${name(2)}`);
        break;
      default:
        lines.push(`${owner} A 192.0.2.${1 + rnd.int(250)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function chain(records: Iterable<RR>, type: 'NSEC' | 'NSEC3'): string[] {
  const out: string[] = [];
  for (const r of records) {
    if (r.type !== type) continue;
    if (type === 'NSEC') {
      const d = r.data as NsecData;
      out.push(`${canonicalName(r.name)} -> ${canonicalName(d.nextDomain)} [${[...d.types].sort().join(' ')}]`);
    } else {
      const d = r.data as Nsec3Data;
      out.push(`${canonicalName(r.name)} -> ${d.nextHashedOwner.toString('hex')} f${d.flags} [${[...d.types].sort().join(' ')}]`);
    }
  }
  return out.sort();
}

const t = 1_790_000_000;
const timing = { created: t, publish: t, activate: t };
const ksk = generateKey({ algorithm: 15, owner: ORIGIN, ksk: true, timing, seed: 'diff-ksk' });
const zsk = generateKey({ algorithm: 15, owner: ORIGIN, timing, seed: 'diff-zsk' });
const keyDir = join(dir, 'keys');
mkdirSync(keyDir);
ksk.writeBindFiles(keyDir);
zsk.writeBindFiles(keyDir);

for (let seed = 1; seed <= Number(process.env.SIGN_DIFF_SEEDS ?? 6); seed++) {
  test(`random zone seed ${seed}: same NSEC and opt-out NSEC3 chains as dnssec-signzone`, () => {
    const text = randomZone(new SeededRandom(`sign-diff-${seed}`));
    const file = join(dir, `z${seed}`);
    writeFileSync(file, text);
    const zone = parseZoneText(text, ORIGIN);
    for (const mode of ['nsec', 'nsec3'] as const) {
      const out = join(dir, `z${seed}.${mode}.bind`);
      const extra = mode === 'nsec3' ? ['-3', 'beef', '-H', '1', '-A'] : [];
      const r = spawnSync(
        'dnssec-signzone',
        ['-K', keyDir, '-o', ORIGIN, '-O', 'full', '-S', '-f', out, '-s', String(t), '-e', String(t + 3650 * 86400), ...extra, file],
        { encoding: 'utf8', cwd: dir },
      );
      if (r.error) assert.fail('dnssec-signzone not found: install the Debian package bind9-utils');
      assert.equal(r.status, 0, `BIND could not sign seed ${seed}:\n${r.stderr}\n${text}`);
      const ours = signZone(zone, [ksk, zsk], {
        inception: t,
        expiration: t + 3650 * 86400,
        denial: mode,
        nsec3: { salt: Buffer.from('beef', 'hex'), iterations: 1, optOut: true },
      });
      const type = mode === 'nsec' ? 'NSEC' : 'NSEC3';
      assert.deepEqual(chain(ours.records(), type), chain(parseZoneText(readFileSync(out, 'utf8'), ORIGIN).records(), type), `seed ${seed} ${mode}\n${text}`);
      const ourFile = join(dir, `z${seed}.${mode}.ours`);
      writeFileSync(ourFile, writeMasterFile(ours, ORIGIN));
      const v = spawnSync('dnssec-verify', ['-o', ORIGIN, ourFile], { encoding: 'utf8' });
      assert.equal(v.status, 0, `dnssec-verify on seed ${seed} ${mode}: ${v.stderr}`);
    }
  });
}
