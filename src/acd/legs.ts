// Agent legs: ringing agents' phones (one originate per agent of an attempt), the ring timeout,
// why a leg failed (the hangup cause, not the Dial status), an agent answering (the leg's
// StasisStart, routed here by the call service), polite hangups of late answers, and which
// phones still carry a leg of ours — a phone is not rung again until its last leg is gone.
import { STASIS_ROLES, type StasisRoleHandler } from '../calls/contract.ts';
import { classifyUnansweredAttempt } from '../domain/hangup-causes.ts';
import { ChannelGoneError } from '../errors.ts';
import type { HangupReason, TelephonyEvent } from '../telephony/port.ts';
import type { AgentPool } from './agents.ts';
import type { TimerHandle } from './clock.ts';
import { swallow, type AcdRuntime, type Attempt, type Caller, type Leg } from './runtime.ts';

/** After a Dial failure status, how long to wait for the ChannelDestroyed that carries the cause. */
const DIAL_STATUS_GRACE_MS = 2000;
/** A leg the PBX never reports gone (lost events) frees its phone after this long. */
const LEG_GONE_BACKSTOP_MS = 120_000;
const FAILED_DIAL = new Set(['BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION', 'CANCEL', 'DONTCALL', 'INVALIDARGS']);

export function createLegs(rt: AcdRuntime, agents: AgentPool) {
  const { telephony, clock, log, counters } = rt;
  const legs = new Map<string, Leg>();
  // Agent leg channels that still exist (ringing, talking, being hung up), per agent.
  const liveLegs = new Map<string, Set<string>>();
  const legRelease = new Map<string, TimerHandle>();
  const politeHangups = new Map<string, { timer: TimerHandle; playbackId?: string }>();

  const isLive = (legId: string) => [...liveLegs.values()].some((set) => set.has(legId));
  agents.setLiveLegCheck((agentId) => (liveLegs.get(agentId)?.size ?? 0) > 0);

  function legAlive(agentId: string, legId: string): void {
    let set = liveLegs.get(agentId);
    if (!set) liveLegs.set(agentId, (set = new Set()));
    set.add(legId);
  }
  function legReleased(legId: string): void {
    const agentId = legs.get(legId)?.agentId ?? [...liveLegs].find(([, set]) => set.has(legId))?.[0];
    clock.clearTimeout(legRelease.get(legId));
    legRelease.delete(legId);
    if (agentId && liveLegs.get(agentId)?.delete(legId)) rt.scheduleKick();
  }
  /** We consider the leg over; if the PBX never confirms (lost event), free the phone anyway. */
  function expectLegGone(legId: string): void {
    if (legRelease.has(legId) || !isLive(legId)) return;
    // While the originate is in flight the PBX has not even seen the channel: the timer
    // starts when it returns (see startAttempt).
    if (legs.get(legId)?.originating) return;
    legRelease.set(legId, clock.setTimeout(() => {
      legRelease.delete(legId);
      if (isLive(legId)) { counters.staleLegs!++; log.warn({ legId }, 'agent leg never reported gone: releasing its phone'); legReleased(legId); }
    }, LEG_GONE_BACKSTOP_MS));
  }

  function startAttempt(c: Caller, agentIds: string[]): void {
    const q = c.queue;
    const attempt: Attempt = { no: ++c.attemptNo, legs: new Map(), closed: false };
    c.attempt = attempt;
    c.phase = 'ringing';
    const mem = rt.memory.get(q.id)!;
    if (q.strategy === 'rrmemory') mem.rrLastOrder = q.members.findIndex((m) => m.id === agentIds[0]);
    for (const agentId of agentIds) {
      const legId = `${c.callId}-q${attempt.no}-${agentId}`;
      const leg: Leg = { legId, agentId, state: 'dialing', caller: c, attempt, originating: true };
      const actor = agents.get(agentId)!.actor;
      actor.send({ type: 'OFFER', callId: c.callId, queueId: q.id, wrapUpMs: q.wrapUpSec * 1000 });
      const snap = actor.getSnapshot();
      if (snap.value !== 'ringing' || snap.context.callId !== c.callId) {
        // Belt and braces: never ring a phone whose agent did not take the offer.
        counters.offerRefused!++;
        log.error({ agentId, callId: c.callId, state: snap.value }, 'agent did not accept the offer: not ringing it');
        continue;
      }
      attempt.legs.set(legId, leg);
      legs.set(legId, leg);
      legAlive(agentId, legId);
    }
    if (attempt.legs.size === 0) { c.attempt = undefined; c.phase = 'waiting'; return; }
    agentIds = [...attempt.legs.values()].map((l) => l.agentId);
    rt.record({ type: 'ring', queueId: q.id, callId: c.callId, at: clock.now(), agentIds });
    // The ring timeout counts from when the PBX accepted the first originate (phones ring
    // from then), so a slow PBX does not eat the agents' ringing time.
    const startRingTimer = () => {
      if (attempt.ringTimer !== undefined || attempt.closed) return;
      attempt.ringTimer = clock.setTimeout(() => {
        for (const leg of attempt.legs.values()) {
          if (leg.state !== 'dialing') continue;
          hangupLeg(leg, 'timeout');
          legFailed(leg, 'no-answer');
        }
      }, q.ringTimeoutSec * 1000);
    };
    // Backstop for an originate that never settles (a Telephony without request timeouts).
    const backstop = clock.setTimeout(startRingTimer, 30_000);
    const clearBackstop = () => clock.clearTimeout(backstop);
    for (const leg of attempt.legs.values()) {
      const a = agents.get(leg.agentId)!;
      telephony.originate({
        endpoint: a.entry.endpoint,
        channelId: leg.legId,
        // The leg joins the caller's conversation (linkedid), as Dial()/app_queue legs do:
        // the PBX call log then sees one conversation that went through Stasis, not a
        // second, unanswered call to the agent's phone.
        originator: c.channelId,
        appArgs: [STASIS_ROLES.agentLeg, q.id, c.callId, leg.agentId].join(','),
        timeoutSec: q.ringTimeoutSec,
        variables: { CENTRALITA_QUEUE: q.id, CENTRALITA_CALL_ID: c.callId },
      }).then(() => {
        leg.originating = false;
        clearBackstop();
        startRingTimer();
        if (leg.hangupWanted) hangupLeg(leg, leg.hangupWanted);
        if (leg.state !== 'dialing' && leg.state !== 'up') expectLegGone(leg.legId);
      }, (err: unknown) => {
        leg.originating = false;
        counters.originateFailed!++;
        log.warn({ err, agentId: leg.agentId, callId: c.callId }, 'could not ring agent');
        legFailed(leg, 'originate-failed');
        // A timed-out originate may still be carried out by the PBX: hang the id up and keep
        // the phone blocked until the PBX says the channel is gone (404 counts as gone).
        telephony.hangup(leg.legId, 'normal').then(
          () => expectLegGone(leg.legId),
          (e: unknown) => {
            if (e instanceof ChannelGoneError) { legReleased(leg.legId); legs.delete(leg.legId); } else expectLegGone(leg.legId);
          },
        );
      });
    }
  }

  /** A leg that will never be answered: free its agent; if it was the last, retry later. */
  function legFailed(leg: Leg, reason: string): void {
    if (leg.state !== 'dialing') return;
    leg.state = 'failed';
    clock.clearTimeout(leg.dialStatusTimer);
    expectLegGone(leg.legId);
    const c = leg.caller;
    rt.record({ type: 'ring-failed', queueId: c.queue.id, callId: c.callId, at: clock.now(), agentId: leg.agentId, reason });
    agents.send(leg.agentId, { type: 'RING_END', callId: leg.caller.callId });
    const a = leg.attempt;
    if (a.closed || a.winner) return;
    if ([...a.legs.values()].some((l) => l.state === 'dialing')) return;
    closeAttempt(a);
    if (c.phase !== 'ringing' || c.attempt !== a) return;
    c.lastRung = new Set([...a.legs.values()].map((l) => l.agentId));
    for (const id of c.lastRung) c.tried.add(id);
    c.phase = 'retry';
    c.retryTimer = clock.setTimeout(() => {
      c.retryTimer = undefined;
      if (c.phase === 'retry') { c.phase = 'waiting'; rt.kick(); }
    }, c.queue.retrySec * 1000);
    rt.kick();
  }

  function closeAttempt(a: Attempt): void {
    a.closed = true;
    clock.clearTimeout(a.ringTimer);
    a.ringTimer = undefined;
  }

  /** Hangs up an agent leg, after its originate has returned (else the DELETE could 404 and the phone ring on). */
  function hangupLeg(leg: Leg, reason: HangupReason): void {
    if (leg.originating) { leg.hangupWanted = reason; return; }
    telephony.hangup(leg.legId, reason).catch(swallow(rt, 'hangup', { legId: leg.legId }));
  }

  /** Hangs up every still-ringing leg of the caller's attempt (caller left or someone answered). */
  function cancelLegs(c: Caller, except?: string): void {
    const a = c.attempt;
    if (!a) return;
    for (const leg of a.legs.values()) {
      if (leg.legId === except || leg.state !== 'dialing') continue;
      leg.state = 'cancelled';
      clock.clearTimeout(leg.dialStatusTimer);
      expectLegGone(leg.legId);
      hangupLeg(leg, except ? 'answered_elsewhere' : 'normal');
      agents.send(leg.agentId, { type: 'RING_END', callId: leg.caller.callId });
    }
    if (!except) closeAttempt(a);
  }

  const handleAgentLegStart: StasisRoleHandler = (event) => {
    const legId = event.channel.id;
    const [role, queueId, callId, agentId] = event.args;
    if (role !== STASIS_ROLES.agentLeg || !queueId || !callId || !agentId) {
      counters.badAgentLegArgs!++;
      log.warn({ legId, args: event.args }, 'agent leg with malformed Stasis args: hanging up');
      politeHangup(legId);
      return;
    }
    const leg = legs.get(legId);
    if (!leg || leg.agentId !== agentId || leg.caller.callId !== callId) {
      counters.unexpectedAgentLeg!++;
      log.warn({ legId, args: event.args }, 'agent leg we did not originate (or from before a restart): hanging up');
      politeHangup(legId);
      return;
    }
    const c = leg.caller;
    const a = leg.attempt;
    if (leg.state !== 'dialing' || c.phase !== 'ringing' || c.attempt !== a || a.winner || a.closed) {
      // The caller left (or another agent won) while this phone was ringing.
      counters.lateAgentAnswer!++;
      if (leg.state === 'dialing') { leg.state = 'cancelled'; agents.send(leg.agentId, { type: 'RING_END', callId: leg.caller.callId }); }
      log.info({ legId, callId, agentId }, 'agent answered after the caller left: hanging up politely');
      politeHangup(legId);
      return;
    }
    // The winner: the others stop ringing; the caller is bridged with this leg.
    leg.state = 'up';
    clock.clearTimeout(leg.dialStatusTimer);
    a.winner = leg.legId;
    closeAttempt(a);
    cancelLegs(c, leg.legId);
    rt.connect(c, leg);
  };

  function politeHangup(legId: string): void {
    if (politeHangups.has(legId)) return;
    const entry: { timer: TimerHandle; playbackId?: string } = { timer: clock.setTimeout(() => finishPolite(legId), 5000) };
    politeHangups.set(legId, entry);
    telephony.play(legId, [rt.callerGonePrompt]).then((r) => { entry.playbackId = r.playbackId; }, () => finishPolite(legId));
  }
  function finishPolite(legId: string): void {
    const p = politeHangups.get(legId);
    if (!p) return;
    politeHangups.delete(legId);
    clock.clearTimeout(p.timer);
    expectLegGone(legId);
    telephony.hangup(legId, 'normal').catch(swallow(rt, 'hangup', { legId }));
  }

  /** The leg's channel is over (hangup request, StasisEnd or destroyed). */
  function legGone(leg: Leg, cause: number | undefined): void {
    if (leg.state === 'dialing') {
      // An unanswered leg: the cause says why (a 603 is cause 21 behind Dial status NOANSWER).
      legFailed(leg, classifyUnansweredAttempt(leg.dialStatus, cause));
      return;
    }
    if (leg.state === 'up') {
      leg.state = 'cancelled';
      legs.delete(leg.legId);
      const c = leg.caller;
      if (c.phase === 'bridged' && c.agentLegId === leg.legId) rt.endConversation(c, 'agent');
      return;
    }
    legs.delete(leg.legId);
  }

  /** Events about agent legs; true when the event was one of ours. */
  function onEvent(e: TelephonyEvent): boolean {
    switch (e.type) {
      case 'channel.hangupRequested':
      case 'call.ended':
      case 'channel.destroyed': {
        const leg = legs.get(e.channelId);
        // A hangup request's cause is final only when it is not soft; the destroyed one always is.
        if (leg) legGone(leg, e.type === 'channel.destroyed' ? e.cause : e.type === 'channel.hangupRequested' && !e.soft ? e.cause : undefined);
        if (e.type === 'channel.destroyed' || e.type === 'call.ended') {
          legReleased(e.channelId);
          const p = politeHangups.get(e.channelId);
          if (p) { politeHangups.delete(e.channelId); clock.clearTimeout(p.timer); }
        }
        return leg !== undefined;
      }
      case 'dial': {
        const leg = legs.get(e.peerId);
        if (!leg || leg.state !== 'dialing' || !FAILED_DIAL.has(e.status.toUpperCase())) return leg !== undefined;
        // The ChannelDestroyed right behind it has the real cause; fail on the status alone only if it never comes.
        leg.dialStatus = e.status.toUpperCase();
        clock.clearTimeout(leg.dialStatusTimer);
        leg.dialStatusTimer = clock.setTimeout(() => legFailed(leg, classifyUnansweredAttempt(leg.dialStatus, undefined)), DIAL_STATUS_GRACE_MS);
        return true;
      }
      case 'playback.finished': {
        for (const [legId, p] of politeHangups) if (p.playbackId === e.playbackId) { finishPolite(legId); return true; }
        return false;
      }
      default:
        return false;
    }
  }

  /**
   * After a reconnect (Asterisk replays nothing): legs whose channel is gone are over — a
   * PBX restart must not leave an agent "available" but never rung until the 120 s backstop.
   */
  function resync(alive: ReadonlySet<string>): number {
    let gone = 0;
    for (const [, set] of [...liveLegs]) {
      for (const legId of [...set]) {
        if (alive.has(legId)) continue;
        gone++;
        const leg = legs.get(legId);
        if (leg) legGone(leg, undefined);
        const p = politeHangups.get(legId);
        if (p) { politeHangups.delete(legId); clock.clearTimeout(p.timer); }
        legReleased(legId);
      }
    }
    return gone;
  }

  return {
    startAttempt, legFailed, cancelLegs, hangupLeg, expectLegGone, handleAgentLegStart, onEvent, resync,
    stop() { for (const [legId] of politeHangups) finishPolite(legId); },
  };
}

export type LegBook = ReturnType<typeof createLegs>;
