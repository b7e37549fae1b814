// A call that ran Stasis(centralita) while no app was connected (Stasis() failed, the dialplan's
// fallback took it) is recorded by nobody but the PBX call log (issue 14): its record stands in
// after a grace period, published once; when the app did record the call, the stand-in is a
// duplicate of the same id and changes nothing. Also: the direction of a conversation adopted after a
// reconnect.
import { describe, expect, it, vi } from 'vitest';
import { createPbxCallLog } from '../../../src/pbx/call-log.ts';
import { createLogger } from '../../../src/logger.ts';
import type { PbxEvent, PbxManager } from '../../../src/telephony/pbx-port.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';

function harness(initial: string[] = [], persist?: { load(): string | undefined; save(json: string): void; everyMs?: number }) {
  let emit: (e: PbxEvent) => void = () => {};
  const resyncs: number[] = [];
  const pbx = { onEvent: (h: (e: PbxEvent) => void) => { emit = h; return () => {}; }, resync: async () => { resyncs.push(1); } } as unknown as PbxManager;
  const ids = new Set(initial);
  const published: CallRecord[] = [];
  const log = createPbxCallLog({
    pbx, logger: createLogger({ level: 'silent', pretty: false }), stasisApp: 'centralita', inboundContexts: ['from-pstn'], ownChannelPrefixes: ['cmp-'],
    agentFor: () => undefined, normalize: (n) => n, stasisGraceMs: 1000, ...(persist ? { persist } : {}),
    records: { async publish(r) { if (ids.has(r.id)) return false; ids.add(r.id); published.push(r); return true; }, close: async () => {} },
  });
  return { log, published, resyncs, emit: (e: PbxEvent) => emit(e) };
}

/** A trunk call that runs Stasis() on `stasisOn` (the caller's channel, or another leg), then a fallback queue. */
function call(h: ReturnType<typeof harness>, id: string, stasisOn = id) {
  const t = (s: number) => `2026-12-02T02:00:0${s}.000Z`;
  h.emit({ kind: 'start', at: t(0), linkedId: id, channelId: id, channel: `PJSIP/trunk-${id}`, callerNumber: '+573001112233', callerName: '', context: 'from-pstn', exten: '6015550100' });
  h.emit({ kind: 'app', at: t(1), linkedId: id, channelId: stasisOn, channel: `PJSIP/x-${stasisOn}`, app: 'Stasis', data: 'centralita,main', context: 'from-pstn', exten: '6015550100' });
  h.emit({ kind: 'answer', at: t(1), linkedId: id, channelId: id, channel: `PJSIP/trunk-${id}`, callerNumber: '+573001112233', exten: '6015550100' });
  h.emit({ kind: 'hangup', at: t(5), linkedId: id, channelId: id, channel: `PJSIP/trunk-${id}`, cause: 16, source: '', dialStatus: '' });
  h.emit({ kind: 'end', at: t(5), linkedId: id });
}

describe('PBX record standing in for a Stasis record that never came', () => {
  it('records a call whose Stasis() had no app, once, after the grace period', async () => {
    vi.useFakeTimers();
    try {
      const h = harness();
      call(h, '1796178629.200');
      await vi.advanceTimersByTimeAsync(999);
      expect(h.published).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      await h.log.idle();
      expect(h.published.map((r) => ({ id: r.id, direction: r.direction, source: r.source }))).toEqual([{ id: 'cr-1796178629.200', direction: 'inbound', source: 'pbx' }]);
      expect(h.log.stats()).toMatchObject({ skippedStasis: 1, stoodIn: 1, published: 1, duplicates: 0 });
    } finally { vi.useRealTimers(); }
  });

  it('adds nothing when the app recorded the call, and never stands in for another leg\'s Stasis call', async () => {
    vi.useFakeTimers();
    try {
      const h = harness(['cr-1796178629.300']);
      call(h, '1796178629.300');
      call(h, '1796178629.400', '1796178629.401');
      await vi.advanceTimersByTimeAsync(5000);
      await h.log.idle();
      expect(h.published).toHaveLength(0);
      expect(h.log.stats()).toMatchObject({ skippedStasis: 2, stoodIn: 0, duplicates: 1 });
    } finally { vi.useRealTimers(); }
  });
});

describe('a conversation adopted after a reconnect', () => {
  it('keeps the direction of the endpoint it came in on, not of the context it is in now', async () => {
    const h = harness();
    // An earlier trunk call teaches the log the trunk's context.
    h.emit({ kind: 'start', at: '2026-12-02T02:00:00.000Z', linkedId: '1796180000.100', channelId: '1796180000.100', channel: 'PJSIP/trunk-00000001', callerNumber: '+573001112233', callerName: '', context: 'from-pstn', exten: '6015550100' });
    h.emit({ kind: 'end', at: '2026-12-02T02:00:01.000Z', linkedId: '1796180000.100' });
    // The AMI session drops; a caller arrives meanwhile and is in the PBX queue when it is back.
    h.emit({ kind: 'resync', at: '2026-12-02T02:00:10.000Z', disconnectedAt: '2026-12-02T02:00:05.000Z', queues: [], live: [{ channelId: '1796180041.200', linkedId: '1796180041.200', channel: 'PJSIP/trunk-00000002', callerNumber: '+573004445566', callerName: '', context: 'ext-queues', exten: '400', startedAt: '2026-12-02T02:00:06.000Z' }] });
    h.emit({ kind: 'hangup', at: '2026-12-02T02:00:30.000Z', linkedId: '1796180041.200', channelId: '1796180041.200', channel: 'PJSIP/trunk-00000002', cause: 16, source: '', dialStatus: '' });
    h.emit({ kind: 'end', at: '2026-12-02T02:00:30.000Z', linkedId: '1796180041.200' });
    await h.log.idle();
    expect(h.published.find((r) => r.id === 'cr-1796180041.200')).toMatchObject({ direction: 'inbound', from: '+573004445566' });
  });
});

describe('open conversations across a restart of the app', () => {
  it('a call that ended while the app was down is closed from the snapshot at the first resync, and recorded', async () => {
    vi.useFakeTimers();
    try {
      let saved: string | undefined;
      const store = { load: () => saved, save: (j: string) => { saved = j; } };
      const first = harness([], store);
      first.emit({ kind: 'start', at: '2026-12-02T02:00:00.000Z', linkedId: '1796180217.201', channelId: '1796180217.201', channel: 'PJSIP/trunk-00000003', callerNumber: '+573007778899', callerName: '', context: 'from-pstn', exten: '6015550400' });
      first.emit({ kind: 'answer', at: '2026-12-02T02:00:01.000Z', linkedId: '1796180217.201', channelId: '1796180217.201', channel: 'PJSIP/trunk-00000003', callerNumber: '+573007778899', exten: '6015550400' });
      await vi.advanceTimersByTimeAsync(1000);
      first.log.stop(); // SIGKILL: the 'end' never reaches this process
      const second = harness([], store);
      expect(second.resyncs).toHaveLength(1);
      second.emit({ kind: 'resync', at: '2026-12-02T02:01:00.000Z', live: [], queues: [] });
      await second.log.idle();
      expect(second.published.map((r) => ({ id: r.id, direction: r.direction, from: r.from }))).toEqual([{ id: 'cr-1796180217.201', direction: 'inbound', from: '+573007778899' }]);
      expect(Date.parse(second.published[0]!.endedAt)).toBeLessThan(Date.parse('2026-12-02T02:01:00.000Z'));
      second.log.stop();
    } finally { vi.useRealTimers(); }
  });

  it('a stand-in still in its grace when the app is killed is published by the next run', async () => {
    vi.useFakeTimers();
    try {
      let saved: string | undefined;
      const store = { load: () => saved, save: (j: string) => { saved = j; }, everyMs: 100 };
      const first = harness([], store);
      call(first, '1796180300.500');
      await vi.advanceTimersByTimeAsync(500); // the snapshot is written; the grace (1 s) is not over
      first.log.stop();
      expect(first.published).toHaveLength(0);
      const second = harness([], store);
      await vi.advanceTimersByTimeAsync(1000);
      await second.log.idle();
      expect(second.published.map((r) => r.id)).toEqual(['cr-1796180300.500']);
      second.log.stop();
    } finally { vi.useRealTimers(); }
  });
});
