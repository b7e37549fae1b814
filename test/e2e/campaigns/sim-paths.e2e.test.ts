// Issue 13 on the simulated PBX: what a campaign row carries reaches the campaign flow (fix 3),
// and each way a number can fail ends with the outcome its hangup cause says (fix 4). The real
// stack: the dialler on a real Redis, the ARI adapter, the call service with the shipped flows.
// The dialler runs as in `centralita worker` (fix 2): ARI REST only, no Stasis WebSocket of its
// own; the Stasis owner (the call service's process) tells it how unanswered attempts ended.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createCallService, type CallService } from '../../../src/calls/service.ts';
import type { CallRecordSink } from '../../../src/calls/records.ts';
import { createNodeFlowSource } from '../../../src/cli/flows.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createFlowActors } from '../../../src/flow-dsl/actors.ts';
import { createFlowRegistry, type FlowRegistryHandle } from '../../../src/flow-dsl/registry.ts';
import { createHoursService } from '../../../src/hours/service.ts';
import { startHopper, type Hopper } from '../../../src/campaigns/hopper.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createDncStore } from '../../../src/campaigns/dnc.ts';
import { createDialLimits } from '../../../src/campaigns/limits.ts';
import { ingestCampaignFile } from '../../../src/campaigns/ingest.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';
import { createCallOutcomeChannel, type CallOutcomeChannel } from '../../../src/jobs/call-outcome.ts';
import { createDialer, type Dialer } from '../../../src/workers/dialer.ts';
import { watchUnansweredAttempts } from '../../../src/campaigns/unanswered-watch.ts';
import { waitFor } from '../../helpers/wait.ts';

const P = 'e2e-cmp-paths';
const logger = pino({ level: process.env.E2E_DEBUG ? 'info' : 'silent' });
const ALWAYS_OPEN = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] };

describe('campaign paths on the simulated PBX', () => {
  let sim: Simulator;
  let telephony: AriTelephony;
  let restOnly: AriTelephony;
  let stopWatch = () => {};
  let registry: FlowRegistryHandle;
  let calls: CallService;
  let dispose: () => void = () => {};
  let redis: Redis;
  let dialer: Dialer;
  let outcomes: CallOutcomeChannel;
  let cdb: CampaignTestDb;
  let hopper: Hopper | undefined;
  const records: CallRecord[] = [];
  const store = () => cdb.db.store();

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    for (const k of await redis.keys(`${P}*`)) await redis.del(k);
    outcomes = createCallOutcomeChannel(redis, { prefix: P });
    cdb = await openCampaignTestDb('simpaths');
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'sim-secret', soundsDir: 'sounds', clockSpeed: 20 });
    telephony = await createAriTelephony({ url: sim.url, user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 3000, logger, backoff: { initialMs: 50, maxMs: 300 }, pingIntervalMs: 0 });
    registry = await createFlowRegistry({ dir: 'flows', soundsDir: 'sounds', source: createNodeFlowSource(), queueIds: ['sales', 'support', 'billing'], now: () => new Date() });
    const dnc = createDncStore(redis, `${P}:dnc`);
    const flowActors = createFlowActors({ telephony, hours: createHoursService({ schedules: () => registry.current().schedules }), lookups: () => registry.current().lookups, lookupServices: { dnc } });
    dispose = flowActors.dispose;
    const sink: CallRecordSink = { publish: async (r) => { records.push(r); await outcomes.publish(r); return true; }, close: async () => {} };
    calls = createCallService({ telephony, flows: registry, actors: flowActors.actors, records: sink, bus: createEventBus(), logger });
    for (const [role, h] of Object.entries(flowActors.roles)) calls.registerRole(role, h);
    calls.start();
    stopWatch = watchUnansweredAttempts({ telephony, outcomes, logger });
    restOnly = await createAriTelephony({ url: sim.url, user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 3000, logger, pingIntervalMs: 1000, events: false });
    dialer = createDialer({
      connection: redis, bullPrefix: `${P}-bull`, store: store(), limits: createDialLimits(redis, { prefix: P }), outcomes, telephony: restOnly, dnc, logger,
      globalMaxCallsPerSecond: 20, globalMaxConcurrentCalls: 20, recordGraceMs: 1000, onSettled: () => hopper?.kick(),
    });
    // The hopper: due rows from PostgreSQL into the dialler's queue.
    hopper = startHopper({ store: cdb.db.hopper, queue: dialer.queue, clock: Date.now, logger, global: { maxCallsPerSecond: 20, maxConcurrentCalls: 20 } });
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
    await waitFor(() => restOnly.status().connected, 5000, 'REST-only adapter ready');
  }, 60_000);

  afterAll(async () => {
    await hopper?.close();
    await dialer?.close();
    await restOnly?.close();
    stopWatch();
    await outcomes?.close();
    await calls?.stop(100);
    dispose();
    registry?.close();
    await telephony?.close();
    await sim?.close();
    redis?.disconnect();
    await cdb?.close();
  });

  async function campaign(id: string, csv: string) {
    const settings = parseCampaignSettings({ window: ALWAYS_OPEN, ringTimeoutSec: 3, maxCallSec: 60, maxCallsPerSecond: 20, retry: { busy: { delaySec: 0, maxAttempts: 1 }, declined: { delaySec: 0, maxAttempts: 1 }, 'no-answer': { delaySec: 0, maxAttempts: 1 }, failed: { delaySec: 0, maxAttempts: 1 } } });
    await store().saveSettings(id, settings);
    const rows = cdb.db.rowSink(async (ps) => ps.map(() => false));
    try {
      await ingestCampaignFile({ campaignId: id, file: `${id}.csv`, fileId: id, source: [Buffer.from(csv)], settings, catalog: { flowIds: registry.ids() }, defaultCountry: 'CO', nowMs: Date.now(), rows, rejected: () => {} });
    } finally {
      await rows.close();
    }
  }

  it('row variables reach the campaign flow: the payment message with the amount, in the row language', async () => {
    sim.control.setNumberBehavior('+573004440001', { behavior: 'answer', afterMs: 100, hangupAfterMs: 60_000 });
    await campaign('vars', 'telefono,nombre,amount,language\n3004440001,Ana,150000,en\n');
    const rec = await waitFor(() => records.find((r) => r.campaign?.campaignId === 'vars'), 30_000, 'the campaign call record');
    expect(rec.variables).toMatchObject({ amount: '150000', language: 'en', name: 'Ana' });
    expect(rec.language).toBe('en');
    expect(rec.path.map((s) => s.node)).toContain('paymentMessage');
    const heard = sim.control.transcript(`cmp-vars-${rec.campaign!.rowId}-a1`).filter((e) => e.kind === 'prompt').map((e) => (e as { media: string }).media);
    expect(heard.slice(0, 3)).toEqual(['sound:campaign-payment', 'number:150000', 'sound:campaign-options']);
  }, 60_000);

  it('each way a number fails ends with the outcome its hangup cause says (603 is declined, not busy)', async () => {
    const behaviours = { '+573005550001': 'busy', '+573005550002': 'reject', '+573005550003': 'congestion', '+573005550004': 'noanswer', '+573005550005': 'unreachable' } as const;
    for (const [n, b] of Object.entries(behaviours)) sim.control.setNumberBehavior(n, { behavior: b, afterMs: 100 });
    await campaign('fails', 'telefono\n' + Object.keys(behaviours).map((n) => n.slice(3)).join('\n') + '\n');
    const p = await waitFor(async () => { const x = await store().progress('fails'); return x.done === 5 ? x : undefined; }, 40_000, 'all rows done');
    expect(p.final).toEqual({ busy: 1, declined: 1, 'no-answer': 1, failed: 2 });
    // The dialler never opened the app's WebSocket: the owner kept it all along.
    expect(telephony.status()).toMatchObject({ connected: true, reconnects: 0 });
    await expect(restOnly.subscribe(['deviceState:PJSIP/1001'])).rejects.toThrow(/does not own the Stasis application/);
  }, 60_000);
});
