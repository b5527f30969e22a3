// Shared by the corpus tests: Deckard's resolver set on dnslab's emulated
// resolver with one profile; the files that fail must be exactly those listed
// in test/fixtures/deckard/emulator-failures.json for that profile (a new
// failure is a regression; a new pass means the list and RESULTS.md need an
// update), and the whole set must run within the minute.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRpl } from '../../dns/rpl/reader.ts';
import { runRplEmulated } from '../../lab/rpl/emulated.ts';
import type { ProfileName } from '../../servers/recursive/profiles.ts';

export const DECKARD = join(import.meta.dirname, '../fixtures/deckard');

export function expectedFailures(profile: string): string[] {
  const all = JSON.parse(readFileSync(join(DECKARD, 'emulator-failures.json'), 'utf8')) as Record<string, Record<string, string>>;
  return Object.keys(all[profile] ?? {}).sort();
}

export async function checkCorpus(profile: ProfileName): Promise<void> {
  const t0 = Date.now();
  const dir = join(DECKARD, 'resolver');
  const failed: string[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.rpl'))
    .sort();
  for (const f of files) {
    const r = await runRplEmulated(parseRpl(readFileSync(join(dir, f), 'utf8'), f), { profile });
    if (!r.passed) failed.push(f);
  }
  const seconds = (Date.now() - t0) / 1000;
  assert.deepEqual(failed, expectedFailures(profile), `${profile}: failing files differ from emulator-failures.json`);
  assert.ok(seconds < 60, `the whole set took ${seconds} s on the emulator (${profile})`);
}
