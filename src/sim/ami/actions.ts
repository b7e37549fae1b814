// The AMI actions the simulated PBX answers, with Asterisk 22's privileges, messages and
// list shapes: Ping, Originate (OriginateResponse when Async), Hangup, Status,
// CoreShowChannels, QueueStatus, QueueSummary, QueueAdd, QueueRemove, QueuePause,
// MixMonitor, StopMixMonitor. Everything else: "Invalid/unknown command".
import type { AmiCore } from '../ami-core.ts';
import type { Chan } from '../model.ts';
import { AriError } from '../model.ts';
import { QueueActionError } from '../app-queue.ts';
import { memberFields, snapshot, type AmiFields } from './events.ts';

/** The write class each action needs (manager.c / app_queue.c / app_mixmonitor.c registrations); any one suffices. */
export const ACTION_CLASSES: Record<string, string[]> = {
  ping: [], login: [], logoff: [], events: [], queuestatus: [], queuesummary: [],
  originate: ['originate'], hangup: ['system', 'call'], status: ['system', 'call', 'reporting'], coreshowchannels: ['system', 'reporting'],
  queueadd: ['agent'], queueremove: ['agent'], queuepause: ['agent'], mixmonitor: ['system'], stopmixmonitor: ['system', 'call'],
};

export interface ActionContext {
  core: AmiCore;
  /** Sends one message to this session (Response or list event); ActionID is added. */
  send(fields: AmiFields): void;
  /** A list: Response with `EventList: start`, the events, then the `<name>Complete` event. */
  list(message: string, completeEvent: string, items: AmiFields[], extra?: AmiFields): void;
  /** Async originate: the OriginateResponse event goes to this session's events. */
  emitEvent(name: string, fields: AmiFields): void;
  recordings: Map<string, string>;
  mixEvent(c: Chan, start: boolean): void;
}

const ok = (message?: string, extra: AmiFields = {}): AmiFields => ({ Response: 'Success', ...(message ? { Message: message } : {}), ...extra });
const err = (message: string): AmiFields => ({ Response: 'Error', Message: message });
const tsNow = (ms: number) => `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;

/** Originate's Reason: 4 answered, 5 busy, 3 no answer, 8 congestion, 1 other failure (manager.c / dial.c). */
function originateReason(cause: number | undefined): number {
  if (cause === 17) return 5;
  if (cause === 18 || cause === 19 || cause === 21) return 3;
  if (cause === 34) return 8;
  return 1;
}

export function runAction(a: ActionContext, name: string, m: Record<string, string>): void {
  const { core } = a;
  const t = () => core.clock.now();
  switch (name) {
    case 'ping':
      return a.send(ok(undefined, { Ping: 'Pong', Timestamp: tsNow(t()) }));
    case 'originate': {
      const chan = m.Channel;
      if (!chan) return a.send(err('Channel not specified'));
      if (m.Application) return a.send(err('Application origination is not modelled by the simulator'));
      if (!m.Exten || !m.Context) return a.send(err('Context and Exten are required'));
      const timeoutMs = m.Timeout ? Number(m.Timeout) : 30_000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return a.send(err('Invalid timeout'));
      const variables: Record<string, string> = {};
      for (const v of (m.Variable ?? '').split('\n').filter(Boolean)) {
        for (const pair of v.split(',')) {
          const eq = pair.indexOf('=');
          if (eq > 0) variables[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
      }
      let c: Chan;
      try {
        c = core.originate({
          endpoint: chan, context: m.Context, extension: m.Exten, priority: m.Priority ? Number(m.Priority) : 1, callerId: m.CallerID,
          timeoutSec: timeoutMs / 1000, channelId: m.ChannelId, otherChannelId: m.OtherChannelId, variables,
        });
      } catch (e) {
        // Asterisk answers a bad channel with the same message whether async or not.
        return a.send(err(e instanceof AriError && e.status === 409 ? 'Channel with that unique ID already exists' : 'Originate failed'));
      }
      const async = /^(true|yes|1|on)$/i.test(m.Async ?? '');
      const report = (answered: boolean, cause?: number) => {
        const fields: AmiFields = {
          Response: answered ? 'Success' : 'Failure', Channel: c.name, Context: m.Context!, Exten: m.Exten!, Application: '', Data: '',
          Reason: answered ? 4 : originateReason(cause), Uniqueid: c.id, CallerIDNum: c.caller.number || '<unknown>', CallerIDName: c.caller.name || '<unknown>',
          ...(m.ActionID !== undefined ? { ActionID: m.ActionID } : {}),
        };
        if (async) a.emitEvent('OriginateResponse', fields);
        else a.send(answered ? ok('Originate successfully queued') : err('Originate failed'));
      };
      if (async) a.send(ok('Originate successfully queued'));
      const off = core.addObserver({
        state(ch) { if (ch === c && ch.state === 'Up') { off(); report(true); } },
        ended(ch, cause) { if (ch === c) { off(); report(false, cause); } },
      });
      return;
    }
    case 'hangup': {
      const target = m.Channel;
      if (!target) return a.send(err('No channel specified'));
      const cause = m.Cause ? Number(m.Cause) : 16;
      let chans: Chan[];
      if (target.startsWith('/') && target.endsWith('/') && target.length > 2) {
        let re: RegExp;
        try { re = new RegExp(target.slice(1, -1)); } catch { return a.send(err('Invalid regex')); }
        chans = core.channels().filter((c) => re.test(c.name));
        for (const c of chans) core.hangup(c, cause);
        return a.send(ok('Channels hung up', { Count: chans.length }));
      }
      const c = core.find(target);
      if (!c) return a.send(err('No such channel'));
      core.hangup(c, Number.isFinite(cause) ? cause : 16);
      return a.send(ok('Channel Hungup'));
    }
    case 'status': {
      const chans = m.Channel ? [core.find(m.Channel)].filter((c): c is Chan => !!c) : core.channels();
      if (m.Channel && !chans.length) return a.send(err('No such channel'));
      const now = t();
      return a.list('Channel status will follow', 'StatusComplete', chans.map((c) => ({
        Privilege: 'Call', ...snapshot(c), Type: c.tech, DNID: '', EffectiveConnectedLineNum: c.connected.number || '<unknown>', EffectiveConnectedLineName: c.connected.name || '<unknown>',
        TimeToHangup: 0, BridgeID: c.bridge?.id ?? c.dialBridge?.id ?? '', Application: c.dialplan.app_name, Data: c.dialplan.app_data,
        Nativeformats: '(ulaw)', Readformat: 'ulaw', Readtrans: '', Writeformat: 'ulaw', Writetrans: '', Callgroup: 0, Pickupgroup: 0,
        Seconds: Math.max(0, Math.floor((now - Date.parse(c.creationtime.replace(/(\d{2})(\d{2})$/, '$1:$2'))) / 1000)),
      })), { Items: chans.length });
    }
    case 'coreshowchannels': {
      const now = t();
      return a.list('Channels will follow', 'CoreShowChannelsComplete', core.channels().map((c) => ({
        ...snapshot(c), BridgeId: c.bridge?.id ?? c.dialBridge?.id ?? '', Application: c.dialplan.app_name, ApplicationData: c.dialplan.app_data,
        Duration: duration(now - Date.parse(c.creationtime.replace(/(\d{2})(\d{2})$/, '$1:$2'))),
      })));
    }
    case 'queuestatus': {
      const qs = core.queues.snapshots(m.Queue || undefined);
      const items: AmiFields[] = [];
      for (const q of qs) {
        items.push({ Event: 'QueueParams', Queue: q.name, Max: q.max, Strategy: q.strategy, Calls: q.calls, Holdtime: q.holdtime, TalkTime: q.talktime, Completed: q.completed, Abandoned: q.abandoned, ServiceLevel: 0, ServicelevelPerf: '0.0', ServicelevelPerf2: '0.0', Weight: 0 });
        for (const mb of q.members) {
          if (m.Member && m.Member !== mb.interface && m.Member !== mb.name) continue;
          const f = memberFields(q.name, mb);
          items.push({ Event: 'QueueMember', Queue: q.name, Name: mb.name, Location: mb.interface, StateInterface: mb.stateInterface, Membership: f.Membership!, Penalty: f.Penalty!, CallsTaken: f.CallsTaken!, LastCall: f.LastCall!, LastPause: f.LastPause!, LoginTime: f.LoginTime!, InCall: f.InCall!, Status: f.Status!, Paused: f.Paused!, PausedReason: f.PausedReason!, Wrapuptime: f.Wrapuptime! });
        }
        for (const e of q.entries) {
          items.push({ Event: 'QueueEntry', Queue: q.name, Position: e.position, Channel: e.caller.name, Uniqueid: e.caller.id, CallerIDNum: e.caller.caller.number || 'unknown', CallerIDName: e.caller.caller.name || 'unknown', ConnectedLineNum: e.caller.connected.number || 'unknown', ConnectedLineName: e.caller.connected.name || 'unknown', Wait: e.wait, Priority: 0 });
        }
      }
      return a.list('Queue status will follow', 'QueueStatusComplete', items);
    }
    case 'queuesummary': {
      const qs = core.queues.snapshots(m.Queue || undefined);
      return a.list('Queue summary will follow', 'QueueSummaryComplete', qs.map((q) => ({
        Event: 'QueueSummary', Queue: q.name, LoggedIn: q.members.length, Available: q.members.filter((x) => !x.paused && !x.inCall && x.status === 1).length,
        Callers: q.calls, HoldTime: q.holdtime, TalkTime: q.talktime, LongestHoldTime: q.longestHold,
      })));
    }
    case 'queueadd':
    case 'queueremove':
    case 'queuepause': {
      if (!m.Interface) return a.send(err("'Interface' not specified."));
      try {
        if (name === 'queueadd') {
          if (!m.Queue) return a.send(err("'Queue' not specified."));
          core.queues.add(m.Queue, m.Interface, { name: m.MemberName, penalty: m.Penalty ? Number(m.Penalty) : 0, paused: /^(true|yes|1)$/i.test(m.Paused ?? ''), reason: m.Reason });
          return a.send(ok('Added interface to queue'));
        }
        if (name === 'queueremove') {
          if (!m.Queue) return a.send(err("'Queue' not specified."));
          core.queues.remove(m.Queue, m.Interface);
          return a.send(ok('Removed interface from queue'));
        }
        if (m.Paused === undefined) return a.send(err('Need \'Interface\' and \'Paused\' parameters.'));
        const paused = /^(true|yes|1)$/i.test(m.Paused);
        core.queues.pause(m.Interface, paused, m.Queue || undefined, m.Reason);
        return a.send(ok(paused ? 'Interface paused successfully' : 'Interface unpaused successfully'));
      } catch (e) {
        return a.send(err(e instanceof QueueActionError ? e.message : 'Queue action failed'));
      }
    }
    case 'mixmonitor': {
      const c = m.Channel ? core.find(m.Channel) : undefined;
      if (!m.Channel) return a.send(err('No channel specified'));
      if (!c) return a.send(err('No such channel'));
      const file = m.File || `${c.id}.wav`;
      a.recordings.set(c.id, file);
      a.mixEvent(c, true);
      return a.send(ok(undefined));
    }
    case 'stopmixmonitor': {
      const c = m.Channel ? core.find(m.Channel) : undefined;
      if (!m.Channel) return a.send(err('No channel specified'));
      if (!c) return a.send(err('No such channel'));
      if (!a.recordings.delete(c.id)) return a.send(err('Could not stop MixMonitor'));
      a.mixEvent(c, false);
      return a.send(ok(undefined));
    }
    default:
      return a.send(err(`Invalid/unknown command: ${m.Action}. Use Action: ListCommands to show available commands.`));
  }
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}
