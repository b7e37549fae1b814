// The ACD's agents: one agent-machine actor per member (state, durable login/pause in the
// store), what their phones report (device and endpoint state) and who can take a call now.
import { createActor } from 'xstate';
import { agentMachine, type AgentEvent, type AgentStateName } from './agent-machine.ts';
import type { PersistedAgent } from './agent-store.ts';
import { agentDirectory, type QueueConfig } from './queue-config.ts';
import type { AgentStateEvent } from './stats.ts';
import { AcdError, round2, type AcdRuntime, type AgentRuntime, type DeviceAvailability } from './runtime.ts';

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

export type AgentCommand = Extract<AgentEvent, { type: 'LOGIN' | 'LOGOUT' | 'PAUSE' | 'UNPAUSE' }>;

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

export function createAgents(rt: AcdRuntime, states: { push(e: AgentStateEvent): void }) {
  const { clock, store, log } = rt;
  const agents = new Map<string, AgentRuntime>();
  const byEndpoint = new Map<string, string>();
  /** Whether the agent's phone still has a leg of ours (set by legs.ts). */
  let hasLiveLeg: (agentId: string) => boolean = () => false;

  for (const entry of agentDirectory(rt.queues).values()) {
    const actor = createActor(agentMachine, { input: { agentId: entry.id }, clock });
    const a: AgentRuntime = { entry, actor, device: 'unknown', lastState: 'loggedOut', persisted: { loggedIn: false, paused: false, updatedAt: 0 } };
    agents.set(entry.id, a);
    byEndpoint.set(entry.endpoint.toLowerCase(), entry.id);
    actor.subscribe((snap) => {
      const state = snap.value as AgentStateName;
      const reason = state === 'paused' ? snap.context.pauseReason : undefined;
      if (state === a.lastState && state !== 'paused') return;
      if (state === 'paused' && a.lastState === 'paused' && reason === a.persisted.reason) return;
      const at = clock.now();
      if (a.wrapUp && state !== 'wrapUp') {
        const w = a.wrapUp;
        a.wrapUp = undefined;
        rt.record({ type: 'wrapup', queueId: w.queueId, callId: w.callId, at, agentId: entry.id, wrapUpSec: round2((at - w.since) / 1000) });
      }
      if (state === 'wrapUp' && snap.context.callId && snap.context.queueId) a.wrapUp = { since: at, callId: snap.context.callId, queueId: snap.context.queueId };
      a.lastState = state;
      states.push({ agentId: entry.id, state, reason, at });
      rt.bus?.emit('agent.state', { agentId: entry.id, state, reason, at: new Date(at).toISOString() });
      persist(a, state, reason);
      // Deferred: an OFFER sent from inside this callback would be queued by XState and
      // not yet visible to the next availability check (double booking).
      rt.scheduleKick();
    });
    actor.start();
  }

  function persist(a: AgentRuntime, state: AgentStateName, reason: string | undefined) {
    const loggedIn = state !== 'loggedOut';
    const paused = state === 'paused';
    // Ringing/on call/wrap-up are not durable: they keep the last durable values.
    if (state === 'ringing' || state === 'onCall' || state === 'wrapUp') return;
    if (a.persisted.loggedIn === loggedIn && a.persisted.paused === paused && a.persisted.reason === reason) return;
    a.persisted = { loggedIn, paused, reason, updatedAt: clock.now() };
    store.save(a.entry.id, a.persisted).catch((err: unknown) => {
      rt.counters.storeErrors!++;
      log.error({ err, agentId: a.entry.id }, 'could not save agent state');
    });
  }

  const state = (id: string): AgentStateName => agents.get(id)?.actor.getSnapshot().value as AgentStateName;

  function view(a: AgentRuntime): AgentView {
    const snap = a.actor.getSnapshot();
    return {
      id: a.entry.id, name: a.entry.name, endpoint: a.entry.endpoint, queues: a.entry.queues, state: snap.value as AgentStateName,
      pauseReason: snap.value === 'paused' ? snap.context.pauseReason : undefined, callId: snap.context.callId, queueId: snap.context.queueId, device: a.device,
    };
  }

  function must(agentId: string): AgentRuntime {
    const a = agents.get(agentId);
    if (!a) throw new AcdError('ACD_UNKNOWN_AGENT', `agent ${agentId} is not a member of any queue`);
    return a;
  }

  /** Logged in, not paused, phone not unavailable: could take a call now or after this one. */
  function staffed(a: AgentRuntime): boolean {
    const snap = a.actor.getSnapshot();
    const s = snap.value as AgentStateName;
    // An agent who asked to log out or pause during a call will not take the next one.
    return s !== 'loggedOut' && s !== 'paused' && !snap.context.pending && a.device !== 'unavailable';
  }

  /** Could be rung right now: available, phone idle as far as we know, no leg of ours on it. */
  function free(id: string): boolean {
    const a = agents.get(id)!;
    return state(id) === 'available' && a.device !== 'unavailable' && a.device !== 'in-use' && !hasLiveLeg(id);
  }

  function setDevice(device: string, availability: DeviceAvailability): void {
    const id = byEndpoint.get(device.toLowerCase());
    if (!id) return;
    const a = agents.get(id)!;
    if (a.device === availability) return;
    a.device = availability;
    rt.kick();
  }

  /**
   * What each agent's phone is doing, read from the PBX: the device state when it can say (the
   * full truth, so a stale `in-use` after a restart is cleared), else endpointState() for
   * reachability (toggles unavailable ↔ available only). At start, after each reconnect (events
   * of the gap are lost) and periodically.
   */
  async function pollDevices(): Promise<void> {
    await Promise.all([...agents.values()].map(async (a) => {
      try {
        const ds = await rt.telephony.deviceState(a.entry.endpoint);
        if (ds !== undefined && deviceAvailability(ds) !== 'unknown') { setDevice(a.entry.endpoint, deviceAvailability(ds)); return; }
        const [tech, ...rest] = a.entry.endpoint.split('/');
        const s = await rt.telephony.endpointState(tech!, rest.join('/'));
        if (s === undefined) return;
        const av = endpointAvailability(s);
        if (av === 'unavailable' && a.device !== 'unavailable') setDevice(a.entry.endpoint, 'unavailable');
        else if (av === 'available' && (a.device === 'unavailable' || a.device === 'unknown')) setDevice(a.entry.endpoint, 'available');
      } catch (err) {
        log.debug({ err, endpoint: a.entry.endpoint }, 'device state unknown');
      }
    }));
  }

  /** Logged-in/paused states from the store (a restart keeps who is working). */
  function restore(saved: Map<string, PersistedAgent>): void {
    for (const [id, p] of saved) {
      const a = agents.get(id);
      if (!a) { rt.counters.storeUnknownAgents!++; log.warn({ agentId: id }, 'stored agent is no longer in any queue: ignored'); continue; }
      a.persisted = p;
      if (p.loggedIn) a.actor.send({ type: 'LOGIN' });
      if (p.loggedIn && p.paused) a.actor.send({ type: 'PAUSE', reason: p.reason ?? 'paused' });
    }
  }

  return {
    all: () => [...agents.values()],
    get: (id: string) => agents.get(id),
    must,
    state,
    view,
    staffed,
    staffedCount: (q: QueueConfig) => q.members.filter((m) => staffed(agents.get(m.id)!)).length,
    free,
    setDevice,
    pollDevices,
    restore,
    send(agentId: string, event: AgentEvent) { agents.get(agentId)!.actor.send(event); },
    /** The device-state sources to subscribe to, one per agent phone (`deviceState:PJSIP/1001`). */
    deviceSources: () => [...new Set([...agents.values()].map((a) => `deviceState:${a.entry.endpoint}`))],
    setLiveLegCheck(fn: (agentId: string) => boolean) { hasLiveLeg = fn; },
    /** After a reconnect: what device events said before the gap is stale (a PBX restart clears every phone). */
    forgetDevices() { for (const a of agents.values()) a.device = 'unknown'; },
    stop() { for (const a of agents.values()) a.actor.stop(); },
  };
}

export type AgentPool = ReturnType<typeof createAgents>;
