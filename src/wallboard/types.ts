// What the wallboard, the agent console and the live channel carry, shared by the server and
// the web app (web/ imports these types; nothing here runs). Times are epoch ms from the
// server's clock; the browser ticks timers from them with the server offset it measured.

export type AgentStateName = 'loggedOut' | 'available' | 'ringing' | 'onCall' | 'wrapUp' | 'paused';

/** Colour level of a figure against its configured thresholds. */
export type Level = 'ok' | 'warn' | 'bad';

/** `warn`/`bad` bounds; `higherIsWorse` says which way a figure gets worse. */
export interface Bound { warn: number; bad: number }

export interface Thresholds {
  /** SL % below these is warn / bad. */
  serviceLevelPct: Bound;
  /** Longest current wait (s) above these. */
  longestWaitSec: Bound;
  /** Callers waiting now above these. */
  waiting: Bound;
  /** Abandoned % of offered above these. */
  abandonedPct: Bound;
  /** Seconds in one agent state above these (paused, wrap-up). */
  pausedSec: Bound;
  wrapUpSec: Bound;
}

export interface QueueRow {
  id: string;
  name: string;
  waiting: number;
  /** Join time of the caller waiting longest (ticks in the browser); null when nobody waits. */
  oldestWaitSince: number | null;
  offered: number;
  answered: number;
  abandoned: number;
  /** Answered within the threshold / SL base, in %; null before any call counted. */
  serviceLevelPct: number | null;
  serviceLevelSec: number;
  asaSec: number | null;
  ahtSec: number | null;
  staffed: number;
  available: number;
  members: number;
  thresholds: Thresholds;
}

export interface AgentRow {
  id: string;
  name: string;
  state: AgentStateName;
  reason?: string;
  /** When the current state began (null: never seen). */
  since: number | null;
  queues: string[];
  device: string;
  /** The call the agent is ringing for, talking on or wrapping up. */
  callId?: string;
  queueId?: string;
  /** The caller's number (masked for roles that may not see numbers). */
  caller?: string;
  /** When the current call was answered. */
  callSince?: number;
  callsToday: number;
  ahtSec: number | null;
  occupancyPct: number | null;
}

export interface WaitingRow {
  callId: string;
  queueId: string;
  caller: string;
  joinedAt: number;
  /** 1 = next to be answered. */
  position: number;
  phase: 'waiting' | 'ringing' | 'retry';
}

export interface CallRow {
  callId: string;
  direction: 'inbound' | 'outbound';
  /** Numbers as the PBX gave them (masked for roles that may not see numbers). */
  from: string;
  to: string;
  flowId: string;
  node?: string;
  queueId?: string;
  agentId?: string;
  phase?: string;
  campaignId?: string;
  startedAt: number;
}

export interface CampaignRow {
  id: string;
  state: 'active' | 'paused' | 'cancelled' | 'completed';
  /** Rows taken in (admitted). */
  queued: number;
  done: number;
  dialling: number;
  rejected: number;
  /** Final outcomes so far (answered, voicemail, busy, no-answer, failed, cancelled, expired, do-not-call). */
  byOutcome: Record<string, number>;
  /** Attempts finished in the last minute, measured by the server. */
  pacePerMin: number;
  /** Configured limits. */
  maxCallsPerSecond?: number;
  maxConcurrentCalls?: number;
}

export interface HoursRow {
  scheduleId: string;
  open: boolean;
  /** What decided: the weekly hours, a holiday, a dated entry or an override. */
  reason: 'weekly' | 'holiday' | 'date' | 'override';
  /** The holiday or date entry's name, the override's reason, or the weekly range. */
  detail: string;
  override?: { state: 'open' | 'closed'; reason: string; setBy: string; expiresAt: string };
  /** Next time the state changes (ISO), when known. */
  nextChange?: { at: string; open: boolean };
}

export interface TodayTotals {
  /** Calls that ended today (time zone of the reports), from the system of record when there is one. */
  calls: number;
  answered: number;
  abandoned: number;
  /** Where the figure comes from: `history` (PostgreSQL + live) or `live` (this process since start). */
  source: 'history' | 'live';
}

/** One line of the live event log, rendered in words by the browser (`kind` + `p`). */
export interface LogEntry {
  id: number;
  at: number;
  kind: LogKind;
  p: Record<string, string | number | undefined>;
}

export type LogKind =
  | 'call.started' | 'call.ended' | 'queue.join' | 'queue.answer' | 'queue.abandon' | 'queue.timeout' | 'queue.exit' | 'queue.reject'
  | 'agent.state' | 'campaign.state' | 'hours.override' | 'hours.cleared' | 'pbx.connection' | 'wrapup';

export interface WallboardSnapshot {
  serverTime: number;
  /** Event id of the last live message already reflected here: the stream resumes after it. */
  liveId: string;
  timeZone: string;
  queues: QueueRow[];
  agents: AgentRow[];
  waiting: WaitingRow[];
  calls: CallRow[];
  campaigns: CampaignRow[];
  hours: HoursRow[];
  /** Null for viewers who see only some queues. */
  today: TodayTotals | null;
  log: LogEntry[];
  /** Labels of the configured pause reasons (agents' `reason` is the id). */
  pauseReasons: { id: string; label: { es: string; en: string } }[];
  /** For an agent's own console (`?agent=` = the viewer's agent): the screen pop and pending wrap-ups. */
  agentConsole?: { agentId: string; pop: ScreenPop | null; pending: PendingWrapUp[] };
}

/** A screen pop: who is calling the agent and what they did in the phone menu. */
export interface ScreenPop {
  callId: string;
  agentId: string;
  queueId: string;
  queueName: string;
  caller: string;
  /** ringing → connected (the agent answered) → ended (the caller is gone; wrap-up follows). */
  state: 'ringing' | 'connected' | 'ended';
  offeredAt: number;
  connectedAt?: number;
  /** How long the caller waited in the queue before this offer (s). */
  waitedSec: number;
  /** The menu steps (digits only where not sensitive). */
  ivr: { node: string; digits?: string; outcome?: string; at: string }[];
  /** The CRM contact with this number; null = unknown caller. */
  contact: CallerContact | null;
  lastCalls: PastCall[];
  /** The CRM lookup is still running (another `offer` message follows). */
  lookingUp: boolean;
}

/** A call the agent handled and has not wrapped up yet. */
export interface PendingWrapUp {
  callId: string;
  recordId: string;
  caller: string;
  queueId: string;
  contactName?: string;
  endedAt: number;
  talkSec: number;
}

export interface CallerContact {
  id: string;
  name?: string;
  company?: string;
  owner?: string;
  url?: string;
}

/** Earlier calls with this number from the call history, newest first. */
export interface PastCall { id: string; at: string; disposition: string; agent?: string; queue?: string }

/** Messages on the live channel. `id` (epoch.seq) lets a client resume after a blip. */
export type LiveMessage =
  | { type: 'queue'; data: QueueRow }
  | { type: 'agent'; data: AgentRow }
  | { type: 'waiting'; data: { queueId: string; callers: WaitingRow[] } }
  | { type: 'call'; data: CallRow }
  | { type: 'call.end'; data: { callId: string } }
  | { type: 'campaign'; data: CampaignRow }
  | { type: 'hours'; data: HoursRow }
  | { type: 'today'; data: TodayTotals }
  | { type: 'log'; data: LogEntry }
  | { type: 'offer'; data: ScreenPop }
  | { type: 'offer.end'; data: { callId: string; agentId: string; outcome: 'missed' | 'gone' | 'answered-elsewhere' | 'wrapped-up' } }
  | { type: 'wrapup'; data: { agentId: string; pending: PendingWrapUp[] } };

export type LiveType = LiveMessage['type'];
