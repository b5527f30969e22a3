// Handing a TCP connection's events to its user, shared by the real
// (socket.ts) and virtual (virtual-tcp.ts) connections so both keep the
// TcpConnection promise (network.ts) the same way: data that arrives before
// onData() is queued and handed over when it is called, and the close reason
// is reported exactly once, also to an onClose() registered after the close.

import type { TcpCloseReason } from './network.ts';

export class TcpDelivery {
  private dataHandler: ((chunk: Buffer) => void) | undefined;
  private pending: Buffer[] = [];
  private closeHandler: ((reason: TcpCloseReason) => void) | undefined;
  private reason: TcpCloseReason | undefined;
  private reported = false;

  /** Received octets: to the data handler now, or queued until there is one. */
  data(chunk: Buffer): void {
    if (this.dataHandler) this.dataHandler(chunk);
    else this.pending.push(chunk);
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.dataHandler = handler;
    const queued = this.pending;
    this.pending = [];
    for (const c of queued) handler(c);
  }

  onClose(handler: (reason: TcpCloseReason) => void): void {
    this.closeHandler = handler;
    if (this.reason !== undefined && !this.reported) {
      this.reported = true;
      handler(this.reason);
    }
  }

  /** The connection is closed: the first reason given is the one reported. */
  closed(reason: TcpCloseReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    if (this.closeHandler && !this.reported) {
      this.reported = true;
      this.closeHandler(reason);
    }
  }
}
