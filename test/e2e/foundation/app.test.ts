import { mkdtempSync, mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { QUEUES } from '../../../src/jobs/names.ts';
import { waitFor } from '../../helpers/wait.ts';
import { createTestDatabase } from '../../helpers/db.ts';

// The composition root as `npm start` builds it (embedded simulator, flows from flows/,
// ACD, HubSpot outbox), on the test Redis in a database of its own. A call placed through
// the simulator's /_sim HTTP API runs the main flow; its CallRecord reaches call-records,
// the dashboard API, and the HubSpot outbox.
// The app's wall clock is injected: once inside every calling window (the campaign rows are
// dialled and live when the app stops), once outside all of them (nothing is dialled). Neither
// may depend on the real time of day.
const CLOCKS = [
  { when: 'inside the calling window', db: 9, at: Date.parse('2026-12-01T15:00:00Z'), dials: true }, // Tue 10:00 Bogotá
  { when: 'outside every calling window', db: 10, at: Date.parse('2026-12-02T03:30:00Z'), dials: false }, // Tue 22:30 Bogotá
];

describe.each(CLOCKS)('centralita app (composition root), $when', ({ db: DB, at, dials }) => {
  let app: RunningApp;
  let dataDir: string;
  const records: CallRecord[] = [];

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/${DB}`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    dataDir = mkdtempSync(join(tmpdir(), 'centralita-app-'));
    const config = loadConfig({ REDIS_URL: redisUrl, DATABASE_URL: await createTestDatabase('app'), HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '2000', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') });
    const t0 = Date.now();
    app = await startCentralita(config, createLogger({ level: 'silent' }), { now: () => at + (Date.now() - t0) });
    app.bus.on('call.record', (r) => records.push(r));
  }, 60_000);

  afterAll(async () => {
    // Stopping never waits on the campaign calls beyond the drain deadline (2 s here).
    const t = Date.now();
    await app?.stop();
    expect(Date.now() - t).toBeLessThan(8_000);
  });

  it('answers a simulated call, runs the main flow, and logs one record everywhere', async () => {
    const sim = app.sim!;
    const auth = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`, 'content-type': 'application/json' };
    const placed = await fetch(`${sim.url}/_sim/calls`, { method: 'POST', headers: auth, body: JSON.stringify({ from: '3001234567', to: '6015550100' }) });
    expect(placed.status).toBeLessThan(300);
    const { channelId } = (await placed.json()) as { channelId: string };

    const live = await waitFor(async () => {
      const r = (await (await fetch(`${app.httpUrl}/api/calls`, { headers: { authorization: `Bearer ${app.token}` } })).json()) as { calls: { channelId: string; flowId: string }[] };
      return r.calls.find((c) => c.channelId === channelId);
    }, 10_000, 'the call on /api/calls');
    expect(live.flowId).toBe('main');

    await waitFor(async () => {
      const t = (await (await fetch(`${sim.url}/_sim/channels/${channelId}`, { headers: auth })).json()) as { transcript: { kind: string; media?: string }[] };
      return t.transcript.some((e) => e.kind === 'prompt' && e.media === 'sound:welcome');
    }, 10_000, 'the welcome prompt');
    expect((await fetch(`${sim.url}/_sim/channels/${channelId}/hangup`, { method: 'POST', headers: auth })).status).toBeLessThan(300);

    const rec = await waitFor(() => records.find((r) => r.linkedId === channelId || r.id.endsWith(channelId)), 10_000, 'the call record');
    expect(rec.direction).toBe('inbound');
    expect(rec.from).toBe('+573001234567');
    expect(rec.flow?.id).toBe('main');
    expect(rec.path[0]?.node).toBe('welcome');
    expect(records.filter((r) => r.id === rec.id)).toHaveLength(1);

    const queue = new Queue(QUEUES.callRecords, { connection: new Redis(`${inject('redisUrl')}/${DB}`, { maxRetriesPerRequest: null }) });
    try {
      const job = await queue.getJob(rec.id);
      expect(job?.data).toMatchObject({ id: rec.id, from: '+573001234567' });
    } finally {
      await queue.close();
    }
    const outbox = join(dataDir, 'hubspot-outbox.jsonl');
    // The search line is written before the create line: wait for the create itself.
    const create = await waitFor(() => existsSync(outbox) && readFileSync(outbox, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; body: unknown }).find((l) => l.path === '/crm/v3/objects/calls/batch/create'), 15_000, 'the HubSpot create in the outbox');
    expect(JSON.stringify(create?.body)).toContain(rec.id);
    // The system of record has the record, and the HubSpot engagement id once it was logged.
    const stored = await waitFor(async () => { const s = await app.history.store.history.get(rec.id); return s?.hubspotCallId ? s : undefined; }, 15_000, 'the stored record with its HubSpot id');
    expect(stored).toMatchObject({ ...rec, hubspotCallId: expect.any(String) });

    const ready = await fetch(`${app.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
  }, 60_000);

  it('ingests a campaign file dropped in the local inbox and reports it (no S3 configured)', async () => {
    mkdirSync(join(dataDir, 'inbox', 'navidad'), { recursive: true });
    writeFileSync(join(dataDir, 'inbox', 'navidad', 'lista 1.csv'), 'telefono;nombre\r\n300 123 4567;Ana\r\n(601) 555-0101;Luis\r\n3.00123E+9;Roto\r\n');
    const progress = await waitFor(async () => {
      const r = await fetch(`${app.httpUrl}/api/campaigns/navidad`, { headers: { authorization: `Bearer ${app.token}` } });
      if (r.status !== 200) return undefined;
      const p = (await r.json()) as { queued: number; rejected: number; files: number };
      return p.files >= 1 ? p : undefined;
    }, 20_000, 'campaign progress');
    expect(progress.rejected).toBe(1);
    expect(progress.queued).toBe(2);
    const results = readdirSync(join(dataDir, 'results', 'navidad'));
    expect(results.some((f) => f.endsWith('.summary.json'))).toBe(true);
    expect(results.some((f) => f.endsWith('.rejected.csv'))).toBe(true);
    const sim = app.sim!;
    const auth = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` };
    const campaignChannels = async () => ((await (await fetch(`${sim.url}/ari/channels`, { headers: auth })).json()) as { id: string }[]).filter((c) => c.id.startsWith('cmp-'));
    if (dials) {
      // Inside the window the rows are dialled; the test then stops the app with them live.
      await waitFor(async () => ((await campaignChannels()).length > 0 ? true : undefined), 15_000, 'a campaign call on the simulated PBX');
    } else {
      await new Promise((r) => setTimeout(r, 1500));
      expect(await campaignChannels()).toHaveLength(0);
    }
  }, 60_000);
});
