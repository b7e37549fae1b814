// Starts the background workers of one process (the app runs them too in the embedded
// default; `centralita worker` runs only these): HubSpot logging, campaign ingest (S3
// events over SQS, or the local inbox folder) and the dialler. Each is built from config
// here so main.ts stays a table of contents.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Telephony } from '../telephony/port.ts';
import type { CallOutcomeChannel } from '../jobs/call-outcome.ts';
import { QUEUES } from '../jobs/names.ts';
import type { CampaignStore } from '../campaigns/store.ts';
import type { DncStore } from '../campaigns/dnc.ts';
import type { CampaignMetrics } from '../campaigns/metrics.ts';
import { createCampaignIngestService } from '../campaigns/service.ts';
import { createInboxWatcher, createLocalObjectStore } from '../campaigns/inbox.ts';
import { createDialLimits } from '../campaigns/limits.ts';
import { createS3Client, createS3ObjectStore } from '../integrations/s3/s3.ts';
import { createCampaignEventConsumer, createSqsClient } from '../integrations/sqs/campaign-events.ts';
import { createDialer } from './dialer.ts';
import { startHubspotLogging } from './hubspot.ts';

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  telephony: Telephony;
  metrics: Registry;
  outcomes: CallOutcomeChannel;
  campaigns: { store: CampaignStore; dnc: DncStore; metrics: CampaignMetrics };
}

export interface RunningWorkers {
  stop(): Promise<void>;
}

export async function startWorkers(d: WorkerDeps): Promise<RunningWorkers> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => d.logger.error({ err }, 'worker stop failed'));
  };
  try {
    stops.push(await startHubspot(d));
    stops.push(startIngest(d));
    stops.push(startDialer(d));
    return { stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startHubspot(d: WorkerDeps): Promise<() => Promise<void>> {
  const hubspot = await startHubspotLogging({ config: d.config, redis: d.redis, connection: d.redis, logger: d.logger.child({ component: 'hubspot' }) });
  return () => hubspot.close();
}

function startIngest(d: WorkerDeps): () => Promise<void> {
  const { config } = d;
  const logger = d.logger.child({ component: 'campaign-ingest' });
  const sink = new Queue(QUEUES.originate, { connection: d.redis });
  const common = { store: d.campaigns.store, sink, campaignsPrefix: config.campaigns.prefix, defaultCountry: config.defaultCountry, logger, metrics: d.campaigns.metrics, clock: Date.now };
  if (config.campaigns.mode === 'local') {
    const objects = createLocalObjectStore({ inboxDir: config.campaigns.inboxDir, resultsDir: config.campaigns.resultsDir, campaignsPrefix: config.campaigns.prefix });
    const ingest = createCampaignIngestService({ ...common, objects });
    const watcher = createInboxWatcher({ inboxDir: config.campaigns.inboxDir, campaignsPrefix: config.campaigns.prefix, ingest, logger });
    watcher.start();
    logger.info({ inbox: config.campaigns.inboxDir, results: config.campaigns.resultsDir }, 'no S3_BUCKET: watching the local campaign inbox');
    return async () => { await watcher.stop(); await sink.close(); };
  }
  const aws = { region: config.aws.region, accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey };
  const s3 = createS3Client({ ...aws, endpoint: config.campaigns.endpoint, forcePathStyle: config.campaigns.forcePathStyle });
  const ingest = createCampaignIngestService({ ...common, objects: createS3ObjectStore(s3, config.campaigns.bucket) });
  if (!config.campaigns.sqsQueueUrl) {
    logger.warn('S3_BUCKET set without SQS_QUEUE_URL: campaign files are only ingested through the Lambda handler or the CLI');
    return async () => { s3.destroy(); await sink.close(); };
  }
  const sqs = createSqsClient({ ...aws, endpoint: config.campaigns.sqsEndpoint });
  const consumer = createCampaignEventConsumer({ sqs, queueUrl: config.campaigns.sqsQueueUrl, ingest, logger, metrics: d.campaigns.metrics });
  consumer.start();
  return async () => { await consumer.stop(); sqs.destroy(); s3.destroy(); await sink.close(); };
}

function startDialer(d: WorkerDeps): () => Promise<void> {
  const dialer = createDialer({
    connection: d.redis, store: d.campaigns.store, dnc: d.campaigns.dnc, limits: createDialLimits(d.redis), outcomes: d.outcomes, telephony: d.telephony,
    logger: d.logger.child({ component: 'dialer' }), metrics: d.campaigns.metrics,
    globalMaxCallsPerSecond: d.config.dialer.maxCallsPerSecond, globalMaxConcurrentCalls: d.config.dialer.maxConcurrentCalls,
  });
  return () => dialer.close();
}
