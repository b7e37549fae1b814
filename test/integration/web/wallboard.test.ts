import { describe, expect, it } from 'vitest';
import { harness } from '../../e2e/acd/harness.ts';
import { createLiveHub } from '../../../src/live/hub.ts';
import { createLivePolicy, type Viewer } from '../../../src/live/policy.ts';
import { createWallboard } from '../../../src/wallboard/service.ts';
import { DEFAULT_THRESHOLDS } from '../../../src/wallboard/levels.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import type { LiveMessage, QueueRow, WaitingRow } from '../../../src/wallboard/types.ts';

// The wallboard over the real ACD (fake phones, virtual clock): what a supervisor sees while
// a caller joins, waits and is answered, and when a second caller abandons; a snapshot taken
// at any point equals what the live messages built; today's totals add the history to the live.
describe('wallboard service over the ACD', () => {
  async function setup() {
    const h = await harness({
      sales: { name: 'Ventas', strategy: 'linear', members: [{ id: 'ana', name: 'Ana', endpoint: 'PJSIP/1001' }], ringTimeoutSec: 15, wrapUpSec: 5, serviceLevelSec: 20, shortAbandonSec: 5 },
    });
    const policy = createLivePolicy({ seesNumbers: (v) => v.roles.includes('admin'), agentQueues: () => ['sales'] });
    const hub = createLiveHub({ policy, mask: (x) => JSON.parse(JSON.stringify(x).replace(/\+57\d+/g, '•••')) as unknown, epoch: 'w' });
    const sessions = new Map<string, { callId: string; channelId: string; flowId: string; from: string; to: string; startedAt: string; node?: string }>();
    const wb = createWallboard({
      bus: h.bus, hub, policy, mask: (x) => JSON.parse(JSON.stringify(x).replace(/\+57\d+/g, '•••')) as unknown, acd: h.acd,
      calls: { liveCalls: () => [...sessions.values()] },
      today: async () => ({ total: 7, byDisposition: { answered: 5, abandoned: 2 } }),
      queues: { sales: { serviceLevelSec: 20, name: 'Ventas' } }, thresholds: () => DEFAULT_THRESHOLDS,
      now: () => h.clock.now(), timeZone: 'America/Bogota', flushMs: 1_000_000, campaignPollMs: 1_000_000, hoursPollMs: 1_000_000,
    });
    const got: LiveMessage[] = [];
    const admin: Viewer = { kind: 'user', id: 'a', roles: ['admin'] };
    hub.subscribe(admin, undefined, { write: (f) => { got.push({ type: /^event: (.*)$/m.exec(f)![1], data: JSON.parse(/^data: (.*)$/m.exec(f)![1]!) } as LiveMessage); return true; }, queuedBytes: () => 0, close() {} });
    const place = (id: string, from: string) => {
      const c = h.call('sales', id);
      sessions.set(c.channelId, { callId: id, channelId: c.channelId, flowId: 'main', from, to: '+576015550100', startedAt: new Date(h.clock.now()).toISOString(), node: 'sales' });
      h.bus.emit('call.started', { callId: id, channelId: c.channelId, flowId: 'main', from, to: '+576015550100', at: new Date(h.clock.now()).toISOString() });
      return c;
    };
    const lastQueue = () => [...got].reverse().find((m): m is Extract<LiveMessage, { type: 'queue' }> => m.type === 'queue')?.data as QueueRow;
    const lastWaiting = () => ([...got].reverse().find((m) => m.type === 'waiting')?.data as { callers: WaitingRow[] } | undefined)?.callers;
    return { h, wb, got, admin, place, lastQueue, lastWaiting, sessions };
  }

  it('a caller joins, waits and is answered; an abandon brings SL down; a reload shows the same figures', async () => {
    const s = await setup();
    s.h.tel.phone('PJSIP/1001', { kind: 'answer', afterMs: 8000, talkMs: 60_000 });
    await s.h.loginAll();
    await s.wb.flush();

    s.place('c1', '+573001110001');
    await s.h.run(1000);
    await s.wb.flush();
    expect(s.lastQueue()).toMatchObject({ id: 'sales', waiting: 1, offered: 1, answered: 0, serviceLevelPct: null, oldestWaitSince: expect.any(Number) });
    expect(s.lastWaiting()).toEqual([expect.objectContaining({ callId: 'c1', caller: '+573001110001', position: 1, phase: 'ringing' })]);

    await s.h.run(8000);
    await s.wb.flush();
    expect(s.lastQueue()).toMatchObject({ waiting: 0, answered: 1, serviceLevelPct: 100, asaSec: 8, oldestWaitSince: null });
    expect(s.lastWaiting()).toEqual([]);
    const ana = [...s.got].reverse().find((m) => m.type === 'agent')!.data;
    expect(ana).toMatchObject({ id: 'ana', state: 'onCall', callId: 'c1', caller: '+573001110001', callsToday: 1 });

    // Ana is busy: the next caller waits 30 s (beyond the 5 s short-abandon threshold) and hangs up.
    const c2 = s.place('c2', '+573001110002');
    await s.h.run(30_000);
    s.h.tel.callerHangup(c2.channelId);
    await s.h.run(100);
    await s.wb.flush();
    expect(s.lastQueue()).toMatchObject({ offered: 2, answered: 1, abandoned: 1, serviceLevelPct: 50 });
    expect(s.got.filter((m) => m.type === 'log').map((m) => (m.data as { kind: string }).kind)).toEqual(expect.arrayContaining(['queue.join', 'queue.answer', 'queue.abandon', 'agent.state', 'call.started']));

    // A browser reloading now gets exactly the rows the stream built.
    const snap = await s.wb.snapshot(s.admin);
    expect(snap.queues).toEqual([s.lastQueue()]);
    expect(snap.agents[0]).toEqual([...s.got].reverse().find((m) => m.type === 'agent')!.data);
    expect(snap.liveId).toBe(`w.${s.got.length}`);

    // Today = the stored calls of today + this process's records.
    expect(snap.today).toEqual({ calls: 7, answered: 5, abandoned: 2, source: 'history' });
    s.h.bus.emit('call.record', { id: 'cr-c2', disposition: 'abandoned', direction: 'inbound', from: '+573001110002', endedAt: new Date(s.h.clock.now()).toISOString() } as CallRecord);
    await s.wb.flush();
    expect([...s.got].reverse().find((m) => m.type === 'today')!.data).toEqual({ calls: 8, answered: 5, abandoned: 3, source: 'history' });
    s.wb.stop();
  });

  it('an agent viewer gets their own row and queue, with other callers\' numbers masked', async () => {
    const s = await setup();
    await s.h.loginAll();
    s.place('c1', '+573001110001');
    await s.h.run(500);
    const snap = await s.wb.snapshot({ kind: 'user', id: 'u-ana', roles: ['agent'], agentId: 'ana' });
    expect(snap.queues.map((q) => q.id)).toEqual(['sales']);
    expect(snap.waiting[0]?.caller).toBe('•••');
    expect(snap.calls).toEqual([]); // calls not (yet) with Ana are not hers to see
    expect(snap.today).toBeNull();
    expect(snap.campaigns).toEqual([]);
    s.wb.stop();
  });
});
