// ResolverCache through its public API on a hand-driven clock: TTL floors and caps, whole-second time, the
// RFC 2181 §5.4.1 credibility rules, RFC 2308 negative entries, RFC 8198 denial records, RFC 8767 stale windows,
// the Knot Resolver NS splice rule, the ghost-domain NS rule, and the flush/purge counts. No network, no engine:
// every case runs in microseconds, so the mutation run of cache.ts can afford it for every mutant.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Name, RR, SoaData } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import { ResolverCache, Trust } from '../../servers/recursive/cache.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';

/** A clock the test moves by hand (ms); the cache sets no timers. */
class HandClock implements Clock {
  constructor(public t = 1_000_000_000) {}
  now(): number {
    return this.t;
  }
  setTimer(): never {
    throw new Error('the cache sets no timers');
  }
  clearTimer(): void {}
}

function cacheWith(overrides: Partial<ResolverSettings> = {}): { c: ResolverCache; clock: HandClock } {
  const clock = new HandClock();
  return { c: new ResolverCache(clock, settingsFor('unbound', overrides)), clock };
}

const a = (name: Name, address: string, ttl = 300): RR => ({ name, type: 'A', class: 'IN', ttl, data: address });
const ns = (name: Name, host: string, ttl = 300): RR => ({ name, type: 'NS', class: 'IN', ttl, data: host });
const set = (...rrs: RR[]) => ({ name: rrs[0]!.name, type: rrs[0]!.type, class: rrs[0]!.class, ttl: rrs[0]!.ttl, records: rrs });
const soa = (zone: Name, ttl: number, minimum: number): RR => ({
  name: zone,
  type: 'SOA',
  class: 'IN',
  ttl,
  data: { mname: `ns.${zone}`, rname: `h.${zone}`, serial: 1, refresh: 1, retry: 1, expire: 1, minimum } satisfies SoaData,
});
const nsec = (owner: Name, next: Name, ttl = 600): RR => ({
  name: owner,
  type: 'NSEC',
  class: 'IN',
  ttl,
  data: { nextDomain: next, types: ['A', 'RRSIG', 'NSEC'] },
});
const sig = (owner: Name, covered: string): RR =>
  ({
    name: owner,
    type: 'RRSIG',
    class: 'IN',
    ttl: 300,
    data: {
      typeCovered: covered,
      algorithm: 13,
      labels: 2,
      originalTtl: 300,
      expiration: 0,
      inception: 0,
      keyTag: 1,
      signerName: 'lab',
      signature: Buffer.alloc(4),
    },
  }) as unknown as RR;
const addr = (c: ResolverCache, name: Name): unknown => c.get(name, 'A')?.records[0]?.data;
const ttlOf = (c: ResolverCache, name: Name, type: 'A' | 'NS' = 'A'): number | undefined => c.get(name, type)?.records[0]?.ttl;

describe('ResolverCache: time', () => {
  it('remaining TTL counts down in whole seconds of the lab clock, rounded up', () => {
    const { c, clock } = cacheWith();
    c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(ttlOf(c, 'x.lab'), 10);
    clock.t += 999; // same second: time(2) has not moved
    assert.equal(ttlOf(c, 'x.lab'), 10);
    clock.t += 1;
    assert.equal(ttlOf(c, 'x.lab'), 9);
  });

  it('an entry stored late in a second expires on the second boundary (time is floored, not the clock ms)', () => {
    const { c, clock } = cacheWith({ ttlZeroIsExpired: true });
    clock.t += 900;
    c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [], Trust.AuthAnswer, 'unchecked');
    clock.t += 9_100; // 9.1 s later, but the tenth second since the floored store time has begun
    assert.equal(addr(c, 'x.lab'), undefined);
  });

  it('0 s left: Unbound still uses the entry (TTL 0), PowerDNS/BIND do not (settings.ttlZeroIsExpired)', () => {
    for (const zeroExpired of [false, true]) {
      const { c, clock } = cacheWith({ ttlZeroIsExpired: zeroExpired });
      c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [], Trust.AuthAnswer, 'unchecked');
      clock.t += 10_000;
      assert.equal(ttlOf(c, 'x.lab'), zeroExpired ? undefined : 0, `ttlZeroIsExpired ${zeroExpired}`);
      clock.t += 1_000;
      assert.equal(ttlOf(c, 'x.lab'), undefined);
    }
  });

  it('clampTtl applies the floor and the cap', () => {
    const { c } = cacheWith({ minTtl: 10, maxTtl: 100 });
    assert.deepEqual([c.clampTtl(1), c.clampTtl(10), c.clampTtl(50), c.clampTtl(100), c.clampTtl(1000)], [10, 10, 50, 100, 100]);
  });

  it('RFC 2308 §5: negative TTL is min(SOA TTL, SOA MINIMUM) between the negative floor and cap; no SOA gives the floor', () => {
    const { c } = cacheWith({ minNegativeTtl: 5, maxNegativeTtl: 3600 });
    assert.equal(c.negativeTtl(soa('lab', 900, 300)), 300);
    assert.equal(c.negativeTtl(soa('lab', 120, 300)), 120);
    assert.equal(c.negativeTtl(soa('lab', 86400, 86400)), 3600);
    assert.equal(c.negativeTtl(soa('lab', 1, 1)), 5);
    assert.equal(c.negativeTtl(undefined), 5);
    assert.equal(c.negativeTtl(a('lab', '192.0.2.1', 900)), 5, 'a record that is no SOA has no MINIMUM');
  });
});

describe('ResolverCache: storing RRsets', () => {
  it('an empty RRset is not stored', () => {
    const { c } = cacheWith();
    assert.equal(c.storeRRset({ name: 'x.lab', type: 'A', class: 'IN', ttl: 300, records: [] }, [], Trust.AuthAnswer, 'secure'), false);
    assert.equal(c.stats().rrsets, 0);
  });

  it('RFC 2181 §5.4.1: lower trust never replaces live data; equal or higher trust does; expired data gives way to anything', () => {
    const { c, clock } = cacheWith();
    assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.1', 60)), [], Trust.NonAuthAnswer, 'unchecked'), true);
    assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.2')), [], Trust.NonAuthAuthority, 'unchecked'), false);
    assert.equal(addr(c, 'x.lab'), '192.0.2.1');
    assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.3', 60)), [], Trust.NonAuthAnswer, 'unchecked'), true);
    assert.equal(addr(c, 'x.lab'), '192.0.2.3');
    assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.4', 60)), [], Trust.AuthAnswer, 'unchecked'), true);
    assert.equal(c.get('x.lab', 'A')?.trust, Trust.AuthAnswer);
    clock.t += 61_000;
    assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.5')), [], Trust.Additional, 'unchecked'), true);
    assert.equal(addr(c, 'x.lab'), '192.0.2.5');
  });

  it('RFC 4035 §4.5: at equal trust, secure data is replaced by secure or bogus data only', () => {
    for (const [security, replaced] of [
      ['unchecked', false],
      ['insecure', false],
      ['indeterminate', false],
      ['secure', true],
      ['bogus', true],
    ] as const) {
      const { c } = cacheWith();
      c.storeRRset(set(a('x.lab', '192.0.2.1')), [], Trust.AuthAnswer, 'secure');
      assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.2')), [], Trust.AuthAnswer, security), replaced, security);
      assert.equal(c.get('x.lab', 'A')?.security, replaced ? security : 'secure', security);
    }
    const { c } = cacheWith();
    c.storeRRset(set(a('x.lab', '192.0.2.1')), [], Trust.AuthAuthority, 'secure');
    assert.equal(c.storeRRset(set(a('x.lab', '192.0.2.2')), [], Trust.AuthAnswer, 'insecure'), true, 'higher trust wins whatever the security');
  });

  it('TTL: extra.ttl overrides the RRset TTL, then floor/cap; bogus data lives at most bogusTtl', () => {
    const { c } = cacheWith({ maxTtl: 1000, minTtl: 2, bogusTtl: 60 });
    c.storeRRset(set(a('big.lab', '192.0.2.1', 99999)), [], Trust.AuthAnswer, 'unchecked');
    c.storeRRset(set(a('small.lab', '192.0.2.1', 0)), [], Trust.AuthAnswer, 'unchecked');
    c.storeRRset(set(a('over.lab', '192.0.2.1', 300)), [], Trust.AuthAnswer, 'unchecked', { ttl: 20 });
    c.storeRRset(set(a('bogus.lab', '192.0.2.1', 300)), [], Trust.AuthAnswer, 'bogus');
    c.storeRRset(set(a('short-bogus.lab', '192.0.2.1', 30)), [], Trust.AuthAnswer, 'bogus');
    assert.deepEqual(
      ['big.lab', 'small.lab', 'over.lab', 'bogus.lab', 'short-bogus.lab'].map((n) => ttlOf(c, n)),
      [1000, 2, 20, 60, 30],
    );
  });

  it('EDE code and reason are kept and handed back; signatures come back with the remaining TTL', () => {
    const { c, clock } = cacheWith();
    c.storeRRset(set(a('x.lab', '192.0.2.1', 100)), [sig('x.lab', 'A')], Trust.AuthAnswer, 'bogus', { ede: 6, reason: 'signature expired' });
    c.storeRRset(set(a('y.lab', '192.0.2.1', 100)), [], Trust.AuthAnswer, 'secure');
    clock.t += 10_000;
    const got = c.get('x.lab', 'A')!;
    assert.equal(got.ede, 6);
    assert.equal(got.reason, 'signature expired');
    assert.equal(got.stale, false);
    assert.deepEqual(
      got.signatures.map((s) => [s.type, s.ttl]),
      [['RRSIG', 50]],
    );
    const plain = c.get('y.lab', 'A')!;
    assert.equal('ede' in plain, false);
    assert.equal('reason' in plain, false);
  });

  it('the cache keeps its own copies: changing what was stored or handed out changes nothing inside', () => {
    const { c } = cacheWith();
    const rr = a('x.lab', '192.0.2.1');
    const s = sig('x.lab', 'A');
    c.storeRRset(set(rr), [s], Trust.AuthAnswer, 'secure');
    (rr as { data: string }).data = '6.6.6.6';
    s.ttl = 1;
    (c.get('x.lab', 'A')!.records[0] as { data: string }).data = '7.7.7.7';
    assert.equal(addr(c, 'x.lab'), '192.0.2.1');
    assert.equal(c.getEntry('x.lab', 'A')!.signatures[0]!.ttl, 300);
  });

  it('names match case-insensitively; deleteRRset and setSecurity act on one RRset', () => {
    const { c } = cacheWith();
    c.storeRRset(set(a('X.Lab', '192.0.2.1')), [], Trust.AuthAnswer, 'unchecked');
    c.storeRRset(set(a('y.lab', '192.0.2.2')), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(addr(c, 'x.LAB'), '192.0.2.1');
    c.setSecurity('x.lab', 'A', 'secure');
    c.setSecurity('nothing.lab', 'A', 'secure');
    assert.equal(c.get('x.lab', 'A')?.security, 'secure');
    assert.equal(c.get('y.lab', 'A')?.security, 'unchecked');
    assert.equal(c.deleteRRset('x.lab', 'A'), true);
    assert.equal(c.deleteRRset('x.lab', 'A'), false);
    assert.equal(c.get('x.lab', 'A'), undefined);
    assert.equal(addr(c, 'y.lab'), '192.0.2.2');
  });

  it('positive data at a name removes the cached NODATA for its type and the NXDOMAIN for the name', () => {
    const { c } = cacheWith();
    const neg = (qname: Name, kind: 'nxdomain' | 'nodata', qtype: 'A' | 'AAAA') =>
      c.storeNegative({ kind, qname, qtype, zone: 'lab', authority: [], security: 'unchecked' }, 300);
    neg('nx.lab', 'nxdomain', 'A');
    neg('nd.lab', 'nodata', 'A');
    neg('nd.lab', 'nodata', 'AAAA');
    c.storeRRset(set(a('nx.lab', '192.0.2.1')), [], Trust.AuthAnswer, 'unchecked');
    c.storeRRset(set(a('nd.lab', '192.0.2.1')), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(c.getNegative('nx.lab', 'TXT'), undefined);
    assert.equal(c.getNegative('nd.lab', 'A'), undefined);
    assert.equal(c.getNegative('nd.lab', 'AAAA')?.kind, 'nodata');
  });
});

describe('ResolverCache: NS RRsets', () => {
  it("Knot's splice rule (nsReplaceOnlyWhenExpiring): a live NS set gives way to secure, higher-ranked, or when expiring", () => {
    const { c, clock } = cacheWith({ nsReplaceOnlyWhenExpiring: true });
    c.storeRRset(set(ns('z.lab', 'ns1.z.lab', 1000)), [], Trust.AuthAuthority, 'insecure');
    assert.equal(c.storeRRset(set(ns('z.lab', 'ns2.z.lab', 1000)), [], Trust.AuthAuthority, 'insecure'), false, 'same rank, not expiring');
    assert.equal(c.storeRRset(set(ns('z.lab', 'ns2.z.lab', 1000)), [], Trust.AuthAnswer, 'unchecked'), false, 'insecure outranks unchecked');
    assert.equal(c.storeRRset(set(ns('z.lab', 'ns2.z.lab', 1000)), [], Trust.AuthAnswer, 'insecure'), true, 'same security, higher trust');
    assert.equal(c.storeRRset(set(ns('z.lab', 'ns3.z.lab', 1000)), [], Trust.Additional, 'secure'), true, 'secure always');
    // is_expiring: 100 * (ttl_left - 5) < ttl. Of 1000 s, 15 s left is not expiring, 14 s is.
    c.storeRRset(set(ns('e.lab', 'ns1.e.lab', 1000)), [], Trust.AuthAuthority, 'insecure');
    clock.t += 985_000;
    assert.equal(c.storeRRset(set(ns('e.lab', 'ns2.e.lab', 1000)), [], Trust.AuthAuthority, 'insecure'), false, '15 s left of 1000');
    clock.t += 1_000;
    assert.equal(c.storeRRset(set(ns('e.lab', 'ns2.e.lab', 1000)), [], Trust.Additional, 'unchecked'), true, '14 s left of 1000');
    assert.equal(c.get('e.lab', 'NS')?.records[0]?.data, 'ns2.e.lab');
  });

  it('without the splice rule NS sets follow the ordinary trust rule; with it, other types still do', () => {
    const plain = cacheWith().c;
    plain.storeRRset(set(ns('z.lab', 'ns1.z.lab')), [], Trust.AuthAuthority, 'insecure');
    assert.equal(plain.storeRRset(set(ns('z.lab', 'ns2.z.lab')), [], Trust.AuthAuthority, 'insecure'), true);
    const knot = cacheWith({ nsReplaceOnlyWhenExpiring: true }).c;
    knot.storeRRset(set(a('x.lab', '192.0.2.1')), [], Trust.AuthAnswer, 'insecure');
    assert.equal(knot.storeRRset(set(a('x.lab', '192.0.2.2')), [], Trust.AuthAnswer, 'insecure'), true);
    assert.equal(knot.storeRRset(set(a('x.lab', '192.0.2.3')), [], Trust.Additional, 'secure'), false);
  });

  it('ghost-domain rule (authNsTtlNotExtended): authoritative NS data never outlives its first copy, except at the root', () => {
    const { c, clock } = cacheWith({ authNsTtlNotExtended: true });
    c.storeRRset(set(ns('z.lab', 'ns1.z.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    c.storeRRset(set(ns('.', 'a.root', 100)), [], Trust.AuthAuthority, 'unchecked');
    c.storeRRset(set(ns('g.lab', 'ns1.g.lab', 100)), [], Trust.NonAuthAuthority, 'unchecked');
    clock.t += 50_000;
    c.storeRRset(set(ns('z.lab', 'ns2.z.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    c.storeRRset(set(ns('.', 'b.root', 100)), [], Trust.AuthAuthority, 'unchecked');
    c.storeRRset(set(ns('g.lab', 'ns2.g.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    assert.equal(c.get('z.lab', 'NS')?.records[0]?.data, 'ns2.z.lab', 'the new data is stored…');
    assert.equal(ttlOf(c, 'z.lab', 'NS'), 50, '…with the old expiry');
    assert.equal(ttlOf(c, '.', 'NS'), 100);
    assert.equal(ttlOf(c, 'g.lab', 'NS'), 100, 'the first copy was referral data');
    const off = cacheWith();
    off.c.storeRRset(set(ns('z.lab', 'ns1.z.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    off.clock.t += 50_000;
    off.c.storeRRset(set(ns('z.lab', 'ns2.z.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    assert.equal(ttlOf(off.c, 'z.lab', 'NS'), 100);
  });

  it('ghost-domain rule: a shorter new TTL wins, and an expired first copy extends nothing', () => {
    const { c, clock } = cacheWith({ authNsTtlNotExtended: true });
    c.storeRRset(set(ns('z.lab', 'ns1.z.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    c.storeRRset(set(ns('z.lab', 'ns2.z.lab', 30)), [], Trust.AuthAuthority, 'unchecked');
    assert.equal(ttlOf(c, 'z.lab', 'NS'), 30);
    c.storeRRset(set(a('x.lab', '192.0.2.1', 100)), [], Trust.AuthAnswer, 'unchecked');
    clock.t += 50_000;
    c.storeRRset(set(a('x.lab', '192.0.2.2', 100)), [], Trust.AuthAnswer, 'unchecked');
    assert.equal(ttlOf(c, 'x.lab'), 100, 'only NS sets are held to their first expiry');
    clock.t += 60_000;
    c.storeRRset(set(ns('z.lab', 'ns3.z.lab', 100)), [], Trust.AuthAuthority, 'unchecked');
    assert.equal(ttlOf(c, 'z.lab', 'NS'), 100);
  });

  it('closestNs: the deepest cached NS set, skipping a subtree, stale ones only when asked', () => {
    const { c, clock } = cacheWith({ serveStale: true, maxStaleTtl: 0 });
    c.storeRRset(set(ns('.', 'a.root', 1000)), [], Trust.Configured, 'secure');
    c.storeRRset(set(ns('lab', 'ns.lab', 1000)), [], Trust.AuthAuthority, 'secure');
    c.storeRRset(set(ns('z.lab', 'ns.z.lab', 10)), [], Trust.AuthAuthority, 'secure');
    assert.equal(c.closestNs('www.z.lab')?.rrset.name, 'z.lab');
    assert.equal(c.closestNs('z.lab')?.rrset.name, 'z.lab');
    assert.equal(c.closestNs('www.z.lab', { excludeAtOrBelow: 'z.lab' })?.rrset.name, 'lab');
    assert.equal(c.closestNs('www.other')?.rrset.name, '.');
    clock.t += 20_000;
    assert.equal(c.closestNs('www.z.lab')?.rrset.name, 'lab');
    assert.equal(c.closestNs('www.z.lab', { allowStale: true })?.rrset.name, 'z.lab');
    assert.equal(cacheWith().c.closestNs('www.z.lab'), undefined);
  });
});

describe('ResolverCache: RFC 8767 stale data', () => {
  it('expired data is handed out only when asked, serve-stale is on, and within maxStaleTtl; with the stale answer TTL', () => {
    const { c, clock } = cacheWith({ serveStale: true, maxStaleTtl: 100, staleAnswerTtl: 7 });
    c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [sig('x.lab', 'A')], Trust.AuthAnswer, 'secure');
    clock.t += 11_000;
    assert.equal(c.get('x.lab', 'A'), undefined);
    const stale = c.get('x.lab', 'A', { allowStale: true })!;
    assert.equal(stale.stale, true);
    assert.equal(stale.records[0]!.ttl, 7);
    assert.equal(stale.signatures[0]!.ttl, 7);
    clock.t += 99_000; // exactly 100 s past expiry
    assert.ok(c.getEntry('x.lab', 'A', { allowStale: true }));
    clock.t += 1_000;
    assert.equal(c.getEntry('x.lab', 'A', { allowStale: true }), undefined);
  });

  it('maxStaleTtl 0 means no limit; serve-stale off means none at all', () => {
    const on = cacheWith({ serveStale: true, maxStaleTtl: 0 });
    const off = cacheWith({ serveStale: false, maxStaleTtl: 0 });
    for (const { c, clock } of [on, off]) {
      c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [], Trust.AuthAnswer, 'secure');
      clock.t += 30 * 86_400_000;
    }
    assert.equal(on.c.get('x.lab', 'A', { allowStale: true })?.stale, true);
    assert.equal(off.c.get('x.lab', 'A', { allowStale: true }), undefined);
  });
});

describe('ResolverCache: negative entries (RFC 2308)', () => {
  const entry = (kind: 'nxdomain' | 'nodata', qname: Name, qtype: 'A' | 'AAAA', security: 'secure' | 'bogus' = 'secure') => ({
    kind,
    qname,
    qtype,
    zone: 'lab',
    authority: [soa('lab', 300, 300)],
    security,
  });

  it('NXDOMAIN answers every type at the name; NODATA only its own type; remaining TTL counts down', () => {
    const { c, clock } = cacheWith();
    c.storeNegative(entry('nxdomain', 'nx.lab', 'A'), 100);
    c.storeNegative(entry('nodata', 'nd.lab', 'A'), 100);
    clock.t += 40_000;
    const nx = c.getNegative('NX.lab', 'TXT')!;
    assert.deepEqual([nx.kind, nx.ttl, nx.stale, nx.zone, nx.authority.length], ['nxdomain', 60, false, 'lab', 1]);
    assert.equal(c.getNegative('nd.lab', 'A')?.ttl, 60);
    assert.equal(c.getNegative('nd.lab', 'AAAA'), undefined);
    assert.equal(c.getNegative('other.lab', 'A'), undefined);
    clock.t += 61_000;
    assert.equal(c.getNegative('nx.lab', 'A'), undefined);
    assert.equal(c.getNegative('nd.lab', 'A'), undefined);
  });

  it('bogus negative answers live at most bogusTtl', () => {
    const { c } = cacheWith({ bogusTtl: 5 });
    c.storeNegative(entry('nodata', 'b.lab', 'A', 'bogus'), 100);
    c.storeNegative(entry('nodata', 'short.lab', 'A', 'bogus'), 3);
    assert.equal(c.getNegative('b.lab', 'A')?.ttl, 5);
    assert.equal(c.getNegative('short.lab', 'A')?.ttl, 3);
  });

  it('stale negative entries: only when asked, with serve-stale on, inside the window, with the stale TTL', () => {
    const { c, clock } = cacheWith({ serveStale: true, maxStaleTtl: 50, staleAnswerTtl: 9 });
    c.storeNegative(entry('nxdomain', 'nx.lab', 'A'), 10);
    clock.t += 20_000;
    assert.equal(c.getNegative('nx.lab', 'A'), undefined);
    const s = c.getNegative('nx.lab', 'A', { allowStale: true })!;
    assert.deepEqual([s.stale, s.ttl], [true, 9]);
    clock.t += 41_000;
    assert.equal(c.getNegative('nx.lab', 'A', { allowStale: true }), undefined);
    const off = cacheWith({ serveStale: false });
    off.c.storeNegative(entry('nxdomain', 'nx.lab', 'A'), 10);
    off.clock.t += 20_000;
    assert.equal(off.c.getNegative('nx.lab', 'A', { allowStale: true }), undefined);
  });

  it('an expired NXDOMAIN does not hide a live NODATA for the type', () => {
    const { c, clock } = cacheWith();
    c.storeNegative(entry('nxdomain', 'x.lab', 'A'), 10);
    c.storeNegative(entry('nodata', 'x.lab', 'A'), 100);
    clock.t += 20_000;
    assert.equal(c.getNegative('x.lab', 'A')?.kind, 'nodata');
  });
});

describe('ResolverCache: RFC 8198 denial records and keys', () => {
  it('a denial record lives min(record TTL, SOA TTL, SOA MINIMUM, maxNegativeTtl)', () => {
    const { c } = cacheWith({ maxNegativeTtl: 400 });
    const ttlFor = (record: RR, s: RR | undefined): number => {
      c.flushAll();
      c.storeDenial('lab', record, [], s, false);
      return c.denialsFor('x.lab')!.records[0]!.record.ttl;
    };
    assert.equal(ttlFor(nsec('a.lab', 'z.lab', 600), soa('lab', 300, 200)), 200);
    assert.equal(ttlFor(nsec('a.lab', 'z.lab', 600), soa('lab', 100, 200)), 100);
    assert.equal(ttlFor(nsec('a.lab', 'z.lab', 50), soa('lab', 300, 200)), 50);
    assert.equal(ttlFor(nsec('a.lab', 'z.lab', 600), undefined), 400);
    assert.equal(ttlFor(nsec('a.lab', 'z.lab', 600), a('lab', '192.0.2.1', 10)), 400, 'no SOA: only the record TTL and the cap');
  });

  it('denialsFor: the deepest enclosing zone with live records; its records with signatures, opt-out and remaining TTL', () => {
    const { c, clock } = cacheWith();
    c.storeDenial('lab', nsec('a.lab', 'm.lab', 300), [sig('a.lab', 'NSEC')], undefined, false);
    c.storeDenial('z.lab', nsec('z.lab', 'k.z.lab', 100), [], undefined, true);
    c.storeDenial('z.lab', nsec('k.z.lab', 'z.lab', 100), [], undefined, false);
    c.storeDenial('z.lab', nsec('k.z.lab', 'z.lab', 100), [], undefined, false); // same owner and type: one entry
    assert.equal(c.stats().denial, 3);
    const deep = c.denialsFor('www.Z.lab')!;
    assert.equal(deep.zone, 'z.lab');
    assert.deepEqual(deep.records.map((d) => [d.record.name, d.optOut, d.zone]).sort(), [
      ['k.z.lab', false, 'z.lab'],
      ['z.lab', true, 'z.lab'],
    ]);
    const top = c.denialsFor('www.y.lab')!;
    assert.equal(top.zone, 'lab');
    assert.equal(top.records[0]!.signatures.length, 1);
    assert.equal(c.denialsFor('www.other'), undefined);
    clock.t += 50_000;
    assert.equal(c.denialsFor('www.z.lab')!.records[0]!.record.ttl, 50);
    clock.t += 60_000; // z.lab's records are gone; lab's still live
    assert.equal(c.denialsFor('www.z.lab')?.zone, 'lab');
    clock.t += 200_000;
    assert.equal(c.denialsFor('www.z.lab'), undefined);
  });

  it('denialsFor picks the deepest zone whichever was stored first', () => {
    const { c } = cacheWith();
    c.storeDenial('z.lab', nsec('z.lab', 'k.z.lab'), [], undefined, false);
    c.storeDenial('lab', nsec('a.lab', 'm.lab'), [], undefined, false);
    assert.equal(c.denialsFor('www.z.lab')?.zone, 'z.lab');
  });

  it('keys live by their expiry', () => {
    const { c, clock } = cacheWith();
    c.storeKeys({ zone: 'Z.lab', status: 'secure', keys: [], reason: 'DS matches', expiresAt: clock.t + 10_000 });
    assert.equal(c.getKeys('z.lab')?.status, 'secure');
    assert.equal(c.getKeys('lab'), undefined);
    clock.t += 11_000;
    assert.equal(c.getKeys('z.lab'), undefined);
  });
});

describe('ResolverCache: flush, purge, stats', () => {
  function filled(overrides: Partial<ResolverSettings> = {}) {
    const x = cacheWith(overrides);
    const { c, clock } = x;
    for (const n of ['example.lab', 'www.example.lab', 'a.b.example.lab', 'other.lab'])
      c.storeRRset(set(a(n, '192.0.2.1', 100)), [], Trust.AuthAnswer, 'unchecked');
    c.storeNegative({ kind: 'nxdomain', qname: 'nx.example.lab', qtype: 'A', zone: 'example.lab', authority: [], security: 'secure' }, 100);
    c.storeNegative({ kind: 'nodata', qname: 'other.lab', qtype: 'TXT', zone: 'lab', authority: [], security: 'secure' }, 100);
    c.storeKeys({ zone: 'example.lab', status: 'secure', keys: [], reason: '', expiresAt: clock.t + 100_000 });
    c.storeKeys({ zone: 'lab', status: 'secure', keys: [], reason: '', expiresAt: clock.t + 100_000 });
    c.storeDenial('example.lab', nsec('example.lab', 'www.example.lab', 100), [], undefined, false);
    c.storeDenial('lab', nsec('lab', 'example.lab', 100), [], undefined, false);
    c.storeDenial('lab', nsec('zz.lab', 'lab', 100), [], undefined, false);
    return x;
  }

  it('stats counts each kind of entry', () => {
    assert.deepEqual(filled().c.stats(), { rrsets: 4, negative: 2, denial: 3, keys: 2 });
  });

  it('flushName forgets every kind of entry at exactly the name', () => {
    const { c } = filled();
    assert.equal(c.flushName('other.lab'), 2);
    assert.equal(c.flushName('example.lab'), 3, 'the A, the keys, the denial record');
    assert.deepEqual(c.stats(), { rrsets: 2, negative: 1, denial: 2, keys: 1 });
    assert.ok(c.get('www.example.lab', 'A'));
    assert.equal(c.denialsFor('www.example.lab')?.zone, 'lab');
  });

  it('flushTree forgets the name and everything below it, denial records of zones inside it too', () => {
    const { c } = filled();
    assert.equal(c.flushTree('example.lab'), 6);
    assert.deepEqual(c.stats(), { rrsets: 1, negative: 1, denial: 2, keys: 1 });
    assert.ok(c.get('other.lab', 'A'));
    assert.equal(c.getNegative('other.lab', 'TXT')?.kind, 'nodata');
    assert.equal(c.flushTree('lab'), 5);
    assert.deepEqual(c.stats(), { rrsets: 0, negative: 0, denial: 0, keys: 0 });
  });

  it('flushAll forgets everything and counts it', () => {
    const { c } = filled();
    assert.equal(c.flushAll(), 11);
    assert.deepEqual(c.stats(), { rrsets: 0, negative: 0, denial: 0, keys: 0 });
    assert.equal(c.denialsFor('www.example.lab'), undefined);
  });

  it('purgeExpired drops what is past expiry, keeping stale-servable data while serve-stale is on', () => {
    const plain = filled();
    assert.equal(plain.c.purgeExpired(), 0);
    plain.c.storeRRset(set(a('long.lab', '192.0.2.1', 1000)), [], Trust.AuthAnswer, 'unchecked');
    plain.clock.t += 101_000;
    assert.equal(plain.c.purgeExpired(), 11);
    assert.deepEqual(plain.c.stats(), { rrsets: 1, negative: 0, denial: 0, keys: 0 });
    const stale = filled({ serveStale: true, maxStaleTtl: 50 });
    stale.clock.t += 101_000;
    assert.equal(stale.c.purgeExpired(), 5, 'keys and denial records have no stale window');
    assert.deepEqual(stale.c.stats(), { rrsets: 4, negative: 2, denial: 0, keys: 0 });
    stale.clock.t += 50_000;
    assert.equal(stale.c.purgeExpired(), 6);
  });

  it('purgeExpired: an entry with 0 s left stays where the profile still uses it', () => {
    const { c, clock } = cacheWith();
    c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [], Trust.AuthAnswer, 'unchecked');
    clock.t += 10_000;
    assert.equal(c.purgeExpired(), 0);
    const p = cacheWith({ ttlZeroIsExpired: true });
    p.c.storeRRset(set(a('x.lab', '192.0.2.1', 10)), [], Trust.AuthAnswer, 'unchecked');
    p.clock.t += 10_000;
    assert.equal(p.c.purgeExpired(), 1);
  });
});
