// Knot Resolver's exploration resolves nameserver names (the why: knot-explore.ts), with retrying clients; the
// aggressive apps are in knot-explore-apps.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import { exploreCase } from './knot-explore.ts';

describe("Knot Resolver's exploration resolves nameserver names (facebook-query-storm, outage hour)", () => {
  it('only the knot-resolver profile sets exploreResolvesNsNames, with ε = 1/20', () => {
    for (const p of ['unbound', 'bind', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) {
      assert.equal(settingsFor(p).exploreResolvesNsNames, p === 'knot-resolver', p);
    }
    assert.equal(settingsFor('knot-resolver').exploreProbability, 1 / 20);
  });

  // Seeds 2–5 give 8, 8, 18 and 13 queries on (2–4 off): the draws push the count past 10 in half of them.
  it('retrying-clients: on, tld-com is asked for example.com past 10 times; off, a handful', () => exploreCase('retrying-clients', [2, 3, 4, 5], 2));
});
