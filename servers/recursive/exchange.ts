// One question to one server, with a real resolver's transport rules: EDNS and its fallbacks (RFC 6891 §6.2.2, §7),
// the fragment-size retry, TCP after TC=1 (RFC 7766 §5) or after UDP timeouts — the counterpart of Unbound's
// serviced query (services/outside_network.c). The iterator (engine.ts) decides whom to ask; this asks.

import { canonicalName } from '../../dns/name.ts';
import type { Message, Name, RRTypeName } from '../../dns/types.ts';
import { formatEndpoint, type Clock, type Endpoint, type Transport } from '../../net/network.ts';
import type { ResolverEvent, ResponseClass, UpstreamPurpose } from './events.ts';
import type { InfraCache } from './infra.ts';
import type { ResolverSettings } from './settings.ts';
import type { Upstream } from './upstream.ts';
import type { ServerSelection } from './select.ts';
import type { Validator } from './validation.ts';
import { checkLimits, LimitReached, type Ctx, type ExchangeResult } from './resolution.ts';

export class Exchanger {
  constructor(
    private readonly settings: ResolverSettings,
    private readonly clock: Clock,
    private readonly infra: InfraCache,
    private readonly select: ServerSelection,
    private readonly validator: Validator,
    private readonly upstream: Upstream,
    private readonly emit: (event: ResolverEvent) => void,
  ) {}

  /** The fields every event about one upstream message carries, in the order the trace prints them. */
  private about(ctx: Ctx, server: Endpoint, qname: Name, qtype: RRTypeName, transport: Transport) {
    return { time: this.clock.now(), resolution: ctx.id, server, qname, qtype, transport };
  }

  reportResponse(
    ctx: Ctx,
    server: Endpoint,
    qname: Name,
    qtype: RRTypeName,
    transport: Transport,
    resp: Message,
    size: number,
    rttMs: number,
    cls: ResponseClass,
  ): void {
    this.emit({
      type: 'upstream-response',
      ...this.about(ctx, server, qname, qtype, transport),
      rcode: resp.rcode,
      aa: resp.flags.aa,
      tc: resp.flags.tc,
      size,
      rttMs,
      class: cls,
    });
  }

  /**
   * One question to one server, with the transport rules of a real resolver:
   * EDNS (DO=1 when validating), fallback without EDNS on FORMERR/BADVERS or
   * silence (RFC 6891 §7), TCP after TC=1 (RFC 7766 §5).
   */
  async exchange(
    ctx: Ctx,
    server: Endpoint,
    qname: Name,
    qtype: RRTypeName,
    zone: Name,
    purpose: UpstreamPurpose,
    /** The fetch's address gathering this query belongs to (BIND's fctx->restarts; `fetchRetryIntervalMs`). */
    gathering = 1,
  ): Promise<ExchangeResult> {
    const info = this.infra.info(server);
    let edns = info.edns !== 'noedns';
    const questionKey = `${canonicalName(qname)}|${qtype}`;
    const timeoutKey = `${formatEndpoint(server)}|${questionKey}`;
    const udpTimeoutLimit = this.settings.tcpAfterUdpTimeouts;
    let tcp = this.select.startsOverTcp(ctx, server, questionKey, timeoutKey);
    let sends = 0;
    let triedWithoutEdns = false;
    let udpPayloadSize = this.select.firstPayloadSize(ctx, info, edns && !tcp, timeoutKey);
    const fragmentFallback = this.settings.ednsFragmentFallbackSize;
    /** The ednsFragmentFallbackSize retry was made (once per exchange: Unbound's serviced query goes back to plain EDNS after it). */
    let fragmentRetried = false;
    // PowerDNS (timeoutThrottleS): a question that timed out at this server is not sent there again for a while.
    if (this.settings.timeoutThrottleS > 0 && this.infra.isThrottled(server, qname, qtype)) return { kind: 'failed', sends: 0 };
    for (let attempt = 0; attempt < 4; attempt++) {
      if (ctx.sent >= this.settings.maxQueriesPerClientQuery) throw new LimitReached(`sent ${ctx.sent} upstream queries for one client query`);
      // resolutionTimeLimitMs (BIND resolver-query-timeout): no query once the time is up, and no wait past it.
      const leftMs = checkLimits(this.settings, this.clock, ctx);
      ctx.sent++;
      sends++;
      if (tcp) ctx.tcp++;
      const transport: Transport = tcp ? 'tcp' : 'udp';
      const dnssecOk = edns && this.validator.validating;
      this.infra.beforeSend(server);
      this.emit({ type: 'upstream-query', time: this.clock.now(), resolution: ctx.id, server, zone, qname, qtype, transport, edns, do: dnssecOk, purpose });
      // The server's timeout as selection chose it (Knot Resolver's transport->timeout decides the dead state).
      const selectedTimeoutMs = this.infra.timeoutFor(server);
      const usedTimeoutMs = this.select.queryTimeoutMs(server, selectedTimeoutMs, gathering, tcp);
      const r = await this.upstream.send({
        server,
        qname,
        qtype,
        edns,
        udpPayloadSize,
        do: dnssecOk,
        cd: this.validator.validating,
        tcp,
        // resolutionTimeLimitMs: the last wait ends when the client query's time is up.
        // tcpWaitsForResolutionLimit (kresd): a TCP query waits until the client query's time is up.
        timeoutMs:
          tcp && this.settings.tcpWaitsForResolutionLimit && Number.isFinite(leftMs)
            ? leftMs
            : this.settings.resolutionTimeLimitAtStepOnly
              ? usedTimeoutMs
              : Math.min(leftMs, usedTimeoutMs),
      });
      if (r.kind === 'timeout' || r.kind === 'error') {
        if (r.kind === 'timeout') ctx.timeouts++;
        this.emit({
          type: r.kind === 'timeout' ? 'upstream-timeout' : 'upstream-error',
          ...this.about(ctx, server, qname, qtype, transport),
          reason: r.kind === 'timeout' ? 'no response before the retransmission timeout' : r.reason,
        });
        // Lost to fragmentation? Ask again at once with a size that fits one packet (ednsFragmentFallbackSize), or — with
        // ednsFragmentFallbackAnySize — at the size already advertised when that fits; with the same timeout: the backoff
        // comes after this retry (Unbound serviced_udp_callback: infra_rtt_update only once the EDNS_FRAG resend timed out).
        const below = this.settings.ednsFragmentFallbackBelowRtoMs;
        if (
          !tcp &&
          edns &&
          r.kind === 'timeout' &&
          fragmentFallback > 0 &&
          !fragmentRetried &&
          (udpPayloadSize > fragmentFallback || this.settings.ednsFragmentFallbackAnySize) &&
          (below <= 0 || usedTimeoutMs < below)
        ) {
          udpPayloadSize = Math.min(udpPayloadSize, fragmentFallback);
          fragmentRetried = true;
          continue;
        }
        this.infra.recordTimeout(server, selectedTimeoutMs);
        if (r.kind === 'timeout' && this.settings.timeoutThrottleS > 0) this.infra.throttle(server, qname, qtype, this.settings.timeoutThrottleS, 5);
        if (!tcp && r.kind === 'timeout') {
          const n = (ctx.udpTimeouts.get(timeoutKey) ?? 0) + 1;
          ctx.udpTimeouts.set(timeoutKey, n);
          if (udpTimeoutLimit > 0 && n >= udpTimeoutLimit) {
            tcp = true;
            continue;
          }
        }
        // No answer to an EDNS query from a server never seen answering EDNS: try once without (RFC 6891 §6.2.2).
        if (this.settings.ednsOffAfterTimeouts && !tcp && edns && info.edns === 'unknown' && info.timeouts >= 2 && !triedWithoutEdns && r.kind === 'timeout') {
          edns = false;
          triedWithoutEdns = true;
          continue;
        }
        return { kind: 'failed', sends };
      }
      const msg = r.message;
      if (!tcp) {
        this.infra.recordRtt(server, r.rttMs);
        info.largestUdpResponse = Math.max(info.largestUdpResponse ?? 0, r.size);
      }
      if (edns && !msg.edns && (msg.rcode === 'FORMERR' || msg.rcode === 'NOTIMP')) {
        this.reportResponse(ctx, server, qname, qtype, transport, msg, r.size, r.rttMs, 'formerr-edns');
        this.infra.setEdns(server, 'noedns');
        edns = false;
        continue;
      }
      if (edns && msg.rcode === 'BADVERS') {
        this.reportResponse(ctx, server, qname, qtype, transport, msg, r.size, r.rttMs, 'formerr-edns');
        edns = false;
        continue;
      }
      if (msg.edns) this.infra.setEdns(server, 'ok');
      else if (!edns && triedWithoutEdns) this.infra.setEdns(server, 'noedns');
      if (msg.flags.tc && !tcp) {
        this.reportResponse(ctx, server, qname, qtype, transport, msg, r.size, r.rttMs, 'truncated');
        if (this.settings.tcpAfterTruncationSticks) (ctx.truncated ??= new Set()).add(questionKey);
        tcp = true;
        continue;
      }
      return { kind: 'response', message: msg, transport, size: r.size, rttMs: r.rttMs, sends };
    }
    return { kind: 'failed', sends };
  }
}
