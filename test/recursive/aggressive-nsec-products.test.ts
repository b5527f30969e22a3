// Where real products differ in RFC 8198 synthesis (servers/real/README.md,
// "The matrix as measured": slack-nsec-bitmap). The Slack scenario's
// vulnerable variant runs on the VirtualNetwork with each product profile:
// its NSEC for app.example.com is minimally covering (app → \000.app) and its
// bitmap lacks A. BIND 9.18 never uses the NSEC at the qname for NODATA;
// PowerDNS 4.8 and Knot Resolver 5.6 never use minimally covering NSECs; so
// all three ask the server and get 192.0.2.80. Each test flips the one switch
// back and checks the outage returns, so the switch is what makes the
// difference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMinimallyCoveringNsec } from '../../servers/recursive/aggressive.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import type { RR } from '../../dns/types.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** Runs slack-nsec-bitmap [vulnerable] with the resolver's profile and settings replaced; aAnswered: the A lookup went to the server (claims 5 and 7 failed). */
async function slackA(profile: string, settings: Partial<ResolverSettings> = {}): Promise<{ aAnswered: boolean; failed: string[] }> {
  const result = await runOnProfile('slack-nsec-bitmap', 'vulnerable', { resolver: 'resolver', profile, settings });
  const failed = result.assertions.filter((a) => !a.ok).map((a) => `step ${a.step}: ${a.what}`);
  // Step 5 claims NODATA for app.example.com A; step 7 claims no upstream A query.
  const aAnswered = failed.some((f) => f.startsWith('step 5:')) && failed.some((f) => f.startsWith('step 7:'));
  return { aAnswered, failed };
}

describe('RFC 8198 synthesis differences between products (slack-nsec-bitmap on the VirtualNetwork)', () => {
  it('bind: asks the server for app.example.com A (aggressiveNsecExactNodata off); with it on, the outage returns', async () => {
    assert.equal(settingsFor('bind').aggressiveNsecExactNodata, false);
    const asIs = await slackA('bind');
    assert.equal(asIs.aAnswered, true, `bind profile should resolve the A record; failed claims: ${asIs.failed.join('; ')}`);
    const flipped = await slackA('bind', { aggressiveNsecExactNodata: true });
    assert.deepEqual(flipped.failed, [], 'with exact-owner NODATA synthesis the Slack outage is reproduced');
  });

  for (const profile of ['knot-resolver', 'powerdns']) {
    it(`${profile}: ignores the minimally covering NSEC (aggressiveNsecMinimalRanges off); with it on, the outage returns`, async () => {
      assert.equal(settingsFor(profile as 'knot-resolver' | 'powerdns').aggressiveNsecMinimalRanges, false);
      const asIs = await slackA(profile);
      assert.equal(asIs.aAnswered, true, `${profile} profile should resolve the A record; failed claims: ${asIs.failed.join('; ')}`);
      const flipped = await slackA(profile, { aggressiveNsecMinimalRanges: true });
      assert.deepEqual(flipped.failed, [], 'using the minimal NSEC reproduces the Slack outage');
    });
  }

  it('unbound and google-public-dns keep both switches on and reproduce the outage', async () => {
    for (const p of ['unbound', 'google-public-dns'] as const) {
      assert.equal(settingsFor(p).aggressiveNsecExactNodata, true);
      assert.equal(settingsFor(p).aggressiveNsecMinimalRanges, true);
    }
    assert.deepEqual((await slackA('google-public-dns')).failed, []);
  });

  it('isMinimallyCoveringNsec: next = \\000.owner only', () => {
    const nsec = (name: string, nextDomain: string): RR =>
      ({ name, type: 'NSEC', class: 'IN', ttl: 300, data: { nextDomain, types: ['RRSIG', 'NSEC'] } }) as RR;
    assert.equal(isMinimallyCoveringNsec(nsec('app.example.com', '\\000.app.example.com')), true);
    assert.equal(isMinimallyCoveringNsec(nsec('app.example.com', '\\000.APP.example.com')), true, 'case-insensitive');
    assert.equal(isMinimallyCoveringNsec(nsec('app.example.com', '\\001.app.example.com')), false);
    assert.equal(isMinimallyCoveringNsec(nsec('app.example.com', '\\000.other.example.com')), false);
    assert.equal(isMinimallyCoveringNsec(nsec('app.example.com', 'www.example.com')), false);
    assert.equal(isMinimallyCoveringNsec(nsec('app.example.com', '\\000\\000.app.example.com')), false);
  });
});
