import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScenario, mergeTopology, ScenarioError, parseQuestion, variantNames } from '../../lab/scenario/validate.ts';
import { parseDuration } from '../../lab/scenario/duration.ts';
import type { Scenario } from '../../lab/scenario/types.ts';
import { UNIT_ZONE, unitScenario } from '../helpers/scenario.ts';

function base(): Scenario {
  return {
    ...unitScenario([
      { at: '+0s', client: 'alice', query: 'www.example.jp A', expect: { rcode: 'NOERROR' } },
      { at: '+1h', only: ['fixed'], operator: 'ops', action: { do: 'remove-records', zone: 'example.jp', records: ['www A'] } },
      { at: '+2h', wait: true },
    ]),
    variants: { vulnerable: { description: { en: 'v', ja: 'v' } }, fixed: { description: { en: 'f', ja: 'f' } } },
  };
}

function problems(s: Scenario, variant?: string): string[] {
  try {
    planScenario(s, 'scenarios/unit.ts', variant);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    assert.equal(e.file, 'scenarios/unit.ts');
    return e.problems.map((p) => `${p.step !== undefined ? `step ${p.step}` : p.where}: ${p.message}`);
  }
  return [];
}

test('durations and questions', () => {
  assert.equal(parseDuration('+0s'), 0);
  assert.equal(parseDuration('+1h30m'), 5400_000);
  assert.equal(parseDuration('2d'), 172800_000);
  assert.equal(parseDuration('86400'), 86400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1x'), undefined);
  assert.equal(parseDuration('h1'), undefined);
  assert.equal(parseDuration(''), undefined);
  assert.deepEqual(parseQuestion('WWW.example.jp. aaaa'), { qname: 'WWW.example.jp', qtype: 'AAAA' });
  assert.match(parseQuestion('www.example.jp') as string, /expected "NAME TYPE"/);
  assert.match(parseQuestion('www.example.jp BOGUS') as string, /unknown type "BOGUS"/);
});

test('a valid scenario plans each variant; `only` filters steps; times are offsets in ms', () => {
  const s = base();
  assert.deepEqual(variantNames(s), ['vulnerable', 'fixed']);
  const v = planScenario(s, 'f.ts');
  assert.equal(v.variant, 'vulnerable');
  assert.deepEqual(
    v.steps.map((p) => [p.number, p.at]),
    [
      [1, 0],
      [3, 7200_000],
    ],
  );
  const f = planScenario(s, 'f.ts', 'fixed');
  assert.deepEqual(
    f.steps.map((p) => p.number),
    [1, 2, 3],
  );
  assert.equal(f.start, Date.parse('2026-01-01T00:00:00Z'));
  const single = { ...base(), variants: undefined, steps: [base().steps[0]!] };
  assert.deepEqual(variantNames(single), ['default']);
  assert.equal(planScenario(single, 'f.ts').variant, 'default');
});

test('topology problems name where they are', () => {
  const s = base();
  s.topology.zones['example.jp']!.servers = ['nope'];
  s.topology.zones['bad.jp'] = { servers: ['ns'], text: '@ 300 IN SOA ns1 h 1 1 1 1 1\nwww IN A 192.0.2\n' };
  s.topology.servers['ns2'] = { host: 'ns2.example.jp', addresses: ['192.0.2.53'], quirks: [{ kind: 'delay', ms: -5 }] };
  s.topology.resolvers!['r2'] = { addresses: ['10.0.0.54'], profile: 'dnsmasq', settings: { noSuchKnob: true } };
  s.topology.clients['bob'] = { addresses: ['10.0.0.11'], resolver: 'r9' };
  s.topology.clients['carol'] = { addresses: ['10.53.0.1'] };
  s.topology.middleboxes = { lb: { kind: 'load-balancer', between: ['alice', 'r'] }, gw: { kind: 'nat-gateway', between: ['alice', 'r'] } };
  s.topology.registries = [{ tld: 'com', registrars: ['a'], domains: [{ name: 'x.com', registrar: 'b', registrant: 'x', authCode: 'x', ns: [] }] }];
  const p = problems(s);
  const has = (re: RegExp) =>
    assert.ok(
      p.some((x) => re.test(x)),
      `${re} not in:\n${p.join('\n')}`,
    );
  has(/^topology\.zones\["example\.jp"\]: unknown server "nope" \(servers: ns, ns2\)$/);
  has(/^topology\.zones\["bad\.jp"\]: scenarios\/unit\.ts zone bad\.jp:2:\d+: A RDATA/);
  has(/^topology\.servers\["ns2"\]: address 192\.0\.2\.53 is already used by ns$/);
  has(/^topology\.servers\["ns2"\]\.quirks: /);
  has(/^topology\.resolvers\["r2"\]: unknown profile "dnsmasq" \(profiles: unbound, bind/);
  has(/^topology\.resolvers\["r2"\]\.settings: unknown setting "noSuchKnob"/);
  has(/^topology\.clients\["bob"\]: unknown resolver "r9" \(resolvers: r, r2\)$/);
  has(/^topology\.clients\["carol"\]: 10\.53\.0\.1 is in 10\.53\.0\.0\/16, which the lab keeps/);
  has(/^topology\.middleboxes\["gw"\]: kind: got "nat-gateway"; expected one of middlebox, firewall, home-router, path-faults, load-balancer/);
  // A load balancer fronts a server (its addresses are the VIPs) and needs a session table size.
  has(/^topology\.middleboxes\["lb"\]: a load-balancer's between\[1\] must be a server/);
  has(/^topology\.middleboxes\["lb"\]: udpSessions: got nothing/);
  has(/^topology\.registries\[0\]: the TLD zone "com" must be in topology\.zones/);
  has(/^topology\.registries\[0\]: domain x\.com: unknown registrar "b" \(registrars: a\)$/);
});

test('step problems name the step, its time and what it does', () => {
  const s = base();
  s.steps.push(
    { at: '+3h', expectTimeline: { watch: 'w', never: { from: '+0s', to: '+3h', rcode: 'SERVFAIL' } } },
    { at: '+3h', watch: { name: 'w', client: 'alice', query: 'www.example.jp A', every: '10m', until: '+5h' } },
    { at: '+4h', expectTimeline: { watch: 'w', never: { from: '+3h', to: '+5h', rcode: 'SERVFAIL' } } },
    { at: '+5h', action: { do: 'add-records', zone: 'example.jp', records: ['x A 192.0.2.1'] } } as never,
    { at: '+5h', operator: 'x', action: { do: 'reboot-everything' } } as never,
    { at: '+5h', only: ['staging'], wait: true },
    { at: '+5h', client: 'alice', query: 'www.example.jp A', wait: true } as never,
    { at: 'soon', wait: true },
    { at: '+6h', operator: 'x', action: { do: 'change-ns', registrar: 'reg', registrant: 'me', domain: 'example.jp', ns: [] } },
    { at: '+6h', expectQueries: { server: 'nobody', none: true } },
  );
  const p = problems(s);
  const has = (re: RegExp) =>
    assert.ok(
      p.some((x) => re.test(x)),
      `${re} not in:\n${p.join('\n')}`,
    );
  has(/^step 4: \(at \+3h, expect timeline w\) unknown watch "w": declare it with a watch step before this one/);
  has(/^step 6: \(at \+4h, expect timeline w\) the window ends at \+5h, after this step \(at \+4h\)/);
  has(/^step 7: \(at \+5h, add-records\) an action needs operator: 'NAME' or attacker: 'NAME'/);
  has(/^step 8: \(at \+5h, reboot-everything\) unknown action "reboot-everything"/);
  has(/^step 9: .*only: unknown variant "staging" \(variants: vulnerable, fixed\)/);
  has(/^step 10: .*a step does exactly one of .*this one has query \+ wait/);
  has(/^step 11: .*at: "soon" is not an offset/);
  has(/^step 12: .*unknown registrar "reg" \(registrars: none — add topology\.registries\)/);
  has(/^step 12: .*domain example\.jp is not under a TLD with a registry/);
  has(/^step 13: .*unknown machine "nobody"/);
});

test('time only moves forward within a variant; blocks of steps per variant may interleave', () => {
  const s = base();
  s.steps = [
    { at: '+0s', client: 'alice', query: 'www.example.jp A' },
    { at: '+1h', only: ['vulnerable'], wait: true },
    { at: '+2h', only: ['vulnerable'], wait: true },
    { at: '+1h', only: ['fixed'], wait: true },
    { at: '+30m', only: ['fixed'], wait: true },
  ];
  const p = problems(s);
  assert.equal(p.length, 1, p.join('\n'));
  assert.match(p[0]!, /^step 5: \(at \+30m, wait\) at \+30m is earlier than the step before it \(step 4, at \+1h, in variant fixed\)/);
  assert.deepEqual(
    planScenario({ ...s, steps: s.steps.slice(0, 4) }, 'x.ts', 'fixed').steps.map((x) => x.number),
    [1, 4],
  );
});

test('a bad expectation record line is a step problem', () => {
  const s = base();
  s.steps[0] = { at: '+0s', client: 'alice', query: 'www.example.jp A', expect: { answerIncludes: ['www.example.jp. IN AAAA 192.0.2.1'] } };
  const p = problems(s);
  assert.match(
    p[0]!,
    /^step 1: \(at \+0s, query www\.example\.jp A by alice\) expect\.answerIncludes: bad record line "www\.example\.jp\. IN AAAA 192\.0\.2\.1"/,
  );
});

test('variant topology overrides merge objects key by key and replace lists', () => {
  const t = base().topology;
  const merged = mergeTopology(t, { resolvers: { r: { profile: 'bind' } }, zones: { 'example.jp': { servers: ['ns', 'ns9'] } } });
  assert.equal(merged.resolvers!.r!.profile, 'bind');
  assert.deepEqual(merged.resolvers!.r!.addresses, ['10.0.0.53']);
  assert.deepEqual(merged.zones['example.jp']!.servers, ['ns', 'ns9']);
  assert.equal(merged.zones['example.jp']!.text, UNIT_ZONE);
  assert.equal(t.resolvers!.r!.profile, 'unbound', 'the base is not modified');
  const s = base();
  s.variants!.fixed!.topology = { resolvers: { r: { profile: 'no-such' } } };
  assert.deepEqual(problems(s, 'vulnerable'), []);
  assert.match(problems(s, 'fixed')[0]!, /unknown profile "no-such"/);
});

test('not an object / missing parts / unknown variant', () => {
  assert.throws(() => planScenario(null as unknown as Scenario, 'x.ts'), /x\.ts: 1 problem.*export default/s);
  const s = base();
  assert.throws(() => planScenario(s, 'x.ts', 'nope'), /no variant "nope" \(variants: vulnerable, fixed\)/);
  const noTitle = { ...base(), title: { en: 'only english' } } as unknown as Scenario;
  assert.match(problems(noTitle).join('\n'), /title: title needs both \{ en: '…', ja: '…' \}/);
});

test('realClockRate: an integer from 1 to 50, or absent', () => {
  for (const bad of [0, 2.5, 51, -3]) {
    const p = problems({ ...base(), realClockRate: bad }, 'vulnerable');
    assert.ok(
      p.some((m) => /realClockRate must be an integer from 1 to 50/.test(m)),
      `${bad}: ${p.join('; ')}`,
    );
  }
  assert.deepEqual(problems({ ...base(), realClockRate: 20 }, 'vulnerable'), []);
});
