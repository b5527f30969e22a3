// Runner behaviour that scenarios rely on: TCP fallback of the stub client,
// trace legs, samples of watches, registry refusals as claims, lab errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planScenario } from '../../lab/scenario/validate.ts';
import { runPlan } from '../../lab/runner/run.ts';
import type { Scenario } from '../../lab/scenario/types.ts';
import { unitScenario } from '../helpers/scenario.ts';

function world(steps: Scenario['steps'], quirks: NonNullable<Scenario['topology']['servers'][string]['quirks']> = []): Scenario {
  return unitScenario(steps, { id: 'runner-unit', quirks });
}

test('a truncated UDP answer is retried over TCP, like a stub resolver (RFC 7766 §5)', async () => {
  const s = world(
    [
      {
        at: '+0s',
        client: 'alice',
        to: 'ns',
        query: 'www.example.jp A',
        expect: { rcode: 'NOERROR', flags: { tc: false, aa: true }, answer: ['www.example.jp. 300 IN A 192.0.2.10'] },
      },
    ],
    [{ kind: 'always-tc', match: { transport: 'udp' } }],
  );
  const r = await runPlan(planScenario(s, 'unit.ts'), { seed: 1 });
  assert.equal(r.passed, true, JSON.stringify(r.assertions, null, 1));
  const legs = r.trace.filter((t) => t.to === 'ns' || t.from === 'ns').map((t) => `${t.transport}:${t.response ? 'R' : 'Q'}`);
  assert.deepEqual(legs, ['udp:Q', 'udp:R', 'tcp:Q', 'tcp:R']);
});

test('without the quirk the answer comes over UDP only', async () => {
  const s = world([{ at: '+0s', client: 'alice', to: 'ns', query: 'www.example.jp A', expect: { flags: { tc: false } } }]);
  const r = await runPlan(planScenario(s, 'unit.ts'), { seed: 1 });
  assert.equal(r.passed, true);
  assert.ok(r.trace.every((t) => t.transport === 'udp'));
});

test('a server that drops everything: the client records TIMEOUT after 30 s of lab time', async () => {
  const s = world([{ at: '+0s', client: 'alice', to: 'ns', query: 'www.example.jp A', expect: { rcode: 'TIMEOUT' } }], [{ kind: 'drop' }]);
  const r = await runPlan(planScenario(s, 'unit.ts'), { seed: 1 });
  assert.equal(r.passed, true);
  assert.equal(r.samples[0]?.rcode, 'TIMEOUT');
  assert.ok(r.end - r.start >= 30_000);
});

test("a query step's timeout sets how long the client waits; the next step starts when it has timed out", async () => {
  const s = world(
    [
      { at: '+0s', client: 'alice', to: 'ns', query: 'www.example.jp A', timeout: '5s', expect: { rcode: 'TIMEOUT' } },
      { at: '+1s', client: 'alice', to: 'ns', query: 'www.example.jp A', expect: { rcode: 'TIMEOUT' } },
    ],
    [{ kind: 'drop' }],
  );
  const r = await runPlan(planScenario(s, 'unit.ts'), { seed: 1 });
  assert.equal(r.passed, true);
  assert.deepEqual(
    r.samples.map((x) => x.time - r.start),
    [0, 5_000],
  );
  assert.ok(r.end - r.start >= 35_000 && r.end - r.start < 40_000, String(r.end - r.start));
  assert.match(
    problemsOf({ ...s, steps: [{ at: '+0s', client: 'alice', query: 'www.example.jp A', timeout: 'soon' }] }),
    /timeout "soon" is not a positive duration/,
  );
});

function problemsOf(s: Scenario): string {
  try {
    planScenario(s, 'unit.ts');
    return '';
  } catch (e) {
    return String((e as Error).message) + JSON.stringify(e);
  }
}

test('watch samples are taken every interval up to `until`, after same-instant steps', async () => {
  const s = world([
    { at: '+0s', watch: { name: 'w', client: 'alice', query: 'www.example.jp A', every: '10m', until: '+1h' } },
    { at: '+30m', operator: 'ops', action: { do: 'set-records', zone: 'example.jp', records: ['www 300 IN A 192.0.2.99'] } },
    { at: '+1h', expectTimeline: { watch: 'w', never: { from: '+0s', to: '+1h', rcode: 'SERVFAIL' } } },
  ]);
  const r = await runPlan(planScenario(s, 'unit.ts'), { seed: 1 });
  assert.equal(r.passed, true);
  const offsets = r.samples.map((x) => (x.time - r.start) / 60_000);
  assert.deepEqual(offsets, [0, 10, 20, 30, 40, 50, 60]);
  // By the last sample the cached answer (TTL 300) has expired and the edit made at +30m is visible.
  assert.ok(r.samples.at(-1)!.answer.some((a) => a.includes('192.0.2.99')));
});

test('a lab error (here: a registry domain that cannot be created) fails the run with the reason', async () => {
  const s = world([{ at: '+0s', client: 'alice', query: 'www.example.jp A' }]);
  s.topology.zones['jp'] = { servers: ['ns'], text: '@ 300 IN SOA ns1.example.jp. h.example.jp. 1 1 1 1 1\n@ 300 IN NS ns1.example.jp.\n' };
  s.topology.registries = [
    { tld: 'jp', registrars: ['a'], domains: [{ name: 'example.jp', registrar: 'a', registrant: 'x', authCode: 'x', ns: ['ns1.example.jp'] }] },
  ];
  const r = await runPlan(planScenario(s, 'unit.ts'), { seed: 1 });
  assert.equal(r.passed, false);
  assert.match(r.error ?? '', /registering example\.jp at the start failed: nameserver ns1\.example\.jp is inside example\.jp and needs glue/);
});

test('the timeline: a long offset widens the time column; it never runs into the step column', async () => {
  const { runsFor } = await import('../../lab/runner/index.ts');
  const { renderText } = await import('../../lab/runner/report-text.ts');
  const [run] = await runsFor('facebook-query-storm', 'retrying-clients');
  const text = renderText(await runPlan(planScenario(run!.loaded.scenario, run!.loaded.file, run!.variant), { seed: '1' }));
  const timed = text.split('\n').filter((l) => l.startsWith('T+'));
  assert.ok(
    timed.some((l) => /^T\+\S{10,}/.test(l)),
    'this run has offsets as long as the default column (12)',
  );
  // The offset is units only (1d2h3m4s5ms); what follows it must be a space.
  for (const l of timed) assert.match(l, /^T\+(\d+(ms|[dhms]))+ /, `offset runs into the next column: ${l}`);
  assert.equal(new Set(timed.filter((l) => /^T\+\S+ +step /.test(l)).map((l) => l.indexOf('step '))).size, 1, 'every step column starts at one place');
});
