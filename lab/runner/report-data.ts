// Machine-readable reports: one JSON document for any number of runs, and
// JUnit XML (one <testsuite> per scenario+variant, one <testcase> per
// assertion) for CI dashboards. Neither contains wall-clock time, so the same
// scenario and seed give byte-identical output.

import type { RunResult } from './result.ts';

export interface JsonReport {
  passed: boolean;
  runs: {
    id: string;
    variant: string;
    file: string;
    seed: string;
    passed: boolean;
    error?: string;
    start: string;
    end: string;
    assertions: { step: number; at: string; time: string; offset: string; what: string; ok: boolean; expected: string; actual: string }[];
    queries: number;
  }[];
}

export function toJson(results: readonly RunResult[]): JsonReport {
  return {
    passed: results.every((r) => r.passed),
    runs: results.map((r) => ({
      id: r.id,
      variant: r.variant,
      file: r.file,
      seed: r.seed,
      passed: r.passed,
      ...(r.error ? { error: r.error } : {}),
      start: new Date(r.start).toISOString(),
      end: new Date(r.end).toISOString(),
      assertions: r.assertions.map((a) => ({
        step: a.step,
        at: a.at,
        time: new Date(a.time).toISOString(),
        offset: a.offset,
        what: a.what,
        ok: a.ok,
        expected: a.expected,
        actual: a.actual,
      })),
      queries: r.trace.filter((t) => !t.response).length,
    })),
  };
}

export function renderJson(results: readonly RunResult[]): string {
  return JSON.stringify(toJson(results), null, 2) + '\n';
}

export function xmlEscape(s: string): string {
  return (
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 forbids most control characters even when escaped.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
  );
}

export function renderJunit(results: readonly RunResult[]): string {
  const total = results.reduce((n, r) => n + Math.max(1, r.assertions.length), 0);
  const failures = results.reduce((n, r) => n + r.assertions.filter((a) => !a.ok).length, 0);
  const errors = results.filter((r) => r.error).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="dnslab" tests="${total}" failures="${failures}" errors="${errors}">`];
  for (const r of results) {
    const name = `${r.id} [${r.variant}]`;
    const f = r.assertions.filter((a) => !a.ok).length;
    out.push(
      `  <testsuite name="${xmlEscape(name)}" tests="${Math.max(1, r.assertions.length)}" failures="${f}" errors="${r.error ? 1 : 0}" file="${xmlEscape(r.file)}">`,
    );
    if (r.error) {
      out.push(`    <testcase classname="${xmlEscape(r.id)}.${xmlEscape(r.variant)}" name="run">`);
      out.push(`      <error message="${xmlEscape(r.error.split('\n')[0] ?? '')}">${xmlEscape(r.error)}</error>`);
      out.push('    </testcase>');
    }
    for (const a of r.assertions) {
      out.push(`    <testcase classname="${xmlEscape(r.id)}.${xmlEscape(r.variant)}" name="${xmlEscape(`step ${a.step} ${a.offset}: ${a.what}`)}">`);
      if (!a.ok) {
        out.push(
          `      <failure message="${xmlEscape(`${a.what}: expected ${a.expected.split('\n')[0]}, got ${a.actual.split('\n')[0]}`)}">${xmlEscape(`step ${a.step} (at ${a.at}, lab time ${new Date(a.time).toISOString()})\nexpected:\n${a.expected}\nactual:\n${a.actual}`)}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
