// The Docker path (lab/runner/docker.ts) with an engine (test/helpers/docker-engine.ts: skips without one,
// except in CI, where .ci/docker-up starts one and its absence fails). With an engine it runs aggressive-nsec-new-name [aggressive] × docker:unbound and docker:bind and
// requires the same cells as the local path (PASS 8/8, agreeing with the emulated profile), and that no
// container or network of the run is left.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineSkip as skip, requireEngine } from '../helpers/docker-engine.ts';
import { renderMatrix, runMatrix } from '../../lab/runner/matrix.ts';
import { runsFor } from '../../lab/runner/index.ts';

// testcontainers is an optional dependency (package.json): with an engine and no testcontainers the test runs
// and fails with the loader's message, rather than skipping.

describe('docker path with an engine', () => {
  it(
    'aggressive-nsec-new-name [aggressive] × docker:unbound, docker:bind: same cells as the local path, nothing left',
    { skip, timeout: 1_800_000 },
    async () => {
      requireEngine();
      const runs = await runsFor('aggressive-nsec-new-name', 'aggressive');
      const m = await runMatrix(runs, ['docker:unbound', 'docker:bind'], { seed: '1' });
      process.stderr.write(renderMatrix(m).replace(/^/gm, '# '));
      for (const c of m.rows[0]!.cells) {
        assert.equal(c.error, undefined, `${c.resolver}: ${c.error}`);
        assert.equal(`${c.passed ? 'PASS' : 'FAIL'} ${c.ok}/${c.total}`, 'PASS 8/8', c.resolver);
        assert.equal(c.emulatedProfile?.agrees, true, `${c.resolver} agrees with its emulated profile`);
        assert.equal(c.real?.docker?.leftover, 0, `${c.resolver}: containers/networks left`);
      }
      assert.match(m.versions['docker:unbound'] ?? '', /1\.17/);
    },
  );
});
