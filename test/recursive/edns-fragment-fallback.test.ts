// What each product does after a timeout (servers/real/README.md, middlebox-checkpoints [fragment-drop]). Unbound's (servers/real/README.md,
// middlebox-checkpoints [fragment-drop]): EDNS 4096 through a firewall that
// drops IP fragments. Real Unbound 1.17.1 resends the timed-out query at once
// advertising 1472 (services/outside_network.c serviced_udp_callback,
// EDNS_FRAG_SIZE_IP4), gets TC=1 and the answer over TCP. The unbound profile
// sets ednsFragmentFallbackSize: 1472; with it at 0 the resolver keeps asking
// at 4096, every answer is lost to the firewall and the client gets SERVFAIL.
// The variant's own resolver is PowerDNS, which asks once (timeoutThrottleS).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** middlebox-checkpoints [fragment-drop] with the resolver's profile and settings replaced: the failed claims by step. */
async function fragmentDrop(profile: string, settings: Partial<ResolverSettings> = {}): Promise<{ failedSteps: number[]; udpSizes: number[]; tcp: number }> {
  const result = await runOnProfile('middlebox-checkpoints', 'fragment-drop', { resolver: 'isp', profile, settings });
  const big = result.trace.filter((e) => e.from === 'isp' && e.to === 'ns-example' && !e.response && e.qname === 'big.example.jp' && e.qtype === 'TXT');
  return {
    failedSteps: [...new Set(result.assertions.filter((a) => !a.ok).map((a) => a.step))],
    udpSizes: big.filter((e) => e.transport === 'udp').map((e) => e.size ?? 0),
    tcp: big.filter((e) => e.transport === 'tcp').length,
  };
}

describe('ednsFragmentFallbackSize (Unbound serviced_query_UDP_EDNS_FRAG) on middlebox-checkpoints [fragment-drop]', () => {
  it('unbound profile: the timed-out 4096 query is resent at 1472, TC=1, then TCP — the answer validates', async () => {
    assert.equal(settingsFor('unbound').ednsFragmentFallbackSize, 1472);
    const r = await fragmentDrop('unbound');
    // Step 5 claims SERVFAIL, step 9 one UDP try, step 10 no TCP: exactly what real Unbound fails (variants['fragment-drop'].products.unbound).
    assert.deepEqual(r.failedSteps, [5, 9, 10]);
    assert.equal(r.udpSizes.length, 2, 'one query at 4096, one at 1472');
    assert.equal(r.tcp, 1);
  });

  it('unbound profile with the switch off: every try at 4096 is lost, SERVFAIL, no TCP', async () => {
    // clientReplyDiscardMs 0: Unbound's retries take longer than its discard-timeout, so the client would get no reply at all.
    const r = await fragmentDrop('unbound', { ednsFragmentFallbackSize: 0, clientReplyDiscardMs: 0 });
    // SERVFAIL and no TCP, as the scenario's PowerDNS; only step 9 fails: Unbound retransmits (PowerDNS asks once).
    assert.deepEqual(r.failedSteps, [9]);
    assert.ok(r.udpSizes.length >= 2);
    assert.equal(r.tcp, 0);
  });

  it('no other profile has the retry (not measured for them as this mechanism)', () => {
    for (const p of ['bind', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) assert.equal(settingsFor(p).ednsFragmentFallbackSize, 0);
  });
});

// BIND 9.18 (resolver.c resquery_send): after the first timeout of an EDNS query to an address, the size
// advertised is the ADB's hint — the largest UDP answer seen from that server (here mid.example.jp TXT, ~950
// octets) — so the server answers TC=1 and BIND goes to TCP. Measured: real 9.18.49 does exactly this.
describe('ednsTimeoutLargestSeen (BIND dns_adb_getudpsize hint) on middlebox-checkpoints [fragment-drop]', () => {
  it('bind profile: the timed-out 4096 query is resent at the largest size seen, TC=1, then TCP', async () => {
    assert.equal(settingsFor('bind').ednsTimeoutLargestSeen, true);
    const r = await fragmentDrop('bind');
    assert.deepEqual(r.failedSteps, [5, 9, 10], "exactly what real BIND fails (variants['fragment-drop'].products.bind)");
    assert.equal(r.udpSizes.length, 2);
    assert.equal(r.tcp, 1);
  });

  it('bind profile with the switch off: SERVFAIL, no TCP; the other profiles do not have it', async () => {
    const r = await fragmentDrop('bind', { ednsTimeoutLargestSeen: false });
    assert.deepEqual(r.failedSteps, [9]);
    assert.equal(r.tcp, 0);
    for (const p of ['unbound', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) assert.equal(settingsFor(p).ednsTimeoutLargestSeen, false);
  });
});

// Knot Resolver 5.6 (lib/selection.c select_transport): TCP once a question has timed out twice over UDP at one
// server (TCP_TIMEOUT_THRESHOLD 2). Measured: real 5.6.0 sends two UDP tries, then TCP, and gets the answer.
describe('tcpAfterUdpTimeouts (Knot Resolver TCP_TIMEOUT_THRESHOLD) on middlebox-checkpoints [fragment-drop]', () => {
  it('knot-resolver profile: two UDP tries at 4096, then TCP — the answer validates', async () => {
    assert.equal(settingsFor('knot-resolver').tcpAfterUdpTimeouts, 2);
    const r = await fragmentDrop('knot-resolver');
    assert.deepEqual(r.failedSteps, [5, 9, 10], "exactly what real Knot Resolver fails (variants['fragment-drop'].products.knot)");
    assert.equal(r.udpSizes.length, 2);
    assert.equal(r.tcp, 1);
  });

  it('knot-resolver profile with the switch off: SERVFAIL, no TCP; the other profiles do not have it', async () => {
    const r = await fragmentDrop('knot-resolver', { tcpAfterUdpTimeouts: 0 });
    assert.deepEqual(r.failedSteps, [9]);
    assert.equal(r.tcp, 0);
    for (const p of ['unbound', 'bind', 'powerdns', 'google-public-dns'] as const) assert.equal(settingsFor(p).tcpAfterUdpTimeouts, 0);
  });
});

// PowerDNS Recursor 4.8 (syncres.cc doResolveAtThisIP): a timeout throttles (server, qname, qtype) for 10 s or 5
// queries, so it never resends to that server in the resolution. Measured: one UDP query, then SERVFAIL.
describe('timeoutThrottleS (PowerDNS doThrottle) on middlebox-checkpoints [fragment-drop]', () => {
  it('powerdns profile (the variant as written): one UDP query, SERVFAIL, every claim holds', async () => {
    assert.equal(settingsFor('powerdns').timeoutThrottleS, 10);
    const r = await fragmentDrop('powerdns');
    assert.deepEqual(r.failedSteps, []);
    assert.equal(r.udpSizes.length, 1);
  });

  it('powerdns profile with the switch off: it retransmits, and the one-try claim fails', async () => {
    const r = await fragmentDrop('powerdns', { timeoutThrottleS: 0 });
    assert.deepEqual(r.failedSteps, [9]);
    for (const p of ['unbound', 'bind', 'knot-resolver', 'google-public-dns'] as const) assert.equal(settingsFor(p).timeoutThrottleS, 0);
  });
});
