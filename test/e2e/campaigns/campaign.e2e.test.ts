// Must-show end to end: a campaign CSV whose name has spaces and accents is put into the
// local S3 → S3 event on SQS → ingest → originations to the simulated PBX over real ARI
// (some numbers answer and opt out through the campaign flow, some are busy then answer on
// the retry, some never answer) → retries per policy → summary and rejected files in S3 →
// progress API correct.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createCallService, type CallService } from '../../../src/calls/service.ts';
import type { CallRecordSink } from '../../../src/calls/records.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createFlowActors } from '../../../src/flow-dsl/actors.ts';
import type { FlowRegistryHandle } from '../../../src/flow-dsl/registry.ts';
import { createHoursService } from '../../../src/hours/service.ts';
import type { RowResult } from '../../../src/campaigns/results.ts';
import { startHopper, type Hopper } from '../../../src/campaigns/hopper.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createDncStore } from '../../../src/campaigns/dnc.ts';
import { createDialLimits } from '../../../src/campaigns/limits.ts';
import { createCampaignIngestService } from '../../../src/campaigns/service.ts';
import { registerCampaignRoutes } from '../../../src/campaigns/http.ts';
import { createS3ObjectStore } from '../../../src/integrations/s3/s3.ts';
import { createCampaignEventConsumer, type CampaignEventConsumer } from '../../../src/integrations/sqs/campaign-events.ts';
import { createCallOutcomeChannel, type CallOutcomeChannel } from '../../../src/jobs/call-outcome.ts';
import { createDialer, type Dialer } from '../../../src/workers/dialer.ts';
import { startSqsServer, type SqsServer } from '../../fakes/sqs-server.ts';
import { startLocalS3, type LocalS3 } from '../../fakes/s3-local.ts';
import { shippedFlowRegistry } from '../../helpers/flows-dir.ts';
import { waitFor } from '../../helpers/wait.ts';

const P = 'e2e-campaign';
const logger = pino({ level: process.env.E2E_DEBUG ? 'info' : 'silent' });


describe('campaign end to end through S3, SQS and the simulated PBX (must-show)', () => {
  let sim: Simulator;
  let telephony: AriTelephony;
  let registry: FlowRegistryHandle;
  let calls: CallService;
  let disposeActors: () => void = () => {};
  let redis: Redis;
  let sqsServer: SqsServer;
  let sqs: SQSClient;
  let s3: LocalS3;
  let consumer: CampaignEventConsumer;
  let dialer: Dialer;
  let outcomes: CallOutcomeChannel;
  let queue: Queue;
  let cdb: CampaignTestDb;
  let hopper: Hopper | undefined;
  const api = Fastify();
  const records: CallRecord[] = [];

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    for (const k of await redis.keys(`${P}*`)) await redis.del(k);
    cdb = await openCampaignTestDb('e2ecampaign');
    const store = cdb.db.store();
    const dnc = createDncStore(redis, `${P}:dnc`);
    outcomes = createCallOutcomeChannel(redis, { prefix: P });

    // PBX + Stasis core with the shipped flows (the campaign flow answers originated calls).
    // channelvars as the shipped ari.conf sets them (the simulator's default): the campaign call's number travels in the snapshot.
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'sim-secret', soundsDir: 'sounds', clockSpeed: 20 });
    telephony = await createAriTelephony({ url: sim.ariUrl.replace(/\/ari$/, ''), user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 3000, logger, backoff: { initialMs: 50, maxMs: 300 }, pingIntervalMs: 0 });
    registry = await shippedFlowRegistry({ now: () => new Date() });
    const flowActors = createFlowActors({ telephony, hours: createHoursService({ schedules: () => registry.current().schedules }), lookups: () => registry.current().lookups, lookupServices: { dnc } });
    disposeActors = flowActors.dispose;
    // The record publisher as the lead wires it: every CallRecord also goes to the call-outcome channel.
    const sink: CallRecordSink = { publish: async (r) => { records.push(r); await outcomes.publish(r); return true; }, close: async () => {} };
    calls = createCallService({ telephony, flows: registry, actors: flowActors.actors, records: sink, bus: createEventBus(), logger });
    calls.start();
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');

    // S3 + SQS + ingest.
    sqsServer = await startSqsServer();
    sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'campaign-events' }))).QueueUrl!;
    s3 = await startLocalS3('centralita-e2e');
    s3.notifyTo(sqs, queueUrl);
    queue = new Queue('originate', { connection: redis, prefix: `${P}-bull` });
    const ingest = createCampaignIngestService({ store, rows: () => cdb.db.rowSink(async (ps) => Promise.all(ps.map((p) => dnc.has(p)))), objects: createS3ObjectStore(s3.client, s3.bucket), campaignsPrefix: 'campaigns/', catalog: async () => ({ flowIds: registry.ids() }), defaultCountry: 'CO', logger, clock: Date.now });
    consumer = createCampaignEventConsumer({ sqs, queueUrl, ingest, logger, waitTimeSeconds: 1, visibilityTimeoutSec: 30, heartbeatIntervalSec: 10 });
    consumer.start();

    dialer = createDialer({
      connection: redis, bullPrefix: `${P}-bull`, store, limits: createDialLimits(redis, { prefix: P }), outcomes, telephony, dnc, logger,
      globalMaxCallsPerSecond: 10, globalMaxConcurrentCalls: 10, recordGraceMs: 2000, onSettled: () => hopper?.kick(),
    });
    // The hopper: due rows from PostgreSQL into the dialler's queue.
    hopper = startHopper({ store: cdb.db.hopper, queue: dialer.queue, clock: Date.now, logger, global: { maxCallsPerSecond: 10, maxConcurrentCalls: 10 } });
    registerCampaignRoutes(api, { store, dnc, defaultCountry: 'CO' });
    await api.ready();
  }, 60_000);

  afterAll(async () => {
    await consumer?.stop();
    await hopper?.close();
    await dialer?.close();
    await outcomes?.close();
    await queue?.close();
    await calls?.stop(100);
    disposeActors();
    registry?.close();
    await telephony?.close();
    await sim?.close();
    await s3?.stop();
    sqs?.destroy();
    await sqsServer?.stop();
    await api.close();
    redis?.disconnect();
    await cdb?.close();
  });

  it('dials, runs the campaign flow, retries per policy, reports to S3 and shows progress', async () => {
    // Answer and press 9 (opt-out through the campaign flow); busy (answer later); never answer.
    sim.control.setNumberBehavior('+57300111*', { behavior: 'answer', afterMs: 200, digits: '9', digitsAfterMs: 300 });
    sim.control.setNumberBehavior('+57300222*', { behavior: 'busy', afterMs: 100 });
    sim.control.setNumberBehavior('+57300333*', { behavior: 'noanswer' });
    await s3.put('campaigns/Cobranza Nov/campaign.json', JSON.stringify({
      flowId: 'campaign', callerId: '+576015550000', maxCallsPerSecond: 5, maxConcurrentCalls: 4, ringTimeoutSec: 2, maxCallSec: 60,
      window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] },
      retry: { busy: { delaySec: 2, maxAttempts: 3 }, 'no-answer': { delaySec: 1, maxAttempts: 2 } },
    }));
    const csv = [
      'Teléfono;Nombre;monto',
      '300 111 0001;Ana Gómez;120000', '300 111 0002;Luis Peña;',
      '300 222 0001;Marta Ruíz;5000', '300 222 0002;José Díaz;',
      '300 333 0001;Pedro Mejía;', '300 333 0002;Lucía Vélez;',
      '3.00111E+9;Dañada;', '300-111-0001;Repetida;', 'abc;Mala;',
    ].join('\r\n');
    await s3.put('campaigns/Cobranza Nov/lista de clientes noviembre ñ.csv', Buffer.from(csv, 'latin1'));

    const summary = JSON.parse(await waitFor(() => s3.getText('results/Cobranza-Nov/lista de clientes noviembre ñ.summary.json'), 20_000, 'summary in S3')) as { accepted: number; rejected: number; rejectedByReason: Record<string, number>; encoding: string };
    expect(summary).toMatchObject({ accepted: 6, rejected: 3, encoding: 'win1252', rejectedByReason: { 'spreadsheet-damage': 1, duplicate: 1, 'invalid-characters': 1 } });
    const rejected = (await s3.getText('results/Cobranza-Nov/lista de clientes noviembre ñ.rejected.csv'))!;
    expect(rejected).toContain('spreadsheet-damage');

    // Busy numbers start answering once each was busy once: their retry is answered.
    await waitFor(async () => (await api.inject({ url: '/api/campaigns/Cobranza-Nov' })).json<{ busy: number }>().busy >= 2, 30_000, 'two busy attempts');
    sim.control.setNumberBehavior('+57300222*', { behavior: 'answer', afterMs: 200, hangupAfterMs: 400 });

    const progress = await waitFor(async () => {
      const p = (await api.inject({ url: '/api/campaigns/Cobranza-Nov' })).json<{ done: number }>();
      return p.done === 6 ? p : undefined;
    }, 90_000, 'all rows done');
    if (process.env.E2E_DEBUG) console.log(JSON.stringify({ stats: calls.stats(), rejected: calls.rejected(), events: sim.control.eventsSent('centralita') }).slice(0, 3000));
    if (process.env.E2E_DEBUG) console.log(JSON.stringify(records.map((r) => ({ to: r.to, d: r.disposition, c: r.campaign, path: r.path.map((x) => `${x.node}:${x.digits ?? ''}:${x.outcome ?? ''}`), err: r.error, vars: r.variables }))));
    expect(progress).toMatchObject({
      // Every row has its final outcome: the campaign is completed.
      campaignId: 'Cobranza-Nov', state: 'completed', queued: 6, rejected: 3, dialling: 0, files: 1,
      answered: 4, busy: 2, 'no-answer': 4, retried: 4, done: 6,
      final: { answered: 4, 'no-answer': 2 },
    });
    // The campaign flow ran on the answered calls: the two that pressed 9 are on the do-not-call list.
    const dnc = createDncStore(redis, `${P}:dnc`);
    expect(await dnc.has('+573001110001')).toBe(true);
    expect(await dnc.has('+573001110002')).toBe(true);
    expect(await dnc.size()).toBe(2);
    const campaignRecords = records.filter((r) => r.campaign?.campaignId === 'Cobranza-Nov');
    expect(campaignRecords.length).toBe(4);
    expect(campaignRecords.every((r) => r.flow?.id === 'campaign' && r.direction === 'outbound')).toBe(true);
    expect(campaignRecords.map((r) => r.to).sort()).toEqual(['+573001110001', '+573001110002', '+573002220001', '+573002220002']);
    const optedOut = campaignRecords.filter((r) => r.path.some((s) => s.node === 'optOut' && s.outcome === 'found'));
    expect(optedOut.map((r) => r.campaign?.attempt)).toEqual([1, 1]);
    // Retried rows were answered on their second attempt (busy first).
    expect(campaignRecords.filter((r) => r.campaign?.attempt === 2)).toHaveLength(2);
    // Per-row results, in file order: the busy rows took two attempts.
    const results = cdb.db.results;
    const [file] = await results.files('Cobranza-Nov');
    const rows: RowResult[] = [];
    for await (const page of results.rows('Cobranza-Nov', file!.fileId)) rows.push(...page);
    expect(rows.map((r) => [r.rowNumber, r.phone, r.attempts, r.finalOutcome])).toEqual([
      [2, '+573001110001', 1, 'answered'], [3, '+573001110002', 1, 'answered'],
      [4, '+573002220001', 2, 'answered'], [5, '+573002220002', 2, 'answered'],
      [6, '+573003330001', 2, 'no-answer'], [7, '+573003330002', 2, 'no-answer'],
    ]);
  }, 180_000);
});
