// Unbound's QTYPE A probe at the last QNAME-minimisation step (servers/real/README.md,
// middlebox-checkpoints [lb-session-table]): real Unbound 1.17.1 asks
// "mid.example.jp A" before "mid.example.jp TXT" — iterator.c processQueryTargets
// stops minimising only when the remaining label difference is < 1 (< 2 for QTYPE A
// and DS). Behind a 3-slot session table that extra flow is what makes the mid
// query fail. The unbound profile sets qnameMinimisationTypeAProbe; the others do not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingsFor } from '../../servers/recursive/profiles.ts';
import type { ResolverSettings } from '../../servers/recursive/settings.ts';
import { runOnProfile } from '../helpers/scenario.ts';

/** The questions the resolver sent to ns-example for mid.example.jp in middlebox-checkpoints [fixed], in order. */
async function midQuestions(profile: string, settings: Partial<ResolverSettings> = {}): Promise<string[]> {
  const result = await runOnProfile('middlebox-checkpoints', 'fixed', { resolver: 'isp', profile, settings });
  assert.equal(result.passed, true, 'the fixed variant passes either way');
  return result.trace
    .filter((e) => !e.response && e.from === 'isp' && e.to === 'ns-example' && e.qname === 'mid.example.jp')
    .map((e) => `${e.qname} ${e.qtype}`);
}

describe('qnameMinimisationTypeAProbe (Unbound iterator.c) on middlebox-checkpoints [fixed]', () => {
  it('unbound profile: mid.example.jp A, then mid.example.jp TXT', async () => {
    assert.equal(settingsFor('unbound').qnameMinimisationTypeAProbe, true);
    assert.deepEqual(await midQuestions('unbound'), ['mid.example.jp A', 'mid.example.jp TXT']);
  });

  it('with the switch off (and in the other profiles): the TXT question only', async () => {
    assert.deepEqual(await midQuestions('unbound', { qnameMinimisationTypeAProbe: false }), ['mid.example.jp TXT']);
    for (const p of ['bind', 'knot-resolver', 'powerdns', 'google-public-dns'] as const) assert.equal(settingsFor(p).qnameMinimisationTypeAProbe, false);
    assert.deepEqual(await midQuestions('bind'), ['mid.example.jp TXT']);
  });
});
