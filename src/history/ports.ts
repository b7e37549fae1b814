// What the app needs from the system of record, in domain terms. PostgreSQL implements
// these in src/store/*; nothing outside src/store knows there is SQL behind them.
import type { CallDisposition, CallRecord } from '../domain/call-record.ts';

/** A queue event as the ACD emits it on the bus (epoch ms), with an id for idempotent writes. */
export interface StoredQueueEvent {
  id: string;
  type: 'join' | 'reject' | 'ring' | 'ring-failed' | 'connect' | 'complete' | 'leave';
  queueId: string;
  callId: string;
  at: number;
  agentId?: string;
  waitSec?: number;
  talkSec?: number;
  wrapUpSec?: number;
  outcome?: string;
  /** The rest of the event (position, agentIds, digit, endedBy, reason…). */
  data?: Record<string, unknown>;
}

export interface StoredAgentState { id: string; agentId: string; state: string; reason?: string; at: number }

export interface FlowDeployment { flowId: string; version: string; hash: string; by: string; at: string }

export interface CallSearch {
  /** Any format; normalised to E.164 with the default country, matched on from or to. */
  number?: string;
  from?: string; // ISO instant, inclusive
  to?: string; // ISO instant, exclusive
  queueId?: string;
  agentId?: string;
  disposition?: CallDisposition;
  direction?: 'inbound' | 'outbound';
  flowId?: string;
  /** An IVR node the call passed through (with flowId: of that flow). */
  node?: string;
  campaignId?: string;
  limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
}

export interface CallSummary {
  id: string;
  direction: string;
  from: string;
  to: string;
  startedAt: string;
  endedAt: string;
  disposition: string;
  talkSeconds: number;
  waitSeconds: number;
  queueId?: string;
  agentId?: string;
  flowId?: string;
  campaignId?: string;
  recording?: string;
  hubspotCallId?: string;
}

export interface CallPage { calls: CallSummary[]; next?: string }

export interface CallHistory {
  /** Idempotent by record id: a record written twice is kept once (the first version). */
  saveRecords(records: CallRecord[]): Promise<void>;
  saveQueueEvents(events: StoredQueueEvent[]): Promise<void>;
  saveAgentStates(states: StoredAgentState[]): Promise<void>;
  saveHubspotEngagements(links: { recordId: string; hubspotCallId: string }[]): Promise<void>;
  saveFlowDeployments(d: FlowDeployment[]): Promise<void>;
  flowDeployments(flowId?: string): Promise<FlowDeployment[]>;
  /** The full record as published, plus the HubSpot engagement id once logged. */
  get(recordId: string): Promise<(CallRecord & { hubspotCallId?: string }) | undefined>;
  search(q: CallSearch): Promise<CallPage>;
  /** Queue events and agent states in [from, to) (epoch ms), oldest first: restores the ACD's log after a restart. */
  eventsBetween(from: number, to: number): Promise<{ events: StoredQueueEvent[]; states: StoredAgentState[] }>;
}
