// The app under test: the real composition root (`startCentralita`, as `npm start` builds it)
// against the scenario's PBX, with the scenarios' flows folder, a Redis db of its own and a wall
// clock the scenario can move (business hours, calling windows).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../src/main.ts';
import type { CallRecord } from '../../src/domain/call-record.ts';
import type { PbxDriver } from './driver.ts';
import { waitFor } from '../helpers/wait.ts';

/** Monday 2 March 2026, 10:00 in Bogotá: the office is open, every calling window too. */
export const OPEN = Date.parse('2026-03-02T15:00:00Z');
/** The same Monday at 22:30 in Bogotá: the office is closed. */
export const CLOSED = Date.parse('2026-03-03T03:30:00Z');

export interface AppUnderTest {
  app: RunningApp;
  records: CallRecord[];
  dataDir: string;
  /** Moves the app's wall clock to `at` (it keeps running from there). */
  setClock(at: number): void;
  record(callId: string, timeoutMs?: number): Promise<CallRecord>;
  /** Drops a campaign (settings + CSV) into the app's local inbox. */
  dropCampaign(id: string, settings: object, csv: string): void;
  stop(): Promise<void>;
}

export async function startApp(driver: PbxDriver, o: { redisUrl: string; db: number; password?: string; waitReady?: boolean; databaseUrl?: string; flowsDir?: string; env?: Record<string, string> }): Promise<AppUnderTest> {
  const redisUrl = `${o.redisUrl}/${o.db}`;
  const flush = new Redis(redisUrl);
  await flush.flushdb();
  flush.disconnect();
  const dataDir = mkdtempSync(join(tmpdir(), `centralita-asterisk-${driver.name}-`));
  process.env.CT_MOH_CLASS = driver.mohClass; // read by test/asterisk/flows/queues.ts
  const config = loadConfig({
    ARI_URL: driver.ari.url, ARI_USER: driver.ari.user, ARI_PASSWORD: o.password ?? driver.ari.password, ARI_REQUEST_TIMEOUT_MS: '3000',
    REDIS_URL: redisUrl, ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}), HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_ASTERISK_LOG ?? 'silent', SHUTDOWN_DEADLINE_MS: '1000',
    FLOWS_DIR: o.flowsDir ?? 'test/asterisk/flows', SOUNDS_DIR: 'sounds', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'),
    DIALER_MAX_CPS: '5', DIALER_MAX_CONCURRENT: '10',
    DIAL_CALLER_IDS: '+576015550000', // the scenarios' campaign presents the business's own number (toll-fraud rules)
    ...o.env,
  });
  let base = OPEN;
  let t0 = Date.now();
  const app = await startCentralita(config, createLogger({ level: config.logLevel, secrets: config.secrets }), { now: () => base + (Date.now() - t0) });
  const records: CallRecord[] = [];
  app.bus.on('call.record', (r) => records.push(r));
  if (o.waitReady !== false) await waitFor(async () => ((await fetch(`${app.httpUrl}/readyz`)).status === 200 ? true : undefined), 20_000, 'the app ready on the PBX');
  for (const a of app.acd.agents()) await app.acd.login(a.id);
  return {
    app, records, dataDir,
    setClock(at) { base = at; t0 = Date.now(); },
    record: (callId, ms = 30_000) => waitFor(() => records.find((r) => r.id === `cr-${callId}`), ms * driver.slow, `the CallRecord of ${callId}`),
    dropCampaign(id, settings, csv) {
      const dir = join(dataDir, 'inbox', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'campaign.json'), JSON.stringify(settings));
      writeFileSync(join(dir, `${id}.csv`), csv);
    },
    stop: () => app.stop(),
  };
}
