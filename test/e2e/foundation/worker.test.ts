import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startWorkerProcess } from '../../../src/main.ts';
import { startSimulator } from '../../../src/sim/index.ts';
import { createTestDatabase } from '../../helpers/db.ts';

describe('centralita worker', () => {
  it('refuses to run without the shared Redis and Asterisk', async () => {
    await expect(startWorkerProcess(loadConfig({}), createLogger({ level: 'silent' }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('runs the workers against a shared Redis and ARI, ready and stoppable', async () => {
    const sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'w-secret' });
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-worker-'));
    try {
      const config = loadConfig({
        REDIS_URL: `${inject('redisUrl')}/10`, DATABASE_URL: await createTestDatabase('worker'), ARI_URL: sim.url, ARI_PASSWORD: 'w-secret', HTTP_PORT: '0', DATA_DIR: dataDir,
        CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'), LOG_LEVEL: 'silent',
      });
      const w = await startWorkerProcess(config, createLogger({ level: 'silent' }));
      try {
        const deadline = Date.now() + 10_000;
        let status = 0;
        while (Date.now() < deadline && status !== 200) {
          status = (await fetch(`${w.httpUrl}/readyz`)).status;
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(status).toBe(200);
        // The worker's API is behind the same security layer: metrics need a token.
        expect((await fetch(`${w.httpUrl}/metrics`)).status).toBe(401);
      } finally {
        await w.stop();
      }
    } finally {
      await sim.close();
    }
  }, 30_000);
});
