// How Knot Resolver 5.6 keeps zone cuts and DS, measured against real kresd
// in the resolver matrix (servers/real/README.md, the Knot cells of
// dnssec-rollback, registrar-hijack and registrar-transfer-dnssec). Each
// scenario runs on the VirtualNetwork with the knot-resolver profile, once as
// the profile is and once with one switch turned off, so each switch is shown
// to be what makes the difference:
// - nsFromAnswerAuthority: the child's apex NS from answers (refreshed by every
//   answer) is the zone cut, so the resolver stays with servers that keep
//   answering and only goes back to the parent once the child's NS TTL ran out;
// - nsReplaceOnlyWhenExpiring: an insecure NS of equal rank does not refresh
//   a live cached one (entry_h_splice);
// - referralNoDsOverridesCachedDs: a referral proving "no DS" makes the zone
//   insecure although the DS cached at T+0 is still valid.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunResult } from '../../lab/runner/index.ts';
import { VirtualClock } from '../../net/clock.ts';
import { ResolverCache, Trust } from '../../servers/recursive/cache.ts';
import type { RRset } from '../../dns/rrset.ts';
import type { RR } from '../../dns/types.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** Runs a scenario variant with every resolver on the knot-resolver profile plus `settings`. */
const knotRun = (id: string, variant: string, settings: Partial<ResolverSettings> = {}): Promise<RunResult> =>
  runOnProfile(id, variant, { profile: 'knot-resolver', settings });

const failedClaims = (r: RunResult): string[] => r.assertions.filter((a) => !a.ok).map((a) => a.what);

/** Offsets from T+0 (minutes) at which `client`'s watched www name got SERVFAIL. */
function servfailMinutes(r: RunResult, client: string): number[] {
  return r.samples
    .filter((s) => s.client === client && s.qname.startsWith('www.') && s.rcode === 'SERVFAIL')
    .map((s) => Math.round((s.time - r.start) / 60_000));
}

/** Offset (minutes) of the first sample of `client` whose answer contains `text`, or undefined. */
function firstAnswerMinutes(r: RunResult, client: string, text: string): number | undefined {
  const s = r.samples.find((x) => x.client === client && x.answer.some((a) => a.includes(text)));
  return s === undefined ? undefined : Math.round((s.time - r.start) / 60_000);
}

describe('knot-resolver profile: zone cuts from answers, NS replacement by rank, referral no-DS (measured kresd 5.6.0)', () => {
  it('the profile sets the three switches; no other profile does', () => {
    for (const k of ['nsFromAnswerAuthority', 'nsReplaceOnlyWhenExpiring', 'referralNoDsOverridesCachedDs'] as const) {
      assert.equal(settingsFor('knot-resolver')[k], true, k);
      for (const p of ['unbound', 'bind', 'google-public-dns'] as const) assert.equal(settingsFor(p)[k], false, `${p} ${k}`);
    }
  });

  it('registrar-transfer-dnssec [cooperative]: the old servers stay the zone cut while they answer; SERVFAIL from T+3h10m until their NS (TTL 3600, last refreshed T+3h) expires', async () => {
    const asIs = await knotRun('registrar-transfer-dnssec', 'cooperative');
    // Real kresd: SERVFAIL at T+3h10m … T+4h, recovery at T+4h05m (alice and bob alike).
    const expected = [190, 195, 200, 205, 210, 215, 220, 225, 230, 235, 240];
    assert.deepEqual(servfailMinutes(asIs, 'alice'), expected);
    assert.deepEqual(servfailMinutes(asIs, 'bob'), expected);
    const off = await knotRun('registrar-transfer-dnssec', 'cooperative', { nsFromAnswerAuthority: false });
    assert.deepEqual(failedClaims(off), [], 'with the referral NS (TTL 3600) as the cut, the resolver follows the new NS in time');
  });

  it('registrar-transfer-dnssec [insecure-first]: an insecure NS of equal rank does not refresh the cut, so the fresh resolver re-walks at T+3h15m', async () => {
    const asIs = await knotRun('registrar-transfer-dnssec', 'insecure-first');
    // Real kresd: bob's resolver (cache filled after the DS was gone: every NS insecure) fails once, at T+3h10m;
    // alice's (NS cached secure until T+2h, then refreshed only when expiring, at T+3h) until T+4h.
    assert.deepEqual(servfailMinutes(asIs, 'bob'), [190]);
    assert.deepEqual(servfailMinutes(asIs, 'alice'), [190, 195, 200, 205, 210, 215, 220, 225, 230, 235, 240]);
    const off = await knotRun('registrar-transfer-dnssec', 'insecure-first', { nsReplaceOnlyWhenExpiring: false });
    assert.deepEqual(servfailMinutes(off, 'bob').length, 11, 'every answer refreshes the insecure NS: bob fails as long as alice');
  });

  it('registrar-hijack [vulnerable]: the legitimate server keeps answering, so alice never follows the hijacked delegation', async () => {
    const asIs = await knotRun('registrar-hijack', 'vulnerable');
    assert.equal(firstAnswerMinutes(asIs, 'alice', '203.0.113.66'), undefined);
    const off = await knotRun('registrar-hijack', 'vulnerable', { nsFromAnswerAuthority: false });
    assert.equal(
      firstAnswerMinutes(off, 'alice', '203.0.113.66'),
      24 * 60 + 30,
      'with the referral NS (86400 s) alice is hijacked at the first sample after T+24h',
    );
  });

  it('dnssec-rollback [vulnerable]: at T+2h30m the re-walked referral proves "no DS" and the zone turns insecure, although the DS cached at T+0 is valid', async () => {
    const asIs = await knotRun('dnssec-rollback', 'vulnerable');
    // Real kresd: SERVFAIL at T+1h30m and T+2h only.
    assert.deepEqual(servfailMinutes(asIs, 'alice'), [90, 120]);
    for (const k of ['nsFromAnswerAuthority', 'referralNoDsOverridesCachedDs'] as const) {
      const off = await knotRun('dnssec-rollback', 'vulnerable', { [k]: false });
      assert.deepEqual(failedClaims(off), [], `${k} off: the cached DS keeps the zone bogus until T+24h, as the scenario claims`);
    }
  });

  it('nsReplaceOnlyWhenExpiring: a live insecure NS is refreshed only when expiring; secure or higher rank always replaces', async () => {
    const ns = (target: string, ttl = 3600): RRset => ({
      name: 'example.jp',
      type: 'NS',
      class: 'IN',
      ttl,
      records: [{ name: 'example.jp', type: 'NS', class: 'IN', ttl, data: target } as RR],
    });
    const target = (c: ResolverCache) => c.get('example.jp', 'NS')?.records[0]?.data;
    for (const on of [true, false]) {
      const clock = new VirtualClock();
      const c = new ResolverCache(clock, settingsFor('knot-resolver', { nsReplaceOnlyWhenExpiring: on }));
      assert.equal(c.storeRRset(ns('ns1.old.example'), [], Trust.NonAuthAuthority, 'unchecked'), true);
      assert.equal(c.storeRRset(ns('ns1.a.example'), [], Trust.AuthAuthority, 'insecure'), true, 'higher rank replaces');
      await clock.runFor(600_000);
      assert.equal(c.storeRRset(ns('ns1.b.example'), [], Trust.AuthAuthority, 'insecure'), !on, `equal rank, 3000 s left (switch ${on})`);
      assert.equal(target(c), on ? 'ns1.a.example' : 'ns1.b.example');
      if (!on) continue;
      assert.equal(c.storeRRset(ns('ns1.old.example'), [], Trust.NonAuthAuthority, 'unchecked'), false, 'a referral does not replace a live answer NS');
      await clock.runFor(3600_000 - 600_000 - 30_000); // 30 s left: fewer than 1 % of 3600
      assert.equal(c.storeRRset(ns('ns1.c.example'), [], Trust.AuthAuthority, 'insecure'), true, 'expiring: replaced');
      assert.equal(c.storeRRset(ns('ns1.d.example'), [], Trust.AuthAuthority, 'secure'), true, 'secure always replaces');
      assert.equal(target(c), 'ns1.d.example');
    }
  });
});
