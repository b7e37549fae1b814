// startCampaigns as main.ts will call it, in the embedded default (local inbox, no S3):
// a file dropped in the inbox is dialled through the Telephony port and shows in the API.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCampaigns, type CampaignRuntime } from '../../../src/campaigns/runtime.ts';
import { createCampaignFakeTelephony } from '../../fakes/campaign-fake-telephony.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
const http = Fastify();
let rt: CampaignRuntime | undefined;
let cdb: CampaignTestDb;
beforeAll(async () => { cdb = await openCampaignTestDb('runtime'); });
afterAll(async () => { await rt?.stop(); await http.close(); redis.disconnect(); await cdb.close(); });

describe('campaign runtime (embedded default)', () => {
  it('watches the inbox, dials, serves progress and metrics; all rows final → completed, with a per-row results file', async () => {
    const id = `rt-${Date.now()}`;
    const root = mkdtempSync(join(tmpdir(), 'rt-'));
    const config = loadConfig({ REDIS_URL: inject('redisUrl'), CAMPAIGN_INBOX_DIR: join(root, 'inbox'), CAMPAIGN_RESULTS_DIR: join(root, 'results') });
    const metrics = new Registry();
    let publish: (r: Parameters<CampaignRuntime['outcomes']['publish']>[0]) => Promise<void> = async () => {};
    const telephony = createCampaignFakeTelephony({ behaviour: () => 'answer', publishRecord: (r) => publish(r) });
    rt = startCampaigns({ config, redis, redisUrl: inject('redisUrl'), db: cdb.db, logger: createLogger({ level: 'silent' }), metrics, telephony, http, flows: { ids: () => ['campaign'] }, dialer: { maxCallsPerSecond: 50, maxConcurrentCalls: 5 } });
    publish = (r) => rt!.outcomes.publish(r);
    await http.ready();
    mkdirSync(join(root, 'inbox', id), { recursive: true });
    writeFileSync(join(root, 'inbox', id, 'campaign.json'), JSON.stringify({ maxCallsPerSecond: 20, window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } }));
    writeFileSync(join(root, 'inbox', id, 'lista.csv'), 'phone;name\n3001234501;Ana\nnot a phone;x\n3001234502;Luis\n');
    const resultsFile = join(root, 'results', id, 'lista.results.csv');
    const end = Date.now() + 20_000;
    let p: { done: number; answered: number; state?: string } = { done: 0, answered: 0 };
    while (Date.now() < end) {
      const r = await http.inject({ url: `/api/campaigns/${id}` });
      if (r.statusCode === 200) p = r.json();
      if (p.done === 2 && existsSync(resultsFile)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(p).toMatchObject({ done: 2, answered: 2, state: 'completed', completedAt: expect.any(String) });
    expect(existsSync(join(root, 'results', id, 'lista.summary.json'))).toBe(true);
    // Per-row results in file order, `;` (CO → es-CO), UTF-8 with BOM; the rejected row 3 is in rejected.csv.
    const csv = readFileSync(resultsFile, 'utf8');
    expect(csv.startsWith('\uFEFFrow;phone;attempts;final_outcome;last_attempt_outcome;first_dialled_at;last_attempt_ended_at;final_at;timezone\r\n')).toBe(true);
    const rows = csv.trimEnd().split('\r\n').slice(1).map((l) => l.split(';'));
    expect(rows.map((r) => r.slice(0, 5))).toEqual([['2', "'+573001234501", '1', 'answered', 'answered'], ['4', "'+573001234502", '1', 'answered', 'answered']]);
    expect(rows.every((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(r[5]!) && r[7] !== '' && r[8] === 'America/Bogota')).toBe(true);
    expect(readFileSync(join(root, 'results', id, 'lista.rejected.csv'), 'utf8')).toMatch(/^\uFEFFrow;line;reason;detail;phone;name\r\n3;3;invalid-characters;/);
    const api = await http.inject({ url: `/api/campaigns/${id}/results` });
    expect(api.headers['content-type']).toContain('text/csv');
    expect(api.body.split('\r\n')[1]).toBe(`campaigns/${id}/lista.csv;2;'+573001234501;1;answered;answered;${rows[0]!.slice(5).join(';')}`);
    expect(await metrics.getSingleMetricAsString('centralita_campaign_progress')).toContain(`campaign="${id}",status="answered"} 2`);
  });

  it('cancel through the API is a state change: the waiting rows settle at once, nothing is dialled', async () => {
    const id = `rt-cancel-${Date.now()}`;
    const root = mkdtempSync(join(tmpdir(), 'rt-'));
    mkdirSync(join(root, 'inbox', id), { recursive: true });
    // Rows wait for a start date far ahead: all 40 wait in the database, none in Redis.
    writeFileSync(join(root, 'inbox', id, 'campaign.json'), JSON.stringify({ startDate: '2099-01-05', window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } }));
    writeFileSync(join(root, 'inbox', id, 'lista.csv'), 'phone\n' + Array.from({ length: 40 }, (_, i) => `30012346${String(i).padStart(2, '0')}`).join('\n') + '\n');
    const config = loadConfig({ REDIS_URL: inject('redisUrl'), CAMPAIGN_INBOX_DIR: join(root, 'inbox'), CAMPAIGN_RESULTS_DIR: join(root, 'results') });
    const app = Fastify();
    const telephony = createCampaignFakeTelephony({ behaviour: () => 'answer', publishRecord: async () => {} });
    const rt2 = startCampaigns({ config, redis, redisUrl: inject('redisUrl'), db: cdb.db, logger: createLogger({ level: 'silent' }), metrics: new Registry(), telephony, http: app, flows: { ids: () => ['campaign'] } });
    try {
      await app.ready();
      const progress = async () => (await app.inject({ url: `/api/campaigns/${id}` })).json() as { queued: number; done: number; final: Record<string, number> };
      const until = async (ok: (p: Awaited<ReturnType<typeof progress>>) => boolean) => {
        const end = Date.now() + 20_000;
        while (Date.now() < end) { if ((await app.inject({ url: `/api/campaigns/${id}` })).statusCode === 200 && ok(await progress())) return; await new Promise((r) => setTimeout(r, 100)); }
        throw new Error(`not reached: ${JSON.stringify(await progress())}`);
      };
      await until((p) => p.queued === 40);
      // The ingest is over (its summary is written), then cancel.
      const summary = join(root, 'results', id, 'lista.summary.json');
      for (const end = Date.now() + 20_000; !existsSync(summary) && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
      expect((await app.inject({ method: 'POST', url: `/api/campaigns/${id}/cancel` })).statusCode).toBe(200);
      await until((p) => p.done === 40);
      expect((await progress()).final).toEqual({ cancelled: 40 });
      expect(telephony.originated).toHaveLength(0);
    } finally {
      await rt2.stop();
      await app.close();
    }
  });
});
