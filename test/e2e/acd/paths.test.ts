// The ways a caller leaves a queue, end to end over the Telephony port: abandon (with
// ringing legs cancelled), max-wait overflow, leave-when-empty / join-when-empty, full,
// exit key; plus announcements, both sides ending the conversation and late answers.
import { describe, expect, it } from 'vitest';
import type { QueueInput } from '../../../src/acd/queue-config.ts';
import { harness, connectedAgent } from './harness.ts';
import { TelephonyTimeoutError } from '../../../src/errors.ts';

const two = [{ id: 'a1', name: 'Ana', endpoint: 'PJSIP/a1' }, { id: 'a2', endpoint: 'PJSIP/a2' }];
const base = (q: Partial<QueueInput> = {}): Record<string, QueueInput> => ({ q: { strategy: 'ringall', members: two, ringTimeoutSec: 15, retrySec: 3, wrapUpSec: 5, ...q } });

describe('leaving the queue', () => {
  it('abandon: the caller hangs up while agents ring; their legs are cancelled and the agents freed', async () => {
    const h = await harness(base());
    h.tel.phone('PJSIP/a1', { kind: 'noanswer' });
    h.tel.phone('PJSIP/a2', { kind: 'noanswer' });
    await h.loginAll();
    const c = h.call('q');
    await h.run(4000);
    expect(h.tel.liveLegs('PJSIP/a1')).toHaveLength(1);
    h.tel.callerHangup(c.channelId);
    await h.run(10);
    expect(c.outcome()).toEqual({ outcome: 'abandoned', waitSeconds: 4 });
    expect(h.tel.liveLegs('PJSIP/a1')).toHaveLength(0);
    expect(h.tel.liveLegs('PJSIP/a2')).toHaveLength(0);
    expect(h.acd.agent('a1')!.state).toBe('available');
    expect(h.acd.recordFields(c.id)).toEqual({ queue: { id: 'q', waitSeconds: 4, outcome: 'abandoned' } });
    const st = h.acd.getQueueStats()[0]!;
    expect(st).toMatchObject({ offered: 1, abandoned: 1, abandonedShort: 1, answered: 0, waitingNow: 0 });
  });

  it('abandon via the session signal (no telephony event) also cancels the legs', async () => {
    const h = await harness(base());
    await h.loginAll();
    const ac = new AbortController();
    h.tel.placeCaller('ch-x');
    const p = h.acd.join({ callId: 'x', channelId: 'ch-x', queueId: 'q', language: 'es', signal: ac.signal });
    await h.run(2000);
    ac.abort();
    await expect(p).resolves.toEqual({ outcome: 'abandoned', waitSeconds: 2 });
    await h.run(10);
    expect(h.tel.liveLegs('PJSIP/a1')).toHaveLength(0);
  });

  it('an agent who answers after the caller left is hung up politely (prompt, then hangup)', async () => {
    const h = await harness(base({ members: [two[0]!] }));
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 3000, talkMs: 60_000 });
    await h.loginAll();
    // Race: the cancel does not reach the phone before it answers.
    const realHangup = h.tel.hangup.bind(h.tel);
    h.tel.hangup = async (id, reason) => { if (!id.includes('-q')) return realHangup(id, reason); h.tel.hangups.push({ channelId: id, reason }); };
    const c = h.call('q');
    await h.run(1000);
    h.tel.callerHangup(c.channelId);
    h.tel.hangup = realHangup;
    await h.run(2500); // the agent answers at 3 s
    const leg = `${c.id}-q1-a1`;
    expect(h.tel.plays).toContainEqual({ channelId: leg, media: ['sound:vm-goodbye'] });
    expect(h.tel.channels.has(leg)).toBe(true);
    await h.run(5000); // prompt finishes → hung up
    expect(h.tel.channels.has(leg)).toBe(false);
    expect(h.acd.counters.lateAgentAnswer).toBe(1);
    expect(h.acd.agent('a1')!.state).toBe('available');
    expect(h.tel.bridges.size).toBe(0);
  });

  it('max wait: the caller overflows with outcome timeout, MOH stopped, legs cancelled', async () => {
    const h = await harness(base({ maxWaitSec: 40 }));
    h.tel.phone('PJSIP/a1', { kind: 'noanswer' });
    h.tel.phone('PJSIP/a2', { kind: 'noanswer' });
    await h.loginAll();
    const c = h.call('q');
    await h.run(20_000);
    expect(h.tel.channels.get(c.channelId)!.moh).toBe(true);
    await h.run(20_000);
    expect(c.outcome()).toEqual({ outcome: 'timeout', waitSeconds: 40 });
    await h.run(10);
    expect(h.tel.channels.get(c.channelId)!.moh).toBe(false);
    expect(h.tel.liveLegs('PJSIP/a1').length + h.tel.liveLegs('PJSIP/a2').length).toBe(0);
    expect(h.acd.getQueueStats()[0]).toMatchObject({ offered: 1, timeouts: 1 });
  });

  it('leave when empty: waiting callers leave with no-agents when the last agent logs out or pauses', async () => {
    const h = await harness(base({ leaveWhenEmpty: true }));
    await h.loginAll();
    const c1 = h.call('q');
    const c2 = h.call('q');
    await h.run(5000);
    await h.acd.logout('a1');
    await h.run(10);
    expect(c1.outcome()).toBeUndefined();
    await h.acd.pause('a2', 'meeting');
    await h.run(10);
    expect(c1.outcome()).toMatchObject({ outcome: 'no-agents' });
    expect(c2.outcome()).toMatchObject({ outcome: 'no-agents' });
    expect(h.acd.getQueueStats()[0]).toMatchObject({ offered: 2, leftEmpty: 2, waitingNow: 0 });
  });

  it('join when empty = false: rejected at once with no-agents; max callers: full', async () => {
    const h = await harness({ ...base({ joinWhenEmpty: false }), small: { strategy: 'linear', members: [{ id: 'a3', endpoint: 'PJSIP/a3' }], maxCallers: 1 } });
    const c = h.call('q');
    await h.run(0);
    expect(c.outcome()).toEqual({ outcome: 'no-agents', waitSeconds: 0 });
    expect(h.tel.channels.get(c.channelId)!.moh).toBe(false);
    h.call('small');
    const c3 = h.call('small');
    await h.run(0);
    expect(c3.outcome()).toEqual({ outcome: 'full', waitSeconds: 0 });
    const stats = Object.fromEntries(h.acd.getQueueStats().map((s) => [s.queueId, s]));
    expect(stats.q).toMatchObject({ rejectedNoAgents: 1, offered: 0 });
    expect(stats.small).toMatchObject({ rejectedFull: 1, offered: 1, waitingNow: 1 });
  });

  it('exit key: the configured key leaves with exit-key; other keys are ignored', async () => {
    const h = await harness(base({ exitKey: '0', exitTarget: 'voicemail' }));
    await h.loginAll();
    const c = h.call('q');
    await h.run(7000);
    h.acd.dtmf(c.channelId, '5');
    await h.run(10);
    expect(c.outcome()).toBeUndefined();
    h.acd.dtmf(c.channelId, '0');
    await h.run(10);
    expect(c.outcome()).toEqual({ outcome: 'exit-key', waitSeconds: 7.01, digit: '0' });
    expect(h.tel.channels.get(c.channelId)!.moh).toBe(false);
    expect(h.acd.recordFields(c.id)?.queue?.outcome).toBe('exit-key');
    // A DTMF event straight from the PBX works too, and a repeat (session forwarding the
    // same digit) does not count twice.
    const c2 = h.call('q');
    await h.run(1000);
    h.tel.emit({ type: 'dtmf', channelId: c2.channelId, digit: '0', durationMs: 80, at: '' });
    h.acd.dtmf(c2.channelId, '0');
    await h.run(10);
    expect(c2.outcome()).toMatchObject({ outcome: 'exit-key', digit: '0' });
    expect(h.acd.getQueueStats()[0]).toMatchObject({ exitKey: 2, offered: 2 });
  });

  it('announces position and estimated wait periodically, pausing MOH for the prompt', async () => {
    const h = await harness(base({ announce: { frequencySec: 30, language: 'en' } }), { playbackMs: 3000 });
    // No agent logged in: callers wait.
    const c1 = h.call('q');
    const c2 = h.call('q');
    await h.run(30_500);
    const ann = h.tel.plays.filter((p) => p.channelId === c2.channelId);
    expect(ann[0]!.media.slice(0, 3)).toEqual(['sound:queue-thereare', 'number:1', 'sound:queue-callswaiting']);
    expect(h.tel.plays.find((p) => p.channelId === c1.channelId)!.media[0]).toBe('sound:queue-youarenext');
    expect(h.tel.channels.get(c2.channelId)!.moh).toBe(false);
    await h.run(3000);
    expect(h.tel.channels.get(c2.channelId)!.moh).toBe(true);
    await h.run(30_000);
    expect(h.tel.plays.filter((p) => p.channelId === c2.channelId)).toHaveLength(2);
  });
});

describe('originate trouble', () => {
  it('a timed-out originate whose channel exists anyway is hung up, and the phone is not rung again until it is gone', async () => {
    const h = await harness(base({ strategy: 'linear', members: [two[0]!], retrySec: 1 }));
    h.tel.phone('PJSIP/a1', (n) => (n === 1 ? { kind: 'noanswer' } : { kind: 'answer', afterMs: 1000, talkMs: 5000 }));
    await h.loginAll();
    const realOriginate = h.tel.originate.bind(h.tel);
    let first = true;
    // The PBX creates the channel but our request times out.
    h.tel.originate = async (req) => {
      await realOriginate(req);
      if (first) { first = false; throw new TelephonyTimeoutError('originate', 5000); }
      return { channelId: req.channelId! };
    };
    const c = h.call('q');
    await h.run(10);
    expect(h.acd.counters.originateFailed).toBe(1);
    expect(h.tel.liveLegs('PJSIP/a1')).toHaveLength(0); // our hangup reached it
    await h.run(10_000);
    expect(c.outcome()).toMatchObject({ outcome: 'answered', agentId: 'a1' });
    expect(h.tel.violations).toEqual([]);
  });

  it('an originate that fails outright (no channel) frees the phone at once', async () => {
    const h = await harness(base({ strategy: 'linear', members: [two[0]!], retrySec: 1 }));
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000, talkMs: 5000 });
    await h.loginAll();
    const realOriginate = h.tel.originate.bind(h.tel);
    let first = true;
    h.tel.originate = async (req) => {
      if (first) { first = false; throw new Error('400 invalid endpoint'); }
      return realOriginate(req);
    };
    const c = h.call('q');
    await h.run(10_000);
    expect(c.outcome()).toMatchObject({ outcome: 'answered', agentId: 'a1', waitSeconds: 2 });
    expect(h.acd.counters.staleLegs).toBe(0);
  });
});

describe('skills', () => {
  const skilled = [{ id: 'a1', endpoint: 'PJSIP/a1', skills: ['es'] }, { id: 'a2', endpoint: 'PJSIP/a2', skills: ['en', 'es'] }];
  it('a caller needing a skill rings only agents who have it, then anyone after skillsRelaxSec', async () => {
    const h = await harness({ q: { strategy: 'linear', members: skilled, ringTimeoutSec: 15, retrySec: 3, wrapUpSec: 0, skillsRelaxSec: 30 } });
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000 });
    h.tel.phone('PJSIP/a2', { kind: 'answer', afterMs: 1000 });
    await h.loginAll();
    // Linear would pick a1 first; the caller needs English, which only a2 has.
    const first = h.call('q', 'c1', { skills: ['en'] });
    await h.run(2000);
    expect(connectedAgent(h, first.id)).toBe('a2');
    // a2 is busy now: the next English caller waits even though a1 is free...
    const second = h.call('q', 'c2', { skills: ['en'] });
    await h.run(25_000);
    expect(h.tel.originates.filter((o) => o.endpoint === 'PJSIP/a1')).toHaveLength(0);
    expect(connectedAgent(h, second.id)).toBeUndefined();
    // ...until 30 s have passed: then any member may answer.
    await h.run(7000);
    expect(connectedAgent(h, second.id)).toBe('a1');
    expect(h.acd.agent('a1')!.state).toBe('onCall');
  });

  it('a skill nobody staffed has, and no relax time: the caller waits until max wait', async () => {
    const h = await harness({ q: { strategy: 'ringall', members: skilled, ringTimeoutSec: 15, retrySec: 3, wrapUpSec: 0, maxWaitSec: 60 } });
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000 });
    h.tel.phone('PJSIP/a2', { kind: 'answer', afterMs: 1000 });
    await h.loginAll();
    const c = h.call('q', 'c1', { skills: ['fr'] });
    await h.run(61_000);
    expect(c.outcome()).toMatchObject({ outcome: 'timeout' });
    expect(h.tel.originates).toHaveLength(0);
  });
});

describe('the conversation', () => {
  it('caller hangs up during the talk: agent leg hung up, outcome answered, agent wraps up then is available', async () => {
    const h = await harness(base({ members: [two[0]!], wrapUpSec: 20, record: true }));
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 2000 });
    await h.loginAll();
    const c = h.call('q');
    await h.run(2500);
    expect(connectedAgent(h, c.id)).toBe('a1');
    await h.run(60_000);
    h.tel.callerHangup(c.channelId);
    await h.run(10);
    expect(c.outcome()).toEqual({ outcome: 'answered', agentId: 'a1', agentName: 'Ana', waitSeconds: 2, talkSeconds: 60.5 });
    expect(h.tel.liveLegs('PJSIP/a1')).toHaveLength(0);
    expect(h.acd.agent('a1')!.state).toBe('wrapUp');
    await h.run(20_000);
    expect(h.acd.agent('a1')!.state).toBe('available');
    expect(h.acd.recordFields(c.id)).toEqual({
      queue: { id: 'q', waitSeconds: 2, outcome: 'answered', talkSeconds: 60.5 },
      agent: { id: 'a1', name: 'Ana', endpoint: 'PJSIP/a1' },
      recording: { name: `queue-q-${c.id}` },
    });
    // The bridge is recorded (both voices), not just the caller's channel.
    expect(h.tel.recordings).toEqual([{ target: `bridge:acd-${c.id}`, name: `queue-q-${c.id}`, channels: [c.channelId, expect.any(String)] }]);
    const st = h.acd.getQueueStats()[0]!;
    expect(st).toMatchObject({ answered: 1, completed: 1, asaSec: 2, avgTalkSec: 60.5, ahtSec: 80.5, serviceLevelPct: 100 });
    const ag = h.acd.getAgentStats().find((a) => a.agentId === 'a1')!;
    expect(ag).toMatchObject({ answered: 1, talkSec: 60.5 });
  });

  it('pause asked during a call applies after the wrap-up; bus carries agent.state and queue.event', async () => {
    const h = await harness(base({ members: [two[0]!], wrapUpSec: 10 }));
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000, talkMs: 5000 });
    await h.loginAll();
    h.call('q');
    await h.run(2000);
    await h.acd.pause('a1', 'coaching');
    expect(h.acd.agent('a1')!.state).toBe('onCall');
    await h.run(20_000);
    expect(h.acd.agent('a1')).toMatchObject({ state: 'paused', pauseReason: 'coaching' });
    const agentStates = h.busEvents.filter((e) => e.topic === 'agent.state').map((e) => (e.payload as { state: string }).state);
    expect(agentStates).toEqual(['available', 'ringing', 'onCall', 'wrapUp', 'paused']);
    const types = h.busEvents.filter((e) => e.topic === 'queue.event').map((e) => (e.payload as { type: string }).type);
    expect(types).toEqual(['join', 'ring', 'connect', 'complete', 'wrapup']);
    // The wrap-up ran its configured 10 s here (the pause waited for it): measured, not assumed.
    const wrap = h.busEvents.find((e) => e.topic === 'queue.event' && (e.payload as { type: string }).type === 'wrapup')!.payload as { wrapUpSec: number; agentId: string };
    expect(wrap).toMatchObject({ agentId: 'a1', wrapUpSec: 10 });
  });

  it('malformed agent legs and unknown queues are rejected with stable codes and counted', async () => {
    const h = await harness(base());
    h.tel.placeCaller('weird');
    h.acd.handleAgentLegStart({ type: 'call.started', channel: { id: 'weird' } as never, args: ['acd-agent', 'q'], at: '' });
    expect(h.acd.counters.badAgentLegArgs).toBe(1);
    await h.run(6000);
    expect(h.tel.channels.has('weird')).toBe(false);
    await expect(h.acd.join({ callId: 'z', channelId: 'ch-z', queueId: 'nope', language: 'es', signal: new AbortController().signal })).rejects.toMatchObject({ code: 'ACD_UNKNOWN_QUEUE' });
    expect(h.acd.counters.unknownQueueJoins).toBe(1);
    await expect(h.acd.login('ghost')).rejects.toMatchObject({ code: 'ACD_UNKNOWN_AGENT' });
  });
});
