// S3 ObjectCreated notifications on SQS → campaign ingest, with sqs-consumer (long polling,
// heartbeat that extends the visibility while a large file is still being read). A message
// is deleted only after every row is queued and the reports are written. One that fails for
// good (bad event, bad file, bad settings, another bucket) goes to the dead-letter queue at
// once with its reason, one that keeps failing on its last delivery; with no dead-letter
// queue at all (no SQS_DEAD_LETTER_QUEUE_URL, no RedrivePolicy: warned at start) it is kept
// in a local file instead. Either way it is deleted: never redelivered forever.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import type { Logger } from '../../logger.ts';
import type { CampaignIngestService } from '../../campaigns/service.ts';
import { isPermanentIngestError } from '../../campaigns/service.ts';
import type { CampaignMetrics } from '../../campaigns/metrics.ts';
import { parseS3Event, S3EventError } from '../s3/s3.ts';

export interface SqsSettings {
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export function createSqsClient(s: SqsSettings): SQSClient {
  return new SQSClient({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.accessKeyId && s.secretAccessKey ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } } : {}),
  });
}

export interface CampaignEventConsumerDeps {
  sqs: SQSClient;
  queueUrl: string;
  /** Where events that fail for good go, with their reason (SQS_DEAD_LETTER_QUEUE_URL). Unset:
   *  the queue's RedrivePolicy target, found at start; neither: the local dead-letter file. */
  deadLetterQueueUrl?: string;
  /** Deliveries of a transiently failing message before it is dead-lettered (capped below the RedrivePolicy's count). */
  maxReceiveCount?: number;
  /** The campaigns bucket: an event for another bucket is refused with a reason, never read from ours. */
  bucket?: string;
  /** Kept when no dead-letter queue exists (and when sending to it fails): one JSON line each, fsync'd. */
  localDeadLetters?: LocalDeadLetters;
  ingest: CampaignIngestService;
  logger: Logger;
  metrics?: CampaignMetrics;
  visibilityTimeoutSec?: number;
  heartbeatIntervalSec?: number;
  waitTimeSeconds?: number;
  /** Seconds before a failed message is visible again (multiplied by its receive count). */
  retryBackoffSec?: number;
}

export interface DeadLetterSetup {
  /** Where dead letters go. */
  target: 'sqs' | 'local';
  url?: string;
  /** Where the target came from. */
  source: 'config' | 'redrive-policy' | 'none';
  maxReceiveCount: number;
  warning?: string;
}

export interface LocalDeadLetters {
  readonly path: string;
  add(entry: Record<string, unknown>): Promise<void>;
}

/** An append-only JSON-lines file, each line fsync'd before the message is deleted from SQS. */
export function localDeadLetterFile(path: string): LocalDeadLetters {
  return {
    path,
    async add(entry) {
      await mkdir(dirname(path), { recursive: true });
      const fh = await open(path, 'a', 0o600);
      try { await fh.write(`${JSON.stringify(entry)}\n`); await fh.datasync(); } finally { await fh.close(); }
    },
  };
}

export interface CampaignEventConsumer {
  start(): void;
  /** Resolves once the dead-letter target is known (the queue's RedrivePolicy was read). */
  setup(): Promise<DeadLetterSetup>;
  stop(): Promise<void>;
  readonly isRunning: boolean;
}

/** The queue's RedrivePolicy → its dead-letter queue URL (GetQueueUrl by name and owner account, from the ARN). */
async function redriveTarget(sqs: SQSClient, queueUrl: string): Promise<{ url: string; maxReceiveCount: number } | undefined> {
  const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
  const raw = a.Attributes?.RedrivePolicy;
  if (!raw) return undefined;
  const policy = JSON.parse(raw) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
  const m = /^arn:[^:]+:sqs:[^:]*:(\d+):(.+)$/.exec(policy.deadLetterTargetArn ?? '');
  if (!m) return undefined;
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: m[2]!, QueueOwnerAWSAccountId: m[1]! }))).QueueUrl;
  return url ? { url, maxReceiveCount: Number(policy.maxReceiveCount) || 1 } : undefined;
}

export function createCampaignEventConsumer(deps: CampaignEventConsumerDeps): CampaignEventConsumer {
  const log = deps.logger.child({ component: 'campaign-sqs' });
  const backoff = deps.retryBackoffSec ?? 10;
  let dlq: DeadLetterSetup = { target: 'local', source: 'none', maxReceiveCount: deps.maxReceiveCount ?? 5 };

  async function resolveSetup(): Promise<DeadLetterSetup> {
    const want = deps.maxReceiveCount ?? 5;
    if (deps.deadLetterQueueUrl) return { target: 'sqs', url: deps.deadLetterQueueUrl, source: 'config', maxReceiveCount: want };
    const where = deps.localDeadLetters ? ` kept in ${deps.localDeadLetters.path}` : ' logged';
    try {
      const t = await redriveTarget(deps.sqs, deps.queueUrl);
      // Dead-lettered by us (with the reason) on the last delivery before the redrive would move it bare.
      if (t) return { target: 'sqs', url: t.url, source: 'redrive-policy', maxReceiveCount: Math.max(1, Math.min(want, t.maxReceiveCount)) };
      return { target: 'local', source: 'none', maxReceiveCount: want, warning: `SQS queue ${deps.queueUrl} has no RedrivePolicy and SQS_DEAD_LETTER_QUEUE_URL is unset: campaign events that fail for good are${where} and deleted from the queue (set SQS_DEAD_LETTER_QUEUE_URL or give the queue a RedrivePolicy)` };
    } catch (err) {
      return { target: 'local', source: 'none', maxReceiveCount: want, warning: `could not read the RedrivePolicy of ${deps.queueUrl} (${(err as Error).message}) and SQS_DEAD_LETTER_QUEUE_URL is unset: campaign events that fail for good are${where}` };
    }
  }

  /** Sends the message to the dead-letter queue with its reason (or keeps it locally); counts it once. */
  async function deadLetter(message: Message, err: unknown, receiveCount: number, permanent: boolean): Promise<void> {
    const code = (err as { code?: string }).code ?? (permanent ? 'INTERNAL' : 'INGEST_FAILED');
    const entry = { reason: (err as Error).message, code, permanent, receiveCount, failedAt: new Date().toISOString(), messageId: message.MessageId, sourceQueue: deps.queueUrl, original: message.Body };
    let where: 'sqs' | 'local' = 'local';
    if (dlq.target === 'sqs' && dlq.url) {
      try {
        await deps.sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: JSON.stringify(entry) }));
        where = 'sqs';
      } catch (e) {
        log.warn({ err: { message: (e as Error).message }, deadLetterQueueUrl: dlq.url }, 'could not send to the dead-letter queue; keeping the event locally');
      }
    }
    if (where === 'local') {
      if (!deps.localDeadLetters) throw err; // nowhere to keep it: leave it on the queue
      await deps.localDeadLetters.add(entry);
    }
    deps.metrics?.ingestDeadLetters.inc({ code });
    log.error({ messageId: message.MessageId, receiveCount, code, reason: entry.reason, deadLetter: where === 'sqs' ? dlq.url : deps.localDeadLetters?.path }, 'campaign event dead-lettered');
  }

  async function handle(message: Message): Promise<Message | undefined> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    let key: string | undefined;
    try {
      const refs = parseS3Event(message.Body ?? '');
      // All of the message's records are checked before any is read.
      const foreign = deps.bucket ? refs.find((r) => r.bucket !== deps.bucket) : undefined;
      if (foreign) throw new S3EventError(`event for bucket ${JSON.stringify(foreign.bucket)} (key ${JSON.stringify(foreign.key)}); this app reads campaign files from ${JSON.stringify(deps.bucket)} only`, 'S3_EVENT_WRONG_BUCKET');
      for (const ref of refs) {
        if (!ref.eventName.startsWith('ObjectCreated')) continue;
        key = ref.key;
        const r = await deps.ingest.ingestObject(ref.key, { etag: ref.eTag });
        if (r.status === 'ignored') log.debug({ key: ref.key, reason: r.reason }, 'S3 event ignored');
      }
      return message;
    } catch (err) {
      const permanent = err instanceof S3EventError || isPermanentIngestError(err);
      if (key) await deps.ingest.reportFailure(key, err, { receiveCount, permanent }).catch((e: unknown) => log.warn({ err: e }, 'could not write the failure report'));
      // Permanent: dead-lettered at once, never processed again. Transient: retried with a
      // growing backoff, dead-lettered (with its reason) on its last delivery.
      if (permanent || receiveCount >= dlq.maxReceiveCount) {
        await deadLetter(message, err, receiveCount, permanent);
        return message; // deleted from the queue
      }
      throw err;
    }
  }

  const consumer = Consumer.create({
    queueUrl: deps.queueUrl,
    sqs: deps.sqs,
    batchSize: 1,
    waitTimeSeconds: deps.waitTimeSeconds ?? 20,
    visibilityTimeout: deps.visibilityTimeoutSec ?? 120,
    heartbeatInterval: deps.heartbeatIntervalSec ?? 30,
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    terminateVisibilityTimeout: (msgs) => backoff * Number(msgs[0]?.Attributes?.ApproximateReceiveCount ?? 1),
    handleMessage: handle,
  });
  consumer.on('error', (err) => log.warn({ err: { message: err.message } }, 'SQS polling error'));
  consumer.on('processing_error', (err) => log.warn({ err: err.message }, 'campaign event will be retried'));
  let ready: Promise<DeadLetterSetup> | undefined;
  let stopped = false;
  return {
    start() {
      ready ??= resolveSetup().then((s) => {
        dlq = s;
        if (s.warning) log.warn({ queueUrl: deps.queueUrl }, s.warning);
        else log.info({ deadLetterQueueUrl: s.url, source: s.source, maxReceiveCount: s.maxReceiveCount }, 'campaign events that fail for good go to the dead-letter queue with their reason');
        if (!stopped) consumer.start();
        return s;
      });
    },
    setup() { this.start(); return ready!; },
    async stop() {
      stopped = true;
      await ready?.catch(() => undefined);
      if (!consumer.status.isRunning) return;
      const done = new Promise<void>((r) => consumer.once('stopped', () => r()));
      consumer.stop({ abort: true });
      await done;
    },
    get isRunning() { return consumer.status.isRunning; },
  };
}
