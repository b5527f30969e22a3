// pcap capture of the virtual network: determinism, streaming, parse-back.
// What tshark reads from the same files is checked in pcap.real.test.ts.

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parsePacket, serializePacket } from '../../net/packet.ts';
import { PcapWriter, readPcap } from '../../net/pcap.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { scenario } from './pcap-scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'dnslab-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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
});
