// The ACD runtime: waiting callers, agent offers, bridging and the event log behind the
// statistics. It implements AcdPort for the flows and takes agent legs from the Stasis
// router (handleAgentLegStart). All decisions are synchronous in one place (`dispatch`),
// so an agent's OFFER happens in the same turn as the check that it was available: that
// is what keeps an agent in several queues from being offered two calls at once.
import { createActor, type ActorRefFrom } from 'xstate';
import type { AcdPort, QueueOutcome, StasisRoleHandler } from '../calls/contract.ts';
import { STASIS_ROLES } from '../calls/contract.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { EventBus } from '../domain/event-bus.ts';
import { CentralitaError, ChannelGoneError } from '../errors.ts';
import type { HangupReason, Telephony, TelephonyEvent } from '../telephony/port.ts';
import { agentMachine, type AgentEvent, type AgentStateName } from './agent-machine.ts';
import type { AgentStateStore, PersistedAgent } from './agent-store.ts';
import { announcementMedia, estimateWaitSec } from './announce.ts';
import { CALLER_GONE_PROMPT } from './prompts.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { agentDirectory, type AgentDirectoryEntry, type QueueConfig, type QueuesConfig } from './queue-config.ts';
import { computeAgentStats, computeQueueStats, pruneLogs, type AcdEvent, type AgentStateEvent, type AgentStats, type LeaveOutcome, type QueueStats } from './stats.ts';
import { pickAgents, type Candidate, type Rng } from './strategy.ts';

export class AcdError extends CentralitaError {}

export interface AcdLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AcdDeps {
  telephony: Telephony;
  queues: QueuesConfig;
  clock: Clock;
  store: AgentStateStore;
  bus?: EventBus;
  logger?: AcdLogger;
  rng?: Rng;
  /** How long events are kept for windowed statistics (default 24 h). */
  retentionMs?: number;
  /** Played to an agent who answers after the caller left, before hanging up. */
  callerGonePrompt?: string;
  /** How often endpoint reachability is re-read with endpointState() (s); 0 = only at start. */
  devicePollSec?: number;
}

export interface AgentView {
  id: string;
  name?: string;
  endpoint: string;
  queues: string[];
  state: AgentStateName;
  pauseReason?: string;
  callId?: string;
  queueId?: string;
  device: DeviceAvailability;
}

export type DeviceAvailability = 'available' | 'in-use' | 'unavailable' | 'unknown';

export interface QueueView extends QueueStats {
  name?: string;
  strategy: QueueConfig['strategy'];
  members: number;
  staffed: number;
  availableNow: number;
  windowSec: number;
}

export interface StatsQuery { windowSec?: number }

export interface Acd extends AcdPort {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For the Stasis router: channels whose args[0] is STASIS_ROLES.agentLeg. */
  handleAgentLegStart: StasisRoleHandler;
  dtmf(channelId: string, digit: string): void;
  login(agentId: string): Promise<AgentView>;
  logout(agentId: string): Promise<AgentView>;
  pause(agentId: string, reason: string): Promise<AgentView>;
  unpause(agentId: string): Promise<AgentView>;
  agents(): AgentView[];
  agent(agentId: string): AgentView | undefined;
  getQueueStats(q?: StatsQuery): QueueView[];
  getAgentStats(q?: StatsQuery): (AgentStats & { name?: string; queues: string[]; device: DeviceAvailability })[];
  /** Queue/agent/recording fields for the caller's CallRecord, once the caller left the queue. */
  recordFields(callId: string): Pick<CallRecord, 'queue' | 'agent' | 'recording'> | undefined;
  /** Callers waiting or talking right now (diagnostics, tests). */
  liveCalls(): { callId: string; queueId: string; phase: Phase; agentId?: string }[];
  readonly counters: Record<string, number>;
  /** The raw event logs (tests and exports). */
  log(): { events: readonly AcdEvent[]; states: readonly AgentStateEvent[] };
}

type Phase = 'waiting' | 'ringing' | 'retry' | 'bridged' | 'done';
type LegState = 'dialing' | 'up' | 'failed' | 'cancelled';

interface Leg {
  legId: string;
  agentId: string;
  state: LegState;
  caller: Caller;
  attempt: Attempt;
  /** The originate request has not returned yet: a hangup now could reach the PBX before the channel exists. */
  originating: boolean;
  hangupWanted?: HangupReason;
}
interface Attempt { no: number; legs: Map<string, Leg>; ringTimer?: TimerHandle; winner?: string; closed: boolean }

interface Caller {
  callId: string;
  channelId: string;
  queue: QueueConfig;
  language: string;
  seq: number;
  joinedAt: number;
  phase: Phase;
  attemptNo: number;
  attempt?: Attempt;
  lastRung: Set<string>;
  tried: Set<string>;
  maxWaitTimer?: TimerHandle;
  /** Skills the answering agent must have; dropped when relaxTimer fires (queue's skillsRelaxSec). */
  skills: string[];
  relaxTimer?: TimerHandle;
  announceTimer?: TimerHandle;
  retryTimer?: TimerHandle;
  announcing?: string; // playbackId
  agentId?: string;
  agentLegId?: string;
  bridgeId?: string;
  recordingName?: string;
  connectedAt?: number;
  resolve: (o: QueueOutcome) => void;
  detachSignal: () => void;
}

interface AgentRuntime {
  entry: AgentDirectoryEntry;
  actor: ActorRefFrom<typeof agentMachine>;
  device: DeviceAvailability;
  lastState: AgentStateName;
  persisted: PersistedAgent;
}

interface QueueMemory { lastCallEndedAt: Record<string, number>; callsTaken: Record<string, number>; rrLastOrder?: number; smoothedHoldSec: number | null }

const noopLogger: AcdLogger = { debug() {}, info() {}, warn() {}, error() {} };

const HANGUP_TYPES = new Set(['channel.hangupRequested', 'call.ended', 'channel.destroyed']);
const FAILED_DIAL = new Set(['BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION', 'CANCEL', 'DONTCALL', 'INVALIDARGS']);
const CAUSE_REASON: Record<number, string> = { 17: 'busy', 18: 'no-answer', 19: 'no-answer', 20: 'unavailable', 21: 'rejected', 34: 'congestion' };

export function createAcd(deps: AcdDeps): Acd {
  const { telephony, queues, clock, store } = deps;
  const log = deps.logger ?? noopLogger;
  const rng = deps.rng ?? Math.random;
  const retentionMs = deps.retentionMs ?? 24 * 3600_000;
  const callerGonePrompt = deps.callerGonePrompt ?? `sound:${CALLER_GONE_PROMPT}`;
  const counters: Record<string, number> = {
    badAgentLegArgs: 0, unexpectedAgentLeg: 0, lateAgentAnswer: 0, originateFailed: 0, telephonyErrors: 0,
    storeErrors: 0, storeUnknownAgents: 0, offerRefused: 0, staleLegs: 0, unknownQueueJoins: 0, duplicateJoins: 0,
  };

  let events: AcdEvent[] = [];
  let states: AgentStateEvent[] = [];
  let seq = 0;
  const callers = new Map<string, Caller>(); // by callId
  const byChannel = new Map<string, Caller>();
  const legs = new Map<string, Leg>();
  // Agent leg channels that still exist (ringing, talking, being hung up), per agent: a
  // phone is not rung again until its previous leg is really gone.
  const liveLegs = new Map<string, Set<string>>();
  const legRelease = new Map<string, TimerHandle>();
  const politeHangups = new Map<string, { timer: TimerHandle; playbackId?: string }>();
  const finished = new Map<string, Pick<CallRecord, 'queue' | 'agent' | 'recording'>>();
  const memory = new Map<string, QueueMemory>();
  for (const q of Object.values(queues)) memory.set(q.id, { lastCallEndedAt: {}, callsTaken: {}, smoothedHoldSec: null });
  const directory = agentDirectory(queues);
  const agents = new Map<string, AgentRuntime>();
  const byEndpoint = new Map<string, string>();
  let unsubscribe: (() => void) | undefined;
  let started = false;

  // ---- event log -------------------------------------------------------------------
  function record(e: AcdEvent): void {
    events.push(e);
    const { at, ...rest } = e;
    deps.bus?.emit('queue.event', { ...rest, at: new Date(at).toISOString() });
    if (events.length % 500 === 0) prune();
  }
  function prune(): void {
    const cut = pruneLogs(events, states, clock.now() - retentionMs);
    events = cut.events;
    states = cut.states;
  }

  function swallow(op: string, extra: object = {}) {
    return (err: unknown) => {
      counters.telephonyErrors!++;
      log.debug({ err, op, ...extra }, 'telephony command failed (channel probably gone)');
    };
  }

  // ---- agents ------------------------------------------------------------------------
  for (const entry of directory.values()) {
    const actor = createActor(agentMachine, { input: { agentId: entry.id }, clock });
    const rt: AgentRuntime = { entry, actor, device: 'unknown', lastState: 'loggedOut', persisted: { loggedIn: false, paused: false, updatedAt: 0 } };
    agents.set(entry.id, rt);
    byEndpoint.set(entry.endpoint.toLowerCase(), entry.id);
    actor.subscribe((snap) => {
      const state = snap.value as AgentStateName;
      const reason = state === 'paused' ? snap.context.pauseReason : undefined;
      if (state === rt.lastState && state !== 'paused') return;
      if (state === 'paused' && rt.lastState === 'paused' && reason === rt.persisted.reason) return;
      rt.lastState = state;
      const at = clock.now();
      states.push({ agentId: entry.id, state, reason, at });
      deps.bus?.emit('agent.state', { agentId: entry.id, state, reason, at: new Date(at).toISOString() });
      persist(rt, state, reason);
      // Deferred: an OFFER sent from inside this callback would be queued by XState and
      // not yet visible to the next availability check (double booking).
      scheduleKick();
    });
    actor.start();
  }

  function persist(rt: AgentRuntime, state: AgentStateName, reason: string | undefined) {
    const loggedIn = state !== 'loggedOut';
    const paused = state === 'paused';
    // Ringing/on call/wrap-up are not durable: they keep the last durable values.
    if (state === 'ringing' || state === 'onCall' || state === 'wrapUp') return;
    if (rt.persisted.loggedIn === loggedIn && rt.persisted.paused === paused && rt.persisted.reason === reason) return;
    rt.persisted = { loggedIn, paused, reason, updatedAt: clock.now() };
    store.save(rt.entry.id, rt.persisted).catch((err: unknown) => {
      counters.storeErrors!++;
      log.error({ err, agentId: rt.entry.id }, 'could not save agent state');
    });
  }

  function agentState(id: string): AgentStateName {
    return agents.get(id)?.actor.getSnapshot().value as AgentStateName;
  }

  function view(rt: AgentRuntime): AgentView {
    const snap = rt.actor.getSnapshot();
    return {
      id: rt.entry.id, name: rt.entry.name, endpoint: rt.entry.endpoint, queues: rt.entry.queues, state: snap.value as AgentStateName,
      pauseReason: snap.value === 'paused' ? snap.context.pauseReason : undefined, callId: snap.context.callId, queueId: snap.context.queueId, device: rt.device,
    };
  }

  function mustAgent(agentId: string): AgentRuntime {
    const rt = agents.get(agentId);
    if (!rt) throw new AcdError('ACD_UNKNOWN_AGENT', `agent ${agentId} is not a member of any queue`);
    return rt;
  }

  /** Login/logout/pause/unpause: send to the agent's machine, then re-dispatch. */
  async function command(agentId: string, event: Extract<AgentEvent, { type: 'LOGIN' | 'LOGOUT' | 'PAUSE' | 'UNPAUSE' }>): Promise<AgentView> {
    const rt = mustAgent(agentId);
    rt.actor.send(event);
    kick(); // a pending logout/pause changes who is staffed without a state change
    return view(rt);
  }

  /** Logged in, not paused, phone not unavailable: could take a call now or after this one. */
  function staffed(rt: AgentRuntime): boolean {
    const snap = rt.actor.getSnapshot();
    const s = snap.value as AgentStateName;
    // An agent who asked to log out or pause during a call will not take the next one.
    return s !== 'loggedOut' && s !== 'paused' && !snap.context.pending && rt.device !== 'unavailable';
  }
  const staffedCount = (q: QueueConfig) => q.members.filter((m) => staffed(agents.get(m.id)!)).length;

  function legAlive(agentId: string, legId: string): void {
    let set = liveLegs.get(agentId);
    if (!set) liveLegs.set(agentId, (set = new Set()));
    set.add(legId);
  }
  function legReleased(legId: string): void {
    const agentId = legs.get(legId)?.agentId ?? [...liveLegs].find(([, set]) => set.has(legId))?.[0];
    clock.clearTimeout(legRelease.get(legId));
    legRelease.delete(legId);
    if (agentId && liveLegs.get(agentId)?.delete(legId)) scheduleKick();
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
    }, 120_000));
  }
  const isLive = (legId: string) => [...liveLegs.values()].some((set) => set.has(legId));

  // ---- dispatch ----------------------------------------------------------------------
  let dispatching = false;
  let again = false;
  let kickScheduled = false;
  function scheduleKick(): void {
    if (kickScheduled) return;
    kickScheduled = true;
    queueMicrotask(() => { kickScheduled = false; kick(); });
  }
  function kick(): void {
    if (!started) return;
    if (dispatching) { again = true; return; }
    dispatching = true;
    try {
      do {
        again = false;
        leaveEmptyQueues();
        dispatchOnce();
      } while (again);
    } finally {
      dispatching = false;
    }
  }

  function dispatchOnce(): void {
    // Oldest caller first across all queues: fair when agents serve several queues.
    const waiting = [...callers.values()].filter((c) => c.phase === 'waiting').sort((a, b) => a.seq - b.seq);
    for (const c of waiting) {
      const picks = choose(c);
      if (picks.length) startAttempt(c, picks);
    }
  }

  function choose(c: Caller): string[] {
    const q = c.queue;
    const free = (id: string) => {
      const rt = agents.get(id)!;
      return agentState(id) === 'available' && rt.device !== 'unavailable' && rt.device !== 'in-use' && !liveLegs.get(id)?.size;
    };
    // Only members with every skill the caller requires (until the requirement is relaxed).
    const pool = c.skills.length ? q.members.filter((m) => c.skills.every((s) => m.skills.includes(s))) : q.members;
    let members = q.members.map((m, order) => ({ m, order })).filter(({ m }) => pool.includes(m) && free(m.id));
    // Agents this caller has not tried yet come first, so one who does not answer is not
    // retried while others were never rung; the round restarts once everyone was tried.
    if (pool.every((m) => c.tried.has(m.id) || !staffed(agents.get(m.id)!))) c.tried = new Set();
    const untried = members.filter(({ m }) => !c.tried.has(m.id));
    if (untried.length) members = untried;
    // Never the same agent twice in a row for this caller, unless nobody else in the
    // queue could ever take the call (a one-agent queue would otherwise starve).
    const others = members.filter(({ m }) => !c.lastRung.has(m.id));
    const someoneElseStaffed = pool.some((m) => !c.lastRung.has(m.id) && staffed(agents.get(m.id)!));
    if (others.length || someoneElseStaffed) members = others;
    const candidates: Candidate[] = members.map(({ m, order }) => ({ agentId: m.id, penalty: m.penalty, order }));
    const mem = memory.get(q.id)!;
    return pickAgents(q.strategy, candidates, mem, rng);
  }

  function startAttempt(c: Caller, agentIds: string[]): void {
    const q = c.queue;
    const attempt: Attempt = { no: ++c.attemptNo, legs: new Map(), closed: false };
    c.attempt = attempt;
    c.phase = 'ringing';
    const mem = memory.get(q.id)!;
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
    record({ type: 'ring', queueId: q.id, callId: c.callId, at: clock.now(), agentIds });
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
      const rt = agents.get(leg.agentId)!;
      telephony.originate({
        endpoint: rt.entry.endpoint,
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
    expectLegGone(leg.legId);
    const c = leg.caller;
    record({ type: 'ring-failed', queueId: c.queue.id, callId: c.callId, at: clock.now(), agentId: leg.agentId, reason });
    agents.get(leg.agentId)!.actor.send({ type: 'RING_END', callId: leg.caller.callId });
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
      if (c.phase === 'retry') { c.phase = 'waiting'; kick(); }
    }, c.queue.retrySec * 1000);
    kick();
  }

  function closeAttempt(a: Attempt): void {
    a.closed = true;
    clock.clearTimeout(a.ringTimer);
    a.ringTimer = undefined;
  }

  /** Hangs up an agent leg, after its originate has returned (else the DELETE could 404 and the phone ring on). */
  function hangupLeg(leg: Leg, reason: HangupReason): void {
    if (leg.originating) { leg.hangupWanted = reason; return; }
    telephony.hangup(leg.legId, reason).catch(swallow('hangup', { legId: leg.legId }));
  }

  /** Hangs up every still-ringing leg of the caller's attempt (caller left or someone answered). */
  function cancelLegs(c: Caller, except?: string): void {
    const a = c.attempt;
    if (!a) return;
    for (const leg of a.legs.values()) {
      if (leg.legId === except || leg.state !== 'dialing') continue;
      leg.state = 'cancelled';
      expectLegGone(leg.legId);
      hangupLeg(leg, except ? 'answered_elsewhere' : 'normal');
      agents.get(leg.agentId)!.actor.send({ type: 'RING_END', callId: leg.caller.callId });
    }
    if (!except) closeAttempt(a);
  }

  // ---- agent answers ------------------------------------------------------------------
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
      if (leg.state === 'dialing') { leg.state = 'cancelled'; agents.get(leg.agentId)!.actor.send({ type: 'RING_END', callId: leg.caller.callId }); }
      log.info({ legId, callId, agentId }, 'agent answered after the caller left: hanging up politely');
      politeHangup(legId);
      return;
    }
    connect(c, leg);
  };

  function connect(c: Caller, leg: Leg): void {
    const a = leg.attempt;
    const q = c.queue;
    leg.state = 'up';
    a.winner = leg.legId;
    closeAttempt(a);
    cancelLegs(c, leg.legId);
    const now = clock.now();
    c.phase = 'bridged';
    c.agentId = leg.agentId;
    c.agentLegId = leg.legId;
    c.connectedAt = now;
    c.lastRung.clear();
    clearWaitTimers(c);
    const rt = agents.get(leg.agentId)!;
    rt.actor.send({ type: 'CONNECT', callId: c.callId });
    const mem = memory.get(q.id)!;
    mem.callsTaken[leg.agentId] = (mem.callsTaken[leg.agentId] ?? 0) + 1;
    const waitSec = (now - c.joinedAt) / 1000;
    mem.smoothedHoldSec = mem.smoothedHoldSec === null ? waitSec : (mem.smoothedHoldSec * 3 + waitSec) / 4;
    record({ type: 'connect', queueId: q.id, callId: c.callId, at: now, agentId: leg.agentId, waitSec: round2(waitSec) });
    void bridge(c, leg.legId);
  }

  async function bridge(c: Caller, legId: string): Promise<void> {
    const q = c.queue;
    try {
      if (c.announcing) await telephony.stopPlayback(c.announcing).catch(swallow('stopPlayback'));
      await telephony.stopMoh(c.channelId).catch(swallow('stopMoh'));
      const { bridgeId } = await telephony.createBridge({ type: 'mixing', bridgeId: `acd-${c.callId}`, name: `queue ${q.id}` });
      c.bridgeId = bridgeId;
      if (c.phase !== 'bridged') { await telephony.destroyBridge(bridgeId).catch(swallow('destroyBridge')); return; }
      await telephony.addToBridge(bridgeId, [c.channelId, legId]);
      if (q.record && c.phase === 'bridged') {
        const name = `queue-${q.id}-${c.callId}`;
        // The bridge, not a channel: both sides of the conversation are in the file.
        const r = await telephony.recordBridge(bridgeId, { name, format: 'wav', beep: false, ifExists: 'overwrite', terminateOn: 'none' });
        c.recordingName = r.name;
      }
    } catch (err) {
      // One side vanished mid-setup: the hangup event ends the conversation; anything else
      // would leave two people in silence, so end it explicitly.
      log.warn({ err, callId: c.callId }, 'bridging caller and agent failed');
      counters.telephonyErrors!++;
      if (c.phase === 'bridged') endConversation(c, 'system');
    }
  }

  function politeHangup(legId: string): void {
    if (politeHangups.has(legId)) return;
    const entry: { timer: TimerHandle; playbackId?: string } = {
      timer: clock.setTimeout(() => finishPolite(legId), 5000),
    };
    politeHangups.set(legId, entry);
    telephony.play(legId, [callerGonePrompt]).then((r) => { entry.playbackId = r.playbackId; }, () => finishPolite(legId));
  }
  function finishPolite(legId: string): void {
    const p = politeHangups.get(legId);
    if (!p) return;
    politeHangups.delete(legId);
    clock.clearTimeout(p.timer);
    expectLegGone(legId);
    telephony.hangup(legId, 'normal').catch(swallow('hangup', { legId }));
  }

  // ---- leaving ---------------------------------------------------------------------------
  function clearWaitTimers(c: Caller): void {
    clock.clearTimeout(c.maxWaitTimer);
    clock.clearTimeout(c.relaxTimer);
    clock.clearTimeout(c.announceTimer);
    clock.clearTimeout(c.retryTimer);
    c.maxWaitTimer = c.relaxTimer = c.announceTimer = c.retryTimer = undefined;
  }

  /** The caller leaves the queue without an agent. */
  function leave(c: Caller, outcome: LeaveOutcome, opts: { digit?: string; channelAlive: boolean }): void {
    if (c.phase === 'done' || c.phase === 'bridged') return;
    cancelLegs(c);
    clearWaitTimers(c);
    c.phase = 'done';
    const now = clock.now();
    const waitSec = round2((now - c.joinedAt) / 1000);
    record({ type: 'leave', queueId: c.queue.id, callId: c.callId, at: now, outcome, waitSec, digit: opts.digit });
    if (opts.channelAlive) {
      // Hand the channel back to the flow in silence, ready for its next prompt.
      if (c.announcing) telephony.stopPlayback(c.announcing).catch(swallow('stopPlayback'));
      telephony.stopMoh(c.channelId).catch(swallow('stopMoh'));
    }
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
    const waitSec = round2(((c.connectedAt ?? now) - c.joinedAt) / 1000);
    memory.get(q.id)!.lastCallEndedAt[agentId] = now;
    record({ type: 'complete', queueId: q.id, callId: c.callId, at: now, agentId, talkSec, wrapUpSec: q.wrapUpSec, endedBy });
    if (c.recordingName) telephony.stopRecording(c.recordingName).catch(swallow('stopRecording'));
    if (c.agentLegId) expectLegGone(c.agentLegId);
    if (endedBy !== 'agent' && c.agentLegId) telephony.hangup(c.agentLegId, 'normal').catch(swallow('hangup'));
    if (c.bridgeId) {
      const bridgeId = c.bridgeId;
      // The caller goes back to the flow; the agent's leg is hung up or already gone.
      telephony.removeFromBridge(bridgeId, [c.channelId]).catch(() => {}).finally(() => telephony.destroyBridge(bridgeId).catch(swallow('destroyBridge')));
    }
    agents.get(agentId)!.actor.send({ type: 'CALL_END', callId: c.callId });
    const rt = agents.get(agentId)!;
    finish(c, { outcome: 'answered', agentId, agentName: rt.entry.name, waitSeconds: waitSec, talkSeconds: talkSec });
  }

  function finish(c: Caller, outcome: QueueOutcome): void {
    callers.delete(c.callId);
    byChannel.delete(c.channelId);
    c.detachSignal();
    const rt = c.agentId ? agents.get(c.agentId) : undefined;
    finished.set(c.callId, {
      queue: { id: c.queue.id, waitSeconds: outcome.waitSeconds, outcome: outcome.outcome, ...(outcome.outcome === 'answered' && outcome.talkSeconds !== undefined ? { talkSeconds: outcome.talkSeconds } : {}) },
      ...(rt ? { agent: { id: rt.entry.id, name: rt.entry.name, endpoint: rt.entry.endpoint } } : {}),
      ...(c.recordingName ? { recording: { name: c.recordingName } } : {}),
    });
    if (finished.size > 10_000) finished.delete(finished.keys().next().value!);
    c.resolve(outcome);
    kick();
  }

  function callerGone(c: Caller): void {
    if (c.phase === 'bridged') endConversation(c, 'caller');
    else leave(c, 'abandoned', { channelAlive: false });
  }

  function leaveEmptyQueues(): void {
    for (const q of Object.values(queues)) {
      if (!q.leaveWhenEmpty || staffedCount(q) > 0) continue;
      for (const c of [...callers.values()]) {
        if (c.queue === q && c.phase !== 'bridged' && c.phase !== 'done') leave(c, 'no-agents', { channelAlive: true });
      }
    }
  }

  // ---- announcements ----------------------------------------------------------------------
  function scheduleAnnouncement(c: Caller): void {
    const ann = c.queue.announce;
    if (!ann) return;
    c.announceTimer = clock.setTimeout(() => {
      c.announceTimer = undefined;
      if (c.phase === 'done' || c.phase === 'bridged') return;
      void announce(c);
      scheduleAnnouncement(c);
    }, ann.frequencySec * 1000);
  }

  function positionOf(c: Caller): number {
    let pos = 1;
    for (const o of callers.values()) if (o.queue === c.queue && o.phase !== 'bridged' && o.seq < c.seq) pos++;
    return pos;
  }

  async function announce(c: Caller): Promise<void> {
    const ann = c.queue.announce!;
    if (c.announcing) return;
    const position = positionOf(c);
    const st = computeQueueStats(c.queue.id, events, { from: clock.now() - 3600_000, to: clock.now(), serviceLevelSec: c.queue.serviceLevelSec, shortAbandonSec: c.queue.shortAbandonSec });
    const est = estimateWaitSec(position, staffedCount(c.queue), st.ahtSec, memory.get(c.queue.id)!.smoothedHoldSec);
    const media = announcementMedia({ position, estimatedWaitSec: est, sayPosition: ann.position, sayEstimatedWait: ann.estimatedWait });
    if (!media.length) return;
    c.announcing = 'pending';
    try {
      await telephony.stopMoh(c.channelId);
      if (c.phase === 'done' || c.phase === 'bridged') { c.announcing = undefined; return; }
      const { playbackId } = await telephony.play(c.channelId, media, { language: ann.language ?? c.language, playbackId: `${c.callId}-ann-${clock.now()}` });
      if (c.announcing === 'pending') c.announcing = playbackId;
    } catch (err) {
      c.announcing = undefined;
      swallow('announce', { callId: c.callId })(err);
    }
  }

  function onPlaybackFinished(playbackId: string): void {
    for (const [legId, p] of politeHangups) if (p.playbackId === playbackId) finishPolite(legId);
    for (const c of callers.values()) {
      if (c.announcing !== playbackId) continue;
      c.announcing = undefined;
      if (c.phase === 'waiting' || c.phase === 'ringing' || c.phase === 'retry') telephony.startMoh(c.channelId, c.queue.mohClass).catch(swallow('startMoh'));
    }
  }

  // ---- telephony events -------------------------------------------------------------------
  function onTelephony(e: TelephonyEvent): void {
    if (HANGUP_TYPES.has(e.type)) {
      const channelId = (e as { channelId: string }).channelId;
      const c = byChannel.get(channelId);
      if (c) { callerGone(c); return; }
      const leg = legs.get(channelId);
      if (leg) legGone(leg, e.type === 'channel.destroyed' ? e.cause : (e as { cause?: number }).cause);
      if (e.type === 'channel.destroyed' || e.type === 'call.ended') {
        legReleased(channelId);
        const p = politeHangups.get(channelId);
        if (p) { politeHangups.delete(channelId); clock.clearTimeout(p.timer); }
      }
      return;
    }
    switch (e.type) {
      case 'dial': {
        const leg = legs.get(e.peerId);
        if (leg && FAILED_DIAL.has(e.status.toUpperCase())) legFailed(leg, e.status.toLowerCase());
        return;
      }
      // The session may also forward DTMF through acd.dtmf(); leaving is idempotent, so a
      // digit seen twice cannot count twice.
      case 'dtmf': dtmf(e.channelId, e.digit); return;
      case 'playback.finished': onPlaybackFinished(e.playbackId); return;
      case 'endpoint.state': setDevice(`${e.technology}/${e.resource}`, endpointAvailability(e.state)); return;
      case 'device.state': setDevice(e.device, deviceAvailability(e.state)); return;
      default: return;
    }
  }

  function legGone(leg: Leg, cause: number | undefined): void {
    if (leg.state === 'dialing') { legFailed(leg, CAUSE_REASON[cause ?? 0] ?? 'hangup'); return; }
    if (leg.state === 'up') {
      leg.state = 'cancelled';
      legs.delete(leg.legId);
      const c = leg.caller;
      if (c.phase === 'bridged' && c.agentLegId === leg.legId) endConversation(c, 'agent');
      return;
    }
    legs.delete(leg.legId);
  }

  function setDevice(device: string, availability: DeviceAvailability): void {
    const id = byEndpoint.get(device.toLowerCase());
    if (!id) return;
    const rt = agents.get(id)!;
    if (rt.device === availability) return;
    rt.device = availability;
    kick();
  }

  let pollTimer: TimerHandle | undefined;
  /**
   * Reachability from endpointState(): registered or not. Events may be missing (the app
   * is not necessarily subscribed to endpoints), so this is re-read periodically; it only
   * toggles unavailable ↔ available and leaves in-use (from device-state events) alone.
   */
  async function pollDevices(): Promise<void> {
    await Promise.all([...agents.values()].map(async (rt) => {
      const [tech, ...rest] = rt.entry.endpoint.split('/');
      try {
        const s = await telephony.endpointState(tech!, rest.join('/'));
        if (s === undefined) return;
        const a = endpointAvailability(s);
        if (a === 'unavailable' && rt.device !== 'unavailable') setDevice(rt.entry.endpoint, 'unavailable');
        else if (a === 'available' && (rt.device === 'unavailable' || rt.device === 'unknown')) setDevice(rt.entry.endpoint, 'available');
      } catch (err) {
        log.debug({ err, endpoint: rt.entry.endpoint }, 'endpoint state unknown');
      }
    }));
  }

  // ---- the port --------------------------------------------------------------------------
  function join(req: { callId: string; channelId: string; queueId: string; language: string; skills?: string[]; signal: AbortSignal }): Promise<QueueOutcome> {
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
      record({ type: 'reject', queueId: q.id, callId: req.callId, at: now, outcome });
      finished.set(req.callId, { queue: { id: q.id, waitSeconds: 0, outcome } });
      return Promise.resolve({ outcome, waitSeconds: 0 });
    };
    if (q.maxCallers !== undefined && waitingHere >= q.maxCallers) return reject('full');
    if (!q.joinWhenEmpty && staffedCount(q) === 0) return reject('no-agents');
    return new Promise<QueueOutcome>((resolve) => {
      const c: Caller = {
        callId: req.callId, channelId: req.channelId, queue: q, language: req.language, seq: ++seq, joinedAt: now, phase: 'waiting', skills: [...new Set(req.skills ?? [])],
        attemptNo: 0, lastRung: new Set(), tried: new Set(), resolve, detachSignal: () => {},
      };
      const onAbort = () => callerGone(c);
      req.signal.addEventListener('abort', onAbort, { once: true });
      c.detachSignal = () => req.signal.removeEventListener('abort', onAbort);
      callers.set(c.callId, c);
      byChannel.set(c.channelId, c);
      record({ type: 'join', queueId: q.id, callId: c.callId, at: now, position: waitingHere + 1 });
      telephony.startMoh(c.channelId, q.mohClass).catch(swallow('startMoh', { callId: c.callId }));
      if (c.skills.length && q.skillsRelaxSec !== undefined) {
        // Waited long enough for a specialist: any member may take the call now.
        c.relaxTimer = clock.setTimeout(() => { c.relaxTimer = undefined; c.skills = []; kick(); }, q.skillsRelaxSec * 1000);
      }
      if (q.maxWaitSec !== undefined) {
        c.maxWaitTimer = clock.setTimeout(() => { c.maxWaitTimer = undefined; leave(c, 'timeout', { channelAlive: true }); }, q.maxWaitSec * 1000);
      }
      scheduleAnnouncement(c);
      kick();
    });
  }

  function dtmf(channelId: string, digit: string): void {
    const c = byChannel.get(channelId);
    if (!c || !c.queue.exitKey || c.queue.exitKey !== digit) return;
    leave(c, 'exit-key', { digit, channelAlive: true });
  }

  function windowed(q?: StatsQuery): { from: number; to: number; windowSec: number } {
    const windowSec = q?.windowSec ?? 3600;
    const to = clock.now();
    return { from: to - windowSec * 1000, to, windowSec };
  }

  const acd: Acd = {
    join,
    dtmf,
    hasQueue: (id) => Object.hasOwn(queues, id),
    handleAgentLegStart,
    counters,
    async start() {
      if (started) return;
      unsubscribe = telephony.onEvent(onTelephony);
      let saved = new Map<string, PersistedAgent>();
      try {
        saved = await store.loadAll();
      } catch (err) {
        counters.storeErrors!++;
        log.error({ err }, 'could not load agent states: everyone starts logged out');
      }
      for (const [id, p] of saved) {
        const rt = agents.get(id);
        if (!rt) { counters.storeUnknownAgents!++; log.warn({ agentId: id }, 'stored agent is no longer in any queue: ignored'); continue; }
        rt.persisted = p;
        if (p.loggedIn) rt.actor.send({ type: 'LOGIN' });
        if (p.loggedIn && p.paused) rt.actor.send({ type: 'PAUSE', reason: p.reason ?? 'paused' });
      }
      await pollDevices();
      started = true;
      kick();
      const every = (deps.devicePollSec ?? 30) * 1000;
      const loop = () => {
        pollTimer = clock.setTimeout(() => { void pollDevices().finally(() => { if (started) loop(); }); }, every);
      };
      if (every > 0) loop();
    },
    async stop() {
      started = false;
      clock.clearTimeout(pollTimer);
      unsubscribe?.();
      for (const c of [...callers.values()]) {
        if (c.phase === 'bridged') endConversation(c, 'system');
        else leave(c, 'abandoned', { channelAlive: true });
      }
      for (const rt of agents.values()) rt.actor.stop();
      for (const [legId] of politeHangups) finishPolite(legId);
    },
    login: (agentId) => command(agentId, { type: 'LOGIN' }),
    logout: (agentId) => command(agentId, { type: 'LOGOUT' }),
    async pause(agentId, reason) {
      mustAgent(agentId);
      const s = agentState(agentId);
      if (s === 'loggedOut') throw new AcdError('ACD_AGENT_LOGGED_OUT', `agent ${agentId} is logged out: log in before pausing`);
      return command(agentId, { type: 'PAUSE', reason: reason || 'paused' });
    },
    unpause: (agentId) => command(agentId, { type: 'UNPAUSE' }),
    agents: () => [...agents.values()].map(view),
    agent: (id) => { const rt = agents.get(id); return rt ? view(rt) : undefined; },
    getQueueStats(query) {
      const w = windowed(query);
      return Object.values(queues).map((q) => ({
        ...computeQueueStats(q.id, events, { from: w.from, to: w.to, serviceLevelSec: q.serviceLevelSec, shortAbandonSec: q.shortAbandonSec }),
        name: q.name, strategy: q.strategy, members: q.members.length, staffed: staffedCount(q),
        availableNow: q.members.filter((m) => agentState(m.id) === 'available').length, windowSec: w.windowSec,
      }));
    },
    getAgentStats(query) {
      const w = windowed(query);
      return [...agents.values()].map((rt) => ({
        ...computeAgentStats(rt.entry.id, states, events, w), name: rt.entry.name, queues: rt.entry.queues, device: rt.device,
      }));
    },
    recordFields: (callId) => finished.get(callId),
    liveCalls: () => [...callers.values()].map((c) => ({ callId: c.callId, queueId: c.queue.id, phase: c.phase, agentId: c.agentId })),
    log: () => ({ events, states }),
  };
  return acd;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function endpointAvailability(state: string): DeviceAvailability {
  const s = state.toLowerCase();
  if (s === 'online') return 'available';
  if (s === 'offline' || s === 'unavailable') return 'unavailable';
  return 'unknown';
}

/** Asterisk device states: INUSE/BUSY/RINGING mean the phone is on another call. */
export function deviceAvailability(state: string): DeviceAvailability {
  switch (state.toUpperCase()) {
    case 'NOT_INUSE': return 'available';
    case 'INUSE': case 'BUSY': case 'RINGING': case 'RINGINUSE': case 'ONHOLD': return 'in-use';
    case 'UNAVAILABLE': case 'INVALID': return 'unavailable';
    default: return 'unknown';
  }
}
