// Not in any tier yet (npm run test:corpus, by hand): Deckard's whole resolver set on the four
// real products through lab/rpl/matrix.ts. Real Knot Resolver must pass at
// least 90 % (Deckard's own CI runs this set on kresd, so less is a reader or
// adapter bug); every product must run every file without a harness error
// (a cell with no claims). Pass rates are printed for RESULTS.md. Needs root
// and the Debian packages; takes about an hour on two cores.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { readRplFiles, rplFiles, runRplMatrix } from '../../lab/rpl/matrix.ts';
import { DECKARD } from './corpus.ts';

test('Deckard sets/resolver on real Knot Resolver, Unbound, BIND, PowerDNS', { timeout: 4 * 3_600_000 }, async () => {
  const scenarios = readRplFiles(rplFiles(join(DECKARD, 'resolver')));
  const m = await runRplMatrix(scenarios, ['knot', 'unbound', 'bind', 'powerdns'], { seed: '1', profile: 'knot-resolver', jobs: 3 });
  const rates = m.resolvers.map((r, j) => {
    const cells = m.rows.map((row) => row.cells[j]!);
    return { r, passed: cells.filter((c) => c.passed).length, errors: m.rows.filter((row) => row.cells[j]!.total === 0).map((row) => row.id) };
  });
  for (const x of rates) process.stderr.write(`# ${x.r}: ${x.passed}/${m.rows.length} passed; harness errors: ${x.errors.join(', ') || 'none'}\n`);
  for (const x of rates) assert.deepEqual(x.errors, [], `${x.r}: files that did not run`);
  const knot = rates.find((x) => x.r === 'knot')!;
  assert.ok(knot.passed / m.rows.length >= 0.9, `real Knot Resolver passes ${knot.passed}/${m.rows.length}`);
});
