// What one run of one scenario variant produced: the timeline of what
// happened, every assertion with its step and lab time, the DNS trace and the
// timeline samples. Every report (text, JSON, JUnit, HTML) is rendered from
// this one value, so they can never disagree.

import type { Sample } from '../../assertions/timeline.ts';
import type { TraceEntry } from '../../assertions/trace.ts';
import type { Bilingual } from '../scenario/types.ts';

export type EventKind = 'start' | 'time' | 'query' | 'answer' | 'action' | 'registry' | 'assert' | 'note' | 'error';

export interface TimelineEvent {
  /** Lab time, ms since epoch. */
  time: number;
  kind: EventKind;
  /** Step number in the scenario file, when the event comes from a step. */
  step?: number;
  /** Who acts or asks: client, operator, attacker, registry… */
  actor?: string;
  /** One line for the timeline. */
  text: string;
  /** Extra lines (a dig-style response, a failure's expected vs actual). */
  detail?: string;
  /** For 'assert' events. */
  ok?: boolean;
  /** 'attacker' actions are drawn in red in reports. */
  role?: 'operator' | 'attacker';
}

export interface AssertionRecord {
  /** Step number in the scenario file and its `at` as written. */
  step: number;
  at: string;
  /** Lab time the assertion was checked, ms since epoch. */
  time: number;
  /** Offset from T+0 in presentation form ('T+1h'). */
  offset: string;
  what: string;
  ok: boolean;
  expected: string;
  actual: string;
}

export interface RunResult {
  id: string;
  file: string;
  variant: string;
  seed: string;
  title: Bilingual;
  narrative: Bilingual;
  variantDescription?: Bilingual;
  references: string[];
  /** Lab time of T+0 and of the end, ms since epoch. */
  start: number;
  end: number;
  passed: boolean;
  assertions: AssertionRecord[];
  events: TimelineEvent[];
  trace: TraceEntry[];
  samples: Sample[];
  /** Machines by role, for diagrams. */
  machines: { name: string; role: 'client' | 'resolver' | 'server'; addresses: string[] }[];
  /** A run that could not complete (a lab error, not a failed assertion). */
  error?: string;
}
