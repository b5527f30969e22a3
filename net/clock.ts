// Lab time (docs/ARCHITECTURE.md, "Deterministic": time only from the clock handed in).
//
// VirtualClock is a deterministic discrete-event scheduler: timers fire in
// (time, insertion order) order and time jumps straight to the next timer, so
// waiting out an 86400-second TTL costs nothing. Between two events the run
// methods yield to Node's event loop once (setImmediate), which drains every
// pending promise continuation first; async server code driven by events
// (await on a socket reply, etc.) therefore runs to its next wait before the
// next event fires — the same way every run.
//
// What this cannot make deterministic: code that awaits real I/O (fs, real
// sockets, worker threads) while on the virtual clock. Keep that out of lab code.
//
// RealClock is wall time plus an adjustable offset (a faketime-style jump).

import type { Clock, TimerHandle } from './network.ts';

/** Default lab epoch: 2026-01-01T00:00:00Z. */
export const DEFAULT_LAB_EPOCH = Date.UTC(2026, 0, 1);

/** Per-run event cap unless the caller gives one: stops a runaway timer loop. */
export const DEFAULT_MAX_EVENTS = 5_000_000;

/** runUntilIdle's time cap unless the caller gives one: 30 lab days. */
export const DEFAULT_IDLE_LIMIT_MS = 30 * 86_400_000;

export interface RunReport {
  /**
   * Why the run stopped: 'time' = runFor/runUntil reached its target (or
   * runUntilIdle its limit with timers still pending); 'idle' = runUntilIdle
   * found no timers left; 'event-limit' = the event cap was hit (a runaway loop?).
   */
  stoppedBy: 'idle' | 'time' | 'event-limit';
  /** Timer callbacks run in this call. */
  events: number;
  /** Clock time when the run returned. */
  now: number;
  /** Timers still scheduled. */
  pending: number;
}

export interface ClockRunOptions {
  /** Stop after this many events (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
}

/** runUntilSettled gave up: the promise was still pending when the clock stopped. */
export class ClockStallError extends Error {
  constructor(readonly report: RunReport) {
    super(
      `the awaited promise was still pending when the virtual clock stopped (${report.stoppedBy} after ${report.events} events at ${new Date(report.now).toISOString()}); ` +
        'nothing scheduled will settle it — check that the other side exists and answers',
    );
    this.name = 'ClockStallError';
  }
}

/** A timer handle; `id` is unique per clock. */
export interface VirtualTimer {
  readonly id: number;
}

interface Entry {
  id: number;
  time: number;
  seq: number;
  callback: () => void;
}

function parseInstant(value: number | Date | string): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid lab time: ${String(value)} (use epoch ms or an ISO 8601 string)`);
  return ms;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private nextId = 1;
  private heap: Entry[] = [];
  /** ids scheduled and neither fired nor cleared (lazy deletion from the heap). */
  private live = new Set<number>();
  private running = false;
  private held = new Set<Promise<void>>();

  constructor(options: { start?: number | Date | string } = {}) {
    this.time = parseInstant(options.start ?? DEFAULT_LAB_EPOCH);
  }

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, callback: () => void): VirtualTimer {
    if (Number.isNaN(delayMs)) throw new RangeError('setTimer delay is NaN');
    const id = this.nextId++;
    const handle: VirtualTimer = { id };
    if (delayMs === Infinity) return handle; // never fires
    const entry: Entry = { id, time: this.time + Math.max(0, delayMs), seq: this.seq++, callback };
    this.live.add(id);
    this.push(entry);
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const id = (handle as { id?: unknown }).id;
    if (typeof id === 'number') this.live.delete(id);
  }

  /**
   * Make the clock wait for real asynchronous work (WebCrypto, fs, a worker)
   * before it fires the next event or declares itself idle. Without this, such
   * work finishes at an unpredictable virtual time — or after the run returned.
   * Returns `promise` itself: `const sig = await clock.hold(subtle.sign(...))`.
   */
  hold<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.then(
      () => undefined,
      () => undefined,
    );
    this.held.add(tracked);
    void tracked.then(() => this.held.delete(tracked));
    return promise;
  }

  /** A promise resolved after `ms` of lab time (only while something runs the clock). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.live.size;
  }

  /** Lab time of the next timer, or undefined when idle. */
  nextEventTime(): number | undefined {
    this.dropDead();
    return this.heap[0]?.time;
  }

  /** Run every timer due within the next `ms`, then stand at now+ms. */
  async runFor(ms: number, options: ClockRunOptions = {}): Promise<RunReport> {
    if (!(ms >= 0)) throw new RangeError(`runFor needs a non-negative duration, got ${ms}`);
    return this.run(this.time + ms, true, options);
  }

  /** Run every timer due up to lab time `epochMs`, then stand there. */
  async runUntil(epochMs: number | Date | string, options: ClockRunOptions = {}): Promise<RunReport> {
    const target = parseInstant(epochMs);
    if (target < this.time) throw new RangeError(`runUntil target ${new Date(target).toISOString()} is in the lab's past`);
    return this.run(target, true, options);
  }

  /**
   * Run until no timer is left, but at most `limitMs` of lab time (default 30
   * days) and `maxEvents` events: a server with a periodic timer never goes
   * idle, so the report says why it stopped. When idle, the clock stays at the
   * last event's time.
   */
  async runUntilIdle(limitMs: number = DEFAULT_IDLE_LIMIT_MS, options: ClockRunOptions = {}): Promise<RunReport> {
    return this.run(this.time + limitMs, false, options);
  }

  /**
   * Run the clock until `promise` settles and return its value (or throw its
   * error): `const conn = await clock.runUntilSettled(host.connectTcp(...))`.
   * Throws ClockStallError if the clock goes idle, passes `limitMs` (default 1
   * lab day) or hits the event cap first — a promise nothing will ever settle
   * cannot hang a test.
   */
  async runUntilSettled<T>(promise: Promise<T>, limitMs: number = 86_400_000, options: ClockRunOptions = {}): Promise<T> {
    let settled = false;
    const watched = promise.then(
      (v) => ((settled = true), v),
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    watched.catch(() => undefined);
    const report = await this.run(this.time + limitMs, false, options, () => settled);
    if (!settled) throw new ClockStallError(report);
    return watched;
  }

  private async run(target: number, advanceToTarget: boolean, options: ClockRunOptions, done?: () => boolean): Promise<RunReport> {
    if (this.running) throw new Error('VirtualClock is already running: await the previous runFor/runUntil/runUntilIdle first');
    this.running = true;
    const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    let events = 0;
    try {
      for (;;) {
        await settle();
        // Real async work registered with hold() finishes before virtual time moves on.
        while (this.held.size > 0) {
          await Promise.all([...this.held]);
          await settle();
        }
        if (done?.()) return this.report('idle', events);
        this.dropDead();
        const next = this.heap[0];
        if (next === undefined) {
          if (advanceToTarget) this.time = Math.max(this.time, target);
          return this.report(advanceToTarget ? 'time' : 'idle', events);
        }
        if (next.time > target) {
          this.time = Math.max(this.time, target);
          return this.report('time', events);
        }
        if (events >= maxEvents) return this.report('event-limit', events);
        this.pop();
        this.live.delete(next.id);
        this.time = next.time;
        events++;
        next.callback();
      }
    } finally {
      this.running = false;
    }
  }

  private report(stoppedBy: RunReport['stoppedBy'], events: number): RunReport {
    return { stoppedBy, events, now: this.time, pending: this.pending };
  }

  private dropDead(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0]!.id)) this.pop();
  }

  // Binary min-heap on (time, seq).
  private less(a: Entry, b: Entry): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

interface RealEntry {
  id: number;
  due: number; // lab time
  callback: () => void;
  timeout: ReturnType<typeof setTimeout>;
}

/**
 * Wall-clock time plus an offset. `advance(ms)` jumps lab time forward (like
 * faketime): pending timers are re-armed so each still fires at its lab-time
 * due point — a jump past a timer fires it at once.
 *
 * With `rate` > 1, lab time also runs `rate` times faster than the host's
 * clock from `anchorMs` (host ms) on: now = host + offset + (host − anchor) ×
 * (rate − 1). servers/real/timeshift.c computes the same function from the
 * same numbers for a real resolver, so both sides agree to the millisecond.
 */
function checkedRate(rate: number): number {
  if (!Number.isInteger(rate) || rate < 1) throw new RangeError(`RealClock rate must be an integer ≥ 1, got ${rate}`);
  return rate;
}

export class RealClock implements Clock {
  private offset: number;
  private nextId = 1;
  private timers = new Map<number, RealEntry>();
  /** Lab milliseconds per host millisecond (an integer ≥ 1). */
  private rateValue: number;
  /** Host time (ms) from which lab time runs at `rate`. */
  private anchor: number;

  constructor(options: { offsetMs?: number; start?: number | Date | string; rate?: number; anchorMs?: number } = {}) {
    this.offset = options.start !== undefined ? parseInstant(options.start) - Date.now() : (options.offsetMs ?? 0);
    this.rateValue = checkedRate(options.rate ?? 1);
    this.anchor = options.anchorMs ?? Date.now();
  }

  now(): number {
    const host = Date.now();
    return host + this.offset + (host - this.anchor) * (this.rateValue - 1);
  }

  get rate(): number {
    return this.rateValue;
  }

  get anchorMs(): number {
    return this.anchor;
  }

  /**
   * From now on, run `rate` times faster than the host (lab time does not jump: the time already run at the
   * old rate is folded into the offset). Returns the host time (ms) the new rate counts from.
   */
  setRate(rate: number): number {
    const next = checkedRate(rate);
    const host = Date.now();
    this.offset += (host - this.anchor) * (this.rateValue - 1);
    this.rateValue = next;
    this.anchor = host;
    for (const e of [...this.timers.values()]) {
      clearTimeout(e.timeout);
      this.arm(e);
    }
    return host;
  }

  /** Host milliseconds that `labMs` of lab time takes. */
  hostMs(labMs: number): number {
    return labMs / this.rateValue;
  }

  get offsetMs(): number {
    return this.offset;
  }

  setTimer(delayMs: number, callback: () => void): VirtualTimer {
    if (Number.isNaN(delayMs)) throw new RangeError('setTimer delay is NaN');
    const id = this.nextId++;
    if (delayMs === Infinity) return { id };
    const due = this.now() + Math.max(0, delayMs);
    this.arm({ id, due, callback, timeout: undefined as unknown as ReturnType<typeof setTimeout> });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const id = (handle as { id?: unknown }).id;
    if (typeof id !== 'number') return;
    const e = this.timers.get(id);
    if (e) {
      clearTimeout(e.timeout);
      this.timers.delete(id);
    }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(ms, resolve));
  }

  /** Jump lab time by `ms` (may be negative) and re-arm pending timers against the new time. */
  advance(ms: number): void {
    this.setOffset(this.offset + ms);
  }

  setOffset(offsetMs: number): void {
    this.offset = offsetMs;
    for (const e of [...this.timers.values()]) {
      clearTimeout(e.timeout);
      this.arm(e);
    }
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.timers.size;
  }

  private arm(e: RealEntry): void {
    // setTimeout caps at 2^31-1 ms; longer waits re-arm in steps.
    const wait = Math.min(Math.max(0, Math.ceil((e.due - this.now()) / this.rateValue)), 2 ** 31 - 1);
    e.timeout = setTimeout(() => {
      if (this.now() < e.due) {
        this.arm(e);
        return;
      }
      this.timers.delete(e.id);
      e.callback();
    }, wait);
    this.timers.set(e.id, e);
  }
}

/** `await sleep(clock, ms)` for any Clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
