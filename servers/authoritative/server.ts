// The authoritative server as a machine on a `Network` (docs/ARCHITECTURE.md, "One machine model, many networks"):
// UDP and TCP listeners, size limits from EDNS (RFC 6891), TCP framing and
// connection handling (RFC 7766), quirks, events for traces, and a cache of
// encoded answers so that the same server is fast on real sockets.

import { encodeMessage, decodeMessage, peekHeader } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader, MAX_TCP_MESSAGE } from '../../dns/wire/tcp.ts';
import { isWireError } from '../../dns/wire/errors.ts';
import type { Message, Name, RcodeName, RRTypeName } from '../../dns/types.ts';
import type { Zone } from '../../dns/zone/zone.ts';
import type { Endpoint, Network, TcpConnection, TcpListener, Transport, UdpSocket } from '../../net/network.ts';
import { answerQuery, DEFAULT_UDP_PAYLOAD, type AnswerContext } from './answer.ts';
import { composeQuirks, quirkProblem, type Next, type QueryOutcome, type QueryContext, type Quirk } from './quirks.ts';
import { fitResponse } from './truncate.ts';
import { ZoneSet } from './zone-set.ts';

interface EventBase {
  server: string;
  /** Lab time (ms since epoch) from the network's clock. */
  time: number;
  transport: Transport;
  from: Endpoint;
  local: Endpoint;
}

export type ServerEvent =
  | (EventBase & { type: 'query'; bytes: number; id?: number; qname?: Name; qtype?: RRTypeName; malformed?: string })
  | (EventBase & { type: 'response'; bytes: number; id: number; rcode: RcodeName | 'RAW'; tc: boolean; cached: boolean })
  | (EventBase & { type: 'drop'; reason: string })
  | { type: 'tcp-close'; server: string; time: number; remote: Endpoint; reason: string }
  | { type: 'error'; server: string; time: number; message: string };

export interface AuthoritativeServerOptions {
  network: Network;
  listen: Endpoint[];
  zones?: Zone[] | ZoneSet;
  quirks?: Quirk[];
  name?: string;
  onEvent?: (e: ServerEvent) => void;
  /** Our EDNS UDP payload size (echoed in OPT and the cap on UDP answers). Default 1232, like NSD. */
  udpPayloadSize?: number;
  /** Close idle TCP connections after this long (RFC 7766 §6.2.3). Default 10 s. */
  tcpIdleTimeoutMs?: number;
  /** Answer-logic options (chain length, cross-zone chasing, EDE). */
  answer?: Omit<AnswerContext, 'transport' | 'udpPayloadSize'>;
  /** Cache encoded answers (only used while no quirk is set). Default true. */
  cache?: boolean;
  /** RFC 9471: TC=1 when in-domain glue of a referral does not all fit (default false = NSD's rule). */
  strictGlue?: boolean;
}

const CACHE_LIMIT = 20000;

export class AuthoritativeServer {
  readonly zones: ZoneSet;
  readonly name: string;
  private readonly network: Network;
  private readonly listen: Endpoint[];
  private readonly onEvent: ((e: ServerEvent) => void) | undefined;
  private readonly udpPayloadSize: number;
  private readonly tcpIdleTimeoutMs: number;
  private readonly answerOptions: Omit<AnswerContext, 'transport' | 'udpPayloadSize'>;
  private readonly useCache: boolean;
  private readonly strictGlue: boolean;
  private quirks: Quirk[] = [];
  private chain: Next;
  private sockets: UdpSocket[] = [];
  private listeners: TcpListener[] = [];
  private readonly connections = new Set<TcpConnection>();
  private readonly cache = new Map<string, Buffer>();
  private cacheVersion = '';

  constructor(options: AuthoritativeServerOptions) {
    this.network = options.network;
    this.listen = options.listen;
    this.zones = options.zones instanceof ZoneSet ? options.zones : new ZoneSet(options.zones ?? []);
    this.name = options.name ?? 'auth';
    this.onEvent = options.onEvent;
    this.udpPayloadSize = Math.max(512, options.udpPayloadSize ?? DEFAULT_UDP_PAYLOAD);
    this.tcpIdleTimeoutMs = options.tcpIdleTimeoutMs ?? 10_000;
    this.answerOptions = options.answer ?? {};
    this.useCache = options.cache !== false;
    this.strictGlue = options.strictGlue === true;
    this.chain = this.core;
    this.setQuirks(options.quirks ?? []);
  }

  /** Replace the quirk chain (takes effect for the next query). */
  setQuirks(quirks: Quirk[]): void {
    for (const q of quirks) {
      const problem = quirkProblem(q);
      if (problem) throw new Error(`server ${this.name}: ${problem}`);
    }
    this.quirks = [...quirks];
    this.chain = composeQuirks(this.quirks, this.core);
    this.cache.clear();
  }

  getQuirks(): readonly Quirk[] {
    return this.quirks;
  }

  /** Bind UDP and TCP on every listen endpoint. */
  async start(): Promise<void> {
    try {
      for (const ep of this.listen) {
        const sock = await this.network.bindUdp(ep);
        this.sockets.push(sock);
        sock.onMessage((payload, from) => this.onUdp(sock, payload, from));
        // Bind TCP on the port UDP actually got (port 0 = ephemeral, same number for both).
        const tcp = await this.network.listenTcp({ address: ep.address, port: sock.local.port }, (c) => this.onTcp(c));
        this.listeners.push(tcp);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Endpoints actually bound (ports resolved). */
  get endpoints(): Endpoint[] {
    return this.sockets.map((s) => s.local);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.close();
    for (const l of this.listeners) l.close();
    for (const c of this.connections) c.end();
    this.sockets = [];
    this.listeners = [];
    this.connections.clear();
  }

  // -------------------------------------------------------------------------

  private emit(e: ServerEvent): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(e);
    } catch {
      // A broken trace consumer must not take the server down (docs/ARCHITECTURE.md, "Bad input never crashes the lab").
    }
  }

  private base(transport: Transport, from: Endpoint, local: Endpoint) {
    return { server: this.name, time: this.network.clock.now(), transport, from, local };
  }

  private onUdp(sock: UdpSocket, payload: Buffer, from: Endpoint): void {
    const result = this.handle(payload, 'udp', from, sock.local);
    if (result instanceof Promise) {
      result.then(
        (bytes) => {
          if (bytes) sock.send(bytes, from);
        },
        (err) => this.emit({ type: 'error', server: this.name, time: this.network.clock.now(), message: String(err) }),
      );
    } else if (result) sock.send(result, from);
  }

  private onTcp(conn: TcpConnection): void {
    this.connections.add(conn);
    const reader = new TcpFrameReader();
    let closed = false;
    let timer: ReturnType<typeof this.network.clock.setTimer> | undefined;
    const clock = this.network.clock;
    const arm = () => {
      if (timer) clock.clearTimer(timer);
      // RFC 7766 §6.2.3: servers close idle connections.
      timer = clock.setTimer(this.tcpIdleTimeoutMs, () => {
        if (!closed) conn.end();
      });
    };
    arm();
    conn.onClose((reason) => {
      closed = true;
      if (timer) clock.clearTimer(timer);
      this.connections.delete(conn);
      this.emit({ type: 'tcp-close', server: this.name, time: clock.now(), remote: conn.remote, reason });
    });
    const send = (bytes: Buffer | undefined) => {
      if (!bytes || closed) return;
      conn.write(frameTcp(bytes));
    };
    conn.onData((chunk) => {
      arm();
      // Pipelined queries (RFC 7766 §6.2.1.1) are answered as they complete.
      for (const frame of reader.push(chunk)) {
        const result = this.handle(frame, 'tcp', conn.remote, conn.local);
        if (result instanceof Promise) result.then(send, (err) => this.emit({ type: 'error', server: this.name, time: clock.now(), message: String(err) }));
        else send(result);
      }
    });
  }

  /** Size limit for a UDP answer: 512 without EDNS, else the requester's size (min 512) capped by ours. */
  private udpLimit(query: Message): number {
    if (!query.edns) return 512;
    return Math.min(this.udpPayloadSize, Math.max(512, query.edns.udpPayloadSize));
  }

  /**
   * One query in raw bytes to one response in raw bytes (or undefined = no answer).
   * Synchronous unless a quirk needs time, so the socket hot path stays cheap.
   */
  handle(raw: Buffer, transport: Transport, from: Endpoint, local: Endpoint): Buffer | undefined | Promise<Buffer | undefined> {
    if (raw.length < 12) {
      // Not even a header: nothing to answer to (RFC 1035 §4.1.1 needs the ID).
      this.emit({ type: 'query', ...this.base(transport, from, local), bytes: raw.length, malformed: 'shorter than a header' });
      this.emit({ type: 'drop', ...this.base(transport, from, local), reason: 'shorter than 12 octets' });
      return undefined;
    }
    const id = raw.readUInt16BE(0);
    if ((raw[2]! & 0x80) !== 0) {
      // Never answer a response: that is how reflection loops start.
      this.emit({ type: 'query', ...this.base(transport, from, local), bytes: raw.length, id, malformed: 'QR=1' });
      this.emit({ type: 'drop', ...this.base(transport, from, local), reason: 'QR=1 (a response, not a query)' });
      return undefined;
    }
    // Hot path: the answer depends only on the query octets after the ID (and
    // the zone data), so a cached encoding is reused with the ID patched in.
    // Online-signed answers carry signatures made "now": never reuse them.
    const cacheable = this.useCache && this.quirks.length === 0 && !this.zones.hasOnlineSigner;
    let key: string | undefined;
    if (cacheable) {
      const version = this.zones.version;
      if (version !== this.cacheVersion) {
        this.cache.clear();
        this.cacheVersion = version;
      }
      // The client's address family is part of the key: IPv6 clients get AAAA glue first.
      key = (from.address.includes(':') ? transport + '6' : transport + '4') + raw.toString('latin1', 2);
      const hit = this.cache.get(key);
      if (hit) {
        const out = Buffer.allocUnsafe(hit.length);
        hit.copy(out);
        out.writeUInt16BE(id, 0);
        if (this.onEvent) {
          this.emit({ type: 'query', ...this.base(transport, from, local), bytes: raw.length, id });
          this.emit({
            type: 'response',
            ...this.base(transport, from, local),
            bytes: out.length,
            id,
            rcode: rcodeOfBytes(out),
            tc: (out[2]! & 0x02) !== 0,
            cached: true,
          });
        }
        return out;
      }
    }
    const header = peekHeader(raw)!;

    let query: Message;
    try {
      query = decodeMessage(raw);
    } catch (err) {
      const reason = isWireError(err) ? `${err.code}: ${err.message}` : String(err);
      this.emit({ type: 'query', ...this.base(transport, from, local), bytes: raw.length, id: header.id, malformed: reason });
      // FORMERR with the query's ID, opcode and RD: all we could read (RFC 1035 §4.1.1).
      const formerr: Message = {
        id: header.id,
        opcode: header.opcode,
        rcode: 'FORMERR',
        flags: { qr: true, aa: false, tc: false, rd: header.flags.rd, ra: false, z: false, ad: false, cd: header.flags.cd },
        question: [],
        answer: [],
        authority: [],
        additional: [],
      };
      return this.finish({ kind: 'message', message: formerr, limit: 512 }, transport, from, local, undefined);
    }
    const q = query.question[0];
    this.emit({ type: 'query', ...this.base(transport, from, local), bytes: raw.length, id: query.id, ...(q ? { qname: q.qname, qtype: q.qtype } : {}) });
    const ctx: QueryContext = {
      query,
      transport,
      from,
      local,
      limit: transport === 'tcp' ? MAX_TCP_MESSAGE : this.udpLimit(query),
      clock: this.network.clock,
    };
    if (this.quirks.length === 0) {
      return this.finish(this.coreSync(ctx), transport, from, local, key);
    }
    return this.chain(ctx).then((outcome) => this.finish(outcome, transport, from, local, undefined));
  }

  private coreSync(ctx: QueryContext): QueryOutcome {
    try {
      const message = answerQuery(this.zones, ctx.query, { ...this.answerOptions, transport: ctx.transport, udpPayloadSize: this.udpPayloadSize });
      return { kind: 'message', message, limit: ctx.limit };
    } catch (err) {
      // A bug or a broken online signer must cost one SERVFAIL, not the server (docs/ARCHITECTURE.md, "Bad input never crashes the lab").
      this.emit({
        type: 'error',
        server: this.name,
        time: this.network.clock.now(),
        message: `answer failed: ${err instanceof Error ? err.message : String(err)}`,
      });
      const q = ctx.query;
      const message: Message = {
        id: q.id,
        opcode: q.opcode,
        rcode: 'SERVFAIL',
        flags: { qr: true, aa: false, tc: false, rd: q.flags.rd, ra: false, z: false, ad: false, cd: q.flags.cd },
        question: q.question.slice(0, 1),
        answer: [],
        authority: [],
        additional: [],
      };
      return { kind: 'message', message, limit: ctx.limit };
    }
  }

  private readonly core: Next = async (ctx) => this.coreSync(ctx);

  private finish(outcome: QueryOutcome, transport: Transport, from: Endpoint, local: Endpoint, key: string | undefined): Buffer | undefined {
    if (outcome.kind === 'drop') {
      this.emit({ type: 'drop', ...this.base(transport, from, local), reason: outcome.reason });
      return undefined;
    }
    let bytes: Buffer;
    let rcode: RcodeName | 'RAW' = 'RAW';
    let tc = false;
    let id = 0;
    if (outcome.kind === 'bytes') {
      bytes = outcome.bytes;
      if (bytes.length >= 2) id = bytes.readUInt16BE(0);
    } else {
      try {
        const fit = fitResponse(outcome.message, outcome.limit, { transport, strictGlue: this.strictGlue, ipv6: from.address.includes(':') });
        bytes = fit.bytes;
        tc = fit.message.flags.tc;
      } catch (err) {
        // Data the codec cannot express (e.g. a broken scripted Message): SERVFAIL rather than crash.
        this.emit({ type: 'error', server: this.name, time: this.network.clock.now(), message: `cannot encode response: ${String(err)}` });
        const m = outcome.message;
        bytes = encodeMessage({ ...m, rcode: 'SERVFAIL', answer: [], authority: [], additional: [], edns: undefined } as Message);
      }
      rcode = outcome.message.rcode;
      id = outcome.message.id;
    }
    if (key !== undefined) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, bytes);
    }
    this.emit({ type: 'response', ...this.base(transport, from, local), bytes: bytes.length, id, rcode, tc, cached: false });
    return key !== undefined ? Buffer.from(bytes) : bytes;
  }
}

const RCODE_NAMES: RcodeName[] = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
function rcodeOfBytes(b: Buffer): RcodeName {
  return RCODE_NAMES[b[3]! & 0x0f] ?? (`RCODE${b[3]! & 0x0f}` as RcodeName);
}
