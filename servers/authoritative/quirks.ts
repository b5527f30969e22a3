// Named, documented misbehaviours (docs/ARCHITECTURE.md, "Correct first, then quirky on purpose": "a quirk is data, not
// a fork of the code"). Each quirk is a plain object; the server composes
// them CoreDNS-style into a chain of handlers in front of the correct answer
// logic, so the RFC behaviour is never edited to reproduce an incident.
//
//   lame            answer REFUSED (default) or SERVFAIL, AA=0, for one zone or all
//   drop            send nothing back
//   delay           answer after `ms` milliseconds of lab time
//   always-tc       over UDP: TC=1 with empty sections, forcing TCP
//   ignore-edns     behave as a pre-EDNS server: no OPT in the answer, 512-octet limit
//   strip-opt       compute the answer with EDNS, then remove the OPT RR (broken middle layer)
//   formerr-on-edns a query carrying OPT gets FORMERR without OPT (RFC 6891 §7 fallback trigger)
//   scripted        a fixed Message or raw bytes for matching queries
//
// Every quirk may carry `match` to restrict it to some queries.

import { isSubdomain, nameEquals } from '../../dns/name.ts';
import type { Message, Name, RRTypeName } from '../../dns/types.ts';
import type { Clock, Endpoint } from '../../net/network.ts';

export interface QuirkMatch {
  /** Exact qname (case-insensitive). */
  qname?: Name;
  /** qname at or below this name. */
  zone?: Name;
  qtype?: RRTypeName;
  transport?: 'udp' | 'tcp';
}

export type Quirk =
  | { kind: 'lame'; rcode?: 'REFUSED' | 'SERVFAIL'; zone?: Name; match?: QuirkMatch }
  | { kind: 'drop'; match?: QuirkMatch }
  | { kind: 'delay'; ms: number; match?: QuirkMatch }
  | { kind: 'always-tc'; match?: QuirkMatch }
  | { kind: 'ignore-edns'; match?: QuirkMatch }
  | { kind: 'strip-opt'; match?: QuirkMatch }
  | { kind: 'formerr-on-edns'; match?: QuirkMatch }
  | {
      kind: 'scripted';
      match?: QuirkMatch;
      /** A response Message (ID, and question when left empty, are taken from the query) ... */
      response?: Message;
      /** ... or raw octets sent as they are (the first two are replaced by the query ID unless keepId). */
      bytes?: Uint8Array;
      keepId?: boolean;
    };

export type QuirkKind = Quirk['kind'];

/** What the chain decides for one query. */
export type QueryOutcome = { kind: 'message'; message: Message; limit: number } | { kind: 'bytes'; bytes: Buffer } | { kind: 'drop'; reason: string };

export interface QueryContext {
  query: Message;
  transport: 'udp' | 'tcp';
  from: Endpoint;
  local: Endpoint;
  /** Size limit for the response in octets (UDP: 512 or the EDNS payload size; TCP: 65535). */
  limit: number;
  clock: Clock;
}

export type Next = (ctx: QueryContext) => Promise<QueryOutcome>;
type Handler<Q extends Quirk> = (quirk: Q, ctx: QueryContext, next: Next) => Promise<QueryOutcome>;

export function quirkMatches(match: QuirkMatch | undefined, ctx: QueryContext): boolean {
  if (!match) return true;
  const q = ctx.query.question[0];
  if (match.transport && match.transport !== ctx.transport) return false;
  if (match.qname !== undefined && !(q && nameEquals(q.qname, match.qname))) return false;
  if (match.zone !== undefined && !(q && isSubdomain(q.qname, match.zone))) return false;
  if (match.qtype !== undefined && q?.qtype !== match.qtype) return false;
  return true;
}

function header(query: Message, rcode: Message['rcode']): Message {
  return {
    id: query.id,
    opcode: query.opcode,
    rcode,
    flags: { qr: true, aa: false, tc: false, rd: query.flags.rd, ra: false, z: false, ad: false, cd: query.flags.cd },
    question: query.question.map((q) => ({ ...q })),
    answer: [],
    authority: [],
    additional: [],
  };
}

const HANDLERS: { [K in QuirkKind]: Handler<Extract<Quirk, { kind: K }>> } = {
  async lame(quirk, ctx, next) {
    const inZone = quirk.zone === undefined || (ctx.query.question[0] !== undefined && isSubdomain(ctx.query.question[0].qname, quirk.zone));
    if (!inZone) return next(ctx);
    const m = header(ctx.query, quirk.rcode ?? 'REFUSED');
    if (ctx.query.edns) m.edns = { udpPayloadSize: 1232, version: 0, do: false, z: 0, options: [] };
    return { kind: 'message', message: m, limit: ctx.limit };
  },
  async drop() {
    return { kind: 'drop', reason: 'quirk drop' };
  },
  async delay(quirk, ctx, next) {
    await new Promise<void>((resolve) => ctx.clock.setTimer(Math.max(0, quirk.ms), resolve));
    return next(ctx);
  },
  async 'always-tc'(_quirk, ctx, next) {
    const out = await next(ctx);
    if (ctx.transport !== 'udp' || out.kind !== 'message') return out;
    return { ...out, message: { ...out.message, flags: { ...out.message.flags, tc: true }, answer: [], authority: [], additional: [] } };
  },
  async 'ignore-edns'(_quirk, ctx, next) {
    const { edns: _ignored, ...rest } = ctx.query;
    return next({ ...ctx, query: rest, limit: ctx.transport === 'udp' ? 512 : ctx.limit });
  },
  async 'strip-opt'(_quirk, ctx, next) {
    const out = await next(ctx);
    if (out.kind !== 'message') return out;
    const { edns: _removed, ...message } = out.message;
    return { ...out, message };
  },
  async 'formerr-on-edns'(_quirk, ctx, next) {
    if (!ctx.query.edns) return next(ctx);
    return { kind: 'message', message: header(ctx.query, 'FORMERR'), limit: 512 };
  },
  async scripted(quirk, ctx) {
    if (quirk.bytes) {
      const bytes = Buffer.from(quirk.bytes);
      if (!quirk.keepId && bytes.length >= 2) bytes.writeUInt16BE(ctx.query.id, 0);
      return { kind: 'bytes', bytes };
    }
    const base = quirk.response ?? header(ctx.query, 'SERVFAIL');
    const message: Message = { ...base, id: ctx.query.id, question: base.question.length > 0 ? base.question : ctx.query.question.map((q) => ({ ...q })) };
    return { kind: 'message', message, limit: ctx.limit };
  },
};

/** Compose `quirks` (first = outermost) in front of `core`. Quirks whose `match` fails are skipped. */
export function composeQuirks(quirks: readonly Quirk[], core: Next): Next {
  let next = core;
  for (let i = quirks.length - 1; i >= 0; i--) {
    const quirk = quirks[i]!;
    const inner = next;
    const handler = HANDLERS[quirk.kind] as Handler<Quirk>;
    next = (ctx) => (quirkMatches(quirk.match, ctx) ? handler(quirk, ctx, inner) : inner(ctx));
  }
  return next;
}

/** Check quirk data from scenarios/CLI; returns a reason when a quirk is unusable. */
export function quirkProblem(quirk: Quirk): string | undefined {
  if (typeof quirk.kind !== 'string' || !Object.hasOwn(HANDLERS, quirk.kind))
    return `unknown quirk "${(quirk as { kind: string }).kind}"; known: ${Object.keys(HANDLERS).join(', ')}`;
  if (quirk.kind === 'delay' && !(Number.isFinite(quirk.ms) && quirk.ms >= 0)) return `delay needs ms >= 0, got ${quirk.ms}`;
  if (quirk.kind === 'scripted' && quirk.response && quirk.bytes) return 'scripted quirk: give either response or bytes, not both';
  return undefined;
}
