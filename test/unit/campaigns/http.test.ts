import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { registerCampaignRoutes } from '../../../src/campaigns/http.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createDncStore } from '../../../src/campaigns/dnc.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';

const P = 'unit-http';
let redis: Redis;
let cdb: CampaignTestDb;
const app = Fastify();
const cancelled: string[] = [];
const resumed: string[] = [];
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  for (const k of await redis.keys(`${P}*`)) await redis.del(k);
  cdb = await openCampaignTestDb('http');
  const store = cdb.db.store();
  await store.saveSettings('marzo', parseCampaignSettings({ maxConcurrentCalls: 4 }));
  await cdb.admit('marzo', [{ phone: '+573001234567', rowId: 'f-2' }, { phone: '+573001234568', rowId: 'f-3' }]);
  await store.settle('marzo', 'f-2', 1, 'busy', { final: false, nextAt: 0 }, 1);
  await store.settle('marzo', 'f-2', 2, 'answered', { final: true, outcome: 'answered' }, 2);
  registerCampaignRoutes(app, { store, dnc: createDncStore(redis, `${P}:dnc`), defaultCountry: 'CO', onCancelled: (id) => cancelled.push(id), onResumed: (id) => resumed.push(id) });
  await app.ready();
});
afterAll(async () => { await app.close(); redis.disconnect(); await cdb.close(); });

describe('campaign API', () => {
  it('reports progress', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/campaigns/marzo' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ campaignId: 'marzo', state: 'active', queued: 2, busy: 1, answered: 1, retried: 1, done: 1, final: { answered: 1 }, settings: { maxConcurrentCalls: 4 } });
    expect((await app.inject({ method: 'GET', url: '/api/campaigns' })).json()).toMatchObject({ campaigns: [{ campaignId: 'marzo' }] });
  });
  it('pauses, resumes and cancels; cancel is final', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/campaigns/marzo/pause' })).json()).toMatchObject({ state: 'paused' });
    expect((await app.inject({ method: 'POST', url: '/api/campaigns/marzo/resume' })).json()).toMatchObject({ state: 'active' });
    expect(cancelled).toEqual([]);
    expect(resumed).toEqual(['marzo']); // the hopper refills at once
    expect((await app.inject({ method: 'POST', url: '/api/campaigns/marzo/cancel' })).json()).toMatchObject({ state: 'cancelled' });
    expect(cancelled).toEqual(['marzo']); // the hopper settles the waiting rows
    const again = await app.inject({ method: 'POST', url: '/api/campaigns/marzo/resume' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'CAMPAIGN_CANCELLED' });
  });
  it('answers 404 with a code for an unknown campaign', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/campaigns/nope' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: 'CAMPAIGN_NOT_FOUND' });
  });
  it('adds numbers to the do-not-call list, refusing invalid ones', async () => {
    const ok = await app.inject({ method: 'POST', url: '/api/campaigns/dnc', payload: { numbers: ['300 123 4567'] } });
    expect(ok.json()).toEqual({ added: 1 });
    expect(await createDncStore(redis, `${P}:dnc`).has('+573001234567')).toBe(true);
    const bad = await app.inject({ method: 'POST', url: '/api/campaigns/dnc', payload: { numbers: ['12'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'DNC_INVALID_NUMBER' });
  });
});
