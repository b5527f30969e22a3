// The socket edge (net/socket-edge.ts): the same PacketInterceptors as on
// the VirtualNetwork, run on real loopback sockets, each verdict mapped back
// onto the socket. The "foreign" peer is a plain node:dgram / node:net socket
// (as a real resolver product would be); the lab side is a SocketNetwork.
import { strict as assert } from 'node:assert';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { after, describe, it } from 'node:test';
import { RealClock } from '../../net/clock.ts';
import type { IpPacket } from '../../net/packet.ts';
import { SocketEdge, SocketEdgeError } from '../../net/socket-edge.ts';
import { SocketNetwork } from '../../net/socket.ts';
import type { InterceptResult, PacketInterceptor } from '../../net/interceptor.ts';
import { FragmentFilter } from '../../servers/middlebox/fragments/index.ts';
import { TcpFilter } from '../../servers/middlebox/tcp-filter/index.ts';

// Addresses: 127.0.21.0/24 (this file only). PEER plays the real product, LAB the lab server.
const PEER = '127.0.21.1';
const LAB = '127.0.21.2';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers.reverse()) c();
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wait until `cond()` holds (polled every 5 ms), or fail after `ms` naming `what`. */
const until = (cond: () => boolean, ms: number, what: string) =>
  withTimeout(
    (async () => {
      while (!cond()) await sleep(5);
    })(),
    ms,
    what,
  );

function box(name: string, fn: (p: IpPacket) => InterceptResult): PacketInterceptor {
  return { name, intercept: (p) => fn(p) };
}

/** A lab UDP echo server behind an edge with `boxes` on both directions between PEER and LAB. */
async function udpLab(boxes: PacketInterceptor[], opts: { linkMtu?: number } = {}) {
  const clock = new RealClock();
  const edge = new SocketEdge({ clock, linkMtu: opts.linkMtu ?? 65536 });
  closers.push(() => edge.close());
  edge.addHost('peer', [PEER]);
  edge.addHost('lab', [LAB]);
  for (const b of boxes) (edge.addInterceptor(b, { from: 'peer', to: 'lab' }), edge.addInterceptor(b, { from: 'lab', to: 'peer' }));
  const net = new SocketNetwork({ addresses: [LAB], clock, edge });
  const server = await net.bindUdp({ address: LAB, port: 0 });
  closers.push(() => server.close());
  const seen: Buffer[] = [];
  server.onMessage((p, from) => {
    seen.push(p);
    server.send(Buffer.concat([Buffer.from('echo:'), p]), from);
  });
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, PEER, () => r()));
  closers.push(() => peer.close());
  const replies: Buffer[] = [];
  peer.on('message', (m) => replies.push(m));
  const send = (payload: Buffer) => peer.send(payload, server.local.port, LAB);
  return { edge, server, seen, replies, send, clock };
}

describe('SocketEdge: boxes at the edge of real sockets', { timeout: 30_000 }, () => {
  it('UDP pass, rewrite and drop map onto the socket, each datagram intercepted once', async () => {
    const log: string[] = [];
    const rewrite = box('rewrite', (p) => {
      log.push(`${p.src}>${p.dst}`);
      if (p.body.kind !== 'udp') return 'forward';
      const text = p.body.payload.toString();
      if (text === 'drop-me') return 'drop';
      if (text.startsWith('echo:')) return [{ packet: { ...p, body: { ...p.body, payload: Buffer.from(text.toUpperCase()) } } }];
      return 'forward';
    });
    const lab = await udpLab([rewrite]);
    lab.send(Buffer.from('hello'));
    await withTimeout(
      (async () => {
        while (lab.replies.length < 1) await sleep(5);
      })(),
      2000,
      'the echo',
    );
    assert.deepEqual(lab.seen.map(String), ['hello']);
    // The box rewrote the answer on its way out of the lab socket.
    assert.deepEqual(lab.replies.map(String), ['ECHO:HELLO']);
    assert.deepEqual(log, [`${PEER}>${LAB}`, `${LAB}>${PEER}`]);
    lab.send(Buffer.from('drop-me'));
    // The box's verdict is taken when the edge reads the datagram: once it is counted, it was delivered or not.
    await until(() => lab.edge.stats.dropped['rewrite'] === 1, 2000, 'the drop');
    assert.deepEqual(lab.seen.map(String), ['hello'], 'the dropped query never reached the lab socket');
  });

  it('a box that throws, or emits a packet whose address is no IP literal, drops that packet and the edge goes on', async () => {
    // The same walk as on the VirtualNetwork (net/chain.ts): on sockets the drop is counted as "<box> (error)".
    const broken = box('broken', (p) => {
      if (p.body.kind !== 'udp' || p.src !== PEER) return 'forward';
      const text = p.body.payload.toString();
      if (text === 'throw') throw new Error('bug in box');
      if (text === 'bad-address') return [{ packet: { ...p, dst: 'not-an-address' } }];
      return 'forward';
    });
    const lab = await udpLab([broken]);
    lab.send(Buffer.from('throw'));
    lab.send(Buffer.from('bad-address'));
    lab.send(Buffer.from('fine'));
    await withTimeout(
      (async () => {
        while (lab.replies.length < 1) await sleep(5);
      })(),
      2000,
      'the echo after the broken ones',
    );
    assert.deepEqual(lab.seen.map(String), ['fine']);
    assert.equal(lab.edge.stats.dropped['broken (error)'], 2);
    assert.deepEqual(lab.edge.errors, []);
  });

  it('a held datagram is delivered later on the lab clock', async () => {
    const hold = box('hold', (p) => (p.src === PEER ? [{ packet: p, delayMs: 300 }] : 'forward'));
    // A box before the hold marks the moment the datagram reaches the edge.
    let intercepted = false;
    const seen = box('seen', (p) => ((intercepted ||= p.src === PEER), 'forward'));
    const lab = await udpLab([seen, hold]);
    const t0 = Date.now();
    lab.send(Buffer.from('slow'));
    await until(() => intercepted, 2000, 'the datagram at the edge');
    assert.equal(lab.seen.length, 0, 'still held by the box');
    await withTimeout(
      (async () => {
        while (lab.replies.length < 1) await sleep(5);
      })(),
      2000,
      'the held datagram',
    );
    assert.ok(Date.now() - t0 >= 290);
  });

  it('a reply the box makes up (ctx.inject) is sent from the lab socket that owns its source', async () => {
    const answering: PacketInterceptor = {
      name: 'proxy',
      intercept(p, ctx) {
        if (p.src !== PEER || p.body.kind !== 'udp') return 'forward';
        ctx.inject({
          ...p,
          src: p.dst,
          dst: p.src,
          body: { ...p.body, srcPort: p.body.dstPort, dstPort: p.body.srcPort, payload: Buffer.from('from-the-box') },
        });
        return 'drop';
      },
    };
    const lab = await udpLab([answering]);
    lab.send(Buffer.from('q'));
    await withTimeout(
      (async () => {
        while (lab.replies.length < 1) await sleep(5);
      })(),
      2000,
      'the made-up reply',
    );
    assert.deepEqual(lab.replies.map(String), ['from-the-box']);
    assert.equal(lab.seen.length, 0);
  });

  it('fragments: a datagram over the link MTU is split; delivered only if every fragment got through (FragmentFilter)', async () => {
    const big = Buffer.alloc(2300, 0x61);
    for (const [mode, expect] of [
      ['pass', true],
      ['drop', false],
      ['first', false],
    ] as const) {
      const lab = await udpLab([new FragmentFilter({ mtu: 1500, fragments: mode }, `frag-${mode}`)], { linkMtu: 1500 });
      lab.send(Buffer.from('small'));
      lab.send(big);
      // Both verdicts are taken when the edge reads each datagram: wait for them, not for a time.
      const settled = () => lab.seen.length === (expect ? 2 : 1) && (expect || (lab.edge.stats.dropped[`frag-${mode}`] ?? 0) > 0);
      await until(settled, 2000, `fragments ${mode}: both datagrams through the box`);
      assert.deepEqual(
        lab.seen.map((b) => b.length),
        expect ? [5, 2300] : [5],
        `fragments ${mode}: what reached the lab socket`,
      );
      // 2300 octets over a 1500 link: two fragments; 'drop' loses both, 'first' the second.
      if (!expect) assert.equal(lab.edge.stats.dropped[`frag-${mode}`], mode === 'drop' ? 2 : 1, `fragments ${mode}: fragments dropped by the box`);
    }
  });

  it('a packet rewritten to an endpoint no lab socket owns fails with SocketEdgeError naming the box', async () => {
    const nat = box('nat-elsewhere', (p) => (p.src === PEER ? [{ packet: { ...p, dst: '127.0.21.9' } }] : 'forward'));
    const lab = await udpLab([nat]);
    lab.send(Buffer.from('x'));
    await until(() => lab.edge.errors.length > 0, 2000, 'the edge error');
    const e = lab.edge.errors[0];
    assert.ok(e instanceof SocketEdgeError);
    assert.equal(e.code, 'CANNOT_MAP');
    assert.equal(e.box, 'nat-elsewhere');
    assert.match(e.message, /127\.0\.21\.9/);
  });

  async function tcpLab(boxes: PacketInterceptor[]) {
    const clock = new RealClock();
    const edge = new SocketEdge({ clock, linkMtu: 1500 });
    closers.push(() => edge.close());
    edge.addHost('peer', [PEER]);
    edge.addHost('lab', [LAB]);
    for (const b of boxes) (edge.addInterceptor(b, { from: 'peer', to: 'lab' }), edge.addInterceptor(b, { from: 'lab', to: 'peer' }));
    const net = new SocketNetwork({ addresses: [LAB], clock, edge });
    let accepted = 0;
    const received: Buffer[] = [];
    const listener = await net.listenTcp({ address: LAB, port: 0 }, (c) => {
      accepted++;
      c.onData((d) => {
        received.push(d);
        c.write(Buffer.concat([d, Buffer.alloc(3000, 0x62)]));
      });
    });
    closers.push(() => listener.close());
    /** Connect as the foreign peer, send `hello`, collect the echo; resolves with what happened. */
    const talk = () =>
      new Promise<{ bytes: number; error?: string }>((resolve) => {
        const s = createConnection({ host: LAB, port: listener.local.port, localAddress: PEER });
        let bytes = 0;
        const done = (r: { bytes: number; error?: string }) => {
          s.destroy();
          resolve(r);
        };
        s.on('connect', () => s.write('hello'));
        s.on('data', (d) => {
          bytes += d.length;
          if (bytes >= 3005) done({ bytes });
        });
        s.on('error', (e: NodeJS.ErrnoException) => done({ bytes, error: e.code ?? e.message }));
        setTimeout(() => done({ bytes, error: 'silence' }), 700).unref();
      });
    return { edge, talk, received, accepted: () => accepted };
  }

  it('TCP through an allowing box: SYN, data in MSS segments both ways, in order', async () => {
    const segments: number[] = [];
    const lab = await tcpLab([
      box('count', (p) => (p.body.kind === 'tcp' && p.src === LAB && p.body.payload.length > 0 && segments.push(p.body.payload.length), 'forward')),
    ]);
    const r = await withTimeout(lab.talk(), 3000, 'TCP echo');
    assert.deepEqual(r, { bytes: 3005 });
    assert.equal(lab.accepted(), 1);
    assert.deepEqual(segments, [1460, 1460, 85], 'the answer crossed the box as MSS-sized segments (link MTU 1500 − 40)');
  });

  it('TcpFilter reject → a real RST (ECONNRESET) and the lab server never gets the connection; blackhole → silence', async () => {
    const reject = await tcpLab([scoped(new TcpFilter({ tcp: 'reject' }, 'tcp-reject'))]);
    const r1 = await withTimeout(reject.talk(), 3000, 'rejected connection');
    assert.equal(r1.error, 'ECONNRESET');
    assert.equal(reject.accepted(), 0);
    const hole = await tcpLab([scoped(new TcpFilter({ tcp: 'blackhole' }, 'tcp-blackhole'))]);
    const r2 = await withTimeout(hole.talk(), 3000, 'blackholed connection');
    assert.deepEqual(r2, { bytes: 0, error: 'silence' });
    assert.equal(hole.accepted(), 0);
    assert.deepEqual(hole.received, []);
  });
});

/** TcpFilter acts on one port; the test listener's port is ephemeral, so filter every TCP segment by pretending it is the DNS port. */
function scoped(filter: TcpFilter): PacketInterceptor {
  return {
    name: filter.name,
    intercept(p, ctx) {
      if (p.body.kind !== 'tcp') return filter.intercept(p, ctx);
      const b = p.body;
      const toLab = p.dst === LAB;
      const as53: IpPacket = { ...p, body: { ...b, ...(toLab ? { dstPort: 53 } : { srcPort: 53 }) } };
      const inject = ctx.inject;
      const r = filter.intercept(as53, {
        ...ctx,
        inject: (q, d) => {
          const qb = q.body;
          // Put the real port back on the box's RST.
          inject(qb.kind === 'tcp' ? { ...q, body: { ...qb, srcPort: b.dstPort } } : q, d);
        },
      });
      return r === 'forward' ? 'forward' : r === 'drop' ? 'drop' : r.map((e) => ({ ...e, packet: p }));
    },
  };
}
