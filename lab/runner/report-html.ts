// A self-contained, offline HTML report for training: narrative (English and
// Japanese), a sequence diagram of who asked whom (inline SVG), a chart of
// what clients saw over lab time, the timeline and assertion results. No
// scripts, fonts or images from anywhere: it opens from a USB stick.

import { formatOffset } from '../../assertions/result.ts';
import type { TraceEntry } from '../../assertions/trace.ts';
import { xmlEscape as esc } from './report-data.ts';
import { cellAgreement, cellClaims, cellRetried, cellVarying, matrixNotes, type Matrix, type MatrixCell } from './matrix.ts';
import type { RunResult, TimelineEvent } from './result.ts';

/** Colours used by the diagrams (tests look for them in screenshots). */
export const COLORS = {
  query: '#1f6feb',
  noerror: '#2da44e',
  nxdomain: '#d4a72c',
  /** NOERROR, but a different answer from the first one this client saw. */
  changed: '#8250df',
  fail: '#cf222e',
  timeout: '#8c959f',
  operator: '#0a7ea4',
  attacker: '#cf222e',
  lane: '#57606a',
} as const;

const MAX_ROWS = 240;

function rcodeColor(rcode: string | undefined): string {
  if (rcode === 'NOERROR') return COLORS.noerror;
  if (rcode === 'NXDOMAIN') return COLORS.nxdomain;
  if (rcode === 'TIMEOUT' || rcode === undefined) return COLORS.timeout;
  return COLORS.fail;
}

type Row = { kind: 'packet'; entry: TraceEntry } | { kind: 'event'; event: TimelineEvent } | { kind: 'gap'; skipped: number };

/** Rows kept when there are too many: the opening, every action with the packets right after it, the end. */
const KEEP_START = 60;
const KEEP_AFTER_ACTION = 40;
const KEEP_END = 16;

function selectRows(rows: Row[]): Row[] {
  if (rows.length <= MAX_ROWS) return rows;
  const keep = new Set<number>();
  for (let i = 0; i < Math.min(KEEP_START, rows.length); i++) keep.add(i);
  rows.forEach((r, i) => {
    if (r.kind === 'event') for (let j = i; j < Math.min(rows.length, i + KEEP_AFTER_ACTION); j++) keep.add(j);
  });
  for (let i = Math.max(0, rows.length - KEEP_END); i < rows.length; i++) keep.add(i);
  const out: Row[] = [];
  let skipped = 0;
  rows.forEach((r, i) => {
    if (keep.has(i)) {
      if (skipped) out.push({ kind: 'gap', skipped });
      skipped = 0;
      out.push(r);
    } else skipped++;
  });
  if (skipped) out.push({ kind: 'gap', skipped });
  return out;
}

export function sequenceSvg(r: RunResult): string {
  // Clients and resolvers first, then servers in the order the trace first reaches them; silent servers are left out.
  const lanes = r.machines.filter((m) => m.role !== 'server').map((m) => m.name);
  for (const t of r.trace) for (const n of [t.from, t.to]) if (!lanes.includes(n)) lanes.push(n);
  const laneW = 150;
  const left = 110;
  const top = 50;
  const rowH = 20;
  const rows: Row[] = [];
  const actions = r.events.filter((e) => e.kind === 'action' || e.kind === 'registry');
  let ai = 0;
  for (const entry of r.trace) {
    while (ai < actions.length && actions[ai]!.time <= entry.time) rows.push({ kind: 'event', event: actions[ai++]! });
    rows.push({ kind: 'packet', entry });
  }
  while (ai < actions.length) rows.push({ kind: 'event', event: actions[ai++]! });
  const shown = selectRows(rows);
  const width = left + lanes.length * laneW + 20;
  const height = top + shown.length * rowH + 40;
  const x = (name: string) => left + lanes.indexOf(name) * laneW + laneW / 2;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="sequence diagram">`,
    '<defs>',
    ...[
      ['q', COLORS.query],
      ['ok', COLORS.noerror],
      ['nx', COLORS.nxdomain],
      ['fail', COLORS.fail],
      ['to', COLORS.timeout],
    ].map(
      ([id, col]) =>
        `<marker id="a-${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${col}"/></marker>`,
    ),
    '</defs>',
  );
  for (const name of lanes) {
    const m = r.machines.find((mm) => mm.name === name);
    const role = m?.role ?? 'server';
    const fill = role === 'client' ? '#ddf4ff' : role === 'resolver' ? '#fff8c5' : '#f6f8fa';
    parts.push(
      `<rect x="${x(name) - 65}" y="8" width="130" height="28" rx="5" fill="${fill}" stroke="${COLORS.lane}"/>`,
      `<text x="${x(name)}" y="26" text-anchor="middle" font-weight="bold">${esc(name)}</text>`,
      `<line x1="${x(name)}" y1="36" x2="${x(name)}" y2="${height - 20}" stroke="${COLORS.lane}" stroke-dasharray="4 3"/>`,
    );
  }
  shown.forEach((row, i) => {
    const y = top + i * rowH + 10;
    if (row.kind === 'gap') {
      parts.push(`<text x="${left + 6}" y="${y + 4}" fill="#57606a" font-style="italic">… ${row.skipped} packets not drawn (all are in the pcap) …</text>`);
      return;
    }
    if (row.kind === 'event') {
      const e = row.event;
      const col = e.role === 'attacker' ? COLORS.attacker : COLORS.operator;
      parts.push(
        `<text x="4" y="${y + 4}" fill="#57606a">${esc(formatOffset(e.time - r.start))}</text>`,
        `<rect x="${left}" y="${y - 8}" width="${lanes.length * laneW}" height="16" fill="${col}" opacity="0.15"/>`,
        `<text x="${left + 6}" y="${y + 4}" fill="${col}" font-weight="bold">${esc(e.text.slice(0, 140))}</text>`,
      );
      return;
    }
    const t = row.entry;
    const col = t.response ? rcodeColor(t.rcode) : COLORS.query;
    const marker = t.response ? (t.rcode === 'NOERROR' ? 'ok' : t.rcode === 'NXDOMAIN' ? 'nx' : 'fail') : 'q';
    const x1 = x(t.from);
    const x2 = x(t.to);
    const label = t.response ? `${t.rcode ?? ''} ${t.qname} ${t.qtype}` : `${t.qname} ${t.qtype}?`;
    parts.push(
      `<text x="4" y="${y + 4}" fill="#57606a">${esc(formatOffset(t.time - r.start))}</text>`,
      `<line x1="${x1}" y1="${y}" x2="${x2 + (x2 > x1 ? -2 : 2)}" y2="${y}" stroke="${col}" stroke-width="2"${t.response ? ' stroke-dasharray="6 3"' : ''} marker-end="url(#a-${marker})"/>`,
      `<text x="${(x1 + x2) / 2}" y="${y - 3}" text-anchor="middle" fill="${col}">${esc(label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** What clients saw over lab time: one row per (client, question), one mark per sample. */
export function timelineSvg(r: RunResult): string {
  const series = new Map<string, { time: number; rcode: string; answer: string[] }[]>();
  for (const s of r.samples) {
    const key = `${s.client}: ${s.qname} ${s.qtype}`;
    const list = series.get(key) ?? [];
    list.push({ time: s.time, rcode: s.rcode, answer: s.answer });
    series.set(key, list);
  }
  const actions = r.events.filter((ev) => ev.kind === 'action');
  const left = 260;
  const plotW = 760;
  const rowH = 44;
  const top = 30;
  const axisY = top + Math.max(1, series.size) * rowH + 8;
  const height = axisY + 36 + actions.length * 16;
  const span = Math.max(1, r.end - r.start);
  const x = (t: number) => left + ((t - r.start) / span) * plotW;
  const tickRound = span > 3 * 3600_000 ? 60_000 : span > 600_000 ? 1000 : 1;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 40}" height="${height}" viewBox="0 0 ${left + plotW + 40} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="what clients saw">`,
  ];
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" stroke="${COLORS.lane}"/>`);
  for (let i = 0; i <= 4; i++) {
    const t = r.start + Math.round((span * i) / 4 / tickRound) * tickRound;
    parts.push(`<text x="${x(t)}" y="${axisY + 16}" text-anchor="middle" fill="#57606a">${esc(formatOffset(t - r.start))}</text>`);
  }
  actions.forEach((e, i) => {
    const col = e.role === 'attacker' ? COLORS.attacker : COLORS.operator;
    parts.push(
      `<line x1="${x(e.time)}" y1="${top - 14}" x2="${x(e.time)}" y2="${axisY}" stroke="${col}" stroke-width="2" stroke-dasharray="5 3"><title>${esc(e.text)}</title></line>`,
      `<text x="${x(e.time)}" y="${top - 18}" text-anchor="middle" fill="${col}" font-weight="bold">${i + 1}</text>`,
      `<text x="${left}" y="${axisY + 34 + i * 16}" fill="${col}">${i + 1}. ${esc(formatOffset(e.time - r.start))} ${esc(e.text.slice(0, 150))}</text>`,
    );
  });
  [...series.entries()].forEach(([key, list], i) => {
    const y = top + i * rowH + 12;
    parts.push(`<text x="${left - 16}" y="${y + 15}" text-anchor="end">${esc(key)}</text>`);
    const w = Math.max(4, Math.min(18, plotW / Math.max(1, list.length) - 1));
    let firstAnswer: string | undefined;
    let previous: string | undefined;
    for (const s of list) {
      const answer = s.answer.map((a) => a.split(/\s+/).slice(3).join(' ')).join(', ');
      if (s.rcode === 'NOERROR' && firstAnswer === undefined) firstAnswer = answer;
      const changed = s.rcode === 'NOERROR' && answer !== firstAnswer;
      const fill = changed ? COLORS.changed : rcodeColor(s.rcode);
      parts.push(
        `<rect x="${x(s.time) - w / 2}" y="${y + 3}" width="${w}" height="18" fill="${fill}"><title>${esc(`${formatOffset(s.time - r.start)} ${s.rcode} ${s.answer.join('; ')}`)}</title></rect>`,
      );
      const outcome = `${s.rcode} ${answer}`;
      if (outcome !== previous) {
        const last = s.answer[s.answer.length - 1]?.split(/\s+/).slice(3).join(' ');
        parts.push(
          `<text x="${x(s.time) - w / 2}" y="${y - 2}" fill="${fill}" font-size="10">${esc(s.rcode === 'NOERROR' ? (last ?? 'NODATA') : s.rcode)}</text>`,
        );
        previous = outcome;
      }
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Anchor of one run's section: the matrix links its cells there. */
const runAnchor = (id: string, variant: string) => `run-${id}-${variant}`.replace(/[^A-Za-z0-9_-]+/g, '-');

/** The scenario × resolver matrix as a table: one coloured cell per run, linked to that run's section below. */
function matrixSection(m: Matrix): string {
  const head = `<tr><th>scenario [variant]</th>${m.resolvers.map((r) => `<th>${esc(r)}${m.versions[r as keyof Matrix['versions']] ? `<br><small>${esc(m.versions[r as keyof Matrix['versions']]!)}</small>` : ''}</th>`).join('')}</tr>`;
  const cell = (id: string, variant: string, c: MatrixCell) => {
    const text = cellClaims(c) + cellVarying(c);
    const emu = cellAgreement(c);
    const colour = !c.asExpected ? COLORS.fail : c.passed ? COLORS.noerror : COLORS.nxdomain;
    const title = [
      ...c.failed.map((f) => `failed ${f}`),
      ...(c.expectedFailure ? [`declared for this product: ${c.expectedFailure.because}`] : []),
      ...(c.varying ? [`steps ${c.varying.steps.join(', ')} declared varying (not judged): ${c.varying.why}`] : []),
      ...(c.emulatedProfile?.differences ?? []).map((d) => `emulated ${d.emulated ? 'ok' : 'FAIL'} vs real ${d.real ? 'ok' : 'FAIL'}: ${d.what}`),
      ...(c.error ? [c.error.split('\n')[0]!] : []),
      ...(c.retried ?? []).map((r, i) => `run ${i + 1} was not as expected: ${r.error?.split('\n')[0] ?? r.unexpected.join('; ')}`),
    ].join('\n');
    const anchor = runAnchor(id, c.resolver === 'emulated' ? variant : `${variant} @${c.resolver}`);
    const label = c.error && c.total === 0 ? esc(text) : `<a href="#${anchor}">${esc(text)}</a>`;
    const emuHtml = c.emulatedProfile && !c.emulatedProfile.agrees ? `<span class="fail">${esc(emu)}</span>` : esc(emu);
    const outcome = c.outcome.length ? `<div class="outcome">${c.outcome.map(esc).join('<br>')}</div>` : '';
    return `<td class="cell" style="border-left: 6px solid ${colour}" title="${esc(title)}">${label}${c.asExpected ? '' : ' <span class="fail">✗</span>'}${emuHtml}${esc(cellRetried(c))}${outcome}</td>`;
  };
  const rows = m.rows.map((r) => `<tr><td>${esc(r.id)} [${esc(r.variant)}]</td>${r.cells.map((c) => cell(r.id, r.variant, c)).join('')}</tr>`).join('\n');
  const asExpected = m.rows.reduce((n, r) => n + r.cells.filter((c) => c.asExpected).length, 0);
  const total = m.rows.reduce((n, r) => n + r.cells.length, 0);
  const notes = matrixNotes(m);
  return `<section id="matrix">
<h2>Scenario × resolver: ${asExpected} of ${total} cells as expected</h2>
<table>${head}
${rows}
</table>
<p><small>PASS/FAIL k/n: claims that held. * : fails exactly as the scenario declares for this product. ✗ : not what the scenario expects.
~ : steps declared varying for this product (their outcome changes from run to run and is not judged; the notes say which and why).
=emu / ≠emu: dnslab's resolver with the product's profile saw the same / a different result on some claim. Hover a cell for its failed claims; click it for the run.</small></p>
${notes.length ? `<h3>Notes</h3>\n<ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('\n')}</ul>` : ''}
</section>`;
}

/** The report: every run in full; with a matrix (dnslab run --resolver), the matrix table first. */
export function renderHtml(results: readonly RunResult[], o: { matrix?: Matrix } = {}): string {
  const body = (o.matrix ? matrixSection(o.matrix) + '\n<hr>\n' : '') + results.map((r) => runSection(r)).join('\n<hr>\n');
  const passed = results.filter((r) => r.passed).length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>dnslab report — ${esc(results.map((r) => `${r.id} [${r.variant}]`).join(', '))}</title>
<style>
body { font-family: system-ui, "Hiragino Sans", "Yu Gothic", "Noto Sans CJK JP", "Noto Sans JP", sans-serif; margin: 24px; color: #1f2328; max-width: 1200px; }
h1 { font-size: 22px; } h2 { font-size: 19px; margin-top: 28px; } h3 { font-size: 15px; }
.pass { color: ${COLORS.noerror}; font-weight: bold; } .fail { color: ${COLORS.fail}; font-weight: bold; }
.ja { color: #57606a; } .narr { white-space: pre-wrap; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #d0d7de; padding: 3px 8px; vertical-align: top; text-align: left; }
pre { background: #f6f8fa; padding: 6px; margin: 0; font-size: 12px; white-space: pre-wrap; }
.svgbox { overflow-x: auto; border: 1px solid #d0d7de; padding: 4px; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; color: white; border-radius: 3px; font-size: 12px; }
.outcome { font-size: 11px; color: #57606a; margin-top: 2px; max-width: 420px; }
.attacker { color: ${COLORS.attacker}; } .operator { color: ${COLORS.operator}; }
</style></head><body>
<h1>dnslab report: ${passed} of ${results.length} runs passed</h1>
<p class="legend"><span style="background:${COLORS.query}">query</span><span style="background:${COLORS.noerror}">NOERROR</span><span style="background:${COLORS.changed}">NOERROR, a different answer</span><span style="background:${COLORS.nxdomain}">NXDOMAIN</span><span style="background:${COLORS.fail}">SERVFAIL / REFUSED</span><span style="background:${COLORS.timeout}">no answer</span><span style="background:${COLORS.operator}">operator action</span><span style="background:${COLORS.attacker}">attacker action</span></p>
${body}
</body></html>
`;
}

function runSection(r: RunResult): string {
  const failed = r.assertions.filter((a) => !a.ok).length;
  const events = r.events
    .filter((e) => e.kind !== 'start')
    .map((e) => {
      const cls = e.kind === 'assert' ? (e.ok ? 'pass' : 'fail') : e.role === 'attacker' ? 'attacker' : e.kind === 'action' ? 'operator' : '';
      const mark = e.kind === 'assert' ? (e.ok ? '✓ ' : '✗ ') : '';
      return `<tr><td>${esc(formatOffset(e.time - r.start))}</td><td>${e.step ?? ''}</td><td>${esc(e.kind)}</td><td class="${cls}">${mark}${esc(e.text)}${e.detail && (e.kind === 'assert' ? !e.ok : e.kind === 'answer') ? `<pre>${esc(e.detail)}</pre>` : ''}</td></tr>`;
    })
    .join('\n');
  const asserts = r.assertions
    .map(
      (a) =>
        `<tr><td>${a.step}</td><td>${esc(a.offset)}</td><td class="${a.ok ? 'pass' : 'fail'}">${a.ok ? 'PASS' : 'FAIL'}</td><td>${esc(a.what)}</td><td><pre>${esc(a.expected)}</pre></td><td><pre>${esc(a.actual)}</pre></td></tr>`,
    )
    .join('\n');
  return `<section id="${runAnchor(r.id, r.variant)}">
<h2>${esc(r.title.en)} <span class="ja">/ ${esc(r.title.ja)}</span></h2>
<p><b>${esc(r.id)}</b> variant <b>${esc(r.variant)}</b>${r.variantDescription ? ` — ${esc(r.variantDescription.en)} <span class="ja">(${esc(r.variantDescription.ja)})</span>` : ''}; seed ${esc(r.seed)};
T+0 = ${esc(new Date(r.start).toISOString())}; result: <span class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASS' : `FAIL (${failed} of ${r.assertions.length} assertions)`}</span>${r.error ? ` <span class="fail">error: ${esc(r.error)}</span>` : ''}</p>
<h3>Narrative</h3>
<p class="narr">${esc(r.narrative.en)}</p>
<p class="narr ja" lang="ja">${esc(r.narrative.ja)}</p>
<h3>References</h3>
<ul>${r.references.map((ref) => `<li>${esc(ref)}</li>`).join('')}</ul>
<h3>Who asked whom</h3>
<div class="svgbox">${sequenceSvg(r)}</div>
<h3>What clients saw</h3>
<div class="svgbox">${timelineSvg(r)}</div>
<h3>Assertions</h3>
<table><tr><th>step</th><th>lab time</th><th>result</th><th>claim</th><th>expected</th><th>actual</th></tr>
${asserts}
</table>
<h3>Timeline</h3>
<table><tr><th>lab time</th><th>step</th><th>kind</th><th>what</th></tr>
${events}
</table>
</section>`;
}
