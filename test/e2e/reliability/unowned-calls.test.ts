// Calls nobody owns (issue 14, records_missing in the chaos suite): a call that enters our
// Stasis app while the app is starting (the ARI WebSocket is connected, the call service is
// not listening yet) or in the instant before a SIGKILL (the StasisStart reached a process that
// died before it journalled the call) sat in Stasis for ever, in silence and with no record:
// Asterisk sends StasisStart once and never again when the app reconnects (the simulator too).
// Now the events heard since ARI connected are replayed when the call service starts, and a
// sweep (GET /channels, `dialplan.app_name` Stasis / `app_data` "centralita,…") adopts the
// channels still in our app with no owner: their flow runs from the beginning.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAcd, type Acd } from '../../../src/acd/acd.ts';
import { memoryAgentStore } from '../../../src/acd/agent-store.ts';
import { realClock } from '../../../src/acd/clock.ts';
import { defineQueues } from '../../../src/acd/queue-config.ts';
import { bufferEarlyEvents } from '../../../src/calls/early-intake.ts';
import { createCallService, type CallService } from '../../../src/calls/service.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { createFlowActors } from '../../../src/flow-dsl/actors.ts';
import type { FlowRegistryHandle } from '../../../src/flow-dsl/registry.ts';
import { createHoursService } from '../../../src/hours/service.ts';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { shippedFlowRegistry } from '../../helpers/flows-dir.ts';
import { waitFor } from '../../helpers/wait.ts';
import { deadAirOf, digitPrompts } from '../../helpers/dead-air.ts';

const OPEN = Date.parse('2026-03-02T10:00:00-05:00');
const logger = pino({ level: 'silent' });

describe('calls nobody owns: start-up buffer and sweep', () => {
  let sim: Simulator;
  let telephony: AriTelephony;
  let acd: Acd;
  let registry: FlowRegistryHandle;
  let actors: ReturnType<typeof createFlowActors>;
  let calls: CallService | undefined;
  const records: CallRecord[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'sim-secret', soundsDir: 'sounds', dids: { '6015550100': 'main' } });
    telephony = await createAriTelephony({ url: sim.url, user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 3000, logger, backoff: { initialMs: 50, maxMs: 200 }, pingIntervalMs: 0 });
    const t0 = Date.now();
    registry = await shippedFlowRegistry({ now: () => new Date(OPEN + (Date.now() - t0)) });
    acd = createAcd({ telephony, queues: defineQueues({ sales: { strategy: 'ringall', members: [{ id: 'sofia', endpoint: 'PJSIP/1001' }] }, support: { strategy: 'ringall', members: [{ id: 'tomas', endpoint: 'PJSIP/1002' }] }, billing: { strategy: 'ringall', members: [{ id: 'ana', endpoint: 'PJSIP/1003' }] } }), clock: realClock(), store: memoryAgentStore() });
    await acd.start();
    actors = createFlowActors({ telephony, acd, hours: createHoursService({ schedules: () => registry.current().schedules }), lookups: () => registry.current().lookups, lookupServices: {} });
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
  }, 60_000);

  afterEach(async () => { await calls?.stop(100); calls = undefined; });
  afterAll(async () => {
    await acd?.stop();
    actors?.dispose();
    registry?.close();
    await telephony?.close();
    await sim?.close();
  });

  const service = () => createCallService({ telephony, flows: registry, actors: actors.actors, records: { publish: async (r) => { records.push(r); return true; }, close: async () => {} }, bus: createEventBus(), logger, sweepGraceMs: 100 });
  const prompts = (ch: string) => sim.control.transcript(ch).filter((e) => e.kind === 'prompt') as { media: string }[];
  const inStasis = (ch: string) => sim.control.channel(ch)?.stasisApp === 'centralita';

  it('a call arriving while the app starts is taken from the start-up buffer, hearing ringback meanwhile', async () => {
    const intake = bufferEarlyEvents(telephony, logger, { isRole: (a) => a.startsWith('acd') });
    const ch = sim.control.placeCall({ from: '3001112233', to: '6015550100' });
    await waitFor(() => inStasis(ch), 5000, 'in Stasis');
    await new Promise((r) => setTimeout(r, 2500)); // the rest of a slow start-up
    calls = service();
    calls.start(intake);
    await waitFor(() => prompts(ch).some((p) => p.media === 'sound:welcome'), 20_000, 'the flow from its first prompt');
    sim.control.hangup(ch);
    await waitFor(() => records.find((r) => r.id === `cr-${ch}`), 20_000, 'call record');
    expect(deadAirOf(sim.control, { ids: [ch], digitPrompts: digitPrompts(registry.current().flows.values()) })).toEqual({});
  }, 60_000);

  it('a call whose StasisStart reached a process that died is adopted by the sweep of the next one', async () => {
    const ch = sim.control.placeCall({ from: '3001112244', to: '6015550100' });
    await waitFor(() => inStasis(ch), 5000, 'in Stasis');
    // Nobody listened to its StasisStart. The next process starts and sweeps.
    calls = service();
    calls.start();
    expect(await calls.sweep()).toBe(1);
    await waitFor(() => prompts(ch).some((p) => p.media === 'sound:welcome'), 20_000, 'the flow from its first prompt');
    expect(await calls.sweep()).toBe(0); // owned now
    expect(calls.stats().adopted).toBe(1);
    sim.control.hangup(ch);
    await waitFor(() => records.find((r) => r.id === `cr-${ch}`), 20_000, 'call record');
  }, 60_000);
});
