// Path faults: latency and jitter, loss, duplication, reordering and a rate
// limit, all drawn from the lab's seeded source (docs/ARCHITECTURE.md, "Deterministic"), so the
// same seed loses the same packets. `PathFaults` decides per packet; it runs
// as a DNS stage in the proxy (per message) and as an interceptor on the
// VirtualNetwork (per IP packet, TCP segments included).

import type { InterceptContext, InterceptResult, PacketInterceptor } from '../../../net/interceptor.ts';
import type { IpPacket } from '../../../net/packet.ts';
import type { SeededRandom } from '../../../net/random.ts';
import { intSetting, knownKeys, numberSetting } from '../errors.ts';
import type { DnsStage, Flow, StageResult } from '../stage.ts';

export interface FaultConfig {
  /** Added one-way delay (ms). */
  latencyMs?: number;
  /** Extra uniform delay in [0, jitterMs) per packet. */
  jitterMs?: number;
  /** Probability a packet is lost. */
  loss?: number;
  /** Probability a packet is sent twice. */
  duplicate?: number;
  /** Probability a packet is held back by `reorderDelayMs`, letting later ones overtake it. */
  reorder?: number;
  reorderDelayMs?: number;
  /** Packets per second let through (token bucket, burst = one second's worth); excess dropped. */
  ratePerSecond?: number;
}

const KEYS = ['latencyMs', 'jitterMs', 'loss', 'duplicate', 'reorder', 'reorderDelayMs', 'ratePerSecond'] as const;

export function validateFaults(c: FaultConfig): FaultConfig {
  knownKeys('faults', c, KEYS);
  const out: FaultConfig = {};
  if (c.latencyMs !== undefined) out.latencyMs = numberSetting('latencyMs', c.latencyMs, 0, 600_000);
  if (c.jitterMs !== undefined) out.jitterMs = numberSetting('jitterMs', c.jitterMs, 0, 600_000);
  if (c.loss !== undefined) out.loss = numberSetting('loss', c.loss, 0, 1);
  if (c.duplicate !== undefined) out.duplicate = numberSetting('duplicate', c.duplicate, 0, 1);
  if (c.reorder !== undefined) out.reorder = numberSetting('reorder', c.reorder, 0, 1);
  if (c.reorderDelayMs !== undefined) out.reorderDelayMs = numberSetting('reorderDelayMs', c.reorderDelayMs, 0, 600_000);
  if (c.ratePerSecond !== undefined) out.ratePerSecond = intSetting('ratePerSecond', c.ratePerSecond, 1, 10_000_000);
  return out;
}

export class PathFaults {
  readonly config: FaultConfig;
  private tokens: number;
  private lastRefill: number | undefined;
  readonly stats = { lost: 0, duplicated: 0, reordered: 0, rateLimited: 0 };

  constructor(config: FaultConfig) {
    this.config = validateFaults(config);
    this.tokens = this.config.ratePerSecond ?? 0;
  }

  /** Delays for each copy to send ([] = dropped) and why, when dropped. */
  decide(now: number, random: SeededRandom): { delays: number[]; reason?: string } {
    const c = this.config;
    if (c.ratePerSecond !== undefined) {
      if (this.lastRefill !== undefined) this.tokens = Math.min(c.ratePerSecond, this.tokens + ((now - this.lastRefill) / 1000) * c.ratePerSecond);
      this.lastRefill = now;
      if (this.tokens < 1) {
        this.stats.rateLimited++;
        return { delays: [], reason: `over the rate limit of ${c.ratePerSecond}/s` };
      }
      this.tokens -= 1;
    }
    // Draw every random number in a fixed order so one setting does not shift another's stream.
    const lossDraw = random.float();
    const dupDraw = random.float();
    const reorderDraw = random.float();
    const jitter1 = random.float();
    const jitter2 = random.float();
    if (c.loss !== undefined && lossDraw < c.loss) {
      this.stats.lost++;
      return { delays: [], reason: 'lost (seeded)' };
    }
    const base = (c.latencyMs ?? 0) + (c.reorder !== undefined && reorderDraw < c.reorder ? (this.stats.reordered++, c.reorderDelayMs ?? 100) : 0);
    const delays = [base + (c.jitterMs ?? 0) * jitter1];
    if (c.duplicate !== undefined && dupDraw < c.duplicate) {
      this.stats.duplicated++;
      delays.push(base + (c.jitterMs ?? 0) * jitter2);
    }
    return { delays };
  }
}

/** Faults as a proxy stage (per DNS message, both directions). */
export class FaultStage implements DnsStage {
  readonly name: string;
  readonly faults: PathFaults;

  constructor(config: FaultConfig, name = 'faults') {
    this.faults = new PathFaults(config);
    this.name = name;
  }

  private apply(payload: Buffer, flow: Flow): StageResult {
    const d = this.faults.decide(flow.now, flow.random);
    if (d.delays.length === 0) return { kind: 'drop', reason: d.reason ?? 'lost' };
    return { kind: 'pass', payload, delaysMs: d.delays };
  }

  onQuery(payload: Buffer, flow: Flow): StageResult {
    return this.apply(payload, flow);
  }

  onResponse(payload: Buffer, flow: Flow): StageResult {
    return this.apply(payload, flow);
  }
}

/** Faults as a VirtualNetwork interceptor (per IP packet). */
export class FaultInterceptor implements PacketInterceptor {
  readonly name: string;
  readonly faults: PathFaults;

  constructor(config: FaultConfig, name = 'faults') {
    this.faults = new PathFaults(config);
    this.name = name;
  }

  intercept(packet: IpPacket, ctx: InterceptContext): InterceptResult {
    const d = this.faults.decide(ctx.now, ctx.random);
    if (d.delays.length === 0) return 'drop';
    if (d.delays.length === 1 && d.delays[0] === 0) return 'forward';
    return d.delays.map((delayMs) => ({ packet, delayMs }));
  }
}
