// The boundary between the resolution state machine and the network: one
// query to one server, one outcome. The engine decides what to send (EDNS or
// not, UDP or TCP) and what a response means; an Upstream only moves bytes,
// picks random IDs/ports and accepts a response only if it matches
// (ID, question, server) — RFC 5452 §9.1.

import type { Message, Name, RRTypeName } from '../../dns/types.ts';
import type { Endpoint } from '../../net/network.ts';

export interface UpstreamRequest {
  server: Endpoint;
  qname: Name;
  qtype: RRTypeName;
  /** Send an OPT RR (RFC 6891). */
  edns: boolean;
  /** EDNS payload size to advertise. */
  udpPayloadSize: number;
  /** DNSSEC OK (RFC 3225); only with edns. */
  do: boolean;
  /** Checking Disabled: a validating resolver asks for unvalidated data upstream (RFC 4035 §3.2.2). */
  cd: boolean;
  tcp: boolean;
  timeoutMs: number;
}

export type UpstreamResult =
  | { kind: 'response'; message: Message; rttMs: number; size: number; id: number }
  | { kind: 'timeout'; id: number }
  | { kind: 'error'; reason: string; id: number };

export interface Upstream {
  send(request: UpstreamRequest): Promise<UpstreamResult>;
}
