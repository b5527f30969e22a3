// RFC 8198 synthesis from the cache, through AggressiveNsec's public API on a ResolverCache filled by hand:
// which records are used (per profile switch), what the synthesised piece carries (SOA, spans, signatures, the
// smallest TTL), when nothing is synthesised, NSEC3 and opt-out, and §5.3 wildcard expansion. The records are
// unsigned stand-ins: synthesis reads spans that the validator already verified, and the RRSIGs are only carried.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32hex } from '../../dns/base32hex.ts';
import { nsec3Hash } from '../../dns/dnssec/nsec3-hash.ts';
import type { Name, RR, RRTypeName } from '../../dns/types.ts';
import type { Clock } from '../../net/network.ts';
import { AggressiveNsec, isMinimallyCoveringNsec, rememberDenials } from '../../servers/recursive/aggressive.ts';
import { ResolverCache, Trust, type CacheSecurity } from '../../servers/recursive/cache.ts';
import type { CacheEvent, ResolverEvent } from '../../servers/recursive/events.ts';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';

const ZONE = 'z.lab';
const clock: Clock = { now: () => 1_000_000_000, setTimer: () => assert.fail('no timers'), clearTimer: () => undefined };

const rr = (name: Name, type: RRTypeName, ttl: number, data: unknown): RR => ({ name, type, class: 'IN', ttl, data }) as RR;
const sig = (owner: Name, covered: RRTypeName, ttl = 900): RR =>
  rr(owner, 'RRSIG', ttl, {
    typeCovered: covered,
    algorithm: 13,
    labels: owner.split('.').filter((l) => l !== '*').length,
    originalTtl: ttl,
    expiration: 0,
    inception: 0,
    keyTag: 1,
    signerName: ZONE,
    signature: Buffer.alloc(4),
  });
const SOA = rr(ZONE, 'SOA', 900, { mname: `ns.${ZONE}`, rname: `h.${ZONE}`, serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 3600 });
const nsec = (owner: Name, next: Name, types: RRTypeName[], ttl = 600): RR => rr(owner, 'NSEC', ttl, { nextDomain: next, types });
/** The zone z.lab holds its apex, b.z.lab (A) and d.z.lab (A, TXT): a complete NSEC chain. */
const CHAIN = [
  nsec(ZONE, `b.${ZONE}`, ['SOA', 'NS', 'RRSIG', 'NSEC', 'DNSKEY'], 500),
  nsec(`b.${ZONE}`, `d.${ZONE}`, ['A', 'RRSIG', 'NSEC'], 600),
  nsec(`d.${ZONE}`, ZONE, ['A', 'TXT', 'RRSIG', 'NSEC'], 700),
];

interface Setup {
  agg: AggressiveNsec;
  cache: ResolverCache;
  events: CacheEvent[];
  ask: (name: Name, qtype: RRTypeName) => { piece: ReturnType<AggressiveNsec['synthesize']>; aggressive: boolean };
}

function setup(overrides: Partial<ResolverSettings> = {}, opts: { soa?: CacheSecurity | 'none'; denials?: RR[]; optOut?: boolean } = {}): Setup {
  const settings = settingsFor('unbound', {
    aggressiveNsec: true,
    aggressiveNsec3: true,
    aggressiveNsecExactNodata: true,
    aggressiveNsecMinimalRanges: true,
    ...overrides,
  });
  const cache = new ResolverCache(clock, settings);
  const events: CacheEvent[] = [];
  const agg = new AggressiveNsec(settings, cache, clock, (e: ResolverEvent) => void (e.type === 'cache' && events.push(e)));
  if ((opts.soa ?? 'secure') !== 'none') {
    cache.storeRRset(
      { name: ZONE, type: 'SOA', class: 'IN', ttl: 900, records: [SOA] },
      [sig(ZONE, 'SOA')],
      Trust.AuthAuthority,
      (opts.soa ?? 'secure') as CacheSecurity,
    );
  }
  const denials = opts.denials ?? CHAIN;
  rememberDenials(cache, ZONE, [...denials, ...denials.map((d) => sig(d.name, d.type))], SOA, opts.optOut ?? false);
  const ask = (name: Name, qtype: RRTypeName) => {
    const ctx = { id: 7, aggressive: false };
    return { piece: agg.synthesize(ctx, name, qtype), aggressive: ctx.aggressive };
  };
  return { agg, cache, events, ask };
}

const owners = (rrs: readonly RR[], type: RRTypeName): string[] => rrs.filter((r) => r.type === type).map((r) => r.name);

describe('AggressiveNsec: NSEC synthesis (RFC 8198 §5.1–5.2)', () => {
  it('NXDOMAIN from the span covering the name and the one covering the wildcard, with the SOA, at the smallest TTL', () => {
    const s = setup();
    const { piece, aggressive } = s.ask(`c.${ZONE}`, 'A');
    assert.ok(piece, 'synthesised');
    assert.equal(aggressive, true);
    assert.deepEqual(
      [piece.kind, piece.security, piece.fromCache, piece.aggressive, piece.zone, piece.next],
      ['nxdomain', 'secure', true, true, ZONE, `c.${ZONE}`],
    );
    assert.deepEqual(piece.rrsets, []);
    assert.deepEqual(owners(piece.authority, 'SOA'), [ZONE]);
    assert.deepEqual(owners(piece.authority, 'NSEC').sort(), [`b.${ZONE}`, ZONE].sort(), 'the span at d.z.lab proves nothing here');
    assert.deepEqual(
      piece.authority
        .filter((r) => r.type === 'RRSIG')
        .map((r) => (r.data as { typeCovered: string }).typeCovered)
        .sort(),
      ['NSEC', 'NSEC', 'SOA'],
    );
    // min(SOA 900, SOA MINIMUM 3600 → denial TTLs capped by it, NSEC 500 and 600): 500, for every record.
    assert.deepEqual([...new Set(piece.authority.map((r) => r.ttl))], [500]);
    assert.equal(s.events.length, 1);
    const e = s.events[0]!;
    assert.deepEqual([e.action, e.qname, e.qtype, e.resolution, e.time], ['aggressive-nsec', `c.${ZONE}`, 'A', 7, clock.now()]);
    assert.match(e.detail!, /^nxdomain synthesised from cached NSEC of z\.lab \(RFC 8198\)$/);
  });

  it('NODATA from the NSEC at the name whose bitmap lacks the type', () => {
    const s = setup();
    const { piece } = s.ask(`b.${ZONE}`, 'AAAA');
    assert.equal(piece?.kind, 'nodata');
    // The span at the apex comes along: it covers *.z.lab, one of the names that could matter.
    assert.deepEqual(owners(piece.authority, 'NSEC').sort(), [`b.${ZONE}`, ZONE].sort());
    assert.match(s.events[0]!.detail!, /^nodata synthesised/);
    assert.equal(s.ask(`b.${ZONE}`, 'A').piece, undefined, 'the type exists: nothing to synthesise');
  });

  it('BIND (aggressiveNsecExactNodata off) never uses the NSEC at the qname itself; NXDOMAIN still synthesised', () => {
    const s = setup({ aggressiveNsecExactNodata: false });
    assert.equal(s.ask(`b.${ZONE}`, 'AAAA').piece, undefined);
    assert.equal(s.ask(`c.${ZONE}`, 'A').piece?.kind, 'nxdomain');
  });

  it('switched off, or NSEC3 only, no NSEC synthesis', () => {
    assert.equal(setup({ aggressiveNsec: false, aggressiveNsec3: false }).ask(`c.${ZONE}`, 'A').piece, undefined);
    const nsec3Only = setup({ aggressiveNsec: false, aggressiveNsec3: true });
    const r = nsec3Only.ask(`c.${ZONE}`, 'A');
    assert.equal(r.piece, undefined);
    assert.equal(r.aggressive, false);
    assert.equal(nsec3Only.events.length, 0);
  });

  it('nothing cached for the zone, or no span relevant to the name: nothing synthesised', () => {
    assert.equal(setup().ask('c.other.lab', 'A').piece, undefined);
    // Only the span d.z.lab → apex: covers neither c.z.lab nor *.z.lab.
    assert.equal(setup({}, { denials: [CHAIN[2]!] }).ask(`c.${ZONE}`, 'A').piece, undefined);
    // Only the span covering c.z.lab: the wildcard is not denied, so no NXDOMAIN.
    assert.equal(setup({}, { denials: [CHAIN[1]!] }).ask(`c.${ZONE}`, 'A').piece, undefined);
  });

  it('RFC 8198 §5.1: without a validated SOA of the zone nothing is synthesised (and nothing reported)', () => {
    for (const soa of ['none', 'insecure', 'unchecked'] as const) {
      const s = setup({}, { soa });
      const r = s.ask(`c.${ZONE}`, 'A');
      assert.equal(r.piece, undefined, soa);
      assert.equal(r.aggressive, false, soa);
      assert.equal(s.events.length, 0, soa);
    }
  });

  it('a deep name: NXDOMAIN from the span covering its next closer name (y.z.lab) and the one covering *.z.lab', () => {
    // x.y.z.lab: the closest encloser is z.lab; y.z.lab sorts after d.z.lab, so d.z.lab → apex covers it.
    const s = setup();
    const { piece } = s.ask(`x.y.${ZONE}`, 'A');
    assert.equal(piece?.kind, 'nxdomain');
    assert.deepEqual(owners(piece.authority, 'NSEC').sort(), [`d.${ZONE}`, ZONE].sort());
  });
});

describe('AggressiveNsec: minimally covering NSEC ("black lies", RFC 4470 §3)', () => {
  const LIE = nsec(`app.${ZONE}`, `\\000.app.${ZONE}`, ['RRSIG', 'NSEC', 'AAAA']);

  it('isMinimallyCoveringNsec: next name is \\000.owner, nothing else', () => {
    assert.equal(isMinimallyCoveringNsec(LIE), true);
    assert.equal(isMinimallyCoveringNsec(nsec(`app.${ZONE}`, `\\000.b.${ZONE}`, ['NSEC'])), false, 'another owner');
    assert.equal(isMinimallyCoveringNsec(nsec(`app.${ZONE}`, `\\001.app.${ZONE}`, ['NSEC'])), false, 'not \\000');
    assert.equal(isMinimallyCoveringNsec(nsec(`app.${ZONE}`, `\\000\\000.app.${ZONE}`, ['NSEC'])), false, 'two octets');
    assert.equal(isMinimallyCoveringNsec(nsec(`app.${ZONE}`, `\\000.x.app.${ZONE}`, ['NSEC'])), false, 'two labels down');
    assert.equal(isMinimallyCoveringNsec(nsec(`app.${ZONE}`, ZONE, ['NSEC'])), false, 'a span up the tree');
    assert.equal(isMinimallyCoveringNsec(nsec(`app.${ZONE}`, '.', ['NSEC'])), false, 'the root as next name');
    assert.equal(isMinimallyCoveringNsec({ ...LIE, type: 'NSEC3' } as RR), false, 'an NSEC3');
  });

  it('Slack 2021: NODATA for A from the black-lie NSEC with the RFC default; never with PowerDNS/Knot (minimal ranges off)', () => {
    assert.equal(setup({}, { denials: [LIE] }).ask(`app.${ZONE}`, 'A').piece?.kind, 'nodata');
    assert.equal(setup({ aggressiveNsecMinimalRanges: false }, { denials: [LIE] }).ask(`app.${ZONE}`, 'A').piece, undefined);
    // An ordinary span is still used with minimal ranges off.
    assert.equal(setup({ aggressiveNsecMinimalRanges: false }).ask(`c.${ZONE}`, 'A').piece?.kind, 'nxdomain');
  });
});

describe('AggressiveNsec: wildcard expansion (RFC 8198 §5.3)', () => {
  const WILD_A = rr(`*.${ZONE}`, 'A', 300, '192.0.2.7');
  /** Chain with *.z.lab holding A: apex → *.z.lab → b.z.lab → apex. */
  const WCHAIN = [
    nsec(ZONE, `*.${ZONE}`, ['SOA', 'NS', 'RRSIG', 'NSEC', 'DNSKEY'], 500),
    nsec(`*.${ZONE}`, `b.${ZONE}`, ['A', 'RRSIG', 'NSEC'], 600),
    nsec(`b.${ZONE}`, ZONE, ['A', 'RRSIG', 'NSEC'], 700),
  ];
  function withWildcard(security: CacheSecurity, sigs = true) {
    const s = setup({}, { denials: WCHAIN });
    s.cache.storeRRset(
      { name: `*.${ZONE}`, type: 'A', class: 'IN', ttl: 300, records: [WILD_A] },
      sigs ? [sig(`*.${ZONE}`, 'A')] : [],
      Trust.AuthAnswer,
      security,
    );
    return s;
  }

  it('a name under a cached secure wildcard is answered by expanding it, with the span proving the name absent', () => {
    const s = withWildcard('secure');
    const { piece, aggressive } = s.ask(`c.${ZONE}`, 'A');
    assert.ok(piece);
    assert.equal(aggressive, true);
    assert.deepEqual([piece.kind, piece.security, piece.fromCache, piece.aggressive, piece.zone], ['answer', 'secure', true, true, ZONE]);
    const [a] = piece.rrsets;
    assert.equal(piece.rrsets.length, 1);
    assert.deepEqual(
      [a!.rrset.name, a!.rrset.type, a!.rrset.class, a!.rrset.ttl, a!.security, a!.trust],
      [`c.${ZONE}`, 'A', 'IN', 300, 'secure', Trust.AuthAnswer],
    );
    assert.deepEqual(
      a!.rrset.records.map((r) => [r.name, r.data, r.ttl]),
      [[`c.${ZONE}`, '192.0.2.7', 300]],
    );
    assert.deepEqual(
      a!.signatures.map((g) => [g.name, g.ttl]),
      [[`c.${ZONE}`, 300]],
    );
    // b.z.lab → apex covers the name; the NSEC at *.z.lab and at the apex (an ancestor) come along.
    assert.deepEqual(owners(piece.authority, 'NSEC').sort(), [`*.${ZONE}`, `b.${ZONE}`, ZONE].sort());
    assert.equal(piece.authority.length, 6, 'each NSEC with its RRSIG');
    assert.deepEqual([...new Set(piece.authority.map((r) => r.ttl))], [300], 'at min(wildcard 300, NSEC 500–700)');
    assert.match(s.events[0]!.detail!, /^answer expanded from cached wildcard \*\.z\.lab \(RFC 8198 §5\.3\)$/);
  });

  it('the wildcard must be cached for the type, secure and signed', () => {
    assert.equal(withWildcard('insecure').ask(`c.${ZONE}`, 'A').piece, undefined);
    assert.equal(withWildcard('secure', false).ask(`c.${ZONE}`, 'A').piece, undefined);
    const s = withWildcard('secure');
    assert.equal(s.ask(`c.${ZONE}`, 'TXT').piece?.kind, 'nodata', 'the wildcard has no TXT: a wildcard NODATA');
    assert.equal(s.ask(`c.${ZONE}`, 'AAAA').piece?.kind, 'nodata');
  });

  it('no expansion when the name is not proven absent (the span does not cover it)', () => {
    const s = withWildcard('secure');
    assert.equal(s.ask(`b.${ZONE}`, 'A').piece, undefined, 'b.z.lab exists');
  });
});

describe('AggressiveNsec: NSEC3 (RFC 8198 with RFC 5155 §8)', () => {
  const SALT = Buffer.from('ab', 'hex');
  const hashed = (n: Name) => nsec3Hash(n, SALT, 1);
  /** A complete NSEC3 chain over the zone's names, each span from one hash to the next. */
  function nsec3Chain(names: Name[], flags = 0): RR[] {
    const hs = names.map((n) => ({ n, h: hashed(n) })).sort((x, y) => Buffer.compare(x.h, y.h));
    return hs.map(({ n, h }, i) =>
      rr(`${base32hex(h).toLowerCase()}.${ZONE}`, 'NSEC3', 600, {
        hashAlgorithm: 1,
        flags,
        iterations: 1,
        salt: SALT,
        nextHashedOwner: hs[(i + 1) % hs.length]!.h,
        types: n === ZONE ? ['SOA', 'NS', 'RRSIG', 'DNSKEY', 'NSEC3PARAM'] : ['A', 'RRSIG'],
      }),
    );
  }
  const NAMES = [ZONE, `b.${ZONE}`, `d.${ZONE}`, `f.${ZONE}`, `h.${ZONE}`];

  it('NXDOMAIN and NODATA synthesised from NSEC3 when aggressiveNsec3 is on, with only the records that prove something', () => {
    const s = setup({ aggressiveNsec: false }, { denials: nsec3Chain(NAMES) });
    const nx = s.ask(`c.${ZONE}`, 'A').piece;
    assert.equal(nx?.kind, 'nxdomain');
    const used = nx.authority.filter((r) => r.type === 'NSEC3').length;
    assert.ok(used >= 2 && used <= 3, `closest encloser, next closer and wildcard: ${used} of 5 records`);
    assert.match(s.events[0]!.detail!, /cached NSEC3 of z\.lab/);
    const nd = s.ask(`b.${ZONE}`, 'TXT').piece;
    assert.equal(nd?.kind, 'nodata');
    const nd3 = nd.authority.filter((r) => r.type === 'NSEC3').map((r) => r.name);
    assert.ok(nd3.includes(`${base32hex(hashed(`b.${ZONE}`)).toLowerCase()}.${ZONE}`), 'the record matching the name');
    assert.ok(nd3.includes(`${base32hex(hashed(ZONE)).toLowerCase()}.${ZONE}`), 'the record matching the apex');
    assert.ok(nd3.length <= 3, `match, apex, wildcard cover: ${nd3.length} of 5`);
  });

  it('no NSEC3 synthesis with aggressiveNsec3 off, nor from opt-out spans (flag or zone-wide)', () => {
    assert.equal(setup({ aggressiveNsec3: false }, { denials: nsec3Chain(NAMES) }).ask(`c.${ZONE}`, 'A').piece, undefined);
    assert.equal(setup({}, { denials: nsec3Chain(NAMES, 1) }).ask(`c.${ZONE}`, 'A').piece, undefined);
    assert.equal(setup({}, { denials: nsec3Chain(NAMES), optOut: true }).ask(`c.${ZONE}`, 'A').piece, undefined);
    assert.equal(setup({}, { denials: nsec3Chain(NAMES) }).ask(`c.${ZONE}`, 'A').piece?.kind, 'nxdomain');
  });
});

describe('rememberDenials', () => {
  it('keeps the NSEC/NSEC3 records of an authority section with their own RRSIGs, and only those', () => {
    const settings = settingsFor('unbound');
    const cache = new ResolverCache(clock, settings);
    const n3 = rr(`0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.${ZONE}`, 'NSEC3', 600, {
      hashAlgorithm: 1,
      flags: 1,
      iterations: 0,
      salt: Buffer.alloc(0),
      nextHashedOwner: Buffer.alloc(20),
      types: [],
    });
    const n3plain = rr(`1p9mhaveqvm6t7vbl5lop2u3t2rp3tom.${ZONE}`, 'NSEC3', 600, { ...(n3.data as object), flags: 0 });
    rememberDenials(
      cache,
      ZONE,
      [SOA, sig(ZONE, 'SOA'), CHAIN[0]!, sig(ZONE, 'NSEC'), sig(`b.${ZONE}`, 'NSEC'), n3, n3plain, sig(n3.name, 'NSEC3')],
      SOA,
      false,
    );
    const got = cache.denialsFor(`c.${ZONE}`)!;
    const by = new Map(got.records.map((d) => [d.record.name, d]));
    assert.deepEqual([...by.keys()].sort(), [n3.name, n3plain.name, ZONE].sort());
    assert.deepEqual(
      by.get(ZONE)!.signatures.map((g) => [g.name, (g.data as { typeCovered: string }).typeCovered]),
      [[ZONE, 'NSEC']],
    );
    assert.equal(by.get(ZONE)!.optOut, false);
    assert.equal(by.get(n3.name)!.optOut, true, 'opt-out flag');
    assert.equal(by.get(n3.name)!.signatures.length, 1);
    assert.equal(by.get(n3plain.name)!.optOut, false);
    const zoneWide = new ResolverCache(clock, settings);
    rememberDenials(zoneWide, ZONE, [CHAIN[0]!, n3plain], SOA, true);
    const z = new Map(zoneWide.denialsFor(`c.${ZONE}`)!.records.map((d) => [d.record.name, d.optOut]));
    assert.deepEqual([z.get(ZONE), z.get(n3plain.name)], [false, true], 'an opt-out zone marks its NSEC3 spans, never an NSEC');
  });
});
