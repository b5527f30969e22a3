// The one interface every DNS-aware middlebox implements (CoreDNS-plugin
// style: one small module per behaviour, composed in a chain). A stage sees
// whole DNS messages — a query on its way to the server, a response on its
// way back — and decides: pass it on (maybe rewritten, delayed or
// duplicated), drop it, or answer the client itself.
//
// The same stages run in two places:
//  * `MiddleboxProxy` (proxy.ts): a UDP/TCP proxy on any `Network` — real
//    sockets (SocketNetwork) or a proxy host on the VirtualNetwork;
//  * `stagesInterceptor` (interceptor.ts): a packet interceptor on the
//    VirtualNetwork, for whole UDP packets carrying DNS.
// Packet-level behaviour (IP fragments, TCP segments, NAT) lives in the
// interceptors of the fragments/, tcp-filter/ and load-balancer/ modules.

import type { Endpoint, Transport } from '../../net/network.ts';
import type { SeededRandom } from '../../net/random.ts';

export type Direction = 'query' | 'response';

/** Who talks to whom, as the box sees one message. */
export interface Flow {
  transport: Transport;
  /** The side that asked. */
  client: Endpoint;
  /** The side that answers. */
  server: Endpoint;
  /** Lab time (ms). */
  now: number;
  /** The box's own seeded stream. */
  random: SeededRandom;
}

export type StageResult =
  /** Pass on. `delaysMs`: one copy per entry (default one copy, no delay); [] is a drop. */
  | { kind: 'pass'; payload: Buffer; delaysMs?: readonly number[] }
  | { kind: 'drop'; reason: string }
  /** Answer the client instead of passing the query on (only for queries). */
  | { kind: 'reply'; payload: Buffer; reason: string };

export interface DnsStage {
  readonly name: string;
  onQuery?(payload: Buffer, flow: Flow): StageResult;
  onResponse?(payload: Buffer, flow: Flow): StageResult;
}

/** A stage that judges a query and a response by the same rule. */
export abstract class SymmetricStage implements DnsStage {
  constructor(readonly name: string) {}

  protected abstract judge(payload: Buffer, flow: Flow): StageResult;

  onQuery(payload: Buffer, flow: Flow): StageResult {
    return this.judge(payload, flow);
  }

  onResponse(payload: Buffer, flow: Flow): StageResult {
    return this.judge(payload, flow);
  }
}

export interface Delivery {
  payload: Buffer;
  delayMs: number;
}

export interface StageOutcome {
  /** Messages that continue in the original direction. */
  forward: Delivery[];
  /** Messages that go back to the client (replies made up by a stage, already through the earlier stages' response side). */
  back: Delivery[];
  /** Why copies vanished (stage name and reason), for events and reports. */
  drops: { stage: string; reason: string }[];
}

const MAX_COPIES = 16;

/**
 * Run `payload` through `stages`. Queries go through the chain in order and
 * responses in reverse (the box nearest the server sees the response first).
 */
export function runStages(stages: readonly DnsStage[], direction: Direction, payload: Buffer, flow: Flow): StageOutcome {
  const out: StageOutcome = { forward: [], back: [], drops: [] };
  try {
    if (direction === 'query') runQuery(stages, 0, payload, 0, flow, out);
    else runResponse(stages, stages.length - 1, payload, 0, flow, out, out.forward);
  } catch (err) {
    // Nothing a peer sends may take the box down (docs/ARCHITECTURE.md, "Bad input never crashes the lab"): a stage that throws drops the message.
    return { forward: [], back: [], drops: [{ stage: 'error', reason: `stage failed: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  return out;
}

function runQuery(stages: readonly DnsStage[], i: number, payload: Buffer, delay: number, flow: Flow, out: StageOutcome): void {
  if (i >= stages.length) {
    out.forward.push({ payload, delayMs: delay });
    return;
  }
  const stage = stages[i]!;
  const r = stage.onQuery ? stage.onQuery(payload, flow) : ({ kind: 'pass', payload } as StageResult);
  if (r.kind === 'drop') {
    out.drops.push({ stage: stage.name, reason: r.reason });
    return;
  }
  if (r.kind === 'reply') {
    // The reply travels back through the stages the query already crossed.
    runResponse(stages, i - 1, r.payload, delay, flow, out, out.back);
    return;
  }
  const delays = r.delaysMs ?? [0];
  if (delays.length === 0) out.drops.push({ stage: stage.name, reason: 'lost' });
  for (const d of delays.slice(0, MAX_COPIES)) runQuery(stages, i + 1, r.payload, delay + d, flow, out);
}

function runResponse(stages: readonly DnsStage[], i: number, payload: Buffer, delay: number, flow: Flow, out: StageOutcome, sink: Delivery[]): void {
  if (i < 0) {
    sink.push({ payload, delayMs: delay });
    return;
  }
  const stage = stages[i]!;
  const r = stage.onResponse ? stage.onResponse(payload, flow) : ({ kind: 'pass', payload } as StageResult);
  if (r.kind === 'drop') {
    out.drops.push({ stage: stage.name, reason: r.reason });
    return;
  }
  if (r.kind === 'reply') {
    out.drops.push({ stage: stage.name, reason: 'a reply cannot answer a response' });
    return;
  }
  const delays = r.delaysMs ?? [0];
  if (delays.length === 0) out.drops.push({ stage: stage.name, reason: 'lost' });
  for (const d of delays.slice(0, MAX_COPIES)) runResponse(stages, i - 1, r.payload, delay + d, flow, out, sink);
}
