// The hopper's crash safety on PostgreSQL + Redis: rows are marked "in the hopper" before their
// jobs are added, so an add that fails hands them back at once, and rows whose jobs never
// reached Redis (the process died in between) are handed back once they count as lost — while
// rows whose job exists are left alone. Also: the hopper holds at most its target, and a
// paused campaign is not refilled. Time is injected (the hopper's clock).
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { createLogger } from '../../../src/logger.ts';
import { startHopper, hopperTarget, originateJobId, type OriginateJobData } from '../../../src/campaigns/hopper.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';

const P = 'it-hopper';
let redis: Redis;
let queue: Queue<OriginateJobData>;
let cdb: CampaignTestDb;
const log = createLogger({ level: 'silent' });
const global = { maxCallsPerSecond: 10, maxConcurrentCalls: 5 };
const settings = parseCampaignSettings({ window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, maxConcurrentCalls: 2, maxCallsPerSecond: 2 });
const T0 = Date.parse('2026-03-10T15:00:00Z');

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  for (const k of await redis.keys(`${P}*`)) await redis.del(k);
  queue = new Queue<OriginateJobData>('originate', { connection: redis, prefix: P });
  cdb = await openCampaignTestDb('hopper');
});
afterAll(async () => { await queue.close(); redis.disconnect(); await cdb.close(); });

const states = async (id: string) => (await cdb.store.database.pool.query<{ state: number; n: number }>(
  'select r.state, count(*)::int as n from campaign_rows r join campaigns c on c.seq = r.cid where c.id = $1 group by r.state order by r.state', [id])).rows
  .reduce<Record<number, number>>((a, r) => ({ ...a, [r.state]: r.n }), {});
const rows = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ phone: `+57301${String(1_000_000 + base + i)}`, rowId: `f-${i + 2}`, dueAt: T0 }));

describe('campaign hopper', () => {
  it('fills up to its target, not the campaign size, and does not refill a paused campaign', async () => {
    await cdb.db.store().saveSettings('fill', settings);
    await cdb.admit('fill', rows(100, 0));
    let now = T0;
    const h = startHopper({ store: cdb.db.hopper, queue, clock: () => now, logger: log, global, intervalMs: 60_000 });
    try {
      const target = hopperTarget(settings, global, 3);
      expect(target).toBe(6);
      expect(await h.refill()).toMatchObject({ taken: target });
      expect(await queue.count()).toBe(target);
      expect(await states('fill')).toEqual({ 0: 100 - target, 1: target });
      // Full: another pass takes nothing.
      expect((await h.refill()).taken).toBe(0);
      // Jobs queued under this hop's id, best priority first.
      const [job] = await queue.getWaiting(0, 0);
      expect(job!.id).toBe(originateJobId('fill', job!.data.rowId, 1, 1));
      await queue.obliterate({ force: true });
      // Paused: not refilled even though its jobs are gone (they would be handed back by the dialler).
      await cdb.db.store().setState('fill', 'paused');
      now += 120_000;
      expect(await h.refill()).toMatchObject({ taken: 0 });
    } finally {
      await h.close();
    }
  });

  it('an addBulk that fails hands the rows back at once; rows whose job never reached Redis come back once lost, others stay', async () => {
    await cdb.db.store().saveSettings('lost', settings);
    await cdb.admit('lost', rows(20, 500));
    let now = T0;
    let fail = true;
    const flaky = { addBulk: (jobs: Parameters<typeof queue.addBulk>[0]) => (fail ? Promise.reject(new Error('Redis down')) : queue.addBulk(jobs)), getJobState: (id: string) => queue.getJobState(id) };
    const h = startHopper({ store: cdb.db.hopper, queue: flaky, clock: () => now, logger: log, global, intervalMs: 60_000, lostAfterMs: 30_000 });
    try {
      await expect(h.refill()).rejects.toThrow('Redis down');
      expect(await states('lost')).toEqual({ 0: 20 });
      fail = false;
      expect((await h.refill()).taken).toBe(6);
      // A process that died between its commit and its addBulk: rows in the hopper, no jobs.
      const c = (await cdb.db.hopper.campaigns()).find((x) => x.campaignId === 'lost')!;
      const orphans = await cdb.db.hopper.take(c, c.zones, 4, now);
      expect(orphans).toHaveLength(4);
      expect(await states('lost')).toEqual({ 0: 10, 1: 10 });
      // Not lost yet.
      now += 10_000;
      expect(await h.recoverLost()).toBe(0);
      now += 25_000;
      expect(await h.recoverLost()).toBe(4);
      expect(await states('lost')).toEqual({ 0: 14, 1: 6 });
      // A late hand-back with the old tickets (the dead process coming back) changes nothing.
      await cdb.db.hopper.untake(orphans.map((r) => r.ticket));
      expect(await states('lost')).toEqual({ 0: 14, 1: 6 });
    } finally {
      await h.close();
    }
  });
});
