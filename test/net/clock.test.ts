import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ClockStallError, DEFAULT_LAB_EPOCH, RealClock, VirtualClock, sleep } from '../../net/clock.ts';

describe('VirtualClock', () => {
  it('starts at the lab epoch (2026-01-01T00:00:00Z) or a given start', () => {
    assert.equal(new VirtualClock().now(), DEFAULT_LAB_EPOCH);
    assert.equal(new Date(DEFAULT_LAB_EPOCH).toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(new VirtualClock({ start: '2021-09-30T12:00:00Z' }).now(), Date.UTC(2021, 8, 30, 12));
    assert.throws(() => new VirtualClock({ start: 'yesterday' }), RangeError);
  });

  it('fires timers in (time, insertion) order and stands at each timer time', async () => {
    const clock = new VirtualClock({ start: 0 });
    const seen: string[] = [];
    clock.setTimer(20, () => seen.push(`b@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
    clock.setTimer(20, () => seen.push(`c@${clock.now()}`));
    clock.setTimer(0, () => {
      seen.push(`z@${clock.now()}`);
      clock.setTimer(0, () => seen.push(`z2@${clock.now()}`)); // same time, queued after the others at 0
    });
    const r = await clock.runFor(100);
    assert.deepEqual(seen, ['z@0', 'z2@0', 'a@10', 'b@20', 'c@20']);
    assert.equal(r.events, 5);
    assert.equal(r.now, 100);
    assert.equal(clock.now(), 100);
  });

  it('clearTimer cancels; a day-long wait costs nothing', async () => {
    const clock = new VirtualClock();
    let fired = 0;
    const h = clock.setTimer(5, () => fired++);
    clock.setTimer(86_400_000, () => fired++);
    clock.clearTimer(h);
    assert.equal(clock.pending, 1);
    const r = await clock.runUntilIdle();
    assert.equal(fired, 1);
    assert.equal(r.stoppedBy, 'idle');
    assert.equal(clock.now(), DEFAULT_LAB_EPOCH + 86_400_000);
  });

  it('lets promise chains settle between events (async code is deterministic)', async () => {
    const run = async (): Promise<string[]> => {
      const clock = new VirtualClock({ start: 0 });
      const log: string[] = [];
      const worker = async (name: string, delays: number[]): Promise<void> => {
        for (const d of delays) {
          await clock.sleep(d);
          // Several awaits between timers: must all run before the next event.
          await Promise.resolve();
          await new Promise<void>((r) => queueMicrotask(r));
          log.push(`${name}@${clock.now()}`);
        }
      };
      void worker('x', [5, 5, 5]);
      void worker('y', [10, 0, 5]);
      await clock.runUntilIdle();
      return log;
    };
    const a = await run();
    // y's 10 ms timer was set at t=0, before x's second 5 ms timer (set at t=5), so it fires first at t=10.
    assert.deepEqual(a, ['x@5', 'y@10', 'x@10', 'y@10', 'x@15', 'y@15']);
    assert.deepEqual(await run(), a);
  });

  it('runUntil stops at the target, runUntilIdle stops at its time limit and event cap and says so', async () => {
    const clock = new VirtualClock({ start: 0 });
    const tick = (): void => {
      clock.setTimer(1000, tick); // a periodic timer never lets the clock go idle
    };
    tick();
    const r1 = await clock.runUntil(10_500);
    assert.equal(r1.stoppedBy, 'time');
    assert.equal(r1.events, 10);
    assert.equal(clock.now(), 10_500);
    const r2 = await clock.runUntilIdle(60_000);
    assert.equal(r2.stoppedBy, 'time');
    assert.equal(r2.now, 70_500);
    assert.equal(r2.pending, 1);
    const r3 = await clock.runUntilIdle(Infinity, { maxEvents: 100 });
    assert.equal(r3.stoppedBy, 'event-limit');
    assert.equal(r3.events, 100);
    await assert.rejects(clock.runUntil(0), RangeError);
  });

  it('refuses overlapping runs', async () => {
    const clock = new VirtualClock();
    clock.setTimer(1, () => undefined);
    const first = clock.runFor(10);
    await assert.rejects(clock.runFor(10), /already running/);
    await first;
  });

  it('sleep() works with any Clock', async () => {
    const clock = new VirtualClock({ start: 0 });
    let done = false;
    void sleep(clock, 250).then(() => (done = true));
    await clock.runFor(249);
    assert.equal(done, false);
    await clock.runFor(1);
    assert.equal(done, true);
  });
});

describe('RealClock', () => {
  it('adds an offset; advance() jumps lab time and fires timers that became due', async () => {
    const clock = new RealClock({ start: '2030-01-01T00:00:00Z' });
    assert.ok(Math.abs(clock.now() - Date.UTC(2030, 0, 1)) < 5000);
    let fired = false;
    clock.setTimer(3_600_000, () => (fired = true));
    assert.equal(clock.pending, 1);
    clock.advance(3_600_000);
    for (let i = 0; i < 200 && !fired; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(fired, true);
    assert.equal(clock.pending, 0);
    const h = clock.setTimer(10, () => assert.fail('cleared timer fired'));
    clock.clearTimer(h);
    // Wait on the lab clock for a later timer: had the cleared one stayed armed, it would have fired first.
    await new Promise((r) => clock.setTimer(20, () => r(undefined)));
  });
});

describe('RealClock with a rate', () => {
  it('runs lab time `rate` times faster than the host from setRate() on, without a jump, and fires timers in host/rate', async () => {
    const clock = new RealClock({ offsetMs: 0 });
    assert.equal(clock.rate, 1);
    const before = clock.now();
    clock.setRate(20);
    assert.ok(Math.abs(clock.now() - before) < 50, 'switching the rate does not move lab time');
    const host0 = Date.now();
    const lab0 = clock.now();
    let firedAt = 0;
    clock.setTimer(2000, () => (firedAt = Date.now()));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(firedAt > 0, 'a 2 s lab timer fires within 300 ms of host time at rate 20');
    assert.ok(firedAt - host0 >= 90 && firedAt - host0 < 280, `fired after ${firedAt - host0} host ms (expected ≈ 100)`);
    const labElapsed = clock.now() - lab0;
    const hostElapsed = Date.now() - host0;
    assert.ok(Math.abs(labElapsed - 20 * hostElapsed) < 60, `lab ${labElapsed} ms vs 20 × host ${hostElapsed} ms`);
    assert.equal(clock.hostMs(2000), 100);
    assert.throws(() => clock.setRate(0), RangeError);
  });
});

describe('VirtualClock.runUntilSettled', () => {
  it('runs just until the promise settles and returns its value or error', async () => {
    const clock = new VirtualClock({ start: 0 });
    clock.setTimer(10_000, () => undefined); // later work stays pending
    const v = await clock.runUntilSettled(clock.sleep(500).then(() => 'done'));
    assert.equal(v, 'done');
    assert.equal(clock.now(), 500);
    assert.equal(clock.pending, 1);
    await assert.rejects(clock.runUntilSettled(clock.sleep(1).then(() => Promise.reject(new Error('boom')))), /boom/);
  });

  it('throws ClockStallError instead of hanging when nothing will settle the promise', async () => {
    const clock = new VirtualClock({ start: 0 });
    await assert.rejects(clock.runUntilSettled(new Promise(() => undefined)), (e: Error) => e.name === 'ClockStallError' && /pending/.test(e.message));
    const tick = (): void => void clock.setTimer(1000, tick);
    tick();
    await assert.rejects(clock.runUntilSettled(new Promise(() => undefined), 5000), (e: ClockStallError) => e.report.stoppedBy === 'time');
  });
});

describe('VirtualClock.hold', () => {
  it('waits for real async work before the next event, so its continuation runs at the same virtual time', async () => {
    const run = async (): Promise<string[]> => {
      const clock = new VirtualClock({ start: 0 });
      const log: string[] = [];
      clock.setTimer(10, () => {
        // Real I/O-like work (a real 30 ms timer) that the virtual clock cannot see on its own.
        void clock.hold(new Promise<string>((r) => setTimeout(() => r('signed'), 30))).then((v) => log.push(`${v}@${clock.now()}`));
      });
      clock.setTimer(11, () => log.push(`next@${clock.now()}`));
      await clock.runUntilIdle();
      return log;
    };
    assert.deepEqual(await run(), ['signed@10', 'next@11']);
  });
});
