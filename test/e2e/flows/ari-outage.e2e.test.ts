// A prompt that ends while the ARI WebSocket is down (issue 14, no dead air): its
// PlaybackFinished is lost in the gap. The app used to wait for it until maxPlaybackMs (10
// min) with the caller in silence; after the reconnect it now asks the PBX which awaited
// playbacks are gone and the flow moves on at once. The real main flow, through a proxy
// that cuts the event socket while REST keeps working.
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcd, type Acd } from '../../../src/acd/acd.ts';
import { memoryAgentStore } from '../../../src/acd/agent-store.ts';
import { realClock } from '../../../src/acd/clock.ts';
import { defineQueues } from '../../../src/acd/queue-config.ts';
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
import { startAriProxy, type AriProxy } from '../stasis/ari-proxy.ts';

const OPEN = Date.parse('2026-03-02T10:00:00-05:00');

describe('prompt ending during an ARI event outage', () => {
  let sim: Simulator;
  let proxy: AriProxy;
  let telephony: AriTelephony;
  let acd: Acd;
  let registry: FlowRegistryHandle;
  let calls: CallService;
  let dispose: () => void = () => {};
  const records: CallRecord[] = [];

  beforeAll(async () => {
    const logger: Logger = pino({ level: 'silent' });
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'centralita', password: 'sim-secret', soundsDir: 'sounds', dids: { '6015550100': 'main' } });
    proxy = await startAriProxy(sim.url);
    telephony = await createAriTelephony({ url: proxy.url, user: 'centralita', password: 'sim-secret', app: 'centralita', requestTimeoutMs: 3000, logger, backoff: { initialMs: 50, maxMs: 200 }, pingIntervalMs: 0 });
    const t0 = Date.now();
    registry = await shippedFlowRegistry({ now: () => new Date(OPEN + (Date.now() - t0)) });
    acd = createAcd({ telephony, queues: defineQueues({ sales: { strategy: 'ringall', members: [{ id: 'sofia', endpoint: 'PJSIP/1001' }] }, support: { strategy: 'ringall', members: [{ id: 'tomas', endpoint: 'PJSIP/1002' }] }, billing: { strategy: 'ringall', members: [{ id: 'ana', endpoint: 'PJSIP/1003' }] } }), clock: realClock(), store: memoryAgentStore() });
    await acd.start();
    const flowActors = createFlowActors({ telephony, acd, hours: createHoursService({ schedules: () => registry.current().schedules }), lookups: () => registry.current().lookups, lookupServices: {} });
    dispose = flowActors.dispose;
    calls = createCallService({ telephony, flows: registry, actors: flowActors.actors, records: { publish: async (r) => { records.push(r); return true; }, close: async () => {} }, bus: createEventBus(), logger });
    calls.start();
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
  }, 60_000);

  afterAll(async () => {
    await calls?.stop(100);
    await acd?.stop();
    dispose();
    registry?.close();
    await telephony?.close();
    await proxy?.close();
    await sim?.close();
  });

  it('the flow moves on after the reconnect; the caller never hears more than 2 s of silence', async () => {
    const ch = sim.control.placeCall({ from: '3001112233', to: '6015550100' });
    const prompts = () => sim.control.transcript(ch).filter((e) => e.kind === 'prompt') as { media: string; outcome: string }[];
    await waitFor(() => prompts().some((p) => p.media === 'sound:welcome'), 10_000, 'welcome playing');
    // welcome lasts 2.37 s: it ends inside the 2 s outage that starts 0.5 s into it.
    await new Promise((r) => setTimeout(r, 500));
    proxy.cutWebSockets(2000);
    await waitFor(() => prompts().some((p) => p.media === 'sound:welcome' && p.outcome === 'done'), 10_000, 'welcome ended during the outage');
    await waitFor(() => sim.control.isAppConnected('centralita'), 10_000, 'app reconnected');
    await waitFor(() => prompts().some((p) => p.media === 'sound:choose-language'), 5_000, 'the menu after the reconnect');
    sim.control.hangup(ch);
    await waitFor(() => records.find((r) => r.id === `cr-${ch}`), 10_000, 'call record');
    expect(deadAirOf(sim.control, { ids: [ch], digitPrompts: digitPrompts(registry.current().flows.values()) })).toEqual({});
  }, 60_000);
});
