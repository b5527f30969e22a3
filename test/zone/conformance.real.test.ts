// Our master-file parser and zone checks against the real thing, on the same
// files: BIND's named-checkzone and Knot's zone checker (kzonecheck when
// installed, otherwise `knotc zone-check`, which runs the same semantic
// checks; Debian 12's knot 3.2.6 does not ship the kzonecheck binary).
//
// Good zones (test/fixtures/zones/good): the record set we parse must equal
// the one `named-checkzone -D -o - ORIGIN FILE` prints, compared as
// presentation lines (only blanks and BIND's 56-column splitting of
// base64/hex are normalized). Knot must accept them and our checks must find
// no errors. Our writer's output must round-trip through BIND to the same set.
//
// Bad zones (test/fixtures/zones/bad, one defect each, named on a
// `; defect: CODE` line): whatever BIND or Knot rejects we reject too, and we
// report exactly the named defect. Deliberate differences are listed in
// STRICTER below, each with the reason.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkZone, type ZoneProblemCode } from '../../dns/zone/check.ts';
import { loadZoneFile, ZoneSyntaxError } from '../../dns/zone/master-file.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { writeMasterFile } from '../../dns/zone/writer.ts';
import { normalizeLine } from './bind-normalize.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/zones');
const GOOD = join(FIXTURES, 'good');
const BAD = join(FIXTURES, 'bad');

function requireBinary(bin: string, pkg: string): void {
  const r = spawnSync(bin, ['-h'], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    assert.fail(`${bin} is not installed: install the Debian package '${pkg}' (apt-get install ${pkg})`);
  }
}

function header(file: string, key: string): string | undefined {
  const m = new RegExp(`^; ${key}: (.+)$`, 'm').exec(readFileSync(file, 'utf8'));
  return m?.[1]?.trim();
}

function zoneFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zone'))
    .sort()
    .map((f) => join(dir, f));
}

interface ToolResult {
  ok: boolean;
  output: string;
  timedOut?: boolean;
}

/** named-checkzone; `-k ignore` because check-names is host-name policy, not syntax; `-i local` so it never resolves out-of-zone MX/SRV/NS targets over the network (and stays fast). cwd = the file's folder, as BIND resolves $INCLUDE from its working directory. */
function bindCheck(origin: string, file: string, dump: boolean): ToolResult & { stdout: string } {
  const args = ['-k', 'ignore', '-i', 'local', ...(dump ? ['-D', '-o', '-'] : []), origin, file];
  const r = spawnSync('named-checkzone', args, { encoding: 'utf8', cwd: resolve(file, '..'), timeout: 20_000 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const knotDirs: string[] = [];
after(() => {
  for (const d of knotDirs) rmSync(d, { recursive: true, force: true });
});

/** kzonecheck when the system has it (newer Knot packages); Debian 12's knot 3.2.6 has only knotc. */
const HAVE_KZONECHECK = !spawnSync('kzonecheck', ['--version'], { encoding: 'utf8' }).error;

function knotCheck(origin: string, file: string): ToolResult {
  if (HAVE_KZONECHECK) {
    const r = spawnSync('kzonecheck', ['-o', origin, file], { encoding: 'utf8', timeout: 5_000 });
    const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, timedOut };
  }
  const dir = mkdtempSync(join(tmpdir(), 'dnslab-knot-'));
  knotDirs.push(dir);
  writeFileSync(join(dir, 'knot.conf'), `server:\n    rundir: ${dir}\ndatabase:\n    storage: ${dir}\nzone:\n  - domain: ${origin}\n    file: ${file}\n`);
  // Knot 3.2.6 loops forever on an $INCLUDE cycle; a bounded wait turns that into "not accepted".
  const r = spawnSync('knotc', ['-c', join(dir, 'knot.conf'), 'zone-check', origin], { encoding: 'utf8', timeout: 5_000 });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, timedOut };
}

/** Zone lines named-checkzone -D printed (comments and status lines dropped). */
function bindRecordLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith(';') && !l.startsWith('zone ') && l !== 'OK')
    .map(normalizeLine)
    .sort();
}

function ourRecordLines(file: string, origin: string): string[] {
  const zone = loadZoneFile(file, origin);
  return [...zone.records()].map((rr) => normalizeLine(formatRecord(rr))).sort();
}

describe('good zones: our records equal named-checkzone -D', () => {
  requireBinary('named-checkzone', 'bind9-utils');
  requireBinary('knotc', 'knot');
  const files = zoneFiles(GOOD);
  test('the corpus has the zones it should', () => {
    assert.ok(files.length >= 6, `expected at least 6 good zones, found ${files.length}`);
  });
  for (const file of files) {
    const origin = header(file, 'origin');
    const name = file.slice(GOOD.length + 1);
    test(`${name}: same record set as named-checkzone, accepted by Knot, no check problems`, () => {
      assert.ok(origin, `${name} needs a '; origin: NAME' line`);
      const bind = bindCheck(origin, file, true);
      assert.ok(bind.ok, `named-checkzone rejected a good zone:\n${bind.output}`);
      const theirs = bindRecordLines(bind.stdout);
      const ours = ourRecordLines(file, origin);
      assert.ok(theirs.length > 3, 'named-checkzone printed too few records');
      assert.deepEqual(ours, theirs);

      if (header(file, 'knot-skip') === undefined) {
        const knot = knotCheck(origin, file);
        assert.ok(knot.ok, `Knot rejected a good zone:\n${knot.output}`);
      }

      // Good zones are clean: no errors and no warnings either.
      assert.deepEqual(checkZone(loadZoneFile(file, origin)), []);
    });
    test(`${name}: writeMasterFile output reads back the same in BIND and in our parser`, () => {
      assert.ok(origin);
      const zone = loadZoneFile(file, origin);
      const dir = mkdtempSync(join(tmpdir(), 'dnslab-zone-rt-'));
      knotDirs.push(dir);
      const out = join(dir, 'written.zone');
      writeFileSync(out, writeMasterFile(zone));
      const bind = bindCheck(origin, out, true);
      assert.ok(bind.ok, `named-checkzone rejected our written file:\n${bind.output}`);
      assert.deepEqual(bindRecordLines(bind.stdout), ourRecordLines(file, origin));
      assert.deepEqual(ourRecordLines(out, origin), ourRecordLines(file, origin));
    });
  }
});

/**
 * Defects where we are deliberately stricter than both BIND and Knot (they
 * load the zone, we refuse it), with the reason.
 */
const STRICTER: Partial<Record<string, string>> = {
  'out-of-zone.zone': 'BIND and Knot print "ignoring out-of-zone data" and drop the record; we never drop data silently, so loading fails with file:line',
  'nsec3-bad-owner.zone':
    "RFC 5155 §3 puts NSEC3 only at <hash>.<apex>; BIND refuses it here only through check-names (switched off in this test with -k ignore), or with 'invalid NSEC3 owner name' for some owners, and drops NSEC3 at the apex silently; Knot loads it",
  'missing-glue.zone':
    'BIND prints "has no REQUIRED GLUE address records" yet exits 0 and Knot is silent; the delegation cannot be followed, so it is an error here (as named\'s own check-integrity treats the apex case)',
};

/** Defects both tools accept and we report as a warning (the same severity they give, or none). */
const WARNINGS = new Set<ZoneProblemCode>(['TTL_MISMATCH', 'NS_TARGET_IS_CNAME', 'MX_TARGET_IS_CNAME', 'DS_NOT_AT_DELEGATION']);

describe('bad zones: we reject what BIND or Knot reject, and name the defect', () => {
  requireBinary('named-checkzone', 'bind9-utils');
  requireBinary('knotc', 'knot');
  const files = zoneFiles(BAD);
  test('the corpus has the defects it should', () => {
    assert.ok(files.length >= 20, `expected at least 20 bad zones, found ${files.length}`);
  });
  for (const file of files) {
    const name = file.slice(BAD.length + 1);
    test(name, () => {
      const origin = header(file, 'origin');
      const defect = header(file, 'defect');
      assert.ok(origin && defect, `${name} needs '; origin:' and '; defect:' lines`);
      const bind = bindCheck(origin, file, false);
      const knot = knotCheck(origin, file);

      let syntaxError: ZoneSyntaxError | undefined;
      let codes: { code: string; severity: string }[] = [];
      try {
        codes = checkZone(loadZoneFile(file, origin)).map((p) => ({ code: p.code, severity: p.severity }));
      } catch (e) {
        if (!(e instanceof ZoneSyntaxError)) throw e;
        syntaxError = e;
      }
      const weReject = syntaxError !== undefined || codes.some((c) => c.severity === 'error');

      if (defect === 'SYNTAX') {
        assert.ok(syntaxError, `expected a ZoneSyntaxError, got problems ${JSON.stringify(codes)}`);
        assert.ok(syntaxError.line > 0 && syntaxError.column > 0, 'the error must name a line and column');
        assert.match(syntaxError.message, /^[^:]+:\d+:\d+: /);
      } else if (defect === 'OUT_OF_ZONE') {
        assert.ok(syntaxError && /outside zone/.test(syntaxError.message), `expected a load error naming the out-of-zone record, got ${String(syntaxError)}`);
      } else {
        assert.equal(syntaxError, undefined, `unexpected syntax error: ${syntaxError?.message}`);
        const found = codes.filter((c) => c.code === defect);
        assert.equal(found.length, 1, `expected exactly one ${defect}, got ${JSON.stringify(codes)}`);
        assert.equal(found[0]!.severity, WARNINGS.has(defect as ZoneProblemCode) ? 'warning' : 'error');
        assert.deepEqual(
          codes.filter((c) => c.code !== defect),
          [],
          'a bad fixture must have one defect only',
        );
      }

      if (!bind.ok || !knot.ok) {
        assert.ok(
          weReject,
          `BIND ${bind.ok ? 'accepts' : 'rejects'}, Knot ${knot.ok ? 'accepts' : knot.timedOut ? 'hangs' : 'rejects'}, but we accept:\n${bind.output}\n${knot.output}`,
        );
      } else if (weReject) {
        assert.ok(STRICTER[name], `BIND and Knot accept ${name} but we reject it; add it to STRICTER with a reason, or fix us`);
      }
    });
  }
});
