import { describe, expect, it } from 'vitest';
import { mergeQueueFields } from '../../../src/calls/acd-merge.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';

const base: CallRecord = {
  id: 'cr-1', linkedId: '1', direction: 'inbound', from: '+573001234567', to: '+576015550100',
  startedAt: '2026-03-02T15:00:00.000Z', answeredAt: '2026-03-02T15:00:01.000Z', endedAt: '2026-03-02T15:02:01.000Z',
  talkSeconds: 0, waitSeconds: 30, disposition: 'abandoned', hangupSide: 'caller', path: [],
  queue: { id: 'billing', waitSeconds: 30, outcome: 'abandoned' },
};

describe('mergeQueueFields', () => {
  it('turns a caller hang-up during the bridged conversation into an answered call with the agent', () => {
    const r = mergeQueueFields(base, { queue: { id: 'billing', waitSeconds: 20, outcome: 'answered' }, agent: { id: 'ana', endpoint: 'PJSIP/1001' } });
    expect(r.disposition).toBe('answered');
    expect(r.queue?.outcome).toBe('answered');
    expect(r.waitSeconds).toBe(20);
    expect(r.talkSeconds).toBe(100); // 120 s answered minus 20 s in the queue
    expect(r.agent).toEqual({ id: 'ana', endpoint: 'PJSIP/1001' });
  });

  it("uses the ACD's own bridged time: the IVR before the queue is not talk", () => {
    // Answered at 15:00:01, ended 15:02:01 (120 s): 20 s waiting, 26 s talking, the rest in the IVR.
    const r = mergeQueueFields(base, { queue: { id: 'billing', waitSeconds: 20, outcome: 'answered', talkSeconds: 26 }, agent: { id: 'ana' } });
    expect(r).toMatchObject({ disposition: 'answered', waitSeconds: 20, talkSeconds: 26, ivrSeconds: 74 });
  });

  it('keeps a real abandon and leaves records without queue fields alone', () => {
    expect(mergeQueueFields(base, { queue: { id: 'billing', waitSeconds: 30, outcome: 'abandoned' } }).disposition).toBe('abandoned');
    expect(mergeQueueFields(base, undefined)).toBe(base);
  });

  it('never overrides a voicemail disposition', () => {
    const vm = { ...base, disposition: 'voicemail' as const };
    expect(mergeQueueFields(vm, { queue: { id: 'billing', waitSeconds: 5, outcome: 'answered' } }).disposition).toBe('voicemail');
  });
});
