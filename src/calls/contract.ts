// The contract between the call layer (src/calls: sessions, router, records — issue 4),
// the flow language (src/flow-dsl: compiles flows to XState machines — issue 5) and the
// ACD (src/acd — issue 6). Additive changes only: all three sides build on it.
import type { AnyStateMachine } from 'xstate';
import type { CallDirection, CallDisposition, CallRecord, IvrStep } from '../domain/call-record.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';

/** What a call machine is started with (XState `input`). */
export interface CallInput {
  callId: string;
  channelId: string;
  direction: Exclude<CallDirection, 'internal'>; // a Stasis call is never between two extensions
  from: string; // caller number as received
  to: string; // dialled number / DID / endpoint
  did?: string;
  language: string;
  /** Stasis args after the flow id, channel variables and campaign row variables. */
  variables: Record<string, string>;
  campaign?: { campaignId: string; rowId?: string; contactId?: string; attempt?: number };
  startedAt: string; // ISO
}

/** Events the session sends to a call machine (translated from TelephonyEvent). */
export type CallEvent =
  | { type: 'call.dtmf'; digit: string }
  | { type: 'call.hangup'; cause?: number; side: 'caller' | 'far-end' | 'system' }
  | { type: 'call.telephony'; event: TelephonyEvent };

/** What a finished call machine reports (XState `output`), merged into the CallRecord. */
export interface CallOutput {
  path: IvrStep[];
  disposition?: CallDisposition; // e.g. 'voicemail'; otherwise the session derives it
  language?: string;
  variables?: Record<string, string>;
  queue?: CallRecord['queue'];
  agent?: CallRecord['agent'];
  voicemail?: CallRecord['voicemail'];
  recording?: CallRecord['recording'];
  /** Seconds bridged to a dialled party by dial nodes (queue conversations are measured by the ACD). */
  talkSeconds?: number;
  hubspotContactId?: string;
  /** The machine handed the channel back to the dialplan (transfer node / fallback). */
  handedBack?: { context?: string; extension?: string };
  hungUpBy?: 'app' | 'caller';
}

/** A flow compiled and ready to run: the machine references actors by name only. */
export interface CompiledFlow {
  id: string;
  version: string; // content hash
  language: string;
  machine: AnyStateMachine;
}

export interface FlowRegistry {
  get(flowId: string): CompiledFlow | undefined;
  ids(): string[];
  /** Flow for an inbound DID, if the registry maps DIDs. */
  forDid?(did: string): CompiledFlow | undefined;
}

/** Outcome of waiting in an ACD queue, as seen by the flow. */
export type QueueOutcome =
  | { outcome: 'answered'; agentId: string; agentName?: string; waitSeconds: number; talkSeconds?: number } // after the bridged conversation ended
  | { outcome: 'timeout' | 'no-agents' | 'full' | 'exit-key' | 'abandoned'; waitSeconds: number; digit?: string };

/** The ACD as the flows see it (implemented by src/acd). */
export interface AcdPort {
  /** Puts the caller's channel in a queue; resolves when the caller leaves the queue (any outcome). */
  /** `skills`: the answering agent must have all of them (until the queue's skillsRelaxSec). */
  join(req: { callId: string; channelId: string; queueId: string; language: string; skills?: string[]; afterAgent?: 'hangup' | 'continue'; signal: AbortSignal }): Promise<QueueOutcome>;
  /** DTMF pressed by a waiting caller (exit key), forwarded by the session. */
  dtmf?(channelId: string, digit: string): void;
  hasQueue(queueId: string): boolean;
}

/** Stasis args[0] values that are NOT flows: the router gives these channels to their owner. */
export const STASIS_ROLES = {
  agentLeg: 'acd-agent', // ACD agent legs: acd-agent,<queueId>,<callId>,<agentId>
  consultLeg: 'acd-consult', // attended-transfer consult legs: acd-consult,<callId>,<agentId>
  dialLeg: 'dial-leg', // outbound legs of the dial node: dial-leg,<callId>
  campaign: 'campaign', // campaign originations: campaign,<campaignId>,<rowId>,<attempt>
} as const;

/**
 * ari.conf `channelvars` the app expects (dialplan/ari_general_custom.conf): every channel
 * snapshot carries them, so a campaign call knows its number and row without a REST read per
 * variable — a read that can time out under load and leave the record with the exten ("s").
 */
export const ARI_CHANNELVARS = ['CENTRALITA_DID', 'CENTRALITA_FLOW', 'CENTRALITA_CONTACT_ID', 'CENTRALITA_PHONE', 'CENTRALITA_VARS', 'LINKEDID'] as const;

/** Handler for channels the router hands to a component other than a flow. */
export type StasisRoleHandler = (event: Extract<TelephonyEvent, { type: 'call.started' }>) => void;

/** Dependencies the call actors need; built in main.ts and passed down. */
export interface CallServices {
  telephony: Telephony;
  acd?: AcdPort;
}
