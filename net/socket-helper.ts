// The other half of socket-opener.ts: runs inside the namespace whose sockets
// are wanted, binds each one it is asked for, sends the handle to its parent
// over IPC and closes its own copy (the parent's descriptor stays open).
// Exits when the parent goes away (IPC channel closed).

import type { SendHandle } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';
import type { OpenReply, OpenRequest } from './socket-opener.ts';

if (typeof process.send !== 'function') {
  process.stderr.write('socket-helper: must be started with an IPC channel (socket-opener.ts)\n');
  process.exit(2);
}
// SendHandle named directly: Parameters<typeof process.send> picks the last overload, whose 2nd argument is a callback.
const reply = (r: OpenReply, handle?: SendHandle, after?: () => void) => process.send!(r, handle, {}, () => after?.());

process.on('message', (m: OpenRequest) => {
  if (m.kind === 'tcp-connect') {
    // Connected here, then handed over: Node closes this copy once it is sent (keepOpen false).
    const s = createConnection({ host: m.address, port: m.port, ...(m.localAddress !== undefined ? { localAddress: m.localAddress } : {}) });
    s.once('error', (e: NodeJS.ErrnoException) => reply({ id: m.id, error: e.code ?? e.message }));
    s.once('connect', () => reply({ id: m.id }, s));
    return;
  }
  if (m.kind === 'tcp') {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => reply({ id: m.id, error: e.code ?? e.message }));
    server.listen({ host: m.address, port: m.port, exclusive: true, ipv6Only: m.address.includes(':') }, () =>
      reply({ id: m.id }, server, () => server.close()),
    );
    return;
  }
  const socket = createSocket({ type: m.kind, ipv6Only: m.kind === 'udp6' });
  socket.once('error', (e: NodeJS.ErrnoException) => reply({ id: m.id, error: e.code ?? e.message }));
  socket.bind({ address: m.address, port: m.port, exclusive: true }, () => reply({ id: m.id }, socket, () => socket.close()));
});
process.on('disconnect', () => process.exit(0));
