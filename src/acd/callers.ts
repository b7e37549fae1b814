// Callers in the queues: joining (with the queue's limits), waiting on music on hold, leaving
// (timeout, exit key, no agents, hang-up), the bridged conversation with the agent who
// answered (bridge, recording) and what the caller's CallRecord gets when it is over.
import type { QueueOutcome } from '../calls/contract.ts';
import type { AgentPool } from './agents.ts';
import type { Announcements } from './announcements.ts';
import type { LegBook } from './legs.ts';
import type { LeaveOutcome } from './stats.ts';
import { AcdError, callerLog, round2, swallow, type AcdRuntime, type Caller, type Leg } from './runtime.ts';

/** `afterAgent`: what the flow does once the agent hangs up — `hangup` (the flow ends there) lets the ACD hang the caller up at once instead of leaving them alone in the bridge while the flow catches up. */
export interface JoinRequest { callId: string; channelId: string; queueId: string; language: string; skills?: string[]; afterAgent?: 'hangup' | 'continue'; signal: AbortSignal }

export function createCallers(rt: AcdRuntime, agents: AgentPool, legs: LegBook, announcements: Announcements) {
  const { telephony, clock, queues, callers, byChannel, counters } = rt;
  let seq = 0;

  function join(req: JoinRequest): Promise<QueueOutcome> {
    const q = queues[req.queueId];
    if (!q) {
      counters.unknownQueueJoins!++;
      return Promise.reject(new AcdError('ACD_UNKNOWN_QUEUE', `queue ${req.queueId} is not configured (known: ${Object.keys(queues).join(', ')})`));
    }
    if (callers.has(req.callId) || byChannel.has(req.channelId)) {
      counters.duplicateJoins!++;
      return Promise.reject(new AcdError('ACD_ALREADY_QUEUED', `call ${req.callId} is already in a queue`));
    }
    const now = clock.now();
    if (req.signal.aborted) return Promise.resolve({ outcome: 'abandoned', waitSeconds: 0 });
    const waitingHere = [...callers.values()].filter((c) => c.queue === q && c.phase !== 'bridged').length;
    const reject = (outcome: 'full' | 'no-agents'): Promise<QueueOutcome> => {
      rt.record({ type: 'reject', queueId: q.id, callId: req.callId, at: now, outcome });
      rt.finished.set(req.callId, { queue: { id: q.id, waitSeconds: 0, outcome } });
      return Promise.resolve({ outcome, waitSeconds: 0 });
    };
    if (q.maxCallers !== undefined && waitingHere >= q.maxCallers) return reject('full');
    if (!q.joinWhenEmpty && agents.staffedCount(q) === 0) return reject('no-agents');
    return new Promise<QueueOutcome>((resolve) => {
      const c: Caller = {
        callId: req.callId, channelId: req.channelId, queue: q, language: req.language, seq: ++seq, joinedAt: now, phase: 'waiting', skills: [...new Set(req.skills ?? [])],
        attemptNo: 0, lastRung: new Set(), tried: new Set(), transfers: [], segment: 0, resolve, detachSignal: () => {},
        ...(req.afterAgent ? { afterAgent: req.afterAgent } : {}),
      };
      const onAbort = () => callerGone(c);
      req.signal.addEventListener('abort', onAbort, { once: true });
      c.detachSignal = () => req.signal.removeEventListener('abort', onAbort);
      callers.set(c.callId, c);
      byChannel.set(c.channelId, c);
      enterQueue(c);
    });
  }

  /**
   * The caller waits in c.queue from now: a join event, music on hold, the queue's wait timers
   * and announcements. A new caller, or one transferred (back) to a queue by transfer.ts;
   * `before` runs ahead of dispatch (a blind transfer rings its target agent first).
   */
  function enterQueue(c: Caller, before?: () => void): void {
    const q = c.queue;
    const now = clock.now();
    const waitingHere = [...callers.values()].filter((x) => x !== c && x.queue === q && x.phase !== 'bridged' && x.phase !== 'done').length;
    clearWaitTimers(c);
    c.joinedAt = now;
    c.phase = 'waiting';
    rt.record({ type: 'join', queueId: q.id, callId: c.callId, at: now, position: waitingHere + 1 });
    telephony.startMoh(c.channelId, q.mohClass).catch(swallow(rt, 'startMoh', { callId: c.callId }));
    if (c.skills.length && q.skillsRelaxSec !== undefined) {
      // Waited long enough for a specialist: any member may take the call now.
      c.relaxTimer = clock.setTimeout(() => { c.relaxTimer = undefined; c.skills = []; rt.kick(); }, q.skillsRelaxSec * 1000);
    }
    if (q.maxWaitSec !== undefined) {
      c.maxWaitTimer = clock.setTimeout(() => { c.maxWaitTimer = undefined; leave(c, 'timeout', { channelAlive: true }); }, q.maxWaitSec * 1000);
    }
    announcements.schedule(c);
    before?.();
    rt.kick();
  }

  function dtmf(channelId: string, digit: string): void {
    const c = byChannel.get(channelId);
    if (!c || !c.queue.exitKey || c.queue.exitKey !== digit) return;
    leave(c, 'exit-key', { digit, channelAlive: true });
  }

  function clearWaitTimers(c: Caller): void {
    clock.clearTimeout(c.maxWaitTimer);
    clock.clearTimeout(c.relaxTimer);
    clock.clearTimeout(c.announceTimer);
    clock.clearTimeout(c.retryTimer);
    c.maxWaitTimer = c.relaxTimer = c.announceTimer = c.retryTimer = undefined;
  }

  /** An agent answered: the caller stops waiting and is bridged with the agent's leg. */
  function connect(c: Caller, leg: Leg): void {
    const q = c.queue;
    const now = clock.now();
    c.phase = 'bridged';
    c.agentId = leg.agentId;
    c.agentLegId = leg.legId;
    c.connectedAt = now;
    c.agentSince = now;
    c.lastRung.clear();
    clearWaitTimers(c);
    agents.send(leg.agentId, { type: 'CONNECT', callId: c.callId });
    const mem = rt.memory.get(q.id)!;
    mem.callsTaken[leg.agentId] = (mem.callsTaken[leg.agentId] ?? 0) + 1;
    const waitSec = (now - c.joinedAt) / 1000;
    mem.smoothedHoldSec = mem.smoothedHoldSec === null ? waitSec : (mem.smoothedHoldSec * 3 + waitSec) / 4;
    rt.record({ type: 'connect', queueId: q.id, callId: c.callId, at: now, agentId: leg.agentId, waitSec: round2(waitSec) });
    void bridge(c, leg.legId);
  }

  async function bridge(c: Caller, legId: string): Promise<void> {
    const q = c.queue;
    try {
      await announcements.cancel(c);
      await telephony.stopMoh(c.channelId).catch(swallow(rt, 'stopMoh'));
      // After a transfer that moved the caller, a new bridge and recording segment (ids unique per call).
      const seg = c.segment ? `-s${c.segment}` : '';
      const { bridgeId } = await telephony.createBridge({ type: 'mixing', bridgeId: `acd-${c.callId}${seg}`, name: `queue ${q.id}` });
      c.bridgeId = bridgeId;
      if (c.phase !== 'bridged') { await telephony.destroyBridge(bridgeId).catch(swallow(rt, 'destroyBridge')); return; }
      await telephony.addToBridge(bridgeId, [c.channelId, legId]);
      if (q.record && c.phase === 'bridged') {
        const name = `queue-${q.id}-${c.callId}${seg}`;
        // The bridge, not a channel: both sides of the conversation are in the file.
        const r = await telephony.recordBridge(bridgeId, { name, format: 'wav', beep: false, ifExists: 'overwrite', terminateOn: 'none' });
        // The call's first recording is the record's; later segments are named in the transfers.
        if (!c.recordingName) c.recordingName = r.name;
        else {
          c.segmentRecording = r.name;
          const last = c.transfers.at(-1);
          if (last && !last.recording) last.recording = r.name;
        }
      }
    } catch (err) {
      // One side vanished mid-setup: the hangup event ends the conversation; anything else
      // would leave two people in silence, so end it explicitly.
      callerLog(rt, c).warn({ err }, 'bridging caller and agent failed');
      counters.telephonyErrors!++;
      if (c.phase === 'bridged') endConversation(c, 'system');
    }
  }

  /** The caller leaves the queue without an agent. */
  function leave(c: Caller, outcome: LeaveOutcome, opts: { digit?: string; channelAlive: boolean }): void {
    if (c.phase === 'done' || c.phase === 'bridged') return;
    legs.cancelLegs(c);
    clearWaitTimers(c);
    c.phase = 'done';
    const now = clock.now();
    const waitSec = round2((now - c.joinedAt) / 1000);
    rt.record({ type: 'leave', queueId: c.queue.id, callId: c.callId, at: now, outcome, waitSec, digit: opts.digit });
    void announcements.cancel(c);
    // Hand the channel back to the flow in silence, ready for its next prompt.
    if (opts.channelAlive) telephony.stopMoh(c.channelId).catch(swallow(rt, 'stopMoh'));
    finish(c, { outcome, waitSeconds: waitSec, ...(opts.digit ? { digit: opts.digit } : {}) });
  }

  /** The bridged conversation is over (either side, or a bridging failure). */
  function endConversation(c: Caller, endedBy: 'caller' | 'agent' | 'system'): void {
    if (c.phase !== 'bridged') return;
    c.phase = 'done';
    const now = clock.now();
    const q = c.queue;
    const agentId = c.agentId!;
    const talkSec = round2((now - (c.connectedAt ?? now)) / 1000);
    const agentTalkSec = round2((now - (c.agentSince ?? c.connectedAt ?? now)) / 1000);
    const waitSec = round2(((c.connectedAt ?? now) - c.joinedAt) / 1000);
    rt.memory.get(q.id)!.lastCallEndedAt[agentId] = now;
    rt.record({ type: 'complete', queueId: q.id, callId: c.callId, at: now, agentId, talkSec: agentTalkSec, endedBy });
    const live = c.segmentRecording ?? c.recordingName;
    if (live) telephony.stopRecording(live).catch(swallow(rt, 'stopRecording'));
    if (c.agentLegId) legs.expectLegGone(c.agentLegId);
    if (endedBy !== 'agent' && c.agentLegId) telephony.hangup(c.agentLegId, 'normal').catch(swallow(rt, 'hangup'));
    if (endedBy === 'agent' && c.afterAgent === 'hangup') {
      // The flow ends here anyway: hung up now, not left alone in the bridge (silence) while
      // the flow learns the outcome and asks for the hangup itself (seconds under load).
      telephony.hangup(c.channelId, 'normal').catch(() => {});
      if (c.bridgeId) { const bridgeId = c.bridgeId; telephony.destroyBridge(bridgeId).catch(swallow(rt, 'destroyBridge')); }
    } else if (c.bridgeId) {
      const bridgeId = c.bridgeId;
      // The caller goes back to the flow; the agent's leg is hung up or already gone.
      telephony.removeFromBridge(bridgeId, [c.channelId]).catch(() => {}).finally(() => telephony.destroyBridge(bridgeId).catch(swallow(rt, 'destroyBridge')));
    }
    agents.send(agentId, { type: 'CALL_END', callId: c.callId });
    const a = agents.get(agentId)!;
    finish(c, { outcome: 'answered', agentId, agentName: a.entry.name, waitSeconds: waitSec, talkSeconds: talkSec });
  }

  function finish(c: Caller, outcome: QueueOutcome): void {
    callers.delete(c.callId);
    byChannel.delete(c.channelId);
    c.detachSignal();
    // After a blind transfer nobody answered, the call's agent is the one who had it last.
    const lastAgent = c.agentId ?? c.transfers.at(-1)?.from.agentId;
    const a = lastAgent ? agents.get(lastAgent) : undefined;
    rt.finished.set(c.callId, {
      queue: { id: c.queue.id, waitSeconds: outcome.waitSeconds, outcome: outcome.outcome, ...(outcome.outcome === 'answered' && outcome.talkSeconds !== undefined ? { talkSeconds: outcome.talkSeconds } : {}) },
      ...(a ? { agent: { id: a.entry.id, name: a.entry.name, endpoint: a.entry.endpoint } } : {}),
      ...(c.recordingName ? { recording: { name: c.recordingName } } : {}),
      ...(c.transfers.length ? { transfers: c.transfers } : {}),
    });
    if (rt.finished.size > 10_000) rt.finished.delete(rt.finished.keys().next().value!);
    c.resolve(outcome);
    rt.kick();
  }

  function callerGone(c: Caller): void {
    if (c.phase === 'bridged') endConversation(c, 'caller');
    else leave(c, 'abandoned', { channelAlive: false });
  }

  function leaveEmptyQueues(): void {
    for (const q of Object.values(queues)) {
      if (!q.leaveWhenEmpty || agents.staffedCount(q) > 0) continue;
      for (const c of [...callers.values()]) {
        if (c.queue === q && c.phase !== 'bridged' && c.phase !== 'done') leave(c, 'no-agents', { channelAlive: true });
      }
    }
  }

  /** A hangup of a caller's channel: true when it was one of ours. */
  function onHangup(channelId: string): boolean {
    const c = byChannel.get(channelId);
    if (!c) return false;
    callerGone(c);
    return true;
  }

  /** After a reconnect: callers whose channel is gone have left (their hangup was never seen). */
  function resync(alive: ReadonlySet<string>): number {
    let gone = 0;
    for (const c of [...callers.values()]) if (!alive.has(c.channelId)) { gone++; callerGone(c); }
    return gone;
  }

  /** Shutdown: every caller leaves (bridged ones end their conversation). */
  function stop(): void {
    for (const c of [...callers.values()]) {
      if (c.phase === 'bridged') endConversation(c, 'system');
      else leave(c, 'abandoned', { channelAlive: true });
    }
  }

  return { join, dtmf, connect, enterQueue, leave, endConversation, leaveEmptyQueues, onHangup, resync, stop };
}
