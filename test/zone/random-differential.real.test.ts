// Seeded random zone files, compared with named-checkzone -D: owners with
// escapes and mixed case, TTL/class in either order, units, blank owners,
// parentheses, comments, $ORIGIN switches, generic RDATA, and random RDATA
// for most types. Each seed is a separate test so a failure names it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RR } from '../../dns/types.ts';
import { parseZoneText } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-text.ts';
import { encodeRdata } from '../../dns/wire/rdata.ts';
import { normalizeLine } from './bind-normalize.ts';
import { randomZone } from './random-zone.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Records whose RRset is mixed-TTL or duplicated are fine: both sides apply the same rules. */
function ourLines(text: string): string[] {
  const zone = parseZoneText(text, 'example.jp', 'random.zone');
  return [...zone.records()].map((rr: RR) => {
    encodeRdata(rr); // must always encode
    return normalizeLine(formatRecord(rr));
  });
}

for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
  test(`random zone seed ${seed}: same records as named-checkzone -D`, () => {
    const text = randomZone(seed, 250);
    const dir = mkdtempSync(join(tmpdir(), 'dnslab-rand-'));
    dirs.push(dir);
    const file = join(dir, 'random.zone');
    writeFileSync(file, text);
    const bind = spawnSync('named-checkzone', ['-k', 'ignore', '-i', 'none', '-D', '-o', '-', 'example.jp', file], { encoding: 'utf8', timeout: 20_000 });
    if (bind.error) assert.fail(`named-checkzone not runnable (${bind.error.message}): install bind9-utils`);
    assert.equal(bind.status, 0, `named-checkzone rejected seed ${seed}:\n${bind.stdout}${bind.stderr}`);
    const theirs = bind.stdout
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith(';') && !l.startsWith('zone ') && l !== 'OK')
      .map(normalizeLine)
      .sort();
    assert.deepEqual(ourLines(text).sort(), theirs);
  });
}
