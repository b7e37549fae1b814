import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import type { BusEvents } from '../../../src/domain/event-bus.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { QUEUES } from '../../../src/jobs/names.ts';
import { waitFor } from '../../helpers/wait.ts';

// PCI: a caller pays by card on a flow whose card gather is `sensitive: true` (fixture
// test/fixtures/flows/pci). The app runs as `npm start` builds it, logging at trace. The card
// number must appear nowhere the app writes: the call record (bus, call-records queue,
// PostgreSQL), the logs, the live events, the HubSpot outbox, DATA_DIR's spool. The account
// number typed before it is ordinary input and does appear — so the test can see digits.
const DB = 13;
const CARD = '4111111111111111';
const ACCOUNT = '4242';

describe('PCI: a sensitive gather\'s digits appear nowhere', () => {
  let app: RunningApp;
  let dataDir: string;
  const logs: string[] = [];
  const events: string[] = [];
  const records: CallRecord[] = [];

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/${DB}`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    dataDir = mkdtempSync(join(tmpdir(), 'centralita-pci-'));
    const config = loadConfig({
      REDIS_URL: redisUrl, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'trace', SHUTDOWN_DEADLINE_MS: '1000', FLOWS_DIR: 'test/fixtures/flows/pci', SOUNDS_DIR: 'sounds',
      CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'),
    });
    app = await startCentralita(config, createLogger({ level: 'trace', destination: { write: (l: string) => { logs.push(l); } } }));
    const topics: (keyof BusEvents)[] = ['call.record', 'call.started', 'call.step', 'queue.event', 'agent.state', 'campaign.progress', 'telephony.connection'];
    for (const t of topics) app.bus.on(t, (p) => events.push(`${t} ${JSON.stringify(p)}`));
    app.bus.on('call.record', (r) => records.push(r));
  }, 60_000);
  afterAll(async () => { await app?.stop(); });

  it('keeps the card number out of records, logs, events and the outbox; the flow still used it', async () => {
    const sim = app.sim!;
    const auth = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`, 'content-type': 'application/json' };
    const placed = await fetch(`${sim.url}/_sim/calls`, { method: 'POST', headers: auth, body: JSON.stringify({ from: '3001234567', to: '6015550199' }) });
    const { channelId } = (await placed.json()) as { channelId: string };
    const transcript = async () => ((await (await fetch(`${sim.url}/_sim/channels/${channelId}`, { headers: auth })).json()) as { transcript: { kind: string; media?: string }[] }).transcript;
    const prompts = async () => (await transcript()).filter((e) => e.kind === 'prompt' && e.media === 'sound:enter-account').length;
    await waitFor(async () => ((await prompts()) >= 1 ? true : undefined), 10_000, 'the account prompt');
    await fetch(`${sim.url}/_sim/channels/${channelId}/dtmf`, { method: 'POST', headers: auth, body: JSON.stringify({ digits: ACCOUNT, gapMs: 50 }) });
    await waitFor(async () => ((await prompts()) >= 2 ? true : undefined), 10_000, 'the card prompt');
    await fetch(`${sim.url}/_sim/channels/${channelId}/dtmf`, { method: 'POST', headers: auth, body: JSON.stringify({ digits: CARD, gapMs: 50 }) });
    const rec = await waitFor(() => records.find((r) => r.id.endsWith(channelId)), 20_000, 'the call record');

    // The flow used the card (the lookup approved it) and recorded the account number.
    expect(rec.path.map((s) => s.node)).toEqual(expect.arrayContaining(['account', 'card', 'charge', 'thanks']));
    expect(rec.path.find((s) => s.node === 'account' && s.outcome === 'collected')?.digits).toBe(ACCOUNT);
    expect(rec.path.find((s) => s.node === 'card' && s.outcome === 'collected')).toBeDefined();
    expect(rec.variables?.['payment.authCode']).toBe('A1B2C3');
    expect(rec.variables).not.toHaveProperty('card');

    // Everywhere the app writes: the record as published, the queue job, PostgreSQL, the outbox.
    await app.history.capture.flushed();
    const stored = await app.history.store.history.get(rec.id);
    expect(stored).toBeDefined();
    const queue = new Queue(QUEUES.callRecords, { connection: new Redis(`${inject('redisUrl')}/${DB}`, { maxRetriesPerRequest: null }) });
    const job = await queue.getJob(rec.id);
    await queue.close();
    expect(job).toBeDefined();
    const outbox = join(dataDir, 'hubspot-outbox.jsonl');
    await waitFor(() => (existsSync(outbox) && readFileSync(outbox, 'utf8').includes(rec.id) ? true : undefined), 15_000, 'the HubSpot outbox');
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => { const p = join(dir, f); return statSync(p).isDirectory() ? (f === 'postgres' || f === 'redis' ? [] : files(p)) : [p]; });
    const written = files(dataDir).map((f) => readFileSync(f, 'utf8'));
    const places: Record<string, string> = {
      record: JSON.stringify(rec), 'call-records job': JSON.stringify(job!.data), postgres: JSON.stringify(stored), logs: logs.join(''), events: events.join('\n'), 'DATA_DIR files (outbox, spool)': written.join('\n'),
    };
    expect(logs.length).toBeGreaterThan(3);
    for (const [where, text] of Object.entries(places)) {
      expect(text, where).not.toContain(CARD);
      // Not even a long run of it (a masked or partial copy).
      expect(text, where).not.toContain(CARD.slice(4, 14));
    }
    // …while the ordinary input is visible where records go (so digits would have been seen).
    expect(places.record).toContain(`"digits":"${ACCOUNT}"`);
    expect(places['DATA_DIR files (outbox, spool)']).toContain(rec.id);
  }, 60_000);
});
