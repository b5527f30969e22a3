// The incident scenarios prove something only if their claims depend on the
// mechanism they are about. Each test runs a scenario variant with that
// mechanism taken away — a resolver switch, a signer quirk, an operator step —
// and asserts the run FAILS on the claims about it (not on a lab error). The
// outage-window tests measure the SERVFAIL window from the samples and
// compare it with the TTL arithmetic the incident is about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPlan, type RunResult } from '../../lab/runner/index.ts';
import { failedClaims, isAction, passes, planOf, withoutSteps, withTopology } from './negative-helpers.ts';
import type { Plan } from '../../lab/scenario/validate.ts';
import { outageDuration, recoveryTime } from '../../assertions/timeline.ts';

test('slack-nsec-bitmap [vulnerable] fails when the resolver does not use NSEC aggressively', async () => {
  const p = withTopology(await planOf('slack-nsec-bitmap', 'vulnerable'), (t) => {
    t.resolvers!.resolver!.settings = { ...(t.resolvers!.resolver!.settings ?? {}), aggressiveNsec: false };
  });
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(
    failed.some((f) => /answer section/.test(f)),
    `the A-is-NODATA claim must fail: ${failed.join('; ')}`,
  );
  assert.ok(
    failed.some((f) => /no query/.test(f)),
    `the no-upstream-query claim must fail: ${failed.join('; ')}`,
  );
});

test('slack-nsec-bitmap [vulnerable] fails when the signer lists the wildcard types (no bug)', async () => {
  const p = withTopology(await planOf('slack-nsec-bitmap', 'vulnerable'), (t) => {
    t.zones['example.com']!.online = { quirks: [] };
  });
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /authority includes/.test(f)));
  assert.ok(
    failed.some((f) => /watch a/.test(f)),
    'the outage timeline claim must fail too',
  );
});

test('slack-nsec-bitmap [non-aggressive] fails when aggressive NSEC is switched back on', async () => {
  const p = withTopology(await planOf('slack-nsec-bitmap', 'non-aggressive'), (t) => {
    t.resolvers!.resolver!.settings = { aggressiveNsec: true };
  });
  failedClaims(await runPlan(p, { seed: 1 }));
});

test('ns-drop-catch [vulnerable] fails when old-provider.net never expires (no drop-catch possible)', async () => {
  const p = withoutSteps(await planOf('ns-drop-catch', 'vulnerable'), (s) => isAction(s, 'expire-domain'));
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(
    failed.some((f) => /registry register/.test(f)),
    `the re-registration must be refused: ${failed.join('; ')}`,
  );
  assert.ok(
    failed.some((f) => /watch www/.test(f)),
    'and clients must not see the catcher',
  );
});

test('ns-drop-catch audit: the lame-delegation finding disappears when the delegation is healthy', async () => {
  // Serve example.jp at the old provider too: the delegation is no longer lame, so the audit claim must fail.
  const p = withTopology(await planOf('ns-drop-catch', 'vulnerable'), (t) => {
    t.zones['example.jp']!.servers = ['ns-new', 'ns-old'];
  });
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(
    failed.some((f) => /audit finding kinds/.test(f)),
    failed.join('; '),
  );
});

test('docomo-duplicate-spf [vulnerable] fails without the second v=spf1 record', async () => {
  const p = withoutSteps(await planOf('docomo-duplicate-spf', 'vulnerable'), (s) => isAction(s, 'add-records'));
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.filter((f) => /SPF result/.test(f)).length >= 2, failed.join('; '));
});

test('registrar-transfer-dnssec [cooperative] fails without the key exchange', async () => {
  const p = withoutSteps(await planOf('registrar-transfer-dnssec', 'cooperative'), (s) => isAction(s, 'publish-keys-of'));
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(
    failed.some((f) => /watch www/.test(f)),
    `SERVFAIL must appear: ${failed.join('; ')}`,
  );
});

test('registrar-transfer-dnssec [uncooperative] fails for a non-validating resolver (the window is DNSSEC)', async () => {
  const p = withTopology(await planOf('registrar-transfer-dnssec', 'uncooperative'), (t) => {
    t.resolvers!.resolver!.settings = { validate: false };
  });
  // Without validation the lame phase remains (old servers dropped the zone while NS is cached) but the
  // bogus phase up to the DS expiry is gone: the outage/recovery claims fail.
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(
    failed.some((f) => /outage duration|time of recovery/.test(f)),
    failed.join('; '),
  );
});

/** SERVFAIL/no-answer time seen by the scenario's watch "www", in seconds. */
function windowOf(r: RunResult): { outage: number; recovery: number | undefined } {
  const watched = r.samples.filter((s) => (s as { watch?: string }).watch === 'www');
  const recovery = recoveryTime(watched);
  return { outage: outageDuration(watched) / 1000, recovery: recovery === undefined ? undefined : (recovery - r.start) / 1000 };
}

test('registrar-transfer-dnssec: the uncooperative window ends when the old data the resolver still uses expires, within one sample interval', async () => {
  const every = 300; // the watch samples every 5 minutes
  const base = await passes(await planOf('registrar-transfer-dnssec', 'uncooperative'));
  const w = windowOf(base);
  // Cached at T+0, switched at T+60 s: down from the switch until max(3600, 3600, 7200) = 7200 s.
  assert.ok(w.recovery !== undefined && w.recovery >= 7200 && w.recovery <= 7200 + every, `recovery at T+${w.recovery}s, expected T+7200s..+${7200 + every}s`);
  assert.ok(Math.abs(w.outage - (7200 - 60)) <= every, `outage ${w.outage}s, expected ${7200 - 60}s ± ${every}s`);

  // A 4-hour NS TTL: the scenario's resolver (unbound profile) asks the parent for the new NS once the old
  // servers refuse, so the DS/DNSKEY TTL still ends the window; a resolver that keeps the cached NS
  // (parentNsFallback off, as BIND/Knot/PowerDNS) is down until the NS TTL runs out.
  const longNs = windowOf(await passes(await planOf('registrar-transfer-dnssec', 'uncooperative-long-ns')));
  assert.ok(
    longNs.recovery !== undefined && longNs.recovery >= 7200 && longNs.recovery <= 7200 + every,
    `4 h NS TTL, unbound: recovery at T+${longNs.recovery}s`,
  );
  const sticky = withTopology(await planOf('registrar-transfer-dnssec', 'uncooperative-long-ns'), (t) => {
    t.resolvers!['resolver']!.settings = { parentNsFallback: false };
  });
  const rs = await runPlan(sticky, { seed: 1 });
  failedClaims(rs);
  const ws = windowOf(rs);
  assert.ok(ws.recovery !== undefined && ws.recovery >= 14400 && ws.recovery <= 14400 + every, `4 h NS TTL, cached NS kept: recovery at T+${ws.recovery}s`);

  // A longer DS TTL moves the end of the window with it — and the scenario's fixed claims then fail.
  const longDs = withTopology(await planOf('registrar-transfer-dnssec', 'uncooperative'), (t) => {
    t.registries![0]!.dsTtl = 14400;
  });
  const r = await runPlan(longDs, { seed: 1 });
  failedClaims(r);
  const wl = windowOf(r);
  assert.ok(wl.recovery !== undefined && wl.recovery >= 14400 && wl.recovery <= 14400 + every, `4 h DS TTL: recovery at T+${wl.recovery}s`);
});

test('dnssec-rollback [vulnerable]: the outage ends one DS TTL after the DS was cached, within one sample interval; no outage without validation', async () => {
  const every = 1800;
  const r = await passes(await planOf('dnssec-rollback', 'vulnerable'));
  const watched = r.samples.filter((s) => (s as { watch?: string }).watch === 'alice');
  const recovery = (recoveryTime(watched)! - r.start) / 1000;
  const outage = outageDuration(watched) / 1000;
  // DS cached at T+0 (TTL 86400), zone unsigned at T+1h10m: down from then until T+24h.
  assert.ok(recovery >= 86400 && recovery <= 86400 + every, `recovery at T+${recovery}s`);
  assert.ok(Math.abs(outage - (86400 - 4200)) <= every, `outage ${outage}s, expected ${86400 - 4200}s ± ${every}s`);
  const nonValidating = withTopology(await planOf('dnssec-rollback', 'vulnerable'), (t) => {
    t.resolvers!.validating!.settings = { validate: false };
  });
  failedClaims(await runPlan(nonValidating, { seed: 1 }));
});

test('facebook-query-storm [retrying-clients] fails when clients do not retry', async () => {
  const p = await planOf('facebook-query-storm', 'retrying-clients');
  const patient: Plan = {
    ...p,
    steps: p.steps.map((s) => ('watch' in s.step ? { ...s, step: { ...s.step, watch: { ...s.step.watch, retries: 0 } } } : s)),
  };
  const failed = failedClaims(await runPlan(patient, { seed: 1 }));
  assert.deepEqual(failed.filter((f) => /from app to resolver/.test(f)).length, 1, failed.join('; '));
});

test('facebook-query-storm: the outage claims fail when the servers stay reachable', async () => {
  const p = withoutSteps(await planOf('facebook-query-storm', 'patient-clients'), (s) => isAction(s, 'set-quirks'));
  const failed = failedClaims(await runPlan(p, { seed: 1 }));
  assert.ok(failed.some((f) => /under example\.com/.test(f)));
});
