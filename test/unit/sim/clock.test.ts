import { describe, expect, it } from 'vitest';
import { createManualClock, createSimClock } from '../../../src/sim/clock.ts';

describe('sim clocks', () => {
  it('manual clock runs due timers in time order, ties in creation order, and only when advanced', () => {
    const c = createManualClock(1000);
    const seen: string[] = [];
    c.setTimer(50, () => seen.push('b'));
    c.setTimer(10, () => seen.push('a'));
    c.setTimer(50, () => seen.push('c'));
    const gone = c.setTimer(20, () => seen.push('never'));
    c.clearTimer(gone);
    expect(c.nextDue()).toBe(1010);
    c.advance(49);
    expect(seen).toEqual(['a']);
    expect(c.now()).toBe(1049);
    c.advance(1);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(c.pending()).toBe(0);
  });

  it('manual clock: timers set by timers run within the same advance when due', () => {
    const c = createManualClock(0);
    const at: number[] = [];
    c.setTimer(10, () => {
      at.push(c.now());
      c.setTimer(10, () => at.push(c.now()));
    });
    c.advance(100);
    expect(at).toEqual([10, 20]);
    expect(c.now()).toBe(100);
  });

  it('scaled clock: simulated time runs `speed` times faster than real time', async () => {
    let real = 0;
    const c = createSimClock({ speed: 50, startMs: 0, realNow: () => real });
    real = 10;
    expect(c.now()).toBe(500);
    const t0 = performance.now();
    await new Promise<void>((resolve) => c.setTimer(1000, resolve)); // 20 ms of real time
    expect(performance.now() - t0).toBeLessThan(900);
    c.dispose();
    expect(() => createSimClock({ speed: 0 })).toThrow(RangeError);
  });
});
