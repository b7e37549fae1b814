// BullMQ worker: `call-records` → HubSpot. Jobs are gathered into batches (one search and one
// batch create per up to 100 records) and every outcome becomes a BullMQ action:
//   logged / duplicate  → completed, result = HubSpot call id
//   rate limited (429)  → queue-wide rate limit + Worker.RateLimitError (not a failure)
//   401/403             → same, for authPauseMs (records kept; fix the token)
//   portal set-up wrong → same, for configPauseMs, one clear error (a missing property…)
//   daily limit         → same, until the portal's midnight (its time zone)
//   5xx / network       → delayed with exponential backoff, no attempt used, never given up
//   pending create      → delayed until the search index can confirm it (exactly-once)
//   permanent 4xx / bad record → copied to the dead-letter queue with the body, UnrecoverableError
import { Worker, DelayedError, UnrecoverableError, type Queue, type Job, type ConnectionOptions } from 'bullmq';
import { createQueue, createWorker } from '../jobs/bull.ts';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { CallRecord } from '../domain/call-record.ts';
import { QUEUES, KEY_PREFIX } from '../jobs/names.ts';
import type { Crm, PortalDetails } from '../integrations/hubspot/port.ts';
import type { HubspotSettings } from '../integrations/hubspot/settings.ts';
import { createRedisLedger } from '../integrations/hubspot/ledger.ts';
import { createCallLogger, type LogOutcome, type UnassociatedCall } from '../integrations/hubspot/call-logger.ts';
import { createBatcher } from '../integrations/hubspot/batcher.ts';
import { createRedisUnassociatedStore } from '../integrations/hubspot/unassociated.ts';
import { createRedisChoiceStore } from '../integrations/hubspot/choice-store.ts';

/**
 * How long a record's chosen contact is kept for its retries and for the worker that picks up a
 * crashed worker's batch (stalled-job detection + the pending lag are well under this).
 */
const CHOICE_TTL_MS = 15 * 60_000;
/**
 * A wait this short is waited out in the worker, holding the job (its lock is renewed): a
 * delayed job goes back at the END of the queue, so a crashed worker's batch, picked up just
 * before its pending creates may be searched for, would otherwise wait for the whole backlog.
 */
const HOLD_MAX_MS = 5_000;
/** Stalls (its worker died mid-job) before a HubSpot job is failed: in practice never. */
export const HUBSPOT_MAX_STALLED = 1000;

export const CallRecordSchema = z.looseObject({
  id: z.string().min(1),
  linkedId: z.string(),
  direction: z.enum(['inbound', 'outbound', 'internal']),
  from: z.string(),
  to: z.string(),
  startedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO instant'),
  endedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO instant'),
  talkSeconds: z.number().min(0),
  waitSeconds: z.number().min(0),
  ivrSeconds: z.number().min(0).optional(),
  disposition: z.enum(['answered', 'busy', 'declined', 'no-answer', 'unknown-number', 'failed', 'abandoned', 'voicemail']),
  hangupSide: z.string(),
  path: z.array(z.looseObject({ node: z.string(), at: z.string() })),
});

export interface DeadLetter {
  record: unknown;
  recordId: string;
  error: { code: string; message: string; status?: number; body?: unknown };
  failedAt: string;
  sourceQueue: string;
}

export interface HubspotWorkerDeps {
  connection: ConnectionOptions;
  redis: Redis;
  crm: Crm;
  settings: HubspotSettings;
  logger: Logger;
  /** BullMQ key prefix (tests use their own). */
  bullPrefix?: string;
  /** Prefix of centralita's own Redis keys (ledger, stats). */
  keyPrefix?: string;
  queueName?: string;
  dlqName?: string;
  now?: () => number;
  recordingUrl?: (record: CallRecord) => Promise<string | undefined>;
  /** The portal's id and UI domain (links in call bodies), when known. */
  portal?: () => PortalDetails | undefined;
  /** Test hook between HubSpot's create and the ledger write (crash injection). */
  afterCreate?: (created: Map<string, string>) => Promise<void> | void;
  worker?: { stalledInterval?: number; lockDuration?: number; maxStalledCount?: number; autorun?: boolean };
}

export interface HubspotWorker {
  worker: Worker;
  dlq: Queue<DeadLetter>;
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export function hubspotKeys(keyPrefix = KEY_PREFIX) {
  return {
    ledger: `${keyPrefix}:hubspot:ledger`,
    contacts: `${keyPrefix}:hubspot:contacts-created`,
    unassociated: `${keyPrefix}:hubspot:unassociated`,
    stats: `${keyPrefix}:hubspot:stats`,
    tries: `${keyPrefix}:hubspot:tries`,
    budget: `${keyPrefix}:hubspot`,
    portal: `${keyPrefix}:hubspot:portal`,
    choices: `${keyPrefix}:hubspot:choice`,
  };
}

export function backoffMs(tries: number, base: number, max: number, random: number): number {
  // Full jitter over the upper half keeps workers from retrying in lockstep after an outage.
  const exp = Math.min(max, base * 2 ** Math.max(0, tries - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
}

export function createHubspotWorker(deps: HubspotWorkerDeps): HubspotWorker {
  const { settings, logger, redis } = deps;
  const now = deps.now ?? Date.now;
  const keys = hubspotKeys(deps.keyPrefix);
  const queueName = deps.queueName ?? QUEUES.callRecords;
  const prefix = deps.bullPrefix ? { prefix: deps.bullPrefix } : {};
  const log = logger.child({ component: 'hubspot-worker' });
  const dlq = createQueue<DeadLetter>(deps.dlqName ?? QUEUES.hubspotDlq, { connection: deps.connection, ...prefix }, log);
  const unassociated = createRedisUnassociatedStore(redis, keys.unassociated);
  const choices = createRedisChoiceStore(redis, keys.choices, Math.max(CHOICE_TTL_MS, settings.reconcileAfterMs * 2));

  const callLogger = createCallLogger({
    crm: deps.crm,
    calls: createRedisLedger(redis, keys.ledger),
    contacts: createRedisLedger(redis, keys.contacts),
    settings,
    choices,
    now,
    ...(deps.recordingUrl ? { recordingUrl: deps.recordingUrl } : {}),
    ...(deps.afterCreate ? { afterCreate: deps.afterCreate } : {}),
    ...(deps.portal ? { portal: deps.portal } : {}),
    onUnassociated: (calls: UnassociatedCall[]) => unassociated.put(calls),
  });
  // A set-up error is logged once per pause, not once per record.
  let configLoggedAt = -Infinity;

  const batcher = createBatcher<CallRecord, LogOutcome>(
    { maxSize: settings.batchSize, maxWaitMs: settings.batchWaitMs, maxParallel: settings.parallelBatches },
    async (records) => {
      const out = await callLogger.logBatch(records, now());
      const results = records.map((r): LogOutcome => out.get(r.id) ?? { kind: 'unavailable', message: 'no outcome' });
      // Per-batch bookkeeping in one round trip, not one per job.
      const counts: Record<string, number> = {};
      for (const o of results) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
      const finished = records.filter((_, i) => results[i]!.kind === 'logged' || results[i]!.kind === 'duplicate').map((r) => r.id);
      const m = redis.multi();
      for (const [k, v] of Object.entries(counts)) m.hincrby(keys.stats, k, v);
      if (finished.length) m.hdel(keys.tries, ...finished);
      await m.exec();
      if (finished.length) await choices.forget(finished);
      log.debug({ records: records.length, ...counts }, 'hubspot batch');
      return results;
    },
  );

  const count = (field: string, by = 1) => redis.hincrby(keys.stats, field, by);

  async function deadLetter(job: Job, recordId: string, error: DeadLetter['error']) {
    await dlq.add('dead-letter', { record: job.data, recordId, error, failedAt: new Date(now()).toISOString(), sourceQueue: queueName }, { jobId: `${recordId}:${job.attemptsStarted}:${now()}` });
  }

  async function rateLimit(ms: number): Promise<never> {
    await worker.rateLimit(Math.max(1, Math.round(ms)));
    throw Worker.RateLimitError();
  }

  const worker: Worker = createWorker(
    queueName,
    async (job: Job, token?: string) => {
      const parsed = CallRecordSchema.safeParse(job.data);
      const recordId = typeof (job.data as { id?: unknown })?.id === 'string' ? (job.data as { id: string }).id : String(job.id);
      if (!parsed.success) {
        const message = `not a valid CallRecord: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
        await count('invalid');
        await deadLetter(job, recordId, { code: 'HUBSPOT_BAD_RECORD', message });
        log.warn({ jobId: job.id, recordId, message }, 'bad call record dead-lettered');
        throw new UnrecoverableError(message);
      }
      const record = parsed.data as unknown as CallRecord;
      // Extension to extension: no customer on the line, so nothing for a contact (unless configured).
      if (record.direction === 'internal' && !settings.logInternalCalls) {
        await count('internal-skipped');
        return { outcome: 'skipped-internal' };
      }
      let o = await batcher.submit(record);
      for (let held = 0; o.kind === 'wait' && o.untilMs - now() <= HOLD_MAX_MS && held < 3; held++) {
        await sleep(Math.max(0, o.untilMs - now()));
        o = await batcher.submit(record);
      }
      switch (o.kind) {
        case 'logged':
        case 'duplicate':
          return { callId: o.callId, outcome: o.kind, ...(o.kind === 'logged' && o.contactId ? { contactId: o.contactId } : {}) };
        case 'wait':
          await job.moveToDelayed(o.untilMs, token);
          throw new DelayedError(o.reason);
        case 'rate-limited':
          if (o.policy === 'daily') log.warn({ retryAfterMs: o.retryAfterMs }, `hubspot daily limit reached; logging resumes after the portal's midnight: ${o.message}`);
          else log.info({ retryAfterMs: o.retryAfterMs, policy: o.policy }, 'hubspot rate limited; pausing the queue');
          return rateLimit(o.retryAfterMs);
        case 'config':
          if (now() - configLoggedAt >= settings.configPauseMs) {
            configLoggedAt = now();
            log.error({ code: 'HUBSPOT_CONFIG', property: o.property, pauseMs: settings.configPauseMs }, o.message);
          }
          return rateLimit(settings.configPauseMs);
        case 'auth':
          log.error({ status: o.status, pauseMs: settings.authPauseMs }, `hubspot refused the token: ${o.message}`);
          return rateLimit(settings.authPauseMs);
        case 'unavailable': {
          const tries = await redis.hincrby(keys.tries, record.id, 1);
          const delay = backoffMs(tries, settings.backoffBaseMs, settings.backoffMaxMs, Math.random());
          log.warn({ recordId: record.id, tries, delayMs: delay, error: o.message }, 'hubspot unavailable; retrying later');
          await job.moveToDelayed(now() + delay, token);
          throw new DelayedError(o.message);
        }
        case 'rejected':
          await deadLetter(job, record.id, { code: o.code, message: o.message, ...(o.status ? { status: o.status } : {}), body: o.body });
          log.error({ recordId: record.id, status: o.status, body: o.body }, 'hubspot rejected the call; dead-lettered');
          throw new UnrecoverableError(o.message);
      }
    },
    {
      connection: deps.connection,
      ...prefix,
      concurrency: settings.batchSize * settings.parallelBatches,
      // The limiter must exist for manual rate limiting; its own cap is one full batch per request slot.
      limiter: { max: settings.batchSize * 100, duration: 10_000 },
      autorun: deps.worker?.autorun ?? true,
      ...(deps.worker?.stalledInterval ? { stalledInterval: deps.worker.stalledInterval } : {}),
      ...(deps.worker?.lockDuration ? { lockDuration: deps.worker.lockDuration } : {}),
      // A job stalls when its worker dies mid-log (SIGKILL, OOM). Re-running it is safe (the
      // ledger and the record-id search find a call already created), and BullMQ's default of
      // one stall fails it for good after a second kill: the record would never be logged.
      maxStalledCount: deps.worker?.maxStalledCount ?? HUBSPOT_MAX_STALLED,
    },
    log,
  );

  return {
    worker,
    dlq,
    async stats() {
      const h = await redis.hgetall(keys.stats);
      return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
    },
    async close() {
      await worker.close();
      await batcher.drain();
      await dlq.close();
    },
  };
}

/**
 * main.ts entry point: settings (env + optional $DATA_DIR/hubspot.yaml), the Crm chosen by
 * configuration (API with HUBSPOT_TOKEN, JSONL outbox without), and the worker.
 */
export async function startHubspotLogging(deps: {
  config: import('../config.ts').Config;
  redis: Redis;
  connection: ConnectionOptions;
  logger: Logger;
  settingsFile?: string;
  recordingUrl?: (record: CallRecord) => Promise<string | undefined>;
  /** Given → HubSpot gauges (outcomes, unassociated, dead letters, backlog) are registered on it. */
  metrics?: Registry;
}): Promise<{ worker: HubspotWorker; settings: HubspotSettings; close(): Promise<void> }> {
  const { loadHubspotSettings, createCrmFromConfig, resolvePortal } = await import('../integrations/hubspot/index.ts');
  const settings = loadHubspotSettings(deps.config, deps.settingsFile);
  const keys = hubspotKeys();
  const handle = createCrmFromConfig(deps.config, settings, deps.redis, keys.budget);
  deps.logger.info({ mode: handle.mode }, `hubspot logging: ${handle.describe}`);
  // The portal's time zone (daily limit) and id (links): read once (at most 3 s at start-up),
  // shared through Redis; when HubSpot cannot say yet, asked again every 5 minutes.
  let portal: PortalDetails | undefined;
  let retry: NodeJS.Timeout | undefined;
  const learn = async () => {
    const timeout = new Promise<undefined>((r) => { const t = setTimeout(() => r(undefined), 3_000); t.unref(); });
    const p = await Promise.race([resolvePortal({ settings, crm: handle.crm, redis: deps.redis, key: keys.portal, logger: deps.logger }), timeout]);
    if (p) { portal = p; handle.setTimeZone(p.timeZone); }
    if (handle.mode === 'api' && !p?.portalId && !settings.portalId) { retry = setTimeout(() => void learn(), 300_000); retry.unref(); }
  };
  await learn();
  const worker = createHubspotWorker({ connection: deps.connection, redis: deps.redis, crm: handle.crm, settings, logger: deps.logger, portal: () => portal, ...(deps.recordingUrl ? { recordingUrl: deps.recordingUrl } : {}) });
  let callRecords: Queue | undefined;
  if (deps.metrics) {
    const { registerHubspotMetrics } = await import('./hubspot-metrics.ts');
    callRecords = createQueue(QUEUES.callRecords, { connection: deps.connection }, deps.logger);
    registerHubspotMetrics(deps.metrics, { worker, redis: deps.redis, unassociatedKey: keys.unassociated, callRecords });
  }
  return { worker, settings, async close() { clearTimeout(retry); await worker.close(); await callRecords?.close(); handle.close(); } };
}
