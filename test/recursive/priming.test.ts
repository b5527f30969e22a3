// Root hints that never answer: `dnslab resolver` warns at start (a priming
// query, RFC 8109), and what a client then gets from each profile is pinned
// here as servers/recursive/README.md ("When nothing answers") documents it.
// Real sockets on 127.0.34.1–4 for the CLI; the VirtualNetwork for the timers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { VirtualClock } from '../../net/clock.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { AuthoritativeServer } from '../../servers/authoritative/server.ts';
import { PROFILE_NAMES, type ProfileName } from '../../servers/recursive/profiles.ts';
import { RecursiveResolver } from '../../servers/recursive/server.ts';
import { resolverCommand } from '../../lab/cli/resolver.ts';
import { textSink } from '../helpers/io.ts';

const PORT = 5334;
const LISTEN = '127.0.34.1';
const SILENT = '127.0.34.2';
const ROOT = '127.0.34.3';
const NOT_ROOT = '127.0.34.4';

async function runResolver(hints: string): Promise<string> {
  const stderr = textSink();
  const code = await resolverCommand.run(['--listen', `${LISTEN}:${PORT}`, '--root-hints', hints], {
    stdout: textSink(),
    stderr,
    waitForInterrupt: async () => {},
  });
  assert.equal(code, 0);
  return stderr.text;
}

describe('dnslab resolver primes its root hints at start', () => {
  it('warns on stderr naming each hint that fails, and says what clients will get when none answers', async () => {
    const servers = [
      new AuthoritativeServer({
        network: new SocketNetwork({ addresses: [ROOT] }),
        listen: [{ address: ROOT, port: PORT }],
        zones: [parseZoneText('. 3600 IN SOA a.root. h.root. 1 2 3 4 5\n. 3600 IN NS a.root.\na.root. 3600 IN A 127.0.34.3\n', '.')],
      }),
      new AuthoritativeServer({
        network: new SocketNetwork({ addresses: [NOT_ROOT] }),
        listen: [{ address: NOT_ROOT, port: PORT }],
        zones: [parseZoneText('lab. 3600 IN SOA a.root. h.root. 1 2 3 4 5\nlab. 3600 IN NS a.root.\n', 'lab')],
      }),
    ];
    for (const s of servers) await s.start();
    try {
      assert.equal(await runResolver(`${ROOT}:${PORT}`), '', 'a root that answers: no warning');
      const none = await runResolver(`${SILENT}:${PORT}`);
      assert.match(
        none,
        /^warning: priming \("\. NS", RFC 8109\) failed for every root hint: 127\.0\.34\.2:5334 did not answer within 2000 ms — clients will get what the unbound profile gives/,
      );
      const some = await runResolver(`${ROOT}:${PORT},${NOT_ROOT}:${PORT}`);
      assert.match(some, /^warning: priming \("\. NS", RFC 8109\) failed for some root hints: 127\.0\.34\.4:5334 answered REFUSED\n$/);
    } finally {
      for (const s of servers) await s.stop();
    }
  });
});

/** What one client query gets from a resolver whose only root hint swallows everything, UDP and TCP (the lab clock). */
async function silentRoot(profile: ProfileName): Promise<{ reply: string | undefined; resolvedAt: number | undefined }> {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const net = new VirtualNetwork({ clock, seed: 'silent-root', defaults: { latencyMs: 5 } });
  const rootHost = net.addHost('root', ['10.0.0.1']);
  const root = await rootHost.bindUdp({ address: '10.0.0.1', port: 53 });
  root.onMessage(() => undefined);
  await rootHost.listenTcp({ address: '10.0.0.1', port: 53 }, (c) => c.onData(() => undefined)); // accepts, never answers
  let resolvedAt: number | undefined;
  const resolver = new RecursiveResolver({
    network: net.addHost('resolver', ['10.53.0.1']),
    listen: [{ address: '10.53.0.1', port: 53 }],
    rootHints: [{ address: '10.0.0.1', port: 53 }],
    trustAnchors: [],
    profile,
    seed: 1,
    onEvent: (e) => {
      if (e.type === 'resolution') resolvedAt = e.summary.finishedAt - t0;
    },
  });
  await resolver.start();
  const client = await net.addHost('client', ['10.99.0.1']).bindUdp({ address: '10.99.0.1', port: 0 });
  let reply: string | undefined;
  client.onMessage((p) => (reply ??= `${decodeMessage(p).rcode} at ${clock.now() - t0} ms`));
  client.send(encodeMessage(makeQuery('www.example.lab', 'A', { id: 1 })), { address: '10.53.0.1', port: 53 });
  await clock.runFor(120_000);
  await resolver.stop();
  return { reply, resolvedAt };
}

describe('what a client gets when nothing answers (servers/recursive/README.md)', () => {
  // [reply the client sees, when the engine gave up] — 5 ms one-way latency, one query, no client retry.
  const DOCUMENTED: Record<ProfileName, [string | undefined, number]> = {
    unbound: [undefined, 17301], // the SERVFAIL comes after discard-timeout (1900 ms): dropped
    bind: ['SERVFAIL at 10010 ms', 10005],
    'knot-resolver': ['SERVFAIL at 10020 ms', 10015],
    powerdns: ['SERVFAIL at 1510 ms', 1505],
    'google-public-dns': ['SERVFAIL at 11666 ms', 11661],
  };
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: ${DOCUMENTED[profile][0] ?? 'no reply'}`, async () => {
      const r = await silentRoot(profile);
      assert.deepEqual([r.reply, r.resolvedAt], DOCUMENTED[profile]);
    });
  }
});
