// Claims about a trace: the list of DNS messages that crossed the lab network,
// in order, each with lab time and the names of the machines at both ends.
// "Which server received which query", "how many queries reached the TLD"
// (amplification, docs/incidents.md: "Facebook 2021"), "the query never reached the provider"
// (aggressive NSEC answering from cache, docs/incidents.md: "Slack 2021: NSEC bitmap").

import { isSubdomain, nameEquals } from '../dns/name.ts';
import type { Name, RRTypeName, RcodeName } from '../dns/types.ts';
import { formatOffset, outcome, type AssertionOutcome } from './result.ts';

export interface TraceEntry {
  /** Lab time, ms since epoch. */
  time: number;
  /** Machine names (or addresses when a machine is unknown). */
  from: string;
  to: string;
  transport: 'udp' | 'tcp';
  /** false: a query, true: a response (the QR bit). */
  response: boolean;
  qname: Name;
  qtype: RRTypeName;
  rcode?: RcodeName;
  /** Encoded size in octets. */
  size: number;
}

export interface QueryFilter {
  /** The machine that received the query. */
  server?: string;
  /** The machine that sent it. */
  client?: string;
  qname?: Name;
  qtype?: RRTypeName;
  /** qname at or below this name (counts everything "reaching a zone"). */
  zone?: Name;
  /** Only queries over this transport (a TC=1 answer followed by a TCP retry shows as a 'tcp' query). */
  transport?: 'udp' | 'tcp';
  /** Lab time window, ms since epoch, inclusive. */
  from?: number;
  to?: number;
}

/** Queries (not responses) matching the filter, in trace order. */
export function queriesMatching(trace: readonly TraceEntry[], f: QueryFilter): TraceEntry[] {
  return trace.filter(
    (e) =>
      !e.response &&
      (f.server === undefined || e.to === f.server) &&
      (f.client === undefined || e.from === f.client) &&
      (f.qname === undefined || nameEquals(e.qname, f.qname)) &&
      (f.qtype === undefined || e.qtype === f.qtype) &&
      (f.zone === undefined || isSubdomain(e.qname, f.zone)) &&
      (f.transport === undefined || e.transport === f.transport) &&
      (f.from === undefined || e.time >= f.from) &&
      (f.to === undefined || e.time <= f.to),
  );
}

export function describeFilter(f: QueryFilter): string {
  const parts: string[] = [];
  if (f.qname !== undefined) parts.push(`${f.qname} ${f.qtype ?? ''}`.trim());
  else if (f.qtype !== undefined) parts.push(`qtype ${f.qtype}`);
  if (f.zone !== undefined) parts.push(`under ${f.zone}`);
  if (f.client !== undefined) parts.push(`from ${f.client}`);
  if (f.server !== undefined) parts.push(`to ${f.server}`);
  if (f.transport !== undefined) parts.push(`over ${f.transport.toUpperCase()}`);
  return parts.length ? parts.join(' ') : 'any query';
}

/** One trace line, like a packet list: `T+1s  resolver → tld-jp  udp  example.jp A?`. */
export function formatTraceEntry(e: TraceEntry, start: number): string {
  const what = e.response ? `${e.qname} ${e.qtype} → ${e.rcode ?? '?'}` : `${e.qname} ${e.qtype}?`;
  return `${formatOffset(e.time - start)}  ${e.from} → ${e.to}  ${e.transport}  ${what}  (${e.size} B)`;
}

function listing(entries: readonly TraceEntry[], start: number, limit = 12): string {
  if (entries.length === 0) return '(no such query)';
  const shown = entries.slice(0, limit).map((e) => formatTraceEntry(e, start));
  if (entries.length > limit) shown.push(`… and ${entries.length - limit} more`);
  return shown.join('\n');
}

export interface CountClaim {
  /** Exactly this many. */
  count?: number;
  min?: number;
  max?: number;
}

/** How many queries matching the filter were sent; `start` is the scenario's T+0 for printing. */
export function expectQueryCount(trace: readonly TraceEntry[], f: QueryFilter, claim: CountClaim, start: number): AssertionOutcome {
  const hits = queriesMatching(trace, f);
  const n = hits.length;
  let ok = true;
  const wanted: string[] = [];
  if (claim.count !== undefined) {
    ok &&= n === claim.count;
    wanted.push(`exactly ${claim.count}`);
  }
  if (claim.min !== undefined) {
    ok &&= n >= claim.min;
    wanted.push(`at least ${claim.min}`);
  }
  if (claim.max !== undefined) {
    ok &&= n <= claim.max;
    wanted.push(`at most ${claim.max}`);
  }
  if (wanted.length === 0) {
    ok = n >= 1;
    wanted.push('at least 1');
  }
  return outcome(ok, `queries ${describeFilter(f)}`, `${wanted.join(', ')} queries`, `${n} queries\n${listing(hits, start)}`);
}

/** The query reached the server at least once. */
export function expectReceived(trace: readonly TraceEntry[], f: QueryFilter, start: number): AssertionOutcome {
  return expectQueryCount(trace, f, { min: 1 }, start);
}

/** No matching query was sent (e.g. "answered from cache; the provider never saw it"). */
export function expectNotReceived(trace: readonly TraceEntry[], f: QueryFilter, start: number): AssertionOutcome {
  const hits = queriesMatching(trace, f);
  return outcome(hits.length === 0, `no query ${describeFilter(f)}`, '0 queries', `${hits.length} queries\n${listing(hits, start)}`);
}

/** Queries per receiving machine, for amplification figures. */
export function queriesPerServer(trace: readonly TraceEntry[], f: QueryFilter = {}): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of queriesMatching(trace, f)) counts.set(e.to, (counts.get(e.to) ?? 0) + 1);
  return counts;
}
