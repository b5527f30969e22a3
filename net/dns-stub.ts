// A stub DNS client over TCP on any `Network`: connect, write one query in RFC 1035 §4.2.2 / RFC 7766 §8
// framing, take the reply, close — bounded in lab time. The one implementation behind the runner's clients
// (lab/runner/world.ts), the probe (lab/probe/client.ts) and the resolver's upstream queries
// (servers/recursive/transport.ts); what differs between them is an option, not a copy.

import type { Message } from '../dns/types.ts';
import { decodeMessage } from '../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../dns/wire/tcp.ts';
import { type Endpoint, type Network, NetworkError, type TcpCloseReason, type TcpConnection, type TimerHandle } from './network.ts';

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
   * Which replies answer the query; frames that do not decode or are not accepted are skipped (a stray or spoofed
   * message is no answer). Without it the first frame is the reply, and one that does not decode is 'malformed'.
   */
  accept?: (reply: Message) => boolean;
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
            if (o.accept) continue;
            finish({ ok: false, error: 'malformed', connected: true, detail: `a reply of ${frame.length} octets that does not decode`, at: clock.now(), size: frame.length });
            return;
          }
          if (o.accept && !o.accept(message)) continue;
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
