// SPF verification as a mail receiver does it: RFC 7208 check_host() over
// DNS. The DNS side is a function handed in (`lookup`), so the same code runs
// through a lab resolver on the VirtualNetwork, over real sockets, or in a
// unit test. What an incident needs is all here: record selection (§4.5 —
// two "v=spf1" records are a permerror, the docomo 2021 outage), every
// mechanism of §5, redirect (§6.1), macros (§7) and the processing limits
// of §4.6.4 (10 DNS-querying terms, 10 MX/PTR names, 2 void lookups).

import { isIP } from 'node:net';
import type { Name, RR, RRTypeName } from '../../dns/types.ts';

/** RFC 7208 §2.6 results. */
export type SpfResult = 'none' | 'neutral' | 'pass' | 'fail' | 'softfail' | 'temperror' | 'permerror';

export const SPF_RESULTS: readonly SpfResult[] = ['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror'];

/** What a DNS lookup gave: an rcode ('TIMEOUT' when nothing came back) and the answer section. */
export interface SpfDnsAnswer {
  rcode: string;
  answer: readonly RR[];
}

export type SpfLookup = (qname: Name, qtype: RRTypeName) => Promise<SpfDnsAnswer>;

export interface SpfCheckInput {
  /** The connecting client's IP address ("<ip>"). */
  ip: string;
  /** MAIL FROM ("<sender>"), e.g. 'user@example.jp'; an empty local part becomes "postmaster" (§4.3). */
  sender: string;
  /** HELO/EHLO name ("%{h}"); default the sender's domain. */
  helo?: string;
  /** The domain to check ("<domain>"); default the sender's domain. */
  domain?: Name;
}

export interface SpfOutcome {
  result: SpfResult;
  /** Why, in one line: which record, term or limit decided. */
  reason: string;
  /** The SPF record that was evaluated at the top level, if one was selected. */
  record?: string;
  /** DNS-querying terms counted against the limit of 10 (§4.6.4). */
  dnsTerms: number;
  /** Every DNS query made, in order ("qname qtype → rcode"). */
  queries: string[];
}

export interface SpfOptions {
  /** §4.6.4: terms that cause DNS queries; default 10. */
  maxDnsTerms?: number;
  /** §4.6.4: "void lookups" (NXDOMAIN or no answer) allowed; default 2. */
  maxVoidLookups?: number;
  /** §4.6.4: names looked up per mx/ptr term; default 10. */
  maxNamesPerTerm?: number;
}

class SpfError extends Error {
  constructor(
    readonly result: 'permerror' | 'temperror',
    message: string,
  ) {
    super(message);
    this.name = 'SpfError';
  }
}

interface Context {
  input: Required<Omit<SpfCheckInput, 'domain'>> & { localPart: string; senderDomain: string };
  lookup: SpfLookup;
  dnsTerms: number;
  voidLookups: number;
  queries: string[];
  limits: Required<SpfOptions>;
}

/** RFC 7208 §4: check_host(<ip>, <domain>, <sender>). Never throws for bad DNS data: that is a result. */
export async function checkHost(input: SpfCheckInput, lookup: SpfLookup, options: SpfOptions = {}): Promise<SpfOutcome> {
  const at = input.sender.lastIndexOf('@');
  const senderDomain = at >= 0 ? input.sender.slice(at + 1) : input.sender;
  const localPart = at > 0 ? input.sender.slice(0, at) : 'postmaster';
  const ctx: Context = {
    input: { ip: input.ip, sender: `${localPart}@${senderDomain}`, helo: input.helo ?? senderDomain, localPart, senderDomain },
    lookup,
    dnsTerms: 0,
    voidLookups: 0,
    queries: [],
    limits: { maxDnsTerms: options.maxDnsTerms ?? 10, maxVoidLookups: options.maxVoidLookups ?? 2, maxNamesPerTerm: options.maxNamesPerTerm ?? 10 },
  };
  if (isIP(input.ip) === 0) return { result: 'permerror', reason: `"${input.ip}" is not an IP address`, dnsTerms: 0, queries: [] };
  try {
    const r = await evaluate(ctx, input.domain ?? senderDomain, 0);
    return { ...r, dnsTerms: ctx.dnsTerms, queries: ctx.queries };
  } catch (e) {
    if (e instanceof SpfError) return { result: e.result, reason: e.message, dnsTerms: ctx.dnsTerms, queries: ctx.queries };
    throw e;
  }
}

/** Domains in SPF are host names (§4.3): labels of 1–63 octets, ≤ 253 octets, a dot-less name is invalid. */
function validDomain(d: string): boolean {
  const n = d.endsWith('.') ? d.slice(0, -1) : d;
  if (n.length === 0 || n.length > 253 || !n.includes('.')) return false;
  return n.split('.').every((l) => l.length >= 1 && l.length <= 63);
}

async function query(ctx: Context, qname: Name, qtype: RRTypeName, countVoid: boolean): Promise<RR[]> {
  const r = await ctx.lookup(qname, qtype);
  ctx.queries.push(`${qname} ${qtype} → ${r.rcode}`);
  if (r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN') throw new SpfError('temperror', `DNS error for ${qname} ${qtype}: ${r.rcode}`);
  const records = r.answer.filter((rr) => rr.type === qtype);
  if (countVoid && records.length === 0) {
    ctx.voidLookups++;
    // §4.6.4: more than two void lookups SHOULD be a permerror (abuse of receivers' resolvers).
    if (ctx.voidLookups > ctx.limits.maxVoidLookups)
      throw new SpfError('permerror', `more than ${ctx.limits.maxVoidLookups} void lookups (§4.6.4), the last for ${qname} ${qtype}`);
  }
  return records;
}

function countDnsTerm(ctx: Context, term: string): void {
  ctx.dnsTerms++;
  if (ctx.dnsTerms > ctx.limits.maxDnsTerms) throw new SpfError('permerror', `more than ${ctx.limits.maxDnsTerms} DNS-querying terms (§4.6.4) at "${term}"`);
}

/** §4.4–4.5: fetch the TXT RRset and select the one SPF record. */
async function selectRecord(ctx: Context, domain: Name): Promise<string | undefined> {
  const txt = await query(ctx, domain, 'TXT', false);
  // §3.3: a record split into several strings is their concatenation without spaces.
  const texts = txt.map((rr) => (Array.isArray(rr.data) ? (rr.data as (string | Uint8Array)[]).map(asText).join('') : asText(rr.data as string | Uint8Array)));
  const spf = texts.filter((t) => /^v=spf1(?: |$)/i.test(t));
  if (spf.length > 1)
    throw new SpfError(
      'permerror',
      `${domain} publishes ${spf.length} "v=spf1" records (§4.5: more than one is a permerror): ${spf.map((s) => JSON.stringify(s)).join(', ')}`,
    );
  return spf[0];
}

function asText(x: string | Uint8Array): string {
  return typeof x === 'string' ? x : Buffer.from(x).toString('latin1');
}

type Qualifier = '+' | '-' | '~' | '?';
const QUALIFIER_RESULT: Record<Qualifier, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

async function evaluate(ctx: Context, domain: Name, depth: number): Promise<{ result: SpfResult; reason: string; record?: string }> {
  if (!validDomain(domain)) return { result: 'none', reason: `"${domain}" is not a valid domain (§4.3)` };
  const record = await selectRecord(ctx, domain);
  if (record === undefined) return { result: 'none', reason: `${domain} publishes no SPF record` };
  const terms = record
    .split(' ')
    .slice(1)
    .filter((t) => t.length > 0);
  let redirect: string | undefined;
  const seenModifiers = new Set<string>();
  // §4.6: syntax is checked for the whole record before any term is evaluated.
  const parsed = terms.map((term) => {
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (mod) {
      const name = mod[1]!.toLowerCase();
      if ((name === 'redirect' || name === 'exp') && seenModifiers.has(name))
        throw new SpfError('permerror', `"${name}" appears twice in ${domain}'s record (§6)`);
      seenModifiers.add(name);
      if (name === 'redirect') redirect = mod[2]!;
      return undefined;
    }
    const m = /^([+\-~?]?)(all|include|a|mx|ptr|ip4|ip6|exists)(?=$|[:/])(.*)$/i.exec(term);
    if (!m) throw new SpfError('permerror', `unknown or malformed term "${term}" in ${domain}'s record (§4.6.1)`);
    const mechanism = m[2]!.toLowerCase();
    syntaxCheck(mechanism, m[3]!, term);
    return { term, qualifier: (m[1] || '+') as Qualifier, mechanism, arg: m[3]! };
  });
  for (const d of parsed) {
    if (!d) continue;
    const matched = await mechanismMatches(ctx, domain, d.mechanism, d.arg, d.term, depth);
    if (matched) return { result: QUALIFIER_RESULT[d.qualifier], reason: `${domain}: "${d.term}" matched ${ctx.input.ip}`, record };
  }
  if (redirect !== undefined) {
    // §6.1: redirect applies only when no mechanism matched; it counts as a DNS-querying term.
    countDnsTerm(ctx, `redirect=${redirect}`);
    const target = await expandDomainSpec(ctx, redirect, domain);
    const r = await evaluate(ctx, target, depth + 1);
    if (r.result === 'none') throw new SpfError('permerror', `redirect=${target}: no SPF record there (§6.1)`);
    return { ...r, record };
  }
  return { result: 'neutral', reason: `${domain}: no mechanism matched ${ctx.input.ip} (default neutral, §4.7)`, record };
}

/** §4.6: arguments that can be checked without DNS (addresses, prefixes, shapes) are checked before evaluation. */
function syntaxCheck(mechanism: string, arg: string, term: string): void {
  const bad = (what: string) => {
    throw new SpfError('permerror', `"${term}": ${what} (§5)`);
  };
  if (mechanism === 'all' && arg !== '') bad('all takes no argument');
  if (mechanism === 'ip4' || mechanism === 'ip6') {
    const m = /^:([^/]+)(?:\/(\d{1,3}))?$/.exec(arg);
    const family = mechanism === 'ip4' ? 4 : 6;
    if (!m || isIP(m[1]!) !== family) bad(`expected ${mechanism}:IPv${family}-ADDRESS[/PREFIX]`);
    else if (m[2] !== undefined && Number(m[2]) > (family === 4 ? 32 : 128)) bad(`prefix /${m[2]} too long`);
  }
  if ((mechanism === 'a' || mechanism === 'mx') && !/^(?::[^/]+)?(?:\/\d{1,2})?(?:\/\/\d{1,3})?$/.test(arg))
    bad(`expected ${mechanism}[:DOMAIN][/CIDR4][//CIDR6]`);
  if ((mechanism === 'include' || mechanism === 'exists') && !/^:[^/]+$/.test(arg)) bad(`${mechanism} needs :DOMAIN`);
}

async function mechanismMatches(ctx: Context, domain: Name, mechanism: string, arg: string, term: string, depth: number): Promise<boolean> {
  switch (mechanism) {
    case 'all':
      if (arg !== '') throw new SpfError('permerror', `"${term}": all takes no argument`);
      return true;
    case 'ip4':
    case 'ip6': {
      const m = /^:([^/]+)(?:\/(\d{1,3}))?$/.exec(arg);
      if (!m) throw new SpfError('permerror', `"${term}": expected ${mechanism}:ADDRESS[/PREFIX]`);
      const family = mechanism === 'ip4' ? 4 : 6;
      if (isIP(m[1]!) !== family) throw new SpfError('permerror', `"${term}": ${m[1]} is not an IPv${family} address`);
      const prefix = m[2] === undefined ? (family === 4 ? 32 : 128) : Number(m[2]);
      if (prefix > (family === 4 ? 32 : 128)) throw new SpfError('permerror', `"${term}": prefix /${prefix} too long`);
      return inNetwork(ctx.input.ip, m[1]!, prefix);
    }
    case 'a':
    case 'mx': {
      countDnsTerm(ctx, term);
      const m = /^(?::([^/]+))?(?:\/(\d{1,2}))?(?:\/\/(\d{1,3}))?$/.exec(arg);
      if (!m) throw new SpfError('permerror', `"${term}": expected ${mechanism}[:DOMAIN][/CIDR4][//CIDR6]`);
      const target = m[1] !== undefined ? await expandDomainSpec(ctx, m[1], domain) : domain;
      const cidr4 = m[2] === undefined ? 32 : Number(m[2]);
      const cidr6 = m[3] === undefined ? 128 : Number(m[3]);
      if (cidr4 > 32 || cidr6 > 128) throw new SpfError('permerror', `"${term}": prefix too long`);
      let hosts: Name[] = [target];
      if (mechanism === 'mx') {
        const mx = await query(ctx, target, 'MX', true);
        // §4.6.4: more than 10 MX names is a permerror.
        if (mx.length > ctx.limits.maxNamesPerTerm)
          throw new SpfError('permerror', `"${term}": ${mx.length} MX records, more than ${ctx.limits.maxNamesPerTerm} (§4.6.4)`);
        hosts = mx.map((rr) => (rr.data as { exchange: Name }).exchange);
      }
      const v6 = isIP(ctx.input.ip) === 6 && !isV4Mapped(ctx.input.ip);
      for (const host of hosts) {
        const addresses = await query(ctx, host, v6 ? 'AAAA' : 'A', mechanism === 'a');
        for (const rr of addresses) if (inNetwork(ctx.input.ip, rr.data as string, v6 ? cidr6 : cidr4)) return true;
      }
      return false;
    }
    case 'include': {
      countDnsTerm(ctx, term);
      if (!arg.startsWith(':') || arg.length < 2) throw new SpfError('permerror', `"${term}": include needs a domain`);
      const target = await expandDomainSpec(ctx, arg.slice(1), domain);
      if (depth > 20) throw new SpfError('permerror', `"${term}": include loop`);
      const r = await evaluate(ctx, target, depth + 1);
      // §5.2 table: pass matches; fail/softfail/neutral do not; temperror propagates; permerror/none → permerror.
      if (r.result === 'pass') return true;
      if (r.result === 'temperror') throw new SpfError('temperror', `include:${target}: ${r.reason}`);
      if (r.result === 'permerror' || r.result === 'none') throw new SpfError('permerror', `include:${target}: ${r.reason}`);
      return false;
    }
    case 'exists': {
      countDnsTerm(ctx, term);
      if (!arg.startsWith(':') || arg.length < 2) throw new SpfError('permerror', `"${term}": exists needs a domain`);
      const target = await expandDomainSpec(ctx, arg.slice(1), domain);
      // §5.7: always an A query, whatever the connection's address family.
      return (await query(ctx, target, 'A', true)).length > 0;
    }
    case 'ptr': {
      countDnsTerm(ctx, term);
      const target = arg.startsWith(':') ? await expandDomainSpec(ctx, arg.slice(1), domain) : domain;
      return ptrMatches(ctx, target);
    }
  }
  throw new SpfError('permerror', `unknown mechanism in "${term}"`);
}

/** §5.5: validated reverse names of <ip> that are <target> or below it. */
async function ptrMatches(ctx: Context, target: Name): Promise<boolean> {
  const v6 = isIP(ctx.input.ip) === 6;
  const names = (await query(ctx, reverseName(ctx.input.ip), 'PTR', true)).map((rr) => rr.data as Name).slice(0, ctx.limits.maxNamesPerTerm);
  for (const n of names) {
    const addresses = await query(ctx, n, v6 ? 'AAAA' : 'A', false);
    if (!addresses.some((rr) => inNetwork(ctx.input.ip, rr.data as string, v6 ? 128 : 32))) continue;
    const a = n.toLowerCase().replace(/\.$/, '');
    const t = target.toLowerCase().replace(/\.$/, '');
    if (a === t || a.endsWith(`.${t}`)) return true;
  }
  return false;
}

function reverseName(ip: string): Name {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  return `${[...expandV6(ip)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .split('')
    .reverse()
    .join('.')}.ip6.arpa`;
}

// --- macros (§7) ------------------------------------------------------------

async function expandDomainSpec(ctx: Context, spec: string, domain: Name): Promise<Name> {
  const out = await expandMacros(ctx, spec, domain);
  // §7.3: an expansion longer than 253 octets loses labels on the left.
  let n = out.replace(/\.$/, '');
  while (n.length > 253 && n.includes('.')) n = n.slice(n.indexOf('.') + 1);
  if (!validDomain(n)) throw new SpfError('permerror', `"${spec}" expands to "${n}", not a valid domain`);
  return n;
}

async function expandMacros(ctx: Context, spec: string, domain: Name): Promise<string> {
  let out = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const next = spec[i + 1];
    if (next === '%') out += '%';
    else if (next === '_') out += ' ';
    else if (next === '-') out += '%20';
    else if (next === '{') {
      const end = spec.indexOf('}', i);
      if (end < 0) throw new SpfError('permerror', `unterminated macro in "${spec}"`);
      const m = /^([slodiphcrtv])(\d*)(r?)([.\-+,/_=]*)$/i.exec(spec.slice(i + 2, end));
      if (!m) throw new SpfError('permerror', `bad macro "%{${spec.slice(i + 2, end)}}" (§7.1)`);
      out += macroValue(ctx, m[1]!.toLowerCase(), domain, m[2]!, m[3]! !== '', m[4]! || '.');
      i = end;
      continue;
    } else throw new SpfError('permerror', `bad "%" in "${spec}" (§7.1)`);
    i++;
  }
  return out;
}

function macroValue(ctx: Context, letter: string, domain: Name, digits: string, reverse: boolean, delimiters: string): string {
  const ip = ctx.input.ip;
  const v6 = isIP(ip) === 6;
  const values: Record<string, string> = {
    s: ctx.input.sender,
    l: ctx.input.localPart,
    o: ctx.input.senderDomain,
    d: domain,
    i: v6
      ? [...expandV6(ip)]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('')
          .split('')
          .join('.')
      : ip,
    p: 'unknown', // §7.3: validated PTR name; receivers may use "unknown"
    v: v6 ? 'ip6' : 'in-addr',
    h: ctx.input.helo,
  };
  const value = values[letter];
  if (value === undefined) throw new SpfError('permerror', `macro letter "${letter}" is only allowed in exp= (§7.2)`);
  let parts = value.split(new RegExp(`[${delimiters.replace(/[-\\\]^]/g, '\\$&')}]`));
  if (reverse) parts = parts.reverse();
  if (digits !== '') {
    const n = Number(digits);
    if (n === 0) throw new SpfError('permerror', 'macro digit transformer 0 (§7.1)');
    parts = parts.slice(-n);
  }
  return parts.join('.');
}

// --- addresses ---------------------------------------------------------------

function isV4Mapped(ip: string): boolean {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip);
}

function v4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

function expandV6(ip: string): Uint8Array {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4Bytes(v4[1]!);
    s = `${s.slice(0, -v4[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** Is `ip` inside `network`/`prefix`? Different families never match (§5.6); a v4-mapped client address compares as IPv4. */
export function inNetwork(ip: string, network: string, prefix: number): boolean {
  const a = isV4Mapped(ip) ? ip.slice(7) : ip;
  const fa = isIP(a);
  if (fa !== isIP(network)) return false;
  const x = fa === 4 ? Uint8Array.from(v4Bytes(a)) : expandV6(a);
  const y = fa === 4 ? Uint8Array.from(v4Bytes(network)) : expandV6(network);
  for (let bit = 0; bit < prefix; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((x[byte]! & mask) !== (y[byte]! & mask)) return false;
  }
  return true;
}
