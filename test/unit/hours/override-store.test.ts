// Override store on a real redis-server: expiry by Redis itself, audit of who/why,
// input errors with stable codes, and the hours service falling back when Redis fails.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createOverrideStore, type OverrideAuditEntry } from '../../../src/hours/override-store.ts';
import { createHoursService } from '../../../src/hours/service.ts';
import { schedules } from '../../../flows/schedules.ts';

let redis: Redis;
const prefix = `test:hours-overrides:${process.pid}:`;

beforeAll(() => { redis = new Redis(inject('redisUrl'), { lazyConnect: false, maxRetriesPerRequest: 1 }); });
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('override store', () => {
  it('sets, reads, lists and audits an override; Redis expires it by itself', async () => {
    const changes: OverrideAuditEntry[] = [];
    const store = createOverrideStore({ redis, prefix: `${prefix}a:`, onChange: (e) => changes.push(e) });
    const now = new Date();
    const ov = await store.set({ scheduleId: 'office', state: 'closed', reason: 'storm', setBy: 'ana', now, expiresAt: new Date(now.getTime() + 300) });
    expect(ov).toMatchObject({ scheduleId: 'office', state: 'closed', reason: 'storm', setBy: 'ana' });
    expect(await store.active('office')).toEqual([ov]);
    expect(await store.list()).toEqual([ov]);
    const ttl = await redis.pttl(`${prefix}a:hours:override:office`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    expect(changes).toEqual([expect.objectContaining({ action: 'set', by: 'ana', reason: 'storm', state: 'closed' })]);
    // Let Redis expire it (PX) rather than sleeping a fixed time: poll the TTL.
    await redis.pexpire(`${prefix}a:hours:override:office`, 1);
    for (let i = 0; i < 100 && (await redis.exists(`${prefix}a:hours:override:office`)); i++) await new Promise((r) => setTimeout(r, 2));
    expect(await store.active('office')).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('clear removes it and is audited with who did it', async () => {
    const store = createOverrideStore({ redis, prefix: `${prefix}b:` });
    const now = new Date('2026-03-02T15:00:00Z');
    await store.set({ scheduleId: 'office', state: 'open', reason: 'campaign', setBy: 'luis', now: new Date(), expiresAt: new Date(Date.now() + 60_000) });
    expect(await store.clear('office', 'ana', now, 'done early')).toBe(true);
    expect(await store.clear('office', 'ana', now)).toBe(false);
    expect(await store.active('office')).toEqual([]);
    const audit = await store.audit();
    expect(audit.map((a) => [a.action, a.by])).toEqual([['clear', 'ana'], ['set', 'luis']]);
  });

  it('rejects an override without reason, author or a future expiry (stable codes)', async () => {
    const store = createOverrideStore({ redis, prefix: `${prefix}c:` });
    const now = new Date('2026-03-02T15:00:00Z');
    await expect(store.set({ scheduleId: 'office', state: 'open', reason: ' ', setBy: 'ana', now, expiresAt: new Date('2026-03-02T16:00:00Z') })).rejects.toMatchObject({ code: 'OVERRIDE_REASON_REQUIRED' });
    await expect(store.set({ scheduleId: 'office', state: 'open', reason: 'x', setBy: '', now, expiresAt: new Date('2026-03-02T16:00:00Z') })).rejects.toMatchObject({ code: 'OVERRIDE_WHO_REQUIRED' });
    await expect(store.set({ scheduleId: 'office', state: 'open', reason: 'x', setBy: 'ana', now, expiresAt: now })).rejects.toMatchObject({ code: 'OVERRIDE_EXPIRY_INVALID' });
  });
});

describe('hours service', () => {
  it('applies the stored override to the schedule', async () => {
    const store = createOverrideStore({ redis, prefix: `${prefix}d:` });
    await store.set({ scheduleId: 'office', state: 'closed', reason: 'inventory', setBy: 'ana', now: new Date('2026-03-02T14:00:00Z'), expiresAt: new Date(Date.now() + 60_000) });
    const svc = createHoursService({ schedules, overrides: store });
    expect(await svc.evaluate('office', '2026-03-02T15:00:00Z')).toMatchObject({ open: false, reason: 'override', detail: 'inventory (set by ana)' });
  });

  it('falls back to the schedule when the override store fails, and reports it', async () => {
    const errors: string[] = [];
    const svc = createHoursService({ schedules, overrides: { active: async () => { throw new Error('redis down'); } }, onOverrideError: (e, id) => errors.push(`${id}: ${(e as Error).message}`) });
    expect(await svc.evaluate('office', '2026-03-02T15:00:00Z')).toMatchObject({ open: true, reason: 'weekly' });
    expect(errors).toEqual(['office: redis down']);
  });

  it('an unknown schedule is an error with a stable code', async () => {
    const svc = createHoursService({ schedules });
    await expect(svc.evaluate('ofice', '2026-03-02T15:00:00Z')).rejects.toMatchObject({ code: 'SCHEDULE_UNKNOWN' });
  });
});
