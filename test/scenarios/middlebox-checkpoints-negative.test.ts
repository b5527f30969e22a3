// middlebox-checkpoints (docs/incidents.md: "Middlebox checkpoints") proves something only if its
// claims depend on the box: without it the SERVFAIL claims must fail. The
// trace is checked for what the checkpoints are about: sizes of the UDP
// answers (fragmented or not) and the TCP retry after TC=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findScenario, planScenario, runPlan, renderText, type RunResult } from '../../lab/runner/index.ts';
import { failedClaims, planOf, withTopology } from './negative-helpers.ts';
import type { Plan } from '../../lab/scenario/validate.ts';

const plan = (variant: string): Promise<Plan> => planOf('middlebox-checkpoints', variant);

/** Responses the example.jp server sent to the resolver for big.example.jp TXT. */
/** Answers to the big.example.jp TXT question (not the unbound profile's "big.example.jp A" minimisation probe). */
const bigAnswers = (r: RunResult, transport: 'udp' | 'tcp') =>
  r.trace.filter(
    (e) => e.response && e.from === 'ns-example' && e.to === 'isp' && e.qname === 'big.example.jp' && e.qtype === 'TXT' && e.transport === transport,
  );

test('middlebox-checkpoints [vulnerable]: without the box the SERVFAIL claims fail and the TCP retry gets through', async () => {
  const p = withTopology(await plan('vulnerable'), (t) => {
    delete t.middleboxes;
  });
  const r = await runPlan(p, { seed: 1 });
  const failed = failedClaims(r);
  assert.ok(failed.filter((f) => /: rcode$/.test(f)).length >= 2, `both SERVFAIL claims (mid and big) must fail: ${failed.join('; ')}`);
  assert.ok(
    failed.some((f) => /over TCP/.test(f)),
    `the "TCP never got through" claim must fail: ${failed.join('; ')}`,
  );
});

test('middlebox-checkpoints [vulnerable]: the server itself sends TC=1 for the big answer (1232 cap) and the resolver never reaches it over TCP', async () => {
  const r = await runPlan(await plan('vulnerable'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
  const udp = bigAnswers(r, 'udp');
  assert.ok(udp.length >= 1 && udp.every((e) => e.size <= 512), `UDP answers for big: ${udp.map((e) => e.size).join(', ')}`);
  assert.equal(bigAnswers(r, 'tcp').length, 0);
});

test('middlebox-checkpoints [fragment-drop]: the server sends one datagram larger than the 1472-octet MTU payload; without the firewall it validates', async () => {
  const r = await runPlan(await plan('fragment-drop'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
  const udp = bigAnswers(r, 'udp');
  assert.ok(udp.length === 1, 'PowerDNS asks once and then throttles the question at that server');
  assert.ok(
    udp.every((e) => e.size > 1472),
    `every UDP answer needs fragments on a 1500-octet path: ${udp.map((e) => e.size).join(', ')}`,
  );

  const open = withTopology(await plan('fragment-drop'), (t) => {
    delete t.middleboxes;
  });
  const failed = failedClaims(await runPlan(open, { seed: 1 }));
  assert.ok(
    failed.some((f) => /: rcode$/.test(f)),
    `the SERVFAIL claim must fail: ${failed.join('; ')}`,
  );
});

test('middlebox-checkpoints [fixed]: UDP answers stay under 1232, the full answer comes over TCP; EDNS 4096 through the same firewall breaks it', async () => {
  const r = await runPlan(await plan('fixed'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
  const udp = bigAnswers(r, 'udp');
  const tcp = bigAnswers(r, 'tcp');
  assert.ok(udp.length === 1 && udp[0]!.size <= 1232, `UDP: ${udp.map((e) => e.size).join(', ')}`);
  assert.ok(tcp.length === 1 && tcp[0]!.size > 1472, `TCP: ${tcp.map((e) => e.size).join(', ')}`);

  // A resolver that keeps advertising 4096 after a timeout (the unbound profile would resend at 1472 and get
  // the answer over TCP: test/recursive/edns-fragment-fallback.test.ts).
  const bigBuffer = withTopology(await plan('fixed'), (t) => {
    t.resolvers!['isp']!.settings = { ednsBufferSize: 4096, ednsFragmentFallbackSize: 0 };
  });
  const failed = failedClaims(await runPlan(bigBuffer, { seed: 1 }));
  assert.ok(
    failed.some((f) => /: rcode$/.test(f)),
    failed.join('; '),
  );
});

test('middlebox-checkpoints: a bad udpPayloadSize is refused before the run, naming the file and the setting', async () => {
  const loaded = await findScenario('middlebox-checkpoints');
  const broken = structuredClone(loaded.scenario);
  broken.topology.servers['ns-example']!.udpPayloadSize = 100;
  assert.throws(
    () => planScenario(broken, loaded.file, 'vulnerable'),
    (e: Error) => /middlebox-checkpoints\.yaml/.test(e.message) && /udpPayloadSize/.test(e.message) && /512\.\.65535/.test(e.message),
  );
});

/** Sets the options of the lb-session-table variant's load balancer. */
const withLb = async (options: Record<string, string | number | boolean>): Promise<Plan> =>
  withTopology(await plan('lb-session-table'), (t) => {
    t.middleboxes!['lb']!.options = options;
  });

test('middlebox-checkpoints [lb-session-table]: with a 3-slot table big.example.jp never reaches the server; with a large table (or evict) the failure claims fail', async () => {
  const r = await runPlan(await plan('lb-session-table'), { seed: 1 });
  assert.equal(r.passed, true, renderText(r));
  // The only big.example.jp traffic at the server is the retry after the old sessions idled out (T+2m30s).
  const atServer = r.trace.filter((e) => !e.response && e.to === 'ns-example' && e.qname === 'big.example.jp');
  assert.ok(
    atServer.length >= 1 && atServer.every((e) => e.time >= r.trace[0]!.time + 150_000),
    `big queries at the server: ${atServer.map((e) => e.time).join(', ')}`,
  );

  for (const options of [
    { udpSessions: 1000, sessionIdleMs: 30000, onFull: 'drop' },
    { udpSessions: 3, sessionIdleMs: 30000, onFull: 'evict' },
  ]) {
    const failed = failedClaims(await runPlan(await withLb(options), { seed: 1 }));
    assert.ok(
      failed.some((f) => /: rcode$/.test(f)),
      `${JSON.stringify(options)}: the SERVFAIL claim must fail: ${failed.join('; ')}`,
    );
    assert.ok(
      failed.some((f) => /no query big\.example\.jp/.test(f)),
      `${JSON.stringify(options)}: the "never reached the server" claim must fail: ${failed.join('; ')}`,
    );
  }
});

test('middlebox-checkpoints [lb-session-table]: bad load-balancer settings are refused before the run, naming the file and the setting', async () => {
  const loaded = await findScenario('middlebox-checkpoints');
  const refused = (
    edit: (lb: { kind?: string; between?: [string, string]; options?: Record<string, string | number | boolean | undefined> }) => void,
    pattern: RegExp,
  ): void => {
    const broken = structuredClone(loaded.scenario);
    edit(broken.variants!['lb-session-table']!.topology!.middleboxes!['lb']!);
    assert.throws(
      () => planScenario(broken, loaded.file, 'lb-session-table'),
      (e: Error) => /middlebox-checkpoints\.yaml/.test(e.message) && pattern.test(e.message),
      String(pattern),
    );
  };
  refused((lb) => (lb.options = { udpSessions: 0 }), /udpSessions/);
  refused((lb) => (lb.options = { udpSessions: 3, onFull: 'queue' }), /onFull/);
  refused((lb) => (lb.options = { udpSessions: 3, sessionIdleMs: -5 }), /sessionIdleMs/);
  refused((lb) => (lb.options = { udpSessions: 3, maxUdp: 512 }), /maxUdp.*load-balancer/);
  refused((lb) => (lb.options = { sessionIdleMs: 1000 }), /udpSessions/);
  refused((lb) => (lb.between = ['ns-example', 'isp']), /between\[1\] must be a server/);
  // Session settings on a plain path box are still refused: they need a VIP.
  refused((lb) => ((lb.kind = 'firewall'), (lb.options = { udpSessions: 3 })), /udpSessions/);
});
