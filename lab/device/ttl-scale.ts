// TTLs across a device whose clock runs at host pace while the lab's runs
// --time-scale times faster (environment.ts). What the lab sends to the device
// carries TTLs divided by the scale (rounded up, never 0 from a TTL above 0),
// so a device's cache keeps a record for as long in lab time as the scenario
// says; what the device sends back to the lab's clients is read in lab seconds
// again (× the scale, never above the TTL the lab served for that rrset).
// The same wrappers log each answer crossing the device, for the report's
// "what the device did" table (observations.ts).

import { decodeMessage, peekHeader } from '../../dns/wire/message.ts';
import { rewriteTtls } from '../../dns/wire/ttl-rewrite.ts';
import { TcpFrameReader } from '../../dns/wire/tcp.ts';
import type { Clock, Endpoint, Network, TcpConnection, Transport, UdpSocket } from '../../net/network.ts';

/** One answer crossing the device: sent to it by the lab (`to-device`) or received from it by a client (`from-device`). */
export interface Crossing {
  at: number;
  way: 'to-device' | 'from-device';
  transport: Transport;
  qname: string;
  qtype: string;
  size: number;
  rcode: string;
  tc: boolean;
  ad: boolean;
  answers: number;
  /** The EDNS UDP payload size the message advertised (undefined: no OPT). */
  edns?: number;
}

export class TtlScale {
  /** The TTL the lab last served for each rrset ("owner/type"), in lab seconds. */
  private readonly served = new Map<string, number>();
  readonly crossings: Crossing[] = [];

  constructor(
    readonly scale: number,
    /** The device's addresses: answers to them are scaled down, answers from them back up. */
    private readonly device: ReadonlySet<string>,
    private readonly clock: Clock,
  ) {}

  private note(way: Crossing['way'], transport: Transport, bytes: Uint8Array): void {
    try {
      const m = decodeMessage(bytes);
      const q = m.question[0];
      this.crossings.push({
        at: this.clock.now(),
        way,
        transport,
        qname: q?.qname ?? '',
        qtype: q?.qtype ?? '',
        size: bytes.length,
        rcode: m.rcode,
        tc: m.flags.tc,
        ad: m.flags.ad,
        answers: m.answer.length,
        ...(m.edns ? { edns: m.edns.udpPayloadSize } : {}),
      });
    } catch {
      this.crossings.push({
        at: this.clock.now(),
        way,
        transport,
        qname: '',
        qtype: '',
        size: bytes.length,
        rcode: 'undecodable',
        tc: false,
        ad: false,
        answers: 0,
      });
    }
  }

  /** An answer the lab sends to the device: TTLs in device seconds. Queries (QR=0) pass unchanged. */
  down(bytes: Uint8Array, transport: Transport): Uint8Array {
    if (!peekHeader(bytes)?.flags.qr) return bytes;
    this.note('to-device', transport, bytes);
    if (this.scale === 1) return bytes;
    return (
      rewriteTtls(bytes, (ttl, owner, type) => {
        this.served.set(`${owner.toLowerCase()}/${type}`, ttl);
        return ttl === 0 ? 0 : Math.ceil(ttl / this.scale);
      }) ?? bytes
    );
  }

  /** An answer a client receives from the device: TTLs in lab seconds again. */
  up(bytes: Buffer, transport: Transport): Buffer {
    if (!peekHeader(bytes)?.flags.qr) return bytes;
    const out =
      this.scale === 1
        ? bytes
        : (rewriteTtls(bytes, (ttl, owner, type) => Math.min(ttl * this.scale, this.served.get(`${owner.toLowerCase()}/${type}`) ?? Infinity)) ?? bytes);
    this.note('from-device', transport, out);
    return out;
  }

  /** The lab side of the device (servers, the lab's resolver): what it sends to a device address is scaled down. */
  labSide(net: Network): Network {
    const wrapConn = (c: TcpConnection): TcpConnection =>
      this.device.has(c.remote.address) ? { ...tcpDelegate(c), write: (d: Uint8Array) => c.write(this.downFrames(d)) } : c;
    return {
      clock: net.clock,
      addresses: net.addresses,
      bindUdp: async (local: Endpoint) => {
        const s = await net.bindUdp(local);
        return {
          ...udpDelegate(s),
          send: (p: Uint8Array, to: Endpoint) => s.send(this.device.has(to.address) ? this.down(p, 'udp') : p, to),
        };
      },
      listenTcp: (local, onConnection, options) => net.listenTcp(local, (c) => onConnection(wrapConn(c)), options),
      connectTcp: async (remote, options) => wrapConn(await net.connectTcp(remote, options)),
    };
  }

  /** A client of the device: what it receives from a device address is read back in lab seconds. */
  clientSide(net: Network): Network {
    return {
      clock: net.clock,
      addresses: net.addresses,
      bindUdp: async (local: Endpoint) => {
        const s = await net.bindUdp(local);
        return {
          ...udpDelegate(s),
          onMessage: (h: (payload: Buffer, from: Endpoint) => void) =>
            s.onMessage((payload, from) => h(this.device.has(from.address) ? this.up(payload, 'udp') : payload, from)),
        };
      },
      listenTcp: (local, onConnection, options) => net.listenTcp(local, onConnection, options),
      connectTcp: async (remote, options) => {
        const c = await net.connectTcp(remote, options);
        if (!this.device.has(remote.address)) return c;
        const reader = new TcpFrameReader();
        return {
          ...tcpDelegate(c),
          onData: (h: (chunk: Buffer) => void) =>
            c.onData((chunk) => {
              let frames: Buffer[];
              try {
                frames = reader.push(chunk);
              } catch {
                h(chunk); // not DNS framing: the client sees it as it came
                return;
              }
              for (const f of frames) {
                const m = this.up(f, 'tcp');
                const len = Buffer.alloc(2);
                len.writeUInt16BE(m.length);
                h(Buffer.concat([len, m]));
              }
            }),
        };
      },
    };
  }

  /** Whole length-prefixed frames in one write (how the lab's servers write): each answer scaled; anything else as is. */
  private downFrames(d: Uint8Array): Uint8Array {
    const parts: Uint8Array[] = [];
    let at = 0;
    while (at + 2 <= d.length) {
      const len = (d[at]! << 8) | d[at + 1]!;
      if (at + 2 + len > d.length) return d;
      parts.push(d.subarray(at, at + 2), this.down(d.subarray(at + 2, at + 2 + len), 'tcp'));
      at += 2 + len;
    }
    return at === d.length ? Buffer.concat(parts) : d;
  }
}

function udpDelegate(s: UdpSocket): UdpSocket {
  return { local: s.local, send: (p, to) => s.send(p, to), onMessage: (h) => s.onMessage(h), close: () => s.close() };
}

function tcpDelegate(c: TcpConnection): TcpConnection {
  return {
    local: c.local,
    remote: c.remote,
    write: (d) => c.write(d),
    onData: (h) => c.onData(h),
    onClose: (h) => c.onClose(h),
    onPeerEnd: (h) => c.onPeerEnd(h),
    end: () => c.end(),
    reset: () => c.reset(),
  };
}
