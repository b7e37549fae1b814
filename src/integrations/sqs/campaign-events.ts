// S3 ObjectCreated notifications on SQS → campaign ingest, with sqs-consumer (long polling,
// heartbeat that extends the visibility while a large file is still being read). A message
// is deleted only after every row is queued and the reports are written; one that fails
// for good (bad file, bad settings) or too often goes to the dead-letter queue with its reason.
import { SQSClient, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
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
  /** Where messages that fail for good are sent with their reason; unset = rely on the queue's RedrivePolicy. */
  deadLetterQueueUrl?: string;
  /** Deliveries before a failing message is dead-lettered (match the queue's RedrivePolicy). */
  maxReceiveCount?: number;
  ingest: CampaignIngestService;
  logger: Logger;
  metrics?: CampaignMetrics;
  visibilityTimeoutSec?: number;
  heartbeatIntervalSec?: number;
  waitTimeSeconds?: number;
  /** Seconds before a failed message is visible again (multiplied by its receive count). */
  retryBackoffSec?: number;
}

export interface CampaignEventConsumer {
  start(): void;
  stop(): Promise<void>;
  readonly isRunning: boolean;
}

export function createCampaignEventConsumer(deps: CampaignEventConsumerDeps): CampaignEventConsumer {
  const log = deps.logger.child({ component: 'campaign-sqs' });
  const maxReceive = deps.maxReceiveCount ?? 5;
  const backoff = deps.retryBackoffSec ?? 10;

  async function deadLetter(message: Message, err: unknown, receiveCount: number): Promise<boolean> {
    const code = err instanceof S3EventError || isPermanentIngestError(err) ? ((err as { code?: string }).code ?? 'INTERNAL') : ((err as { code?: string }).code ?? 'INGEST_FAILED');
    deps.metrics?.ingestDeadLetters.inc({ code });
    log.error({ err, messageId: message.MessageId, receiveCount, code }, 'campaign event dead-lettered');
    if (!deps.deadLetterQueueUrl) return false; // the queue's RedrivePolicy moves it on the next receive
    const body = JSON.stringify({ reason: (err as Error).message, code, receiveCount, failedAt: new Date().toISOString(), messageId: message.MessageId, original: message.Body });
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.deadLetterQueueUrl, MessageBody: body }));
    return true;
  }

  async function handle(message: Message): Promise<Message | undefined> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    let key: string | undefined;
    try {
      const refs = parseS3Event(message.Body ?? '');
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
      if (permanent || receiveCount >= maxReceive) {
        // Dead-lettered by us (then deleted here), or left for the RedrivePolicy.
        if (await deadLetter(message, err, receiveCount)) return message;
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
  consumer.on('error', (err) => log.warn({ err }, 'SQS polling error'));
  consumer.on('processing_error', (err) => log.warn({ err: err.message }, 'campaign event will be retried'));
  return {
    start: () => consumer.start(),
    async stop() {
      if (!consumer.status.isRunning) return;
      const stopped = new Promise<void>((r) => consumer.once('stopped', () => r()));
      consumer.stop({ abort: true });
      await stopped;
    },
    get isRunning() { return consumer.status.isRunning; },
  };
}
