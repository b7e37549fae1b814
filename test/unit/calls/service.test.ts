import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { createFakeTelephony } from '../../fakes/fake-telephony.ts';
import { testFlows } from '../../fakes/test-flows.ts';
import { createCallService } from '../../../src/calls/service.ts';
import { createCallActors, actorImplementations } from '../../../src/calls/actors.ts';
import type { CallRecordSink } from '../../../src/calls/records.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { TelephonyTimeoutError } from '../../../src/errors.ts';
import { STASIS_ROLES } from '../../../src/calls/contract.ts';

const flush = () => new Promise((r) => setImmediate(r));

function setup(opts: { autoFinishPlayback?: boolean } = {}) {
  const telephony = createFakeTelephony(opts);
  const actors = createCallActors({ telephony });
  const records: CallRecord[] = [];
  const seen = new Set<string>();
  const sink: CallRecordSink = {
    async publish(r) { if (seen.has(r.id)) return false; seen.add(r.id); records.push(r); return true; },
    async close() {},
  };
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => { logs.push(JSON.parse(l) as Record<string, unknown>); } });
  const bus = createEventBus();
  const svc = createCallService({ telephony, flows: testFlows(), actors: actorImplementations(actors), records: sink, bus, logger, clock: () => new Date('2026-01-05T15:10:00Z') });
  svc.start();
  return { telephony, actors, records, svc, logs, bus };
}

describe('call service (fake telephony)', () => {
  it('runs a flow: answer, play, caller hangs up, exactly one record with the right fields', async () => {
    const { telephony, records, svc } = setup();
    const ch = telephony.placeCall({ args: ['hello'], from: '3001112233', to: '6015551234' });
    await flush();
    expect(telephony.ops(ch)).toEqual(['answer', 'play']);
    expect(svc.liveCalls()).toHaveLength(1);
    telephony.callerHangup(ch, { cause: 16 });
    await flush();
    expect(svc.liveCalls()).toHaveLength(0);
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r).toMatchObject({
      id: `cr-${ch}`, linkedId: ch, direction: 'inbound', from: '+573001112233', to: '+576015551234', did: '+576015551234',
      disposition: 'answered', hangupSide: 'caller', hangupCause: 16, flow: { id: 'hello', version: 'v1' },
    });
    expect(r.answeredAt).toBeDefined();
    expect(r.path.map((p) => [p.node, p.outcome])).toEqual([['greeting', 'played']]);
    expect(telephony.listenerCount()).toBe(2); // the service + the actors' playback waiter, no per-call ones
  });

  it('unknown flow → continueInDialplan, no session, counted and kept', async () => {
    const { telephony, svc, records, logs } = setup();
    const ch = telephony.placeCall({ args: ['nope'] });
    await flush();
    expect(telephony.ops(ch)).toEqual(['continueInDialplan']);
    expect(svc.liveCalls()).toHaveLength(0);
    expect(svc.stats().unknownFlow).toBe(1);
    expect(svc.rejected()[0]).toMatchObject({ channelId: ch, reason: 'unknown flow "nope"' });
    expect(logs.some((l) => l.msg === 'no flow for call; continuing in dialplan')).toBe(true);
    expect(records).toHaveLength(0);
  });

  it('routes by DID mapping when Stasis has no args', async () => {
    const { telephony } = setup();
    const ch = telephony.placeCall({ args: [], to: '6015550000' });
    await flush();
    expect(telephony.ops(ch)).toEqual(['answer', 'play']);
  });

  it('routes a campaign origination to the flow named in its args, with campaign data in the record', async () => {
    const { telephony, records } = setup();
    const ch = telephony.placeCall({ args: ['campaign', 'c-42', 'row-7', '2', 'hello'], state: 'Up', to: 's', variables: { CENTRALITA_CONTACT_ID: '901', CENTRALITA_PHONE: '3004445566' } });
    await flush();
    expect(telephony.ops(ch)).toEqual(['answer', 'play']);
    telephony.callerHangup(ch);
    await flush();
    expect(records[0]).toMatchObject({ direction: 'outbound', to: '+573004445566', hangupSide: 'far-end', campaign: { campaignId: 'c-42', rowId: 'row-7', attempt: 2, contactId: '901' } });
  });

  it('campaign row variables come from CENTRALITA_VARS in the snapshot; channelvars Asterisk reports unset ("") are dropped', async () => {
    const { telephony, records } = setup();
    const vars = { CENTRALITA_PHONE: '3004445566', CENTRALITA_CONTACT_ID: '', CENTRALITA_DID: '', CENTRALITA_VARS: JSON.stringify({ amount: '150000', language: 'en' }) };
    const ch = telephony.placeCall({ args: ['campaign', 'c-9', 'row-1', '1', 'hello'], state: 'Up', to: 's', variables: vars });
    await flush();
    expect(telephony.ops(ch)).not.toContain('getVariable'); // all in the snapshot: no REST read
    telephony.callerHangup(ch);
    await flush();
    expect(records[0]!.variables).toMatchObject({ CENTRALITA_PHONE: '3004445566', amount: '150000', language: 'en' });
    expect(Object.keys(records[0]!.variables!).filter((k) => k.startsWith('CENTRALITA_'))).toEqual(['CENTRALITA_PHONE']);
    expect(records[0]!.campaign).not.toHaveProperty('contactId');
  });

  it('unreadable CENTRALITA_VARS: the flow still runs, the problem is logged and counted', async () => {
    const { telephony, records, svc, logs } = setup();
    const ch = telephony.placeCall({ args: ['campaign', 'c-9', 'row-2', '1', 'hello'], state: 'Up', to: 's', variables: { CENTRALITA_PHONE: '3004445566', CENTRALITA_VARS: '{amount:' } });
    await flush();
    telephony.callerHangup(ch);
    await flush();
    expect(records).toHaveLength(1);
    expect(svc.stats().badRowVariables).toBe(1);
    expect(logs.some((l) => l.msg === 'campaign row variables ignored' && l.channelId === ch)).toBe(true);
  });

  it('campaign variables missing from the snapshot are read once; events meanwhile are buffered, not lost', async () => {
    const { telephony, records, svc } = setup();
    const ch = telephony.placeCall({ args: ['campaign', 'c-1', 'r-1', '1', 'menu'], state: 'Up', to: 's', channelVars: { CENTRALITA_PHONE: '3007778899', CENTRALITA_CONTACT_ID: '77', CENTRALITA_VARS: '{"amount":"9"}' } });
    // The far end hangs up while the variables are being read (the reads still succeed).
    telephony.emit({ type: 'channel.hangupRequested', channelId: ch, at: '2026-01-05T15:00:05.000Z' });
    telephony.emit({ type: 'call.ended', channelId: ch, at: '2026-01-05T15:00:05.001Z' });
    expect(svc.liveCalls()).toHaveLength(0);
    await flush();
    expect(telephony.ops(ch).slice(0, 3)).toEqual(['getVariable', 'getVariable', 'getVariable']);
    // Without the buffer the hangup would be lost and the session would never end.
    expect(svc.liveCalls()).toHaveLength(0);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ to: '+573007778899', hangupSide: 'far-end', campaign: { campaignId: 'c-1', contactId: '77' }, variables: expect.objectContaining({ CENTRALITA_PHONE: '3007778899', amount: '9' }) as object });
  });

  it('hands role channels to registered handlers and unhandled roles back to the dialplan', async () => {
    const { telephony, svc } = setup();
    const got: string[] = [];
    svc.registerRole(STASIS_ROLES.agentLeg, (ev) => got.push(ev.channel.id));
    const a = telephony.placeCall({ args: ['acd-agent', 'q1', 'call-1', 'agent-1'] });
    const b = telephony.placeCall({ args: ['dial-leg', 'call-1'] });
    await flush();
    expect(got).toEqual([a]);
    expect(telephony.ops(a)).toEqual([]);
    expect(telephony.ops(b)).toEqual(['continueInDialplan']);
  });

  it('feeds DTMF as call.dtmf; barge-in stops the running prompt', async () => {
    const { telephony, svc, actors } = setup({ autoFinishPlayback: false });
    const ch = telephony.placeCall({ args: ['menu'] });
    await flush();
    telephony.dtmf(ch, '1');
    await flush();
    expect(telephony.ops(ch)).toEqual(['answer', 'play']);
    telephony.dtmf(ch, '2');
    await flush();
    const plays = telephony.commands.filter((c) => c.op === 'play').map((c) => c.args[0]);
    expect(plays).toEqual([['digits:1'], ['digits:2']]);
    expect(telephony.ops()).toContain('stopPlayback');
    telephony.callerHangup(ch);
    await flush();
    expect(svc.liveCalls()).toHaveLength(0);
    expect(actors.pendingPlaybacks()).toBe(0);
  });

  it('an actor crash is contained: logged with ids, handed back, record written, other calls unaffected', async () => {
    const { telephony, svc, records, logs } = setup();
    const bad = telephony.placeCall({ args: ['crash'] });
    const good = telephony.placeCall({ args: ['hello'] });
    await flush();
    telephony.dtmf(bad, '5');
    await flush();
    expect(telephony.ops(bad)).toEqual(['answer', 'continueInDialplan']);
    const err = logs.find((l) => l.msg === 'call actor failed; handing the channel back to the dialplan');
    expect(err).toMatchObject({ callId: bad, channelId: bad, flowId: 'crash' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: `cr-${bad}`, error: { code: 'INTERNAL' } });
    expect(svc.liveCalls().map((c) => c.channelId)).toEqual([good]);
    telephony.callerHangup(good);
    await flush();
    expect(records.map((r) => r.id)).toEqual([`cr-${bad}`, `cr-${good}`]);
  });

  it('a REST call that hangs times out with a typed error; call is cleaned up with a record', async () => {
    const { telephony, records, svc } = setup();
    telephony.fault('answer', () => new TelephonyTimeoutError('answer', 50));
    const ch = telephony.placeCall({ args: ['hello'] });
    await flush();
    await flush();
    expect(svc.liveCalls()).toHaveLength(0);
    expect(records[0]).toMatchObject({ error: { code: 'TELEPHONY_TIMEOUT' }, disposition: 'failed' });
    expect(telephony.ops(ch)).toEqual(['answer', 'continueInDialplan']);
  });

  it('resync after reconnect ends vanished calls with a record and keeps live ones', async () => {
    const { telephony, svc, records } = setup();
    const gone = telephony.placeCall({ args: ['hello'] });
    const alive = telephony.placeCall({ args: ['hello'] });
    await flush();
    telephony.emit({ type: 'connection', state: 'disconnected', at: '2026-01-05T15:04:00.000Z' });
    telephony.emit({ type: 'connection', state: 'reconnecting', attempt: 7, at: '2026-01-05T15:09:00.000Z' });
    telephony.vanish(gone);
    telephony.emit({ type: 'connection', state: 'connected', at: '2026-01-05T15:09:30.000Z' });
    await flush();
    expect(svc.liveCalls().map((c) => c.channelId)).toEqual([alive]);
    expect(records).toHaveLength(1);
    // Ended when it was last seen (the socket drop), not at the resync (the service clock says 15:10).
    expect(records[0]).toMatchObject({ id: `cr-${gone}`, hangupSide: 'system', endedAt: '2026-01-05T15:04:00.000Z', error: { code: 'CALL_VANISHED' } });
    // A late StasisEnd for the vanished call (replayed) does not produce a second record.
    telephony.emit({ type: 'call.ended', channelId: gone, at: 'z' });
    await flush();
    expect(records).toHaveLength(1);
  });

  it('graceful stop: refuses new calls, waits for live ones, hands back the rest at the deadline', async () => {
    const { telephony, svc, records } = setup();
    const a = telephony.placeCall({ args: ['hello'] });
    const b = telephony.placeCall({ args: ['hello'] });
    await flush();
    vi.useFakeTimers();
    try {
      const stopping = svc.stop(1000);
      const late = telephony.placeCall({ args: ['hello'] });
      expect(telephony.ops(late)).toEqual(['continueInDialplan']);
      telephony.callerHangup(a);
      await vi.advanceTimersByTimeAsync(1000);
      await stopping;
    } finally { vi.useRealTimers(); }
    expect(telephony.ops(b)).toContain('continueInDialplan');
    expect(records.map((r) => r.id).sort()).toEqual([`cr-${a}`, `cr-${b}`].sort());
    expect(telephony.listenerCount()).toBe(1); // only the actors' waiter, disposed by its owner
  });

  it('a campaign call answered during shutdown is hung up and recorded as interrupted (its attempt is retried, never answered)', async () => {
    const { outcomeFromRecord } = await import('../../../src/workers/dialer.ts');
    const { telephony, svc, records } = setup();
    const live = telephony.placeCall({ args: ['hello'] });
    await flush();
    vi.useFakeTimers();
    try {
      const stopping = svc.stop(1000);
      // Dialled before the shutdown, answered during the drain: its StasisStart arrives now.
      const late = telephony.placeCall({ args: ['campaign', 'c-9', 'row-3', '1', 'hello'], state: 'Up', to: 's', variables: { CENTRALITA_PHONE: '3004445566' } });
      await vi.advanceTimersByTimeAsync(0);
      expect(telephony.ops(late)).toEqual(['hangup']);
      telephony.callerHangup(live);
      await vi.advanceTimersByTimeAsync(1000);
      await stopping;
      const r = records.find((x) => x.id === `cr-${late}`);
      expect(r).toMatchObject({ direction: 'outbound', disposition: 'failed', hangupSide: 'app', campaign: { campaignId: 'c-9', rowId: 'row-3', attempt: 1 }, error: { code: 'CALL_INTERRUPTED_BY_SHUTDOWN' } });
      expect(outcomeFromRecord(r!)).toBe('failed');
    } finally { vi.useRealTimers(); }
  });
});

describe('call metrics', () => {
  it('exposes live/started/ended/unknown counts at scrape time', async () => {
    const { Registry } = await import('prom-client');
    const { registerCallMetrics } = await import('../../../src/calls/metrics.ts');
    const { telephony, svc } = setup();
    const reg = new Registry();
    registerCallMetrics(reg, { calls: svc });
    telephony.placeCall({ args: ['hello'] });
    telephony.placeCall({ args: ['nope'] });
    await flush();
    const text = await reg.metrics();
    expect(text).toMatch(/centralita_calls_live 1/);
    expect(text).toMatch(/centralita_calls_started_total 1/);
    expect(text).toMatch(/centralita_calls_unknown_flow_total 1/);
  });
});
