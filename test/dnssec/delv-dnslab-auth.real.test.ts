// Zones signed by BIND's dnssec-signzone load into
// `dnslab auth` (the real CLI, as a child process on loopback), and `delv`
// anchored at each zone's DS validates what it serves — positive answers,
// NXDOMAIN, NODATA and wildcard expansions, with NSEC and with NSEC3. A
// deliberately damaged signature must make delv fail, so the test can fail.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DsData, RrsigData } from '../../dns/types.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { flipByte, parentZoneText, requireBindTools, requireTool, signWithBind, withData, type SignedZone } from './validate-fixtures.ts';

const ADDRESS = '127.0.6.20';
const PORT = 5320;

describe('delv validates what dnslab auth serves from dnssec-signzone zones', () => {
  let dir = '';
  let auth: ChildProcess | undefined;
  let stderr = '';
  const anchors = new Map<string, string>();

  before(async () => {
    requireBindTools();
    requireTool('delv', 'bind9-dnsutils');
    requireTool('dig', 'bind9-dnsutils');
    dir = mkdtempSync(join(tmpdir(), 'dnslab-delv-auth-'));
    const live = { inception: 'now-3600', expiration: 'now+2592000' };
    const signed: SignedZone[] = [
      signWithBind({ dir, origin: 'nsec.lab', zoneText: parentZoneText(), algorithm: 13, ...live }),
      signWithBind({ dir, origin: 'nsec3.lab', zoneText: parentZoneText(), algorithm: 8, nsec3: { salt: 'beef', iterations: 1, optOut: false }, ...live }),
      signWithBind({ dir, origin: 'ed.lab', zoneText: parentZoneText(), algorithm: 15, ...live }),
      signWithBind({ dir, origin: 'broken.lab', zoneText: parentZoneText(), algorithm: 13, ...live }),
    ];
    const broken = signed[3]!;
    writeFileSync(
      broken.signedPath,
      writeMasterFile(
        broken.records.map((r) =>
          r.type === 'RRSIG' && r.name === 'www.broken.lab' && (r.data as RrsigData).typeCovered === 'A'
            ? withData(r, { signature: flipByte((r.data as RrsigData).signature) })
            : r,
        ),
        'broken.lab',
      ),
    );
    for (const z of signed) {
      const ds = z.ds(2).data as DsData;
      const file = join(dir, `${z.origin}.anchor`);
      writeFileSync(file, `trust-anchors { ${z.origin}. static-ds ${ds.keyTag} ${ds.algorithm} 2 "${ds.digest.toString('hex')}"; };\n`);
      anchors.set(z.origin, file);
    }
    const zoneArgs = signed.flatMap((z) => ['--zone', `${z.signedPath}:${z.origin}`]);
    auth = spawn(process.execPath, ['--import', 'tsx', 'lab/cli/main.ts', 'auth', ...zoneArgs, '--listen', `${ADDRESS}:${PORT}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    auth.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = spawnSync('dig', ['+short', '+time=1', '+tries=1', `@${ADDRESS}`, '-p', String(PORT), 'nsec.lab', 'SOA'], { encoding: 'utf8' });
      // `dig +short` prints ";; communications error" on stdout too: wait for a real SOA.
      if (/hostmaster/.test(r.stdout)) return;
      if (auth.exitCode !== null) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.fail(`dnslab auth did not answer on ${ADDRESS}:${PORT}: ${stderr}`);
  });

  after(async () => {
    try {
      if (auth && auth.exitCode === null && auth.pid !== undefined) {
        const exited = new Promise((res) => auth!.once('exit', res));
        auth.kill('SIGINT');
        await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
        if (auth.exitCode === null) auth.kill('SIGKILL');
        assert.equal(auth.exitCode, 0, `dnslab auth should exit 0 on Ctrl-C: ${stderr}`);
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  function delv(zone: string, qname: string, qtype: string): string {
    const r = spawnSync('delv', [`@${ADDRESS}`, '-p', String(PORT), '-a', anchors.get(zone)!, `+root=${zone}`, qname, qtype], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    return `${r.stdout}${r.stderr}`;
  }

  const cases: [zone: string, qname: string, qtype: string, what: string][] = [];
  for (const zone of ['nsec.lab', 'nsec3.lab', 'ed.lab']) {
    cases.push(
      [zone, `www.${zone}`, 'A', 'positive'],
      [zone, `alias.${zone}`, 'A', 'CNAME to an in-zone name'],
      [zone, `nope.${zone}`, 'A', 'NXDOMAIN'],
      [zone, `www.${zone}`, 'TXT', 'NODATA'],
      [zone, `b.deep.${zone}`, 'A', 'NXDOMAIN below an empty non-terminal'],
      [zone, `host.wild.${zone}`, 'A', 'wildcard expansion'],
      [zone, `host.wild.${zone}`, 'MX', 'wildcard NODATA'],
    );
  }
  for (const [zone, qname, qtype, what] of cases) {
    test(`${what}: ${qname} ${qtype} is fully validated`, () => {
      const out = delv(zone, qname, qtype);
      assert.match(out, /fully validated/, `${out}\nauth exit=${auth?.exitCode} stderr: ${stderr}`);
    });
  }

  test('a damaged RRSIG served by dnslab auth makes delv fail, and only for that RRset', () => {
    assert.match(delv('broken.lab', 'www.broken.lab', 'A'), /resolution failed/);
    assert.match(delv('broken.lab', 'www.broken.lab', 'AAAA'), /fully validated/);
  });
});
