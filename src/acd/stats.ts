// Queue and agent statistics computed by pure functions from the ACD's own event log, so
// the live API, the metrics and a test replaying the records all agree by construction.
// Times are epoch ms; windows are [from, to].
import type { AgentStateName } from './agent-machine.ts';
import type { QueueKpiFigures } from '../domain/queue-kpis.ts';

export type LeaveOutcome = 'abandoned' | 'timeout' | 'exit-key' | 'no-agents';

export type AcdEvent =
  | { type: 'join'; queueId: string; callId: string; at: number; position: number }
  | { type: 'reject'; queueId: string; callId: string; at: number; outcome: 'full' | 'no-agents' }
  | { type: 'ring'; queueId: string; callId: string; at: number; agentIds: string[] }
  | { type: 'ring-failed'; queueId: string; callId: string; at: number; agentId: string; reason: string }
  | { type: 'connect'; queueId: string; callId: string; at: number; agentId: string; waitSec: number }
  | { type: 'complete'; queueId: string; callId: string; at: number; agentId: string; talkSec: number; endedBy: 'caller' | 'agent' | 'system' | 'transfer' }
  // The agent's wrap-up of the call is over (timer, submitted early, paused or logged out): what it really took.
  | { type: 'wrapup'; queueId: string; callId: string; at: number; agentId: string; wrapUpSec: number }
  | { type: 'leave'; queueId: string; callId: string; at: number; outcome: LeaveOutcome; waitSec: number; digit?: string };

export interface AgentStateEvent { agentId: string; state: AgentStateName; reason?: string; at: number }

export interface QueueStatsOptions {
  from: number;
  to: number; // "now" for live values
  serviceLevelSec: number;
  shortAbandonSec: number;
}

export interface QueueStats extends QueueKpiFigures {
  waitingNow: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const avg = (xs: number[]) => (xs.length ? round2(xs.reduce((s, x) => s + x, 0) / xs.length) : null);

export function computeQueueStats(queueId: string, events: readonly AcdEvent[], o: QueueStatsOptions): QueueStats {
  const s: QueueStats = {
    queueId, waitingNow: 0, longestWaitSec: 0, offered: 0, answered: 0, answeredWithinSl: 0, abandoned: 0, abandonedShort: 0,
    timeouts: 0, exitKey: 0, leftEmpty: 0, rejectedFull: 0, rejectedNoAgents: 0, completed: 0,
    serviceLevelPct: null, asaSec: null, ahtSec: null, avgTalkSec: null,
  };
  const waits: number[] = [];
  // AHT = (talk of the conversations that ended + the wrap-up measured after each) / conversations.
  let handleSum = 0;
  const talk: number[] = [];
  const waitingSince = new Map<string, number>();
  for (const e of events) {
    if (e.queueId !== queueId || e.at > o.to) continue;
    // Live "waiting now" looks at the whole log up to `to`, whatever the window.
    if (e.type === 'join') waitingSince.set(e.callId, e.at);
    else if (e.type === 'connect' || e.type === 'leave') waitingSince.delete(e.callId);
    if (e.at < o.from) continue;
    switch (e.type) {
      case 'join': s.offered++; break;
      case 'reject': if (e.outcome === 'full') s.rejectedFull++; else s.rejectedNoAgents++; break;
      case 'connect':
        s.answered++;
        waits.push(e.waitSec);
        if (e.waitSec <= o.serviceLevelSec) s.answeredWithinSl++;
        break;
      case 'complete':
        s.completed++;
        talk.push(e.talkSec);
        handleSum += e.talkSec;
        break;
      case 'wrapup': handleSum += e.wrapUpSec; break;
      case 'leave':
        if (e.outcome === 'abandoned') {
          s.abandoned++;
          if (e.waitSec < o.shortAbandonSec) s.abandonedShort++;
        } else if (e.outcome === 'timeout') s.timeouts++;
        else if (e.outcome === 'exit-key') s.exitKey++;
        else s.leftEmpty++;
        break;
      default: break;
    }
  }
  s.waitingNow = waitingSince.size;
  for (const since of waitingSince.values()) s.longestWaitSec = Math.max(s.longestWaitSec, round2((o.to - since) / 1000));
  const slBase = s.answered + (s.abandoned - s.abandonedShort) + s.timeouts;
  s.serviceLevelPct = slBase ? round2((100 * s.answeredWithinSl) / slBase) : null;
  s.asaSec = avg(waits);
  s.ahtSec = s.completed ? round2(handleSum / s.completed) : null;
  s.avgTalkSec = avg(talk);
  return s;
}

export interface AgentStats {
  agentId: string;
  state: AgentStateName;
  reason?: string;
  since: number | null;
  answered: number;
  ringNoAnswer: number;
  talkSec: number;
  /** Seconds per state inside the window. */
  secondsIn: Record<AgentStateName, number>;
  /** (on call + wrap-up) / (available + ringing + on call + wrap-up), in %: paused and logged-out time excluded. */
  occupancyPct: number | null;
}

const zeroStates = (): Record<AgentStateName, number> => ({ loggedOut: 0, available: 0, ringing: 0, onCall: 0, wrapUp: 0, paused: 0 });

export function computeAgentStats(agentId: string, states: readonly AgentStateEvent[], events: readonly AcdEvent[], o: { from: number; to: number }): AgentStats {
  const secondsIn = zeroStates();
  let cur: AgentStateName = 'loggedOut';
  let reason: string | undefined;
  let since: number | null = null;
  let curAt = Number.NEGATIVE_INFINITY;
  const credit = (until: number) => {
    const a = Math.max(curAt, o.from);
    const b = Math.min(until, o.to);
    if (b > a) secondsIn[cur] += (b - a) / 1000;
  };
  for (const st of states) {
    if (st.agentId !== agentId || st.at > o.to) continue;
    credit(st.at);
    cur = st.state;
    reason = st.reason;
    since = st.at;
    curAt = st.at;
  }
  credit(o.to);
  let answered = 0;
  let ringNoAnswer = 0;
  let talkSec = 0;
  for (const e of events) {
    if (e.at < o.from || e.at > o.to) continue;
    if (e.type === 'connect' && e.agentId === agentId) answered++;
    else if (e.type === 'ring-failed' && e.agentId === agentId) ringNoAnswer++;
    else if (e.type === 'complete' && e.agentId === agentId) talkSec += e.talkSec;
  }
  for (const k of Object.keys(secondsIn) as AgentStateName[]) secondsIn[k] = round2(secondsIn[k]);
  const staffed = secondsIn.available + secondsIn.ringing + secondsIn.onCall + secondsIn.wrapUp;
  return {
    agentId, state: cur, reason, since, answered, ringNoAnswer, talkSec: round2(talkSec), secondsIn,
    occupancyPct: staffed > 0 ? round2((100 * (secondsIn.onCall + secondsIn.wrapUp)) / staffed) : null,
  };
}

/**
 * Drops events older than `cutoff` but keeps what live values still need: joins of callers
 * still waiting and each agent's last state before the cutoff (their state at window start).
 */
export function pruneLogs(events: AcdEvent[], states: AgentStateEvent[], cutoff: number): { events: AcdEvent[]; states: AgentStateEvent[] } {
  const open = new Set<string>();
  for (const e of events) {
    if (e.type === 'join') open.add(e.callId);
    else if (e.type === 'connect' || e.type === 'leave') open.delete(e.callId);
  }
  const keptEvents = events.filter((e) => e.at >= cutoff || (e.type === 'join' && open.has(e.callId)));
  const lastBefore = new Map<string, AgentStateEvent>();
  for (const s of states) if (s.at < cutoff) lastBefore.set(s.agentId, s);
  const keptStates = [...lastBefore.values(), ...states.filter((s) => s.at >= cutoff)].sort((a, b) => a.at - b.at);
  return { events: keptEvents, states: keptStates };
}
