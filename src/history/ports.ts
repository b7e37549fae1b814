// What the app needs from the system of record, in domain terms. PostgreSQL implements
// these in src/store/*; nothing outside src/store knows there is SQL behind them.
import type { CallDisposition, CallRecord } from '../domain/call-record.ts';
import type { QueueKpiFigures } from '../domain/queue-kpis.ts';

/** A queue event as the ACD emits it on the bus (epoch ms), with an id for idempotent writes. */
export interface StoredQueueEvent {
  id: string;
  type: 'join' | 'reject' | 'ring' | 'ring-failed' | 'connect' | 'complete' | 'wrapup' | 'leave';
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

// ---- reports ------------------------------------------------------------------------

export interface ReportRange {
  from: string; // ISO instant, inclusive
  to: string; // ISO instant, exclusive
  /** IANA zone: interval boundaries and "by hour" follow its wall clock. */
  timeZone: string;
}

/** The same figures, with the same definitions, as the live `/api/queues` (src/acd/stats.ts). */
export interface QueueKpis extends QueueKpiFigures {
  /** Interval rows: start of the interval (ISO) and its local wall-clock label. */
  start?: string;
  local?: string;
  serviceLevelSec: number;
}

export interface AgentPerformance {
  agentId: string;
  calls: number;
  ringNoAnswer: number;
  talkSec: number;
  wrapUpSec: number;
  /** Seconds per agent state inside the range. */
  secondsIn: Record<string, number>;
  /** Paused seconds by reason. */
  pausedByReason: Record<string, number>;
  occupancyPct: number | null;
}

export interface CampaignResults {
  campaignId: string;
  attempts: number;
  rows: number;
  rowsContacted: number;
  contactRatePct: number | null;
  byOutcome: Record<string, number>;
  byHour: { hour: string; attempts: number; answered: number }[];
}

export interface IvrNodeStats {
  flowId: string;
  node: string;
  calls: number;
  visits: number;
  /** Digits callers entered at this node, most frequent first. */
  options: { digits: string; count: number }[];
  /** Calls whose path ended here. */
  endedHere: number;
  /** Of those, the caller hung up without reaching an agent: where callers drop. */
  droppedHere: number;
}

export interface QueueThresholds { serviceLevelSec: number; shortAbandonSec: number }

export interface Reports {
  queues(r: ReportRange & { queueId?: string; intervalMin?: 15 | 30 | 60 }): Promise<{ totals: QueueKpis[]; intervals: QueueKpis[] }>;
  agents(r: ReportRange & { agentId?: string }): Promise<AgentPerformance[]>;
  campaigns(r: ReportRange & { campaignId?: string }): Promise<CampaignResults[]>;
  ivr(r: ReportRange & { flowId?: string }): Promise<IvrNodeStats[]>;
  /** Calls that ended in the range by disposition (the dashboard's "today"). */
  calls(r: ReportRange): Promise<{ total: number; byDisposition: Record<string, number> }>;
}
