import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { NetworkError, type TcpCloseReason } from '../../net/network.ts';
import { SocketNetwork } from '../../net/socket.ts';

// Addresses from helper "net"'s range 127.0.3.0/24; this file uses .1–.3 (socket.real.test.ts .4).
const A = '127.0.3.1';
const B = '127.0.3.2';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers) c();
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);
}

describe('SocketNetwork (real loopback sockets)', { timeout: 30_000 }, () => {
  it('UDP echo between two loopback addresses', async () => {
    const server = new SocketNetwork({ addresses: [B] });
    const client = new SocketNetwork({ addresses: [A] });
    const s = await server.bindUdp({ address: B, port: 0 });
    closers.push(() => s.close());
    s.onMessage((p, from) => s.send(p, from));
    const c = await client.bindUdp({ address: A, port: 0 });
    closers.push(() => c.close());
    const reply = new Promise<[string, string]>((resolve) => c.onMessage((p, from) => resolve([p.toString(), `${from.address}:${from.port}`])));
    c.send(Buffer.from('ping'), s.local);
    assert.deepEqual(await withTimeout(reply, 2000, 'UDP echo'), ['ping', `${B}:${s.local.port}`]);
    assert.equal(c.local.address, A);
    await assert.rejects(server.bindUdp({ address: B, port: s.local.port }), (e: NetworkError) => e.code === 'ADDRESS_IN_USE');
  });

  it('TCP echo, FIN close with reason "end"; RST with reason "reset"; refused connect', async () => {
    const server = new SocketNetwork({ addresses: [B] });
    const client = new SocketNetwork({ addresses: [A] });
    const serverClose: TcpCloseReason[] = [];
    const l = await server.listenTcp({ address: B, port: 0 }, (conn) => {
      conn.onData((d) => conn.write(d));
      conn.onClose((r) => serverClose.push(r));
    });
    closers.push(() => l.close());

    const conn = await client.connectTcp(l.local, { timeoutMs: 2000 });
    assert.equal(conn.local.address, A);
    assert.deepEqual(conn.remote, l.local);
    let got = '';
    const echoed = new Promise<void>((resolve) => conn.onData((d) => ((got += d.toString()), got.length >= 9 && resolve())));
    const closed = new Promise<TcpCloseReason>((resolve) => conn.onClose(resolve));
    conn.write(Buffer.from('tcp-'));
    conn.write(Buffer.from('echo!'));
    await withTimeout(echoed, 2000, 'TCP echo');
    assert.equal(got, 'tcp-echo!');
    conn.end();
    assert.equal(await withTimeout(closed, 2000, 'close'), 'end');

    const conn2 = await client.connectTcp(l.local, { timeoutMs: 2000 });
    const closed2 = new Promise<TcpCloseReason>((resolve) => conn2.onClose(resolve));
    conn2.reset();
    assert.equal(await withTimeout(closed2, 2000, 'reset close'), 'reset');
    // The server side of the reset connection sees 'reset'.
    for (let i = 0; i < 50 && serverClose.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(serverClose, ['end', 'reset']);

    await assert.rejects(client.connectTcp({ address: B, port: 1 }, { timeoutMs: 2000 }), (e: NetworkError) => e.code === 'CONNECTION_REFUSED');
  });

  it('idle timeout: the server aborts ("timeout"), the client sees "reset"', async () => {
    const server = new SocketNetwork({ addresses: [B], tcpIdleTimeoutMs: 150 });
    const client = new SocketNetwork({ addresses: [A] });
    let serverReason: Promise<TcpCloseReason> | undefined;
    const l = await server.listenTcp({ address: B, port: 0 }, (conn) => {
      serverReason = new Promise((resolve) => conn.onClose(resolve));
    });
    closers.push(() => l.close());
    const conn = await client.connectTcp(l.local, { timeoutMs: 2000 });
    const clientReason = new Promise<TcpCloseReason>((resolve) => conn.onClose(resolve));
    assert.equal(await withTimeout(clientReason, 3000, 'idle close'), 'reset');
    assert.ok(serverReason);
    assert.equal(await serverReason, 'timeout');
  });

  it('refuses non-loopback addresses unless allowExternal, and never sends off-host', async () => {
    assert.throws(
      () => new SocketNetwork({ addresses: ['192.0.2.1'] }),
      (e: NetworkError) => e.code === 'NOT_ALLOWED',
    );
    assert.throws(
      () => new SocketNetwork({ addresses: ['0.0.0.0'] }),
      (e: NetworkError) => e.code === 'NOT_ALLOWED',
    );
    assert.doesNotThrow(() => new SocketNetwork({ addresses: ['192.0.2.1'], allowExternal: true }));
    const n = new SocketNetwork({ addresses: ['127.0.3.3', '::1'] });
    assert.deepEqual(n.addresses, ['127.0.3.3', '::1']);
    const s = await n.bindUdp({ address: '127.0.3.3', port: 0 });
    closers.push(() => s.close());
    assert.throws(
      () => s.send(Buffer.from('x'), { address: '8.8.8.8', port: 53 }),
      (e: NetworkError) => e.code === 'NOT_ALLOWED',
    );
    await assert.rejects(n.connectTcp({ address: '192.0.2.1', port: 53 }), (e: NetworkError) => e.code === 'NOT_ALLOWED');
    await assert.rejects(n.bindUdp({ address: '127.0.3.9', port: 0 }), (e: NetworkError) => e.code === 'ADDRESS_NOT_LOCAL');
  });
});
