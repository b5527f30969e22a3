// The pcap files the virtual network writes, read by tshark (Debian package
// tshark): DNS over UDP/TCP/IPv6, reassembly, checksums, the Ethernet link type.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PcapWriter } from '../../net/pcap.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { answer, query, scenario } from './pcap-scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'dnslab-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tshark(file: string, args: string[]): string {
  try {
    return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('tshark is not installed: apt-get install tshark (Debian package "tshark")');
    throw new Error(`tshark failed: ${e.stderr ?? e.message}`);
  }
}

describe('pcap capture of the virtual network, read by tshark', { timeout: 60_000 }, () => {
  it('tshark decodes UDP DNS, a fragmented answer reassembled, DNS over TCP, and IPv6; checksums good', async () => {
    const file = join(dir, 'dns.pcap');
    writeFileSync(file, await scenario('tshark'));
    const out = tshark(file, [
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      '-Y',
      'dns',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'ip.proto',
      '-e',
      'ipv6.nxt',
      '-e',
      'dns.id',
      '-e',
      'dns.flags.response',
      '-e',
      'dns.qry.name',
      '-e',
      'dns.count.answers',
      '-e',
      'ip.fragments',
    ]);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
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
      '-o',
      'udp.check_checksum:TRUE',
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      '-Y',
      '_ws.malformed || udp.checksum.status == 0 || tcp.checksum.status == 0 || ip.checksum.status == 0 || tcp.analysis.flags',
    ]);
    assert.equal(bad.trim(), '');
    // The handshake and teardown are there.
    const flags = tshark(file, ['-Y', 'tcp', '-T', 'fields', '-e', 'tcp.flags.str'])
      .trim()
      .split('\n')
      .map((s) => s.replace(/·/g, ''));
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
    const out = tshark(file, [
      '-o',
      'udp.check_checksum:TRUE',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'eth.type',
      '-e',
      'ipv6.fraghdr.offset',
      '-e',
      'dns.qry.name',
      '-e',
      'dns.count.answers',
      '-e',
      'udp.checksum.status',
    ]);
    const rows = out.trim().split('\n');
    // The query, then the ~3.1 kB answer in three fragments; offsets count 8-octet units
    // (1232 = 1280 - 40 - 8 bytes per fragment = 154 units); the last one completes the datagram.
    assert.deepEqual(rows, ['0x86dd||big6.example.jp|0|1', '0x86dd|0|||', '0x86dd|154|||', '0x86dd|308|big6.example.jp|12|1']);
  });
});
