// auth-unreachable (Facebook 2021: every authoritative server drops queries for
// an hour) against real Unbound and BIND. While the servers are silent each
// sample waits for the product's retransmission timers and the client's timeout;
// the scenario's realClockRate (20) runs lab time and the product's clocks 20×
// faster than the host (servers/real/timeshift.c), so three hours of lab time
// with sixty silent minutes take about half a minute per product on 2 cores
// (at host pace: 4–7 minutes).
//
// What must hold: the emulated resolver passes; Unbound and BIND pass and agree
// with dnslab's resolver on their profiles claim by claim; the run really went
// at the declared rate (so a regression to host pace shows here, not as a
// slow CI job); nothing is left behind.
//
// Needs root and the Debian packages unbound, bind9, gcc and iproute2.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runsFor } from '../../lab/runner/index.ts';
import { renderMatrix, runMatrix, type Matrix } from '../../lab/runner/matrix.ts';

describe('auth-unreachable × emulated, unbound, bind (clock rate 20)', () => {
  let matrix: Matrix;

  it('runs', async () => {
    const runs = await runsFor('auth-unreachable');
    assert.equal(runs[0]?.loaded.scenario.realClockRate, 20);
    matrix = await runMatrix(runs, ['emulated', 'unbound', 'bind'], { seed: '1' });
    process.stderr.write(renderMatrix(matrix).replace(/^/gm, '# '));
  });

  it('the emulated resolver passes', () => {
    const c = matrix.rows[0]!.cells.find((x) => x.resolver === 'emulated')!;
    assert.ok(c.passed, c.failed.join('; '));
  });

  for (const product of ['unbound', 'bind'] as const) {
    it(`${product}: passes, agrees with the emulated ${product} profile claim by claim, at rate 20, nothing left`, () => {
      const c = matrix.rows[0]!.cells.find((x) => x.resolver === product)!;
      assert.equal(c.error, undefined, c.error);
      assert.ok(c.passed, c.failed.join('; '));
      assert.ok(c.total >= 7);
      assert.deepEqual(c.emulatedProfile?.differences, []);
      assert.equal(c.real?.clockRate, 20);
      // At host pace the sixty silent minutes cost 4–7 minutes (measured); 150 s leaves room for a loaded machine.
      assert.ok(c.seconds < 150, `${product} took ${c.seconds} s`);
      assert.deepEqual(c.real?.leftover, []);
    });
  }
});
