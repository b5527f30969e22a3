// What the resolver reports through onEvent: every upstream query and its
// outcome with lab time (for traces, timelines, query counts and
// amplification), client traffic, cache shortcuts, and one summary per
// resolution.

import type { Name, RcodeName, RRTypeName } from '../../dns/types.ts';
import type { Endpoint, Transport } from '../../net/network.ts';

export type UpstreamPurpose = 'iterate' | 'ns-address' | 'ds' | 'dnskey';

/** How a response was understood (Unbound calls this the response type). */
export type ResponseClass = 'answer' | 'cname' | 'referral' | 'nxdomain' | 'nodata' | 'lame' | 'error-rcode' | 'truncated' | 'formerr-edns';

/** What every upstream event says: when, for which resolution, which server and question, over what. */
interface UpstreamEventBase {
  time: number;
  resolution: number;
  server: Endpoint;
  qname: Name;
  qtype: RRTypeName;
  transport: Transport;
}
/** What every client event says: when, which client, over what. */
interface ClientEventBase {
  time: number;
  client: Endpoint;
  transport: Transport;
}

export interface UpstreamQueryEvent extends UpstreamEventBase {
  type: 'upstream-query';
  zone: Name;
  edns: boolean;
  do: boolean;
  purpose: UpstreamPurpose;
}
export interface UpstreamResponseEvent extends UpstreamEventBase {
  type: 'upstream-response';
  rcode: RcodeName;
  aa: boolean;
  tc: boolean;
  size: number;
  rttMs: number;
  class: ResponseClass;
}
export interface UpstreamFailureEvent extends UpstreamEventBase {
  type: 'upstream-timeout' | 'upstream-error';
  reason: string;
}
export interface ClientQueryEvent extends ClientEventBase {
  type: 'client-query';
  qname: Name;
  qtype: RRTypeName;
  rd: boolean;
  cd: boolean;
  do: boolean;
}
export interface ClientResponseEvent extends ClientEventBase {
  type: 'client-response';
  qname: Name;
  qtype: RRTypeName;
  rcode: RcodeName;
  ad: boolean;
  tc: boolean;
  size: number;
}
export interface ClientRejectedEvent extends ClientEventBase {
  type: 'client-rejected';
  reason: string;
}
export interface CacheEvent {
  type: 'cache';
  time: number;
  resolution: number;
  action: 'hit' | 'negative-hit' | 'aggressive-nsec' | 'stale' | 'flush' | 'coalesced' | 'servfail-hit';
  qname: Name;
  qtype?: RRTypeName;
  detail?: string;
}

/** One per client query (and per in-process resolve()). */
export interface ResolutionSummary {
  resolution: number;
  qname: Name;
  qtype: RRTypeName;
  rcode: RcodeName;
  ad: boolean;
  security: 'secure' | 'insecure' | 'bogus' | 'indeterminate' | 'unchecked';
  ede?: { code: number; text: string };
  /** Upstream queries sent for this client query (retries, TCP, glue and DNSSEC fetches included). */
  queriesSent: number;
  timeouts: number;
  tcpQueries: number;
  /** Answered without any upstream query. */
  fromCache: boolean;
  /** Joined an identical resolution already in progress (its queries are counted there). */
  coalesced: boolean;
  /** Answer synthesised from cached NSEC/NSEC3 (RFC 8198). */
  aggressive: boolean;
  /** Stale data served (RFC 8767). */
  stale: boolean;
  startedAt: number;
  finishedAt: number;
}
export interface ResolutionEvent {
  type: 'resolution';
  time: number;
  summary: ResolutionSummary;
}

export type ResolverEvent =
  | UpstreamQueryEvent
  | UpstreamResponseEvent
  | UpstreamFailureEvent
  | ClientQueryEvent
  | ClientResponseEvent
  | ClientRejectedEvent
  | CacheEvent
  | ResolutionEvent;
