// Issue 13 fix 2 on each PBX target: `centralita worker` beside the app must not take the Stasis
// application's WebSocket (Asterisk keeps one per app name). The worker is ready on REST alone;
// the app stays connected and keeps answering callers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorkerProcess } from '../../src/main.ts';
import type { PbxDriver } from './driver.ts';
import { startApp, type AppUnderTest } from './app.ts';
import { driverFor, targets } from './targets.ts';
import { waitFor } from '../helpers/wait.ts';
import { createTestDatabase } from '../helpers/db.ts';

describe.each(targets())('app and worker on %s', (target) => {
  let driver: PbxDriver;
  let t: AppUnderTest;
  let worker: { httpUrl: string; stop(): Promise<void> } | undefined;
  let databaseUrl: string;

  beforeAll(async () => {
    driver = await driverFor(target);
    await driver.start();
    // One database for both (the worker dials the campaign rows the app stores).
    databaseUrl = await createTestDatabase('astown');
    t = await startApp(driver, { redisUrl: inject('redisUrl'), db: 5, databaseUrl });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await t?.stop();
    await driver?.close();
  }, 60_000);

  it('a worker starts beside the app: both ready, the app keeps its socket and answers the next caller', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-worker-'));
    worker = await startWorkerProcess(loadConfig({
      ARI_URL: driver.ari.url, ARI_USER: driver.ari.user, ARI_PASSWORD: driver.ari.password, REDIS_URL: `${inject('redisUrl')}/5`, DATABASE_URL: databaseUrl,
      HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'),
    }), createLogger({ level: 'silent' }));
    await waitFor(async () => ((await fetch(`${worker!.httpUrl}/readyz`)).status === 200 ? true : undefined), 20_000, 'the worker ready (REST)');
    const before = t.app.ari.status().reconnects;
    const c = await driver.call({ from: '3001500001', to: '6015550100' });
    await c.waitPrompt('sound:welcome', { timeoutMs: 20_000 });
    await c.hangup();
    expect((await t.record(c.id)).flow?.id).toBe('main');
    expect(t.app.ari.status()).toMatchObject({ connected: true, reconnects: before });
    expect((await fetch(`${t.app.httpUrl}/readyz`)).status).toBe(200);
  }, 120_000);
});
