// TtlScale (lab/device/ttl-scale.ts): an answer the lab sends to a device address carries its TTLs divided by the
// scale (rounded up); one its clients receive from the device is read back in lab seconds, never above what the lab
// served for that rrset; answers to anyone else, and queries, pass untouched; each crossing is logged.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { makeQuery } from '../../dns/message.ts';
import type { Message, RR } from '../../dns/types.ts';
import type { Endpoint, Network, UdpSocket } from '../../net/network.ts';
import { TtlScale } from '../../lab/device/ttl-scale.ts';

const clock = { now: () => 0, setTimer: () => ({}), clearTimer: () => undefined };

function answer(ttl: number): Buffer {
  const q = makeQuery('www.example.com', 'A', { id: 7 });
  return encodeMessage({
    ...q,
    flags: { ...q.flags, qr: true },
    answer: [{ name: 'www.example.com', type: 'A', class: 'IN', ttl, data: '192.0.2.1' } as RR],
  } as Message);
}

/** A network whose one UDP socket records what is sent and lets the test deliver datagrams. */
function fakeNetwork() {
  const sent: { p: Uint8Array; to: Endpoint }[] = [];
  let handler: (p: Buffer, from: Endpoint) => void = () => undefined;
  const socket: UdpSocket = {
    local: { address: '10.0.0.1', port: 53 },
    send: (p, to) => sent.push({ p, to }),
    onMessage: (h) => (handler = h),
    close: () => undefined,
  };
  const net: Network = {
    clock,
    addresses: ['10.0.0.1'],
    bindUdp: () => Promise.resolve(socket),
    listenTcp: () => Promise.reject(new Error('no tcp')),
    connectTcp: () => Promise.reject(new Error('no tcp')),
  };
  return { net, sent, deliver: (p: Buffer, from: Endpoint) => handler(p, from) };
}

describe('TtlScale', () => {
  it('divides on the way to the device, multiplies back (capped) on the way to its clients', async () => {
    const scale = new TtlScale(200, new Set(['10.250.1.1', '10.250.2.1']), clock);
    const lab = fakeNetwork();
    const labSock = await scale.labSide(lab.net).bindUdp({ address: '10.0.0.1', port: 53 });
    labSock.send(answer(300), { address: '10.250.2.1', port: 5353 });
    labSock.send(answer(300), { address: '10.0.0.99', port: 5353 });
    labSock.send(encodeMessage(makeQuery('x.example', 'A', { id: 1 })), { address: '10.250.2.1', port: 53 });
    assert.deepEqual(
      lab.sent.map((s) => decodeMessage(s.p).answer.map((r) => r.ttl)),
      [[2], [300], []],
    );
    const client = fakeNetwork();
    const got: number[] = [];
    const clientSock = await scale.clientSide(client.net).bindUdp({ address: '10.0.0.10', port: 0 });
    clientSock.onMessage((p) => got.push(decodeMessage(p).answer[0]!.ttl));
    client.deliver(answer(2), { address: '10.250.1.1', port: 53 }); // 400 lab s, capped at the 300 served
    client.deliver(answer(1), { address: '10.250.1.1', port: 53 });
    client.deliver(answer(2), { address: '10.0.0.53', port: 53 }); // not the device: as it came
    assert.deepEqual(got, [300, 200, 2]);
    assert.deepEqual(
      scale.crossings.map((c) => c.way),
      ['to-device', 'from-device', 'from-device'],
    );
  });
});
