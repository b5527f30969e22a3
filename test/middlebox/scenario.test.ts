// Middleboxes in scenarios: `topology.middleboxes` puts a box on the path
// between two machines (lab/runner/world.ts → servers/middlebox/attach.ts).
// A home router (512-octet UDP cap, TCP/53 rejected) between the resolver
// and the server of a signed zone with a large TXT answer makes it SERVFAIL;
// the same router with TCP allowed does not; bad options are rejected with
// the setting named before anything runs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findScenario, planScenario, runPlan, ScenarioError } from '../../lab/runner/index.ts';
import type { Scenario } from '../../lab/scenario/types.ts';

function scenario(options: Record<string, string | number | boolean>, expectRcode: string): Scenario {
  const txt = Array.from({ length: 4 }, (_, i) => `"${String(i)}${'x'.repeat(200)}"`).join(' ');
  return {
    id: 'home-router-dnssec',
    title: { en: 'A home router breaks large DNSSEC answers', ja: 'ホームルータが大きな DNSSEC 応答を壊す' },
    narrative: { en: 'test', ja: 'test' },
    references: ['docs/incidents.md: "Middlebox checkpoints"'],
    topology: {
      servers: { 'ns-example': { host: 'ns1.example.jp', addresses: ['192.0.2.53'] } },
      zones: {
        'example.jp': {
          servers: ['ns-example'],
          signed: true,
          text: `$TTL 300\n@ IN SOA ns1.example.jp. hostmaster.example.jp. 1 3600 900 604800 300\n@ IN NS ns1.example.jp.\nns1 IN A 192.0.2.53\nbig IN TXT ${txt}\n`,
        },
      },
      resolvers: { resolver: { addresses: ['10.0.0.53'], profile: 'unbound' } },
      clients: { alice: { addresses: ['10.0.0.10'], resolver: 'resolver' } },
      middleboxes: { router: { kind: 'home-router', between: ['resolver', 'ns-example'], options } },
    },
    steps: [{ at: '+0s', client: 'alice', query: 'big.example.jp TXT', dnssec: true, expect: { rcode: expectRcode } }],
  } as unknown as Scenario;
}

describe('middleboxes in scenarios', { timeout: 60_000 }, () => {
  it('home router between resolver and server: the ~900-octet signed TXT answer is SERVFAIL', async () => {
    const r = await runPlan(planScenario(scenario({}, 'SERVFAIL'), 'test/middlebox/scenario.test.ts'), { seed: 1 });
    assert.equal(r.passed, true, JSON.stringify(r.assertions, null, 1));
  });
  it('the same router with TCP allowed: NOERROR (TC=1, then TCP)', async () => {
    const r = await runPlan(planScenario(scenario({ tcp: 'allow' }, 'NOERROR'), 'test/middlebox/scenario.test.ts'), { seed: 1 });
    assert.equal(r.passed, true, JSON.stringify(r.assertions, null, 1));
  });
  it('bad options are refused before the run, naming the setting', () => {
    assert.throws(
      () => planScenario(scenario({ capAnswers: -1 }, 'NOERROR'), 'test/middlebox/scenario.test.ts'),
      (e: unknown) => e instanceof ScenarioError && /topology\.middleboxes\["router"\]: capAnswers: got -1; expected an integer 12\.\.65535/.test(e.message),
    );
    assert.throws(
      () => planScenario(scenario({ strip: 'ds' }, 'NOERROR'), 'x.ts'),
      (e: unknown) => e instanceof ScenarioError && /strip: got "ds"; expected one of opt, do, rrsig/.test(e.message),
    );
  });

  it("scenario middlebox-large-answers: both variants hold, and without the box the vulnerable variant's SERVFAIL claim fails", async () => {
    const loaded = await findScenario('middlebox-large-answers');
    for (const variant of ['vulnerable', 'fixed']) {
      const r = await runPlan(planScenario(loaded.scenario, loaded.file, variant), { seed: 1 });
      assert.equal(r.passed, true, `${variant}: ${JSON.stringify(r.assertions.filter((a) => !a.ok))}`);
    }
    const plan = planScenario(loaded.scenario, loaded.file, 'vulnerable');
    const topology = structuredClone(plan.topology);
    delete topology.middleboxes;
    const r = await runPlan({ ...plan, topology }, { seed: 1 });
    assert.equal(r.error, undefined);
    const failed = r.assertions.filter((a) => !a.ok);
    assert.equal(failed.length, 1, JSON.stringify(r.assertions));
    assert.match(failed[0]!.what + failed[0]!.expected, /SERVFAIL/);
  });
});
