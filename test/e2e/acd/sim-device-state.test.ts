// Issue 13, fix 7: on a real PBX the ACD learns that an agent's phone is busy with another call
// only from device-state events, which Asterisk sends only to apps subscribed to that device.
// The simulator over real ARI: agent a1's phone is on a call that did not come from the queue;
// with the subscription the ACD sees INUSE and rings a2, although the linear strategy prefers a1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimAcd, waitFor, type SimAcd } from './sim-harness.ts';

describe('agent phone busy on another call (device state, simulator)', () => {
  let h: SimAcd;
  beforeAll(async () => {
    h = await startSimAcd({ q: { strategy: 'linear', members: [{ id: 'a1', endpoint: 'PJSIP/1001' }, { id: 'a2', endpoint: 'PJSIP/1002' }], ringTimeoutSec: 10, retrySec: 1, wrapUpSec: 0 } }, {
      phones: { 1001: { behavior: 'answer', afterMs: 200 }, 1002: { behavior: 'answer', afterMs: 200, hangupAfterMs: 2000 } },
    });
  });
  afterAll(async () => { await h?.stop(); });

  it('a1 is talking on a direct call: the queue call goes to a2', async () => {
    // A direct call to a1's extension through the dialplan (not through the ACD).
    h.sim.control.setDialplan({
      'from-pstn': { '6015550300': [{ app: 'Stasis', appName: 'centralita', args: ['q'] }] },
      'test-internal': { 1001: [{ app: 'Dial', endpoint: 'PJSIP/1001', timeoutSec: 20 }] },
    });
    const direct = h.sim.control.placeCall({ from: '1005', to: '1001', context: 'test-internal', script: { hangupAfterMs: 30_000 } });
    await waitFor(() => h.acd.agent('a1')?.device === 'in-use', 5000, 'a1 seen in use');
    const caller = h.call('q', { hangupAfterMs: 20_000 });
    await waitFor(() => h.acd.liveCalls().find((c) => c.callId === `call-${caller}`)?.phase === 'bridged', 10_000, 'caller bridged');
    expect(h.acd.liveCalls().find((c) => c.callId === `call-${caller}`)?.agentId).toBe('a2');
    h.sim.control.hangup(direct);
    await waitFor(() => h.acd.agent('a1')?.device === 'available', 5000, 'a1 free again');
  }, 30_000);
});
