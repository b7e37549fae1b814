import type { CallRecord } from '../../../src/domain/call-record.ts';

let n = 0;
/** A plausible CallRecord; override what the test is about. */
export function callRecord(over: Partial<CallRecord> = {}): CallRecord {
  n++;
  return {
    id: `rec-${process.pid}-${n}`,
    linkedId: `linked-${n}`,
    direction: 'inbound',
    from: '+573001234567',
    to: '+5716001234',
    startedAt: '2026-11-20T15:00:00.000Z',
    answeredAt: '2026-11-20T15:00:20.000Z',
    endedAt: '2026-11-20T15:03:20.000Z',
    talkSeconds: 180,
    waitSeconds: 20,
    disposition: 'answered',
    hangupSide: 'caller',
    path: [{ node: 'menu', at: '2026-11-20T15:00:05.000Z', digits: '2', outcome: 'sales' }],
    queue: { id: 'ventas', waitSeconds: 15, outcome: 'answered' },
    agent: { id: 'agent-7', name: 'Ana' },
    flow: { id: 'main', version: '3' },
    ...over,
  };
}
