// A box that forwards to itself is refused (exit 2), and a forwarding loop
// through two boxes, which no configuration check can see, stops at the
// per-client session limit. Every run here is bounded twice: the session
// table holds at most 3000 entries, so even a box without the per-client
// limit stops. Addresses 127.0.32.1–3.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { main } from '../../lab/cli/main.ts';
import { makeQuery } from '../../dns/message.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { DEFAULT_SESSIONS_PER_CLIENT, forwardsToItself, MiddleboxConfigError, MiddleboxProxy } from '../../servers/middlebox/index.ts';
import { textSink } from '../helpers/io.ts';

const A = '127.0.32.1';
const B = '127.0.32.2';
const CLIENT = '127.0.32.3';

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  const stderr = textSink();
  const code = await main(args, { stdout: textSink(), stderr, waitForInterrupt: async () => {} });
  return { code, err: stderr.text };
}

describe('a box that forwards to itself', () => {
  it('forwardsToItself: the same socket, spelled the ways a kernel accepts', () => {
    const ep = (address: string, port = 5332) => ({ address, port });
    const local = ['127.0.0.1', '192.0.2.7', '::1', '2001:db8::7'];
    assert.ok(forwardsToItself(ep('127.0.0.1'), ep('127.0.0.1'), local));
    assert.ok(forwardsToItself(ep('127.0.0.1'), ep('::ffff:127.0.0.1'), local), 'IPv4-mapped');
    assert.ok(forwardsToItself(ep('127.0.0.1'), ep('0.0.0.0'), local), '0.0.0.0 as a destination is this host');
    assert.ok(forwardsToItself(ep('::1'), ep('::'), local), ':: as a destination is ::1');
    assert.ok(forwardsToItself(ep('0.0.0.0'), ep('127.0.5.5'), local), 'listening on 0.0.0.0 receives on all of 127/8');
    assert.ok(forwardsToItself(ep('0.0.0.0'), ep('192.0.2.7'), local), 'and on every interface address');
    assert.ok(forwardsToItself(ep('::'), ep('2001:db8::7'), local));
    assert.ok(forwardsToItself(ep('::'), ep('0:0:0:0:0:0:0:1'), local), 'another spelling of ::1');
    assert.equal(forwardsToItself(ep('127.0.0.1'), ep('127.0.0.1', 5333), local), undefined, 'another port');
    assert.equal(forwardsToItself(ep('127.0.0.1'), ep('127.0.0.2'), local), undefined, 'another loopback address');
    assert.equal(forwardsToItself(ep('0.0.0.0'), ep('192.0.2.8'), local), undefined, 'not one of ours');
    assert.equal(forwardsToItself(ep('0.0.0.0'), ep('::1'), local), undefined, 'another family');
  });

  it('dnslab middlebox --listen X --upstream X exits 2 with one line saying why', async () => {
    const r = await cli(['middlebox', '--listen', `${A}:5332`, '--upstream', `${A}:5332`]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err.split('\n')[0]!, /--upstream 127\.0\.32\.1:5332: the box would forward every query to itself/);
  });

  it('the proxy refuses it too (scenarios and library users)', () => {
    const network = new SocketNetwork({ addresses: [A] });
    assert.throws(
      () =>
        new MiddleboxProxy({
          network,
          listen: { address: A, port: 5332 },
          upstreams: [
            { address: B, port: 5332 },
            { address: A, port: 5332 },
          ],
        }),
      MiddleboxConfigError,
    );
  });
});

describe('a forwarding loop through two boxes is bounded per client', () => {
  async function loop(maxSessionsPerClient: number | undefined): Promise<{ a: number; b: number; drops: number }> {
    const net = (address: string) => new SocketNetwork({ addresses: [address] });
    const opts = (address: string, upstream: string) => ({
      network: net(address),
      listen: { address, port: 5332 },
      upstreams: [{ address: upstream, port: 5332 }],
      tcp: 'reject' as const,
      sessions: { maxSessions: 3000 }, // the outer bound, so no run here can exhaust the host's ports
      ...(maxSessionsPerClient === undefined ? {} : { maxSessionsPerClient }),
    });
    const a = new MiddleboxProxy(opts(A, B));
    const b = new MiddleboxProxy(opts(B, A));
    await a.start();
    await b.start();
    try {
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, CLIENT, () => r()));
      sock.send(encodeMessage(makeQuery('loop.test', 'A', { id: 1 })), 5332, A);
      // Wait until the loop has stopped: no new session for 500 ms (at most 15 s).
      let last = -1;
      for (let i = 0; i < 60 && a.sessionCount + b.sessionCount !== last; i++) {
        last = a.sessionCount + b.sessionCount;
        await new Promise((r) => setTimeout(r, 500));
      }
      sock.close();
      return { a: a.sessionCount, b: b.sessionCount, drops: a.stats.drops + b.stats.drops };
    } finally {
      await a.stop();
      await b.stop();
    }
  }

  it('with --sessions-per-client 40: each box holds 40 sessions for the other (plus the client), then drops', async () => {
    const r = await loop(40);
    assert.ok(r.a <= 41 && r.b <= 40, JSON.stringify(r));
    assert.ok(r.a >= 40 && r.b >= 40, `the loop ran until the limit: ${JSON.stringify(r)}`);
    assert.ok(r.drops >= 1, 'and the packet that would have gone on was dropped');
  });

  it(`by default at ${DEFAULT_SESSIONS_PER_CLIENT} per client`, async () => {
    const r = await loop(undefined);
    assert.ok(r.a <= DEFAULT_SESSIONS_PER_CLIENT + 1 && r.b <= DEFAULT_SESSIONS_PER_CLIENT, JSON.stringify(r));
    assert.ok(r.a + r.b >= DEFAULT_SESSIONS_PER_CLIENT && r.drops >= 1, JSON.stringify(r));
  });
});
