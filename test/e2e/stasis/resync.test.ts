// Issue 13, fix 5: Asterisk replays nothing after a socket drop, so a prompt that ends while the
// ARI WebSocket is down is never reported. The flow must not wait for it forever (the caller
// would sit in silence): after the reconnect the app asks the PBX about its pending playbacks.
// The simulator over real ARI, the real flow actors and a compiled flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createCallService, type CallService } from '../../../src/calls/service.ts';
import type { FlowRegistry } from '../../../src/calls/contract.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { createFlowActors } from '../../../src/flow-dsl/actors.ts';
import { compileFlow } from '../../../src/flow-dsl/compile.ts';
import { defineFlow, hangup, play } from '../../../src/flow-dsl/index.ts';
import { waitFor } from '../../helpers/wait.ts';

const flow = compileFlow(defineFlow({ id: 'two', language: 'es', start: 'first', nodes: { first: play('first', 'second'), second: play('second', 'bye'), bye: hangup() } }), { version: 'v1' });

describe('a prompt that ends while the ARI socket is down (simulator)', () => {
  let sim: Simulator;
  let telephony: AriTelephony;
  let calls: CallService;
  let dispose = () => {};
  const records: CallRecord[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'u', password: 'p', soundLengths: { first: 300, second: 300 }, dids: { '6015550300': 'two' } });
    // Reconnects 0.75–1.5 s after a drop: the 300 ms prompt ends during the gap.
    telephony = await createAriTelephony({ url: sim.url, user: 'u', password: 'p', app: 'centralita', requestTimeoutMs: 2000, logger: pino({ level: 'silent' }), backoff: { initialMs: 1500, maxMs: 1500 }, pingIntervalMs: 0 });
    const actors = createFlowActors({ telephony });
    dispose = actors.dispose;
    const registry: FlowRegistry = { get: (id) => (id === 'two' ? flow : undefined), ids: () => ['two'] };
    calls = createCallService({ telephony, flows: registry, actors: actors.actors, records: { publish: async (r) => { records.push(r); return true; }, close: async () => {} }, bus: createEventBus(), logger: pino({ level: 'silent' }) });
    calls.start();
    await waitFor(() => sim.control.isAppConnected('centralita'), 5000, 'app registered');
  });
  afterAll(async () => {
    await calls?.stop(100);
    dispose();
    await telephony?.close();
    await sim?.close();
  });

  it('the flow goes on to its next prompt after the reconnect instead of waiting in silence', async () => {
    const ch = sim.control.placeCall({ from: '3001112233', to: '6015550300' });
    const prompts = () => sim.control.transcript(ch).filter((e) => e.kind === 'prompt') as { media: string; outcome: string }[];
    await waitFor(() => prompts().some((p) => p.media === 'sound:first' && p.outcome === 'playing'), 5000, 'first prompt playing');
    const reconnectsBefore = telephony.status().reconnects;
    sim.dropWebSockets();
    await waitFor(() => prompts().some((p) => p.media === 'sound:first' && p.outcome === 'done'), 5000, 'first prompt over (socket down)');
    expect(telephony.status().connected).toBe(false); // it ended during the gap: no PlaybackFinished reached the app
    await waitFor(() => telephony.status().reconnects > reconnectsBefore && telephony.status().connected, 5000, 'reconnected');
    await waitFor(() => prompts().some((p) => p.media === 'sound:second'), 5000, 'the second prompt');
    const rec = await waitFor(() => records.find((r) => r.id === `cr-${ch}`), 5000, 'the record');
    expect(rec.path.map((s) => s.node)).toEqual(['first', 'second', 'bye']);
    expect(rec.hangupSide).toBe('app');
  }, 30_000);
});
