// startCampaigns as main.ts will call it, in the embedded default (local inbox, no S3):
// a file dropped in the inbox is dialled through the Telephony port and shows in the API.
import { describe, it, expect, afterAll, inject } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCampaigns, type CampaignRuntime } from '../../../src/campaigns/runtime.ts';
import { createCampaignFakeTelephony } from '../../fakes/campaign-fake-telephony.ts';

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
const http = Fastify();
let rt: CampaignRuntime | undefined;
afterAll(async () => { await rt?.stop(); await http.close(); redis.disconnect(); });

describe('campaign runtime (embedded default)', () => {
  it('watches the inbox, dials, and serves progress and metrics', async () => {
    const id = `rt-${Date.now()}`;
    const root = mkdtempSync(join(tmpdir(), 'rt-'));
    const config = loadConfig({ REDIS_URL: inject('redisUrl'), CAMPAIGN_INBOX_DIR: join(root, 'inbox'), CAMPAIGN_RESULTS_DIR: join(root, 'results') });
    const metrics = new Registry();
    let publish: (r: Parameters<CampaignRuntime['outcomes']['publish']>[0]) => Promise<void> = async () => {};
    const telephony = createCampaignFakeTelephony({ behaviour: () => 'answer', publishRecord: (r) => publish(r) });
    rt = startCampaigns({ config, redis, redisUrl: inject('redisUrl'), logger: createLogger({ level: 'silent' }), metrics, telephony, http, dialer: { maxCallsPerSecond: 50, maxConcurrentCalls: 5 } });
    publish = (r) => rt!.outcomes.publish(r);
    await http.ready();
    mkdirSync(join(root, 'inbox', id), { recursive: true });
    writeFileSync(join(root, 'inbox', id, 'campaign.json'), JSON.stringify({ maxCallsPerSecond: 20, window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } }));
    writeFileSync(join(root, 'inbox', id, 'lista.csv'), 'phone\n3001234501\n3001234502\n');
    const end = Date.now() + 20_000;
    let p: { done: number; answered: number } = { done: 0, answered: 0 };
    while (Date.now() < end) {
      const r = await http.inject({ url: `/api/campaigns/${id}` });
      if (r.statusCode === 200) p = r.json();
      if (p.done === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(p).toMatchObject({ done: 2, answered: 2 });
    expect(existsSync(join(root, 'results', id, 'lista.summary.json'))).toBe(true);
    expect(await metrics.getSingleMetricAsString('centralita_campaign_progress')).toContain(`campaign="${id}",status="answered"} 2`);
  });
});
