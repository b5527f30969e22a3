import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../net/random.ts';

describe('SeededRandom', () => {
  it('is xoshiro128** (reference outputs for state 1,2,3,4)', () => {
    // First outputs of the reference C implementation seeded with s = {1, 2, 3, 4}.
    const r = SeededRandom.fromState(1, 2, 3, 4);
    assert.deepEqual([r.uint32(), r.uint32(), r.uint32()], [11520, 0, 5927040]);
  });

  it('same seed, same stream; different seeds differ', () => {
    const a = new SeededRandom('lab-1');
    const b = new SeededRandom('lab-1');
    const c = new SeededRandom('lab-2');
    const xa = Array.from({ length: 8 }, () => a.uint32());
    assert.deepEqual(
      xa,
      Array.from({ length: 8 }, () => b.uint32()),
    );
    assert.notDeepEqual(
      xa,
      Array.from({ length: 8 }, () => c.uint32()),
    );
    assert.deepEqual(new SeededRandom(42).bytes(10), new SeededRandom('42').bytes(10));
  });

  it('fork(label) depends on the label only, not on draws from the parent', () => {
    const a = new SeededRandom('s');
    const b = new SeededRandom('s');
    b.uint32();
    b.uint32();
    assert.deepEqual(a.fork('ports').bytes(16), b.fork('ports').bytes(16));
    assert.notDeepEqual(a.fork('ports').bytes(16), a.fork('loss').bytes(16));
  });

  it('int() stays in range and covers it; float() in [0,1)', () => {
    const r = new SeededRandom('range');
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[r.int(6)]!++;
    for (const c of counts) assert.ok(c > 850 && c < 1150, `bucket count ${c} is far from 1000`);
    for (let i = 0; i < 1000; i++) {
      const f = r.float();
      assert.ok(f >= 0 && f < 1);
      const x = r.range(49152, 65535);
      assert.ok(x >= 49152 && x <= 65535);
    }
    assert.throws(() => r.int(0), RangeError);
    assert.equal(r.bytes(7).length, 7);
    assert.deepEqual(r.shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  });
});
