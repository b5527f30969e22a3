// A scripted authoritative server: answers from the ENTRY templates of a
// `.rpl` scenario's RANGE blocks, chosen by the address asked and the step the
// scenario is at, as Deckard's pydnstest does (doc/scenario_guide.rst, "Mock
// answers"). It sits beside the zone-based server (servers/authoritative/):
// that one answers from zones by the RFCs, this one says exactly what the
// script says, however wrong, because that is what resolver tests need.
//
// Which entry answers (Deckard Scenario.reply, Range.reply):
// 1. An address no RANGE names counts as "any address".
// 2. The first RANGE whose step span holds the current step and whose ADDRESS
//    list holds the address (or is empty) answers: with its first entry whose
//    MATCH holds, else SERVFAIL.
// 3. No such RANGE: the first later STEP REPLY whose entry matches answers,
//    once. Else SERVFAIL.

import { makeResponse } from '../../dns/message.ts';
import { entryMatches } from '../../dns/rpl/match.ts';
import type { RplEntry, RplScenario } from '../../dns/rpl/reader.ts';
import type { Message } from '../../dns/types.ts';
import { decodeMessage, encodeMessage } from '../../dns/wire/message.ts';
import { frameTcp } from '../../dns/wire/tcp.ts';
import { normalizeIp } from '../../net/ip.ts';
import type { Endpoint, Network, TcpConnection, TcpListener, Transport, UdpSocket } from '../../net/network.ts';
import { onTcpFrames } from '../../net/tcp-frames.ts';

/** What happened to one query the server received. */
export interface ScriptedQuery {
  time: number;
  step: number;
  to: string;
  from: Endpoint;
  transport: Transport;
  /** "www.example.com. A" or "(undecodable)". */
  question: string;
  /** Where the answer came from: "range L:E" (line of RANGE_BEGIN, line of ENTRY_BEGIN), "reply step N", or why SERVFAIL/none. */
  answeredBy: string;
}

export interface ScriptedServerOptions {
  network: Network;
  scenario: RplScenario;
  /** The step the scenario is at (ranges are chosen by it). */
  step: () => number;
  /** Addresses to answer on (port 53); default every address of `network`. */
  addresses?: readonly string[];
  port?: number;
  onQuery?: (q: ScriptedQuery) => void;
}

export class ScriptedServer {
  private readonly sockets: UdpSocket[] = [];
  private readonly listeners: TcpListener[] = [];
  private readonly named: Set<string>;
  /** STEP REPLY entries not used yet (each answers once). */
  private readonly oneShot: { id: number; entry: RplEntry }[];

  constructor(private readonly o: ScriptedServerOptions) {
    this.named = new Set(o.scenario.ranges.flatMap((r) => r.addresses.map(normalizeIp)));
    this.oneShot = o.scenario.steps.filter((s) => s.type === 'REPLY' && s.entry).map((s) => ({ id: s.id, entry: s.entry! }));
  }

  async start(): Promise<void> {
    const port = this.o.port ?? 53;
    for (const address of this.o.addresses ?? this.o.network.addresses) {
      const sock = await this.o.network.bindUdp({ address, port });
      sock.onMessage((payload, from) => {
        const out = this.answer(payload, address, from, 'udp');
        if (out) sock.send(out, from);
      });
      this.sockets.push(sock);
      this.listeners.push(await this.o.network.listenTcp({ address, port }, (conn) => this.serveTcp(conn, address)));
    }
  }

  stop(): void {
    for (const s of this.sockets) s.close();
    for (const l of this.listeners) l.close();
    this.sockets.length = 0;
    this.listeners.length = 0;
  }

  private serveTcp(conn: TcpConnection, address: string): void {
    onTcpFrames(conn, (frames) => {
      for (const f of frames) {
        const out = this.answer(f, address, conn.remote, 'tcp');
        if (out) {
          try {
            conn.write(frameTcp(out));
          } catch {
            // the resolver closed first
          }
        }
      }
    });
  }

  /** The answer octets for one query (undefined: no answer), and a ScriptedQuery event. Never throws. */
  answer(payload: Buffer, to: string, from: Endpoint, transport: Transport): Buffer | undefined {
    const step = this.o.step();
    const event = (question: string, answeredBy: string) =>
      this.o.onQuery?.({ time: this.o.network.clock.now(), step, to, from, transport, question, answeredBy });
    let query: Message;
    try {
      query = decodeMessage(payload);
    } catch {
      event('(undecodable)', 'dropped: undecodable query');
      return undefined;
    }
    const q = query.question[0];
    const question = q ? `${q.qname === '.' ? '.' : `${q.qname}.`} ${q.qtype}` : '(no question)';
    const address = this.named.has(normalizeIp(to)) ? normalizeIp(to) : undefined;
    const range = this.o.scenario.ranges.find(
      (r) => r.from <= step && step <= r.to && (address === undefined || r.addresses.length === 0 || r.addresses.some((a) => normalizeIp(a) === address)),
    );
    let entry: RplEntry | undefined;
    let by: string;
    if (range) {
      entry = range.entries.find((e) => entryMatches(e, query));
      by = entry ? `range ${range.line}:${entry.line}` : `SERVFAIL: no entry of the range at line ${range.line} matches`;
    } else {
      const i = this.oneShot.findIndex((s) => s.id >= step && entryMatches(s.entry, query));
      if (i >= 0) {
        entry = this.oneShot[i]!.entry;
        by = `reply step ${this.oneShot[i]!.id}`;
        this.oneShot.splice(i, 1);
      } else by = `SERVFAIL: no range for step ${step} at ${to}`;
    }
    if (!entry) {
      event(question, by);
      const fail = makeResponse(query);
      fail.rcode = 'SERVFAIL';
      return encodeMessage(fail);
    }
    if (entry.adjust.has('do_not_answer')) {
      event(question, `${by}: do_not_answer`);
      return undefined;
    }
    event(question, by);
    return scriptedReply(entry, query, payload);
  }
}

/**
 * The reply an entry makes to `query` (Deckard DNSReply / DNSReplyRaw): RAW octets as written (raw_id: the
 * query's ID in the first two); else the entry's message, with copy_id (ID and the qname's case from the query)
 * and copy_query (the whole question). Adjusting also takes EDNS presence and flags (DO) from the query.
 */
export function scriptedReply(entry: RplEntry, query: Message, queryOctets: Buffer): Buffer {
  if (entry.raw) {
    const out = Buffer.from(entry.raw);
    if (entry.adjust.has('raw_id') && out.length >= 2) queryOctets.copy(out, 0, 0, 2);
    return out;
  }
  // Records are shared, never changed: only the header, question and OPT are adjusted.
  const t = entry.message;
  const m: Message = { ...t, flags: { ...t.flags }, question: t.question.map((q) => ({ ...q })), ...(t.edns ? { edns: { ...t.edns } } : {}) };
  const copyId = entry.adjust.has('copy_id');
  const copyQuery = entry.adjust.has('copy_query');
  if (copyId || copyQuery) {
    if (query.edns) m.edns = { ...m.edns!, version: query.edns.version, do: query.edns.do, z: query.edns.z, options: m.edns?.options ?? [] };
    else delete m.edns;
  }
  if (copyId) {
    m.id = query.id;
    if (m.question[0] && query.question[0]) m.question[0] = { ...m.question[0], qname: query.question[0].qname };
  }
  if (copyQuery) m.question = query.question.map((q) => ({ ...q }));
  return encodeMessage(m);
}
