// Campaign wiring for main.ts in one call: stores (PostgreSQL), call-outcome channel, ingest
// (SQS consumer when SQS_QUEUE_URL is set, else the local inbox when S3 is not configured), the
// dialler and its hopper (when a Telephony is given) and the HTTP routes. Everything is stopped
// in reverse order.
import type { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { Telephony } from '../telephony/port.ts';
import { createCallOutcomeChannel, type CallOutcomeChannel } from '../jobs/call-outcome.ts';
import type { CampaignStore } from './store.ts';
import { createDncStore, type DncStore } from './dnc.ts';
import { createDialLimits } from './limits.ts';
import { createCampaignMetrics } from './metrics.ts';
import { createCampaignIngestService, type CampaignIngestService } from './service.ts';
import { createThreadedIngestRunner } from './ingest-thread.ts';
import { startHopper } from './hopper.ts';
import { createInboxWatcher, createLocalObjectStore } from './inbox.ts';
import { registerCampaignRoutes } from './http.ts';
import { createDialer } from '../workers/dialer.ts';
import { beatStasisOwner, stasisOwnerAlive } from './stasis-owner.ts';
import { watchUnansweredAttempts } from './unanswered-watch.ts';
import { createS3Client, createS3ObjectStore } from '../integrations/s3/s3.ts';
import { createCampaignEventConsumer, createSqsClient, localDeadLetterFile } from '../integrations/sqs/campaign-events.ts';
import { join } from 'node:path';
import type { CampaignSettingsInput } from '../domain/campaign.ts';
import { liveCatalog, publishCatalog, publishedCatalog } from './catalog.ts';
import { writeResultsReports } from './results.ts';
import type { CampaignDb } from './ports.ts';
import { reportDelimiter } from './reports.ts';

export interface CampaignRuntimeOptions {
  config: Config;
  /** A connection usable by BullMQ (maxRetriesPerRequest: null). */
  redis: Redis;
  /** A fail-fast connection (no offline queue, command timeout) for the HTTP routes and the DNC
   *  lookups calls make: while Redis is down they answer 503 / "not listed" at once. Default: `redis`. */
  apiRedis?: Redis;
  /** The same Redis as a URL: the ingest thread opens its own connection. */
  redisUrl: string;
  /** Campaign rows, attempts and progress (PostgreSQL). */
  db: CampaignDb;
  logger: Logger;
  metrics: Registry;
  /** Given → this process dials. */
  telephony?: Telephony;
  /** Given → GET /api/campaigns/:id etc. are registered on it (call before listen). */
  http?: FastifyInstance;
  /** Global caps over all campaigns and worker processes. */
  dialer?: { maxCallsPerSecond?: number; maxConcurrentCalls?: number };
  /** Where permanently failing S3 events go (with their reason); unset = the queue's RedrivePolicy. */
  sqsDeadLetterQueueUrl?: string;
  defaultSettings?: CampaignSettingsInput;
  /** The app's flow registry: campaign files are checked against it, and its ids are published
   *  in Redis for processes without one (`centralita worker`, Lambda), which read them instead. */
  flows?: { ids(): readonly string[] };
  /** Whether to run ingest (SQS consumer / inbox watcher) in this process. Default true. */
  ingest?: boolean;
  /** Wall clock for calling windows and reports (tests inject one). */
  now?: () => number;
  /**
   * This process owns the Stasis application (receives PBX events): it tells dialers in any
   * process how unanswered attempts ended. False in `centralita worker` (REST only).
   */
  stasisOwner?: boolean;
  /** Hold new dials while no process holds the Stasis app (stasis-owner.ts); main.ts sets it in both processes. */
  holdWithoutStasisOwner?: boolean;
  /** Records of dialled attempts nobody else recorded (src/campaigns/attempt-record.ts): the history and the record spool. */
  attemptRecords?: { publish(record: CallRecord): Promise<unknown> };
}

export interface CampaignRuntime {
  store: CampaignStore;
  dnc: DncStore;
  /** The record publisher calls outcomes.publish(record) for every CallRecord. */
  outcomes: CallOutcomeChannel;
  ingest: CampaignIngestService;
  /** Re-publishes the flow ids after the registry reloaded (the app only). */
  flowsChanged(): Promise<void>;
  /** Writes results/<campaign>/<file>.results.csv for every file of the campaign now. */
  writeResults(campaignId: string): Promise<string[]>;
  /** One hopper refill now (tests); undefined when this process does not dial. */
  refill?(): Promise<unknown>;
  /** Shutdown, first step: no new file is ingested and nothing new is dialled (live campaign
   *  calls are left to the call drain; their attempts are settled when their records come). */
  stopIntake(): Promise<void>;
  stop(): Promise<void>;
}

export function startCampaigns(o: CampaignRuntimeOptions): CampaignRuntime {
  const { config, redis, logger } = o;
  const stack: (() => Promise<void>)[] = [];
  // Stopped before the call drain (ingest, dialler, hopper), newest first.
  const intake: (() => Promise<void>)[] = [];
  // Completion is noticed by whichever process settles the last row; it writes the results.
  let onCompleted: (campaignId: string) => void = () => {};
  const limits = createDialLimits(redis);
  const store = o.db.store({ dialling: (id) => limits.active(id), onCompleted: (id) => onCompleted(id), ...(o.now ? { now: o.now } : {}) });
  const results = o.db.results;
  const catalog = o.flows ? liveCatalog(() => o.flows!.ids()) : publishedCatalog(redis);
  const flowsChanged = async () => {
    if (o.flows) await publishCatalog(redis, { flowIds: o.flows.ids() }).catch((err: unknown) => logger.warn({ err }, 'flow ids not published to Redis; workers check campaign files against the previous list'));
  };
  void flowsChanged();
  const dnc = createDncStore(redis);
  // What the routes and the calls' DNC lookups read in Redis: the fail-fast connection when
  // given (campaign rows, progress and results are in PostgreSQL now).
  const apiDnc = o.apiRedis ? createDncStore(o.apiRedis) : dnc;
  const outcomes = createCallOutcomeChannel(redis);
  stack.push(() => outcomes.close());
  const metrics = createCampaignMetrics(o.metrics, store);
  const c = config.campaigns;
  const objects = c.mode === 's3'
    ? createS3ObjectStore(createS3Client({ region: config.aws.region, endpoint: c.endpoint, forcePathStyle: c.forcePathStyle, accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey }), c.bucket)
    : createLocalObjectStore({ inboxDir: c.inboxDir, resultsDir: c.resultsDir, campaignsPrefix: c.prefix });
  // Files are parsed in a worker thread with a bounded heap: big files never grow this process.
  const runner = createThreadedIngestRunner({ redisUrl: o.redisUrl, databaseUrl: o.db.url, maxHeapMb: config.ingest.maxHeapMb });
  const ingest = createCampaignIngestService({ store, runner, objects, catalog, campaignsPrefix: c.prefix, defaultCountry: config.defaultCountry, defaultSettings: o.defaultSettings, logger, metrics, clock: o.now ?? Date.now, dialPolicy: config.dial });

  if (o.ingest !== false) {
    if (c.mode === 's3' && c.sqsQueueUrl) {
      const sqs = createSqsClient({ region: config.aws.region, endpoint: c.sqsEndpoint, accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey });
      const consumer = createCampaignEventConsumer({
        sqs, queueUrl: c.sqsQueueUrl, deadLetterQueueUrl: o.sqsDeadLetterQueueUrl ?? c.sqsDeadLetterQueueUrl, bucket: c.bucket, ingest, logger, metrics,
        // No dead-letter queue at all: events that fail for good are kept here (and deleted from SQS).
        localDeadLetters: localDeadLetterFile(join(config.dataDir, 'dead-letters', 'campaign-events.jsonl')),
      });
      consumer.start();
      intake.push(async () => { await consumer.stop(); sqs.destroy(); });
    } else if (c.mode === 'local') {
      const watcher = createInboxWatcher({ inboxDir: c.inboxDir, campaignsPrefix: c.prefix, ingest, logger });
      watcher.start();
      intake.push(() => watcher.stop());
    } else {
      logger.warn('S3_BUCKET is set but SQS_QUEUE_URL is not: campaign files are ingested only by the Lambda handler');
    }
  }
  // Pushed after the consumer: on stop, running ingests end first and the consumer does not wait on them.
  intake.push(() => runner.close());
  if (o.telephony && o.stasisOwner) {
    const stopWatch = watchUnansweredAttempts({ telephony: o.telephony, outcomes, logger });
    stack.push(async () => stopWatch());
    // Diallers everywhere dial only while this process can take the answered calls (stasis-owner.ts).
    const stopBeat = beatStasisOwner(redis, o.telephony, (err) => logger.debug({ err }, 'stasis owner beat failed'));
    intake.push(() => stopBeat());
  }
  let hopper: ReturnType<typeof startHopper> | undefined;
  if (o.telephony) {
    const global = { maxCallsPerSecond: o.dialer?.maxCallsPerSecond ?? 10, maxConcurrentCalls: o.dialer?.maxConcurrentCalls ?? 30 };
    const clock = o.now ?? Date.now;
    const d = createDialer({
      connection: redis, store, limits, outcomes, telephony: o.telephony, dnc, logger, metrics, clock,
      globalMaxCallsPerSecond: global.maxCallsPerSecond, globalMaxConcurrentCalls: global.maxConcurrentCalls, onSettled: () => hopper?.kick(),
      ...(o.holdWithoutStasisOwner ? { ownerAlive: stasisOwnerAlive(redis) } : {}),
      ...(o.attemptRecords ? { attemptRecords: o.attemptRecords } : {}),
    });
    // The hopper: due rows from PostgreSQL into the dialler's queue, a few times its concurrency.
    const h = startHopper({ store: o.db.hopper, queue: d.queue, clock, logger, global, onCompleted: (id) => onCompleted(id) });
    hopper = h;
    intake.push(() => d.close());
    intake.push(() => h.close());
  }
  // Pause, resume and cancel are state changes; the hopper acts on them at its next pass (this
  // process's at once). Background work (results reports) stops at shutdown after its step.
  const tasks = new Set<Promise<void>>();
  const stopTasks = new AbortController();
  const background = (what: string, campaignId: string, run: () => Promise<unknown>, ifFailed: string) => {
    const p = run()
      .then((r) => logger.info({ campaignId, result: r }, `${what}: done`))
      .catch((err: unknown) => logger.error({ err, campaignId }, `${what} failed; ${ifFailed}`))
      .finally(() => tasks.delete(p));
    tasks.add(p);
  };
  const onStateChanged = () => hopper?.kick();
  intake.push(async () => { stopTasks.abort(); await Promise.all(tasks); });
  const resultsFormat = async (campaignId: string) => {
    const settings = await store.getSettings(campaignId);
    const first = (await results.files(campaignId))[0];
    return {
      timezone: settings?.fallbackTimezone ?? 'America/Bogota',
      delimiter: first?.reportDelimiter ?? (settings ? reportDelimiter(settings, config.defaultCountry) : ';'),
    };
  };
  const writeResults = async (campaignId: string) => {
    const f = await resultsFormat(campaignId);
    const keys = await writeResultsReports({ results, objects, campaignId, resultsPrefix: 'results/', timezone: f.timezone, defaultDelimiter: f.delimiter, signal: stopTasks.signal });
    await results.markWritten(campaignId);
    return keys;
  };
  const retryResults = 'written at the next start, or on demand (GET /api/campaigns/<id>/results)';
  onCompleted = (campaignId) => background('completed campaign: writing per-row results', campaignId, () => writeResults(campaignId), retryResults);
  // Completions no process was there to report (a Lambda ingest, a crash in between).
  background('results of completed campaigns', '*', async () => { for (const id of await results.reportsDue()) await writeResults(id); }, retryResults);
  if (o.http) registerCampaignRoutes(o.http, { store, dnc: apiDnc, results, resultsFormat, defaultCountry: config.defaultCountry, onCancelled: onStateChanged, onResumed: onStateChanged });
  const drain = async (list: (() => Promise<void>)[]) => {
    for (const s of list.reverse()) {
      try { await s(); } catch (err) { logger.error({ err }, 'campaigns: error while stopping'); }
    }
    list.length = 0;
  };
  return {
    store, dnc: apiDnc, outcomes, ingest, flowsChanged, writeResults,
    ...(hopper ? { refill: () => hopper!.refill() } : {}),
    stopIntake: () => drain(intake),
    async stop() {
      await drain(intake);
      await drain(stack);
    },
  };
}
