// Knot Resolver 5.6.0's per-address rtt_state (lib/selection.c calc_timeout, calc_rtt_state, server_timeout;
// lib/selection.h KR_NS_TIMEOUT_*), modelled by the knot-resolver profile's switches rttStateTimeouts,
// deadAfterTimeouts, retryTimedOutServer and tcpAfterTruncationSticks (servers/real/README.md,
// middlebox-checkpoints [vulnerable] × Knot Resolver). Real kresd, log_level('debug') (2026-11-23): answers from
// ns1.example.jp with rtt 18, 11, 10, 14 ms gave srtt 16 and variance 7; the refused TCP connects for
// mid.example.jp then waited 44, 88, 176, 352, 704, 1408 ms, the address was dead after the sixth, and
// big.example.jp went out with 2816 ms: over TCP only (TCP_RTT_THRESHOLD 2000).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../net/clock.ts';
import type { Endpoint } from '../../net/network.ts';
import { InfraCache } from '../../servers/recursive/infra.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

const NS1: Endpoint = { address: '192.0.2.53', port: 53 };

/** A measured sequence: answers with these rtts, then refused TCP connects until the address is dead. */
function measuredSequence(settings: ResolverSettings, rtts: readonly number[] = [18, 11, 10, 14]): { waits: number[]; next: number; dead: boolean } {
  const clock = new VirtualClock({ start: 0 });
  const infra = new InfraCache(clock, settings);
  for (const rtt of rtts) infra.recordRtt(NS1, rtt);
  const waits: number[] = [];
  for (let i = 0; i < 12 && !infra.isSkipped(NS1); i++) {
    const wait = infra.timeoutFor(NS1);
    waits.push(wait);
    infra.recordTimeout(NS1, wait);
  }
  return { waits, next: infra.timeoutFor(NS1), dead: infra.isSkipped(NS1) };
}

describe('rttStateTimeouts and deadAfterTimeouts (Knot Resolver lib/selection.c rtt_state)', () => {
  it('the knot-resolver profile sets them; no other profile does', () => {
    const s = settingsFor('knot-resolver');
    assert.equal(s.rttStateTimeouts, true);
    assert.equal(s.rttStateMinAdditionMs, 20);
    assert.equal(s.rttStateMaxBackoff, 8);
    assert.equal(s.maxRtoMs, 10_000);
    assert.deepEqual([s.deadAfterTimeouts, s.deadMinTimeoutMs, s.deadRetryIntervalMs], [4, 800, 1000]);
    assert.equal(s.retryTimedOutServer, true);
    assert.equal(s.tcpAfterTruncationSticks, true);
    for (const p of ['unbound', 'bind', 'powerdns', 'google-public-dns'] as const) {
      const o = settingsFor(p);
      assert.deepEqual([o.rttStateTimeouts, o.deadAfterTimeouts, o.retryTimedOutServer, o.tcpAfterTruncationSticks], [false, 0, false, false], p);
    }
  });

  it('reproduces the waits of the measured kresd trace: 44 ms doubled until dead after 1408, then 2816', () => {
    const r = measuredSequence(settingsFor('knot-resolver'));
    assert.deepEqual(r.waits, [44, 88, 176, 352, 704, 1408]);
    assert.equal(r.dead, true);
    assert.equal(r.next, 2816);
  });

  it("and the trace with the scenario's 120 ms path: 253 ms doubled, dead after 2024 (the fourth), then 4048", () => {
    // Real 5.6.0, log_level('debug'), middlebox-checkpoints [vulnerable] with the box's latencyMs 60: answers of
    // 129, 123, 130 and 138 ms gave srtt 129, variance 31; the refused connects waited 253, 506, 1012, 2024.
    const r = measuredSequence(settingsFor('knot-resolver'), [129, 123, 130, 138]);
    assert.deepEqual(r.waits, [253, 506, 1012, 2024]);
    assert.equal(r.dead, true);
    assert.equal(r.next, 4048);
  });

  it('the dead address is a choice again after KR_NS_TIMEOUT_RETRY_INTERVAL; an answer resets the count', async () => {
    const clock = new VirtualClock({ start: 0 });
    const infra = new InfraCache(clock, settingsFor('knot-resolver'));
    // Never answered: DEFAULT_TIMEOUT 400, doubled per timeout; dead at the fourth (3200 >= 800).
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(infra.timeoutFor(NS1));
      infra.recordTimeout(NS1, waits[i]!);
    }
    assert.deepEqual(waits, [400, 800, 1600, 3200]);
    assert.equal(infra.isSkipped(NS1), true);
    await clock.runFor(999);
    assert.equal(infra.isSkipped(NS1), true, 'still dead 999 ms after dead_since');
    await clock.runFor(1);
    assert.equal(infra.isSkipped(NS1), false, 'usable again 1000 ms after dead_since');
    infra.recordRtt(NS1, 30);
    // calc_rtt_state from srtt 0, variance 100: variance (300 + 30 + 2) / 4 = 83, srtt (30 + 4) / 8 = 4.
    assert.equal(infra.timeoutFor(NS1), 4 + 4 * 83);
  });

  it('without the switch: RFC 6298 arithmetic (another first wait) and no dead state, the server is never skipped', () => {
    const plain = { ...settingsFor('knot-resolver'), rttStateTimeouts: false };
    // RFC 6298 §2.2–2.3 by hand (alpha 1/8, beta 1/4, RTO = SRTT + 4·RTTVAR), then §5.5 doubling up to maxRtoMs 10000.
    // 100, 200: SRTT 100, RTTVAR 50; then RTTVAR 0.75·50 + 0.25·100 = 62.5, SRTT 0.875·100 + 0.125·200 = 112.5;
    // RTO 112.5 + 250 = 362.5 -> 363.
    assert.deepEqual(measuredSequence(plain, [100, 200]).waits, [363, 726, 1452, 2904, 5808, ...Array(7).fill(10_000)]);
    // The trace's 18, 11, 10, 14: SRTT 15.96, RTTVAR 6.68, RTO 42.7, raised to the profile's minRtoMs 50.
    const r = measuredSequence(plain);
    assert.deepEqual(r.waits, [50, 100, 200, 400, 800, 1600, 3200, 6400, ...Array(4).fill(10_000)]);
    assert.equal(r.waits.length, 12, 'all 12 tries made: nothing pronounced the server dead');
    assert.equal(r.dead, false);
  });
});

/** middlebox-checkpoints [vulnerable] with the knot-resolver profile: failed claims by step, and how big.example.jp went out. */
async function vulnerable(settings: Partial<ResolverSettings> = {}): Promise<{ failedSteps: number[]; bigUdp: number }> {
  const result = await runOnProfile('middlebox-checkpoints', 'vulnerable', { resolver: 'isp', profile: 'knot-resolver', settings });
  const big = result.trace.filter((e) => e.from === 'isp' && e.to === 'ns-example' && !e.response && e.qname === 'big.example.jp' && e.qtype === 'TXT');
  return { failedSteps: [...new Set(result.assertions.filter((a) => !a.ok).map((a) => a.step))], bigUdp: big.filter((e) => e.transport === 'udp').length };
}

describe('knot-resolver on middlebox-checkpoints [vulnerable] (120 ms path, 512-octet box, TCP/53 refused)', () => {
  it("as is: mid.example.jp's refused TCP tries back the wait off past 2000 ms, so big.example.jp goes over TCP only (step 7, declared)", async () => {
    const r = await vulnerable();
    assert.deepEqual(r.failedSteps, [7]);
    assert.equal(r.bigUdp, 0);
  });

  it('with RFC 6298 timeouts and the server set aside after a timeout, big.example.jp starts over UDP', async () => {
    const r = await vulnerable({ rttStateTimeouts: false, retryTimedOutServer: false, tcpAfterTruncationSticks: false });
    assert.deepEqual(r.failedSteps, []);
    assert.ok(r.bigUdp >= 1);
  });
});
