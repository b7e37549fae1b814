import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { forkSim, type SimChild } from '../../bench/stasis-sim.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { createCallActors, actorImplementations, type CallActors } from '../../../src/calls/actors.ts';
import { createCallService, type CallService } from '../../../src/calls/service.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { testFlows } from '../../fakes/test-flows.ts';
import { waitFor } from './harness.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

// The simulator runs in its own process so that only the app's heap is measured here.
describe('ARI adapter + sessions: 10,000 calls through the simulator leave nothing behind', () => {
  let sim: SimChild;
  let telephony: AriTelephony;
  let actors: CallActors;
  let calls: CallService;
  let records = 0;
  beforeAll(async () => {
    sim = await forkSim({ soundLengths: { 'hello-world': 20 }, dids: { '6015550001': 'hello' } });
    telephony = await createAriTelephony({ url: sim.url, user: 'centralita', password: 'bench-secret', app: 'centralita', requestTimeoutMs: 20_000, logger: pino({ level: 'error' }), pingIntervalMs: 0 });
    actors = createCallActors({ telephony });
    calls = createCallService({
      telephony, flows: testFlows(), actors: actorImplementations(actors), bus: createEventBus(), logger: pino({ level: 'error' }),
      records: { async publish() { records++; return true; }, async close() {} },
    });
    calls.start();
  });
  afterAll(async () => {
    await calls?.stop(100);
    actors?.dispose();
    await telephony?.close();
    await sim?.close();
  });

  async function run(n: number, batch = 500) {
    for (let i = 0; i < n; i += batch) {
      const before = records;
      const ids = await sim.call<string[]>('calls', { n: Math.min(batch, n - i), to: '6015550001' });
      await sim.call('waitPrompt', { ids, timeoutMs: 60_000 });
      await sim.call('hangup', { ids });
      await waitFor(() => records - before >= ids.length, 60_000, 'records of the batch');
    }
    await waitFor(() => telephony.restStats().inFlight === 0 && calls.liveCalls().length === 0, 10_000, 'idle');
  }

  it('handlers, sessions, playback waiters, REST in flight and heap return to baseline', async () => {
    await run(1000); // warm-up: JIT, sockets
    const handlers0 = telephony.handlerCount();
    const heap0 = heap();
    const t0 = Date.now();
    await run(10_000);
    const heap1 = heap();
    expect(records).toBe(11_000);
    expect(calls.liveCalls()).toHaveLength(0);
    expect(actors.pendingPlaybacks()).toBe(0);
    expect(telephony.handlerCount()).toBe(handlers0);
    expect(telephony.restStats()).toMatchObject({ inFlight: 0, timedOut: 0 });
    expect(telephony.status().connected).toBe(true);
    // 10,000 calls: a leak of 300 bytes per call would show as 3 MB.
    expect(heap1 - heap0).toBeLessThan(3_000_000);
    console.log(`10,000 calls in ${Date.now() - t0} ms; heap delta ${heap1 - heap0} bytes`);
  }, 240_000);
});
