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

  it('scaled clock: timers fire in simulated-time order even when the event loop was blocked past both', async () => {
    const c = createSimClock({ speed: 1 });
    const order: string[] = [];
    const done = new Promise<void>((resolve) => c.setTimer(60, () => (order.push('hangup@60'), resolve())));
    for (let i = 0; i < 5; i++) c.setTimer(10 * i, () => order.push(`digit@${10 * i}`));
    const cancelled = c.setTimer(30, () => order.push('cancelled'));
    c.clearTimer(cancelled);
    const until = performance.now() + 100;
    while (performance.now() < until) {
      // block the loop beyond every due time
    }
    await done;
    expect(order).toEqual(['digit@0', 'digit@10', 'digit@20', 'digit@30', 'digit@40', 'hangup@60']);
    c.dispose();
  });

  it('scaled clock: simulated time runs `speed` times faster than real time', async () => {
    let real = 0;
    const c = createSimClock({ speed: 50, startMs: 0, realNow: () => real });
    real = 10;
    expect(c.now()).toBe(500);
    c.dispose();
    const fast = createSimClock({ speed: 50 });
    const t0 = performance.now();
    await new Promise<void>((resolve) => fast.setTimer(1000, resolve)); // 20 ms of real time
    expect(performance.now() - t0).toBeLessThan(900);
    fast.dispose();
    expect(() => createSimClock({ speed: 0 })).toThrow(RangeError);
  });
});
