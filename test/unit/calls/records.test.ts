import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { buildCallRecord, callRecordId, createCallRecordPublisher, type CallFacts } from '../../../src/calls/records.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { QUEUES } from '../../../src/jobs/names.ts';

const input = {
  callId: 'c1', channelId: '1700000000.12', direction: 'inbound' as const, from: '3001112233', to: '6015551234', did: '6015551234',
  language: 'es', variables: {}, startedAt: '2026-01-05T15:00:00.000Z',
};

describe('buildCallRecord', () => {
  it('answered IVR call: E.164 numbers, IVR and wait seconds (no talk: nobody was bridged), path', () => {
    const f: CallFacts = { input, flow: { id: 'main', version: 'abc' }, answeredAt: '2026-01-05T15:00:03.000Z', endedAt: '2026-01-05T15:01:03.000Z', hangupSide: 'caller', hangupCause: 16, output: { path: [{ node: 'menu', at: 'x', digits: '1' }] } };
    const r = buildCallRecord(f, { defaultCountry: 'CO' });
    expect(r).toMatchObject({ id: 'cr-1700000000.12', from: '+573001112233', to: '+576015551234', disposition: 'answered', talkSeconds: 0, ivrSeconds: 60, waitSeconds: 3, path: [{ node: 'menu', digits: '1' }], flow: { id: 'main', version: 'abc' } });
  });

  it('talk time is the bridged time only: 60 s of IVR, 10 s in the queue and 26 s with the agent log 26 s, not 96 s', () => {
    const f: CallFacts = {
      input, answeredAt: '2026-01-05T15:00:00.000Z', endedAt: '2026-01-05T15:01:36.000Z', hangupSide: 'caller',
      output: { path: [], queue: { id: 'ventas', waitSeconds: 10, outcome: 'answered', talkSeconds: 26 }, agent: { id: 'a1', name: 'Ana' } },
    };
    expect(buildCallRecord(f, { defaultCountry: 'CO' })).toMatchObject({ disposition: 'answered', ivrSeconds: 60, waitSeconds: 10, talkSeconds: 26 });
  });

  it('a dial node bridge counts as talk; the rest of the answered time is IVR', () => {
    const f: CallFacts = { input, answeredAt: '2026-01-05T15:00:00.000Z', endedAt: '2026-01-05T15:02:00.000Z', hangupSide: 'caller', output: { path: [], talkSeconds: 90 } };
    expect(buildCallRecord(f, { defaultCountry: 'CO' })).toMatchObject({ talkSeconds: 90, ivrSeconds: 30 });
  });

  it('queue outcomes drive disposition and wait/talk', () => {
    const base: CallFacts = { input, answeredAt: '2026-01-05T15:00:01.000Z', endedAt: '2026-01-05T15:02:01.000Z', hangupSide: 'caller' };
    expect(buildCallRecord({ ...base, output: { path: [], queue: { id: 'q', waitSeconds: 30, outcome: 'abandoned' } } }, { defaultCountry: 'CO' })).toMatchObject({ disposition: 'abandoned', waitSeconds: 30, talkSeconds: 0 });
    expect(buildCallRecord({ ...base, output: { path: [], queue: { id: 'q', waitSeconds: 30, outcome: 'answered' }, agent: { id: 'a1' } } }, { defaultCountry: 'CO' })).toMatchObject({ disposition: 'answered', waitSeconds: 30, talkSeconds: 90, agent: { id: 'a1' } });
  });

  it('unanswered outbound attempts map Q.850 causes; flow disposition wins; bad numbers kept as received', () => {
    const out = { ...input, direction: 'outbound' as const, to: 'not a number' };
    const f = (cause: number): CallFacts => ({ input: out, endedAt: '2026-01-05T15:00:20.000Z', hangupSide: 'far-end', hangupCause: cause });
    expect(buildCallRecord(f(17), { defaultCountry: 'CO' }).disposition).toBe('busy');
    expect(buildCallRecord(f(19), { defaultCountry: 'CO' }).disposition).toBe('no-answer');
    expect(buildCallRecord(f(34), { defaultCountry: 'CO' }).disposition).toBe('failed');
    expect(buildCallRecord(f(34), { defaultCountry: 'CO' }).to).toBe('not a number');
    expect(buildCallRecord({ ...f(16), answeredAt: '2026-01-05T15:00:01.000Z', output: { path: [], disposition: 'voicemail' } }, { defaultCountry: 'CO' }).disposition).toBe('voicemail');
  });

  it('record ids never contain ":" (BullMQ job ids)', () => {
    expect(callRecordId('a:b:c')).toBe('cr-a_b_c');
  });
});

describe('createCallRecordPublisher (real redis + BullMQ)', () => {
  const prefix = `t-records-${process.pid}`;
  const conn = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  const logger = pino({ level: 'silent' });
  afterAll(async () => { await conn.quit(); });

  it('publishes exactly once per record id across publishers (queue + bus)', async () => {
    const bus = createEventBus();
    const onBus: CallRecord[] = [];
    bus.on('call.record', (r) => onBus.push(r));
    const p1 = createCallRecordPublisher({ connection: conn, bus, logger, bullPrefix: prefix, keyPrefix: prefix });
    const p2 = createCallRecordPublisher({ connection: conn, bus, logger, bullPrefix: prefix, keyPrefix: prefix });
    const rec = buildCallRecord({ input, endedAt: '2026-01-05T15:01:00.000Z', hangupSide: 'caller' }, { defaultCountry: 'CO' });
    const results = await Promise.all([p1.publish(rec), p2.publish(rec), p1.publish(rec)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const q = new Queue(QUEUES.callRecords, { connection: conn, prefix });
    const jobs = await q.getJobs(['waiting', 'active', 'completed', 'delayed']);
    expect(jobs.map((j) => j.id)).toEqual([rec.id]);
    expect(jobs[0]!.data).toEqual(rec);
    expect(onBus).toHaveLength(1);
    expect(p1.stats().duplicates + p2.stats().duplicates).toBe(2);
    await Promise.all([q.close(), p1.close(), p2.close()]);
  });

  it('holds a record back for the wrap-up and releases it with the wrap-up in it; too late once it ran', async () => {
    const bus = createEventBus();
    const px = `${prefix}-hold`;
    const p = createCallRecordPublisher({ connection: conn, bus, logger, bullPrefix: px, keyPrefix: px });
    const q = new Queue(QUEUES.callRecords, { connection: conn, prefix: px });
    const rec = { ...buildCallRecord({ input: { ...input, channelId: 'hold-1', callId: 'hold-1' }, endedAt: '2026-01-05T15:01:00.000Z', hangupSide: 'caller' }, { defaultCountry: 'CO' }), agent: { id: 'ana' } };
    await p.publish(rec, { delayMs: 120_000 });
    expect(await (await q.getJob(rec.id))!.getState()).toBe('delayed');
    const wrapUp = { disposition: 'sale', notes: 'annual plan', by: 'user:ana', at: '2026-01-05T15:01:30.000Z' };
    expect(await p.amend(rec.id, { wrapUp })).toBe('amended');
    const job = (await q.getJob(rec.id))!;
    expect(await job.getState()).toBe('waiting'); // released now, not in two minutes
    expect(job.data).toEqual({ ...rec, wrapUp });
    expect(await p.amend(rec.id, { wrapUp })).toBe('too-late');
    expect(await p.amend('cr-never', { wrapUp })).toBe('unknown');
    await Promise.all([q.obliterate({ force: true }), p.close()]);
    await q.close();
  });
});
