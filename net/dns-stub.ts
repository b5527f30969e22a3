// A stub DNS client on any `Network`: send one query to an endpoint over UDP (StubUdpSocket) or over a fresh
// TCP connection in RFC 1035 §4.2.2 / RFC 7766 §8 framing (queryTcp), take the reply — every wait on the lab
// clock. The one implementation behind the runner's clients (lab/runner/world.ts), the probe
// (lab/probe/client.ts) and the resolver's upstream queries (servers/recursive/transport.ts); what differs
// between them is an option, not a copy.

import type { Message } from '../dns/types.ts';
import { decodeMessage } from '../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../dns/wire/tcp.ts';
import { type Clock, type Endpoint, type Network, NetworkError, type TcpCloseReason, type TcpConnection, type TimerHandle, type UdpSocket } from './network.ts';

export interface StubTcpOptions {
  /** Connect from this local address (default: the network picks one of the address family). */
  localAddress?: string;
  /** Give up connecting after this long. */
  connectTimeoutMs: number;
  /** Give up on the whole exchange, connect included, this long after the call. */
  timeoutMs?: number;
  /** Give up on the reply this long after the query was written. */
  answerTimeoutMs?: number;
  /**
   * Why `reply` is not the answer to the query (undefined: it is). Frames that do not decode or fail the check are
   * skipped (a stray or spoofed message is no answer). Without it the first frame is the reply, and one that does
   * not decode is 'malformed'.
   */
  check?: (reply: Message) => string | undefined;
  /**
   * How the connection ends once the exchange has its outcome: 'end' (FIN), 'reset' (RST, e.g. to free a
   * middlebox's session at once), or 'caller' (left open until `close()`).
   */
  close: 'end' | 'reset' | 'caller';
  /** Called just before the query is written, with the connection up. */
  onSend?(): void;
}

export type StubFailure = 'timeout' | 'refused' | 'unreachable' | 'closed' | 'malformed';

export type StubTcpOutcome =
  | { ok: true; message: Message; /** octets of the reply */ size: number; /** lab time it arrived */ at: number }
  | {
      ok: false;
      error: StubFailure;
      /** Whether the connection was up (a failure to connect is refused, unreachable or timeout with false). */
      connected: boolean;
      /** The network's error message (connect), or the close reason. */
      detail: string;
      at: number;
      /** Octets of a reply that did not decode ('malformed'). */
      size?: number;
    };

export interface StubTcpExchange {
  /** Settles once: the reply, or why there is none. */
  readonly outcome: Promise<StubTcpOutcome>;
  /** Stop waiting (a timeout outcome if none yet); with `close: 'caller'`, end the connection with FIN if it is still open. */
  close(): void;
}

/** Send `query` (an encoded DNS message) to `to` over a fresh TCP connection on `network`. */
export function queryTcp(network: Network, to: Endpoint, query: Uint8Array, o: StubTcpOptions): StubTcpExchange {
  const clock = network.clock;
  let settle!: (outcome: StubTcpOutcome) => void;
  const outcome = new Promise<StubTcpOutcome>((resolve) => (settle = resolve));
  let settled = false;
  let conn: TcpConnection | undefined;
  let closed = false;
  let timer: TimerHandle | undefined;
  const shut = (c: TcpConnection, how: 'end' | 'reset'): void => {
    try {
      if (how === 'end') c.end();
      else c.reset();
    } catch {
      // already gone
    }
  };
  const finish = (r: StubTcpOutcome): void => {
    if (settled) return;
    settled = true;
    if (timer) clock.clearTimer(timer);
    if (conn && o.close !== 'caller') shut(conn, o.close);
    settle(r);
  };
  const fail = (error: StubFailure, detail: string): void => finish({ ok: false, error, connected: conn !== undefined, detail, at: clock.now() });
  if (o.timeoutMs !== undefined) timer = clock.setTimer(o.timeoutMs, () => fail('timeout', `no answer within ${o.timeoutMs} ms`));
  network.connectTcp(to, { timeoutMs: o.connectTimeoutMs, ...(o.localAddress ? { localAddress: o.localAddress } : {}) }).then(
    (c) => {
      conn = c;
      if (settled) {
        // Gave up before the connection was up: do not leave it open.
        shut(c, o.close === 'reset' ? 'reset' : 'end');
        return;
      }
      if (o.answerTimeoutMs !== undefined) timer = clock.setTimer(o.answerTimeoutMs, () => fail('timeout', `no answer within ${o.answerTimeoutMs} ms`));
      const reader = new TcpFrameReader();
      c.onData((chunk) => {
        for (const frame of reader.push(chunk)) {
          let message: Message;
          try {
            message = decodeMessage(frame);
          } catch {
            if (o.check) continue;
            finish({
              ok: false,
              error: 'malformed',
              connected: true,
              detail: `a reply of ${frame.length} octets that does not decode`,
              at: clock.now(),
              size: frame.length,
            });
            return;
          }
          if (o.check?.(message) !== undefined) continue;
          finish({ ok: true, message, size: frame.length, at: clock.now() });
          return;
        }
      });
      c.onClose((reason: TcpCloseReason) => {
        closed = true;
        fail('closed', reason);
      });
      o.onSend?.();
      c.write(frameTcp(query));
    },
    (err: unknown) => {
      const code = err instanceof NetworkError ? err.code : '';
      fail(code === 'CONNECTION_REFUSED' ? 'refused' : code === 'TIMEOUT' ? 'timeout' : 'unreachable', err instanceof Error ? err.message : String(err));
    },
  );
  return {
    outcome,
    close: () => {
      if (!settled) fail('timeout', 'closed by the caller before an answer');
      if (o.close === 'caller' && conn && !closed) shut(conn, 'end');
    },
  };
}

// ---- UDP ----

export interface StubUdpOptions {
  /** Give up this long after the query was sent; without it the caller ends the wait with `close()`. */
  timeoutMs?: number;
  /**
   * Where a reply may come from: the endpoint asked (RFC 5452 §9.1), its address (any port), or anywhere (a box on
   * the path may rewrite the source).
   */
  from: 'endpoint' | 'address' | 'any';
  /**
   * Why `reply` is not the answer (undefined: it is); datagrams that do not decode or fail the check are passed
   * over. Without it the first datagram carrying the query's ID is the reply, and one that does not decode is
   * 'malformed'.
   */
  check?: (reply: Message) => string | undefined;
  /** A datagram this query passed over, and why ('source', 'undecodable' or 'mismatch', with the detail). */
  onDiscard?(from: Endpoint, kind: 'source' | 'undecodable' | 'mismatch', detail: string, payload: Buffer): void;
}

export type StubUdpOutcome =
  | { ok: true; message: Message; size: number; at: number }
  | { ok: false; error: 'timeout' | 'malformed'; at: number; /** octets of a reply that did not decode */ size?: number };

export interface StubUdpExchange {
  readonly outcome: Promise<StubUdpOutcome>;
  /** Stop waiting (a timeout outcome if none yet). The socket stays open. */
  close(): void;
}

interface Waiting {
  offer(payload: Buffer, from: Endpoint): { kind: 'source' | 'undecodable' | 'mismatch'; detail: string } | undefined;
  discard?: StubUdpOptions['onDiscard'];
}

/**
 * A UDP socket for stub queries (one flow through a NAT, for as many queries as the caller sends on it). Each
 * datagram goes to the first query in flight it answers; one no query takes is reported to the oldest's onDiscard.
 */
export class StubUdpSocket {
  private readonly waiting: Waiting[] = [];

  constructor(
    readonly socket: UdpSocket,
    private readonly clock: Clock,
  ) {
    socket.onMessage((payload, from) => this.receive(payload, from));
  }

  /** Bind a socket on `network` (port 0: an ephemeral port). */
  static async open(network: Network, local: Endpoint): Promise<StubUdpSocket> {
    return new StubUdpSocket(await network.bindUdp(local), network.clock);
  }

  /** Send `query` (an encoded DNS message) to `to` and wait for its reply. */
  query(query: Uint8Array, to: Endpoint, o: StubUdpOptions): StubUdpExchange {
    const clock = this.clock;
    const id = query.length >= 2 ? (query[0]! << 8) | query[1]! : -1;
    let settle!: (r: StubUdpOutcome) => void;
    const outcome = new Promise<StubUdpOutcome>((resolve) => (settle = resolve));
    let settled = false;
    let timer: TimerHandle | undefined;
    const finish = (r: StubUdpOutcome): void => {
      if (settled) return;
      settled = true;
      if (timer) clock.clearTimer(timer);
      const i = this.waiting.indexOf(waiting);
      if (i >= 0) this.waiting.splice(i, 1);
      settle(r);
    };
    const waiting: Waiting = {
      offer: (payload, from) => {
        if ((o.from === 'endpoint' && (from.address !== to.address || from.port !== to.port)) || (o.from === 'address' && from.address !== to.address)) {
          return { kind: 'source', detail: 'response from an address we did not ask' };
        }
        if (!o.check) {
          if (payload.length < 2 || payload.readUInt16BE(0) !== id) return { kind: 'mismatch', detail: 'another ID' };
          try {
            finish({ ok: true, message: decodeMessage(payload), size: payload.length, at: clock.now() });
          } catch {
            finish({ ok: false, error: 'malformed', at: clock.now(), size: payload.length });
          }
          return undefined;
        }
        let message: Message;
        try {
          message = decodeMessage(payload);
        } catch (err) {
          return { kind: 'undecodable', detail: `undecodable response: ${(err as Error).message}` };
        }
        const problem = o.check(message);
        if (problem !== undefined) return { kind: 'mismatch', detail: problem };
        finish({ ok: true, message, size: payload.length, at: clock.now() });
        return undefined;
      },
      ...(o.onDiscard ? { discard: o.onDiscard } : {}),
    };
    this.waiting.push(waiting);
    if (o.timeoutMs !== undefined) timer = clock.setTimer(o.timeoutMs, () => finish({ ok: false, error: 'timeout', at: clock.now() }));
    this.socket.send(query, to);
    return { outcome, close: () => finish({ ok: false, error: 'timeout', at: clock.now() }) };
  }

  /** Close the socket; queries still in flight end on their own timers (or their `close()`). */
  close(): void {
    this.socket.close();
  }

  private receive(payload: Buffer, from: Endpoint): void {
    let first: { kind: 'source' | 'undecodable' | 'mismatch'; detail: string } | undefined;
    const oldest = this.waiting[0];
    for (const w of [...this.waiting]) {
      const why = w.offer(payload, from);
      if (why === undefined) return;
      first ??= why;
    }
    if (oldest && first) oldest.discard?.(from, first.kind, first.detail, payload);
  }
}
