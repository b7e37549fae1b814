// A wrong ARI password (found on the lab, issue 13): ari-client's swagger-client threw from an
// HTTP callback when resources.json answered 401 — an uncaught exception that killed the app.
// Now the adapter reports it, stays not-ready, keeps retrying, and connects once it can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { waitFor } from '../../helpers/wait.ts';

describe('wrong ARI password', () => {
  let sim: Simulator;
  beforeAll(async () => { sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'right' }); });
  afterAll(async () => { await sim?.close(); });

  it('is reported (401), retried, never ready — and never an uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const onErr = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onErr);
    process.on('unhandledRejection', onErr);
    const t = await createAriTelephony({ url: sim.url, user: 'centralita', password: 'wrong', app: 'centralita', requestTimeoutMs: 1000, logger: pino({ level: 'silent' }), backoff: { initialMs: 50, maxMs: 100 }, pingIntervalMs: 0, waitForConnectionMs: 0 });
    try {
      await waitFor(() => t.status().attempts >= 3, 5000, 'three attempts');
      expect(t.status()).toMatchObject({ connected: false, state: 'reconnecting' });
      expect(t.status().lastError).toMatch(/401/);
      expect(t.readiness().check().ok).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onErr);
      process.off('unhandledRejection', onErr);
      await t.close();
    }
  });
});
