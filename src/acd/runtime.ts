// The ACD's shared state and the shapes its parts pass around. `createAcd` (acd.ts) builds one
// AcdRuntime and hands it to each part: agents (agents.ts), agent legs (legs.ts), callers and
// conversations (callers.ts), announcements (announcements.ts) and dispatch (dispatch.ts). All
// of it runs on one event loop turn at a time, so the parts share plain maps, no locks.
import type { ActorRefFrom } from 'xstate';
import type { QueueOutcome } from '../calls/contract.ts';
import type { CallRecord, CallTransfer } from '../domain/call-record.ts';
import type { EventBus } from '../domain/event-bus.ts';
import { CentralitaError } from '../errors.ts';
import type { HangupReason, Telephony } from '../telephony/port.ts';
import type { agentMachine, AgentStateName } from './agent-machine.ts';
import type { AgentStateStore, PersistedAgent } from './agent-store.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { AgentDirectoryEntry, QueueConfig, QueuesConfig } from './queue-config.ts';
import type { AcdEvent } from './stats.ts';
import type { Rng } from './strategy.ts';

export class AcdError extends CentralitaError {}

export interface AcdLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** pino's child(): a caller's own logger (callId, channelId) when the logger has one. */
  child?(bindings: Record<string, unknown>): AcdLogger;
}

export type DeviceAvailability = 'available' | 'in-use' | 'unavailable' | 'unknown';
export type Phase = 'waiting' | 'ringing' | 'retry' | 'bridged' | 'done';
export type LegState = 'dialing' | 'up' | 'failed' | 'cancelled';
export type RecordFields = Pick<CallRecord, 'queue' | 'agent' | 'recording' | 'transfers'>;

export interface Leg {
  legId: string;
  agentId: string;
  state: LegState;
  caller: Caller;
  attempt: Attempt;
  /** The originate request has not returned yet: a hangup now could reach the PBX before the channel exists. */
  originating: boolean;
  hangupWanted?: HangupReason;
  /** A failure Dial status seen before the ChannelDestroyed that carries the real cause. */
  dialStatus?: string;
  dialStatusTimer?: TimerHandle;
}

export interface Attempt { no: number; legs: Map<string, Leg>; ringTimer?: TimerHandle; winner?: string; closed: boolean }

export interface Caller {
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
  /** The announcement playing now (our own playback id, known before the request is sent). */
  announcing?: string;
  /** Restores music on hold if the announcement never reports its end. */
  announceGuard?: TimerHandle;
  /** What the flow does after the agent hangs up (JoinRequest.afterAgent). */
  afterAgent?: 'hangup' | 'continue';
  agentId?: string;
  agentLegId?: string;
  bridgeId?: string;
  recordingName?: string;
  /** The recording of the bridge after a transfer moved the caller (the first one stays the record's). */
  segmentRecording?: string;
  connectedAt?: number;
  /** Since when the current agent has the caller (differs from connectedAt after a transfer). */
  agentSince?: number;
  /** Transfers of this call (transfer.ts); a new bridge and recording segment after each one that moved the caller. */
  transfers: CallTransfer[];
  segment: number;
  resolve: (o: QueueOutcome) => void;
  detachSignal: () => void;
}

export interface AgentRuntime {
  entry: AgentDirectoryEntry;
  actor: ActorRefFrom<typeof agentMachine>;
  device: DeviceAvailability;
  lastState: AgentStateName;
  persisted: PersistedAgent;
  /** The wrap-up in progress: recorded, measured, when the agent leaves it. */
  wrapUp?: { since: number; callId: string; queueId: string };
}

export interface QueueMemory { lastCallEndedAt: Record<string, number>; callsTaken: Record<string, number>; rrLastOrder?: number; smoothedHoldSec: number | null }

export interface AcdRuntime {
  readonly telephony: Telephony;
  readonly queues: QueuesConfig;
  readonly clock: Clock;
  readonly store: AgentStateStore;
  readonly bus?: EventBus;
  readonly log: AcdLogger;
  readonly rng: Rng;
  readonly counters: Record<string, number>;
  /** Waiting or talking callers, by call id and by channel id. */
  readonly callers: Map<string, Caller>;
  readonly byChannel: Map<string, Caller>;
  readonly memory: Map<string, QueueMemory>;
  /** Queue/agent/recording fields of callers who left, for their CallRecord (bounded). */
  readonly finished: Map<string, RecordFields>;
  readonly callerGonePrompt: string;
  started: boolean;
  /** Appends to the event log behind the statistics (and the bus). */
  record(e: AcdEvent): void;
  /** Re-runs dispatch now / on the next microtask. Set by dispatch.ts. */
  kick(): void;
  scheduleKick(): void;
  /** An agent answered a leg: bridge it with its caller. Set by callers.ts. */
  connect(c: Caller, leg: Leg): void;
  /** The bridged conversation is over (either side, or a bridging failure). Set by callers.ts. */
  endConversation(c: Caller, endedBy: 'caller' | 'agent' | 'system'): void;
  /** Puts a caller (back) in c.queue: join event, music on hold, wait timers, announcements. Set by callers.ts. */
  enterQueue(c: Caller, before?: () => void): void;
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** A failed telephony command of a channel that is probably gone: counted and logged at debug. */
export function swallow(rt: AcdRuntime, op: string, extra: object = {}) {
  return (err: unknown) => {
    rt.counters.telephonyErrors!++;
    rt.log.debug({ err, op, ...extra }, 'telephony command failed (channel probably gone)');
  };
}

/** The caller's child logger: every line about a call carries its callId and channelId. */
export function callerLog(rt: AcdRuntime, c: Pick<Caller, 'callId' | 'channelId' | 'queue'>): AcdLogger {
  return rt.log.child?.({ callId: c.callId, channelId: c.channelId, queueId: c.queue.id }) ?? rt.log;
}

export type { QueueConfig, QueuesConfig };
