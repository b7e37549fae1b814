import { describe, expect, it } from 'vitest';
import { harness, connectedAgent } from './harness.ts';

describe('acd smoke', () => {
  it('bridges a caller with the agent who answers and reports answered after the talk', async () => {
    const h = await harness({ sales: { strategy: 'linear', members: [{ id: 'a1', endpoint: 'PJSIP/a1' }], wrapUpSec: 0 } });
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 2000, talkMs: 30_000 });
    await h.loginAll();
    const c = h.call('sales');
    await h.run(1000);
    expect(h.acd.agent('a1')!.state).toBe('ringing');
    await h.run(1500);
    expect(connectedAgent(h, c.id)).toBe('a1');
    expect(h.acd.agent('a1')!.state).toBe('onCall');
    expect(h.tel.bridges.get(`acd-${c.id}`)?.size).toBe(2);
    await h.run(31_000);
    expect(c.outcome()).toEqual({ outcome: 'answered', agentId: 'a1', agentName: undefined, waitSeconds: 2, talkSeconds: 30 });
    expect(h.acd.agent('a1')!.state).toBe('available');
    expect(h.tel.violations).toEqual([]);
  });
});
