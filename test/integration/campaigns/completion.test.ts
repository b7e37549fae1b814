// Campaign completion and per-row results in PostgreSQL, and the flow catalog processes
// without a registry (worker, Lambda) read (Redis): the store decides `completed` in the same
// transaction that records the last final outcome, an ingest in progress holds it off, new
// rows reopen it.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { Redis } from 'ioredis';
import type { RowResult } from '../../../src/campaigns/results.ts';
import { publishCatalog, publishedCatalog } from '../../../src/campaigns/catalog.ts';
import { isPermanentIngestError } from '../../../src/campaigns/service.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';

const P = 'it-complete';
let redis: Redis;
let cdb: CampaignTestDb;
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  for (const k of await redis.keys(`${P}*`)) await redis.del(k);
  cdb = await openCampaignTestDb('complete');
});
afterAll(async () => { redis.disconnect(); await cdb.close(); });
const createCampaignStore = (opts: { onCompleted?: (id: string) => void } = {}) => cdb.db.store(opts);
const admit = (id: string, rows: { phone: string; rowId: string; rowNumber: number }[], fileId: string) => cdb.admit(id, rows, fileId);
const retry = { final: false as const, nextAt: 0 };

describe('campaign completion', () => {
  it('becomes completed when the last row is final, once, and a new file reopens it', async () => {
    const completed: string[] = [];
    const store = createCampaignStore({ onCompleted: (id) => completed.push(id) });
    await store.saveSettings('c1', parseCampaignSettings({}));
    await admit('c1', [{ phone: '+573001234501', rowId: 'f1-2', rowNumber: 2 }, { phone: '+573001234502', rowId: 'f1-3', rowNumber: 3 }], 'f1');
    await store.settle('c1', 'f1-2', 1, 'busy', retry, 1);
    await store.settle('c1', 'f1-2', 2, 'answered', { final: true, outcome: 'answered' }, 2);
    expect((await store.progress('c1')).state).toBe('active');
    await store.settle('c1', 'f1-3', 1, 'no-answer', { final: true, outcome: 'no-answer' }, 2);
    expect(await store.progress('c1')).toMatchObject({ state: 'completed', done: 2, queued: 2, completedAt: expect.any(String) });
    // A redelivered outcome changes nothing and does not complete twice.
    await store.settle('c1', 'f1-3', 1, 'no-answer', { final: true, outcome: 'no-answer' }, 2);
    expect(completed).toEqual(['c1']);
    // New rows: active again, then completed again.
    await admit('c1', [{ phone: '+573001234503', rowId: 'f2-2', rowNumber: 2 }], 'f2');
    expect(await store.progress('c1')).toMatchObject({ state: 'active' });
    expect((await store.progress('c1')).completedAt).toBeUndefined();
    await store.settle('c1', 'f2-2', 1, 'answered', { final: true, outcome: 'answered' }, 2);
    expect(completed).toEqual(['c1', 'c1']);
  });

  it('an ingest in progress holds completion off; a file of only rejected rows completes at once', async () => {
    const store = createCampaignStore();
    await store.saveSettings('c2', parseCampaignSettings({}));
    await store.holdIngest('c2', 'f1', 60_000);
    await admit('c2', [{ phone: '+573001234511', rowId: 'f1-2', rowNumber: 2 }], 'f1');
    await store.settle('c2', 'f1-2', 1, 'answered', { final: true, outcome: 'answered' }, 2);
    expect((await store.progress('c2')).state).toBe('active'); // more rows of f1 may still come
    await store.releaseIngest('c2', 'f1');
    expect(await store.checkCompleted('c2')).toBe(true);
    expect((await store.progress('c2')).state).toBe('completed');
    // An expired lease (a crashed ingest) does not block completion forever.
    await store.saveSettings('c3', parseCampaignSettings({}));
    await store.holdIngest('c3', 'f1', 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.checkCompleted('c3')).toBe(true);
  });

  it('a cancelled campaign stays cancelled; resuming a paused campaign with nothing left completes it', async () => {
    const store = createCampaignStore();
    await store.saveSettings('c4', parseCampaignSettings({}));
    await admit('c4', [{ phone: '+573001234521', rowId: 'f1-2', rowNumber: 2 }], 'f1');
    await store.setState('c4', 'cancelled');
    await store.settle('c4', 'f1-2', 1, '', { final: true, outcome: 'cancelled' }, 2);
    expect((await store.progress('c4')).state).toBe('cancelled');
    await store.saveSettings('c5', parseCampaignSettings({}));
    await admit('c5', [{ phone: '+573001234531', rowId: 'f1-2', rowNumber: 2 }], 'f1');
    await store.setState('c5', 'paused');
    await store.settle('c5', 'f1-2', 1, 'answered', { final: true, outcome: 'answered' }, 2);
    expect((await store.progress('c5')).state).toBe('completed');
    await store.setState('c5', 'paused');
    await store.setState('c5', 'active');
    expect((await store.progress('c5')).state).toBe('completed');
  });
});

describe('per-row results', () => {
  it('lists each file\'s rows in file order with attempts, outcomes and times', async () => {
    const store = createCampaignStore();
    const results = cdb.db.results;
    await store.saveSettings('r1', parseCampaignSettings({}));
    // Admitted out of order across chunks, numbers past 9 (a string sort would put 10 first).
    await admit('r1', [{ phone: '+573001234610', rowId: 'fa-10', rowNumber: 10 }, { phone: '+573001234602', rowId: 'fa-2', rowNumber: 2 }], 'fa');
    await admit('r1', [{ phone: '+573001234605', rowId: 'fa-5', rowNumber: 5 }], 'fa');
    await store.markDialled('r1', 'fa-2', 1, 1_700_000_000_000);
    await store.settle('r1', 'fa-2', 1, 'busy', retry, 1);
    await store.settle('r1', 'fa-2', 2, 'answered', { final: true, outcome: 'answered' }, 2);
    await store.settle('r1', 'fa-5', 1, '', { final: true, outcome: 'cancelled' }, 2);
    await store.noteFile('r1', 'fa', { file: 'campaigns/r1/a.csv', at: '2026-03-10T10:00:00.000Z', reportDelimiter: ';' });
    expect(await results.files('r1')).toEqual([{ fileId: 'fa', file: 'campaigns/r1/a.csv', at: '2026-03-10T10:00:00.000Z', reportDelimiter: ';' }]);
    const rows: RowResult[] = [];
    for await (const page of results.rows('r1', 'fa', 2)) rows.push(...page);
    expect(rows.map((r) => [r.rowNumber, r.phone, r.attempts, r.lastOutcome, r.finalOutcome])).toEqual([
      [2, '+573001234602', 2, 'answered', 'answered'],
      [5, '+573001234605', 0, undefined, 'cancelled'],
      [10, '+573001234610', 0, undefined, undefined],
    ]);
    expect(rows[0]).toMatchObject({ firstDialAt: 1_700_000_000_000, lastAttemptAt: expect.any(Number), finalAt: expect.any(Number) });
  });
});

describe('published flow catalog (worker, Lambda)', () => {
  it('reads what the app published; none published is a transient error, not a refusal', async () => {
    const key = `${P}:flows:catalog`;
    const err = await publishedCatalog(redis, key)().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CAMPAIGN_CATALOG_UNAVAILABLE' });
    expect(isPermanentIngestError(err)).toBe(false);
    await publishCatalog(redis, { flowIds: ['campaign', 'main'] }, key);
    expect(await publishedCatalog(redis, key)()).toEqual({ flowIds: ['campaign', 'main'] });
  });
});
