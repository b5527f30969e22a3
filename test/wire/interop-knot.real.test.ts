// Decode real software's bytes: a knotd (Debian package "knot") serving a
// zone with every type we model, signed by knotd itself with NSEC3, on
// 127.0.1.1:5391 (this helper's address range). Our encoder builds the queries,
// our strict decoder reads knot's answers, and knot's RRSIGs must verify over
// our canonical form.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeMessage, decodeMessageUnguarded, encodeMessage } from '../../dns/wire/message.ts';
import { canonicalRdata, canonicalRecord, sortCanonical } from '../../dns/wire/canonical.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { makeQuery } from '../../dns/message.ts';
import { rdataKey } from '../../dns/rdata-key.ts';
import { nameEquals } from '../../dns/name.ts';
import { parseRecord } from '../../dns/zone/rdata-text.ts';
import type { DnskeyData, Message, RR, RRTypeName, RrsigData } from '../../dns/types.ts';

const ADDR = '127.0.1.1';
// Not 53: another process on this machine may hold 0.0.0.0:53.
const PORT = 5391;

const ZONE_LINES = [
  'example. 300 IN SOA ns1.example. hostmaster.example. 1 7200 3600 1209600 300',
  'example. 300 IN NS ns1.example.',
  'example. 300 IN NS NS2.Example.',
  'example. 300 IN MX 10 mail.example.',
  'example. 300 IN TXT "v=spf1 -all" "second string" ""',
  'example. 300 IN CAA 0 issue "ca.example; account=1"',
  'example. 300 IN HINFO "RFC8482" ""',
  'example. 300 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.',
  'example. 300 IN CDS 0 0 0 00',
  'example. 300 IN CDNSKEY 0 3 0 AA==',
  'example. 300 IN HTTPS 1 . alpn=h2,http/1.1 ipv6hint=2001:db8::1',
  'ns1.example. 300 IN A 192.0.2.1',
  'NS2.Example. 300 IN AAAA 2001:db8::53',
  'mail.example. 300 IN A 192.0.2.3',
  'www.example. 300 IN CNAME mail.example.',
  'd.example. 300 IN DNAME other.example.',
  '_sip._udp.example. 300 IN SRV 0 5 5060 sip.example.',
  '_443._tcp.example. 300 IN TLSA 3 1 1 4444444444444444444444444444444444444444444444444444444444444444',
  'host.example. 300 IN SSHFP 4 2 5555555555555555555555555555555555555555555555555555555555555555',
  '_http._tcp.example. 300 IN URI 10 1 "https://example/"',
  'svc.example. 300 IN SVCB 1 svc2.example. port=8443 ipv4hint=192.0.2.1',
  '1.2.0.192.in-addr.example. 300 IN PTR mail.example.',
  'sub.example. 300 IN NS ns.sub.example.',
  'sub.example. 300 IN DS 60485 13 2 abababababababababababababababababababababababababababababababab',
  'ns.sub.example. 300 IN A 192.0.2.53',
  'a\\.b.example. 300 IN TXT "escaped dot label"',
];

let knot: ChildProcess | undefined;
let dir = '';
let logPath = '';

function findBinary(name: string): string {
  for (const d of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) if (fs.existsSync(path.join(d, name))) return path.join(d, name);
  throw new Error(`${name} not found: install the Debian package "knot" (apt-get install -y knot)`);
}

function udpExchange(query: Message, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP answer from ${ADDR}:${PORT} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    sock.send(encodeMessage(query), PORT, ADDR);
  });
}

function tcpExchange(query: Message, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const reader = new TcpFrameReader();
    const s = net.connect(PORT, ADDR);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no TCP answer'));
    }, timeoutMs);
    s.on('connect', () => {
      // Send the frame in two pieces to exercise the server's reassembly too.
      const f = frameTcp(encodeMessage(query));
      s.write(f.subarray(0, 1));
      s.write(f.subarray(1));
    });
    s.on('data', (chunk) => {
      const [m] = reader.push(chunk);
      if (m !== undefined) {
        clearTimeout(timer);
        s.destroy();
        resolve(m);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

before(async () => {
  const knotd = findBinary('knotd');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnslab-wire-knot-'));
  logPath = path.join(dir, 'knot.log');
  fs.writeFileSync(path.join(dir, 'example.zone'), ZONE_LINES.join('\n') + '\n');
  fs.writeFileSync(
    path.join(dir, 'knot.conf'),
    `server:
    rundir: ${dir}
    listen: ${ADDR}@${PORT}
database:
    storage: ${dir}
policy:
  - id: n3
    algorithm: ecdsap256sha256
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 4
template:
  - id: default
    storage: ${dir}
    zonefile-sync: -1
zone:
  - domain: example.
    file: example.zone
    dnssec-signing: on
    dnssec-policy: n3
log:
  - target: stderr
    any: info
`,
  );
  const log = fs.openSync(logPath, 'w');
  knot = spawn(knotd, ['-c', path.join(dir, 'knot.conf')], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (knot.exitCode !== null) throw new Error(`knotd exited with ${knot.exitCode}: ${fs.readFileSync(logPath, 'utf8')}`);
    try {
      const r = decodeMessage(await udpExchange(makeQuery('example', 'SOA', { id: 1, do: true }), 300));
      if (r.rcode === 'NOERROR' && r.answer.some((a) => a.type === 'RRSIG')) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`knotd did not answer signed SOA within 30 s: ${fs.readFileSync(logPath, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (knot !== undefined && knot.exitCode === null) {
    const exited = new Promise((r) => knot!.once('exit', r));
    knot.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (knot.exitCode === null) knot.kill('SIGKILL');
  }
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

const expected = ZONE_LINES.map((l) => parseRecord(l));

async function fetchDnskey(): Promise<crypto.KeyObject[]> {
  const r = decodeMessage(await udpExchange(makeQuery('example', 'DNSKEY', { id: 2, do: true })));
  return r.answer
    .filter((a) => a.type === 'DNSKEY')
    .map((a) => {
      const k = (a.data as DnskeyData).key;
      return crypto.createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: k.subarray(0, 32).toString('base64url'), y: k.subarray(32).toString('base64url') },
        format: 'jwk',
      });
    });
}

function verifies(rrset: RR[], sig: RR, keys: crypto.KeyObject[]): boolean {
  const d = sig.data as RrsigData;
  const data = Buffer.concat([
    canonicalRdata({ ...sig, data: { ...d, signature: Buffer.alloc(0) } } as RR),
    ...sortCanonical(rrset).map((rr) => canonicalRecord(rr, d.originalTTL)),
  ]);
  return keys.some((key) => crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, d.signature));
}

const CASES: [string, RRTypeName][] = [
  ['example', 'SOA'],
  ['example', 'NS'],
  ['example', 'MX'],
  ['example', 'TXT'],
  ['example', 'CAA'],
  ['example', 'HINFO'],
  ['example', 'NAPTR'],
  ['example', 'CDS'],
  ['example', 'CDNSKEY'],
  ['example', 'HTTPS'],
  ['ns1.example', 'A'],
  ['ns2.example', 'AAAA'],
  ['www.example', 'CNAME'],
  ['d.example', 'DNAME'],
  ['_sip._udp.example', 'SRV'],
  ['_443._tcp.example', 'TLSA'],
  ['host.example', 'SSHFP'],
  ['_http._tcp.example', 'URI'],
  ['svc.example', 'SVCB'],
  ['1.2.0.192.in-addr.example', 'PTR'],
  ['sub.example', 'DS'],
  ['a\\.b.example', 'TXT'],
];

test('every type served by knotd decodes strictly to the zone data, and its RRSIG verifies over our canonical form', async () => {
  const keys = await fetchDnskey();
  assert.ok(keys.length >= 1);
  let id = 100;
  for (const [qname, qtype] of CASES) {
    const bytes = await udpExchange(makeQuery(qname, qtype, { id: ++id, do: true, rd: false }));
    const r = decodeMessage(bytes);
    assert.equal(r.id, id);
    assert.equal(r.rcode, 'NOERROR', `${qname} ${qtype}`);
    const got = r.answer.filter((a) => a.type === qtype && nameEquals(a.name, qname));
    let want = expected.filter((e) => e.type === qtype && nameEquals(e.name, qname));
    // knotd bumps the SOA serial when it signs the zone.
    if (qtype === 'SOA') want = want.map((w) => ({ ...w, data: { ...(w.data as object), serial: (got[0]?.data as { serial: number }).serial } }) as RR);
    assert.ok(want.length > 0);
    if (qtype === 'CDS' || qtype === 'CDNSKEY') {
      // knotd publishes its own CDS/CDNSKEY for the key it signs with, replacing the zone file's.
      assert.ok(got.length >= 1 && typeof (got[0]!.data as { algorithm: number }).algorithm === 'number', `${qtype} decoded structurally`);
    } else {
      assert.deepEqual(got.map(rdataKey).sort(), want.map(rdataKey).sort(), `${qname} ${qtype} RDATA`);
    }
    const sig = r.answer.find((a) => a.type === 'RRSIG' && (a.data as RrsigData).typeCovered === qtype);
    assert.ok(sig, `${qname} ${qtype} has an RRSIG`);
    assert.ok(verifies(got, sig, keys), `knot's RRSIG over ${qname} ${qtype} verifies`);
    // Our re-encoding decodes to the same message.
    assert.deepEqual(decodeMessage(encodeMessage(r)), r);
  }
});

test('NXDOMAIN with NSEC3 proofs from knotd decodes, NSEC3 RRSIGs verify', async () => {
  const keys = await fetchDnskey();
  const r = decodeMessage(await udpExchange(makeQuery('nope.example', 'A', { id: 7, do: true })));
  assert.equal(r.rcode, 'NXDOMAIN');
  const nsec3 = r.authority.filter((a) => a.type === 'NSEC3');
  assert.ok(nsec3.length >= 2);
  for (const n of nsec3) {
    const sig = r.authority.find((a) => a.type === 'RRSIG' && nameEquals(a.name, n.name));
    assert.ok(sig && verifies([n], sig, keys), `NSEC3 ${n.name} verifies`);
  }
  const p = decodeMessage(await udpExchange(makeQuery('example', 'NSEC3PARAM', { id: 8, do: true })));
  const param = p.answer.find((a) => a.type === 'NSEC3PARAM');
  assert.ok(param);
  assert.equal((param.data as { salt: Buffer }).salt.length, 4);
});

test("knotd's compressed responses re-encode to the very same bytes", async () => {
  // Byte identity with real software's compression for responses without
  // case differences (knot compresses case-insensitively; we only reuse exact octets).
  let same = 0;
  let id = 300;
  for (const [qname, qtype] of [
    ['example', 'MX'],
    ['example', 'NS'],
    ['www.example', 'A'],
    ['example', 'SOA'],
    ['mail.example', 'A'],
  ] as const) {
    const bytes = await udpExchange(makeQuery(qname, qtype, { id: ++id, do: false }));
    const r = decodeMessage(bytes);
    if (encodeMessage(r).equals(bytes)) same++;
    else assert.fail(`${qname} ${qtype}: ours ${encodeMessage(r).toString('hex')} knot ${bytes.toString('hex')}`);
  }
  assert.equal(same, 5);
});

test('TCP exchange with knotd through frameTcp/TcpFrameReader', async () => {
  const r = decodeMessage(await tcpExchange(makeQuery('example', 'TXT', { id: 9, do: true })));
  assert.equal(r.id, 9);
  assert.ok(r.answer.some((a) => a.type === 'TXT'));
});

test('EDNS version 1 gets BADVERS (extended RCODE 16) from knotd and we merge it from the OPT RR', async () => {
  const r = decodeMessage(await udpExchange(makeQuery('example', 'SOA', { id: 10, edns: { version: 1 } })));
  assert.equal(r.rcode, 'BADVERS');
  assert.equal(r.edns?.version, 0);
});

test("every prefix and 4000 single-octet mutations of knotd's real responses give WireError or a valid decode", async () => {
  const { WireError } = await import('../../dns/wire/errors.ts');
  const responses = [
    await udpExchange(makeQuery('nope.example', 'A', { id: 11, do: true })),
    await udpExchange(makeQuery('example', 'DNSKEY', { id: 12, do: true })),
    await udpExchange(makeQuery('example', 'HTTPS', { id: 13, do: true })),
    await udpExchange(makeQuery('example', 'MX', { id: 14, do: true })),
  ];
  const check = (b: Buffer, what: string): void => {
    try {
      decodeMessageUnguarded(b);
    } catch (e) {
      assert.ok(e instanceof WireError, `${what}: ${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  for (const full of responses) {
    const whole = decodeMessage(full);
    for (let n = 0; n < full.length; n++) {
      try {
        const d = decodeMessageUnguarded(full.subarray(0, n));
        assert.deepEqual(d, whole, `prefix ${n} decoded to something else`);
      } catch (e) {
        assert.ok(e instanceof WireError, `prefix ${n}: ${(e as Error).message}`);
      }
    }
    let seed = 12345;
    for (let i = 0; i < 1000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const b = Buffer.from(full);
      b[seed % b.length] = (seed >>> 8) & 0xff;
      check(b, `mutant ${i}`);
    }
  }
});
