// `dnslab probe` tells a setup fault from a finding: nothing listening at
// --through, or --through being the probe's own authoritative, is exit 2 with
// one line — not "TCP is rejected", not seven passes. Addresses 127.0.33.1–3.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../lab/cli/main.ts';
import { probeSetupFault } from '../../lab/probe/index.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { MiddleboxProxy } from '../../servers/middlebox/index.ts';
import { textSink } from '../helpers/io.ts';

async function probe(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await main(['probe', '--udp-timeout', '300', '--tcp-timeout', '500', '--flows', '4', '--samples', '4', ...args], {
    stdout,
    stderr,
    waitForInterrupt: async () => {},
  });
  return { code, out: stdout.text, err: stderr.text };
}

describe('dnslab probe: setup faults are not findings', () => {
  it('nothing listening at --through: exit 2, "nothing listens", no checkpoint verdicts', async () => {
    const r = await probe(['--through', '127.0.33.1:5333', '--auth-listen', '127.0.33.2:5333']);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err.split('\n')[0]!, /^dnslab probe: nothing listens at --through 127\.0\.33\.1:5333 \(UDP: port unreachable, TCP: connection refused\)/);
    assert.doesNotMatch(r.out, /TCP is rejected|pass|fail/);
  });

  it('--through equal to --auth-listen: exit 2, no box in between', async () => {
    const r = await probe(['--through', '127.0.33.2:5333', '--auth-listen', '127.0.33.2:5333']);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err.split('\n')[0]!, /^dnslab probe: --through 127\.0\.33\.2:5333 is the probe's own authoritative/);
    assert.doesNotMatch(r.out, /pass/);
  });

  it('a box that rejects TCP but listens on UDP is a path to test, not a setup fault', async () => {
    const box = new MiddleboxProxy({
      network: new SocketNetwork({ addresses: ['127.0.33.3'] }),
      listen: { address: '127.0.33.3', port: 5333 },
      upstreams: [{ address: '127.0.33.2', port: 5333 }],
      tcp: 'reject',
    });
    await box.start();
    try {
      assert.equal(await probeSetupFault({ address: '127.0.33.3', port: 5333 }, { address: '127.0.33.2', port: 5333 }, '127.0.33.2', 300), undefined);
      assert.match(
        (await probeSetupFault({ address: '127.0.33.1', port: 5333 }, { address: '127.0.33.2', port: 5333 }, '127.0.33.2', 300))!,
        /nothing listens/,
      );
    } finally {
      await box.stop();
    }
  });
});
