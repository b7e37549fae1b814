import { describe, expect, it } from 'vitest';
import { computeAgentStats, computeQueueStats, pruneLogs, type AcdEvent, type AgentStateEvent } from '../../../src/acd/stats.ts';
import { announcementMedia, estimateWaitSec } from '../../../src/acd/announce.ts';

const S = 1000;
const opts = (to: number, from = 0) => ({ from, to, serviceLevelSec: 20, shortAbandonSec: 5 });

describe('queue statistics', () => {
  const events: AcdEvent[] = [
    { type: 'join', queueId: 'q', callId: 'a', at: 0, position: 1 },
    { type: 'join', queueId: 'q', callId: 'b', at: 1 * S, position: 2 },
    { type: 'join', queueId: 'q', callId: 'c', at: 2 * S, position: 3 },
    { type: 'join', queueId: 'q', callId: 'd', at: 3 * S, position: 4 },
    { type: 'join', queueId: 'other', callId: 'x', at: 3 * S, position: 1 },
    { type: 'connect', queueId: 'q', callId: 'a', agentId: 'ag', at: 10 * S, waitSec: 10 },
    { type: 'leave', queueId: 'q', callId: 'b', at: 4 * S, outcome: 'abandoned', waitSec: 3 },
    { type: 'leave', queueId: 'q', callId: 'c', at: 62 * S, outcome: 'abandoned', waitSec: 60 },
    { type: 'complete', queueId: 'q', callId: 'a', agentId: 'ag', at: 100 * S, talkSec: 90, endedBy: 'agent' },
    // The agent submitted the wrap-up after 3 s (the queue's configured wrap-up plays no part in AHT).
    { type: 'wrapup', queueId: 'q', callId: 'a', agentId: 'ag', at: 103 * S, wrapUpSec: 3 },
    { type: 'reject', queueId: 'q', callId: 'e', at: 5 * S, outcome: 'full' },
  ];

  it('counts offered/answered/abandoned (short), SL, ASA, AHT and live waiting', () => {
    const s = computeQueueStats('q', events, opts(103 * S));
    expect(s).toMatchObject({
      offered: 4, answered: 1, answeredWithinSl: 1, abandoned: 2, abandonedShort: 1, rejectedFull: 1, completed: 1,
      waitingNow: 1, longestWaitSec: 100, asaSec: 10, avgTalkSec: 90, ahtSec: 93,
    });
    // SL: 1 answered in time / (1 answered + 1 long abandon) = 50 %.
    expect(s.serviceLevelPct).toBe(50);
  });

  it('windows: events before `from` are not counted, but a caller still waiting is', () => {
    const s = computeQueueStats('q', events, opts(103 * S, 50 * S));
    expect(s).toMatchObject({ offered: 0, answered: 0, abandoned: 1, completed: 1, waitingNow: 1 });
    expect(s.asaSec).toBeNull();
  });

  it('empty queue: nulls, not NaN', () => {
    const s = computeQueueStats('none', events, opts(103 * S));
    expect(s).toMatchObject({ offered: 0, serviceLevelPct: null, asaSec: null, ahtSec: null, waitingNow: 0 });
  });
});

describe('agent statistics', () => {
  const states: AgentStateEvent[] = [
    { agentId: 'ag', state: 'available', at: 0 },
    { agentId: 'ag', state: 'ringing', at: 10 * S },
    { agentId: 'ag', state: 'onCall', at: 15 * S },
    { agentId: 'ag', state: 'wrapUp', at: 45 * S },
    { agentId: 'ag', state: 'available', at: 55 * S },
    { agentId: 'ag', state: 'paused', reason: 'lunch', at: 60 * S },
  ];
  it('time per state inside the window, occupancy excluding pause, current state and reason', () => {
    const a = computeAgentStats('ag', states, [], { from: 0, to: 100 * S });
    expect(a.secondsIn).toMatchObject({ available: 15, ringing: 5, onCall: 30, wrapUp: 10, paused: 40 });
    expect(a.occupancyPct).toBe(66.67);
    expect(a).toMatchObject({ state: 'paused', reason: 'lunch', since: 60 * S });
    const late = computeAgentStats('ag', states, [], { from: 50 * S, to: 100 * S });
    expect(late.secondsIn).toMatchObject({ wrapUp: 5, available: 5, paused: 40, onCall: 0 });
  });

  it('pruning keeps the state at the cut and joins of callers still waiting', () => {
    const ev: AcdEvent[] = [
      { type: 'join', queueId: 'q', callId: 'old-open', at: 0, position: 1 },
      { type: 'join', queueId: 'q', callId: 'old-done', at: 0, position: 2 },
      { type: 'leave', queueId: 'q', callId: 'old-done', at: 1, outcome: 'timeout', waitSec: 0 },
    ];
    const p = pruneLogs(ev, states, 58 * S);
    expect(p.events.map((e) => e.callId)).toEqual(['old-open']);
    expect(p.states.map((s) => s.state)).toEqual(['available', 'paused']);
    const a = computeAgentStats('ag', p.states, [], { from: 58 * S, to: 100 * S });
    expect(a.secondsIn).toMatchObject({ available: 2, paused: 40 });
  });
});

describe('announcements', () => {
  it('next in line / callers ahead, wait in minutes or "less than one minute"', () => {
    expect(announcementMedia({ position: 1, estimatedWaitSec: 20, sayPosition: true, sayEstimatedWait: true })).toEqual(
      ['sound:queue-youarenext', 'sound:queue-holdtime', 'sound:queue-less-than', 'number:1', 'sound:queue-minutes', 'sound:queue-thankyou']);
    expect(announcementMedia({ position: 4, estimatedWaitSec: 150, sayPosition: true, sayEstimatedWait: true })).toEqual(
      ['sound:queue-thereare', 'number:3', 'sound:queue-callswaiting', 'sound:queue-holdtime', 'number:3', 'sound:queue-minutes', 'sound:queue-thankyou']);
    expect(announcementMedia({ position: 4, estimatedWaitSec: null, sayPosition: false, sayEstimatedWait: true })).toEqual([]);
  });
  it('estimates from handle time and staffing, else the smoothed hold time', () => {
    expect(estimateWaitSec(3, 2, 200, 30)).toBe(300);
    expect(estimateWaitSec(3, 0, 200, 30)).toBe(30);
    expect(estimateWaitSec(3, 2, null, null)).toBeNull();
  });
});
