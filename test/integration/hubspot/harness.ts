// Shared set-up for the HubSpot worker tests: fake HubSpot, real redis (global setup), a
// private BullMQ/key prefix per test so files and tests never see each other's data.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startFakeHubspot, type FakeHubspot, type FakeHubspotOptions } from '../../fakes/hubspot-server.ts';
import { createHubspotWorker, hubspotKeys, type HubspotWorker, type HubspotWorkerDeps } from '../../../src/workers/hubspot.ts';
import { createHubspotCrm, type HubspotCrmOptions } from '../../../src/integrations/hubspot/sdk-crm.ts';
import { createRedisBudget } from '../../../src/integrations/hubspot/budget.ts';
import { budgetLimits, parseHubspotSettings, type HubspotSettings } from '../../../src/integrations/hubspot/settings.ts';
import { createLogger } from '../../../src/logger.ts';
import { QUEUES } from '../../../src/jobs/names.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';

export interface Harness {
  fake: FakeHubspot;
  redis: Redis;
  queue: Queue;
  settings: HubspotSettings;
  bullPrefix: string;
  keyPrefix: string;
  keys: ReturnType<typeof hubspotKeys>;
  startWorker(over?: Partial<HubspotWorkerDeps>, crmOver?: Partial<HubspotCrmOptions>): HubspotWorker;
  add(record: CallRecord | unknown, jobId?: string): Promise<void>;
  waitFor(pred: (c: Record<string, number>) => boolean, timeoutMs?: number): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function harness(redisUrl: string, settingsOver: Record<string, unknown> = {}, fakeOpts: FakeHubspotOptions = {}): Promise<Harness> {
  const fake = await startFakeHubspot(fakeOpts);
  const id = randomUUID().slice(0, 8);
  const bullPrefix = `hs-test-${id}`;
  const keyPrefix = `hs-test-${id}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.callRecords, { connection: redis, prefix: bullPrefix });
  const settings = parseHubspotSettings({ batchWaitMs: 20, reconcileAfterMs: 300, backoffBaseMs: 30, backoffMaxMs: 200, authPauseMs: 200, requestTimeoutMs: 1_000, ...settingsOver });
  const workers: HubspotWorker[] = [];
  const crms: { close(): void }[] = [];
  const connections: Redis[] = [];
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', destination: { write: () => undefined } });
  return {
    fake, redis, queue, settings, bullPrefix, keyPrefix, keys: hubspotKeys(keyPrefix),
    startWorker(over = {}, crmOver = {}) {
      // The fake portal's time zone, as the app reads it from the account details.
      const timeZone = () => fakeOpts.portal?.timeZone ?? 'America/Bogota';
      const budget = createRedisBudget({ redis, keyPrefix: hubspotKeys(keyPrefix).budget, limits: budgetLimits(settings), defaultMaxWaitMs: 2_000, timeZone });
      const crm = createHubspotCrm({ baseUrl: fake.url, token: 'test-token', budget, recordIdProperty: settings.recordIdProperty, defaultCountry: settings.defaultCountry, requestTimeoutMs: settings.requestTimeoutMs, maxBudgetWaitMs: 2_000, timeZone, ...crmOver });
      crms.push(crm);
      const connection = redis.duplicate({ maxRetriesPerRequest: null });
      connections.push(connection);
      const w = createHubspotWorker({ connection, redis, crm, settings, logger, bullPrefix, keyPrefix, ...over });
      workers.push(w);
      return w;
    },
    async add(record, jobId) {
      const rid = (record as { id?: string }).id ?? randomUUID();
      await queue.add('call-record', record, { jobId: jobId ?? rid, removeOnComplete: false, removeOnFail: false });
    },
    async waitFor(pred, timeoutMs = 20_000) {
      const started = Date.now();
      for (;;) {
        const c = await queue.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active', 'prioritized');
        if (pred(c)) return c;
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting; counts ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 40));
      }
    },
    async close() {
      for (const w of workers) await w.close();
      for (const c of crms) c.close();
      for (const c of connections) c.disconnect();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await fake.close();
    },
  };
}
