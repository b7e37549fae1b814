import { describe, expect, it } from 'vitest';
import { createMemoryBudget, type Clock } from '../../../src/integrations/hubspot/budget.ts';
import { createBatcher } from '../../../src/integrations/hubspot/batcher.ts';
import { CrmRateLimitedError } from '../../../src/integrations/hubspot/port.ts';
import { backoffMs } from '../../../src/workers/hubspot.ts';

function virtualClock(start = Date.parse('2026-11-20T10:00:00Z')): Clock & { t: number } {
  const c = { t: start, now: () => c.t, sleep: async (ms: number) => { c.t += ms; } };
  return c;
}

describe('request budget', () => {
  it('never lets more than the limit through any rolling window', async () => {
    const clock = virtualClock();
    const b = createMemoryBudget({ limits: { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 1e6 }, clock, marginMs: { general: 0, search: 0 }, defaultMaxWaitMs: 1e9 });
    const times: { t: number; kind: string }[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 3 === 0 ? 'search' : 'general';
      (await b.acquire(kind as 'search' | 'general'))();
      times.push({ t: clock.now(), kind });
    }
    const general = times.filter((x) => x.kind === 'general');
    for (const { t } of general) expect(general.filter((x) => x.t > t - 10_000 && x.t <= t).length).toBeLessThanOrEqual(100);
    const searches = times.filter((x) => x.kind === 'search');
    for (const { t } of searches) expect(searches.filter((x) => x.t > t - 1_000 && x.t <= t).length).toBeLessThanOrEqual(5);
  });

  it('keeps searches and v4 association batches out of the 10-second window, as the spec exempts them', async () => {
    const clock = virtualClock();
    const b = createMemoryBudget({ limits: { general: { max: 10, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 1e6 }, clock, marginMs: { general: 0, search: 0 }, defaultMaxWaitMs: 1e9 });
    for (let i = 0; i < 10; i++) (await b.acquire('general'))();
    const t0 = clock.now();
    // The general window is full, yet 5 searches and 50 association batches go at once.
    for (let i = 0; i < 5; i++) (await b.acquire('search'))();
    for (let i = 0; i < 50; i++) (await b.acquire('exempt'))();
    expect(clock.now()).toBe(t0);
    (await b.acquire('general'))();
    expect(clock.now() - t0).toBeGreaterThan(9_000);
  });

  it("starts a new daily budget at the portal's midnight, not UTC's", async () => {
    // 23:00 in Bogotá (UTC-5) is 04:00 UTC the next day: the UTC day has already changed.
    const clock = virtualClock(Date.parse('2026-11-21T04:00:00Z'));
    const b = createMemoryBudget({ limits: { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 2 }, clock, marginMs: { general: 0, search: 0 }, defaultMaxWaitMs: 1e9, timeZone: () => 'America/Bogota' });
    (await b.acquire('general'))(); (await b.acquire('exempt'))();
    const err = await b.acquire('general').catch((e: unknown) => e) as CrmRateLimitedError;
    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect(err.policy).toBe('daily');
    // Until 00:00 Bogotá = 05:00 UTC (plus a second's margin), not 24:00 UTC.
    expect(err.retryAfterMs).toBe(3_600_000 + 1_000);
    clock.t = Date.parse('2026-11-21T05:00:01Z');
    (await b.acquire('general'))();
  });

  it('is not slower than the limit: 300 requests at 100 per rolling 10 s take just over 20 s', async () => {
    const clock = virtualClock();
    const b = createMemoryBudget({ limits: { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 1e6 }, clock, marginMs: { general: 0, search: 0 }, defaultMaxWaitMs: 1e9 });
    for (let i = 0; i < 300; i++) (await b.acquire('general'))(); // response arrives at once
    const took = clock.now() - Date.parse('2026-11-20T10:00:00Z');
    expect(took).toBeGreaterThanOrEqual(20_000);
    expect(took).toBeLessThan(20_010);
  });

  it('reports a long wait as a rate limit instead of sleeping through it, and stops at the daily budget', async () => {
    const clock = virtualClock();
    const b = createMemoryBudget({ limits: { general: { max: 2, windowMs: 10_000 }, search: { max: 1, windowMs: 1_000 }, daily: 3 }, clock, marginMs: { general: 0, search: 0 } });
    await b.acquire('general'); await b.acquire('general');
    await expect(b.acquire('general', 1_000)).rejects.toBeInstanceOf(CrmRateLimitedError);
    await b.acquire('general', 20_000);
    const err = await b.acquire('general', 1e9).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmRateLimitedError);
    expect((err as CrmRateLimitedError).message).toContain('daily');
  });
});

it('counts a request from when its response arrived, so a slow send cannot bunch requests at HubSpot', async () => {
  const clock = virtualClock();
  const b = createMemoryBudget({ limits: { general: { max: 100, windowMs: 10_000 }, search: { max: 2, windowMs: 1_000 }, daily: 1e6 }, clock, marginMs: { general: 0, search: 0 }, inflightMs: 100, defaultMaxWaitMs: 1e9 });
  const t0 = clock.now();
  const r1 = await b.acquire('search');
  (await b.acquire('search'))();
  clock.t += 700; // the first request is still on its way (event-loop stall, slow network)
  r1();
  await b.acquire('search');
  // The next search slot opens 1 s after the first RESPONSE (t0+700), not 1 s after its grant.
  expect(clock.now() - t0).toBeGreaterThanOrEqual(1_000);
  const r4 = b.acquire('search');
  await r4;
  expect(clock.now() - t0).toBeGreaterThanOrEqual(1_701);
});

describe('batcher', () => {
  it('flushes full batches at once and partial ones after the wait', async () => {
    const seen: number[][] = [];
    const b = createBatcher<number, number>({ maxSize: 3, maxWaitMs: 20, maxParallel: 1 }, async (xs) => { seen.push(xs); return xs.map((x) => x * 10); });
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(seen).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('rejects every item of a failed flush', async () => {
    const b = createBatcher<number, number>({ maxSize: 2, maxWaitMs: 5, maxParallel: 2 }, async () => { throw new Error('boom'); });
    const rs = await Promise.allSettled([b.submit(1), b.submit(2)]);
    expect(rs.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('backoff', () => {
  it('doubles per try up to the cap, with jitter in the upper half', () => {
    expect(backoffMs(1, 1000, 60_000, 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, 1)).toBe(8000);
    expect(backoffMs(30, 1000, 60_000, 1)).toBe(60_000);
  });
});

describe('batcher under a steady stream', () => {
  it('does not flush a lone leftover early just because an older batch was due', async () => {
    const sizes: number[] = [];
    const b = createBatcher<number, number>({ maxSize: 10, maxWaitMs: 30, maxParallel: 1 }, async (xs) => { sizes.push(xs.length); await new Promise((r) => setTimeout(r, 40)); return xs; });
    const first = Array.from({ length: 5 }, (_, i) => b.submit(i));
    await new Promise((r) => setTimeout(r, 35)); // the first five are now due and flushed
    const rest = Array.from({ length: 21 }, (_, i) => b.submit(100 + i)); // arrive while that flush runs
    await Promise.all([...first, ...rest]);
    expect(sizes).toEqual([5, 10, 10, 1]);
  });
});
