// EDNS0 size limiter: what a firewall or load balancer with a "DNS packet
// size" setting does to UDP DNS. Responses over `maxUdpSize` octets are
// dropped (the classic "large answers vanish") or cut down with TC=1 (the
// client should retry over TCP, RFC 7766 §5); queries can have their
// advertised EDNS buffer size rewritten (RFC 6891 §6.2.3 leaves the choice to
// the requester; boxes overwrite it).

import { decodeMessage, encodeWithinLimit } from '../../../dns/wire/message.ts';
import { intSetting, knownKeys, oneOf } from '../errors.ts';
import type { DnsStage, Flow, StageResult } from '../stage.ts';
import { rewriteUdpSize } from '../wire-edit.ts';

export type OversizeAction = 'drop' | 'truncate';
export const OVERSIZE_ACTIONS: readonly OversizeAction[] = ['drop', 'truncate'];

export interface SizeLimitConfig {
  /** Largest UDP DNS message (DNS payload octets) let through; undefined = no limit. */
  maxUdpSize?: number;
  /** What happens to a larger one (default 'drop'). */
  oversize?: OversizeAction;
  /** Overwrite the EDNS UDP payload size of queries with this value. */
  ednsRewrite?: number;
}

export function validateSizeLimit(c: SizeLimitConfig): Required<Pick<SizeLimitConfig, 'oversize'>> & SizeLimitConfig {
  knownKeys('sizeLimit', c, ['maxUdpSize', 'oversize', 'ednsRewrite']);
  const out: SizeLimitConfig & { oversize: OversizeAction } = { oversize: c.oversize === undefined ? 'drop' : oneOf('oversize', c.oversize, OVERSIZE_ACTIONS) };
  // 12 octets is a bare header: anything smaller cannot carry DNS at all.
  if (c.maxUdpSize !== undefined) out.maxUdpSize = intSetting('maxUdpSize', c.maxUdpSize, 12, 65535);
  if (c.ednsRewrite !== undefined) out.ednsRewrite = intSetting('ednsRewrite', c.ednsRewrite, 0, 65535);
  return out;
}

/**
 * Cut a response to `limit` octets and set TC, as a box that "truncates"
 * does: whole RRsets that fit stay (encodeWithinLimit, RFC 2181 §9), TC=1 is
 * forced. A message we cannot decode is cut to its header and question by
 * octets, still with TC=1.
 */
export function truncateResponse(payload: Buffer, limit: number): Buffer {
  try {
    const msg = decodeMessage(payload);
    const fit = encodeWithinLimit(msg, limit);
    const out = Buffer.from(fit.bytes);
    if (out.length <= limit) {
      out[2] = out[2]! | 0x02;
      return out;
    }
  } catch {
    // fall through to the raw cut
  }
  const out = Buffer.from(payload.subarray(0, Math.min(limit, 12)));
  if (out.length >= 12) {
    out[2] = out[2]! | 0x02;
    out.writeUInt16BE(0, 4);
    out.writeUInt32BE(0, 6);
    out.writeUInt16BE(0, 10);
  }
  return out;
}

export class SizeLimiter implements DnsStage {
  readonly name: string;
  readonly config: SizeLimitConfig & { oversize: OversizeAction };

  constructor(config: SizeLimitConfig, name = 'size-limit') {
    this.config = validateSizeLimit(config);
    this.name = name;
  }

  onQuery(payload: Buffer, flow: Flow): StageResult {
    const rewrite = this.config.ednsRewrite;
    if (flow.transport !== 'udp' || rewrite === undefined) return { kind: 'pass', payload };
    return { kind: 'pass', payload: rewriteUdpSize(payload, rewrite) ?? payload };
  }

  onResponse(payload: Buffer, flow: Flow): StageResult {
    const max = this.config.maxUdpSize;
    if (flow.transport !== 'udp' || max === undefined || payload.length <= max) return { kind: 'pass', payload };
    if (this.config.oversize === 'drop') return { kind: 'drop', reason: `UDP DNS message of ${payload.length} octets over the ${max}-octet limit` };
    return { kind: 'pass', payload: truncateResponse(payload, max) };
  }
}
