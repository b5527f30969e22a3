// The matrix judges a product cell by the claims the scenario declares for
// that product and the steps declared varying (lab/runner/varying.ts): claims
// match whole ("step N <claim>"), never by substring, and a declaration on a
// varying step is refused — it would bind nothing. The CLI's matrix (text,
// JSON, HTML) shows which steps are varying and why. No real product runs here.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allRuns } from '../../lab/runner/index.ts';
import { claimKey, renderMatrix, runMatrix, unexpectedClaims, untilAsExpected, type MatrixCell } from '../../lab/runner/matrix.ts';
import { renderHtml } from '../../lab/runner/report-html.ts';
import { runPlan } from '../../lab/runner/run.ts';
import { checkDeclarations, stepOfClaim, VARYING, varyingFor } from '../../lab/runner/varying.ts';
import { planScenario } from '../../lab/scenario/validate.ts';
import { PRODUCTS } from '../../servers/real/products.ts';
import { runsFor } from '../../lab/runner/index.ts';

const claim = (step: number, what: string, ok: boolean) => ({ step, offset: `T+${step}s`, what, ok });
// Four "answer section" claims, one of them failing, as in registrar-hijack [signed-ds-kept] × bind.
const run = {
  assertions: [
    claim(2, 'answer section', true),
    claim(10, 'answer section', true),
    claim(12, 'answer section', true),
    claim(14, 'answer section (saw 192.0.2.66)', false),
    claim(15, 'rcode', true),
    claim(15, 'flags', false),
  ],
} as Parameters<typeof unexpectedClaims>[0];

describe('declared failing claims match exactly', () => {
  it('claimKey: the step and the claim, without the offset or what a failure adds', () => {
    assert.equal(claimKey(run.assertions[3]!), 'step 14 answer section');
  });

  it('an exact declaration binds that one claim and nothing else', () => {
    assert.deepEqual(unexpectedClaims(run, { claims: ['step 14 answer section', 'step 15 flags'], because: '' }), []);
    // The step-15 rcode claim is not absorbed by a declaration of its step's other claim.
    assert.deepEqual(unexpectedClaims(run, { claims: ['step 14 answer section', 'step 15 rcode'], because: '' }), [
      'failed step 15 flags',
      'declared to fail, held: step 15 rcode',
    ]);
  });

  it('a substring or a bare step is no declaration: it names no claim', () => {
    const u = unexpectedClaims(run, { claims: ['answer section', 'step 15 '], because: '' });
    assert.ok(u.includes('declared claim "answer section" does not name its step ("step N <claim>")'), u.join('\n'));
    assert.ok(u.includes('failed step 14 answer section'), u.join('\n'));
    assert.ok(u.includes('failed step 15 flags'), 'a bare "step 15 " absorbs nothing');
  });

  it('a declaration on a varying step is refused; a failure there is not judged', () => {
    const varying = { steps: [15], why: 'test' };
    assert.deepEqual(checkDeclarations(['step 15 flags'], varying), [
      'declared claim "step 15 flags" is on step 15, declared varying: the declaration binds nothing',
    ]);
    assert.deepEqual(unexpectedClaims(run, { claims: ['step 14 answer section'], because: '' }, varying), []);
  });
});

describe("the scenarios' declarations and VARYING", () => {
  it('every declared failing claim is exact, is a claim of its run, and is on no varying step', async () => {
    let declared = 0;
    for (const r of await allRuns()) {
      const products = (r.loaded.scenario.variants?.[r.variant] as { products?: Record<string, { failingClaims: string[] }> } | undefined)?.products ?? {};
      if (!Object.keys(products).length) continue;
      const result = await runPlan(planScenario(r.loaded.scenario, r.loaded.file, r.variant), { seed: '1' });
      const claims = new Set(result.assertions.map(claimKey));
      for (const [product, d] of Object.entries(products)) {
        const where = `${r.loaded.scenario.id} [${r.variant}] × ${product}`;
        assert.ok((PRODUCTS as readonly string[]).includes(product), where);
        assert.deepEqual(checkDeclarations(d.failingClaims, varyingFor(r.loaded.scenario.id, r.variant, product as never)), [], where);
        for (const c of d.failingClaims) assert.ok(claims.has(c), `${where}: "${c}" is no claim of the run`);
        declared += d.failingClaims.length;
      }
    }
    assert.ok(declared >= 60, `${declared} declared claims`);
  });

  it('every VARYING entry names an existing scenario, variant and product, and steps that have claims', async () => {
    const runs = new Map((await allRuns()).map((r) => [`${r.loaded.scenario.id} [${r.variant}]`, r]));
    for (const [key, v] of Object.entries(VARYING)) {
      const m = /^(.*) × (\w+)$/.exec(key)!;
      assert.ok(runs.has(m[1]!) && (PRODUCTS as readonly string[]).includes(m[2]!), key);
      assert.ok(v.why.length > 40, `${key}: a traced cause, not a shrug`);
      const r = runs.get(m[1]!)!;
      const result = await runPlan(planScenario(r.loaded.scenario, r.loaded.file, r.variant), { seed: '1' });
      for (const s of v.steps)
        assert.ok(
          result.assertions.some((a) => a.step === s),
          `${key}: step ${s} has no claim`,
        );
    }
    assert.equal(stepOfClaim('step 12 rcode'), 12);
  });
});

describe('the CLI matrix shows the varying steps', () => {
  it('terminal: "~" on the cell and a note with the steps and why; JSON: the cell carries them; HTML: the cell title', async () => {
    const matrix = await runMatrix(await runsFor('facebook-query-storm', 'serve-stale'), ['emulated'], { seed: '1' });
    const emulated = matrix.rows[0]!.cells[0]!;
    const varying = varyingFor('facebook-query-storm', 'serve-stale', 'knot')!;
    matrix.resolvers.push('knot');
    matrix.rows[0]!.cells.push({
      ...emulated,
      resolver: 'knot',
      varying,
      emulatedProfile: { profile: 'knot-resolver', passed: true, agrees: true, differences: [], outcome: emulated.outcome },
    });
    const text = renderMatrix(matrix);
    assert.match(text, /PASS 10\/10~ =emu/);
    assert.match(text, /^~ : steps declared varying for this product/m);
    assert.ok(text.includes(`facebook-query-storm [serve-stale] × knot: steps 6, 7, 10, 23 declared varying (not judged) — ${varying.why}`));
    const json = JSON.parse(JSON.stringify({ rows: matrix.rows })) as { rows: { cells: { resolver: string; varying?: unknown }[] }[] };
    assert.deepEqual(json.rows[0]!.cells[1]!.varying, varying);
    const html = renderHtml(matrix.results, { matrix });
    assert.match(html, /steps 6, 7, 10, 23 declared varying \(not judged\): upstream count/);
    assert.match(html, /PASS 10\/10~<\/a>/);
  });
});

describe('a real cell that is not as expected runs again (--retries), and says so', () => {
  const base: MatrixCell = { resolver: 'bind', passed: false, ok: 3, total: 4, failed: [], outcome: [], seconds: 1, asExpected: true, unexpected: [] };
  const bad: MatrixCell = { ...base, asExpected: false, unexpected: ['declared to fail, held: step 14 answer section'] };
  const good: MatrixCell = { ...base };
  const runs = (...cells: MatrixCell[]) => {
    let n = 0;
    return { count: () => n, once: async () => ({ cell: { ...cells[n++]! } }) };
  };

  it('runs again while not as expected, at most `retries` more times, keeping what each earlier run saw', async () => {
    const flaky = runs(bad, good);
    const r = await untilAsExpected(flaky.once, 1);
    assert.equal(flaky.count(), 2);
    assert.equal(r.cell.asExpected, true);
    assert.deepEqual(r.cell.retried, [{ unexpected: bad.unexpected, seconds: 1 }]);

    const broken = runs(bad, bad, bad);
    const b = await untilAsExpected(broken.once, 2);
    assert.equal(broken.count(), 3, 'stops after the retries');
    assert.equal(b.cell.asExpected, false);
    assert.equal(b.cell.retried?.length, 2);

    const none = runs(bad, good);
    assert.equal((await untilAsExpected(none.once, 0)).cell.asExpected, false, 'retries 0: one run');
    const fine = runs(good, bad);
    const f = await untilAsExpected(fine.once, 3);
    assert.equal(fine.count(), 1, 'a cell as expected runs once');
    assert.equal(f.cell.retried, undefined);
  });

  it('terminal and HTML show ↻N and what the earlier run saw', async () => {
    const matrix = await runMatrix(await runsFor('registrar-hijack', 'signed-ds-removed'), ['emulated'], { seed: '1' });
    const emulated = matrix.rows[0]!.cells[0]!;
    matrix.resolvers.push('bind');
    matrix.rows[0]!.cells.push({ ...emulated, resolver: 'bind', retried: [{ unexpected: bad.unexpected, seconds: 1 }] });
    const text = renderMatrix(matrix);
    assert.match(text, /PASS \d+\/\d+ ↻1/);
    assert.match(text, /^↻N : the cell ran N more times/m);
    assert.ok(text.includes('registrar-hijack [signed-ds-removed] × bind: run 1 of 2 was not as expected: declared to fail, held: step 14 answer section'));
    assert.match(renderHtml(matrix.results, { matrix }), /run 1 was not as expected: declared to fail, held: step 14 answer section/);
  });

  it('--retries is checked: 0 to 3', async () => {
    await assert.rejects(runMatrix([], ['emulated'], { seed: '1', retries: 4 }), /retries must be an integer from 0 to 3/);
  });
});
