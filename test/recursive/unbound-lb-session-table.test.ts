// Unbound 1.17.1 on middlebox-checkpoints [lb-session-table] (servers/real/README.md, "Middleboxes on the real
// path"): a load balancer with a 3-entry UDP session table in front of ns-example. Unbound's mid.example.jp A
// probe takes the third slot, so every query for mid.example.jp TXT is dropped. A verbosity-4 trace of real
// 1.17.1-2+deb12u4 shows how it keeps at it: the one server is picked 5 times (outbound-msg-retry,
// iter_utils.c iter_server_selection), each pick is sent twice at the same timeout before the timeout doubles
// (outside_network.c serviced_udp_callback, "try edns1xx0"), the timeout starts at 164 ms after three answers
// (util/rtt.c rtt_init/rtt_update: 376 → 284 → 216 → 164), and the client gets no reply at all: the SERVFAIL
// comes after discard-timeout 1900 ms (services/mesh.c "drop reply, it is older than discard-timeout"). So mid
// and big time out at the client, big is asked at T+25s, a retry for big reaches the server once the old
// sessions idle out at T+30s–T+35s, and big is answered from then on: steps 12, 13 and 14 fail, as declared
// for Unbound. Each switch of the unbound profile is needed for that.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMessage } from '../../dns/wire/message.ts';
import { MemorySink } from '../../lab/runner/run.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

const RESOLVER = '10.0.0.53';
const SERVER = '192.0.2.53';

interface Run {
  failedSteps: number[];
  /** Lab ms after T+0 of each UDP query for mid.example.jp TXT the resolver sent towards ns-example (before the load balancer). */
  midTxtSends: number[];
  /** rcode (or TIMEOUT) of each client query, in step order. */
  rcodes: string[];
}

/** middlebox-checkpoints [lb-session-table] with the unbound profile and settings replaced. */
async function lbSessionTable(settings: Partial<ResolverSettings> = {}): Promise<Run> {
  const sink = new MemorySink();
  const result = await runOnProfile('middlebox-checkpoints', 'lb-session-table', { resolver: 'isp', profile: 'unbound', settings, capture: sink });
  const seen = new Set<number>();
  const midTxtSends: number[] = [];
  for (const { time, packet } of sink.packets) {
    if (packet.src !== RESOLVER || packet.dst !== SERVER || packet.body.kind !== 'udp' || seen.has(packet.id)) continue;
    seen.add(packet.id);
    const q = decodeMessage(packet.body.payload).question[0];
    if (q?.qname === 'mid.example.jp' && q.qtype === 'TXT') midTxtSends.push(time - result.start);
  }
  return {
    failedSteps: [...new Set(result.assertions.filter((a) => !a.ok).map((a) => a.step))],
    midTxtSends,
    rcodes: result.samples.map((s) => s.rcode),
  };
}

const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('Unbound retrying a server that stops answering, on middlebox-checkpoints [lb-session-table]', () => {
  it('unbound profile: 5 picks of the server, each sent twice, from 164 ms; no reply to the client; steps 12, 13, 14 fail as declared', async () => {
    const s = settingsFor('unbound');
    assert.deepEqual([s.maxTriesPerServer, s.ednsFragmentFallbackAnySize, s.rttFirstAnswerAveraged, s.clientReplyDiscardMs], [5, true, true, 1900]);
    const r = await lbSessionTable();
    assert.equal(r.midTxtSends.length, 10, `mid TXT sends at ${r.midTxtSends.join(', ')}`);
    // Measured: timeouts 173/164, 346/328, 692/656, 1384/1312, 2768/2624 ms, each sent twice (the lab's RTT here gives 164).
    assert.deepEqual(gaps(r.midTxtSends), [164, 164, 328, 328, 656, 656, 1312, 1312, 2624]);
    assert.deepEqual(r.rcodes, ['NOERROR', 'TIMEOUT', 'TIMEOUT', 'NOERROR']);
    assert.deepEqual(r.failedSteps, [12, 13, 14]);
  });

  it('maxTriesPerServer 3 (the generic three rounds): mid TXT goes out 6 times, not 10', async () => {
    const r = await lbSessionTable({ maxTriesPerServer: 3 });
    assert.equal(r.midTxtSends.length, 6);
  });

  it('ednsFragmentFallbackAnySize off: each pick is sent once (5 sends)', async () => {
    const r = await lbSessionTable({ ednsFragmentFallbackAnySize: false });
    assert.equal(r.midTxtSends.length, 5);
  });

  it('rttFirstAnswerAveraged off (RFC 6298 first sample): the first timeout is the 50 ms floor, not 164 ms', async () => {
    const r = await lbSessionTable({ rttFirstAnswerAveraged: false });
    assert.equal(gaps(r.midTxtSends)[0], 50);
  });

  it('clientReplyDiscardMs 0: the client gets SERVFAIL for mid instead of no reply, and the cell no longer fails as declared', async () => {
    const r = await lbSessionTable({ clientReplyDiscardMs: 0 });
    assert.equal(r.rcodes[1], 'SERVFAIL');
    assert.notDeepEqual(r.failedSteps, [12, 13, 14]);
  });

  it('no other profile has these switches (not measured for them)', () => {
    for (const p of ['bind', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) {
      const s = settingsFor(p);
      assert.deepEqual([s.ednsFragmentFallbackAnySize, s.rttFirstAnswerAveraged, s.clientReplyDiscardMs], [false, false, 0], p);
      if (p !== 'bind') assert.equal(s.maxTriesPerServer, 3, p);
    }
  });
});
