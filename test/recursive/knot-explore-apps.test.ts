// Knot Resolver's exploration resolves nameserver names (the why: knot-explore.ts), with aggressive apps.
import { describe, it } from 'node:test';
import { exploreCase } from './knot-explore.ts';

describe("Knot Resolver's exploration resolves nameserver names (facebook-query-storm [aggressive-apps], outage hour)", () => {
  // Apps retrying every 2 s make about 30 times the requests of retrying clients, and as many draws: seeds 2–5 gave
  // 168, 67, 144 and 45 queries on (4–5 off), so two seeds, both required past 10, show what four showed.
  it('aggressive-apps: on, tld-com is asked for example.com past 10 times; off, a handful', () => exploreCase('aggressive-apps', [2, 3], 2));
});
