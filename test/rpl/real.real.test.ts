// A sample of Deckard's resolver set on real Knot Resolver and Unbound, through
// `dnslab run DIR --resolver …`'s matrix (lab/rpl/matrix.ts): each file passes on
// both, in a no-route namespace, and the cell lists no harness error. Needs
// root and the Debian packages knot-resolver and unbound.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { readRplFiles, runRplMatrix } from '../../lab/rpl/matrix.ts';
import { renderMatrix } from '../../lab/runner/matrix.ts';
import { DECKARD } from './corpus.ts';

const SAMPLE = ['iter_cname_cache.rpl', 'black_ds.rpl'];

test('Deckard sample on real Knot Resolver and Unbound: every file passes', { timeout: 180_000 }, async () => {
  const scenarios = readRplFiles(SAMPLE.map((f) => join(DECKARD, 'resolver', f)));
  const m = await runRplMatrix(scenarios, ['knot', 'unbound'], { seed: '1', profile: 'knot-resolver', jobs: 2 });
  process.stderr.write(renderMatrix(m).replace(/^/gm, '# '));
  for (const row of m.rows)
    for (const c of row.cells) {
      assert.equal(c.error, undefined, `${row.id} × ${c.resolver}: ${c.error}`);
      assert.equal(c.passed, true, `${row.id} × ${c.resolver}: ${c.failed.join('; ')}`);
      assert.ok(c.total >= 2, `${row.id} × ${c.resolver}: ${c.total} claims`);
    }
});
