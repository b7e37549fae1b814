import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import { waitFor } from '../../helpers/wait.ts';

// Toll fraud through the app as `npm start` builds it (simulated PBX over real ARI): campaign
// files that choose a foreign dial string or spoof a caller ID are refused at ingest, before
// anyone is dialled; a well-formed campaign in the same run is dialled (the test can tell).
const DB = 12;
const INSIDE_WINDOW = Date.parse('2026-12-01T15:00:00Z'); // Tue 10:00 Bogotá

describe('toll fraud: campaign dial strings and caller IDs', () => {
  let app: RunningApp;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/${DB}`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    dataDir = mkdtempSync(join(tmpdir(), 'centralita-tollfraud-'));
    const config = loadConfig({ REDIS_URL: redisUrl, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', SHUTDOWN_DEADLINE_MS: '1000', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'), DIAL_CALLER_IDS: '+576015550100' });
    const t0 = Date.now();
    app = await startCentralita(config, createLogger({ level: 'warn', destination: { write: (l: string) => { lines.push(l); } } }), { now: () => INSIDE_WINDOW + (Date.now() - t0) });
  }, 60_000);
  afterAll(async () => { await app?.stop(); });

  const drop = (campaign: string, settings: object) => {
    mkdirSync(join(dataDir, 'inbox', campaign), { recursive: true });
    writeFileSync(join(dataDir, 'inbox', campaign, 'campaign.json'), JSON.stringify({ window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, ...settings }));
    writeFileSync(join(dataDir, 'inbox', campaign, 'lista.csv'), 'telefono\n3001234567\n');
  };
  const channels = async () => {
    const sim = app.sim!;
    const auth = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` };
    return ((await (await fetch(`${sim.url}/ari/channels`, { headers: auth })).json()) as { id: string; caller?: { number?: string } }[]);
  };
  const errorReport = (campaign: string) => join(dataDir, 'results', campaign, 'lista.error.json');

  it('refuses a campaign file that picks its own dial string, or spoofs a caller ID; dials a proper one', async () => {
    drop('fraude', { endpoint: 'Local/{digits}@from-internal' });
    drop('spoof', { callerId: '+15550001111' });
    drop('legit', { callerId: '+576015550100' });
    const fraude = await waitFor(() => (existsSync(errorReport('fraude')) ? JSON.parse(readFileSync(errorReport('fraude'), 'utf8')) as { error?: string; code?: string; message?: string } : undefined), 20_000, 'the refusal report of the fraudulent campaign');
    expect(JSON.stringify(fraude)).toContain('is not an allowed trunk template');
    const spoof = await waitFor(() => (existsSync(errorReport('spoof')) ? JSON.parse(readFileSync(errorReport('spoof'), 'utf8')) as object : undefined), 20_000, 'the refusal report of the spoofing campaign');
    expect(JSON.stringify(spoof)).toContain("is not one of the business's own numbers");
    // The proper campaign is dialled, from the owned caller ID; the refused ones never are.
    const legit = await waitFor(async () => (await channels()).find((c) => c.id.startsWith('cmp-legit-')), 20_000, 'the legitimate campaign call');
    expect(legit).toBeDefined();
    const all = await channels();
    expect(all.filter((c) => c.id.startsWith('cmp-fraude-') || c.id.startsWith('cmp-spoof-'))).toEqual([]);
    const progress = await fetch(`${app.httpUrl}/api/campaigns/fraude`, { headers: { authorization: `Bearer ${app.token}` } });
    expect(progress.status).toBe(404); // nothing of it was admitted
  }, 60_000);

  it('refuses, before the PBX hears of it, an origination or hand-off outside the allow-list', async () => {
    const before = (await channels()).length;
    await expect(app.telephony.originate({ endpoint: 'Local/900123@from-internal', appArgs: 'x' })).rejects.toMatchObject({ code: 'DIAL_ENDPOINT_NOT_ALLOWED' });
    await expect(app.telephony.originate({ endpoint: 'PJSIP/+573001234567@trunk', callerId: '"Bank" <+18005550199>' })).rejects.toMatchObject({ code: 'DIAL_CALLER_ID_NOT_OWNED' });
    await expect(app.telephony.continueInDialplan('nobody', { context: 'from-internal', extension: '9001', priority: 1 })).rejects.toMatchObject({ code: 'HANDOFF_CONTEXT_NOT_ALLOWED' });
    expect((await channels()).length).toBe(before);
    expect(lines.join('')).toContain('dial refused by the allow-list');
  });
});
