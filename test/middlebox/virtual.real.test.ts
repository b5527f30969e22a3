// The home-router case of virtual.test.ts (UDP answers capped at 512 octets,
// TCP/53 rejected) read back from the saved pcap by tshark (Debian package
// tshark), run live: it must see the box's TC=1 answers and its RSTs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EdnsProxy, stagesInterceptor, TcpFilter } from '../../servers/middlebox/index.ts';
import { buildMbWorld, drive, RESOLVER } from './world.ts';

const MB = '10.1.0.2';

describe('middlebox pcap read by tshark', { timeout: 120_000 }, () => {
  it('home router: tshark sees the TC=1 answers and the RSTs from the box', async () => {
    const w = await buildMbWorld({ nsAddress: MB, mbServers: [MB], seed: 'cap512' });
    const proxy = new EdnsProxy({ maxUdpAnswer: 512 });
    w.net.addInterceptor(stagesInterceptor([proxy]), { from: RESOLVER, to: MB });
    w.net.addInterceptor(stagesInterceptor([proxy]), { from: MB, to: RESOLVER });
    w.net.addInterceptor(new TcpFilter({ tcp: 'reject' }), { from: RESOLVER, to: MB });
    assert.equal((await drive(w.clock, w.resolver.resolve('big.mb', 'TXT', { do: true }))).rcode, 'SERVFAIL');
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-mb-'));
    try {
      const file = join(dir, 'cap512.pcap');
      w.pcap.save(file);
      const run = (filter: string) => {
        const r = spawnSync('tshark', ['-r', file, '-Y', filter], { encoding: 'utf8', timeout: 30_000 });
        assert.ok(!r.error, `tshark is needed (Debian package tshark): ${String(r.error)}`);
        return r.stdout.trim().split('\n').filter(Boolean).length;
      };
      assert.ok(run(`dns.flags.truncated == 1 && ip.src == ${MB}`) > 0, 'tshark sees TC=1 answers');
      assert.ok(run(`tcp.flags.reset == 1 && ip.src == ${MB}`) > 0, 'tshark sees the RSTs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await w.stop();
    }
  });
});
