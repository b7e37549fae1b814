import { describe, expect, it } from 'vitest';
import { callTimeline } from '../../../web/src/lib/timeline.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';

describe('call timeline (call search page)', () => {
  it('shows the menu walk, the queue wait, who answered, the end and the wrap-up in order', () => {
    const r = {
      id: 'cr-1', direction: 'inbound', from: '+573001234567', to: '+576015550100', startedAt: '2026-12-01T15:00:00.000Z', answeredAt: '2026-12-01T15:00:01.000Z',
      endedAt: '2026-12-01T15:03:00.000Z', talkSeconds: 150, waitSeconds: 20, disposition: 'answered', hangupSide: 'caller',
      path: [
        { node: 'welcome', at: '2026-12-01T15:00:01.000Z' },
        { node: 'mainMenu', at: '2026-12-01T15:00:05.000Z' },
        { node: 'mainMenu', at: '2026-12-01T15:00:08.000Z', outcome: 'chosen', digits: '1' },
        { node: 'sales', at: '2026-12-01T15:00:08.500Z' },
        { node: 'sales', at: '2026-12-01T15:00:28.500Z', outcome: 'answered' },
      ],
      queue: { id: 'sales', waitSeconds: 20, outcome: 'answered' }, agent: { id: 'ana', name: 'Ana Gómez' },
      wrapUp: { disposition: 'sale', notes: 'annual plan', by: 'user:ana', at: '2026-12-01T15:03:20.000Z' },
    } as unknown as CallRecord;
    expect(callTimeline(r).map((x) => [x.kind, x.at.slice(11, 19), 'node' in x ? x.node : 'digits' in x ? '' : '']).map((x) => x.join(' '))).toEqual([
      'started 15:00:00 ', 'step 15:00:01 welcome', 'step 15:00:05 mainMenu', 'queued 15:00:08 ', 'answered 15:00:28 ', 'ended 15:03:00 ', 'wrapUp 15:03:20 ',
    ]);
    expect(callTimeline(r).find((x) => x.kind === 'step' && x.node === 'mainMenu')).toMatchObject({ digits: '1', outcome: 'chosen' });
  });
  it('an abandoned call shows how long the caller waited and that they left', () => {
    const r = {
      direction: 'inbound', from: '+573001', to: '+576015550100', startedAt: '2026-12-01T15:00:00.000Z', endedAt: '2026-12-01T15:01:00.000Z', talkSeconds: 0, waitSeconds: 45, disposition: 'abandoned',
      path: [{ node: 'sales', at: '2026-12-01T15:00:10.000Z' }, { node: 'sales', at: '2026-12-01T15:00:55.000Z', outcome: 'caller-hangup' }], queue: { id: 'sales', waitSeconds: 45, outcome: 'abandoned' },
    } as unknown as CallRecord;
    expect(callTimeline(r).map((x) => x.kind)).toEqual(['started', 'queued', 'left', 'ended']);
    expect(callTimeline(r)[2]).toMatchObject({ kind: 'left', outcome: 'abandoned', at: '2026-12-01T15:00:55.000Z' });
  });
});
