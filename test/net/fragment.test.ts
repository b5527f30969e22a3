import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import { fragmentPacket, ipPacketSize, parsePacket, parseTransport, serializePacket, type IpPacket } from '../../net/packet.ts';
import { SeededRandom } from '../../net/random.ts';
import { VirtualNetwork } from '../../net/virtual.ts';
import { type FragmentPolicy, type PathProperties } from '../../net/path.ts';

interface Outcome {
  received: Buffer[];
  sent: IpPacket[];
  drops: string[];
  now: number;
}

/** Send one datagram of `size` bytes from a to b over a path with the given properties. */
async function sendOne(family: 4 | 6, size: number, path: Partial<PathProperties>): Promise<Outcome> {
  const net = new VirtualNetwork({ seed: 'frag', clock: new VirtualClock({ start: 0 }) });
  const [aAddr, bAddr] = family === 4 ? ['192.0.2.1', '192.0.2.2'] : ['2001:db8::1', '2001:db8::2'];
  const a = net.addHost('a', [aAddr]);
  const b = net.addHost('b', [bAddr]);
  net.setPath({ from: 'a', to: 'b' }, path);
  const out: Outcome = { received: [], sent: [], drops: [], now: 0 };
  net.onTrace((e) => {
    if (e.type === 'send') out.sent.push(e.packet);
    if (e.type === 'drop') out.drops.push(e.reason);
  });
  const sb = await b.bindUdp({ address: bAddr, port: 53 });
  sb.onMessage((p) => out.received.push(p));
  const sa = await a.bindUdp({ address: aAddr, port: 40000 });
  sa.send(new SeededRandom('payload').bytes(size), { address: bAddr, port: 53 });
  await net.clock.runUntilIdle();
  out.now = net.clock.now();
  return out;
}

const payload = (size: number): Buffer => new SeededRandom('payload').bytes(size);

describe('IP fragmentation on the virtual network', () => {
  it('a datagram that fits the MTU is one packet', async () => {
    const o = await sendOne(4, 1472, { mtu: 1500 });
    assert.equal(o.sent.length, 1);
    assert.equal(ipPacketSize(o.sent[0]!), 1500);
    assert.deepEqual(o.received, [payload(1472)]);
  });

  it('IPv4: a 3000-byte datagram over MTU 1500 becomes fragments of <= 1500 bytes, 8-aligned, MF on all but the last, and is reassembled', async () => {
    const o = await sendOne(4, 3000, { mtu: 1500 });
    assert.equal(o.sent.length, 3);
    const offsets = o.sent.map((p) => (p.body.kind === 'fragment' ? p.body.offset : -1));
    assert.deepEqual(offsets, [0, 1480, 2960]);
    assert.deepEqual(
      o.sent.map((p) => p.body.kind === 'fragment' && p.body.more),
      [true, true, false],
    );
    for (const p of o.sent) {
      assert.ok(ipPacketSize(p) <= 1500);
      assert.equal(serializePacket(p).length, ipPacketSize(p));
      assert.equal(p.ident, o.sent[0]!.ident);
      // The bytes parse back to the same fragment.
      const back = parsePacket(serializePacket(p));
      assert.equal(back?.body.kind, 'fragment');
    }
    assert.deepEqual(o.received, [payload(3000)]);
  });

  it('IPv6: fragment header counted, MTU 1280 gives 1232-byte fragment payloads', async () => {
    const o = await sendOne(6, 2000, { mtu: 1280 });
    assert.deepEqual(
      o.sent.map((p) => ipPacketSize(p)),
      [1280, 40 + 8 + (2008 - 1232)],
    );
    assert.deepEqual(o.received, [payload(2000)]);
  });

  const policies: [FragmentPolicy, number, string[]][] = [
    ['pass', 1, []],
    ['drop', 0, ['fragment-policy', 'fragment-policy', 'fragment-policy']],
    // The first fragment gets through, the reassembly buffer waits for the rest and expires.
    ['first-only', 0, ['fragment-policy', 'fragment-policy', 'reassembly-timeout']],
  ];
  for (const [policy, delivered, drops] of policies) {
    it(`fragment policy '${policy}'`, async () => {
      const o = await sendOne(4, 4000, { mtu: 1500, fragments: policy });
      assert.equal(o.received.length, delivered);
      assert.deepEqual(o.drops, drops);
      if (policy === 'first-only') assert.equal(o.now, 1 + 30_000, 'reassembly timeout is 30 s after the first fragment arrived');
    });
  }

  it('the fragment policy does not touch unfragmented packets', async () => {
    const o = await sendOne(4, 1000, { mtu: 1500, fragments: 'drop' });
    assert.equal(o.received.length, 1);
  });

  it('a lost fragment loses the whole datagram (seeded loss)', async () => {
    let lost = 0;
    for (let i = 0; i < 4; i++) {
      const net = new VirtualNetwork({ seed: `fragloss-${i}` });
      const a = net.addHost('a', ['192.0.2.1']);
      const b = net.addHost('b', ['192.0.2.2']);
      net.setDefaults({ loss: 0.2 });
      let got = 0;
      const sb = await b.bindUdp({ address: '192.0.2.2', port: 53 });
      sb.onMessage(() => got++);
      const sa = await a.bindUdp({ address: '192.0.2.1', port: 0 });
      for (let k = 0; k < 50; k++) sa.send(Buffer.alloc(6000), { address: '192.0.2.2', port: 53 });
      await net.clock.runUntilIdle();
      // 5 fragments each: survival 0.8^5 ≈ 0.33.
      assert.ok(got < 30, `got ${got} of 50`);
      lost += net.stats.dropped['reassembly-timeout'] ?? 0;
    }
    assert.ok(lost > 0);
  });

  it('a router fragments (or re-fragments) IPv4 without DF when a rewritten path has a smaller MTU; IPv6 is dropped as too big', async () => {
    for (const [family, size, expectDelivered] of [
      [4, 1000, true],
      // Fragments (source split at 1500) are split again by the router at 576, but this naive NAT
      // rewrote only the IP destination: the UDP checksum inside the first fragment still covers the
      // VIP, so the receiver drops the reassembled datagram — as a real stack would.
      [4, 3000, false],
      [6, 1400, false], // IPv6 routers never fragment (RFC 8200 §5); no ICMPv6 PTB modelled
    ] as const) {
      const net = new VirtualNetwork({ seed: 'router' });
      const v = family === 4 ? ['192.0.2.1', '192.0.2.100', '192.0.2.7'] : ['2001:db8::1', '2001:db8::100', '2001:db8::7'];
      const [clientAddr, vip, backendAddr] = v as unknown as [string, string, string];
      const client = net.addHost('client', [clientAddr]);
      net.addHost('lb', [vip]);
      const backend = net.addHost('backend', [backendAddr]);
      net.setPath({ to: 'backend' }, { mtu: 576 });
      net.addInterceptor({ name: 'nat', intercept: (p) => [{ packet: { ...p, dst: backendAddr } }] }, { to: vip });
      const sent: IpPacket[] = [];
      net.onTrace((e) => e.type === 'send' && sent.push(e.packet));
      const got: Buffer[] = [];
      const sb = await backend.bindUdp({ address: backendAddr, port: 53 });
      sb.onMessage((p) => got.push(p));
      const sc = await client.bindUdp({ address: clientAddr, port: 0 });
      sc.send(payload(size), { address: vip, port: 53 });
      await net.clock.runUntilIdle();
      if (expectDelivered) {
        assert.deepEqual(got, [payload(size)], `IPv${family} ${size} bytes`);
        assert.ok(net.stats.delivered > sent.length, 'more packets arrive than were sent: the router split them');
      } else if (family === 6) {
        assert.equal(got.length, 0);
        assert.equal(net.stats.dropped['too-big'], 1);
      } else {
        assert.equal(got.length, 0);
        assert.equal(net.stats.dropped['bad-checksum'], 1);
        assert.equal(net.stats.delivered, 7, '3 fragments became 3 + 3 + 1 on the 576-byte path');
      }
    }
  });

  it('re-fragmenting a fragment keeps offsets relative to the datagram and MF on all but the very last piece', () => {
    let id = 0;
    const whole: IpPacket = {
      id: 0,
      family: 4,
      src: '192.0.2.1',
      dst: '192.0.2.2',
      ident: 77,
      ttl: 64,
      dontFragment: false,
      body: { kind: 'udp', srcPort: 1, dstPort: 2, payload: payload(3000) },
    };
    const first = fragmentPacket(whole, 1500, () => ++id);
    const again = first.flatMap((f) => fragmentPacket(f, 576, () => ++id));
    const parts = again.map((f) => (f.body.kind === 'fragment' ? f.body : assert.fail('not a fragment')));
    assert.deepEqual(
      parts.map((b) => b.offset),
      [0, 552, 1104, 1480, 2032, 2584, 2960],
    );
    assert.deepEqual(
      parts.map((b) => b.more),
      [true, true, true, true, true, true, false],
    );
    for (const f of again) assert.ok(ipPacketSize(f) <= 576);
    const data = Buffer.concat(parts.map((b) => b.data));
    const body = parseTransport(4, '192.0.2.1', '192.0.2.2', 'udp', data);
    assert.ok(body?.kind === 'udp' && body.payload.equals(payload(3000)));
  });
});
