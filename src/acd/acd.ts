// The ACD runtime: waiting callers, agent offers, bridging and the event log behind the
// statistics. It implements AcdPort for the flows and takes agent legs from the Stasis
// router (handleAgentLegStart). This file assembles the parts — agents (agents.ts), agent
// legs (legs.ts), callers and conversations (callers.ts), announcements (announcements.ts),
// dispatch (dispatch.ts) — routes the PBX's events to them, resynchronises them after a
// reconnect (Asterisk replays nothing) and answers the statistics queries.
import type { AcdPort, StasisRoleHandler } from '../calls/contract.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';
import { onReconnected } from '../telephony/reconnect.ts';
import { createAgents, deviceAvailability, endpointAvailability, type AgentView } from './agents.ts';
import type { AgentStateStore, PersistedAgent } from './agent-store.ts';
import { createAnnouncements } from './announcements.ts';
import { createCallers } from './callers.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { createDispatcher } from './dispatch.ts';
import { createLegs } from './legs.ts';
import { createTransfers, type Transfers } from './transfer.ts';
import { CALLER_GONE_PROMPT } from './prompts.ts';
import type { QueueConfig, QueuesConfig } from './queue-config.ts';
import { AcdError, type AcdLogger, type AcdRuntime, type DeviceAvailability, type Phase, type RecordFields } from './runtime.ts';
import { computeAgentStats, computeQueueStats, pruneLogs, type AcdEvent, type AgentStateEvent, type AgentStats, type QueueStats } from './stats.ts';
import type { Rng } from './strategy.ts';

export { AcdError, type AcdLogger, type DeviceAvailability } from './runtime.ts';
export { deviceAvailability, endpointAvailability, type AgentView } from './agents.ts';

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
  /**
   * Resync by itself after each reconnect (default true). The app sets false and lets the call
   * service run `acd.resync()` after it has ended the vanished calls' sessions, so a vanished
   * caller is recorded as vanished, not as having left the queue.
   */
  resyncOnReconnect?: boolean;
}

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
  /** For the Stasis router: consult legs of attended transfers (args[0] STASIS_ROLES.consultLeg). */
  handleConsultLegStart: StasisRoleHandler;
  /** Blind and attended transfers of the agents' calls (transfer.ts). */
  readonly transfers: Transfers;
  dtmf(channelId: string, digit: string): void;
  login(agentId: string): Promise<AgentView>;
  logout(agentId: string): Promise<AgentView>;
  pause(agentId: string, reason: string): Promise<AgentView>;
  unpause(agentId: string): Promise<AgentView>;
  /** The agent submitted the wrap-up of this call: their wrap-up time ends now (no-op for another call). */
  endWrapUp(agentId: string, callId: string): Promise<AgentView>;
  agents(): AgentView[];
  agent(agentId: string): AgentView | undefined;
  getQueueStats(q?: StatsQuery): QueueView[];
  getAgentStats(q?: StatsQuery): (AgentStats & { name?: string; queues: string[]; device: DeviceAvailability })[];
  /** Queue/agent/recording fields for the caller's CallRecord, once the caller left the queue. */
  recordFields(callId: string): RecordFields | undefined;
  /** Callers waiting or talking right now (diagnostics, tests). */
  liveCalls(): { callId: string; queueId: string; phase: Phase; agentId?: string }[];
  /** Lists the PBX's channels and ends callers and agent legs that vanished; runs after each reconnect. */
  resync(): Promise<void>;
  readonly counters: Record<string, number>;
  /** The raw event logs (tests and exports). */
  log(): { events: readonly AcdEvent[]; states: readonly AgentStateEvent[] };
  /**
   * After a restart: the stored event log (system of record) goes in front of this
   * process's own, so windowed statistics continue where the previous process left off.
   * Joins never closed (callers lost with the old process) are left out of `waitingNow`.
   */
  restoreLog(log: { events: AcdEvent[]; states: AgentStateEvent[] }): { events: number; states: number; openJoinsDropped: number };
}

const noopLogger: AcdLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function createAcd(deps: AcdDeps): Acd {
  const { telephony, queues, clock, store } = deps;
  const log = deps.logger ?? noopLogger;
  const retentionMs = deps.retentionMs ?? 24 * 3600_000;
  const counters: Record<string, number> = {
    badAgentLegArgs: 0, unexpectedAgentLeg: 0, lateAgentAnswer: 0, originateFailed: 0, telephonyErrors: 0,
    storeErrors: 0, storeUnknownAgents: 0, offerRefused: 0, staleLegs: 0, unknownQueueJoins: 0, duplicateJoins: 0,
    announcementFailures: 0, resyncs: 0, resyncedLegs: 0, resyncedCallers: 0,
  };

  // ---- event log (statistics) --------------------------------------------------------
  let events: AcdEvent[] = [];
  let states: AgentStateEvent[] = [];
  const prune = () => {
    const cut = pruneLogs(events, states, clock.now() - retentionMs);
    events = cut.events;
    states = cut.states;
  };

  const rt: AcdRuntime = {
    telephony, queues, clock, store, bus: deps.bus, log, rng: deps.rng ?? Math.random, counters,
    callers: new Map(), byChannel: new Map(), memory: new Map(), finished: new Map(),
    callerGonePrompt: deps.callerGonePrompt ?? `sound:${CALLER_GONE_PROMPT}`,
    started: false,
    record(e) {
      events.push(e);
      const { at, ...rest } = e;
      deps.bus?.emit('queue.event', { ...rest, at: new Date(at).toISOString() });
      if (events.length % 500 === 0) prune();
    },
    // Filled in below by the parts that own them.
    kick: () => {}, scheduleKick: () => {}, connect: () => {}, endConversation: () => {}, enterQueue: () => {},
  };
  for (const q of Object.values(queues)) rt.memory.set(q.id, { lastCallEndedAt: {}, callsTaken: {}, smoothedHoldSec: null });

  const agents = createAgents(rt, { push: (e) => states.push(e) });
  const legs = createLegs(rt, agents);
  const announcements = createAnnouncements(rt, agents, () => events);
  const callers = createCallers(rt, agents, legs, announcements);
  const dispatcher = createDispatcher(rt, agents, legs, callers.leaveEmptyQueues);
  rt.kick = dispatcher.kick;
  rt.scheduleKick = dispatcher.scheduleKick;
  rt.connect = callers.connect;
  rt.endConversation = callers.endConversation;
  rt.enterQueue = callers.enterQueue;
  const transfers = createTransfers(rt, agents, legs);
  const record = rt.record;
  rt.record = (e) => { record(e); transfers.onAcdEvent(e); };

  let unsubscribe: (() => void) | undefined;
  let stopReconnect: (() => void) | undefined;
  let pollTimer: TimerHandle | undefined;

  function onTelephony(e: TelephonyEvent): void {
    switch (e.type) {
      case 'channel.hangupRequested':
      case 'call.ended':
      case 'channel.destroyed':
        transfers.onEvent(e);
        if (!callers.onHangup(e.channelId)) legs.onEvent(e);
        return;
      case 'dial': legs.onEvent(e); return;
      // The session may also forward DTMF through acd.dtmf(); leaving is idempotent, so a
      // digit seen twice cannot count twice.
      case 'dtmf': callers.dtmf(e.channelId, e.digit); return;
      case 'playback.finished':
        if (!legs.onEvent(e)) announcements.onPlaybackFinished(e.playbackId, e.state);
        return;
      case 'endpoint.state': agents.setDevice(`${e.technology}/${e.resource}`, endpointAvailability(e.state)); return;
      case 'device.state': agents.setDevice(e.device, deviceAvailability(e.state)); return;
      default: return;
    }
  }

  async function resync(): Promise<void> {
    counters.resyncs!++;
    const alive = new Set((await telephony.listChannels()).map((c) => c.id));
    const legsGone = legs.resync(alive);
    transfers.resync(alive);
    const callersGone = callers.resync(alive);
    counters.resyncedLegs! += legsGone;
    counters.resyncedCallers! += callersGone;
    agents.forgetDevices();
    await Promise.all([announcements.resync(), agents.pollDevices()]);
    log.info({ legsGone, callersGone, channels: alive.size }, 'ACD resynchronised after reconnect');
    rt.kick();
  }

  function windowed(q?: StatsQuery): { from: number; to: number; windowSec: number } {
    const windowSec = q?.windowSec ?? 3600;
    const to = clock.now();
    return { from: to - windowSec * 1000, to, windowSec };
  }

  /** Login/logout/pause/unpause: send to the agent's machine, then re-dispatch. */
  async function command(agentId: string, event: Parameters<typeof agents.send>[1]): Promise<AgentView> {
    const a = agents.must(agentId);
    a.actor.send(event);
    rt.kick(); // a pending logout/pause changes who is staffed without a state change
    return agents.view(a);
  }

  const acd: Acd = {
    join: callers.join,
    dtmf: callers.dtmf,
    hasQueue: (id) => Object.hasOwn(queues, id),
    handleAgentLegStart: legs.handleAgentLegStart,
    handleConsultLegStart: transfers.handleConsultLegStart,
    transfers,
    counters,
    resync,
    async start() {
      if (rt.started) return;
      unsubscribe = telephony.onEvent(onTelephony);
      if (deps.resyncOnReconnect !== false) stopReconnect = onReconnected(telephony, () => { resync().catch((err: unknown) => log.error({ err }, 'ACD resync after reconnect failed')); });
      let saved = new Map<string, PersistedAgent>();
      try {
        saved = await store.loadAll();
      } catch (err) {
        counters.storeErrors!++;
        log.error({ err }, 'could not load agent states: everyone starts logged out');
      }
      agents.restore(saved);
      // Device state (ringing, in use, unavailable) of every agent's phone, as events; the
      // endpoint: source is not used because it repeats every channel event of the endpoint.
      await telephony.subscribe(agents.deviceSources()).catch((err: unknown) => log.warn({ err }, 'could not subscribe to agent device states; polling endpoints only'));
      await agents.pollDevices();
      rt.started = true;
      rt.kick();
      const every = (deps.devicePollSec ?? 30) * 1000;
      const loop = () => {
        pollTimer = clock.setTimeout(() => { void agents.pollDevices().finally(() => { if (rt.started) loop(); }); }, every);
      };
      if (every > 0) loop();
    },
    async stop() {
      rt.started = false;
      clock.clearTimeout(pollTimer);
      unsubscribe?.();
      stopReconnect?.();
      transfers.stop();
      callers.stop();
      agents.stop();
      legs.stop();
    },
    login: (agentId) => command(agentId, { type: 'LOGIN' }),
    logout: (agentId) => command(agentId, { type: 'LOGOUT' }),
    async pause(agentId, reason) {
      agents.must(agentId);
      if (agents.state(agentId) === 'loggedOut') throw new AcdError('ACD_AGENT_LOGGED_OUT', `agent ${agentId} is logged out: log in before pausing`);
      return command(agentId, { type: 'PAUSE', reason: reason || 'paused' });
    },
    unpause: (agentId) => command(agentId, { type: 'UNPAUSE' }),
    endWrapUp: (agentId, callId) => command(agentId, { type: 'WRAP_UP_DONE', callId }),
    agents: () => agents.all().map(agents.view),
    agent: (id) => { const a = agents.get(id); return a ? agents.view(a) : undefined; },
    getQueueStats(query) {
      const w = windowed(query);
      return Object.values(queues).map((q) => ({
        ...computeQueueStats(q.id, events, { from: w.from, to: w.to, serviceLevelSec: q.serviceLevelSec, shortAbandonSec: q.shortAbandonSec }),
        name: q.name, strategy: q.strategy, members: q.members.length, staffed: agents.staffedCount(q),
        availableNow: q.members.filter((m) => agents.state(m.id) === 'available').length, windowSec: w.windowSec,
      }));
    },
    getAgentStats(query) {
      const w = windowed(query);
      return agents.all().map((a) => ({
        ...computeAgentStats(a.entry.id, states, events, w), name: a.entry.name, queues: a.entry.queues, device: a.device,
      }));
    },
    recordFields: (callId) => rt.finished.get(callId),
    liveCalls: () => [...rt.callers.values()].map((c) => ({ callId: c.callId, queueId: c.queue.id, phase: c.phase, agentId: c.agentId })),
    log: () => ({ events, states }),
    restoreLog(log) {
      const closed = new Set<string>();
      for (const e of log.events) if (e.type === 'connect' || e.type === 'leave') closed.add(`${e.queueId}\u0001${e.callId}`);
      const restored = log.events.filter((e) => e.type !== 'join' || closed.has(`${e.queueId}\u0001${e.callId}`));
      const firstOwn = events[0]?.at ?? Number.POSITIVE_INFINITY;
      const firstOwnState = states[0]?.at ?? Number.POSITIVE_INFINITY;
      events = [...restored.filter((e) => e.at <= firstOwn), ...events];
      states = [...log.states.filter((x) => x.at <= firstOwnState), ...states];
      prune();
      return { events: restored.length, states: log.states.length, openJoinsDropped: log.events.length - restored.length };
    },
  };
  return acd;
}
