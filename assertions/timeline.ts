// Claims about a timeline: samples of what clients saw over lab time. "From
// the unsigning until the DS expired, validating resolvers returned SERVFAIL"
// (docs/incidents.md: "Slack 2021: DS rollback"), "the outage lasted 24 h", "clients recovered at T+1h".

import { nameEquals } from '../dns/name.ts';
import type { Name, RRTypeName, RcodeName } from '../dns/types.ts';
import { formatDuration, formatOffset, outcome, type AssertionOutcome } from './result.ts';

export interface Sample {
  /** Lab time, ms since epoch. */
  time: number;
  client: string;
  qname: Name;
  qtype: RRTypeName;
  /** What the client got; TIMEOUT when nothing came back. */
  rcode: RcodeName | 'TIMEOUT';
  /** Answer records as presentation lines (for "which address did clients get"). */
  answer: string[];
}

export interface SampleFilter {
  client?: string;
  qname?: Name;
  qtype?: RRTypeName;
}

/** What counts as "bad" when measuring an outage. Default: SERVFAIL or no answer. */
export type Badness = (s: Sample) => boolean;
export const failed: Badness = (s) => s.rcode === 'SERVFAIL' || s.rcode === 'TIMEOUT';

export function samplesMatching(samples: readonly Sample[], f: SampleFilter): Sample[] {
  return samples.filter(
    (s) =>
      (f.client === undefined || s.client === f.client) &&
      (f.qname === undefined || nameEquals(s.qname, f.qname)) &&
      (f.qtype === undefined || s.qtype === f.qtype),
  );
}

/** A sample as one timeline line. */
export function formatSample(s: Sample, start: number): string {
  return `${formatOffset(s.time - start)}  ${s.client}  ${s.qname} ${s.qtype}  ${s.rcode}${s.answer.length ? `  ${s.answer.join('; ')}` : ''}`;
}

/** Does a sample show `rcode` (and, if given, an answer containing `answerContains`)? */
export interface SampleClaim {
  rcode?: RcodeName | 'TIMEOUT';
  /** Substring of an answer line, e.g. "203.0.113.66". */
  answerContains?: string;
}

export function sampleMatches(s: Sample, claim: SampleClaim): boolean {
  if (claim.rcode !== undefined && s.rcode !== claim.rcode) return false;
  if (claim.answerContains !== undefined && !s.answer.some((a) => a.includes(claim.answerContains!))) return false;
  return true;
}

function describeClaim(c: SampleClaim): string {
  return [c.rcode ?? '', c.answerContains ? `answer containing ${c.answerContains}` : ''].filter(Boolean).join(' with ') || 'anything';
}

/**
 * Every matching sample with from ≤ time ≤ to satisfies the claim, and there
 * is at least one such sample (an empty window proves nothing).
 */
export function expectThroughout(
  samples: readonly Sample[],
  f: SampleFilter,
  window: { from: number; to: number },
  claim: SampleClaim,
  start: number,
): AssertionOutcome {
  const inWindow = samplesMatching(samples, f).filter((s) => s.time >= window.from && s.time <= window.to);
  const bad = inWindow.filter((s) => !sampleMatches(s, claim));
  const what = `from ${formatOffset(window.from - start)} to ${formatOffset(window.to - start)} clients got ${describeClaim(claim)}`;
  const actual =
    inWindow.length === 0
      ? '(no samples in that window)'
      : bad.length === 0
        ? `all ${inWindow.length} samples did`
        : `${bad.length} of ${inWindow.length} samples did not, first:\n${bad
            .slice(0, 5)
            .map((s) => formatSample(s, start))
            .join('\n')}`;
  return outcome(inWindow.length > 0 && bad.length === 0, what, `${describeClaim(claim)} in every sample`, actual);
}

/** No matching sample in the window satisfies the claim (e.g. "never SERVFAIL"). */
export function expectNever(
  samples: readonly Sample[],
  f: SampleFilter,
  window: { from: number; to: number },
  claim: SampleClaim,
  start: number,
): AssertionOutcome {
  const inWindow = samplesMatching(samples, f).filter((s) => s.time >= window.from && s.time <= window.to);
  const hits = inWindow.filter((s) => sampleMatches(s, claim));
  return outcome(
    inWindow.length > 0 && hits.length === 0,
    `from ${formatOffset(window.from - start)} to ${formatOffset(window.to - start)} clients never got ${describeClaim(claim)}`,
    `0 of ${inWindow.length} samples`,
    inWindow.length === 0
      ? '(no samples in that window)'
      : `${hits.length} samples, first:\n${
          hits
            .slice(0, 5)
            .map((s) => formatSample(s, start))
            .join('\n') || '(none)'
        }`,
  );
}

export interface Outage {
  /** Time of the first bad sample. */
  start: number;
  /** Time of the first good sample after it (undefined: still down at the end). */
  end: number | undefined;
}

/** Maximal runs of bad samples, bounded by the first good sample after each. */
export function outages(samples: readonly Sample[], f: SampleFilter = {}, bad: Badness = failed): Outage[] {
  const list = samplesMatching(samples, f).sort((a, b) => a.time - b.time);
  const out: Outage[] = [];
  let current: Outage | undefined;
  for (const s of list) {
    if (bad(s)) {
      if (!current) current = { start: s.time, end: undefined };
    } else if (current) {
      current.end = s.time;
      out.push(current);
      current = undefined;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Total outage time (open outages run to the last sample). */
export function outageDuration(samples: readonly Sample[], f: SampleFilter = {}, bad: Badness = failed): number {
  const list = samplesMatching(samples, f);
  const last = list.reduce((m, s) => Math.max(m, s.time), -Infinity);
  return outages(samples, f, bad).reduce((sum, o) => sum + ((o.end ?? last) - o.start), 0);
}

/** Claim the total outage lies in [min, max] ms (resolution is the sampling interval). */
export function expectOutageDuration(
  samples: readonly Sample[],
  f: SampleFilter,
  range: { min?: number; max?: number },
  start: number,
  bad: Badness = failed,
): AssertionOutcome {
  const d = outageDuration(samples, f, bad);
  const min = range.min ?? 0;
  const max = range.max ?? Infinity;
  const spans = outages(samples, f, bad)
    .map((o) => `${formatOffset(o.start - start)} → ${o.end === undefined ? 'end (never recovered)' : formatOffset(o.end - start)}`)
    .join('\n');
  return outcome(
    d >= min && d <= max,
    'outage duration',
    max === Infinity ? `at least ${formatDuration(min)}` : min === 0 ? `at most ${formatDuration(max)}` : `${formatDuration(min)} … ${formatDuration(max)}`,
    `${formatDuration(d)}${spans ? `\n${spans}` : ' (no outage)'}`,
  );
}

/** Time of recovery: the first good sample after the last bad one; undefined if never bad or never recovered. */
export function recoveryTime(samples: readonly Sample[], f: SampleFilter = {}, bad: Badness = failed): number | undefined {
  const o = outages(samples, f, bad);
  return o.length ? o[o.length - 1]!.end : undefined;
}

/** Claim clients recovered within [from, to] (lab ms since epoch). */
export function expectRecoveryBetween(
  samples: readonly Sample[],
  f: SampleFilter,
  window: { from: number; to: number },
  start: number,
  bad: Badness = failed,
): AssertionOutcome {
  const t = recoveryTime(samples, f, bad);
  const ok = t !== undefined && t >= window.from && t <= window.to;
  const o = outages(samples, f, bad);
  const actual =
    o.length === 0 ? 'no outage at all' : t === undefined ? 'never recovered before the scenario ended' : `recovered at ${formatOffset(t - start)}`;
  return outcome(ok, 'time of recovery', `recovery between ${formatOffset(window.from - start)} and ${formatOffset(window.to - start)}`, actual);
}

/** A stretch of consecutive samples of one series that all saw the same thing (rcode and answer data). */
export interface Phase {
  /** Time of the phase's first sample, and of the next phase's first sample (or of its own last sample at the end). */
  from: number;
  to: number;
  /** "SERVFAIL", "NXDOMAIN", "NODATA", "TIMEOUT", or "NOERROR 192.0.2.10" (the answer's RDATA, in order). */
  what: string;
  samples: number;
}

/** RDATA of answer lines, sorted ("www.example.com. 300 IN A 192.0.2.10" → "192.0.2.10"); TTLs and owners left out so a refresh is not a change. */
function answerData(lines: readonly string[]): string {
  // Sorted: RRset order carries no meaning (RFC 2181 §5), and products shuffle it.
  return lines
    .map((l) => /\sIN\s+\S+\s+(.*)$/.exec(l)?.[1] ?? l)
    .sort()
    .join(', ');
}

function sawWhat(s: Sample): string {
  if (s.rcode !== 'NOERROR') return s.rcode;
  return s.answer.length ? `NOERROR ${answerData(s.answer)}` : 'NODATA';
}

/** One series' samples (one client, qname and qtype), oldest first, folded into phases. */
export function phasesOf(samples: readonly Sample[]): Phase[] {
  const sorted = [...samples].sort((a, b) => a.time - b.time);
  const phases: Phase[] = [];
  for (const s of sorted) {
    const what = sawWhat(s);
    const last = phases[phases.length - 1];
    if (last && last.what === what) {
      last.to = s.time;
      last.samples++;
      continue;
    }
    if (last) last.to = s.time;
    phases.push({ from: s.time, to: s.time, what, samples: 1 });
  }
  return phases;
}

const MAX_PHASES_SHOWN = 7;

/**
 * Phases in one line: "NOERROR 192.0.2.10 → SERVFAIL from T+1h30m for 22h30m → NOERROR 192.0.2.10 from T+24h".
 * Times are rounded to `resolutionMs` (a series sampled every minute says nothing finer, and real runs
 * sample a second or so late); a flapping series shows its first and last phases and how many changes lie between.
 */
export function describePhases(phases: readonly Phase[], start: number, resolutionMs = 1000): string {
  if (phases.length === 0) return 'no samples';
  if (phases.length === 1) return `${truncate(phases[0]!.what)} throughout`;
  const round = (t: number) => Math.round((t - start) / resolutionMs) * resolutionMs;
  const part = (p: Phase, i: number) =>
    i === 0
      ? truncate(p.what)
      : i === phases.length - 1
        ? `${truncate(p.what)} from ${formatOffset(round(p.from))}`
        : `${truncate(p.what)} from ${formatOffset(round(p.from))} for ${formatDuration(round(p.to) - round(p.from))}`;
  const parts = phases.map(part);
  if (parts.length <= MAX_PHASES_SHOWN) return parts.join(' → ');
  return [...parts.slice(0, 3), `… ${parts.length - 5} more changes …`, ...parts.slice(-2)].join(' → ');
}

function truncate(text: string, max = 48): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A series sampled every minute or more is told in whole minutes, else in whole seconds. */
function samplingResolution(list: readonly Sample[]): number {
  const times = list.map((s) => s.time).sort((a, b) => a - b);
  const gaps = times
    .slice(1)
    .map((t, i) => t - times[i]!)
    .sort((a, b) => a - b);
  const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
  return median >= 60_000 ? 60_000 : 1000;
}

/** Every series of a run (client, qname, qtype) as "client: phases"; qname and qtype are named when a client has several series. */
export function describeSeries(samples: readonly Sample[], start: number): string[] {
  const series = new Map<string, { client: string; qname: string; qtype: string; list: Sample[] }>();
  for (const s of samples) {
    const key = `${s.client}\u0000${s.qname}\u0000${s.qtype}`;
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { client: s.client, qname: s.qname, qtype: s.qtype, list: [] }));
    entry.list.push(s);
  }
  const perClient = new Map<string, number>();
  for (const { client } of series.values()) perClient.set(client, (perClient.get(client) ?? 0) + 1);
  return [...series.values()].map(({ client, qname, qtype, list }) => {
    const label = perClient.get(client)! > 1 ? `${client} ${qname} ${qtype}` : client;
    return `${label}: ${describePhases(phasesOf(list), start, samplingResolution(list))}`;
  });
}
