// AMI messages → the PBX port's domain events. CEL records become channel events (one
// conversation per LinkedID); app_queue's events become queue facts and queue-board events.
// Times: the `Timestamp` header (manager.conf timestampevents = yes, microseconds) when
// present, else when the event arrived. A message missing what its kind needs is rejected
// (returned as a reason) — counted and logged by the adapter, never guessed.
import type { PbxEvent, PbxLiveChannel, PbxQueueMember, PbxQueueSnapshot } from '../pbx-port.ts';
import type { AmiMessage } from './protocol.ts';

export type Translated = { events: PbxEvent[] } | { rejected: string };

const STATUS: Record<string, string> = { 0: 'unknown', 1: 'not-in-use', 2: 'in-use', 3: 'busy', 4: 'invalid', 5: 'unavailable', 6: 'ringing', 7: 'ringing', 8: 'on-hold' };

export function eventTime(m: AmiMessage, arrivedAt: number): string {
  const t = m.Timestamp ? Number(m.Timestamp) : NaN;
  return new Date(Number.isFinite(t) ? Math.round(t * 1000) : arrivedAt).toISOString();
}

const num = (v: string | undefined) => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};
const unknown = (v: string | undefined) => (!v || v === '<unknown>' ? '' : v);

function parseExtra(extra: string | undefined): Record<string, unknown> {
  if (!extra) return {};
  try {
    const v = JSON.parse(extra) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function memberOf(m: AmiMessage, nameKey = 'MemberName', ifaceKey = 'Interface'): PbxQueueMember {
  const last = num(m.LastCall);
  return {
    name: m[nameKey] ?? m[ifaceKey] ?? '', interface: m[ifaceKey] ?? '', membership: (m.Membership as PbxQueueMember['membership']) ?? 'static',
    penalty: num(m.Penalty), paused: m.Paused === '1', pausedReason: m.PausedReason ?? '', inCall: m.InCall === '1',
    status: STATUS[m.Status ?? '0'] ?? 'unknown', callsTaken: num(m.CallsTaken), ...(last > 0 ? { lastCallAt: new Date(last * 1000).toISOString() } : {}),
  };
}

/** One AMI event in domain terms; events the PBX port does not use translate to nothing. */
export function translateAmi(m: AmiMessage, arrivedAt: number): Translated {
  const at = eventTime(m, arrivedAt);
  switch (m.Event) {
    case 'CEL':
      return translateCel(m, at);
    case 'QueueCallerJoin':
    case 'QueueCallerLeave':
    case 'QueueCallerAbandon': {
      if (!m.Queue || !m.Uniqueid || !m.Linkedid) return { rejected: `${m.Event} without Queue/Uniqueid/Linkedid` };
      if (m.Event === 'QueueCallerJoin') {
        const caller = { channelId: m.Uniqueid, linkedId: m.Linkedid, callerNumber: unknown(m.CallerIDNum), callerName: unknown(m.CallerIDName), position: num(m.Position), joinedAt: at };
        return { events: [{ kind: 'queue-join', at, linkedId: m.Linkedid, queue: m.Queue }, { kind: 'queue-caller-join', at, queue: m.Queue, caller, count: num(m.Count) }] };
      }
      if (m.Event === 'QueueCallerLeave') return { events: [{ kind: 'queue-caller-leave', at, queue: m.Queue, channelId: m.Uniqueid, linkedId: m.Linkedid, count: num(m.Count) }] };
      const hold = num(m.HoldTime);
      return { events: [{ kind: 'queue-abandon', at, linkedId: m.Linkedid, queue: m.Queue, holdSeconds: hold }, { kind: 'queue-caller-abandon', at, queue: m.Queue, channelId: m.Uniqueid, linkedId: m.Linkedid, holdSeconds: hold }] };
    }
    case 'AgentConnect':
      if (!m.Queue || !m.Linkedid || !m.Interface) return { rejected: 'AgentConnect without Queue/Linkedid/Interface' };
      return { events: [{ kind: 'queue-connect', at, linkedId: m.Linkedid, queue: m.Queue, member: { name: m.MemberName ?? m.Interface, interface: m.Interface }, holdSeconds: num(m.HoldTime) }] };
    case 'QueueMemberAdded':
    case 'QueueMemberStatus':
    case 'QueueMemberPause':
      if (!m.Queue || !m.Interface) return { rejected: `${m.Event} without Queue/Interface` };
      return { events: [{ kind: 'queue-member', at, queue: m.Queue, member: memberOf(m), change: m.Event === 'QueueMemberAdded' ? 'added' : m.Event === 'QueueMemberPause' ? 'paused' : 'status' }] };
    case 'QueueMemberRemoved':
      if (!m.Queue || !m.Interface) return { rejected: 'QueueMemberRemoved without Queue/Interface' };
      return { events: [{ kind: 'queue-member-removed', at, queue: m.Queue, interface: m.Interface }] };
    default:
      return { events: [] };
  }
}

function translateCel(m: AmiMessage, at: string): Translated {
  const linkedId = m.LinkedID;
  const channelId = m.UniqueID;
  if (!linkedId || !channelId || !m.EventName) return { rejected: 'CEL without EventName/UniqueID/LinkedID' };
  const channel = m.Channel ?? '';
  switch (m.EventName) {
    case 'CHAN_START':
      return { events: [{ kind: 'start', at, linkedId, channelId, channel, callerNumber: m.CallerIDnum ?? '', callerName: m.CallerIDname ?? '', context: m.Context ?? '', exten: m.Exten ?? '' }] };
    case 'ANSWER':
      return { events: [{ kind: 'answer', at, linkedId, channelId, channel, callerNumber: m.CallerIDnum ?? '', exten: m.Exten ?? '' }] };
    case 'APP_START':
      return { events: [{ kind: 'app', at, linkedId, channelId, channel, app: m.Application ?? '', data: m.AppData ?? '', context: m.Context ?? '', exten: m.Exten ?? '' }] };
    case 'BRIDGE_ENTER':
    case 'BRIDGE_EXIT': {
      const bridgeId = parseExtra(m.Extra).bridge_id;
      if (typeof bridgeId !== 'string') return { rejected: `${m.EventName} without a bridge_id in Extra` };
      return { events: [{ kind: 'bridge', at, linkedId, channelId, channel, bridgeId, entered: m.EventName === 'BRIDGE_ENTER' }] };
    }
    case 'HANGUP': {
      const x = parseExtra(m.Extra);
      return { events: [{ kind: 'hangup', at, linkedId, channelId, channel, cause: typeof x.hangupcause === 'number' ? x.hangupcause : 0, source: typeof x.hangupsource === 'string' ? x.hangupsource : '', dialStatus: typeof x.dialstatus === 'string' ? x.dialstatus : '' }] };
    }
    case 'LINKEDID_END':
      return { events: [{ kind: 'end', at, linkedId }] };
    default:
      return { events: [] };
  }
}

/** QueueStatus (+ QueueSummary) list events → one snapshot per queue. */
export function queueSnapshots(status: AmiMessage[], nowMs: number): PbxQueueSnapshot[] {
  const byName = new Map<string, PbxQueueSnapshot>();
  const get = (q: string) => {
    let s = byName.get(q);
    if (!s) byName.set(q, (s = { queue: q, strategy: '', members: [], callers: [], completed: 0, abandoned: 0, holdTimeSec: 0, talkTimeSec: 0 }));
    return s;
  };
  for (const e of status) {
    if (!e.Queue) continue;
    const s = get(e.Queue);
    if (e.Event === 'QueueParams') {
      s.strategy = e.Strategy ?? '';
      s.completed = num(e.Completed);
      s.abandoned = num(e.Abandoned);
      s.holdTimeSec = num(e.Holdtime);
      s.talkTimeSec = num(e.TalkTime);
    } else if (e.Event === 'QueueMember') s.members.push(memberOf(e, 'Name', 'Location'));
    else if (e.Event === 'QueueEntry') {
      s.callers.push({
        channelId: e.Uniqueid ?? '', linkedId: e.Uniqueid ?? '', callerNumber: e.CallerIDNum === 'unknown' ? '' : (e.CallerIDNum ?? ''), callerName: e.CallerIDName === 'unknown' ? '' : (e.CallerIDName ?? ''),
        position: num(e.Position), joinedAt: new Date(nowMs - num(e.Wait) * 1000).toISOString(),
      });
    }
  }
  return [...byName.values()];
}

/** `Status` list events → the live channels (age from `Seconds`). */
export function liveChannels(status: AmiMessage[], nowMs: number): PbxLiveChannel[] {
  const out: PbxLiveChannel[] = [];
  for (const e of status) {
    if (e.Event !== 'Status' || !e.Uniqueid || !e.Linkedid) continue;
    out.push({
      channelId: e.Uniqueid, linkedId: e.Linkedid, channel: e.Channel ?? '', callerNumber: unknown(e.CallerIDNum), callerName: unknown(e.CallerIDName),
      context: e.Context ?? '', exten: e.Exten ?? '', startedAt: new Date(nowMs - num(e.Seconds) * 1000).toISOString(), ...(e.BridgeID ? { bridgeId: e.BridgeID } : {}),
    });
  }
  return out;
}
