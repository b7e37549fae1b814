// The PBX seen whole (FreePBX/Asterisk beyond the Stasis app), in domain terms: the channel
// event log of every call, FreePBX's own queues, and the few operations the users need
// (click-to-call from a desk phone, hang up, record, queue pause/login/logout). Only
// src/telephony/ami/* implements it (over AMI); src/pbx depends on this interface alone.
import type { PbxChannelEvent, PbxConversationFact } from '../domain/pbx-call.ts';

export interface PbxQueueMember {
  name: string;
  interface: string;
  membership: 'static' | 'dynamic' | 'realtime';
  penalty: number;
  paused: boolean;
  pausedReason: string;
  inCall: boolean;
  /** not-in-use | in-use | busy | ringing | unavailable | invalid | on-hold | unknown */
  status: string;
  callsTaken: number;
  /** ISO instant of the last call, if any. */
  lastCallAt?: string;
}

export interface PbxQueueCaller { channelId: string; linkedId: string; callerNumber: string; callerName: string; position: number; joinedAt: string }

/** A channel alive at a resync (AMI `Status`). */
export interface PbxLiveChannel {
  channelId: string; linkedId: string; channel: string; callerNumber: string; callerName: string; context: string; exten: string;
  /** When it was created (from its age). */
  startedAt: string;
  bridgeId?: string;
}

export interface PbxQueueSnapshot {
  queue: string;
  strategy: string;
  members: PbxQueueMember[];
  callers: PbxQueueCaller[];
  completed: number;
  abandoned: number;
  holdTimeSec: number;
  talkTimeSec: number;
}

export type PbxQueueEvent =
  | { kind: 'queue-caller-join'; at: string; queue: string; caller: PbxQueueCaller; count: number }
  | { kind: 'queue-caller-leave'; at: string; queue: string; channelId: string; linkedId: string; count: number }
  | { kind: 'queue-caller-abandon'; at: string; queue: string; channelId: string; linkedId: string; holdSeconds: number }
  | { kind: 'queue-member'; at: string; queue: string; member: PbxQueueMember; change: 'added' | 'status' | 'paused' }
  | { kind: 'queue-member-removed'; at: string; queue: string; interface: string };

export type PbxEvent =
  | PbxChannelEvent
  | Exclude<PbxConversationFact, { kind: 'recording' }>
  | PbxQueueEvent
  /** After every (re)connection: what is alive now, so consumers settle what they missed. */
  | { kind: 'resync'; at: string; live: PbxLiveChannel[]; queues: PbxQueueSnapshot[]; disconnectedAt?: string }
  | { kind: 'connection'; at: string; state: 'connected' | 'disconnected' | 'reconnecting'; attempt?: number };

export interface PbxOriginate {
  /** The desk phone that rings first (`PJSIP/1001`). */
  endpoint: string;
  /** Dialplan target once it answers (FreePBX: from-internal + the customer's number). */
  context: string;
  exten: string;
  /** What the desk phone displays while it rings. */
  callerId?: string;
  channelId: string;
  timeoutSec: number;
  variables?: Record<string, string>;
}

export interface PbxManager {
  onEvent(h: (e: PbxEvent) => void): () => void;
  connected(): boolean;
  readiness(): { name: string; check(): { ok: boolean; detail?: unknown } };
  originate(r: PbxOriginate): Promise<void>;
  /** `channel`: a channel name or unique id. */
  hangup(channel: string, cause?: number): Promise<void>;
  startRecording(channel: string, file: string): Promise<void>;
  stopRecording(channel: string): Promise<void>;
  queuePause(iface: string, paused: boolean, o?: { queue?: string; reason?: string }): Promise<void>;
  queueAdd(queue: string, iface: string, o?: { memberName?: string; penalty?: number; paused?: boolean }): Promise<void>;
  queueRemove(queue: string, iface: string): Promise<void>;
  queues(): Promise<PbxQueueSnapshot[]>;
  stats(): { events: number; rejected: number; resyncs: number };
  /** Asks the PBX for its live channels again: a `resync` event follows (when connected). */
  resync?(): Promise<void>;
  close(): Promise<void>;
}
