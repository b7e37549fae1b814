// app_queue: FreePBX's own queues (`Queue(400)` in ext-queues), for calls that never enter
// Stasis. Callers wait in order; members (PJSIP phones) are rung with the queue's strategy,
// an answer bridges caller and member in a basic bridge (like Dial()), a caller who hangs up
// while waiting abandons. What happens is reported to observers (AMI class `agent`:
// QueueCallerJoin/Leave/Abandon, AgentCalled/RingNoAnswer/Connect/Complete, QueueMember*),
// and the AMI actions QueueStatus/Summary/Add/Remove/Pause read and change the same state.
import type { Chan, Ctx } from './model.ts';
import { later, note, now, setState, setVar } from './core.ts';
import { answer, hangup } from './lifecycle.ts';
import { enterDialBridge } from './dialplan.ts';
import { behaviorFor, createPjsipChannel, ringFarEnd, scheduleFarEndScript } from './tech-pjsip.ts';
import { observe, type QueueMemberView } from './observer.ts';
import { trackHearing } from './hearing.ts';

export interface PbxQueueMemberConfig { interface: string; name?: string; penalty?: number; paused?: boolean; reason?: string }
export interface PbxQueueConfig {
  name: string;
  strategy?: 'ringall' | 'linear' | 'rrmemory';
  members?: PbxQueueMemberConfig[];
  /** How long a member rings (queues.conf `timeout`, default 15 s). */
  timeoutSec?: number;
  /** Pause before ringing again after nobody answered (`retry`, default 5 s). */
  retrySec?: number;
  maxCallers?: number;
}

interface Member extends QueueMemberView { order: number }
interface Entry { caller: Chan; joinedAt: number; originalPosition: number; legs: Set<Chan>; connected?: { member: Member; leg: Chan; at: number }; retry?: boolean; hold: (on: boolean) => void }
export interface SimQueue { config: PbxQueueConfig; members: Map<string, Member>; callers: Entry[]; completed: number; abandoned: number; holdTotal: number; talkTotal: number; last: number }

const state = (x: Ctx) => x.pbxQueues;

export function configureQueues(x: Ctx, queues: PbxQueueConfig[]): void {
  for (const q of queues) {
    const members = new Map<string, Member>();
    (q.members ?? []).forEach((m, i) => members.set(m.interface, memberOf(x, m, 'static', i)));
    state(x).set(q.name, { config: q, members, callers: [], completed: 0, abandoned: 0, holdTotal: 0, talkTotal: 0, last: -1 });
  }
  // app_queue follows its members' device state (QueueMemberStatus on every change).
  if (queues.length && !x.observers.some((o) => o === x.pbxQueueWatcher)) {
    x.pbxQueueWatcher = { created: (c) => refreshDevice(x, c), state: (c) => refreshDevice(x, c), ended: (c) => refreshDevice(x, c) };
    x.observers.push(x.pbxQueueWatcher);
  }
}

function memberOf(x: Ctx, m: PbxQueueMemberConfig, membership: 'static' | 'dynamic', order: number): Member {
  const t = Math.floor(now(x) / 1000);
  return {
    name: m.name ?? m.interface, interface: m.interface, stateInterface: m.interface, membership, penalty: m.penalty ?? 0, callsTaken: 0, lastCall: 0,
    lastPause: 0, loginTime: t, inCall: false, status: 1, paused: m.paused ?? false, pausedReason: m.paused ? (m.reason ?? '') : '', wrapupTime: 0, order,
  };
}

/** AST_DEVICE_* of a member's phone from the channels on it (1 not in use, 2 in use, 6 ringing, 5 unavailable, 4 invalid). */
function deviceStatus(x: Ctx, iface: string): number {
  const ep = x.endpoints.get(iface);
  if (!ep) return 4;
  if (ep.behavior?.behavior === 'unreachable') return 5;
  let st = 1;
  for (const c of x.endpointChans.get(iface) ?? []) {
    if (!c.alive) continue;
    if (c.state === 'Up') return 2;
    if (c.state === 'Ringing' || c.state === 'Ring') st = 6;
  }
  return st;
}

function refreshDevice(x: Ctx, c: Chan): void {
  if (c.tech !== 'PJSIP') return;
  const iface = `PJSIP/${c.resource}`;
  for (const [name, q] of state(x)) {
    const m = q.members.get(iface);
    if (!m) continue;
    const s = deviceStatus(x, iface);
    if (s === m.status) continue;
    m.status = s;
    observe(x, 'queue', { type: 'member', event: 'QueueMemberStatus', queue: name, member: view(m) });
  }
}

const view = (m: Member): QueueMemberView => {
  const { order: _o, ...v } = m;
  return { ...v };
};

/** Queue(name) on `c`; `next` runs the following dialplan step when the caller leaves without a member. */
export function runQueue(x: Ctx, c: Chan, name: string, maxWaitSec: number | undefined, next: () => void): void {
  const q = state(x).get(name);
  if (!q) {
    setVar(x, c, 'QUEUESTATUS', 'UNKNOWN');
    return next();
  }
  if (q.config.maxCallers && q.callers.length >= q.config.maxCallers) {
    setVar(x, c, 'QUEUESTATUS', 'FULL');
    return next();
  }
  c.inDialplanApp = true;
  // app_queue plays the queue's music on hold to a waiting caller (musicclass=default in FreePBX).
  const hold = (on: boolean) => { c.moh = on ? 'default' : undefined; trackHearing(x, c); };
  hold(true);
  const e: Entry = { caller: c, joinedAt: now(x), originalPosition: q.callers.length + 1, legs: new Set(), hold };
  q.callers.push(e);
  observe(x, 'queue', { type: 'join', queue: name, caller: c, position: q.callers.length, count: q.callers.length });
  const leave = () => {
    const pos = q.callers.indexOf(e) + 1;
    if (pos === 0) return 0;
    q.callers.splice(pos - 1, 1);
    hold(false);
    observe(x, 'queue', { type: 'leave', queue: name, caller: c, position: pos, count: q.callers.length });
    return pos;
  };
  c.onAbort = () => {
    if (e.connected) return;
    const pos = q.callers.indexOf(e) + 1;
    for (const leg of e.legs) hangup(x, leg, null, 0);
    if (pos > 0) {
      q.abandoned++;
      observe(x, 'queue', { type: 'abandon', queue: name, caller: c, position: pos, originalPosition: e.originalPosition, holdTime: secs(x, e.joinedAt) });
      leave();
    }
  };
  if (maxWaitSec && maxWaitSec > 0) later(x, c, maxWaitSec * 1000, () => {
    if (e.connected) return;
    for (const leg of e.legs) hangup(x, leg, null, 0);
    leave();
    c.onAbort = undefined;
    c.vars.set('QUEUESTATUS', 'TIMEOUT');
    next();
  });
  const ring = () => {
    if (!c.alive || e.connected || q.callers.indexOf(e) < 0) return;
    // Only the caller at the head is offered (app_queue's wait_our_turn with autofill off).
    if (q.callers[0] !== e) return void later(x, c, 1000, ring);
    const free = [...q.members.values()].filter((m) => !m.paused && !m.inCall && deviceStatus(x, m.interface) === 1).sort((a, b) => a.penalty - b.penalty || a.order - b.order);
    const strategy = q.config.strategy ?? 'ringall';
    let pick = free;
    if (strategy !== 'ringall' && free.length) {
      const start = strategy === 'rrmemory' ? free.findIndex((m) => m.order > q.last) : 0;
      pick = [free[start < 0 ? 0 : start]!];
    }
    if (!pick.length) return void later(x, c, (q.config.retrySec ?? 5) * 1000, ring);
    for (const m of pick) ringMember(x, q, name, e, m, ring);
  };
  later(x, c, 0, ring);
}

function ringMember(x: Ctx, q: SimQueue, name: string, e: Entry, m: Member, again: () => void): void {
  const c = e.caller;
  const res = m.interface.slice(m.interface.indexOf('/') + 1);
  const far = behaviorFor(x, 'PJSIP', res);
  if (!far.ok) return;
  const leg = createPjsipChannel(x, { tech: 'PJSIP', resource: res, far, caller: { ...c.caller }, exten: c.dialplan.exten, appName: 'AppQueue', originated: false, linkedid: c.linkedid });
  leg.connected = { ...c.caller };
  e.legs.add(leg);
  observe(x, 'queue', { type: 'called', queue: name, caller: c, member: view(m), dest: leg });
  const ringStarted = now(x);
  const timeoutMs = (q.config.timeoutSec ?? 15) * 1000;
  ringFarEnd(x, leg, far.behavior, timeoutMs, {
    failed(cause, timedOut) {
      e.legs.delete(leg);
      observe(x, 'queue', { type: 'ringnoanswer', queue: name, caller: c, member: view(m), dest: leg, ringTime: secs(x, ringStarted) });
      hangup(x, leg, null, timedOut ? 0 : cause);
      if (e.legs.size === 0 && !e.connected) later(x, c, (q.config.retrySec ?? 5) * 1000, again);
    },
    answered() {
      if (e.connected || !c.alive) return hangup(x, leg, { cause: 26 }, 26);
      leg.answered = true;
      setState(x, leg, 'Up');
      e.legs.delete(leg);
      for (const other of e.legs) hangup(x, other, { cause: 26 }, 26);
      e.legs.clear();
      e.connected = { member: m, leg, at: now(x) };
      q.last = m.order;
      const hold = secs(x, e.joinedAt);
      q.holdTotal += hold;
      const pos = q.callers.indexOf(e) + 1;
      if (pos > 0) q.callers.splice(pos - 1, 1);
      e.hold(false);
      observe(x, 'queue', { type: 'leave', queue: name, caller: c, position: pos, count: q.callers.length });
      if (c.state !== 'Up') answer(x, c);
      m.inCall = true;
      c.dialPeer = leg;
      leg.dialPeer = c;
      // What each side hears from now on: the other (as after a Dial()).
      if (c.farEnd) c.farEnd.dialledPeer = leg;
      if (leg.farEnd) leg.farEnd.dialledPeer = c;
      note(x, c, { at: now(x), kind: 'bridged', bridgeId: `dial:${leg.id}`, with: [leg.id] });
      note(x, leg, { at: now(x), kind: 'bridged', bridgeId: `dial:${leg.id}`, with: [c.id] });
      enterDialBridge(x, c, leg);
      observe(x, 'queue', { type: 'connect', queue: name, caller: c, member: view(m), dest: leg, holdTime: hold, ringTime: secs(x, ringStarted) });
      scheduleFarEndScript(x, leg, far.behavior);
      const done = (by: 'caller' | 'agent') => () => {
        if (!m.inCall) return;
        m.inCall = false;
        m.callsTaken++;
        m.lastCall = Math.floor(now(x) / 1000);
        q.completed++;
        const talk = secs(x, e.connected!.at);
        q.talkTotal += talk;
        observe(x, 'queue', { type: 'complete', queue: name, caller: c, member: view(m), dest: leg, holdTime: hold, talkTime: talk, reason: by });
      };
      c.onEnded = done('caller');
      leg.onEnded = done('agent');
    },
  });
}

const secs = (x: Ctx, since: number) => Math.max(0, Math.round((now(x) - since) / 1000));

export class QueueActionError extends Error {}

export function queueAdd(x: Ctx, queue: string, iface: string, o: { name?: string; penalty?: number; paused?: boolean; reason?: string }): void {
  const q = state(x).get(queue);
  if (!q) throw new QueueActionError('Unable to add interface to queue: No such queue');
  if (q.members.has(iface)) throw new QueueActionError('Unable to add interface: Already there');
  const m = memberOf(x, { interface: iface, ...o }, 'dynamic', q.members.size);
  m.status = deviceStatus(x, iface);
  q.members.set(iface, m);
  observe(x, 'queue', { type: 'member', event: 'QueueMemberAdded', queue, member: view(m) });
}

export function queueRemove(x: Ctx, queue: string, iface: string): void {
  const q = state(x).get(queue);
  if (!q) throw new QueueActionError('Unable to remove interface from queue: No such queue');
  const m = q.members.get(iface);
  if (!m) throw new QueueActionError('Unable to remove interface: Not there');
  if (m.membership === 'static') throw new QueueActionError('Member not dynamic');
  q.members.delete(iface);
  observe(x, 'queue', { type: 'member', event: 'QueueMemberRemoved', queue, member: view(m) });
}

/** QueuePause: every queue the interface is in, or one. */
export function queuePause(x: Ctx, iface: string, paused: boolean, queue: string | undefined, reason: string | undefined): void {
  let found = false;
  for (const [name, q] of state(x)) {
    if (queue && name !== queue) continue;
    const m = q.members.get(iface);
    if (!m) continue;
    found = true;
    m.paused = paused;
    m.pausedReason = paused ? (reason ?? '') : '';
    m.lastPause = Math.floor(now(x) / 1000);
    observe(x, 'queue', { type: 'member', event: 'QueueMemberPause', queue: name, member: view(m) });
  }
  if (!found) throw new QueueActionError('Interface not found');
}

export interface QueueSnapshot {
  name: string; strategy: string; max: number; calls: number; holdtime: number; talktime: number; completed: number; abandoned: number;
  members: QueueMemberView[]; entries: { position: number; caller: Chan; wait: number }[]; longestHold: number;
}

export function queueSnapshots(x: Ctx, only?: string): QueueSnapshot[] {
  const out: QueueSnapshot[] = [];
  for (const [name, q] of state(x)) {
    if (only && name !== only) continue;
    for (const m of q.members.values()) m.status = deviceStatus(x, m.interface);
    const entries = q.callers.map((e, i) => ({ position: i + 1, caller: e.caller, wait: secs(x, e.joinedAt) }));
    out.push({
      name, strategy: q.config.strategy ?? 'ringall', max: q.config.maxCallers ?? 0, calls: q.callers.length,
      holdtime: q.completed ? Math.round(q.holdTotal / q.completed) : 0, talktime: q.completed ? Math.round(q.talkTotal / q.completed) : 0,
      completed: q.completed, abandoned: q.abandoned, members: [...q.members.values()].map(view), entries,
      longestHold: entries.reduce((mx, e) => Math.max(mx, e.wait), 0),
    });
  }
  return out;
}

