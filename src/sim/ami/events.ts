// What the channel core does, as Asterisk 22's manager reports it: channel snapshots
// (manager_channels.c), Newchannel/Newstate/Hangup, DialBegin/DialState/DialEnd,
// BridgeEnter/BridgeLeave (class call), the CEL records of cel_manager (class call, one
// `Event: CEL` per channel event, LINKEDID_END when a conversation's last channel goes), and
// app_queue's events (class agent). Each event is rendered once and handed to the server.
import type { Chan } from '../model.ts';
import type { AmiCore } from '../ami-core.ts';
import type { ChannelObserver, QueueMemberView, QueueObservation } from '../observer.ts';
import { causeText } from '../../domain/hangup-causes.ts';

export type AmiFields = Record<string, string | number>;
export interface AmiOut { name: string; cls: 'call' | 'agent' | 'system'; fields: AmiFields }

export const STATE_NUM: Record<string, number> = { Down: 0, Rsrved: 1, OffHook: 2, Dialing: 3, Ring: 4, Ringing: 5, Up: 6, Busy: 7 };

/** ast_manager_build_channel_state_string_prefix: the headers every channel event carries. */
export function snapshot(c: Chan, prefix = ''): AmiFields {
  const st = STATE_NUM[c.state] ?? 0;
  return {
    [`${prefix}Channel`]: c.name, [`${prefix}ChannelState`]: st, [`${prefix}ChannelStateDesc`]: c.state === 'Rsrved' ? 'Rsrvd' : c.state,
    [`${prefix}CallerIDNum`]: c.caller.number || '<unknown>', [`${prefix}CallerIDName`]: c.caller.name || '<unknown>',
    [`${prefix}ConnectedLineNum`]: c.connected.number || '<unknown>', [`${prefix}ConnectedLineName`]: c.connected.name || '<unknown>',
    [`${prefix}Language`]: c.language, [`${prefix}AccountCode`]: '', [`${prefix}Context`]: c.dialplan.context, [`${prefix}Exten`]: c.dialplan.exten,
    [`${prefix}Priority`]: c.dialplan.priority, [`${prefix}Uniqueid`]: c.id, [`${prefix}Linkedid`]: c.linkedid,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
/** cel_manager's EventTime: "%Y-%m-%d %T" in the PBX's zone (UTC here). */
function celTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export interface EventOptions {
  /** cel.conf `apps`: applications whose APP_START/APP_END are reported (lower case; `all`). */
  celApps: string[];
  /** cel.conf `[manager] enabled`. */
  cel: boolean;
}

/** An observer of the core that renders AMI events into `out`. */
export function amiEvents(core: AmiCore, opts: EventOptions, out: (e: AmiOut) => void): ChannelObserver & { linkedCount: Map<string, number> } {
  const linkedCount = new Map<string, number>();
  const dialStatus = new Map<string, string>();
  const bridges = new Map<string, { id: string; technology: string }>();
  const now = () => core.clock.now();
  const tracked = (app: string) => opts.celApps.includes('all') || opts.celApps.includes(app.toLowerCase());

  function cel(c: Chan, eventName: string, o: { peer?: string; extra?: string; app?: { name: string; data: string } } = {}) {
    if (!opts.cel) return;
    out({
      name: 'CEL', cls: 'call', fields: {
        EventName: eventName, AccountCode: '', CallerIDnum: c.caller.number, CallerIDname: c.caller.name, CallerIDani: c.caller.number,
        CallerIDrdnis: '', CallerIDdnid: c.vars.get('__DNID') ?? '', Exten: c.dialplan.exten, Context: c.dialplan.context, Channel: c.name,
        Application: o.app?.name ?? c.dialplan.app_name, AppData: o.app?.data ?? c.dialplan.app_data, EventTime: celTime(now()), AMAFlags: 'DOCUMENTATION',
        UniqueID: c.id, LinkedID: c.linkedid, Userfield: '', Peer: o.peer ?? '', PeerAccount: '', Extra: o.extra ?? '',
      },
    });
  }

  return {
    linkedCount,
    created(c) {
      linkedCount.set(c.linkedid, (linkedCount.get(c.linkedid) ?? 0) + 1);
      out({ name: 'Newchannel', cls: 'call', fields: snapshot(c) });
      cel(c, 'CHAN_START', { app: { name: '', data: '' } });
    },
    state(c) {
      out({ name: 'Newstate', cls: 'call', fields: snapshot(c) });
      if (c.state === 'Up') cel(c, 'ANSWER');
    },
    app(c, prev) {
      if (prev.app && tracked(prev.app)) cel(c, 'APP_END', { app: { name: prev.app, data: prev.data } });
      if (c.dialplan.app_name && tracked(c.dialplan.app_name)) cel(c, 'APP_START');
    },
    bridge(c, b, entered) {
      const others = b.members.filter((m) => m !== c).map((m) => m.name).join(',');
      const fields: AmiFields = {
        BridgeUniqueid: b.id, BridgeType: b.technology === 'native_rtp' || b.technology === 'simple_bridge' ? 'basic' : 'stasis', BridgeTechnology: b.technology,
        BridgeCreator: '<unknown>', BridgeName: '<unknown>', BridgeNumChannels: b.members.length, BridgeVideoSourceMode: 'none', ...snapshot(c),
      };
      out({ name: entered ? 'BridgeEnter' : 'BridgeLeave', cls: 'call', fields });
      if (entered) bridges.set(c.id, b);
      else bridges.delete(c.id);
      cel(c, entered ? 'BRIDGE_ENTER' : 'BRIDGE_EXIT', { peer: others, extra: JSON.stringify({ bridge_id: b.id, bridge_technology: b.technology }) });
    },
    dial(peer, status, dialstring, caller) {
      const base = { ...(caller ? snapshot(caller) : {}), ...snapshot(peer, 'Dest') };
      if (status === '') out({ name: 'DialBegin', cls: 'call', fields: { ...base, DialString: dialstring || peer.resource } });
      else if (status === 'RINGING' || status === 'PROGRESS' || status === 'PROCEEDING') out({ name: 'DialState', cls: 'call', fields: { ...base, DialStatus: status } });
      else {
        out({ name: 'DialEnd', cls: 'call', fields: { ...base, DialStatus: status } });
        if (caller) dialStatus.set(caller.id, status);
      }
    },
    ended(c, cause) {
      out({ name: 'Hangup', cls: 'call', fields: { ...snapshot(c), Cause: cause, 'Cause-txt': causeText(cause) } });
      const source = c.hangupSource ?? (c.hangupSide === 'far' ? c.name : '');
      cel(c, 'HANGUP', { extra: JSON.stringify({ hangupcause: cause, hangupsource: source, dialstatus: dialStatus.get(c.id) ?? '' }) });
      cel(c, 'CHAN_END');
      dialStatus.delete(c.id);
      const n = (linkedCount.get(c.linkedid) ?? 1) - 1;
      if (n > 0) linkedCount.set(c.linkedid, n);
      else {
        linkedCount.delete(c.linkedid);
        cel(c, 'LINKEDID_END');
      }
    },
    queue(e) {
      out(queueEvent(e));
    },
  };
}

/** The member headers of QueueMember* events (app_queue's queue_member_blob_create). */
export function memberFields(queue: string, m: QueueMemberView): AmiFields {
  return {
    Queue: queue, MemberName: m.name, Interface: m.interface, StateInterface: m.stateInterface, Membership: m.membership, Penalty: m.penalty,
    CallsTaken: m.callsTaken, LastCall: m.lastCall, LastPause: m.lastPause, LoginTime: m.loginTime, InCall: m.inCall ? 1 : 0, Status: m.status,
    Paused: m.paused ? 1 : 0, PausedReason: m.pausedReason, Ringinuse: 1, Wrapuptime: m.wrapupTime,
  };
}

function queueEvent(e: QueueObservation): AmiOut {
  const agent = (name: string, fields: AmiFields): AmiOut => ({ name, cls: 'agent', fields });
  switch (e.type) {
    case 'join':
      return agent('QueueCallerJoin', { ...snapshot(e.caller), Queue: e.queue, Position: e.position, Count: e.count });
    case 'leave':
      return agent('QueueCallerLeave', { ...snapshot(e.caller), Queue: e.queue, Count: e.count, Position: e.position });
    case 'abandon':
      return agent('QueueCallerAbandon', { ...snapshot(e.caller), Queue: e.queue, Position: e.position, OriginalPosition: e.originalPosition, HoldTime: e.holdTime });
    case 'called':
      return agent('AgentCalled', { ...snapshot(e.caller), ...snapshot(e.dest, 'Dest'), Queue: e.queue, MemberName: e.member.name, Interface: e.member.interface });
    case 'ringnoanswer':
      return agent('AgentRingNoAnswer', { ...snapshot(e.caller), ...snapshot(e.dest, 'Dest'), Queue: e.queue, MemberName: e.member.name, Interface: e.member.interface, RingTime: e.ringTime * 1000 });
    case 'connect':
      return agent('AgentConnect', { ...snapshot(e.caller), ...snapshot(e.dest, 'Dest'), Queue: e.queue, MemberName: e.member.name, Interface: e.member.interface, HoldTime: e.holdTime, RingTime: e.ringTime });
    case 'complete':
      return agent('AgentComplete', { ...snapshot(e.caller), ...snapshot(e.dest, 'Dest'), Queue: e.queue, MemberName: e.member.name, Interface: e.member.interface, HoldTime: e.holdTime, TalkTime: e.talkTime, Reason: e.reason });
    case 'member':
      return agent(e.event, memberFields(e.queue, e.member));
  }
}
