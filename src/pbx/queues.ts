// FreePBX's own queues (app_queue) for the wallboard, beside centralita's ACD queues: members
// with their pause state and reason, callers waiting, completed/abandoned counts. Built from
// the QueueStatus snapshot at every (re)connection and kept current by app_queue's events.
import type { EventBus } from '../domain/event-bus.ts';
import type { PbxEvent, PbxManager, PbxQueueCaller, PbxQueueMember } from '../telephony/pbx-port.ts';

export interface PbxQueueView {
  /** Where the queue lives: FreePBX's app_queue (centralita's ACD queues are under /api/queues). */
  source: 'freepbx';
  queue: string;
  strategy: string;
  members: PbxQueueMember[];
  waiting: (PbxQueueCaller & { waitSeconds: number })[];
  longestWaitSeconds: number;
  /** Counters since app_queue's last reset (QueueStatus) plus what happened since. */
  completed: number;
  abandoned: number;
  /** Abandons seen by this process since it started. */
  abandonedSeen: number;
  holdTimeSec: number;
  talkTimeSec: number;
  membersAvailable: number;
  membersPaused: number;
}

interface QueueState {
  queue: string; strategy: string; members: Map<string, PbxQueueMember>; callers: Map<string, PbxQueueCaller>;
  completed: number; abandoned: number; abandonedSeen: number; holdTimeSec: number; talkTimeSec: number;
}

export interface PbxQueueBoard {
  list(nowMs: number): PbxQueueView[];
  get(queue: string, nowMs: number): PbxQueueView | undefined;
  /** The queues a member interface is in (for role checks: a supervisor's queues). */
  queuesOf(iface: string): string[];
  stop(): void;
}

export function createPbxQueueBoard(o: { pbx: PbxManager; bus?: EventBus }): PbxQueueBoard {
  const queues = new Map<string, QueueState>();
  const q = (name: string): QueueState => {
    let s = queues.get(name);
    if (!s) queues.set(name, (s = { queue: name, strategy: '', members: new Map(), callers: new Map(), completed: 0, abandoned: 0, abandonedSeen: 0, holdTimeSec: 0, talkTimeSec: 0 }));
    return s;
  };
  const tell = (queueId: string, type: string, at: string, extra: Record<string, unknown> = {}) => o.bus?.emit('queue.event', { queueId: `pbx:${queueId}`, type, at, source: 'freepbx', ...extra });

  function onEvent(e: PbxEvent) {
    switch (e.kind) {
      case 'resync':
        queues.clear();
        for (const s of e.queues) {
          const st = q(s.queue);
          st.strategy = s.strategy;
          st.completed = s.completed;
          st.abandoned = s.abandoned;
          st.holdTimeSec = s.holdTimeSec;
          st.talkTimeSec = s.talkTimeSec;
          for (const m of s.members) st.members.set(m.interface, m);
          for (const c of s.callers) st.callers.set(c.channelId, c);
        }
        return;
      case 'queue-caller-join':
        q(e.queue).callers.set(e.caller.channelId, e.caller);
        return tell(e.queue, 'caller-joined', e.at, { callerNumber: e.caller.callerNumber });
      case 'queue-caller-leave':
        if (q(e.queue).callers.delete(e.channelId)) tell(e.queue, 'caller-left', e.at);
        return;
      case 'queue-caller-abandon': {
        const st = q(e.queue);
        st.callers.delete(e.channelId);
        st.abandoned++;
        st.abandonedSeen++;
        return tell(e.queue, 'abandoned', e.at, { holdSeconds: e.holdSeconds });
      }
      case 'queue-connect':
        q(e.queue).completed++;
        return tell(e.queue, 'answered', e.at, { member: e.member.name, holdSeconds: e.holdSeconds });
      case 'queue-member': {
        const st = q(e.queue);
        const before = st.members.get(e.member.interface);
        st.members.set(e.member.interface, e.member);
        if (e.change !== 'status' || before?.status !== e.member.status || before?.inCall !== e.member.inCall) {
          o.bus?.emit('agent.state', { agentId: `pbx:${e.member.interface}`, state: e.member.paused ? 'paused' : e.member.status, ...(e.member.paused && e.member.pausedReason ? { reason: e.member.pausedReason } : {}), at: e.at });
        }
        return;
      }
      case 'queue-member-removed':
        q(e.queue).members.delete(e.interface);
        return;
      default:
        return;
    }
  }

  const view = (s: QueueState, nowMs: number): PbxQueueView => {
    const waiting = [...s.callers.values()].sort((a, b) => a.position - b.position).map((c) => ({ ...c, waitSeconds: Math.max(0, Math.round((nowMs - Date.parse(c.joinedAt)) / 1000)) }));
    const members = [...s.members.values()];
    return {
      source: 'freepbx', queue: s.queue, strategy: s.strategy, members, waiting, longestWaitSeconds: waiting.reduce((m, c) => Math.max(m, c.waitSeconds), 0),
      completed: s.completed, abandoned: s.abandoned, abandonedSeen: s.abandonedSeen, holdTimeSec: s.holdTimeSec, talkTimeSec: s.talkTimeSec,
      membersAvailable: members.filter((m) => !m.paused && !m.inCall && m.status === 'not-in-use').length, membersPaused: members.filter((m) => m.paused).length,
    };
  };

  const off = o.pbx.onEvent(onEvent);
  return {
    list: (nowMs) => [...queues.values()].sort((a, b) => a.queue.localeCompare(b.queue)).map((s) => view(s, nowMs)),
    get: (name, nowMs) => { const s = queues.get(name); return s ? view(s, nowMs) : undefined; },
    queuesOf: (iface) => [...queues.values()].filter((s) => s.members.has(iface)).map((s) => s.queue),
    stop: off,
  };
}
