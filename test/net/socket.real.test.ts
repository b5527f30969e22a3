// SocketNetwork against a real client: dig (bind9-dnsutils) asks a responder
// bound through SocketNetwork, over UDP and TCP. The other socket tests, which
// need only node, are in socket.test.ts.

import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as dnsPacket from 'dns-packet';
import { after, describe, it } from 'node:test';
import { SocketNetwork } from '../../net/socket.ts';
import { answerTcpFrames } from '../helpers/dns-tcp.ts';

// Address from helper "net"'s range 127.0.3.0/24 (socket.test.ts uses .1–.3).
const execFileP = promisify(execFile);

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers) c();
});

describe('SocketNetwork (real loopback sockets) with dig', { timeout: 30_000 }, () => {
  it('real dig talks to a responder on SocketNetwork over UDP and TCP', async () => {
    const addr = '127.0.3.4';
    const net = new SocketNetwork({ addresses: [addr] });
    const answer = (q: Buffer): Buffer => {
      const m = dnsPacket.decode(q);
      return dnsPacket.encode({
        type: 'response',
        id: m.id,
        flags: dnsPacket.AUTHORITATIVE_ANSWER,
        questions: m.questions,
        answers: [{ type: 'A', name: m.questions![0]!.name, ttl: 60, class: 'IN', data: '192.0.2.80' }],
      });
    };
    const u = await net.bindUdp({ address: addr, port: 0 });
    closers.push(() => u.close());
    u.onMessage((q, from) => u.send(answer(q), from));
    // Same port for TCP, as a DNS server would.
    const l = await net.listenTcp({ address: addr, port: u.local.port }, (conn) => answerTcpFrames(conn, answer));
    closers.push(() => l.close());
    const dig = async (extra: string[]): Promise<string> => {
      try {
        const { stdout } = await execFileP('dig', [`@${addr}`, '-p', String(u.local.port), '+tries=1', '+time=3', '+short', ...extra, 'www.example.jp', 'A'], {
          timeout: 10_000,
        });
        return stdout.trim();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('dig is not installed: apt-get install bind9-dnsutils');
        throw err;
      }
    };
    assert.equal(await dig([]), '192.0.2.80');
    assert.equal(await dig(['+tcp']), '192.0.2.80');
  });
});
