// What the ACD does when the PBX misbehaves the way a real Asterisk does: an announcement that
// cannot be played (issue 12: dead air in queues), a PBX restart with agent legs ringing (issue
// 13 fix 5: the agent must be rung again at once, not after the 120 s backstop), device states
// it must subscribe to (fix 7) and the hangup cause behind a failed ring (fix 4).
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { QueueInput } from '../../../src/acd/queue-config.ts';
import { harness } from './harness.ts';

const one = [{ id: 'a1', endpoint: 'PJSIP/a1' }];
const two = [{ id: 'a1', endpoint: 'PJSIP/a1' }, { id: 'a2', endpoint: 'PJSIP/a2' }];
const q = (members = one, extra: Partial<QueueInput> = {}): Record<string, QueueInput> => ({ q: { strategy: 'ringall', members, ringTimeoutSec: 15, retrySec: 3, wrapUpSec: 5, ...extra } });

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>); } });
  return { logger, lines };
}

describe('no dead air in queues (issue 12)', () => {
  for (const fault of ['failed', 'reject', 'never'] as const) {
    it(`an announcement that ${fault === 'failed' ? 'fails at once (missing prompt, before the 201)' : fault === 'reject' ? 'the PBX refuses' : 'never reports its end'}: music on hold comes back, and it is logged with the call`, async () => {
      const { logger, lines } = captureLogs();
      const h = await harness(q(one, { announce: { frequencySec: 20, language: 'es' } }), { playFault: (media) => (media[0]?.startsWith('sound:queue-') ? fault : undefined), logger });
      const c = h.call('q'); // nobody logged in: the caller waits on MOH
      await h.run(1000);
      expect(h.tel.channels.get(c.channelId)!.moh).toBe(true);
      await h.run(20_000); // the announcement is due
      expect(h.tel.plays.some((p) => p.channelId === c.channelId && p.media[0] === 'sound:queue-youarenext')).toBe(true);
      await h.run(fault === 'never' ? 17_000 : 100); // 'never': restored by the guard (8 s per item), before the next announcement
      expect(h.tel.channels.get(c.channelId)!.moh).toBe(true);
      const line = lines.find((l) => l.msg === 'queue announcement did not play; music on hold restored');
      expect(line).toMatchObject({ callId: c.id, channelId: c.channelId, queueId: 'q' });
      expect(h.acd.counters.announcementFailures).toBeGreaterThanOrEqual(1);
    });
  }

  it('an announcement that plays to the end also gives MOH back (and is not counted as a failure)', async () => {
    const h = await harness(q(one, { announce: { frequencySec: 20 } }), { playbackMs: 2000 });
    const c = h.call('q');
    await h.run(20_500);
    expect(h.tel.channels.get(c.channelId)!.moh).toBe(false);
    await h.run(2000);
    expect(h.tel.channels.get(c.channelId)!.moh).toBe(true);
    expect(h.acd.counters.announcementFailures).toBe(0);
  });
});

describe('after a PBX restart (issue 13 fix 5)', () => {
  it('an agent whose leg died with the PBX is rung again as soon as the app reconnects, not after 120 s', async () => {
    const h = await harness(q(one, { ringTimeoutSec: 60 }));
    h.tel.phone('PJSIP/a1', { kind: 'noanswer' });
    await h.loginAll();
    const first = h.call('q');
    await h.run(2000);
    expect(h.tel.liveLegs('PJSIP/a1')).toHaveLength(1);
    h.tel.crash(); // every channel gone, no events; reconnect 1 s later
    await h.run(1500);
    expect(h.acd.counters.resyncedLegs).toBe(1);
    expect(h.acd.liveCalls()).toEqual([]); // the caller vanished with the PBX
    expect(first.outcome()).toMatchObject({ outcome: 'abandoned' });
    // A new caller after the restart: the agent's phone is rung at once.
    h.tel.phone('PJSIP/a1', { kind: 'answer', afterMs: 1000, talkMs: 5000 });
    const next = h.call('q');
    await h.run(5000);
    expect(h.acd.liveCalls().find((c) => c.callId === next.id)).toMatchObject({ phase: 'bridged', agentId: 'a1' });
  });
});

describe('device states (issue 13 fix 7)', () => {
  it('subscribes to every agent phone\'s device state (not endpoint:, which repeats channel events)', async () => {
    const h = await harness(q(two));
    expect([...h.tel.subscriptions].sort()).toEqual(['deviceState:PJSIP/a1', 'deviceState:PJSIP/a2']);
  });
});

describe('why a ring failed (issue 13 fix 4)', () => {
  it('a 603 (Dial status NOANSWER, cause 21) is "declined", a 404 (cause 1) "unknown-number"', async () => {
    const h = await harness(q(two));
    await h.loginAll();
    const c = h.call('q');
    await h.run(100);
    // Asterisk 22: Dial NOANSWER, then ChannelDestroyed with the real cause.
    for (const [agent, cause] of [['a1', 21], ['a2', 1]] as const) {
      const leg = `${c.id}-q1-${agent}`;
      h.tel.emit({ type: 'dial', peerId: leg, status: 'NOANSWER', at: new Date(h.clock.now()).toISOString() });
      h.tel.channels.delete(leg);
      h.tel.emit({ type: 'channel.destroyed', channelId: leg, cause, causeText: '', at: new Date(h.clock.now()).toISOString() });
    }
    await h.run(10);
    const reasons = h.acd.log().events.filter((e) => e.type === 'ring-failed').map((e) => (e as { agentId: string; reason: string }).agentId + ':' + (e as { reason: string }).reason);
    expect(reasons).toEqual(['a1:declined', 'a2:unknown-number']);
  });
});
