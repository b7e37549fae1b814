// Embedded default: a local inbox folder processed like S3, reports to the results folder.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { createLogger } from '../../../src/logger.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createCampaignIngestService } from '../../../src/campaigns/service.ts';
import { createInboxWatcher, createLocalObjectStore } from '../../../src/campaigns/inbox.ts';

const P = 'it-inbox';
const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
const queue = new Queue('originate', { connection: redis, prefix: `${P}-bull` });
let cdb: CampaignTestDb;
beforeAll(async () => { cdb = await openCampaignTestDb('inbox'); });
afterAll(async () => { await queue.close(); redis.disconnect(); await cdb.close(); });

describe('local inbox', () => {
  it('ingests a dropped file once it is stable, writes reports and moves it aside', async () => {
    const root = mkdtempSync(join(tmpdir(), 'inbox-'));
    const inboxDir = join(root, 'inbox');
    const resultsDir = join(root, 'results');
    mkdirSync(join(inboxDir, 'abril'), { recursive: true });
    writeFileSync(join(inboxDir, 'abril', 'campaign.json'), JSON.stringify({ maxCallsPerSecond: 3 }));
    writeFileSync(join(inboxDir, 'abril', 'lista de abril.csv'), 'móvil;nombre\n300 111 2233;Ana\n123;Mal\n');
    const logger = createLogger({ level: 'silent' });
    const ingest = createCampaignIngestService({
      store: cdb.db.store(), rows: () => cdb.db.rowSink(async (ps) => ps.map(() => false)), objects: createLocalObjectStore({ inboxDir, resultsDir, campaignsPrefix: 'campaigns/' }),
      campaignsPrefix: 'campaigns/', catalog: async () => ({ flowIds: ['campaign'] }), defaultCountry: 'CO', logger, clock: Date.now,
    });
    const w = createInboxWatcher({ inboxDir, campaignsPrefix: 'campaigns/', ingest, logger });
    await w.scan(); // first look: remembered, not taken (it may still be being written)
    expect(existsSync(join(resultsDir, 'abril'))).toBe(false);
    await w.scan();
    const summary = JSON.parse(readFileSync(join(resultsDir, 'abril', 'lista de abril.summary.json'), 'utf8')) as { accepted: number; rejected: number; settings: { maxCallsPerSecond: number } };
    expect(summary).toMatchObject({ accepted: 1, rejected: 1, settings: { maxCallsPerSecond: 3 } });
    expect(readFileSync(join(resultsDir, 'abril', 'lista de abril.rejected.csv'), 'utf8')).toContain('\r\n3;3;invalid-number;');
    expect(readdirSync(join(inboxDir, 'abril'))).toEqual(['campaign.json']);
    expect(readdirSync(join(inboxDir, '.processed', 'abril'))[0]).toMatch(/^lista de abril\.csv\./);
    // The accepted row waits in PostgreSQL; nothing was queued in Redis (the hopper takes it when due).
    expect((await cdb.store.database.pool.query("select r.phone::text as phone, r.state from campaign_rows r join campaigns c on c.seq = r.cid where c.id = 'abril'")).rows.map((r) => ({ phone: r.phone, state: r.state }))).toEqual([{ phone: '573001112233', state: 0 }]);
    expect(await queue.getJobCountByTypes('waiting', 'delayed')).toBe(0);
  });
});
