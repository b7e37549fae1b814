// The app's wiring (startHubspotLogging, as main.ts calls it) with a token: the portal's details
// are read once and shared through Redis, its time zone drives the daily budget, its id makes
// the links in call bodies, and a published record is logged through the real worker.
import { afterAll, expect, it, inject } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startHubspotLogging, hubspotKeys } from '../../../src/workers/hubspot.ts';
import { QUEUES } from '../../../src/jobs/names.ts';
import { startFakeHubspot } from '../../fakes/hubspot-server.ts';
import { callRecord } from '../../unit/hubspot/records.ts';

const DB = 12; // a database of its own: the app's default key and queue prefixes
const redis = new Redis(`${inject('redisUrl')}/${DB}`, { maxRetriesPerRequest: null });
afterAll(async () => { await redis.flushdb(); redis.disconnect(); });

it('reads the portal details once (Redis keeps them for every process) and logs with links to the portal', async () => {
  const fake = await startFakeHubspot({ portal: { portalId: 777001, timeZone: 'America/Bogota', uiDomain: 'app-eu1.hubspot.com' } });
  const config = loadConfig({ HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'hs-start-')), REDIS_URL: `${inject('redisUrl')}/${DB}` });
  const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });
  const twin = fake.addContact({ phone: '3001234567', firstname: 'Gemela' }, { lastActivityAt: Date.parse('2020-01-01') });
  fake.addContact({ phone: '+57 300 123 4567', firstname: 'Lucía' }, { lastActivityAt: Date.parse('2026-11-01') });
  const a = await startHubspotLogging({ config, redis, connection: redis, logger });
  const b = await startHubspotLogging({ config, redis, connection: redis, logger });
  try {
    expect(fake.count('/account-info/v3/details')).toBe(1);
    expect(JSON.parse((await redis.get(hubspotKeys().portal))!)).toMatchObject({ portalId: 777001, timeZone: 'America/Bogota' });
    const queue = new Queue(QUEUES.callRecords, { connection: redis });
    const rec = callRecord();
    await queue.add('call-record', rec, { jobId: rec.id });
    for (let i = 0; i < 200 && fake.calls.size === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const body = [...fake.calls.values()][0]!.properties.hs_call_body!;
    expect(body).toContain(`<a href="https://app-eu1.hubspot.com/contacts/777001/record/0-1/${twin}">Gemela</a>`);
    await queue.close();
  } finally {
    await a.close();
    await b.close();
    await fake.close();
  }
}, 30_000);
