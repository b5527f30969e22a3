// Online-signed answers (dns/dnssec/online.ts served by our authoritative
// server on 127.0.5.2) validated by BIND's delv (bind9-dnsutils), run live.
// The answer shapes are checked without delv in online.test.ts.

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKey } from '../../dns/dnssec/keys.ts';
import { OnlineSigner, publishKeys } from '../../dns/dnssec/online.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { SeededRandom } from '../../net/random.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { AuthoritativeServer } from '../../servers/authoritative/server.ts';
import { ZoneSet } from '../../servers/authoritative/zone-set.ts';
import { ksk, ORIGIN, zsk, zsk13, ZONE_TEXT } from './online-fixtures.ts';

describe('online signer answers validate in delv (bind9-dnsutils)', () => {
  const ADDRESS = '127.0.5.2';
  const PORT = 5302;
  let server: AuthoritativeServer;
  let dir: string;
  let signer: OnlineSigner;
  before(async () => {
    const probe = spawnSync('delv', ['-v'], { encoding: 'utf8' });
    if (probe.error) assert.fail('delv not found: install the Debian package bind9-dnsutils');
    const network = new SocketNetwork({ addresses: [ADDRESS] });
    // Real time here: delv checks signature validity against the host clock.
    signer = new OnlineSigner({ keys: [ksk, zsk13, zsk], now: () => network.clock.now() });
    const zone = parseZoneText(ZONE_TEXT, ORIGIN);
    publishKeys(zone, [ksk, zsk13, zsk]);
    const zones = new ZoneSet();
    zones.add(zone, { onlineSigner: signer });
    server = new AuthoritativeServer({ network, listen: [{ address: ADDRESS, port: PORT }], zones, cache: false });
    await server.start();
    dir = mkdtempSync(join(tmpdir(), 'dnslab-online-'));
    writeFileSync(join(dir, 'anchor.conf'), `trust-anchors { ${ORIGIN}. static-key 257 3 13 "${ksk.dnskey.key.toString('base64')}"; };\n`);
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  // Asynchronous on purpose: the server runs in this process and must keep answering while delv waits.
  function delv(qname: string, qtype: string): Promise<string> {
    return new Promise((resolve) => {
      execFile(
        'delv',
        [`@${ADDRESS}`, '-p', String(PORT), '-a', join(dir, 'anchor.conf'), `+root=${ORIGIN}`, qname, qtype],
        { encoding: 'utf8', timeout: 20_000 },
        (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
      );
    });
  }

  const cases: Array<[string, string, RegExp]> = [
    ['www.slack.test', 'A', /; fully validated\nwww\.slack\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1/],
    ['slack.test', 'DNSKEY', /; fully validated/],
    ['www.slack.test', 'AAAA', /negative response, fully validated[\s\S]*NXRRSET/],
    ['app.slack.test', 'A', /; fully validated\napp\.slack\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.80/],
    ['app.slack.test', 'AAAA', /negative response, fully validated[\s\S]*app\.slack\.test\. NSEC \\000\.app\.slack\.test\. A RRSIG NSEC/],
    ['nx.www.slack.test', 'A', /negative response, fully validated[\s\S]*NXDOMAIN/],
    ['x.y.ent.slack.test', 'A', /negative response, fully validated[\s\S]*NXDOMAIN/],
    ['b.ent.slack.test', 'A', /negative response, fully validated[\s\S]*NXRRSET/],
    ['sub.slack.test', 'DS', /negative response, fully validated[\s\S]*sub\.slack\.test\. NSEC \\000\.sub\.slack\.test\. NS RRSIG NSEC/],
    ['secure.slack.test', 'DS', /; fully validated\nsecure\.slack\.test\.\s+\d+\s+IN\s+DS/],
  ];
  for (const [qname, qtype, expected] of cases) {
    test(`${qname} ${qtype}`, async () => {
      assert.match(await delv(qname, qtype), expected);
    });
  }

  test('Slack quirk: the AAAA NODATA NSEC still validates but no longer lists A', async () => {
    signer.setQuirks([{ kind: 'nsec-bitmap-omits-wildcard-types' }]);
    try {
      assert.match(
        await delv('app.slack.test', 'AAAA'),
        /negative response, fully validated[\s\S]*app\.slack\.test\. NSEC \\000\.app\.slack\.test\. RRSIG NSEC\n/,
      );
    } finally {
      signer.setQuirks([]);
    }
  });

  test('random names (escapes, \\000, \\255, wildcards, ENTs) in a random zone: delv validates every answer', async () => {
    const rnd = new SeededRandom('online-fuzz');
    const LABELS = ['a', 'b', 'www', 'X', '*', '\\000', '\\255', 'dot\\.ted', '0', 'zz', 'm'];
    const pick = <T>(xs: readonly T[]): T => xs[rnd.int(xs.length)]!;
    const name = (d: number) => Array.from({ length: 1 + rnd.int(d) }, () => pick(LABELS)).join('.');
    const origin = 'fz.test';
    const lines = ['$TTL 600', '@ SOA ns1 hostmaster 1 7200 3600 1209600 300', '@ NS ns1', `ns1 A ${ADDRESS}`];
    for (let i = 0; i < 20; i++) lines.push(rnd.int(4) === 0 ? `${name(3)} TXT "t${i}"` : `${name(3)} A 192.0.2.${i + 1}`);
    const fz = parseZoneText(lines.join('\n') + '\n', origin);
    const fk = generateKey({ algorithm: 15, owner: origin, ksk: true, seed: 'fz' });
    publishKeys(fz, [fk]);
    server.zones.add(fz, { onlineSigner: new OnlineSigner({ keys: [fk], now: () => Date.now() }) });
    writeFileSync(join(dir, 'fz.conf'), `trust-anchors { ${origin}. static-key 257 3 15 "${fk.dnskey.key.toString('base64')}"; };\n`);
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const qname = `${rnd.int(3) === 0 ? `${name(2)}.` : ''}${name(3)}.${origin}`;
      const qtype = pick(['A', 'TXT', 'AAAA']);
      const out = await new Promise<string>((resolve) =>
        execFile(
          'delv',
          [`@${ADDRESS}`, '-p', String(PORT), '-a', join(dir, 'fz.conf'), `+root=${origin}`, qname, qtype],
          { encoding: 'utf8', timeout: 20_000 },
          (_e, o, e) => resolve(`${o}${e}`),
        ),
      );
      if (!/fully validated/.test(out)) failures.push(`${qname} ${qtype}: ${out.split('\n').slice(0, 3).join(' | ')}`);
    }
    assert.deepEqual(failures, [], `zone:\n${lines.join('\n')}`);
  });

  test('a corrupted or expired signature is rejected by delv', async () => {
    signer.setQuirks([{ kind: 'corrupt-signature', owner: 'www.slack.test', type: 'A' }]);
    try {
      const out = await delv('www.slack.test', 'A');
      assert.doesNotMatch(out, /fully validated/);
      // delv 9.18's own reason, so a timeout or a server that is down cannot pass for a rejected signature.
      assert.match(out, /resolution failed: RRSIG failed to verify/);
    } finally {
      signer.setQuirks([]);
    }
    const now = Math.floor(Date.now() / 1000);
    signer.setQuirks([{ kind: 'signature-validity', owner: 'www.slack.test', type: 'A', inception: now - 7200, expiration: now - 3600 }]);
    try {
      const out = await delv('www.slack.test', 'A');
      assert.doesNotMatch(out, /fully validated/);
      assert.match(out, /verify failed due to bad signature \(keyid=\d+\): RRSIG has expired/);
      assert.match(out, /resolution failed: RRSIG has expired/);
    } finally {
      signer.setQuirks([]);
    }
    // Control: the same server, quirks cleared, validates the name.
    assert.match(await delv('www.slack.test', 'A'), /fully validated/);
  });
});
