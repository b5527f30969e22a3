// Middleboxes against real resolvers: the same box implementations
// (servers/middlebox/) at the edge of the lab's sockets (net/socket-edge.ts),
// between a real Unbound / BIND in its namespace and the lab's authoritative.
// middlebox-large-answers: a home router capping UDP answers at 512 octets
// (TC=1) and rejecting TCP/53 (vulnerable) or letting TCP through (fixed).
//
// What must hold: both products pass both variants and agree claim by claim
// with dnslab's resolver on their profiles; in the vulnerable run the box
// really acted (it truncated answers and refused the products' TCP retries,
// counted at the socket edge) — without the box the large answer would
// validate, so a pass cannot come from the box silently doing nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMatrix, renderMatrix, type Matrix } from '../../lab/runner/matrix.ts';
import { runsFor } from '../../lab/runner/index.ts';

describe('middleboxes on the socket path × unbound, bind', () => {
  let matrix: Matrix;

  it('runs middlebox-large-answers (vulnerable, fixed)', async () => {
    const runs = [...(await runsFor('middlebox-large-answers', 'vulnerable')), ...(await runsFor('middlebox-large-answers', 'fixed'))];
    matrix = await runMatrix(runs, ['emulated', 'unbound', 'bind'], { seed: '1' });
    process.stderr.write(renderMatrix(matrix).replace(/^/gm, '# '));
    assert.equal(matrix.rows.length, 2);
  });

  it('every cell passes, without error, and agrees with the emulated profile claim by claim', () => {
    for (const r of matrix.rows) {
      for (const c of r.cells) {
        const where = `${r.id} [${r.variant}] × ${c.resolver}`;
        assert.equal(c.error, undefined, `${where}: ${c.error}`);
        assert.ok(c.passed, `${where} failed: ${c.failed.join('; ')}`);
        if (c.resolver !== 'emulated')
          assert.ok(c.emulatedProfile?.agrees, `${where} disagrees with its profile: ${JSON.stringify(c.emulatedProfile?.differences)}`);
      }
    }
  });

  it('the box acted on the real path: TCP/53 refused in the vulnerable variant, nothing refused in the fixed one', () => {
    for (const r of matrix.rows) {
      for (const c of r.cells.filter((x) => x.resolver !== 'emulated')) {
        const stats = c.real?.middleboxes;
        assert.ok(stats, `${r.variant} × ${c.resolver}: no socket-edge statistics`);
        assert.ok(stats.intercepted > 0, `${r.variant} × ${c.resolver}: no packet crossed the box`);
        const tcpDrops = Object.entries(stats.dropped)
          .filter(([box]) => box.endsWith('/tcp'))
          .reduce((n, [, k]) => n + k, 0);
        if (r.variant === 'vulnerable') assert.ok(tcpDrops > 0, `${c.resolver}: the product's TCP retry was never refused (${JSON.stringify(stats)})`);
        else assert.equal(tcpDrops, 0, `${c.resolver}: TCP refused in the fixed variant (${JSON.stringify(stats)})`);
      }
    }
  });
});
