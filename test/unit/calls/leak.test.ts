import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';
import { testFlows } from '../../fakes/test-flows.ts';
import { createCallService } from '../../../src/calls/service.ts';
import { createCallActors, actorImplementations } from '../../../src/calls/actors.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const flush = () => new Promise((r) => setImmediate(r));
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };

describe('no leaks across many calls (fake telephony)', () => {
  it('10,000 calls: listeners, sessions, pending playbacks and heap return to baseline', async () => {
    const telephony = createFakeTelephony();
    const actors = createCallActors({ telephony });
    let records = 0;
    const svc = createCallService({
      telephony, flows: testFlows(), actors: actorImplementations(actors), bus: createEventBus(), logger: pino({ level: 'silent' }),
      records: { async publish() { records++; return true; }, async close() {} },
    });
    svc.start();
    const runBatch = async (n: number) => {
      for (let i = 0; i < n; i += 500) {
        const ids: string[] = [];
        for (let j = 0; j < 500 && i + j < n; j++) ids.push(telephony.placeCall({ args: ['menu'] }));
        await flush();
        for (const id of ids) telephony.dtmf(id, '1');
        await flush();
        for (const id of ids) telephony.callerHangup(id, { destroyed: true });
        await flush();
      }
    };
    await runBatch(1000); // warm up JIT and caches before the baseline
    telephony.commands.length = 0;
    const listeners0 = telephony.listenerCount();
    const heap0 = heap();
    await runBatch(10_000);
    telephony.commands.length = 0;
    await flush();
    const heap1 = heap();
    expect(records).toBe(11_000);
    expect(svc.liveCalls()).toHaveLength(0);
    expect(actors.pendingPlaybacks()).toBe(0);
    expect(telephony.listenerCount()).toBe(listeners0);
    expect(telephony.channels.size).toBe(0);
    // A leak of even 200 bytes per call would show as 2 MB here.
    expect(heap1 - heap0).toBeLessThan(2_000_000);
  });
});
