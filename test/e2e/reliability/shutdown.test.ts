// SIGTERM during a live campaign (issue 14), with the app as a real process: intake and
// dialling stop first, nothing is dialled after the signal, calls in their flow are cut at
// SHUTDOWN_DEADLINE_MS and calls answered during the drain are hung up — both recorded as
// interrupted, so their attempts are retried (never counted answered); the process exits
// within SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS. Started again, the app dials the retries
// and every row ends with one final outcome.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import type { RowResult } from '../../../src/campaigns/results.ts';
import { callOutcomeKey } from '../../../src/jobs/call-outcome.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { spawnApp, type AppProcess } from '../../helpers/app-process.ts';
import { waitFor } from '../../helpers/wait.ts';

const DB = 13;
const apps: AppProcess[] = [];
afterAll(() => { for (const a of apps) a.kill('SIGKILL'); });

type SimChannel = { id: string; state: string; creationtime: string };

describe('SIGTERM during a live campaign', () => {
  it('stops dialling first; live and arriving campaign calls are retried, never answered; exits within the deadline', async () => {
    const redisUrl = `${inject('redisUrl')}/${DB}`;
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-sigterm-'));
    const env = {
      REDIS_URL: redisUrl, DATABASE_URL: await createTestDatabase('sigterm'), HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info',
      CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'),
      SHUTDOWN_DEADLINE_MS: '2500', SHUTDOWN_MARGIN_MS: '3000', DIALER_MAX_CPS: '4', DIALER_MAX_CONCURRENT: '8', DIAL_CALLER_IDS: '+576015550000',
    };
    try {
      const app1 = await spawnApp(env);
      apps.push(app1);
      // Every number answers 1.5 s after it rings; the campaign flow then plays for ~15 s.
      await app1.sim$('PUT', '/_sim/numbers', { pattern: '+57300*', behavior: 'answer', afterMs: 1500 });
      const campaignDir = join(dataDir, 'inbox', 'cierre');
      mkdirSync(campaignDir, { recursive: true });
      writeFileSync(join(campaignDir, 'campaign.json'), JSON.stringify({ flowId: 'campaign', callerId: '+576015550000', maxCallsPerSecond: 4, maxConcurrentCalls: 8, ringTimeoutSec: 10, maxCallSec: 60, window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, retry: { failed: { delaySec: 1, maxAttempts: 3 } } }));
      writeFileSync(join(campaignDir, 'lista.csv'), ['telefono', '3001110001', '3001110002', '3001110003', '3001110004', '3001110005', '3001110006'].join('\n') + '\n');

      // The signal comes while some calls are in their flow and others still ringing.
      const seen = new Map<string, SimChannel>();
      const look = async () => {
        const list = (await app1.sim$('GET', '/ari/channels').catch(() => [])) as SimChannel[];
        for (const c of list) if (c.id.startsWith('cmp-')) seen.set(c.id, c);
        return list.filter((c) => c.id.startsWith('cmp-'));
      };
      await waitFor(async () => { const l = await look(); return l.some((c) => c.state === 'Up') && l.some((c) => c.state !== 'Up'); }, 20_000, 'calls both in flow and ringing');
      const live = new Set(seen.keys());
      // Answered (in their flow) at the signal: these have a call record; the ringing ones do not.
      const upAtSignal = [...seen.values()].filter((c) => c.state === 'Up').map((c) => c.id);
      const signalledAt = Date.now();
      app1.kill('SIGTERM');
      const polling = (async () => { while (app1.child.exitCode === null && app1.child.signalCode === null) { await look(); await new Promise((r) => setTimeout(r, 50)); } })();
      const exit = await app1.exited;
      await polling;
      expect(exit.at - signalledAt, 'stop within SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS').toBeLessThan(2500 + 3000 + 1000);
      // Nothing dialled after the signal.
      const late = [...seen.values()].filter((c) => Date.parse(c.creationtime) > signalledAt);
      expect(late.map((c) => c.id)).toEqual([]);
      // Every call in its flow at the signal has a record saying it was interrupted: retried, not answered.
      for (const id of upAtSignal) {
        const raw = await waitFor(() => redis.get(callOutcomeKey(id)), 5000, `outcome of ${id}`);
        const r = JSON.parse(raw) as CallRecord;
        expect(r.error?.code, id).toBe('CALL_INTERRUPTED_BY_SHUTDOWN');
      }
      expect(app1.logs().some((l) => l.msg === 'campaign call answered during shutdown: hung up, its attempt will be retried'), 'a call answered during the drain').toBe(true);
      expect(app1.nonJsonLines()).toEqual([]);

      // Started again: the retries are dialled and answered; every row ends once.
      const app2 = await spawnApp(env);
      apps.push(app2);
      await app2.sim$('PUT', '/_sim/numbers', { pattern: '+57300*', behavior: 'answer', afterMs: 100, hangupAfterMs: 300 });
      // Campaign rows, attempts and results live in PostgreSQL.
      const db = await openStore({ url: env.DATABASE_URL, defaultCountry: 'CO', poolMax: 2 });
      const store = db.campaigns.store();
      await waitFor(async () => (await store.progress('cierre')).done === 6, 60_000, 'all rows done');
      const results = db.campaigns.results;
      const [file] = await results.files('cierre');
      const rows: RowResult[] = [];
      for await (const page of results.rows('cierre', file!.fileId)) rows.push(...page);
      expect(rows).toHaveLength(6);
      const liveRows = new Set([...live].map((id) => rows.find((r) => id.includes(r.rowId))!.rowId));
      for (const row of rows) {
        expect(row.finalOutcome, row.phone).toBe('answered');
        if (liveRows.has(row.rowId)) {
          expect((await store.attempt('cierre', row.rowId, 1)).attemptOutcome, `${row.phone} attempt 1`).toBe('failed');
          expect(row.attempts, row.phone).toBe(2);
        }
      }
      app2.kill('SIGTERM');
      await app2.exited;
      await db.close();
    } finally {
      redis.disconnect();
    }
  }, 180_000);
});
