// `dnslab auth`: argument checks, zone-file errors, serving on real sockets,
// and a clean exit (code 0) on Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { main } from '../../lab/cli/main.ts';
import { parseQuirk } from '../../lab/cli/auth.ts';
import { query } from './helpers.ts';
import { tcpExchange, udpExchange, waitUntilAnswers } from './lib/dns-client.ts';

const ADDRESS = '127.0.4.20';

function io(onListening?: () => Promise<void>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    io: { stdout, stderr, waitForInterrupt: () => (onListening ? onListening() : Promise.resolve()) },
    out: () => out,
    err: () => err,
  };
}

const ZONE = `$TTL 300
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60
@ IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.80
`;

describe('dnslab auth (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-auth-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'lab.zone'), `$ORIGIN lab.test.\n${ZONE}`);
  writeFileSync(join(dir, 'noorigin.zone'), ZONE);
  writeFileSync(join(dir, 'bad.zone'), `$ORIGIN bad.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 60\nwww IN A 300.1.2.3\n`);

  it('refuses a non-loopback address without --allow-external', async () => {
    const c = io();
    const code = await main(['auth', '--zone', join(dir, 'lab.zone'), '--listen', '192.0.2.1:53'], c.io);
    assert.equal(code, 2);
    assert.match(c.err(), /not a loopback address.*--allow-external/);
  });

  it('names file and line of a zone-file error; exit 2 (input error)', async () => {
    const c = io();
    const code = await main(['auth', '--zone', join(dir, 'bad.zone'), '--listen', `${ADDRESS}:5320`], c.io);
    assert.equal(code, 2);
    assert.match(c.err(), /bad\.zone:4/);
  });

  it('parses --quirk short forms and JSON, and rejects unknown ones', async () => {
    assert.deepEqual(parseQuirk('lame=SERVFAIL'), { kind: 'lame', rcode: 'SERVFAIL' });
    assert.deepEqual(parseQuirk('delay=250'), { kind: 'delay', ms: 250 });
    assert.deepEqual(parseQuirk('{"kind":"lame","zone":"example.jp"}'), { kind: 'lame', zone: 'example.jp' });
    assert.throws(() => parseQuirk('delay=soon'), /delay needs ms/);
    const c = io();
    assert.equal(await main(['auth', '--zone', join(dir, 'lab.zone'), '--quirk', 'explode'], c.io), 2);
    assert.match(c.err(), /unknown quirk "explode"/);
  });

  it('serves with a quirk from the command line', async () => {
    const c = io(async () => {
      const u = await udpExchange(ADDRESS, 5323, query('www.lab.test', 'A'));
      assert.equal(u !== 'timeout' && u.message?.rcode, 'REFUSED');
    });
    assert.equal(await main(['auth', '--zone', join(dir, 'lab.zone'), '--listen', `${ADDRESS}:5323`, '--quirk', 'lame'], c.io), 0, c.err());
    assert.match(c.out(), /quirks: \{"kind":"lame"\}/);
  });

  it('asks for a zone', async () => {
    const c = io();
    assert.equal(await main(['auth'], c.io), 2);
    assert.match(c.err(), /--zone/);
  });

  it('serves FILE:ORIGIN on UDP and TCP until interrupted', async () => {
    const c = io(async () => {
      const u = await udpExchange(ADDRESS, 5321, query('www.zone.test', 'A'));
      const t = await tcpExchange(ADDRESS, 5321, [query('www.zone.test', 'A', { id: 1 }), query('nx.zone.test', 'A', { id: 2 })]);
      assert.notEqual(u, 'timeout');
      assert.equal(u !== 'timeout' && u.message?.answer[0]?.data, '192.0.2.80');
      assert.notEqual(t, 'timeout');
      assert.deepEqual(t !== 'timeout' && t.map((r) => r.message?.rcode), ['NOERROR', 'NXDOMAIN']);
    });
    const code = await main(['auth', '--zone', `${join(dir, 'noorigin.zone')}:zone.test`, '--listen', `${ADDRESS}:5321`, '--log'], c.io);
    assert.equal(code, 0, c.err());
    assert.match(c.err(), /udp query \d+ www\.zone\.test A/);
    assert.match(c.err(), /tcp response 2 NXDOMAIN/);
    assert.match(c.out(), /serving zone\.test\./);
    assert.match(c.out(), /stopped/);
  });

  it('refuses a zone that `zone check` rejects, naming file:line; --allow-broken serves it anyway', async () => {
    // CNAME (line 7) beside the A of www: named and NSD refuse to load this zone.
    writeFileSync(join(dir, 'broken.zone'), `$ORIGIN broken.test.\n${ZONE}www IN CNAME elsewhere.example.\n`);
    const refused = io();
    assert.equal(await main(['auth', '--zone', join(dir, 'broken.zone'), '--listen', `${ADDRESS}:5324`], refused.io), 2);
    assert.match(refused.err(), /broken\.zone:7: error CNAME_AND_OTHER_DATA: www\.broken\.test\. has a CNAME and other data/);
    assert.match(refused.err(), /not serving it \(--allow-broken serves it anyway\)\n$/);
    assert.doesNotMatch(refused.out(), /serving/);
    const served = io(async () => {
      const u = await udpExchange(ADDRESS, 5324, query('www.broken.test', 'A'));
      assert.equal(u !== 'timeout' && u.message?.rcode, 'NOERROR');
    });
    assert.equal(await main(['auth', '--zone', join(dir, 'broken.zone'), '--listen', `${ADDRESS}:5324`, '--allow-broken'], served.io), 0, served.err());
    assert.match(served.out(), /serving broken\.test\./);
    assert.match(served.err(), /CNAME_AND_OTHER_DATA.*\(served anyway: --allow-broken\)/);
  });

  it('refuses a second --zone for the same origin (NSD and named do), whatever the spelling', async () => {
    writeFileSync(join(dir, 'lab2.zone'), `$ORIGIN LAB.test.\n${ZONE}`);
    const c = io();
    assert.equal(await main(['auth', '--zone', join(dir, 'lab.zone'), '--zone', join(dir, 'lab2.zone'), '--listen', `${ADDRESS}:5325`], c.io), 2);
    assert.match(c.err(), /^dnslab auth: .*lab2\.zone: zone lab\.test\. is already served from .*lab\.zone; give each origin once\n$/i);
  });

  it('--zone never takes the next option as its file name', async () => {
    const c = io();
    assert.equal(await main(['auth', '--zone', '--listen', `${ADDRESS}:5326`], c.io), 2);
    assert.equal(c.err(), 'dnslab auth: --zone needs a value (usage: dnslab help auth)\n');
  });

  it('an address in use is a setup error: exit 2, one line', async () => {
    const busy = createSocket('udp4');
    await new Promise<void>((resolve) => busy.bind(5327, ADDRESS, () => resolve()));
    try {
      const c = io(() => Promise.reject(new Error('must not serve')));
      assert.equal(await main(['auth', '--zone', join(dir, 'lab.zone'), '--listen', `${ADDRESS}:5327`], c.io), 2);
      assert.match(c.err(), /^dnslab auth: .*127\.0\.4\.20:5327 is already in use[^\n]*\n$/);
    } finally {
      busy.close();
    }
  });

  it('exits with code 0 on SIGINT', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lab/cli/main.ts', 'auth', '--zone', join(dir, 'lab.zone'), '--listen', `${ADDRESS}:5322`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntilAnswers(ADDRESS, 5322, query('lab.test', 'SOA'), 20_000);
      child.kill('SIGINT');
      assert.equal(await exited, 0, out);
      assert.match(out, /stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
