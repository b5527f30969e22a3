// `dnslab probe --mode resolver` against a real dnsmasq (Debian dnsmasq-base)
// forwarding probe.lab to the probe's authoritative. What it finds is written
// down in lab/probe/README.md. Addresses 127.0.9.80–89.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { ProbeAuthority, runProbe, UdpClient, type ProbeReport } from '../../lab/probe/index.ts';

const INSTANCES = [
  { name: 'default', listen: '127.0.9.80', port: 5380, auth: '127.0.9.81', extra: [] as string[] },
  { name: 'edns-packet-max=4096', listen: '127.0.9.82', port: 5382, auth: '127.0.9.83', extra: ['--edns-packet-max=4096'] },
];

// dnsmasq picks random upstream source ports from 1024 up, bound on 0.0.0.0: that
// can take a port of the fixed NAT pools (21000–22499) that test/middlebox/probe.test.ts
// binds on 127.0.9.x at the same time (EADDRINUSE there). Keep it in its own range.
const DNSMASQ_PORTS = ['--min-port=40000', '--max-port=49999'];

describe('dnslab probe through a real dnsmasq forwarder', { timeout: 120_000 }, () => {
  const network = new SocketNetwork({ addresses: INSTANCES.flatMap((i) => [i.listen, i.auth]) });
  const children: ChildProcess[] = [];
  const authorities: ProbeAuthority[] = [];
  const reports = new Map<string, ProbeReport>();
  let version = '';

  before(async () => {
    const v = spawnSync('dnsmasq', ['--version'], { encoding: 'utf8' });
    assert.ok(!v.error, `dnsmasq is not installed: install the Debian package dnsmasq-base (${String(v.error)})`);
    version = v.stdout.split('\n')[0] ?? '';
    for (const inst of INSTANCES) {
      const authority = new ProbeAuthority(network, { address: inst.auth, port: 0 });
      await authority.start();
      authorities.push(authority);
      const child = spawn(
        'dnsmasq',
        [
          '-k',
          '--conf-file=/dev/null',
          `--listen-address=${inst.listen}`,
          `--port=${inst.port}`,
          '--bind-interfaces',
          '--no-resolv',
          '--no-hosts',
          `--server=/probe.lab/${inst.auth}#${authority.endpoint.port}`,
          '--pid-file=',
          '--log-facility=-',
          ...DNSMASQ_PORTS,
          ...inst.extra,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(child);
      // Ready when it answers (bounded: 50 × 100 ms).
      const c = await UdpClient.open(network, inst.auth);
      let ready = false;
      for (let i = 0; i < 50 && !ready && child.exitCode === null; i++) {
        ready = (await c.query(makeQuery('probe.lab', 'SOA', { id: 100 + i }), { address: inst.listen, port: inst.port }, 100)).ok;
      }
      c.close();
      assert.ok(ready, `dnsmasq on ${inst.listen}:${inst.port} did not answer`);
      reports.set(
        inst.name,
        await runProbe({
          network,
          through: { address: inst.listen, port: inst.port },
          authority,
          clientAddress: inst.auth,
          mode: 'resolver',
          udpTimeoutMs: 1000,
          tcpTimeoutMs: 2000,
          flows: 64,
          natSamples: 12,
        }),
      );
    }
  });
  after(async () => {
    for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGTERM');
    for (const a of authorities) await a.stop();
  });

  it('default settings: UDP answers stop at 1232 octets (edns-packet-max default), TC=1 then TCP works, EDNS0 correct, 64 flows, random ports and IDs', () => {
    const r = reports.get('default')!;
    assert.ok(version.startsWith('Dnsmasq version'));
    assert.deepEqual(
      r.checkpoints.map((c) => c.verdict),
      ['fail', 'untestable', 'pass', 'pass', 'pass', 'pass', 'pass'],
      r.checkpoints.map((c) => `${c.id}: ${c.summary}`).join('\n'),
    );
    assert.equal(r.checkpoints[0]!.evidence['largest'], 1232);
    const ids = r.checkpoints[6]!.evidence as { idsSent: number[]; idsAtAuthority: number[] };
    assert.notDeepEqual(ids.idsSent, ids.idsAtAuthority, 'dnsmasq uses its own query IDs upstream');
    assert.equal(r.notTested.length, 1);
  });

  it('with --edns-packet-max=4096 every checkpoint passes', () => {
    const r = reports.get('edns-packet-max=4096')!;
    assert.deepEqual(
      r.checkpoints.map((c) => c.verdict),
      ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'],
      r.checkpoints.map((c) => `${c.id}: ${c.summary}`).join('\n'),
    );
  });
});
