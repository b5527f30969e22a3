// `dnslab probe` against each middlebox emulator on real loopback sockets:
// the report must show exactly the quirks the box was configured with — each
// setting fails the checkpoints it breaks and passes the rest.
// Addresses: 127.0.9.10–39 (probe authoritatives), 127.0.9.40–69 (boxes); at most 30 cases.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SocketNetwork } from '../../net/socket.ts';
import { ProbeAuthority, runProbe, type ProbeReport, type ProbeVerdict } from '../../lab/probe/index.ts';
import { buildStages, MiddleboxProxy, natConfig, sessionConfig, validateSettings, type MiddleboxSettings } from '../../servers/middlebox/index.ts';

const P: ProbeVerdict = 'pass';
const F: ProbeVerdict = 'fail';
const U: ProbeVerdict = 'untestable';

interface Case {
  name: string;
  settings: MiddleboxSettings;
  /** Verdicts of checkpoints 1..7. */
  expect: [ProbeVerdict, ProbeVerdict, ProbeVerdict, ProbeVerdict, ProbeVerdict, ProbeVerdict, ProbeVerdict];
}

const CASES: Case[] = [
  { name: 'plain proxy', settings: {}, expect: [P, P, P, P, P, P, P] },
  { name: 'max-udp 1400 drop', settings: { maxUdp: 1400, oversize: 'drop' }, expect: [F, U, P, P, P, P, P] },
  { name: 'max-udp 1400 truncate', settings: { maxUdp: 1400, oversize: 'truncate' }, expect: [F, U, P, P, P, P, P] },
  { name: 'edns-rewrite 512', settings: { ednsRewrite: 512 }, expect: [F, U, P, P, P, P, P] },
  { name: 'mtu 1500 fragments drop', settings: { mtu: 1500, fragments: 'drop' }, expect: [F, F, P, P, P, P, P] },
  { name: 'mtu 1500 fragments first', settings: { mtu: 1500, fragments: 'first' }, expect: [F, F, P, P, P, P, P] },
  { name: 'mtu 1500 fragments pass', settings: { mtu: 1500, fragments: 'pass' }, expect: [P, P, P, P, P, P, P] },
  { name: 'tcp reject', settings: { tcp: 'reject' }, expect: [P, P, F, F, P, P, P] },
  { name: 'tcp blackhole', settings: { tcp: 'blackhole' }, expect: [P, P, F, F, P, P, P] },
  { name: 'strip opt', settings: { strip: ['opt'] }, expect: [F, U, P, P, F, P, P] },
  { name: 'strip do', settings: { strip: ['do'] }, expect: [P, P, P, P, F, P, P] },
  { name: 'strip rrsig', settings: { strip: ['rrsig'] }, expect: [P, P, P, P, F, P, P] },
  { name: 'formerr to EDNS', settings: { formerrEdns: true }, expect: [F, U, F, P, F, P, P] },
  { name: 'home router: 512 cap, TCP rejected', settings: { capAnswers: 512, tcp: 'reject' }, expect: [F, U, F, F, P, P, P] },
  { name: 'udp-sessions 16', settings: { udpSessions: 16 }, expect: [P, P, P, P, P, F, P] },
  { name: 'nat-ports 500 predictable', settings: { natPorts: 500, natPredictable: true, natPortBase: 21000 }, expect: [P, P, P, P, P, P, F] },
  { name: 'nat-ports 500 random', settings: { natPorts: 500, natPortBase: 22000 }, expect: [P, P, P, P, P, P, P] },
  { name: 'loss 1 (nothing gets through)', settings: { loss: 1 }, expect: [F, U, F, F, F, F, U] },
  { name: 'latency 20 ms + jitter 10 ms', settings: { latencyMs: 20, jitterMs: 10, seed: 3 }, expect: [P, P, P, P, P, P, P] },
];

describe('dnslab probe reports exactly the quirks each middlebox emulator has', { timeout: 180_000 }, () => {
  const addresses = CASES.flatMap((_, i) => [`127.0.9.${10 + i}`, `127.0.9.${40 + i}`]);
  const network = new SocketNetwork({ addresses });
  const reports = new Map<string, ProbeReport>();
  const running: { stop(): Promise<void> }[] = [];

  before(async () => {
    await Promise.all(
      CASES.map(async (c, i) => {
        const authority = new ProbeAuthority(network, { address: `127.0.9.${10 + i}`, port: 0 });
        await authority.start();
        running.push(authority);
        const s = validateSettings(c.settings);
        const nat = natConfig(s);
        const box = new MiddleboxProxy({
          network,
          listen: { address: `127.0.9.${40 + i}`, port: 0 },
          upstreams: [authority.endpoint],
          stages: buildStages(s),
          ...(s.tcp ? { tcp: s.tcp } : {}),
          sessions: sessionConfig(s),
          ...(nat ? { nat } : {}),
          seed: `case-${i}`,
        });
        await box.start();
        running.push(box);
        const report = await runProbe({
          network,
          through: box.endpoint,
          authority,
          clientAddress: `127.0.9.${10 + i}`,
          udpTimeoutMs: 1000,
          tcpTimeoutMs: 2000,
          flows: 32,
          natSamples: 10,
          seed: `probe-${i}`,
        });
        reports.set(c.name, report);
      }),
    );
  });
  after(async () => {
    for (const r of running) await r.stop();
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.expect.map((v, i) => `${i + 1}=${v}`).join(' ')}`, () => {
      const r = reports.get(c.name);
      assert.ok(r, 'probe ran');
      assert.deepEqual(
        r.checkpoints.map((x) => x.id),
        [1, 2, 3, 4, 5, 6, 7],
      );
      const got = r.checkpoints.map((x) => x.verdict);
      assert.deepEqual(got, c.expect, r.checkpoints.map((x) => `${x.id} ${x.verdict}: ${x.summary}`).join('\n'));
      for (const x of r.checkpoints) assert.ok(x.summary.length > 10 && typeof x.evidence === 'object');
      assert.equal(r.notTested.length, got.filter((v) => v === 'untestable').length, 'every untestable checkpoint is stated in notTested');
    });
  }

  it('evidence carries the numbers: the size limit, the fragment threshold and the session count', () => {
    assert.equal(reports.get('max-udp 1400 drop')!.checkpoints[0]!.evidence['largest'], 1400);
    assert.equal(reports.get('mtu 1500 fragments drop')!.checkpoints[0]!.evidence['largest'], 1472);
    assert.equal(reports.get('plain proxy')!.checkpoints[0]!.evidence['largest'], 4096);
    // 16 sessions: the probe's main flow and the checkpoint-7 flows (10, fewer if the probe's time budget cut the
    // samples short on a loaded host) hold the rest, so exactly 16 − that many of the 32 new flows get through.
    const sessions = reports.get('udp-sessions 16')!.checkpoints[5]!.evidence;
    assert.ok((sessions['alreadyOpenFlows'] as number) >= 4, 'checkpoint 7 opened its flows');
    assert.equal(sessions['answered'], 16 - (sessions['alreadyOpenFlows'] as number));
    const ports = reports.get('nat-ports 500 predictable')!.checkpoints[6]!.evidence['sourcePortsAtAuthority'] as number[];
    assert.deepEqual(
      ports,
      ports.map((_, i) => ports[0]! + i),
      'consecutive pool ports',
    );
    assert.ok(ports.every((p) => p >= 21000 && p < 21500));
    const truncated = reports.get('max-udp 1400 truncate')!.checkpoints[0]!.evidence['tried'] as { tc?: boolean; size: number }[];
    assert.ok(
      truncated.some((t) => t.size > 1400 && t.tc === true),
      'the truncating box answers TC=1 above its limit',
    );
    assert.equal(JSON.parse(JSON.stringify(reports.get('plain proxy'))).tool, 'dnslab probe');
  });
});

describe('dnslab probe over IPv6 loopback', { timeout: 60_000 }, () => {
  it('a fragment-dropping box on [::1]: the threshold is 1500 − 48 = 1452 octets', async () => {
    const network = new SocketNetwork({ addresses: ['::1'] });
    const authority = new ProbeAuthority(network, { address: '::1', port: 0 });
    await authority.start();
    const box = new MiddleboxProxy({
      network,
      listen: { address: '::1', port: 0 },
      upstreams: [authority.endpoint],
      stages: buildStages(validateSettings({ mtu: 1500, fragments: 'drop' })),
    });
    await box.start();
    try {
      const r = await runProbe({
        network,
        through: box.endpoint,
        authority,
        clientAddress: '::1',
        udpTimeoutMs: 600,
        tcpTimeoutMs: 2000,
        flows: 16,
        natSamples: 6,
      });
      assert.deepEqual(
        r.checkpoints.map((c) => c.verdict),
        ['fail', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass'],
        r.checkpoints.map((c) => c.summary).join('\n'),
      );
      assert.equal(r.checkpoints[0]!.evidence['largest'], 1452);
      assert.equal(r.checkpoints[1]!.evidence['fragmentThreshold'], 1452);
    } finally {
      await box.stop();
      await authority.stop();
    }
  });
});
