// The human-readable timeline `dnslab run` prints: time jumps, queries and
// answers, operator and attacker actions, and each assertion with ✓/✗ and —
// on failure — expected vs actual in presentation format.

import { formatDuration, formatOffset } from '../../assertions/result.ts';
import type { RunResult, TimelineEvent } from './result.ts';

export interface TextOptions {
  /** Print dig-style detail for every answer (default: only for failures). */
  verbose?: boolean;
  color?: boolean;
}

/** The time column's least width; a longer offset ("T+1h15m20s2ms") widens the column for the whole run. */
const MIN_PAD = 12;

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export function renderText(r: RunResult, options: TextOptions = {}): string {
  const c = (code: string, s: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  out.push(c('1', `━━ ${r.id} [${r.variant}] — ${r.title.en}`));
  out.push(`   ${r.title.ja}`);
  if (r.variantDescription) out.push(`   variant ${r.variant}: ${r.variantDescription.en}`);
  out.push(`   file ${r.file}, seed ${r.seed}, T+0 = ${new Date(r.start).toISOString()}`);
  out.push('');
  const PAD = Math.max(MIN_PAD, ...r.events.map((e) => formatOffset(e.time - r.start).length + 1));
  let lastTime = r.start;
  for (const e of r.events) {
    if (e.kind === 'start') continue;
    if (e.time > lastTime && e.kind !== 'assert') {
      const gap = e.time - lastTime;
      // Round to what a reader cares about: seconds under an hour, minutes above.
      const rounded = gap >= 3600_000 ? Math.round(gap / 60_000) * 60_000 : Math.round(gap / 1000) * 1000;
      if (gap >= 1000) out.push(c('2', `${''.padEnd(PAD)}… ${formatDuration(rounded)} pass …`));
    }
    if (e.kind !== 'assert') lastTime = Math.max(lastTime, e.time);
    out.push(line(e, r.start, c, PAD));
    if (e.detail && (options.verbose || (e.kind === 'assert' && !e.ok) || e.kind === 'error')) out.push(indent(e.detail, PAD + 4));
  }
  out.push('');
  const failed = r.assertions.filter((a) => !a.ok);
  if (r.error) out.push(c('31;1', `ERROR: ${r.error}`));
  out.push(
    r.passed
      ? c('32;1', `PASS  ${r.id} [${r.variant}]: ${r.assertions.length}/${r.assertions.length} assertions hold`)
      : c('31;1', `FAIL  ${r.id} [${r.variant}]: ${failed.length} of ${r.assertions.length} assertions failed${r.error ? ' (run aborted)' : ''}`),
  );
  for (const a of failed) out.push(`      step ${a.step} (${a.offset}): ${a.what}`);
  return out.join('\n') + '\n';
}

function line(e: TimelineEvent, start: number, c: (code: string, s: string) => string, PAD: number): string {
  const t = formatOffset(e.time - start).padEnd(PAD);
  const step = e.step !== undefined ? `step ${e.step}`.padEnd(9) : ''.padEnd(9);
  switch (e.kind) {
    case 'assert':
      return `${''.padEnd(PAD)}${step}${e.ok ? c('32', '✓') : c('31;1', '✗')} ${e.text}`;
    case 'action':
      return `${t}${step}${e.role === 'attacker' ? c('31', `⚠ ${e.text}`) : c('36', e.text)}`;
    case 'registry':
      return `${t}${step}${c('35', e.text)}`;
    case 'answer':
      return `${''.padEnd(PAD)}${''.padEnd(9)}→ ${e.text}`;
    case 'error':
      return `${t}${step}${c('31;1', `ERROR ${e.text}`)}`;
    case 'note':
      return `${t}${step}${c('2', `# ${e.text}`)}`;
    default:
      return `${t}${step}${e.text}`;
  }
}

/** `dnslab run --all` summary table. */
export function renderSummary(results: readonly RunResult[]): string {
  const idW = Math.max(8, ...results.map((r) => r.id.length));
  const vW = Math.max(7, ...results.map((r) => r.variant.length));
  const rows = results.map((r) => {
    const failed = r.assertions.filter((a) => !a.ok).length;
    return `${r.id.padEnd(idW)}  ${r.variant.padEnd(vW)}  ${r.passed ? 'PASS' : 'FAIL'}  ${String(r.assertions.length - failed).padStart(3)}/${String(r.assertions.length).padEnd(3)}${r.error ? `  error: ${r.error.split('\n')[0]}` : ''}`;
  });
  const passed = results.filter((r) => r.passed).length;
  return [
    `${'scenario'.padEnd(idW)}  ${'variant'.padEnd(vW)}  result  asserts`,
    `${'-'.repeat(idW)}  ${'-'.repeat(vW)}  ------  -------`,
    ...rows,
    '',
    `${passed} of ${results.length} scenario runs passed`,
    '',
  ].join('\n');
}
