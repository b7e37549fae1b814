// Transfers of a queue call by the agent who has it (issue 19), done by the app over ARI as
// Amazon Connect or Aircall do (docs/decisions.md): the console asks the API, the ACD moves the
// legs between its own bridges, so desk phones and softphones, the simulator and Asterisk behave
// alike and the call record and statistics see every step.
// - blind to a queue: the caller waits there (music on hold, announcements, its timers), ahead of
//   later callers; to an agent: that agent's phone rings, the caller on music on hold; no answer →
//   the caller is back in the queue they came from, first in line.
// - attended: the caller out of the bridge on music on hold, a consult leg to the target agent
//   joins the transferring agent; complete (the caller bridged with the target, the transferring
//   agent to wrap-up), cancel or the target hanging up (back to the caller). The transferring
//   agent hanging up completes it (as Asterisk's attended transfer does) or, while the target still
//   rings, leaves the caller to whoever answers — the target, else the queue.
import { STASIS_ROLES, type StasisRoleHandler } from '../calls/contract.ts';
import type { CallTransfer } from '../domain/call-record.ts';
import { CentralitaError } from '../errors.ts';
import type { TelephonyEvent } from '../telephony/port.ts';
import type { AgentPool } from './agents.ts';
import type { TimerHandle } from './clock.ts';
import type { LegBook } from './legs.ts';
import { callerLog, round2, swallow, type AcdRuntime, type Caller } from './runtime.ts';
import type { AcdEvent } from './stats.ts';

export class TransferError extends CentralitaError {}

export interface TransferTarget { type: 'queue' | 'agent'; id: string }

export interface TransferState {
  callId: string;
  /** The consult in progress (attended transfer), if any. */
  consult?: { state: 'ringing' | 'talking'; agentId: string; name?: string };
  transfers: CallTransfer[];
}

interface Consult {
  c: Caller;
  entry: CallTransfer;
  fromAgentId: string;
  fromLegId: string;
  targetAgentId: string;
  legId: string;
  state: 'ringing' | 'talking' | 'over';
  originating: boolean;
  hangupWanted?: boolean;
  ringTimer?: TimerHandle;
  /** The transferring agent hung up while the target was ringing: the caller belongs to whoever answers. */
  orphaned?: boolean;
}

export function createTransfers(rt: AcdRuntime, agents: AgentPool, legs: LegBook) {
  const { telephony, clock, queues, counters } = rt;
  const consults = new Map<string, Consult>(); // by call id
  const byLeg = new Map<string, Consult>(); // by consult leg id
  /** Consult legs that became the caller's agent leg (their hangup ends the conversation). */
  const adopted = new Map<string, Caller>();
  /** One telephony sequence at a time per call: a cancel never overtakes the hold it undoes. */
  const chains = new Map<string, Promise<void>>();
  for (const k of ['transfersBlind', 'transfersAttended', 'transfersCompleted', 'transfersRequeued', 'transfersCancelled', 'unexpectedConsultLeg']) counters[k] = 0;

  const iso = (ms: number) => new Date(ms).toISOString();
  const nameOf = (agentId: string) => agents.get(agentId)?.entry.name;

  function chain(c: Caller, fn: () => Promise<void>): void {
    const next = (chains.get(c.callId) ?? Promise.resolve()).then(fn).catch((err: unknown) => {
      counters.telephonyErrors!++;
      callerLog(rt, c).warn({ err }, 'transfer step failed');
    });
    chains.set(c.callId, next);
    void next.finally(() => { if (chains.get(c.callId) === next) chains.delete(c.callId); });
  }

  function callOf(agentId: string): Caller {
    agents.must(agentId);
    const c = [...rt.callers.values()].find((x) => x.phase === 'bridged' && x.agentId === agentId);
    if (!c) throw new TransferError('TRANSFER_NO_CALL', `agent ${agentId} has no queue call to transfer`);
    return c;
  }

  /** The target agent exists, is someone else and could take a call right now. */
  function checkAgent(targetId: string, fromAgentId: string): void {
    if (!agents.get(targetId)) throw new TransferError('TRANSFER_UNKNOWN_TARGET', `agent ${targetId} is not a member of any queue`);
    if (targetId === fromAgentId) throw new TransferError('TRANSFER_TO_SELF', 'an agent cannot transfer a call to themselves');
    if (!agents.free(targetId)) throw new TransferError('TRANSFER_TARGET_UNAVAILABLE', `agent ${targetId} is not available (${agents.state(targetId)})`);
  }

  function newEntry(kind: CallTransfer['kind'], c: Caller, to: TransferTarget, by: string): CallTransfer {
    const name = to.type === 'queue' ? queues[to.id]?.name : nameOf(to.id);
    return {
      kind, from: { agentId: c.agentId!, ...(nameOf(c.agentId!) ? { name: nameOf(c.agentId!) } : {}) },
      to: { ...to, ...(name ? { name } : {}) }, by, requestedAt: iso(clock.now()), outcome: 'pending',
    };
  }

  /** The agent who has the caller lets go: their talk ends (statistics), wrap-up starts. Returns their leg. */
  function releaseAgent(c: Caller, now: number): string {
    const agentId = c.agentId!;
    const legId = c.agentLegId!;
    rt.record({ type: 'complete', queueId: c.queue.id, callId: c.callId, at: now, agentId, talkSec: round2((now - (c.agentSince ?? c.connectedAt ?? now)) / 1000), endedBy: 'transfer' });
    rt.memory.get(c.queue.id)!.lastCallEndedAt[agentId] = now;
    agents.send(agentId, { type: 'CALL_END', callId: c.callId });
    legs.expectLegGone(legId);
    adopted.delete(legId);
    return legId;
  }

  /** The caller leaves their bridge for good (the bridge, its recording and the old agent's leg end). */
  async function tearDown(c: Caller, bridgeId: string | undefined, agentLegId: string | undefined): Promise<void> {
    if (bridgeId) await telephony.removeFromBridge(bridgeId, [c.channelId]).catch(swallow(rt, 'removeFromBridge'));
    if (agentLegId) await telephony.hangup(agentLegId, 'normal').catch(swallow(rt, 'hangup'));
    const rec = c.segmentRecording ?? c.recordingName;
    c.segmentRecording = undefined;
    if (rec && bridgeId) await telephony.stopRecording(rec).catch(swallow(rt, 'stopRecording'));
    if (bridgeId) await telephony.destroyBridge(bridgeId).catch(swallow(rt, 'destroyBridge'));
  }

  /** Back in the ACD after a transfer: a fresh bridge next time, the oldest callers' place kept (seq). */
  function requeue(c: Caller, ringFirst?: string): void {
    c.segment++;
    c.bridgeId = undefined;
    c.tried = new Set();
    c.lastRung.clear();
    c.attempt = undefined;
    rt.enterQueue(c, ringFirst && agents.free(ringFirst) ? () => legs.startAttempt(c, [ringFirst]) : undefined);
  }

  async function blind(agentId: string, target: TransferTarget, by: string): Promise<CallTransfer> {
    const c = callOf(agentId);
    if (consults.has(c.callId)) throw new TransferError('TRANSFER_IN_PROGRESS', 'a consult is in progress: complete or cancel it first');
    if (!c.bridgeId) throw new TransferError('TRANSFER_NOT_READY', 'the call is still being connected');
    let queue = c.queue;
    if (target.type === 'queue') {
      const q = queues[target.id];
      if (!q) throw new TransferError('TRANSFER_UNKNOWN_TARGET', `queue ${target.id} is not configured`);
      // As for a new caller: a queue that takes no callers without agents refuses; the agent keeps the caller.
      if (!q.joinWhenEmpty && agents.staffedCount(q) === 0) throw new TransferError('TRANSFER_QUEUE_EMPTY', `queue ${target.id} has no agents logged in`);
      queue = q;
    } else checkAgent(target.id, agentId);
    const entry = newEntry('blind', c, target, by);
    counters.transfersBlind!++;
    const now = clock.now();
    const legId = releaseAgent(c, now);
    const bridgeId = c.bridgeId;
    c.transfers.push(entry);
    c.agentId = undefined;
    c.agentLegId = undefined;
    c.queue = queue;
    // Not dispatched until the old bridge is gone; a hangup meanwhile is an abandon of the queue.
    c.phase = 'retry';
    callerLog(rt, c).info({ from: agentId, to: target }, 'blind transfer');
    chain(c, async () => {
      await tearDown(c, bridgeId, legId);
      if (c.phase !== 'retry') return; // the caller hung up meanwhile
      requeue(c, target.type === 'agent' ? target.id : undefined);
      // The target agent was taken meanwhile: the caller waits in the queue instead.
      if (target.type === 'agent' && !c.attempt && entry.outcome === 'pending') { entry.outcome = 'requeued'; entry.requeuedTo = c.queue.id; counters.transfersRequeued!++; }
    });
    return entry;
  }

  async function consult(agentId: string, targetId: string, by: string): Promise<CallTransfer> {
    const c = callOf(agentId);
    if (consults.has(c.callId)) throw new TransferError('TRANSFER_IN_PROGRESS', 'a consult is already in progress');
    if (!c.bridgeId) throw new TransferError('TRANSFER_NOT_READY', 'the call is still being connected');
    checkAgent(targetId, agentId);
    const target = agents.get(targetId)!;
    const entry = newEntry('attended', c, { type: 'agent', id: targetId }, by);
    const k: Consult = {
      c, entry, fromAgentId: agentId, fromLegId: c.agentLegId!, targetAgentId: targetId,
      legId: `${c.callId}-x${c.transfers.length + 1}-${targetId}`, state: 'ringing', originating: true,
    };
    target.actor.send({ type: 'OFFER', callId: c.callId, queueId: c.queue.id, wrapUpMs: c.queue.wrapUpSec * 1000 });
    if (target.actor.getSnapshot().value !== 'ringing') throw new TransferError('TRANSFER_TARGET_UNAVAILABLE', `agent ${targetId} did not take the offer`);
    counters.transfersAttended!++;
    c.transfers.push(entry);
    consults.set(c.callId, k);
    byLeg.set(k.legId, k);
    callerLog(rt, c).info({ from: agentId, to: targetId }, 'consult (attended transfer)');
    const bridgeId = c.bridgeId;
    const q = c.queue;
    chain(c, async () => {
      // The caller on hold: out of the bridge, on the queue's music; the agent stays in it for the consult.
      await telephony.removeFromBridge(bridgeId, [c.channelId]).catch(swallow(rt, 'removeFromBridge'));
      if (k.state === 'over') return;
      await telephony.startMoh(c.channelId, q.mohClass).catch(swallow(rt, 'startMoh'));
    });
    k.ringTimer = clock.setTimeout(() => endConsult(k, 'no-answer'), q.ringTimeoutSec * 1000);
    telephony.originate({
      endpoint: target.entry.endpoint, channelId: k.legId, originator: k.fromLegId, timeoutSec: q.ringTimeoutSec,
      appArgs: [STASIS_ROLES.consultLeg, c.callId, targetId].join(','),
      variables: { CENTRALITA_QUEUE: q.id, CENTRALITA_CALL_ID: c.callId },
    }).then(() => {
      k.originating = false;
      if (k.hangupWanted) telephony.hangup(k.legId, 'normal').catch(swallow(rt, 'hangup'));
    }, (err: unknown) => {
      k.originating = false;
      callerLog(rt, c).warn({ err, agentId: targetId }, 'could not ring the consult target');
      endConsult(k, 'failed');
      telephony.hangup(k.legId, 'normal').catch(() => {});
    });
    return entry;
  }

  /** The consult is over without a transfer: the target is freed, the caller back with the agent. */
  function endConsult(k: Consult, outcome: 'cancelled' | 'no-answer' | 'target-hung-up' | 'failed' | 'caller-left', opts: { targetGone?: boolean } = {}): void {
    if (k.state === 'over') return;
    const was = k.state;
    k.state = 'over';
    clock.clearTimeout(k.ringTimer);
    consults.delete(k.c.callId);
    byLeg.delete(k.legId);
    k.entry.outcome = outcome;
    counters.transfersCancelled!++;
    agents.send(k.targetAgentId, was === 'ringing' ? { type: 'RING_END', callId: k.c.callId } : { type: 'RELEASE', callId: k.c.callId });
    if (!opts.targetGone) {
      if (k.originating) k.hangupWanted = true;
      else telephony.hangup(k.legId, 'normal').catch(swallow(rt, 'hangup'));
    }
    const c = k.c;
    if (outcome === 'caller-left') {
      // An orphaned caller is out of the ACD's conversation: nobody else destroys its bridge.
      const bridgeId = c.bridgeId;
      if (k.orphaned && bridgeId) chain(c, () => telephony.destroyBridge(bridgeId).catch(swallow(rt, 'destroyBridge')));
      return;
    }
    if (k.orphaned) {
      // Nobody has the caller any more: back to the queue, first in line.
      k.entry.outcome = 'requeued';
      k.entry.requeuedTo = c.queue.id;
      counters.transfersRequeued!++;
      const bridgeId = c.bridgeId;
      chain(c, async () => { await tearDown(c, bridgeId, undefined); if (c.phase === 'retry') requeue(c); });
      return;
    }
    if (c.phase !== 'bridged' || c.agentLegId !== k.fromLegId) return;
    callerLog(rt, c).info({ outcome }, 'consult ended: caller back with the agent');
    const bridgeId = c.bridgeId!;
    chain(c, async () => {
      await telephony.stopMoh(c.channelId).catch(swallow(rt, 'stopMoh'));
      if (c.phase !== 'bridged') return;
      await telephony.addToBridge(bridgeId, [c.channelId]).catch((err: unknown) => {
        callerLog(rt, c).warn({ err }, 'could not bring the caller back from hold');
        rt.endConversation(c, 'system');
      });
    });
  }

  /** The consult becomes the call: the caller bridged with the target, the transferring agent released. */
  function finishConsult(k: Consult): void {
    if (k.state !== 'talking') return;
    k.state = 'over';
    consults.delete(k.c.callId);
    byLeg.delete(k.legId);
    const c = k.c;
    const now = clock.now();
    const oldLeg = k.orphaned ? undefined : releaseAgent(c, now);
    k.entry.completedAt = iso(now);
    k.entry.outcome = 'completed';
    counters.transfersCompleted!++;
    c.phase = 'bridged';
    c.agentId = k.targetAgentId;
    c.agentLegId = k.legId;
    c.agentSince = now;
    adopted.set(k.legId, c);
    const mem = rt.memory.get(c.queue.id)!;
    mem.callsTaken[k.targetAgentId] = (mem.callsTaken[k.targetAgentId] ?? 0) + 1;
    callerLog(rt, c).info({ from: k.fromAgentId, to: k.targetAgentId }, 'attended transfer completed');
    const bridgeId = c.bridgeId!;
    chain(c, async () => {
      await telephony.stopMoh(c.channelId).catch(swallow(rt, 'stopMoh'));
      if (c.phase !== 'bridged') return;
      await telephony.addToBridge(bridgeId, k.orphaned ? [c.channelId, k.legId] : [c.channelId]);
      if (oldLeg) await telephony.hangup(oldLeg, 'normal').catch(swallow(rt, 'hangup'));
    });
  }

  const handleConsultLegStart: StasisRoleHandler = (event) => {
    const legId = event.channel.id;
    const k = byLeg.get(legId);
    const [, callId, agentId] = event.args;
    if (!k || k.state !== 'ringing' || k.c.callId !== callId || k.targetAgentId !== agentId) {
      counters.unexpectedConsultLeg!++;
      rt.log.warn({ legId, args: event.args }, 'consult leg for no consult in progress: hanging up');
      telephony.hangup(legId, 'normal').catch(swallow(rt, 'hangup'));
      return;
    }
    k.state = 'talking';
    clock.clearTimeout(k.ringTimer);
    k.entry.answeredAt = iso(clock.now());
    k.entry.answeredBy = { agentId: k.targetAgentId, ...(nameOf(k.targetAgentId) ? { name: nameOf(k.targetAgentId) } : {}) };
    agents.send(k.targetAgentId, { type: 'CONNECT', callId: k.c.callId });
    // The transferring agent left while it rang: the target takes the caller at once.
    if (k.orphaned) { finishConsult(k); return; }
    const bridgeId = k.c.bridgeId!;
    chain(k.c, async () => {
      if (k.state !== 'talking') return;
      await telephony.addToBridge(bridgeId, [legId]).catch((err: unknown) => {
        callerLog(rt, k.c).warn({ err }, 'could not bridge the consult leg');
        endConsult(k, 'failed');
      });
    });
  };

  /** PBX events, seen before the rest of the ACD: consult legs, adopted legs, the transferring agent leaving. */
  function onEvent(e: TelephonyEvent): void {
    if (e.type !== 'channel.hangupRequested' && e.type !== 'call.ended' && e.type !== 'channel.destroyed') return;
    const id = e.channelId;
    const k = byLeg.get(id);
    if (k) { endConsult(k, k.state === 'ringing' ? 'no-answer' : 'target-hung-up', { targetGone: true }); return; }
    const owner = adopted.get(id);
    if (owner) {
      adopted.delete(id);
      if (owner.phase === 'bridged' && owner.agentLegId === id) rt.endConversation(owner, 'agent');
      return;
    }
    const caller = rt.byChannel.get(id);
    const kc = caller ? consults.get(caller.callId) : undefined;
    if (kc) { endConsult(kc, 'caller-left'); return; }
    for (const x of consults.values()) {
      if (x.fromLegId !== id || x.orphaned) continue;
      if (x.state === 'talking') { finishConsult(x); continue; }
      // Still ringing: the caller is nobody's until the target answers (or does not: the queue).
      const c = x.c;
      releaseAgent(c, clock.now());
      x.orphaned = true;
      c.agentId = undefined;
      c.agentLegId = undefined;
      c.phase = 'retry';
    }
  }

  /** The ACD's own events tell what became of a blind transfer (answered in the queue, not answered, left). */
  function onAcdEvent(e: AcdEvent): void {
    if (e.type !== 'connect' && e.type !== 'ring-failed' && e.type !== 'leave') return;
    const c = rt.callers.get(e.callId);
    const entry = c?.transfers.at(-1);
    if (!c || !entry || entry.kind !== 'blind') return;
    if (e.type === 'connect') {
      if (!entry.answeredAt) { entry.answeredAt = entry.completedAt = iso(e.at); entry.answeredBy = { agentId: e.agentId, ...(nameOf(e.agentId) ? { name: nameOf(e.agentId) } : {}) }; }
      if (entry.outcome === 'pending') { entry.outcome = 'completed'; counters.transfersCompleted!++; }
    } else if (e.type === 'ring-failed') {
      if (entry.outcome === 'pending' && entry.to.type === 'agent' && e.agentId === entry.to.id) {
        entry.outcome = 'no-answer';
        entry.requeuedTo = e.queueId;
        counters.transfersRequeued!++;
      }
    } else if (!entry.answeredAt && entry.outcome === 'pending') entry.outcome = 'caller-left';
  }

  function state(agentId: string): TransferState | undefined {
    agents.must(agentId);
    const c = [...rt.callers.values()].find((x) => x.phase === 'bridged' && x.agentId === agentId);
    if (!c) return undefined;
    const k = consults.get(c.callId);
    return {
      callId: c.callId, transfers: c.transfers,
      ...(k && k.state !== 'over' ? { consult: { state: k.state, agentId: k.targetAgentId, ...(nameOf(k.targetAgentId) ? { name: nameOf(k.targetAgentId) } : {}) } } : {}),
    };
  }

  function consultOf(agentId: string): Consult {
    const c = callOf(agentId);
    const k = consults.get(c.callId);
    if (!k) throw new TransferError('TRANSFER_NO_CONSULT', 'no consult in progress');
    return k;
  }

  return {
    blind,
    consult,
    async complete(agentId: string): Promise<CallTransfer> {
      const k = consultOf(agentId);
      if (k.state !== 'talking') throw new TransferError('TRANSFER_CONSULT_NOT_ANSWERED', `agent ${k.targetAgentId} has not answered yet: wait or cancel`);
      finishConsult(k);
      return k.entry;
    },
    async cancel(agentId: string): Promise<CallTransfer> {
      const k = consultOf(agentId);
      endConsult(k, 'cancelled');
      return k.entry;
    },
    state,
    handleConsultLegStart,
    onEvent,
    onAcdEvent,
    /** After a reconnect: consults whose leg vanished are over. */
    resync(alive: ReadonlySet<string>): void {
      for (const k of [...consults.values()]) if (!alive.has(k.legId) && !k.originating) endConsult(k, k.state === 'ringing' ? 'no-answer' : 'target-hung-up', { targetGone: true });
      for (const [legId, c] of [...adopted]) if (!alive.has(legId)) { adopted.delete(legId); if (c.phase === 'bridged' && c.agentLegId === legId) rt.endConversation(c, 'agent'); }
    },
    stop(): void {
      for (const k of [...consults.values()]) endConsult(k, 'cancelled');
    },
  };
}

export type Transfers = ReturnType<typeof createTransfers>;
