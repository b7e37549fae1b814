// The request budget is global: several processes sharing Redis never exceed HubSpot's windows together.
import { afterAll, beforeAll, expect, it, inject } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createRedisBudget, type Clock } from '../../../src/integrations/hubspot/budget.ts';
import { CrmRateLimitedError } from '../../../src/integrations/hubspot/port.ts';

let redis: Redis;
beforeAll(() => { redis = new Redis(inject('redisUrl')); });
afterAll(() => { redis.disconnect(); });

it('two budgets on one Redis share the rolling windows', async () => {
  const t = { now: Date.parse('2026-11-20T10:00:00Z') };
  const clock: Clock = { now: () => t.now, sleep: async (ms) => { t.now += ms; } };
  const keyPrefix = `budget-test-${randomUUID()}`;
  const limits = { general: { max: 10, windowMs: 10_000 }, search: { max: 2, windowMs: 1_000 }, daily: 1_000 };
  const a = createRedisBudget({ redis, keyPrefix, limits, clock, marginMs: { general: 0, search: 0 }, inflightMs: 0, defaultMaxWaitMs: 1e9 });
  const b = createRedisBudget({ redis, keyPrefix, limits, clock, marginMs: { general: 0, search: 0 }, inflightMs: 0, defaultMaxWaitMs: 1e9 });
  const sent: { at: number; kind: string }[] = [];
  for (let i = 0; i < 30; i++) {
    const kind = i % 4 === 0 ? 'search' : 'general';
    (await (i % 2 ? a : b).acquire(kind as 'search' | 'general'))();
    sent.push({ at: t.now, kind });
  }
  // Searches are exempt from the 10-second window (HubSpot's spec); they have their own per-second one.
  const general = sent.filter((x) => x.kind === 'general');
  for (const { at } of general) expect(general.filter((x) => x.at > at - 10_000 && x.at <= at).length).toBeLessThanOrEqual(10);
  const searches = sent.filter((x) => x.kind === 'search');
  for (const { at } of searches) expect(searches.filter((x) => x.at > at - 1_000 && x.at <= at).length).toBeLessThanOrEqual(2);
  expect(t.now - Date.parse('2026-11-20T10:00:00Z')).toBeGreaterThanOrEqual(10_000); // 22 general requests at 10 per 10 s
  // With the window full, a caller that will not wait that long is told to back off instead.
  t.now += 20_000; // an empty window, then ten at once fill it
  for (let i = 0; i < 10; i++) (await b.acquire('general'))();
  await expect(a.acquire('general', 0)).rejects.toBeInstanceOf(CrmRateLimitedError);
  await redis.del(...(await redis.keys(`${keyPrefix}:*`)));
});
