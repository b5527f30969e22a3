// What every assertion returns. The runner adds the step and lab time; an
// assertion only says what it expected and what it saw, both in DNS
// presentation format so a failure reads like two `dig` outputs side by side.

export interface AssertionOutcome {
  ok: boolean;
  /** One line: what was claimed ("rcode", "answer section", "queries reaching tld-jp"). */
  what: string;
  /** Expected value in presentation form (may be several lines). */
  expected: string;
  /** Actual value in presentation form (may be several lines). */
  actual: string;
}

export function outcome(ok: boolean, what: string, expected: string, actual: string): AssertionOutcome {
  return { ok, what, expected, actual };
}

/** Lab time relative to the scenario start, as `T+1h05m` / `T+0s` / `T+250ms` (what timelines print). */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let rest = Math.abs(Math.round(ms));
  if (rest === 0) return 'T+0s';
  const parts: string[] = [];
  const units: [string, number][] = [
    ['d', 86400_000],
    ['h', 3600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [u, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${u}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return `T${sign}${parts.join('')}`;
}

/** A duration as `25h`, `1h30m`, `0s`. */
export function formatDuration(ms: number): string {
  return formatOffset(ms).slice(2) || '0s';
}
