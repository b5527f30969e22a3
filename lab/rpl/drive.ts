// Walks a `.rpl` scenario's STEPs against one resolver (the emulator or a real
// product — the target hides which) and records the outcome as a RunResult,
// so every dnslab report (text, JSON, JUnit, HTML, matrix) renders it.
//
// Step semantics follow Deckard's pydnstest Step.play: QUERY sends the entry
// (a RAW entry as its octets, no answer awaited) and keeps the answer;
// CHECK_ANSWER compares the last answer with the entry's MATCH elements;
// TIME_PASSES ELAPSE moves the resolver's clock; CHECK_OUT_QUERY and REPLY do
// nothing when reached (REPLY entries are one-shot answers of the server).

import { basename } from 'node:path';
import { entryMismatches, flagsText } from '../../dns/rpl/match.ts';
import type { RplEntry, RplScenario } from '../../dns/rpl/reader.ts';
import type { Message } from '../../dns/types.ts';
import { encodeMessage } from '../../dns/wire/message.ts';
import { formatRecord } from '../../dns/zone/rdata-format.ts';
import { SeededRandom } from '../../net/random.ts';
import type { AssertionRecord, RunResult, TimelineEvent } from '../runner/result.ts';

export interface RplTarget {
  /** Send an encoded query to the resolver; its answer, or why there is none. */
  query(octets: Buffer, awaitAnswer: boolean): Promise<{ message?: Message; error?: string }>;
  /** Move the resolver's clock forward. */
  elapse(seconds: number): Promise<void>;
  now(): number;
  /** The scripted server reads the current step from here. */
  setStep(step: number): void;
}

/** "T+90s" from the first step. */
function offset(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120
    ? `T+${s}s`
    : s < 7200
      ? `T+${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`
      : `T+${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
}

/** The message an entry expects, in a few lines (what a failed check shows as "expected"). */
export function entryText(e: RplEntry): string {
  const m = e.message;
  const q = m.question[0];
  const lines = [`MATCH ${[...(e.match ?? [])].join(' ')}`, `REPLY ${flagsText(m.flags)} ${m.rcode}`];
  if (q) lines.push(`QUESTION ${q.qname} ${q.qtype}`);
  for (const s of ['answer', 'authority', 'additional'] as const) for (const rr of m[s]) lines.push(`${s.toUpperCase()} ${formatRecord(rr)}`);
  return lines.join('\n');
}

export function messageText(m: Message): string {
  const q = m.question[0];
  const lines = [`${flagsText(m.flags)} ${m.rcode}${q ? ` ${q.qname} ${q.qtype}` : ''}`];
  for (const s of ['answer', 'authority', 'additional'] as const) for (const rr of m[s]) lines.push(`${s.toUpperCase()} ${formatRecord(rr)}`);
  return lines.join('\n');
}

/** Run every step; `variant` names the target (e.g. "emulated knot-resolver", "knot"). */
export async function driveRpl(s: RplScenario, target: RplTarget, o: { variant: string; seed: string }): Promise<RunResult> {
  const random = new SeededRandom(`rpl/${basename(s.file)}/${o.seed}`);
  const start = target.now();
  const assertions: AssertionRecord[] = [];
  const events: TimelineEvent[] = [{ time: start, kind: 'start', text: s.description }];
  let last: Message | undefined;
  let lastError: string | undefined;
  const claim = (step: number, what: string, ok: boolean, expected: string, actual: string) => {
    const time = target.now();
    assertions.push({ step, at: `STEP ${step}`, time, offset: offset(time - start), what, ok, expected, actual });
    events.push({ time, kind: 'assert', step, text: what, ok, ...(ok ? {} : { detail: `expected:\n${expected}\nactual:\n${actual}` }) });
  };
  for (const step of s.steps) {
    target.setStep(step.id);
    switch (step.type) {
      case 'QUERY': {
        const e = step.entry!;
        const raw = e.raw !== undefined;
        const message = { ...e.message, id: random.int(0x10000) };
        const octets = raw ? e.raw! : encodeMessage(message);
        const q = e.message.question[0];
        events.push({
          time: target.now(),
          kind: 'query',
          step: step.id,
          actor: 'client',
          text: raw ? `RAW ${octets.length} octets` : `${q?.qname ?? ''} ${q?.qtype ?? ''}`,
        });
        const r = await target.query(octets, !raw);
        last = r.message;
        lastError = r.error;
        if (!raw) {
          if (r.message)
            events.push({
              time: target.now(),
              kind: 'answer',
              step: step.id,
              text: `${r.message.rcode} ${flagsText(r.message.flags)} (${r.message.answer.length} answer records)`,
            });
          claim(step.id, `STEP ${step.id} QUERY (line ${step.line}) is answered`, r.message !== undefined, 'an answer', r.error ?? 'answer');
        }
        break;
      }
      case 'CHECK_ANSWER': {
        const e = step.entry!;
        const what = `STEP ${step.id} CHECK_ANSWER (line ${step.line})`;
        if (e.raw) {
          claim(step.id, what, false, 'raw octets', 'RAW answers are not compared (dnslab decodes answers)');
          break;
        }
        if (!last) {
          claim(step.id, what, false, entryText(e), `no answer from the preceding query${lastError ? `: ${lastError}` : ''}`);
          break;
        }
        const miss = entryMismatches(e, last);
        claim(step.id, what, miss.length === 0, entryText(e), miss.length ? `${miss.join('\n')}\n--- answer ---\n${messageText(last)}` : messageText(last));
        break;
      }
      case 'TIME_PASSES':
        await target.elapse(step.elapse!);
        events.push({ time: target.now(), kind: 'time', step: step.id, text: `${step.elapse} s pass` });
        break;
      case 'CHECK_OUT_QUERY':
      case 'REPLY':
        break;
    }
  }
  const id = basename(s.file).replace(/\.rpl$/, '');
  return {
    id,
    file: s.file,
    variant: o.variant,
    seed: o.seed,
    title: { en: s.description, ja: s.description },
    narrative: { en: `Deckard scenario ${basename(s.file)}: ${s.description}`, ja: `Deckard シナリオ ${basename(s.file)}: ${s.description}` },
    references: ['https://github.com/CZ-NIC/deckard'],
    start,
    end: target.now(),
    passed: assertions.length > 0 && assertions.every((a) => a.ok),
    assertions,
    events,
    trace: [],
    samples: [],
    machines: [],
  };
}
