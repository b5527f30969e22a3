// The TypeScript originals of the bundled YAML scenarios (test/fixtures/scenarios-ts/), for the tests that
// prove the conversion.
import { basename, join } from 'node:path';
import { scenarioFiles } from '../../lab/scenario/load.ts';

export const TS_DIR = new URL('../fixtures/scenarios-ts/', import.meta.url).pathname;

/** The original of each bundled YAML scenario. */
export function pairs(): { yaml: string; ts: string }[] {
  return scenarioFiles().map((yaml) => ({ yaml, ts: join(TS_DIR, basename(yaml).replace(/\.yaml$/, '.ts')) }));
}

/** A copy with every zone text's leading newline dropped. */
export function withoutLeadingNewline(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutLeadingNewline);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'text' && typeof x === 'string' ? x.replace(/^\n/, '') : withoutLeadingNewline(x)]));
}
