// A NAT pool port can be held by another process on real sockets. The flow
// whose upstream socket could not be bound must not stay in the session table
// as a dead session (every later packet of that client would vanish): the next
// packet gets a fresh try. Found as a flake when dnsmasq's random source ports
// landed in the probe test's NAT pool.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import { makeQuery } from '../../dns/message.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { SocketNetwork } from '../../net/socket.ts';
import { MiddleboxProxy } from '../../servers/middlebox/proxy.ts';

const BOX = '127.0.9.230';
const UPSTREAM = '127.0.9.231';
const CLIENT = '127.0.9.232';
const POOL_PORT = 23_456;

describe('MiddleboxProxy NAT with a pool port taken by someone else', () => {
  const closers: Array<() => void | Promise<void>> = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('drops the packet, forgets the session, and the retry goes through once the port is free', async () => {
    // Upstream: answers every query with NOERROR.
    const upstream = createSocket('udp4');
    upstream.on('message', (m, r) => {
      const q = decodeMessage(m);
      upstream.send(encodeMessage({ ...q, flags: { ...q.flags, qr: true } }), r.port, r.address);
    });
    await new Promise<void>((res) => upstream.bind(5399, UPSTREAM, res));
    closers.push(() => void upstream.close());

    // Someone else holds the only NAT port on the box's address.
    const squatter = createSocket('udp4');
    await new Promise<void>((res) => squatter.bind(POOL_PORT, BOX, res));

    const events: string[] = [];
    const box = new MiddleboxProxy({
      network: new SocketNetwork({ addresses: [BOX] }),
      listen: { address: BOX, port: 5398 },
      upstreams: [{ address: UPSTREAM, port: 5399 }],
      nat: { size: 1, base: POOL_PORT, mode: 'sequential' },
      onEvent: (e) => events.push(e.type === 'drop' ? `drop:${e.stage}` : e.type),
    });
    await box.start();
    closers.push(() => box.stop());

    const client = createSocket('udp4');
    await new Promise<void>((res) => client.bind(0, CLIENT, res));
    closers.push(() => void client.close());
    const answers: number[] = [];
    client.on('message', (m) => answers.push(decodeMessage(m).id));
    const ask = (id: number) => client.send(encodeMessage(makeQuery('www.example', 'A', { id })), 5398, BOX);
    const until = async (cond: () => boolean, what: string) => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(cond(), `timed out waiting for ${what}`);
    };

    ask(1);
    // The box drops the query when its NAT port cannot be bound: wait for that verdict, not for a time.
    await until(() => events.includes('drop:nat'), `a NAT drop event (saw ${events.join(',')})`);
    assert.deepEqual(answers, [], 'the dropped query got no answer');
    squatter.close();
    // Same client port: with a dead session left in the table this would get no answer either.
    ask(2);
    await until(() => answers.length > 0, 'the answer to the second query');
    assert.deepEqual(answers, [2]);
  });
});
