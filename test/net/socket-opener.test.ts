// SocketNetwork({ opener }): sockets created by a helper process and handed
// over by IPC (net/socket-opener.ts). Here the helper runs in this namespace on
// loopback (no root needed); lab/device runs it in another namespace.
// What must hold: the handed-over UDP socket and TCP listener work as this
// process's own, and only here — the helper closed its copies, so no datagram
// is swallowed by the helper; bind errors keep their NetworkError codes; an
// opener host's outgoing TCP connections are made by the helper (its
// namespace) and carry data both ways here; a refused one is CONNECTION_REFUSED.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { SocketNetwork } from '../../net/socket.ts';
import { HelperSocketOpener, SOCKET_HELPER } from '../../net/socket-opener.ts';
import { NetworkError } from '../../net/network.ts';

describe('SocketNetwork with a helper-process opener', () => {
  const opener = new HelperSocketOpener([process.execPath, '--import', 'tsx', SOCKET_HELPER]);
  const network = new SocketNetwork({ addresses: ['127.0.0.1'], opener });
  after(() => opener.close());

  it('every datagram to a handed-over UDP socket arrives here (the helper kept no copy)', async () => {
    const server = await network.bindUdp({ address: '127.0.0.1', port: 0 });
    server.onMessage((p, from) => server.send(p, from));
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const echoed = new Set<string>();
    client.on('message', (m) => echoed.add(m.toString()));
    // One at a time, 50 in all: a copy left open in the helper would take a share of them.
    for (let i = 0; i < 50; i++) {
      client.send(`d${i}`, server.local.port, '127.0.0.1');
      const until = Date.now() + 500;
      while (!echoed.has(`d${i}`) && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    }
    client.close();
    server.close();
    assert.equal(echoed.size, 50, `${50 - echoed.size} of 50 datagrams never came back`);
  });

  it('a handed-over TCP listener accepts connections here', async () => {
    const listener = await network.listenTcp({ address: '127.0.0.1', port: 0 }, (c) => {
      c.onData((d) => {
        c.write(d);
        c.end();
      });
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port: listener.local.port }, () => s.write('ping'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    listener.close();
    assert.equal(reply, 'ping');
  });

  it('bind errors keep their codes; a refused connection is CONNECTION_REFUSED', async () => {
    const a = await network.bindUdp({ address: '127.0.0.1', port: 0 });
    await assert.rejects(
      network.bindUdp({ address: '127.0.0.1', port: a.local.port }),
      (e: unknown) => e instanceof NetworkError && e.code === 'ADDRESS_IN_USE',
    );
    a.close();
    await assert.rejects(network.connectTcp({ address: '127.0.0.1', port: 9 }), (e: unknown) => e instanceof NetworkError && e.code === 'CONNECTION_REFUSED');
  });

  it('connectTcp: the helper connects, the connection is used here (data both ways)', async () => {
    const server = createServer((s) => s.on('data', (d) => s.end(`echo ${d.toString()}`)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const c = await network.connectTcp({ address: '127.0.0.1', port });
    const got = await new Promise<string>((resolve) => {
      let text = '';
      c.onData((d) => (text += d.toString()));
      c.onClose(() => resolve(text));
      c.write(Buffer.from('ping'));
    });
    server.close();
    assert.equal(got, 'echo ping');
  });
});
