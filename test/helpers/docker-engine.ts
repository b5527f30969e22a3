// The heavy tier's Docker tests (*.full.test.ts): skip without a reachable engine on a developer's machine,
// but never in CI (CI=true), where .ci/docker-up has started one and an unreachable engine is a failure.

import assert from 'node:assert/strict';
import { dockerEngineReachable } from '../../lab/runner/docker.ts';

const reach = await dockerEngineReachable(undefined, 2_000);
const inCi = !!process.env.CI && process.env.CI !== 'false';

/** `skip` option for it(): false with an engine or in CI, else the reason. */
export const engineSkip: false | string = reach.ok || inCi ? false : `no Docker engine reachable (${reach.reason})`;

/** First line of a Docker test: fails in CI when no engine answers (the test was not skipped). */
export function requireEngine(): void {
  assert.ok(reach.ok, `CI=true and ${reach.reason}: .ci/docker-up should have started the engine`);
}
