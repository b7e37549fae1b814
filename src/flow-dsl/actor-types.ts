// The named side effects a compiled flow invokes. The machine only knows these names and
// shapes; src/flow-dsl/actors.ts implements them over the Telephony port and the test
// harness implements them over a fake. Keeping the shapes here lets both sides typecheck.
import type { HoursResult } from '../domain/hours.ts';
import type { QueueOutcome } from '../calls/contract.ts';
import type { FlowView } from './types.ts';

export interface PlayInput {
  channelId: string;
  /** Prompt ids and read-outs as written in the flow (`welcome`, `digits:1234`), for logs and tests. */
  prompts: string[];
  /** Media URIs for the Telephony port (`sound:centralita/welcome`, `digits:1234`). */
  media: string[];
  language: string;
  nodeId: string;
}
export interface PlayOutput { state: 'done' | 'stopped' | 'failed' }

export interface RecordInput { channelId: string; callId: string; name: string; maxDurationSec: number; beep: boolean; mailbox?: string }
export interface RecordOutput { name: string; durationSec?: number }

export interface QueueInput { callId: string; channelId: string; queueId: string; language: string; skills?: string[]; afterAgent?: 'hangup' | 'continue' }

export interface DialInput { callId: string; channelId: string; endpoint: string; timeoutSec: number; callerId?: string; /** A substituted value was not dial digits: nothing is dialled. */ refused?: string }
export interface DialOutput { status: 'answered' | 'busy' | 'no-answer' | 'failed'; peerChannelId?: string; talkSeconds?: number; /** Q.850 cause of an unanswered leg. */ cause?: number }

export interface TransferInput { channelId: string; context: string; extension: string; priority?: number; /** A substituted value was not dial digits: no hand-off. */ refused?: string }

export interface LookupInput { fn: string; view: FlowView }
export type LookupOutput = Record<string, string> | null;

export interface HoursInput { scheduleId: string; at: string }
export type HoursOutput = HoursResult;

export interface ChannelInput { channelId: string }

export type { QueueOutcome };

/** The actor names a compiled flow refers to (for `.provide({ actors })`). */
export const FLOW_ACTOR_NAMES = ['answer', 'play', 'record', 'queue', 'dial', 'transfer', 'hangup', 'lookup', 'hours'] as const;
export type FlowActorName = (typeof FLOW_ACTOR_NAMES)[number];
