import { describe, expect, it } from 'vitest';
import { createWrapUpDesk, WrapUpError } from '../../../src/console/wrapup.ts';
import { createOffers, type CallerInfo } from '../../../src/console/offers.ts';
import { defineConsole } from '../../../src/console/settings.ts';
import { createEventBus, type BusEvents } from '../../../src/domain/event-bus.ts';
import { createLiveHub } from '../../../src/live/hub.ts';
import { createLivePolicy } from '../../../src/live/policy.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import type { LiveMessage } from '../../../src/wallboard/types.ts';

const settings = defineConsole({
  pauseReasons: [{ id: 'break', label: { es: 'Descanso', en: 'Break' } }],
  dispositions: [{ id: 'sale', label: { es: 'Venta', en: 'Sale' }, hubspotOutcome: 'f240bbac-87c9-4f6e-bf70-924b57d47db7' }, { id: 'resolved', label: { es: 'Resuelto', en: 'Resolved' } }],
  wrapUp: { holdHubspotSec: 120, maxNotes: 50 },
});
const record = (id: string, agent = true) => ({ id, from: '+573001234567', ...(agent ? { agent: { id: 'ana' } } : {}) } as CallRecord);

describe('wrap-up desk (disposition and notes onto the HubSpot call)', () => {
  function desk() {
    let now = 1_000_000;
    const amended: { id: string; patch: Partial<CallRecord> }[] = [];
    let answer: 'amended' | 'too-late' = 'amended';
    const d = createWrapUpDesk({ settings: () => settings, amend: async (id, patch) => { amended.push({ id, patch }); return answer; }, now: () => now });
    return { d, amended, tick: (ms: number) => { now += ms; }, setAnswer: (a: typeof answer) => { answer = a; } };
  }

  it('holds an agent\'s call for the wrap-up and releases it with the disposition and notes', async () => {
    const { d, amended } = desk();
    expect(d.beforePublish(record('cr-1', false))).toMatchObject({ delayMs: 0 }); // IVR-only call: nothing to wait for
    const held = d.beforePublish(record('cr-2'));
    expect(held.delayMs).toBe(120_000);
    expect(held.record.wrapUp).toBeUndefined();
    const r = await d.submit('cr-2', { disposition: 'sale', notes: '  wants the annual plan ' }, 'user:ana');
    expect(r.hubspot).toBe('with-call');
    expect(amended).toEqual([{ id: 'cr-2', patch: { wrapUp: { disposition: 'sale', label: { es: 'Venta', en: 'Sale' }, hubspotOutcome: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', notes: 'wants the annual plan', by: 'user:ana', at: expect.any(String) } } }]);
  });

  it('a wrap-up that comes before the record is put into it at publish time (no hold)', async () => {
    const { d, amended } = desk();
    expect((await d.submit('cr-3', { disposition: 'resolved' }, 'user:ana')).hubspot).toBe('waiting-for-record');
    const p = d.beforePublish(record('cr-3'));
    expect(p.delayMs).toBe(0);
    expect(p.record.wrapUp).toMatchObject({ disposition: 'resolved', by: 'user:ana' });
    expect(amended).toEqual([]);
  });

  it('says so when the call was already logged without it', async () => {
    const { d, setAnswer } = desk();
    d.beforePublish(record('cr-4'));
    setAnswer('too-late');
    expect((await d.submit('cr-4', { disposition: 'sale' }, 'user:ana')).hubspot).toBe('too-late');
    expect(d.stats()).toMatchObject({ tooLate: 1 });
  });

  it('refuses a missing or unknown disposition and notes over the limit', async () => {
    const { d } = desk();
    d.beforePublish(record('cr-5'));
    await expect(d.submit('cr-5', {}, 'user:ana')).rejects.toMatchObject({ code: 'WRAPUP_DISPOSITION_REQUIRED' });
    await expect(d.submit('cr-5', { disposition: 'nope' }, 'user:ana')).rejects.toBeInstanceOf(WrapUpError);
    await expect(d.submit('cr-5', { disposition: 'sale', notes: 'x'.repeat(51) }, 'user:ana')).rejects.toMatchObject({ code: 'WRAPUP_NOTES_TOO_LONG' });
    expect(d.stats()).toMatchObject({ refused: 3 });
  });
});

describe('screen pops', () => {
  function setup(lookup?: (n: string) => Promise<CallerInfo>) {
    const bus = createEventBus((t, e) => { throw e; });
    const policy = createLivePolicy({ seesNumbers: () => false, agentQueues: () => ['sales'] });
    const hub = createLiveHub({ policy, mask: (x) => x, epoch: 't' });
    const sent: LiveMessage[] = [];
    const frames: string[] = [];
    for (const agentId of ['ana', 'bruno']) hub.subscribe({ roles: ['agent'], agentId }, undefined, { write: (f) => { frames.push(`${agentId} ${f}`); sent.push(JSON.parse(/^data: (.*)$/m.exec(f)![1]!) as never); return true; }, queuedBytes: () => 0, close() {} });
    let now = Date.parse('2026-12-01T15:00:00Z');
    const offers = createOffers({
      bus, hub, now: () => now, wrapUpWindowMs: 600_000, queueName: () => 'Ventas',
      liveCall: (id) => (id === 'c1' ? { from: '+573001234567', path: [{ node: 'welcome', at: '2026-12-01T14:59:40Z' }, { node: 'mainMenu', at: '2026-12-01T14:59:45Z' }, { node: 'mainMenu', at: '2026-12-01T14:59:48Z', outcome: 'chosen', digits: '1' }] } : undefined),
      ...(lookup ? { lookup: { lookup } } : {}),
    });
    const q = (e: Partial<BusEvents['queue.event']> & { type: string }) => bus.emit('queue.event', { queueId: 'sales', at: new Date(now).toISOString(), ...e });
    return { offers, q, frames, tick: (ms: number) => { now += ms; } };
  }

  it('offers the caller, menu choices and CRM contact; follows the call to a pending wrap-up', async () => {
    let resolve!: (c: CallerInfo) => void;
    const s = setup(() => new Promise((r) => { resolve = r; }));
    s.q({ type: 'join', callId: 'c1' });
    s.tick(12_000);
    s.q({ type: 'ring', callId: 'c1', agentIds: ['ana', 'bruno'] });
    expect(s.offers.current('ana')).toMatchObject({ state: 'ringing', caller: '+573001234567', waitedSec: 12, lookingUp: true, contact: null, ivr: [{ node: 'welcome', at: '2026-12-01T14:59:40Z' }, { node: 'mainMenu', at: '2026-12-01T14:59:45Z', outcome: 'chosen', digits: '1' }] });
    resolve({ contact: { id: '501', name: 'Laura Pérez', company: 'Acme', owner: 'Ana Gómez', url: 'https://app.hubspot.com/contacts/1/record/0-1/501' }, lastCalls: [{ id: 'cr-old', at: '2026-11-30T10:00:00Z', disposition: 'answered' }] });
    await new Promise((r) => setTimeout(r, 0));
    expect(s.offers.current('bruno')).toMatchObject({ lookingUp: false, contact: { name: 'Laura Pérez', company: 'Acme' }, lastCalls: [{ id: 'cr-old' }] });
    s.q({ type: 'connect', callId: 'c1', agentId: 'ana', waitSec: 13 });
    expect(s.offers.current('bruno')).toBeUndefined(); // ringall: the other agent's pop goes away
    expect(s.frames.some((f) => f.startsWith('bruno') && f.includes('answered-elsewhere'))).toBe(true);
    expect(s.offers.current('ana')).toMatchObject({ state: 'connected' });
    s.tick(60_000);
    s.q({ type: 'complete', callId: 'c1', agentId: 'ana', talkSec: 60, wrapUpSec: 15 });
    expect(s.offers.current('ana')).toMatchObject({ state: 'ended' });
    expect(s.offers.pending('ana')).toEqual([{ callId: 'c1', recordId: 'cr-c1', caller: '+573001234567', queueId: 'sales', contactName: 'Laura Pérez', endedAt: expect.any(Number), talkSec: 60 }]);
    expect(s.offers.wrappedUp('ana', 'c1')?.recordId).toBe('cr-c1');
    expect(s.offers.pending('ana')).toEqual([]);
    expect(s.offers.current('ana')).toBeUndefined();
    // Only the agents the call was offered to got anything.
    expect(s.frames.every((f) => f.startsWith('ana') || f.startsWith('bruno'))).toBe(true);
  });

  it('an unknown caller is said to be unknown; a missed or abandoned offer ends the pop', () => {
    const s = setup();
    s.q({ type: 'ring', callId: 'c1', agentIds: ['ana'] });
    expect(s.offers.current('ana')).toMatchObject({ contact: null, lookingUp: false });
    s.q({ type: 'ring-failed', callId: 'c1', agentId: 'ana', reason: 'no-answer' });
    expect(s.offers.current('ana')).toBeUndefined();
    s.q({ type: 'ring', callId: 'c1', agentIds: ['ana'] });
    s.q({ type: 'leave', callId: 'c1', outcome: 'abandoned', waitSec: 30 });
    expect(s.offers.current('ana')).toBeUndefined();
    expect(s.frames.filter((f) => f.includes('offer.end')).map((f) => /"outcome":"(\w+)"/.exec(f)?.[1])).toEqual(['missed', 'gone']);
  });
});
