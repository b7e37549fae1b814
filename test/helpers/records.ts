// A realistic inbound CallRecord (queue, agent, IVR path) for store and report tests.
import type { CallRecord } from '../../src/domain/call-record.ts';

export function sampleRecord(i: number, over: Partial<CallRecord> = {}): CallRecord {
  const start = Date.parse('2026-03-02T14:00:00Z') + i * 60_000;
  return {
    id: `cr-${i}`, linkedId: `l-${i}`, direction: 'inbound', from: '+573001234567', to: '+576015550100',
    startedAt: new Date(start).toISOString(), answeredAt: new Date(start + 5_000).toISOString(), endedAt: new Date(start + 65_000).toISOString(),
    talkSeconds: 50, waitSeconds: 10, disposition: 'answered', hangupSide: 'caller',
    path: [{ node: 'welcome', at: new Date(start).toISOString() }, { node: 'menu', at: new Date(start + 2_000).toISOString(), digits: '1' }, { node: 'sales', at: new Date(start + 4_000).toISOString() }],
    queue: { id: 'sales', waitSeconds: 10, outcome: 'answered' }, agent: { id: 'ana', name: 'Ana' }, flow: { id: 'main', version: 'abc123' },
    ...over,
  };
}
