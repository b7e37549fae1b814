import { describe, expect, it, vi } from 'vitest';
import { DeadlineError, startProgress, stopInReverse, withDeadline, type Stack } from '../../../src/infra/lifecycle.ts';

const logger = () => {
  const lines: { level: string; o: Record<string, unknown>; m?: string }[] = [];
  return { lines, error: (o: object, m?: string) => lines.push({ level: 'error', o: o as Record<string, unknown>, m }), warn: (o: object, m?: string) => lines.push({ level: 'warn', o: o as Record<string, unknown>, m }), debug: () => {} };
};

describe('stop with a hard deadline', () => {
  it('a stop step that hangs forever is abandoned at its budget; the later steps still run; the whole stop keeps the deadline', async () => {
    vi.useFakeTimers();
    try {
      const order: string[] = [];
      const stack: Stack = [
        { name: 'redis-server', stop: () => { order.push('redis-server'); } },
        { name: 'hangs', stop: () => new Promise<void>(() => { order.push('hangs'); }) },
        { name: 'calls', stop: () => new Promise<void>((r) => { order.push('calls'); setTimeout(r, 1_000); }), budgetMs: 5_000 },
      ];
      const log = logger();
      const stop = stopInReverse(stack, log, { deadlineMs: 10_000 });
      let done: { hung: string[] } | undefined;
      void stop().then((r) => { done = r; });
      await vi.advanceTimersByTimeAsync(1_000);
      expect(order).toEqual(['calls', 'hangs']);
      expect(done).toBeUndefined();
      await vi.advanceTimersByTimeAsync(9_000); // the hung step gets what is left of the 10 s
      expect(done).toEqual({ hung: ['hangs'] });
      expect(order).toEqual(['calls', 'hangs', 'redis-server']);
      expect(log.lines).toEqual([expect.objectContaining({ level: 'error', o: expect.objectContaining({ resource: 'hangs', code: 'STOP_STEP_DEADLINE' }) })]);
      expect(stack).toHaveLength(0);
    } finally { vi.useRealTimers(); }
  });

  it('a step with its own budget cannot eat the time of the steps after it', async () => {
    vi.useFakeTimers();
    try {
      const ran: string[] = [];
      const stack: Stack = [
        { name: 'last', stop: () => new Promise<void>((r) => { ran.push('last'); setTimeout(r, 500); }) },
        { name: 'intake', stop: () => new Promise<void>(() => { ran.push('intake'); }), budgetMs: 2_000 },
      ];
      let done = false;
      void stopInReverse(stack, logger(), { deadlineMs: 5_000 })().then(() => { done = true; });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(ran).toEqual(['intake', 'last']);
      await vi.advanceTimersByTimeAsync(500);
      expect(done).toBe(true);
    } finally { vi.useRealTimers(); }
  });

  it('a throwing step is logged and the others still stop', async () => {
    const ran: string[] = [];
    const log = logger();
    await stopInReverse([{ name: 'a', stop: () => { ran.push('a'); } }, { name: 'b', stop: () => { throw new Error('boom'); } }], log, { deadlineMs: 1000 })();
    expect(ran).toEqual(['a']);
    expect(log.lines[0]).toMatchObject({ level: 'error', o: { resource: 'b' } });
  });
});

describe('start-up deadline', () => {
  it('withDeadline rejects with the error naming the step; the progress then refuses further steps', async () => {
    vi.useFakeTimers();
    try {
      const progress = startProgress();
      progress.step('redis');
      const p = withDeadline(new Promise<never>(() => {}), 10_000, () => { progress.cancel(); return new DeadlineError('STARTUP_DEADLINE', progress.current(), 10_000, 'start-up'); });
      const settled = p.catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(10_000);
      const err = await settled;
      expect(err).toBeInstanceOf(DeadlineError);
      expect(err).toMatchObject({ code: 'STARTUP_DEADLINE', step: 'redis', message: 'start-up did not finish within 10000 ms (hung in: redis)' });
      expect(() => progress.step('telephony')).toThrow(/given up/);
    } finally { vi.useRealTimers(); }
  });
});
