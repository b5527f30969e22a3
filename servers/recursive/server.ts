// The recursive resolver as a machine on a `Network` (docs/ARCHITECTURE.md, "One machine model, many networks"):
// answers its clients over UDP and TCP (RFC 7766 framing), only lab clients
// (ACL), and resolves through ResolverEngine. The same object runs on the
// VirtualNetwork and on sockets.

import { makeEdns, makeResponse } from '../../dns/message.ts';
import type { Message, Name, RR, RRTypeName } from '../../dns/types.ts';
import { makeEdeOption } from '../../dns/wire/edns.ts';
import { decodeMessage, encodeMessage, encodeWithinLimit, peekHeader } from '../../dns/wire/message.ts';
import { frameTcp, TcpFrameReader } from '../../dns/wire/tcp.ts';
import { onTcpFrames } from '../../net/tcp-frames.ts';
import type { Endpoint, Network, TcpConnection, TcpListener, Transport, UdpSocket } from '../../net/network.ts';
import { SeededRandom } from '../../net/random.ts';
import { Acl, DEFAULT_ACL } from './acl.ts';
import type { ResolveOptions, ResolveResult } from './client-answer.ts';
import { ResolverEngine } from './engine.ts';
import type { ResolverEvent } from './events.ts';
import type { RandomSource } from './infra.ts';
import { settingsFor, type ProfileName } from './profiles.ts';
import type { ResolverSettings } from './settings.ts';
import { NetworkUpstream } from './transport.ts';
import type { Upstream } from './upstream.ts';

export interface RecursiveResolverOptions {
  network: Network;
  /** Where clients reach us (UDP and TCP on each). May be empty for in-process use only. */
  listen?: Endpoint[];
  /** Root server addresses (RFC 1034 §5.3.2 SBELT / root hints). */
  rootHints: Endpoint[];
  /** DS or DNSKEY records to validate from (RFC 4035 §4.4). None: no validation. */
  trustAnchors?: RR[];
  profile?: ProfileName;
  /** Overrides of the profile's settings. */
  options?: Partial<ResolverSettings>;
  onEvent?: (event: ResolverEvent) => void;
  /** Seeded source for IDs, ports, server choice. Default: SeededRandom(seed ?? 'recursive'). */
  random?: RandomSource;
  seed?: number | string;
  /** Client address prefixes allowed to query (default DEFAULT_ACL). */
  acl?: readonly string[];
  /** Port for nameservers learned from NS/glue. Default: the first root hint's port (53 on a real layout). */
  upstreamPort?: number;
  /** Replace the network transport (tests). */
  upstream?: Upstream;
  /** Source addresses for upstream queries. */
  sourceV4?: string;
  sourceV6?: string;
  /**
   * Reuse the encoded answer to a question answered from the cache alone, for the rest of that lab second while the
   * cache is unchanged (default true; never while `onEvent` listens, since a reused answer emits no events).
   */
  answerCache?: boolean;
}

const TCP_IDLE_MS = 10_000;
/** Encoded answers kept at most (the map is emptied when full; a miss only costs a normal resolution). */
const ANSWER_CACHE_LIMIT = 20_000;

/** An encoded answer and what it was built from: the engine's answerGeneration() in one lab second. */
interface EncodedAnswer {
  bytes: Buffer;
  generation: number;
  second: number;
}

export class RecursiveResolver {
  readonly engine: ResolverEngine;
  readonly settings: ResolverSettings;
  private readonly network: Network;
  private readonly listen: Endpoint[];
  private readonly acl: Acl;
  private readonly onEvent: ((event: ResolverEvent) => void) | undefined;
  private sockets: UdpSocket[] = [];
  private listeners: TcpListener[] = [];
  private readonly connections = new Set<TcpConnection>();
  private started = false;
  private readonly useAnswerCache: boolean;
  /** transport + query octets after the ID → encoded answer (see RecursiveResolverOptions.answerCache). */
  private readonly answers = new Map<string, EncodedAnswer>();

  constructor(options: RecursiveResolverOptions) {
    this.network = options.network;
    this.listen = options.listen ?? [];
    this.settings = settingsFor(options.profile ?? 'unbound', options.options ?? {});
    this.acl = new Acl(options.acl ?? DEFAULT_ACL);
    this.onEvent = options.onEvent;
    this.useAnswerCache = options.answerCache !== false && options.onEvent === undefined;
    const random = options.random ?? new SeededRandom(options.seed ?? 'recursive');
    const upstream =
      options.upstream ??
      new NetworkUpstream({
        network: options.network,
        random,
        ...(options.sourceV4 !== undefined ? { sourceV4: options.sourceV4 } : {}),
        ...(options.sourceV6 !== undefined ? { sourceV6: options.sourceV6 } : {}),
      });
    this.engine = new ResolverEngine({
      settings: this.settings,
      clock: options.network.clock,
      random,
      upstream,
      rootHints: options.rootHints,
      trustAnchors: options.trustAnchors ?? [],
      upstreamPort: options.upstreamPort ?? options.rootHints[0]?.port ?? 53,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }

  private emit(e: ResolverEvent): void {
    try {
      this.onEvent?.(e);
    } catch {
      // observers never break the server
    }
  }

  /** In-process resolution (tests, scenarios): no ACL, no wire. */
  resolve(qname: Name, qtype: RRTypeName, options: ResolveOptions = {}): Promise<ResolveResult> {
    return this.engine.resolve(qname, qtype, options);
  }

  /** Where the server listens (ports resolved when 0 was asked for). */
  get endpoints(): Endpoint[] {
    return this.sockets.map((s) => ({ ...s.local }));
  }

  flushName(name: Name): number {
    return this.engine.flushName(name);
  }
  flushTree(name: Name): number {
    return this.engine.flushTree(name);
  }
  flushAll(): number {
    return this.engine.flushAll();
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      for (const ep of this.listen) {
        const socket = await this.network.bindUdp(ep);
        socket.onMessage((payload, from) => {
          const cached = this.cachedAnswer(payload, from, 'udp');
          if (cached) {
            socket.send(cached, from);
            return;
          }
          void this.handle(payload, from, 'udp').then((bytes) => {
            // The server may have been stopped while this query was being resolved.
            if (bytes && this.started) {
              try {
                socket.send(bytes, from);
              } catch {
                // socket closed under us: nothing to answer on
              }
            }
          });
        });
        this.sockets.push(socket);
        // Port 0 picks a port for UDP; TCP listens on the same one.
        this.listeners.push(await this.network.listenTcp({ address: ep.address, port: socket.local.port }, (conn) => this.serveTcp(conn)));
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.close();
    for (const l of this.listeners) l.close();
    for (const c of this.connections) c.reset();
    this.sockets = [];
    this.listeners = [];
    this.connections.clear();
    this.started = false;
  }

  private serveTcp(conn: TcpConnection): void {
    this.connections.add(conn);
    const reader = new TcpFrameReader();
    const clock = this.network.clock;
    let idle = clock.setTimer(TCP_IDLE_MS, () => conn.end());
    let outstanding = 0;
    conn.onClose(() => {
      clock.clearTimer(idle);
      this.connections.delete(conn);
    });
    onTcpFrames(
      conn,
      (frames) => {
        clock.clearTimer(idle);
        for (const f of frames) {
          outstanding++;
          void this.handle(f, conn.remote, 'tcp').then((bytes) => {
            outstanding--;
            if (bytes && this.connections.has(conn)) {
              try {
                conn.write(frameTcp(bytes));
              } catch {
                // the client went away while we resolved
              }
            }
            if (outstanding === 0) idle = clock.setTimer(TCP_IDLE_MS, () => conn.end());
          });
        }
        if (frames.length === 0 && outstanding === 0) idle = clock.setTimer(TCP_IDLE_MS, () => conn.end());
      },
      reader,
    );
  }

  /**
   * The answer to `payload` if an encoded one may be reused (RecursiveResolverOptions.answerCache), else undefined
   * and handle() does the full work. Synchronous, so a cache hit costs no promise.
   */
  private cachedAnswer(payload: Buffer, from: Endpoint, transport: Transport): Buffer | undefined {
    if (!this.useAnswerCache || payload.length < 12 || (payload[2]! & 0x80) !== 0 || !this.acl.allows(from.address)) return undefined;
    const hit = this.reusable(transport + payload.toString('latin1', 2), Math.floor(this.network.clock.now() / 1000), this.engine.answerGeneration());
    return hit ? withId(hit, payload.readUInt16BE(0)) : undefined;
  }

  /**
   * The answer depends on the query octets after the ID and the transport (its size limit), and on the cache,
   * whose TTLs are whole lab seconds (cache.ts now()): within one second and one generation it is the same.
   */
  private reusable(key: string, second: number, generation: number): Buffer | undefined {
    const hit = this.answers.get(key);
    return hit && hit.second === second && hit.generation === generation ? hit.bytes : undefined;
  }

  /** One client message in, the response bytes out (undefined: drop). Never throws. */
  async handle(payload: Buffer, from: Endpoint, transport: Transport): Promise<Buffer | undefined> {
    const now = () => this.network.clock.now();
    const arrived = now();
    const header = peekHeader(payload);
    if (!header || header.flags.qr) {
      this.emit({
        type: 'client-rejected',
        time: now(),
        client: from,
        transport,
        reason: header ? 'QR=1 (a response, not a query)' : 'shorter than a DNS header',
      });
      return undefined;
    }
    const bare = (rcode: Message['rcode'], question: Message['question'] = []): Buffer => {
      const m: Message = {
        id: header.id,
        opcode: header.opcode,
        rcode,
        flags: { qr: true, aa: false, tc: false, rd: header.flags.rd, ra: true, z: false, ad: false, cd: header.flags.cd },
        question,
        answer: [],
        authority: [],
        additional: [],
      };
      return encodeMessage(m);
    };
    if (!this.acl.allows(from.address)) {
      this.emit({ type: 'client-rejected', time: now(), client: from, transport, reason: 'client not in the ACL (lab clients only)' });
      return bare('REFUSED');
    }
    const answerKey = this.useAnswerCache ? transport + payload.toString('latin1', 2) : undefined;
    const second = Math.floor(arrived / 1000);
    const generation = this.engine.answerGeneration();
    if (answerKey !== undefined) {
      const hit = this.reusable(answerKey, second, generation);
      if (hit) return withId(hit, header.id);
    }
    let query: Message;
    try {
      query = decodeMessage(payload);
    } catch (err) {
      this.emit({ type: 'client-rejected', time: now(), client: from, transport, reason: `malformed query: ${(err as Error).message}` });
      return bare('FORMERR');
    }
    if (query.opcode !== 'QUERY') return bare('NOTIMP', query.question);
    if (query.question.length !== 1) return bare('FORMERR', query.question);
    const q = query.question[0]!;
    this.emit({
      type: 'client-query',
      time: now(),
      client: from,
      transport,
      qname: q.qname,
      qtype: q.qtype,
      rd: query.flags.rd,
      cd: query.flags.cd,
      do: query.edns?.do ?? false,
    });
    const resp = makeResponse(query);
    resp.flags.ra = true;
    if (query.edns) {
      resp.edns = makeEdns({ udpPayloadSize: this.settings.maxUdpResponse, do: query.edns.do });
      if (query.edns.version !== 0) {
        resp.rcode = 'BADVERS'; // RFC 6891 §6.1.3
        return this.finish(resp, query, from, transport);
      }
    }
    if (q.qclass !== 'IN' || q.qtype === 'AXFR' || q.qtype === 'IXFR' || q.qtype === 'ANY' || q.qtype === 'OPT') {
      resp.rcode = q.qtype === 'ANY' ? 'NOTIMP' : 'REFUSED';
      return this.finish(resp, query, from, transport);
    }
    let result: ResolveResult;
    try {
      result = await this.engine.resolve(q.qname, q.qtype, {
        rd: query.flags.rd,
        cd: query.flags.cd,
        do: query.edns?.do ?? false,
        ad: query.flags.ad,
      });
    } catch (err) {
      this.emit({ type: 'client-rejected', time: now(), client: from, transport, reason: `internal error: ${(err as Error).message}` });
      resp.rcode = 'SERVFAIL';
      return this.finish(resp, query, from, transport);
    }
    // clientReplyDiscardMs (Unbound discard-timeout): an answer that comes too long after the query is not sent at all.
    const waited = now() - arrived;
    const discardMs = this.settings.clientReplyDiscardMs;
    if (discardMs > 0 && waited > discardMs) {
      this.emit({
        type: 'client-rejected',
        time: now(),
        client: from,
        transport,
        reason: `no reply: the ${result.rcode} for ${q.qname} ${q.qtype} was ready ${waited} ms after the query, past discard-timeout ${discardMs} ms`,
      });
      return undefined;
    }
    resp.rcode = result.rcode;
    resp.flags.ad = result.ad;
    resp.answer = result.answer;
    resp.authority = result.authority;
    if (resp.edns && result.ede && this.settings.ede) {
      resp.edns.options.push(makeEdeOption(result.ede.code, result.ede.text.slice(0, 200)));
    }
    const bytes = this.finish(resp, query, from, transport);
    // Kept only when nothing but the cache answered (no upstream query, no joined resolution, no stale data, no
    // SERVFAIL) and nothing changed the cache meanwhile, all within the second the query arrived in.
    const { summary } = result;
    if (
      answerKey !== undefined &&
      summary.fromCache &&
      !summary.stale &&
      (result.rcode === 'NOERROR' || result.rcode === 'NXDOMAIN') &&
      this.engine.answerGeneration() === generation &&
      Math.floor(now() / 1000) === second
    ) {
      if (this.answers.size >= ANSWER_CACHE_LIMIT) this.answers.clear();
      this.answers.set(answerKey, { bytes: Buffer.from(bytes), generation, second });
    }
    return bytes;
  }

  private finish(resp: Message, query: Message, from: Endpoint, transport: Transport): Buffer {
    const limit = transport === 'tcp' ? 0xffff : query.edns ? Math.max(512, Math.min(query.edns.udpPayloadSize, this.settings.maxUdpResponse)) : 512;
    let bytes: Buffer;
    let tc = false;
    try {
      const r = encodeWithinLimit(resp, limit);
      bytes = r.bytes;
      tc = r.truncated;
    } catch (err) {
      resp.answer = [];
      resp.authority = [];
      resp.rcode = 'SERVFAIL';
      bytes = encodeMessage(resp);
      this.emit({
        type: 'client-rejected',
        time: this.network.clock.now(),
        client: from,
        transport,
        reason: `could not encode the answer: ${(err as Error).message}`,
      });
    }
    const q = query.question[0];
    if (q) {
      this.emit({
        type: 'client-response',
        time: this.network.clock.now(),
        client: from,
        transport,
        qname: q.qname,
        qtype: q.qtype,
        rcode: resp.rcode,
        ad: resp.flags.ad,
        tc,
        size: bytes.length,
      });
    }
    return bytes;
  }
}

/** A copy of an encoded answer with the client's ID (RFC 1035 §4.1.1). */
function withId(bytes: Buffer, id: number): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  bytes.copy(out);
  out.writeUInt16BE(id, 0);
  return out;
}
