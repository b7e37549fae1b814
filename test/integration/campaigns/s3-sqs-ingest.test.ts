// S3 (s3rver) → S3 event on SQS (test server) → consumer → ingest → BullMQ, on a real Redis.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsServer, type SqsServer } from '../../fakes/sqs-server.ts';
import { startLocalS3, type LocalS3 } from '../../fakes/s3-local.ts';
import { createLogger } from '../../../src/logger.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createCampaignIngestService } from '../../../src/campaigns/service.ts';
import { createCampaignMetrics } from '../../../src/campaigns/metrics.ts';
import { createS3ObjectStore, encodeS3EventKey } from '../../../src/integrations/s3/s3.ts';
import { createCampaignEventConsumer, type CampaignEventConsumer } from '../../../src/integrations/sqs/campaign-events.ts';

const PREFIX = 'it-s3sqs';
let redis: Redis;
let sqsServer: SqsServer;
let s3: LocalS3;
let sqs: SQSClient;
let cdb: CampaignTestDb;
let consumer: CampaignEventConsumer;
let queueUrl: string;
let dlqUrl: string;
let slowChunks = 0;
const registry = new Registry();
const store = () => cdb.db.store();
/** The campaign's stored rows: `<file id>-<row number>` in file order. */
const rowIds = async (id: string) => (await cdb.store.database.pool.query(
  'select f.file_id, r.row_no from campaign_rows r join campaign_files f on f.fid = r.fid join campaigns c on c.seq = r.cid where c.id = $1 order by r.row_no', [id])).rows.map((r) => `${r.file_id}-${r.row_no}`);

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  for (const k of await redis.keys(`${PREFIX}*`)) await redis.del(k);
  sqsServer = await startSqsServer();
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'campaigns-dlq' }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'campaigns', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) } }))).QueueUrl!;
  s3 = await startLocalS3('centralita-it');
  s3.notifyTo(sqs, queueUrl);
  cdb = await openCampaignTestDb('s3sqs');
  const metrics = createCampaignMetrics(registry, store());
  // A sink slow enough that the 4000-row file outlives the 2 s visibility timeout.
  const rows = () => {
    const sink = cdb.db.rowSink(async (ps) => ps.map(() => false));
    // Chunks one after another (the ingest overlaps one chunk's storing with the next one's parsing).
    let slow: Promise<unknown> = Promise.resolve();
    return {
      close: () => sink.close(),
      admit: (t: Parameters<typeof sink.admit>[0], r: Parameters<typeof sink.admit>[1]) => {
        if (!t.file.includes('grande')) return sink.admit(t, r);
        slowChunks += 1;
        const p = slow.then(() => new Promise((x) => setTimeout(x, 700))).then(() => sink.admit(t, r));
        slow = p.catch(() => {});
        return p;
      },
    };
  };
  const ingest = createCampaignIngestService({
    store: store(), rows, chunkSize: 1000, objects: createS3ObjectStore(s3.client, s3.bucket), campaignsPrefix: 'campaigns/', catalog: async () => ({ flowIds: ['campaign'] }), defaultCountry: 'CO',
    logger: createLogger({ level: 'silent' }), metrics, clock: () => Date.UTC(2026, 2, 10, 15, 0),
  });
  consumer = createCampaignEventConsumer({ sqs, queueUrl, deadLetterQueueUrl: dlqUrl, maxReceiveCount: 3, ingest, logger: createLogger({ level: 'silent' }), metrics, waitTimeSeconds: 1, visibilityTimeoutSec: 2, heartbeatIntervalSec: 1, retryBackoffSec: 0 });
  consumer.start();
});

afterAll(async () => {
  await consumer?.stop();
  await cdb?.close();
  await s3?.stop();
  sqs?.destroy();
  await sqsServer?.stop();
  redis?.disconnect();
});

const fixture = readFileSync(new URL('../../fixtures/campaigns/clientes marzo.csv', import.meta.url));
const settingsJson = readFileSync(new URL('../../fixtures/campaigns/campaign.json', import.meta.url));
const KEY = 'campaigns/Campaña Marzo/clientes marzo ñ.csv';

describe('S3 → SQS → ingest → BullMQ', () => {
  it('ingests a file whose name has spaces and accents, writes both reports and deletes the message', async () => {
    await s3.put('campaigns/Campaña Marzo/campaign.json', settingsJson);
    await s3.put(KEY, fixture);
    const summaryText = await until(() => s3.getText('results/Campana-Marzo/clientes marzo ñ.summary.json'));
    const summary = JSON.parse(summaryText) as { rows: number; accepted: number; rejected: number; rejectedByReason: Record<string, number>; settings: { maxConcurrentCalls: number } };
    // 9 rows: the blank line 9 is a row of its own (rejected as empty-row), as a spreadsheet shows it.
    expect(summary).toMatchObject({ lines: 10, rows: 9, accepted: 4, rejected: 5, settings: { maxConcurrentCalls: 3 } });
    const rejected = (await s3.getText('results/Campana-Marzo/clientes marzo ñ.rejected.csv'))!;
    expect(rejected.split('\r\n').filter(Boolean)).toHaveLength(6);
    // The input's `;` (and es-CO's list separator), rows in file order.
    expect(rejected.startsWith('\uFEFFrow;line;reason;detail;Teléfono')).toBe(true);
    expect(rejected.split('\r\n').slice(1, -1).map((l) => Number(l.split(';')[0]))).toEqual([4, 5, 6, 7, 9]);
    expect(rejected).toContain('\r\n4;4;spreadsheet-damage;');
    expect(rejected).toContain(";'+57 300-123-4567;Duplicado"); // cell starting with + neutralised in the report
    const ids = await rowIds('Campana-Marzo');
    expect(ids).toHaveLength(4);
    expect(ids.every((id) => /^[0-9a-f]{10}-\d+$/.test(id))).toBe(true);
    await until(async () => sqsServer.messages('campaigns').length === 0);
    expect((await store().progress('Campana-Marzo')).queued).toBe(4);
  });

  it('adds nothing twice when the same S3 event is delivered again', async () => {
    const before = await rowIds('Campana-Marzo');
    const body = JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: s3.bucket }, object: { key: encodeS3EventKey(KEY) } } }] });
    expect(encodeS3EventKey(KEY)).toBe('campaigns/Campa%C3%B1a+Marzo/clientes+marzo+%C3%B1.csv');
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await until(async () => (sqsServer.calls.DeleteMessage ?? 0) >= 2 && sqsServer.messages('campaigns').length === 0);
    expect(await rowIds('Campana-Marzo')).toEqual(before);
    expect((await store().progress('Campana-Marzo')).queued).toBe(4);
  });

  it('ignores objects outside the campaigns prefix and non-CSV objects', async () => {
    const deletes = sqsServer.calls.DeleteMessage ?? 0;
    await s3.put('uploads/otro.csv', 'phone\n3001234567\n');
    await s3.put('campaigns/Campaña Marzo/notas.txt.bak', 'x');
    await until(async () => (sqsServer.calls.DeleteMessage ?? 0) >= deletes + 2);
    expect(await s3.list('results/uploads')).toEqual([]);
  });

  it('sends a file that can never be ingested to the dead-letter queue with the reason, and counts it', async () => {
    await s3.put('campaigns/rota/sin telefono.csv', 'nombre,ciudad\nAna,Cali\n');
    const err = JSON.parse((await until(() => s3.getText('results/rota/sin telefono.error.json')))) as { code: string };
    expect(err.code).toBe('CAMPAIGN_NO_PHONE_COLUMN');
    const dead = await until(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }))).Messages?.[0]);
    expect(JSON.parse(dead.Body!)).toMatchObject({ code: 'CAMPAIGN_NO_PHONE_COLUMN', reason: expect.stringContaining('no phone column') });
    expect(await registry.getSingleMetricAsString('centralita_campaign_ingest_dead_letters_total')).toContain('code="CAMPAIGN_NO_PHONE_COLUMN"} 1');
  });

  it('refuses a campaign.json whose flowId is not a flow (typo) before saving it or queueing a row', async () => {
    // Before: {"flowId":"campaing"} was ingested; its calls were answered, handed back to the
    // dialplan and counted as answered.
    const rowsBefore = (await cdb.store.database.pool.query('select count(*)::int as n from campaign_rows')).rows[0].n as number;
    await s3.put('campaigns/errata/campaign.json', JSON.stringify({ flowId: 'campaing' }));
    await s3.put('campaigns/errata/lista.csv', 'phone\n3001234567\n');
    const err = JSON.parse(await until(() => s3.getText('results/errata/lista.error.json'))) as { code: string; problems: string[] };
    expect(err).toMatchObject({ code: 'CAMPAIGN_SETTINGS_INVALID', problems: [expect.stringMatching(/flowId: "campaing" is not a flow.*did you mean "campaign"/)] });
    const dead = await until(async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }))).Messages?.find((m) => m.Body!.includes('campaing')));
    expect(JSON.parse(dead.Body!)).toMatchObject({ code: 'CAMPAIGN_SETTINGS_INVALID' });
    expect(await store().getSettings('errata')).toBeUndefined();
    expect((await cdb.store.database.pool.query('select count(*)::int as n from campaign_rows')).rows[0].n).toBe(rowsBefore);
  });

  it('keeps a large file invisible while it is still being read (heartbeat), so it is processed once', async () => {
    const visBefore = sqsServer.calls.ChangeMessageVisibility ?? 0;
    const rows = ['telefono,nombre'];
    for (let i = 0; i < 4000; i++) rows.push(`+5730${String(10000000 + i)},n${i}`);
    await s3.put('campaigns/grande/lista grande.csv', rows.join('\n'));
    const summary = JSON.parse(await until(() => s3.getText('results/grande/lista grande.summary.json'), 20_000)) as { accepted: number; durationMs: number };
    expect(summary.accepted).toBe(4000);
    expect(summary.durationMs).toBeGreaterThan(2000); // longer than the visibility timeout
    expect((sqsServer.calls.ChangeMessageVisibility ?? 0) + (sqsServer.calls.ChangeMessageVisibilityBatch ?? 0)).toBeGreaterThan(visBefore);
    expect(slowChunks).toBe(4); // one pass only: the message was not redelivered mid-way
    await until(async () => sqsServer.messages('campaigns').length === 0);
  });
});
