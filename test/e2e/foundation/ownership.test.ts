// Issue 13, fix 2: `centralita worker` must not knock the app off Asterisk. Asterisk keeps one
// WebSocket per ARI application name and a second one replaces the first (ApplicationReplaced);
// the worker used to open it, the app stayed not-ready and new callers sat in silence. Both
// processes as `npm start` / `centralita worker` build them, against one simulated PBX.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, startWorkerProcess, type RunningApp } from '../../../src/main.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { waitFor } from '../../helpers/wait.ts';
import { createTestDatabase } from '../../helpers/db.ts';

const OPEN = Date.parse('2026-03-02T15:00:00Z'); // Monday 10:00 in Bogotá

describe('app and worker on one Asterisk', () => {
  let sim: Simulator;
  let app: RunningApp;
  let worker: { httpUrl: string; stop(): Promise<void> } | undefined;
  const records: CallRecord[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'own-secret', soundsDir: 'sounds', app: 'centralita', dids: { '6015550100': 'main' } });
    const redisUrl = `${inject('redisUrl')}/13`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    // One database for both, as in production (the worker dials the rows the app's ingest stored).
    const databaseUrl = await createTestDatabase('own');
    const env = (name: string) => {
      const dataDir = mkdtempSync(join(tmpdir(), `centralita-${name}-`));
      return { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, ARI_URL: sim.url, ARI_PASSWORD: 'own-secret', HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '500', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') };
    };
    const t0 = Date.now();
    app = await startCentralita(loadConfig(env('app')), createLogger({ level: 'silent' }), { now: () => OPEN + (Date.now() - t0) });
    app.bus.on('call.record', (r) => records.push(r));
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app connected');
    worker = await startWorkerProcess(loadConfig(env('worker')), createLogger({ level: 'silent' }));
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await app?.stop();
    await sim?.close();
  });

  it('with a worker running, the app stays connected and ready, and still answers callers', async () => {
    await waitFor(async () => ((await fetch(`${worker!.httpUrl}/readyz`)).status === 200 ? true : undefined), 10_000, 'worker ready (REST reachable)');
    expect((await fetch(`${app.httpUrl}/readyz`)).status).toBe(200);
    const ch = sim.control.placeCall({ from: '3001234567', to: '6015550100' });
    await waitFor(() => sim.control.transcript(ch).some((e) => e.kind === 'prompt' && e.media === 'sound:welcome'), 10_000, 'the app answered and played the welcome');
    sim.control.hangup(ch);
    const rec = await waitFor(() => records.find((r) => r.id === `cr-${ch}`), 10_000, 'the record, from the app');
    expect(rec.flow?.id).toBe('main');
    expect((await fetch(`${app.httpUrl}/readyz`)).status).toBe(200);
  }, 40_000);
});
