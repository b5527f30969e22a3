// Setup faults the probe must not report as findings about the path: a
// --through that is the probe's own authoritative (no box between them, so
// every checkpoint would pass), and a --through where nothing listens (every
// checkpoint would fail, with "TCP is rejected" among them). Real sockets
// only: a connected UDP socket learns of the ICMP port-unreachable the kernel
// sends for a port nobody has bound (RFC 1122 §4.1.3.1), which a box that
// drops packets never sends.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { makeQuery } from '../../dns/message.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { ipFamily } from '../../net/ip.ts';
import { formatEndpoint, type Endpoint } from '../../net/network.ts';
import { reachesSocket } from '../../net/same-socket.ts';
import { PROBE_ZONE } from './authority.ts';

type Reach = 'answered' | 'refused' | 'silent';

function udpReach(to: Endpoint, from: string, timeoutMs: number): Promise<Reach> {
  return new Promise((resolve) => {
    const socket = createSocket(ipFamily(to.address) === 6 ? 'udp6' : 'udp4');
    let timer: NodeJS.Timeout | undefined;
    const done = (r: Reach) => {
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'silent'));
    socket.on('message', () => done('answered'));
    socket.bind(0, from, () =>
      socket.connect(to.port, to.address, () => {
        socket.send(encodeMessage(makeQuery(PROBE_ZONE, 'SOA', { id: 0x5eed, rd: false, edns: false })));
        timer = setTimeout(() => done('silent'), timeoutMs);
      }),
    );
  });
}

function tcpReach(to: Endpoint, from: string, timeoutMs: number): Promise<Reach> {
  return new Promise((resolve) => {
    const s = connect({ host: to.address, port: to.port, localAddress: from });
    const timer = setTimeout(() => done('silent'), timeoutMs);
    const done = (r: Reach) => {
      clearTimeout(timer);
      s.destroy();
      resolve(r);
    };
    s.on('connect', () => done('answered'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'silent'));
  });
}

/** Why the probe cannot test this path at all (one line), or undefined when it can. */
export async function probeSetupFault(through: Endpoint, authority: Endpoint, clientAddress: string, timeoutMs: number): Promise<string | undefined> {
  if (reachesSocket(authority, through)) {
    return `--through ${formatEndpoint(through)} is the probe's own authoritative (--auth-listen ${formatEndpoint(authority)}): no box is in between, so every checkpoint would pass; give the address of the box or resolver to test`;
  }
  // TCP first: a UDP datagram would take a session in a box's table before checkpoint 6 counts them.
  if ((await tcpReach(through, clientAddress, timeoutMs)) !== 'refused') return undefined;
  if ((await udpReach(through, clientAddress, timeoutMs)) === 'refused') {
    return `nothing listens at --through ${formatEndpoint(through)} (UDP: port unreachable, TCP: connection refused): start the box or resolver first`;
  }
  return undefined;
}
