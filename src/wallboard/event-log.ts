// The wallboard's live event log: bus events turned into short entries (kind + parameters)
// that the browser renders in words in the viewer's language. The last `size` entries are
// kept on the server, so a reload shows the same log; each is published on the live channel
// with the scope of what it is about.
import type { BusEvents } from '../domain/event-bus.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { LiveHub } from '../live/hub.ts';
import type { Scope } from '../live/policy.ts';
import type { LogEntry, LogKind } from './types.ts';

export interface KeptEntry { entry: LogEntry; scope: Scope; pii: boolean }

export interface EventLog {
  entries(): KeptEntry[];
  add(kind: LogKind, p: LogEntry['p'], scope: Scope, pii?: boolean): void;
  queueEvent(e: BusEvents['queue.event'], callerOf: (callId: string) => string | undefined): void;
  agentState(e: BusEvents['agent.state'], name?: string): void;
  callStarted(e: BusEvents['call.started']): void;
  callEnded(r: CallRecord): void;
  connection(e: BusEvents['telephony.connection']): void;
  campaignState(id: string, state: string): void;
}

const QUEUE_KINDS: Record<string, LogKind | undefined> = { join: 'queue.join', connect: 'queue.answer', reject: 'queue.reject' };
const LEAVE_KINDS: Record<string, LogKind> = { abandoned: 'queue.abandon', timeout: 'queue.timeout', 'exit-key': 'queue.exit', 'no-agents': 'queue.reject' };

export function createEventLog(o: { hub: LiveHub; now: () => number; size?: number; agentQueues: (agentId: string) => readonly string[] }): EventLog {
  const size = o.size ?? 200;
  const kept: KeptEntry[] = [];
  let n = 0;

  function add(kind: LogKind, p: LogEntry['p'], scope: Scope, pii = false, at = o.now()): void {
    const entry: LogEntry = { id: ++n, at, kind, p: Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) };
    kept.push({ entry, scope, pii });
    if (kept.length > size) kept.splice(0, kept.length - size);
    o.hub.publish({ type: 'log', data: entry }, scope, { pii });
  }
  const at = (iso: string) => Date.parse(iso) || o.now();

  return {
    entries: () => [...kept],
    add,
    queueEvent(e, callerOf) {
      const kind = e.type === 'leave' ? LEAVE_KINDS[String(e.outcome)] : QUEUE_KINDS[e.type];
      if (!kind) return; // ring, ring-failed, complete: shown as agent states
      const p: LogEntry['p'] = { queue: e.queueId, caller: e.callId ? callerOf(e.callId) : undefined };
      if (e.type === 'join') p.position = Number(e.position) || undefined;
      if (e.type === 'connect') { p.agent = e.agentId; p.wait = Math.round(Number(e.waitSec)); }
      if (e.type === 'leave') p.wait = Math.round(Number(e.waitSec));
      if (e.type === 'reject') p.why = String(e.outcome ?? '');
      if (e.type === 'leave' && e.outcome === 'no-agents') p.why = 'no-agents';
      add(kind, p, { queue: e.queueId }, true, at(e.at));
    },
    agentState(e, name) {
      add('agent.state', { agent: e.agentId, name, state: e.state, reason: e.reason }, { agent: e.agentId, queues: o.agentQueues(e.agentId) }, false, at(e.at));
    },
    callStarted(e) {
      add('call.started', { caller: e.direction === 'outbound' ? e.to : e.from, flow: e.flowId, direction: e.direction ?? 'inbound' }, { call: {} }, true, at(e.at));
    },
    callEnded(r) {
      const scope: Scope = { call: { ...(r.queue ? { queue: r.queue.id } : {}), ...(r.agent ? { agent: r.agent.id } : {}), ...(r.campaign ? { campaign: r.campaign.campaignId } : {}) } };
      add('call.ended', {
        caller: r.direction === 'inbound' ? r.from : r.to, disposition: r.disposition, queue: r.queue?.id, agent: r.agent?.name ?? r.agent?.id,
        talk: r.talkSeconds, direction: r.direction,
      }, scope, true, at(r.endedAt));
    },
    connection(e) {
      add('pbx.connection', { state: e.state }, { totals: true }, false, at(e.at));
    },
    campaignState(id, state) {
      add('campaign.state', { campaign: id, state }, { campaigns: true });
    },
  };
}
