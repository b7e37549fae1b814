import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../../src/wallboard/event-log.ts';
import type { LiveHub } from '../../../src/live/hub.ts';

// The live event log's entries for calls entering a flow: the other party is the caller of an
// inbound call and the number dialled of an outbound (campaign) one.
describe('event log: calls entering a flow', () => {
  it('names the caller of an inbound call and the number dialled of an outbound one', () => {
    const published: unknown[] = [];
    const hub = { publish: (m: unknown) => { published.push(m); } } as unknown as LiveHub;
    const log = createEventLog({ hub, now: () => 0, agentQueues: () => [] });
    log.callStarted({ callId: 'c1', channelId: 'ch1', flowId: 'line', from: '+573001110001', to: '+576015550100', at: '2026-12-01T13:00:00.000Z', direction: 'inbound' });
    log.callStarted({ callId: 'c2', channelId: 'ch2', flowId: 'line', from: '', to: '+573002000007', at: '2026-12-01T13:00:01.000Z', direction: 'outbound' });
    // Without a direction (older emitters): inbound.
    log.callStarted({ callId: 'c3', channelId: 'ch3', flowId: 'line', from: '+573001110003', to: '+576015550100', at: '2026-12-01T13:00:02.000Z' });
    expect(log.entries().map((k) => k.entry.p)).toEqual([
      { caller: '+573001110001', flow: 'line', direction: 'inbound' },
      { caller: '+573002000007', flow: 'line', direction: 'outbound' },
      { caller: '+573001110003', flow: 'line', direction: 'inbound' },
    ]);
    expect(log.entries().every((k) => k.pii)).toBe(true); // numbers: masked for roles that may not see them
    expect(published).toHaveLength(3);
  });
});
