// Validation of the scenario fields the incident library added: spf and audit
// steps, watch retry behaviour, zone copies and key exchange. Each bad input
// must be named with its step (or zone) and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScenario, ScenarioError } from '../../lab/scenario/validate.ts';
import type { Scenario, Step } from '../../lab/scenario/types.ts';
import { UNIT_ZONE, unitScenario } from '../helpers/scenario.ts';

function scenario(steps: Step[], zones?: Scenario['topology']['zones']): Scenario {
  return unitScenario(steps, zones ? { zones } : {});
}

function problems(s: Scenario): string {
  try {
    planScenario(s, 'scenarios/unit.ts');
  } catch (e) {
    assert.ok(e instanceof ScenarioError, String(e));
    return e.message;
  }
  return '';
}

test('well-formed spf, audit, retrying watch and zone copy are accepted', () => {
  const s = scenario(
    [
      { at: '+0s', spf: { client: 'alice', ip: '192.0.2.1', sender: 'a@example.jp' }, expect: { result: 'permerror', reasonContains: 'v=spf1' } },
      {
        at: '+0s',
        audit: { client: 'alice', zones: ['example.jp@b'], delegations: ['example.jp'], released: ['192.0.2.0/24'] },
        expect: { findings: ['lame-delegation'] },
      },
      { at: '+0s', watch: { name: 'w', client: 'alice', query: 'example.jp SOA', every: '1m', until: '+1h', timeout: '5s', retries: 3 } },
      { at: '+1m', operator: 'ops', action: { do: 'publish-keys-of', zone: 'example.jp', of: ['example.jp@b'] } },
    ],
    {
      'example.jp': { servers: ['ns'], text: UNIT_ZONE, signed: true, publishKeysOf: ['example.jp@b'], dnskeyTtl: 7200 },
      'example.jp@b': { origin: 'example.jp', servers: ['ns'], text: UNIT_ZONE, signed: true },
    },
  );
  assert.equal(problems(s), '');
});

test('spf step: bad address, sender, result and client are named', () => {
  const m = problems(
    scenario([
      { at: '+0s', spf: { client: 'alice', ip: '192.0.2', sender: 'nobody' }, expect: { result: 'maybe' as never } },
      { at: '+0s', spf: { client: 'bob', ip: '192.0.2.1', sender: 'a@example.jp' } },
    ]),
  );
  assert.match(m, /step 1 .*spf\.ip "192\.0\.2" is not an IP address/);
  assert.match(m, /step 1 .*spf\.sender "nobody"/);
  assert.match(m, /step 1 .*expect\.result "maybe" is not an SPF result/);
  assert.match(m, /step 2 .*unknown client "bob"/);
});

test('audit step: unknown zone, unknown finding kind, nothing to audit', () => {
  const m = problems(
    scenario([
      { at: '+0s', audit: { client: 'alice', zones: ['nope.jp'] }, expect: { findings: ['dangling-thing' as never] } },
      { at: '+0s', audit: { client: 'alice' } },
    ]),
  );
  assert.match(m, /step 1 .*audit\.zones: unknown zone "nope\.jp"/);
  assert.match(m, /step 1 .*unknown finding kind "dangling-thing"/);
  assert.match(m, /step 2 .*audit needs zones/);
});

test('watch retries and timeout are range-checked', () => {
  const m = problems(
    scenario([
      { at: '+0s', watch: { name: 'a', client: 'alice', query: 'example.jp A', every: '1m', until: '+1h', retries: -1 } },
      { at: '+0s', watch: { name: 'b', client: 'alice', query: 'example.jp A', every: '1m', until: '+1h', timeout: 'soon' } },
    ]),
  );
  assert.match(m, /step 1 .*watch\.retries must be a whole number/);
  assert.match(m, /step 2 .*watch\.timeout "soon"/);
});

test('zone copies: unknown publishKeysOf and publish-keys-of targets are named', () => {
  const m = problems(
    scenario([{ at: '+0s', operator: 'ops', action: { do: 'publish-keys-of', zone: 'example.jp', of: ['example.jp@x'] } }], {
      'example.jp': { servers: ['ns'], text: UNIT_ZONE, publishKeysOf: ['example.jp@missing'] },
    }),
  );
  assert.match(m, /publishKeysOf: unknown zone "example\.jp@missing"/);
  assert.match(m, /step 1 .*unknown zone "example\.jp@x"/);
});
