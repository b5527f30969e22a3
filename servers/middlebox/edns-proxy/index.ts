// The EDNS/DNSSEC-breaking DNS proxy of a home router or old firewall
// (docs/incidents.md: "Middlebox checkpoints" "DNS cache/proxy functions in home routers"). Each
// breakage is a switch:
//   stripOpt     remove the OPT RR from queries and responses (the server
//                then limits UDP answers to 512 octets, RFC 6891 §7)
//   clearDo      clear the DO bit in queries (no RRSIGs come back, RFC 3225)
//   stripDnssec  remove RRSIG, NSEC, NSEC3 and DS records from responses —
//                a validating resolver behind it sees bogus/insecure data
//   formerrEdns  answer FORMERR to any query with an OPT RR (pre-RFC 2671
//                software, RFC 6891 §7 fallback trigger)
//   maxUdpAnswer cap UDP answers at N octets (typically 512): cut to fit, TC=1
//   cache        answer repeated questions from its own cache with its own
//                TTL rules (cacheTtl overrides every TTL, like boxes that
//                hold everything for a fixed time); the key ignores DO/CD, a
//                real bug that hands unsigned answers to validating clients.

import { decodeMessage, encodeMessage } from '../../../dns/wire/message.ts';
import { canonicalName } from '../../../dns/name.ts';
import type { Message, RR } from '../../../dns/types.ts';
import { intSetting, knownKeys, MiddleboxConfigError } from '../errors.ts';
import { truncateResponse } from '../size-limit/index.ts';
import type { DnsStage, Flow, StageResult } from '../stage.ts';
import { clearDoBit, findOpt, removeOpt } from '../wire-edit.ts';

export interface EdnsProxyConfig {
  stripOpt?: boolean;
  clearDo?: boolean;
  stripDnssec?: boolean;
  formerrEdns?: boolean;
  maxUdpAnswer?: number;
  cache?: boolean;
  /** Seconds every cached answer is kept for, whatever its TTL (default: the answer's own minimum TTL). */
  cacheTtl?: number;
  /** Entries kept (default 1000; the oldest goes first). */
  cacheSize?: number;
}

const KEYS = ['stripOpt', 'clearDo', 'stripDnssec', 'formerrEdns', 'maxUdpAnswer', 'cache', 'cacheTtl', 'cacheSize'] as const;

export function validateEdnsProxy(c: EdnsProxyConfig): EdnsProxyConfig {
  knownKeys('ednsProxy', c, KEYS);
  for (const k of ['stripOpt', 'clearDo', 'stripDnssec', 'formerrEdns', 'cache'] as const) {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') throw new MiddleboxConfigError(k, 'true or false', c[k]);
  }
  const out: EdnsProxyConfig = { ...c };
  if (c.maxUdpAnswer !== undefined) out.maxUdpAnswer = intSetting('maxUdpAnswer', c.maxUdpAnswer, 12, 65535);
  if (c.cacheTtl !== undefined) out.cacheTtl = intSetting('cacheTtl', c.cacheTtl, 0, 604800);
  if (c.cacheSize !== undefined) out.cacheSize = intSetting('cacheSize', c.cacheSize, 1, 1_000_000);
  return out;
}

const DNSSEC_TYPES = new Set(['RRSIG', 'NSEC', 'NSEC3', 'DS']);

interface CacheEntry {
  message: Message;
  storedAt: number;
  expiresAt: number;
}

export class EdnsProxy implements DnsStage {
  readonly name: string;
  readonly config: EdnsProxyConfig;
  private readonly cache = new Map<string, CacheEntry>();
  /** Counters for reports. */
  readonly stats = { formerr: 0, cacheHits: 0, stripped: 0, truncated: 0 };

  constructor(config: EdnsProxyConfig, name = 'edns-proxy') {
    this.config = validateEdnsProxy(config);
    this.name = name;
  }

  onQuery(payload: Buffer, flow: Flow): StageResult {
    const opt = findOpt(payload);
    if (opt === 'malformed') return { kind: 'drop', reason: 'query the proxy cannot parse' };
    if (this.config.formerrEdns && opt !== undefined) {
      this.stats.formerr++;
      return { kind: 'reply', payload: formerrFor(payload), reason: 'FORMERR to a query with EDNS' };
    }
    if (this.config.cache) {
      const hit = this.lookup(payload, flow.now);
      if (hit) {
        this.stats.cacheHits++;
        return { kind: 'reply', payload: hit, reason: 'answered from the proxy cache' };
      }
    }
    let out = payload;
    if (this.config.stripOpt) out = removeOpt(out) ?? out;
    else if (this.config.clearDo) out = clearDoBit(out) ?? out;
    return { kind: 'pass', payload: out };
  }

  onResponse(payload: Buffer, flow: Flow): StageResult {
    let out = payload;
    if (this.config.stripDnssec || this.config.cache) {
      let msg: Message;
      try {
        msg = decodeMessage(payload);
      } catch {
        return { kind: 'drop', reason: 'response the proxy cannot parse' };
      }
      if (this.config.stripDnssec) {
        const keep = (rr: RR) => !DNSSEC_TYPES.has(rr.type);
        const before = msg.answer.length + msg.authority.length + msg.additional.length;
        msg = {
          ...msg,
          answer: msg.answer.filter(keep),
          authority: msg.authority.filter(keep),
          additional: msg.additional.filter(keep),
          flags: { ...msg.flags, ad: false },
        };
        this.stats.stripped += before - (msg.answer.length + msg.authority.length + msg.additional.length);
      }
      if (this.config.cache) this.store(msg, flow.now);
      out = encodeMessage(msg);
    }
    if (this.config.stripOpt) out = removeOpt(out) ?? out;
    const cap = this.config.maxUdpAnswer;
    if (flow.transport === 'udp' && cap !== undefined && out.length > cap) {
      this.stats.truncated++;
      out = truncateResponse(out, cap);
    }
    return { kind: 'pass', payload: out };
  }

  private key(m: Pick<Message, 'question'>): string | undefined {
    const q = m.question[0];
    return q ? `${canonicalName(q.qname)}|${q.qtype}|${q.qclass}` : undefined;
  }

  private store(msg: Message, now: number): void {
    if (msg.flags.tc || (msg.rcode !== 'NOERROR' && msg.rcode !== 'NXDOMAIN')) return;
    const key = this.key(msg);
    if (!key) return;
    const ttls = [...msg.answer, ...msg.authority].map((r) => r.ttl);
    const ttl = this.config.cacheTtl ?? (ttls.length ? Math.min(...ttls) : 0);
    if (ttl <= 0) return;
    if (this.cache.size >= (this.config.cacheSize ?? 1000)) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(key, { message: msg, storedAt: now, expiresAt: now + ttl * 1000 });
  }

  private lookup(payload: Buffer, now: number): Buffer | undefined {
    let query: Message;
    try {
      query = decodeMessage(payload);
    } catch {
      return undefined;
    }
    const key = this.key(query);
    const e = key === undefined ? undefined : this.cache.get(key);
    if (!e) return undefined;
    if (now >= e.expiresAt) {
      this.cache.delete(key!);
      return undefined;
    }
    const left = Math.max(0, Math.floor((e.expiresAt - now) / 1000));
    const age = (r: RR): RR => ({ ...r, ttl: this.config.cacheTtl !== undefined ? left : Math.max(0, r.ttl - Math.floor((now - e.storedAt) / 1000)) });
    const m: Message = {
      ...e.message,
      id: query.id,
      flags: { ...e.message.flags, rd: query.flags.rd, cd: query.flags.cd },
      question: query.question,
      answer: e.message.answer.map(age),
      authority: e.message.authority.map(age),
      additional: e.message.additional.map(age),
    };
    if (!query.edns || this.config.stripOpt) delete m.edns;
    return encodeMessage(m);
  }
}

/** FORMERR with the query's ID, opcode, RD and question, no OPT (RFC 1035 §4.1.1). */
export function formerrFor(query: Buffer): Buffer {
  const out = Buffer.alloc(12);
  query.copy(out, 0, 0, Math.min(12, query.length));
  out[2] = 0x80 | (out[2]! & 0x79); // QR=1, keep opcode and RD, clear AA/TC
  out[3] = 0x01; // RA=0, Z=0, RCODE=FORMERR
  out.writeUInt16BE(0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(0, 10);
  return out;
}
