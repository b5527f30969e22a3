// Real clients against our encoder: dig (bind9-dnsutils) and kdig
// (knot-dnsutils) query a tiny responder on 127.0.1.2:5392 (this helper's
// range) that answers with every record type we model, compressed. The
// clients must parse our bytes without complaint; their queries must decode
// strictly and re-encode byte for byte. A no-EDNS query gets a truncated
// (TC=1) UDP answer from encodeWithinLimit and the client retries over TCP.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { decodeMessage, encodeMessage, encodeWithinLimit } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { makeResponse } from '../../dns/message.ts';
import type { Message } from '../../dns/types.ts';
import { TYPE_CASES } from './fixtures.ts';

const ADDR = '127.0.1.2';
const PORT = 5392;
const run = promisify(execFile);

const seenQueries: { bytes: Buffer; msg: Message; transport: 'udp' | 'tcp' }[] = [];
/** Every UDP response as sent, to check its size. */
const sentUdp: Buffer[] = [];
let udp: dgram.Socket | undefined;
let tcp: net.Server | undefined;

function answer(query: Message): Message {
  const r = makeResponse(query);
  r.flags.aa = true;
  const q = query.question[0]!;
  // Every test record, re-owned under the query name so compression has work to do.
  r.answer = TYPE_CASES.map((c) => ({ ...c.rr, name: c.rr.name === 'example' ? q.qname : `${c.rr.name.split('.')[0]}.${q.qname}` }));
  if (query.edns !== undefined) r.edns = { udpPayloadSize: 1232, version: 0, do: query.edns.do, z: 0, options: [] };
  return r;
}

function binary(name: string, pkg: string): string {
  for (const d of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) if (fs.existsSync(`${d}/${name}`)) return `${d}/${name}`;
  throw new Error(`${name} not found: install the Debian package "${pkg}" (apt-get install -y ${pkg})`);
}

before(async () => {
  udp = dgram.createSocket('udp4');
  udp.on('message', (bytes, rinfo) => {
    const msg = decodeMessage(bytes);
    seenQueries.push({ bytes, msg, transport: 'udp' });
    const limit = msg.edns ? Math.max(512, msg.edns.udpPayloadSize) : 512;
    const out = encodeWithinLimit(answer(msg), limit).bytes;
    sentUdp.push(out);
    udp!.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp!.bind(PORT, ADDR, resolve));
  tcp = net.createServer((sock) => {
    const reader = new TcpFrameReader();
    sock.on('data', (chunk) => {
      for (const bytes of reader.push(chunk)) {
        const msg = decodeMessage(bytes);
        seenQueries.push({ bytes, msg, transport: 'tcp' });
        sock.write(frameTcp(encodeMessage(answer(msg))));
      }
    });
    sock.on('error', () => sock.destroy());
  });
  await new Promise<void>((resolve) => tcp!.listen(PORT, ADDR, resolve));
});

after(async () => {
  udp?.close();
  await new Promise((r) => (tcp ? tcp.close(r) : r(undefined)));
});

const TYPES_SHOWN = [
  'A',
  'AAAA',
  'NS',
  'CNAME',
  'DNAME',
  'PTR',
  'SOA',
  'MX',
  'TXT',
  'SRV',
  'NAPTR',
  'HINFO',
  'CAA',
  'DS',
  'CDS',
  'DNSKEY',
  'CDNSKEY',
  'RRSIG',
  'NSEC',
  'NSEC3',
  'NSEC3PARAM',
  'TLSA',
  'SSHFP',
  'URI',
  'SVCB',
  'HTTPS',
  'TYPE65280',
];

function answerTypes(out: string): Set<string> {
  const types = new Set<string>();
  let inAnswer = false;
  for (const line of out.split('\n')) {
    if (/ANSWER SECTION/.test(line)) inAnswer = true;
    else if (/^;;.*SECTION/.test(line) || line.trim() === '') inAnswer = false;
    else if (inAnswer) types.add(line.split(/\s+/)[3] ?? '');
  }
  return types;
}

test('dig parses our compressed response with every type, and its query decodes and re-encodes byte for byte', async () => {
  const dig = binary('dig', 'bind9-dnsutils');
  seenQueries.length = 0;
  const { stdout } = await run(dig, [`@${ADDR}`, '-p', String(PORT), '+dnssec', '+tries=1', '+time=3', '+bufsize=4096', 'www.Example', 'A'], {
    timeout: 15_000,
  });
  assert.doesNotMatch(stdout, /malformed|bad packet|FORMERR|parse/i, stdout);
  assert.match(stdout, /status: NOERROR/);
  assert.match(stdout, /flags: qr aa rd;/);
  assert.match(stdout, new RegExp(`ANSWER: ${TYPE_CASES.length},`));
  const types = answerTypes(stdout);
  for (const t of TYPES_SHOWN) assert.ok(types.has(t), `dig shows a ${t} record:\n${stdout}`);
  assert.match(stdout, /HTTPS\s+1 \. alpn="h2,http\/1.1" ipv6hint=2001:db8::1/);
  assert.match(stdout, /SVCB\s+1 svc\.example\. port=8443 ipv4hint=192\.0\.2\.1/);

  const q = seenQueries.find((s) => s.transport === 'udp');
  assert.ok(q, `a UDP query arrived: ${JSON.stringify(seenQueries.map((s) => s.transport))}`);
  assert.equal(q.msg.question[0]!.qname, 'www.Example');
  assert.equal(q.msg.question[0]!.qtype, 'A');
  assert.equal(q.msg.edns?.do, true);
  assert.equal(q.msg.edns?.udpPayloadSize, 4096);
  assert.ok(
    q.msg.edns?.options.some((o) => o.code === 10 && o.data.length === 8),
    'dig sends a client COOKIE',
  );
  assert.ok(encodeMessage(q.msg).equals(q.bytes), "dig's query re-encodes to the same bytes");
});

test('kdig parses our response too', async () => {
  const kdig = binary('kdig', 'knot-dnsutils');
  seenQueries.length = 0;
  const { stdout } = await run(kdig, [`@${ADDR}`, '-p', String(PORT), '+dnssec', '+retry=0', '+time=3', '+bufsize=4096', 'www.example', 'TYPE65'], {
    timeout: 15_000,
  });
  assert.doesNotMatch(stdout, /malformed|failed|;; ERROR|WARNING/, stdout);
  assert.match(stdout, /status: NOERROR/);
  const types = answerTypes(stdout);
  for (const t of ['SVCB', 'HTTPS', 'NSEC3PARAM', 'URI', 'CDS', 'CDNSKEY', 'RRSIG', 'NSEC3', 'TYPE65280'])
    assert.ok(types.has(t), `kdig shows ${t}:\n${stdout}`);
  assert.equal(seenQueries[0]!.msg.question[0]!.qtype, 'HTTPS');
  assert.ok(encodeMessage(seenQueries[0]!.msg).equals(seenQueries[0]!.bytes), "kdig's query re-encodes to the same bytes");
});

test('without EDNS the UDP answer is cut to 512 octets with TC=1, and dig retries over TCP and gets it all', async () => {
  const dig = binary('dig', 'bind9-dnsutils');
  seenQueries.length = 0;
  sentUdp.length = 0;
  const { stdout } = await run(dig, [`@${ADDR}`, '-p', String(PORT), '+noedns', '+tries=1', '+time=3', 'big.example', 'A'], { timeout: 15_000 });
  assert.match(stdout, /Truncated, retrying in TCP mode/);
  // The full answer does not fit; what went out over UDP does, with TC=1.
  assert.ok(encodeMessage(answer(seenQueries[0]!.msg)).length > 512);
  assert.equal(sentUdp.length, 1);
  assert.ok(sentUdp[0]!.length <= 512, `UDP answer of ${sentUdp[0]!.length} octets`);
  assert.equal(decodeMessage(sentUdp[0]!).flags.tc, true);
  assert.match(stdout, /status: NOERROR/);
  assert.match(stdout, new RegExp(`ANSWER: ${TYPE_CASES.length},`));
  assert.deepEqual(
    seenQueries.map((s) => s.transport),
    ['udp', 'tcp'],
  );
});
