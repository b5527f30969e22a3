import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import { VirtualClock } from '../../net/clock.ts';
import { parsePacket, serializePacket } from '../../net/packet.ts';
import { PcapWriter, readPcap } from '../../net/pcap.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { type PathProperties } from '../../net/path.ts';
import { answerTcpFrames } from '../helpers/dns-tcp.ts';

const dir = mkdtempSync(join(tmpdir(), 'dnslab-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function query(id: number, name: string, type: 'A' | 'AAAA' | 'TXT'): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

/** An answer to `q`; TXT answers are made large on purpose (3 kB: needs fragmentation). */
function answer(q: Buffer): Buffer {
  const m = dnsPacket.decode(q);
  const question = m.questions![0]!;
  const answers: dnsPacket.Answer[] =
    question.type === 'TXT'
      ? Array.from({ length: 12 }, (_, i) => ({ type: 'TXT' as const, name: question.name, ttl: 300, class: 'IN' as const, data: [`chunk-${i}-${'x'.repeat(240)}`] }))
      : question.type === 'AAAA'
        ? [{ type: 'AAAA', name: question.name, ttl: 300, class: 'IN', data: '2001:db8::80' }]
        : [{ type: 'A', name: question.name, ttl: 300, class: 'IN', data: '192.0.2.80' }];
  return dnsPacket.encode({ type: 'response', id: m.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: m.questions, answers });
}

/** A small DNS exchange: UDP/IPv4, a fragmented UDP answer, DNS over TCP, UDP/IPv6. Returns the pcap bytes. */
async function scenario(seed: string, path: Partial<PathProperties> = {}): Promise<Buffer> {
  const pcap = new PcapWriter();
  const net = new VirtualNetwork({ seed, capture: pcap, clock: new VirtualClock() });
  net.setDefaults(path);
  const client = net.addHost('client', ['192.0.2.1', '2001:db8::1']);
  const server = net.addHost('server', ['192.0.2.53', '2001:db8::53']);
  for (const address of ['192.0.2.53', '2001:db8::53']) {
    const s = await server.bindUdp({ address, port: 53 });
    s.onMessage((q, from) => s.send(answer(q), from));
  }
  await server.listenTcp({ address: '192.0.2.53', port: 53 }, (conn) => answerTcpFrames(conn, answer));
  const c4 = await client.bindUdp({ address: '192.0.2.1', port: 0 });
  const c6 = await client.bindUdp({ address: '2001:db8::1', port: 0 });
  c4.send(query(1, 'www.example.jp', 'A'), { address: '192.0.2.53', port: 53 });
  await net.clock.runFor(100);
  c4.send(query(2, 'big.example.jp', 'TXT'), { address: '192.0.2.53', port: 53 });
  await net.clock.runFor(100);
  const conn = await net.clock.runUntilSettled(client.connectTcp({ address: '192.0.2.53', port: 53 }));
  const q = query(3, 'tcp.example.jp', 'TXT');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  conn.write(Buffer.concat([len, q]));
  await net.clock.runFor(100);
  conn.end();
  await net.clock.runFor(100);
  c6.send(query(4, 'v6.example.jp', 'AAAA'), { address: '2001:db8::53', port: 53 });
  await net.clock.runUntilIdle();
  return pcap.toBuffer();
}

function tshark(file: string, args: string[]): string {
  try {
    return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('tshark is not installed: apt-get install tshark (Debian package "tshark")');
    throw new Error(`tshark failed: ${e.stderr ?? e.message}`);
  }
}

describe('pcap capture of the virtual network', { timeout: 60_000 }, () => {
  it('same seed ⇒ byte-identical pcap (even with loss and jitter)', async () => {
    const path = { loss: 0.1, jitterMs: 5, latencyMs: 7 };
    const a = await scenario('pcap-det', path);
    const b = await scenario('pcap-det', path);
    assert.ok(a.equals(b));
    const c = await scenario('pcap-det-other', path);
    assert.ok(!a.equals(c));
  });

  it('streaming to a file gives the same bytes as the in-memory writer; maxPackets bounds it', async () => {
    const file = join(dir, 'stream.pcap');
    const mem = new PcapWriter();
    const disk = new PcapWriter({ path: file });
    const capped = new PcapWriter({ maxPackets: 3 });
    const fan = { write: (t: number, p: Parameters<PcapWriter['write']>[1]) => (mem.write(t, p), disk.write(t, p), capped.write(t, p)) };
    const net = new VirtualNetwork({ seed: 'stream', capture: fan });
    const a = net.addHost('a', ['192.0.2.1']);
    net.addHost('b', ['192.0.2.2']);
    const s = await a.bindUdp({ address: '192.0.2.1', port: 0 });
    for (let i = 0; i < 5; i++) s.send(Buffer.from(`x${i}`), { address: '192.0.2.2', port: 9 });
    await net.clock.runUntilIdle();
    disk.close();
    assert.ok(readFileSync(file).equals(mem.toBuffer()));
    assert.equal(mem.packets, 5);
    assert.equal(readPcap(capped.toBuffer()).records.length, 3);
    assert.equal(capped.skipped, 2);
  });

  it('every record parses back to the packet bytes it came from (checksums valid)', async () => {
    const { linkType, records } = readPcap(await scenario('roundtrip'));
    assert.equal(linkType, 101);
    assert.ok(records.length > 15);
    for (const r of records) {
      const p = parsePacket(r.bytes);
      assert.ok(p, 'parsePacket verifies UDP/TCP checksums of whole packets');
      assert.ok(serializePacket(p).equals(r.bytes));
    }
    assert.equal(new Date(records[0]!.time).toISOString(), '2026-01-01T00:00:00.000Z');
  });

  it('tshark decodes UDP DNS, a fragmented answer reassembled, DNS over TCP, and IPv6; checksums good', async () => {
    const file = join(dir, 'dns.pcap');
    writeFileSync(file, await scenario('tshark'));
    const out = tshark(file, [
      '-o', 'udp.check_checksum:TRUE',
      '-o', 'tcp.check_checksum:TRUE',
      '-o', 'ip.check_checksum:TRUE',
      '-Y', 'dns',
      '-T', 'fields', '-E', 'separator=|',
      '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.proto', '-e', 'ipv6.nxt', '-e', 'dns.id', '-e', 'dns.flags.response',
      '-e', 'dns.qry.name', '-e', 'dns.count.answers', '-e', 'ip.fragments',
    ]);
    const rows = out.trim().split('\n').map((l) => l.split('|'));
    const summary = rows.map(([src4, src6, proto4, nxt6, id, resp, qname, ancount, frags]) =>
      // tshark prints booleans as 0/1 or False/True depending on its version.
      [src4 || src6, proto4 || nxt6, id, resp === '1' || resp === 'True' ? 'R' : 'Q', qname, ancount, frags ? 'reassembled' : ''].join(' '),
    );
    assert.deepEqual(summary, [
      '192.0.2.1 17 0x0001 Q www.example.jp 0 ',
      '192.0.2.53 17 0x0001 R www.example.jp 1 ',
      '192.0.2.1 17 0x0002 Q big.example.jp 0 ',
      '192.0.2.53 17 0x0002 R big.example.jp 12 reassembled',
      '192.0.2.1 6 0x0003 Q tcp.example.jp 0 ',
      '192.0.2.53 6 0x0003 R tcp.example.jp 12 ',
      '2001:db8::1 17 0x0004 Q v6.example.jp 0 ',
      '2001:db8::53 17 0x0004 R v6.example.jp 1 ',
    ]);
    // Nothing malformed and no bad checksum anywhere in the file.
    const bad = tshark(file, [
      '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
      '-Y', '_ws.malformed || udp.checksum.status == 0 || tcp.checksum.status == 0 || ip.checksum.status == 0 || tcp.analysis.flags',
    ]);
    assert.equal(bad.trim(), '');
    // The handshake and teardown are there.
    const flags = tshark(file, ['-Y', 'tcp', '-T', 'fields', '-e', 'tcp.flags.str']).trim().split('\n').map((s) => s.replace(/·/g, ''));
    assert.deepEqual(flags.slice(0, 3), ['S', 'AS', 'A']);
    assert.ok(flags.filter((f) => f.includes('F')).length === 2);
  });

  it('tshark reassembles IPv6 fragments (fragment header) and reads the Ethernet link type', async () => {
    const pcap = new PcapWriter({ linkType: 'ethernet' });
    const net = new VirtualNetwork({ seed: 'v6frag', capture: pcap });
    net.setDefaults({ mtu: 1280 });
    const client = net.addHost('client', ['2001:db8::1']);
    const server = net.addHost('server', ['2001:db8::53']);
    const s = await server.bindUdp({ address: '2001:db8::53', port: 53 });
    s.onMessage((q, from) => s.send(answer(q), from));
    const c = await client.bindUdp({ address: '2001:db8::1', port: 0 });
    c.send(query(7, 'big6.example.jp', 'TXT'), { address: '2001:db8::53', port: 53 });
    await net.clock.runUntilIdle();
    const file = join(dir, 'v6frag.pcap');
    writeFileSync(file, pcap.toBuffer());
    const out = tshark(file, ['-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|', '-e', 'eth.type', '-e', 'ipv6.fraghdr.offset', '-e', 'dns.qry.name', '-e', 'dns.count.answers', '-e', 'udp.checksum.status']);
    const rows = out.trim().split('\n');
    // The query, then the ~3.1 kB answer in three fragments; offsets count 8-octet units
    // (1232 = 1280 - 40 - 8 bytes per fragment = 154 units); the last one completes the datagram.
    assert.deepEqual(rows, ['0x86dd||big6.example.jp|0|1', '0x86dd|0|||', '0x86dd|154|||', '0x86dd|308|big6.example.jp|12|1']);
  });
});
