// The SQS dead-letter path as it runs in production (issue 14): with SQS_DEAD_LETTER_QUEUE_URL,
// with only the queue's RedrivePolicy, and with neither. Permanent failures are dead-lettered at
// once with their reason (processed once, not maxReceiveCount times); transient ones on their
// last delivery; the metric counts real dead letters only; a queue without a dead-letter queue
// is warned about at start and never redelivers a bad message forever; events for another
// bucket are refused with a reason.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startSqsServer, type SqsServer } from '../../fakes/sqs-server.ts';
import { createCampaignEventConsumer, localDeadLetterFile, type CampaignEventConsumer } from '../../../src/integrations/sqs/campaign-events.ts';
import { createCampaignMetrics } from '../../../src/campaigns/metrics.ts';
import type { CampaignIngestService } from '../../../src/campaigns/service.ts';
import { CampaignFileError } from '../../../src/domain/campaign-row.ts';
import { parseS3Event } from '../../../src/integrations/s3/s3.ts';
import fc from 'fast-check';
import { waitFor } from '../../helpers/wait.ts';

let server: SqsServer;
let sqs: SQSClient;
const consumers: CampaignEventConsumer[] = [];
beforeAll(async () => {
  server = await startSqsServer();
  sqs = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
});
afterAll(async () => {
  for (const c of consumers) await c.stop();
  sqs.destroy();
  await server.stop();
});

const BUCKET = 'acme-campaigns';
const event = (key: string, bucket = BUCKET) => JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } }] });

async function makeQueue(name: string, redriveTo?: { name: string; maxReceiveCount: number }): Promise<{ url: string; dlqUrl?: string }> {
  let dlqUrl: string | undefined;
  const attributes: Record<string, string> = {};
  if (redriveTo) {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: redriveTo.name }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: redriveTo.maxReceiveCount });
  }
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  return { url, ...(dlqUrl ? { dlqUrl } : {}) };
}

/** An ingest that fails as told and counts how often each key was processed. */
function fakeIngest(fail: (key: string) => Error | undefined) {
  const seen: string[] = [];
  const ingest: CampaignIngestService = {
    async ingestObject(key) {
      seen.push(key);
      const e = fail(key);
      if (e) throw e;
      return { status: 'ignored', reason: 'test' } as never;
    },
    async reportFailure() {},
  };
  return { ingest, seen };
}

function start(o: { url: string; dlq?: string; ingest: CampaignIngestService; maxReceiveCount?: number; local?: string }) {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => { logs.push(JSON.parse(l) as Record<string, unknown>); } });
  const registry = new Registry();
  const metrics = createCampaignMetrics(registry);
  const consumer = createCampaignEventConsumer({
    sqs, queueUrl: o.url, ...(o.dlq ? { deadLetterQueueUrl: o.dlq } : {}), bucket: BUCKET, ingest: o.ingest, logger, metrics,
    ...(o.maxReceiveCount ? { maxReceiveCount: o.maxReceiveCount } : {}), ...(o.local ? { localDeadLetters: localDeadLetterFile(o.local) } : {}),
    waitTimeSeconds: 1, visibilityTimeoutSec: 5, heartbeatIntervalSec: 2, retryBackoffSec: 0,
  });
  consumers.push(consumer);
  consumer.start();
  // Summed over every code.
  const deadLetters = async () => (await registry.getSingleMetricAsString('centralita_campaign_ingest_dead_letters_total')).split('\n').filter((l) => l && !l.startsWith('#')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  const deadLines = () => logs.filter((l) => l.msg === 'campaign event dead-lettered').length;
  return { consumer, logs, deadLetters, deadLines, registry };
}

async function receiveAll(url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }));
    if (!r.Messages?.length) return out;
    out.push(...r.Messages);
  }
}

describe('SQS dead letters', () => {
  it('no RedrivePolicy and no SQS_DEAD_LETTER_QUEUE_URL: a clear warning at start; a malformed event is kept locally once and deleted, not redelivered forever', async () => {
    const { url } = await makeQueue('no-redrive');
    const local = join(mkdtempSync(join(tmpdir(), 'centralita-dlq-')), 'dead-letters', 'campaign-events.jsonl');
    const { ingest } = fakeIngest(() => undefined);
    const c = start({ url, ingest, local });
    const setup = await c.consumer.setup();
    expect(setup).toMatchObject({ target: 'local', source: 'none' });
    expect(c.logs.find((l) => l.level === 40 && /has no RedrivePolicy and SQS_DEAD_LETTER_QUEUE_URL is unset/.test(String(l.msg)))).toBeDefined();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'this is not an S3 event' }));
    await waitFor(() => existsSync(local) && server.messages('no-redrive').length === 0, 10_000, 'kept locally and deleted');
    // Before: the same message came back at once, again and again (4,254 "dead-lettered" lines in 10 s).
    const receivesThen = server.calls.ReceiveMessage ?? 0;
    await waitFor(() => (server.calls.ReceiveMessage ?? 0) >= receivesThen + 2, 10_000, 'two more polls');
    expect(c.deadLines()).toBe(1);
    expect(await c.deadLetters()).toBe(1);
    const kept = readFileSync(local, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(kept).toEqual([expect.objectContaining({ code: 'S3_EVENT_INVALID', reason: 'message body is not JSON', permanent: true, original: 'this is not an S3 event' })]);
  });

  it('RedrivePolicy only: a permanent failure goes to the policy\'s DLQ at once, with its reason, processed once', async () => {
    const { url, dlqUrl } = await makeQueue('with-redrive', { name: 'with-redrive-dlq', maxReceiveCount: 5 });
    const { ingest, seen } = fakeIngest((key) => (key.includes('rota') ? new CampaignFileError('CAMPAIGN_NO_PHONE_COLUMN', 'no phone column in the header') : undefined));
    const c = start({ url, ingest });
    expect(await c.consumer.setup()).toMatchObject({ target: 'sqs', source: 'redrive-policy', url: dlqUrl, maxReceiveCount: 5 });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: event('campaigns/rota/lista.csv') }));
    const dead = await waitFor(async () => (await receiveAll(dlqUrl!))[0], 10_000, 'the dead letter');
    expect(JSON.parse(dead.Body!)).toMatchObject({ code: 'CAMPAIGN_NO_PHONE_COLUMN', reason: 'no phone column in the header', permanent: true, receiveCount: 1 });
    expect(seen).toEqual(['campaigns/rota/lista.csv']); // once, not 5 times
    expect(server.messages('with-redrive')).toHaveLength(0);
    expect(await c.deadLetters()).toBe(1);
  });

  it('SQS_DEAD_LETTER_QUEUE_URL: a transient failure is retried and dead-lettered with its reason on the last delivery; counted once', async () => {
    const { url } = await makeQueue('transient');
    const { url: dlq } = await makeQueue('transient-dlq');
    const { ingest, seen } = fakeIngest(() => Object.assign(new Error('S3 timed out'), { code: 'S3_TIMEOUT' }));
    const c = start({ url, dlq, ingest, maxReceiveCount: 3 });
    expect(await c.consumer.setup()).toMatchObject({ target: 'sqs', source: 'config', url: dlq });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: event('campaigns/x/lista.csv') }));
    const dead = await waitFor(async () => (await receiveAll(dlq))[0], 15_000, 'the dead letter');
    expect(JSON.parse(dead.Body!)).toMatchObject({ code: 'S3_TIMEOUT', reason: 'S3 timed out', permanent: false, receiveCount: 3 });
    expect(seen).toHaveLength(3);
    // Failed deliveries before the last one are retries, not dead letters.
    expect(await c.deadLetters()).toBe(1);
    expect(c.deadLines()).toBe(1);
  });

  it('an event for another bucket is refused with a reason and nothing is read', async () => {
    const { url } = await makeQueue('bucket');
    const { url: dlq } = await makeQueue('bucket-dlq');
    const { ingest, seen } = fakeIngest(() => undefined);
    const c = start({ url, dlq, ingest });
    await c.consumer.setup();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: event('campaigns/ajena/lista.csv', 'someone-elses-bucket') }));
    const dead = await waitFor(async () => (await receiveAll(dlq))[0], 10_000, 'the dead letter');
    expect(JSON.parse(dead.Body!)).toMatchObject({ code: 'S3_EVENT_WRONG_BUCKET', reason: expect.stringContaining('"someone-elses-bucket"'), permanent: true });
    expect(seen).toEqual([]);
  });

  it('fuzzed message bodies: every message leaves the queue; each bad one is dead-lettered once with a reason, each good one ingested', async () => {
    const { url } = await makeQueue('fuzz');
    const { url: dlq } = await makeQueue('fuzz-dlq');
    const { ingest, seen } = fakeIngest(() => undefined);
    const c = start({ url, dlq, ingest });
    await c.consumer.setup();
    const rec = fc.record({
      eventName: fc.constantFrom('ObjectCreated:Put', 'ObjectRemoved:Delete'),
      s3: fc.record({ bucket: fc.record({ name: fc.constantFrom(BUCKET, 'other-bucket', '') }), object: fc.record({ key: fc.oneof(fc.constantFrom('campaigns/a/l.csv', '%E0%A4%A'), fc.string({ minLength: 1, maxLength: 20 })) }) }),
    });
    const bodies = fc.sample(fc.oneof(
      fc.array(rec, { minLength: 1, maxLength: 3 }).map((Records) => JSON.stringify({ Records })),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ minLength: 1, maxLength: 200 }),
      fc.constant('{"Records":[null]}'),
    ), { numRuns: 60, seed: 14 }).filter((b) => b.trim().length > 0);
    let bad = 0;
    let good = 0;
    for (const b of bodies) {
      try {
        const refs = parseS3Event(b);
        if (refs.some((r) => r.bucket !== BUCKET)) bad++;
        else good += refs.filter((r) => r.eventName.startsWith('ObjectCreated')).length;
      } catch { bad++; }
    }
    for (const b of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: b }));
    await waitFor(() => server.messages('fuzz').length === 0, 30_000, 'every message deleted');
    const dead = await waitFor(async () => { const m = server.messages('fuzz-dlq'); return m.length >= bad ? m : undefined; }, 10_000, 'dead letters');
    expect(dead).toHaveLength(bad);
    for (const d of dead) expect(JSON.parse(d.body)).toMatchObject({ code: expect.stringMatching(/^S3_EVENT_/), reason: expect.any(String), permanent: true });
    expect(seen).toHaveLength(good);
    expect(await c.deadLetters()).toBe(bad);
  }, 60_000);
});
