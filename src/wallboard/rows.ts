// Wallboard rows from what the ACD, the call sessions and the campaign store report. Pure:
// the service (service.ts) gathers the inputs and the time; these only shape and join them,
// so a snapshot and a live update built from the same inputs are the same rows.
import type { AgentRow, AgentStateName, CallRow, CampaignRow, QueueRow, Thresholds, WaitingRow } from './types.ts';

export interface QueueStatsIn {
  queueId: string;
  name?: string;
  waitingNow: number;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevelPct: number | null;
  asaSec: number | null;
  ahtSec: number | null;
  staffed: number;
  availableNow: number;
  members: number;
}

export interface AgentIn {
  id: string;
  name?: string;
  queues: string[];
  state: AgentStateName;
  pauseReason?: string;
  callId?: string;
  queueId?: string;
  device: string;
}

export interface AgentStatsIn {
  agentId: string;
  since: number | null;
  answered: number;
  talkSec: number;
  secondsIn: Record<string, number>;
  occupancyPct: number | null;
}

export interface SessionIn {
  callId: string;
  channelId: string;
  flowId: string;
  from: string;
  to: string;
  startedAt: string;
  node?: string;
  direction?: 'inbound' | 'outbound';
  campaignId?: string;
}

export interface AcdCallIn { callId: string; queueId: string; phase: string; agentId?: string }

const WAITING_PHASES = new Set(['waiting', 'ringing', 'retry']);

export function queueRow(s: QueueStatsIn, o: { serviceLevelSec: number; thresholds: Thresholds; oldestWaitSince: number | null }): QueueRow {
  return {
    id: s.queueId, name: s.name ?? s.queueId, waiting: s.waitingNow, oldestWaitSince: s.waitingNow > 0 ? o.oldestWaitSince : null,
    offered: s.offered, answered: s.answered, abandoned: s.abandoned, serviceLevelPct: s.serviceLevelPct, serviceLevelSec: o.serviceLevelSec,
    asaSec: s.asaSec, ahtSec: s.ahtSec, staffed: s.staffed, available: s.availableNow, members: s.members, thresholds: o.thresholds,
  };
}

/**
 * `completed` = conversations that ended in the window: AHT is their talk plus the wrap-up time
 * spent, per call (a call still going counts in "calls today", not yet in AHT).
 */
export function agentRow(a: AgentIn, st: AgentStatsIn | undefined, call: { caller?: string } | undefined, completed = 0): AgentRow {
  const handleSec = (st?.talkSec ?? 0) + (st?.secondsIn.wrapUp ?? 0);
  const row: AgentRow = {
    id: a.id, name: a.name ?? a.id, state: a.state, since: st?.since ?? null, queues: a.queues, device: a.device,
    callsToday: st?.answered ?? 0, ahtSec: completed > 0 ? Math.round(handleSec / completed) : null, occupancyPct: st?.occupancyPct ?? null,
  };
  if (a.state === 'paused' && a.pauseReason) row.reason = a.pauseReason;
  if (a.callId && a.state !== 'available' && a.state !== 'paused' && a.state !== 'loggedOut') {
    row.callId = a.callId;
    if (a.queueId) row.queueId = a.queueId;
    if (call?.caller) row.caller = call.caller;
    if (a.state === 'onCall' && st?.since) row.callSince = st.since;
  }
  return row;
}

/** Callers waiting (or being offered) per queue, in the order they will be answered. */
export function waitingRows(acdCalls: readonly AcdCallIn[], joinedAt: ReadonlyMap<string, number>, callers: ReadonlyMap<string, string>): WaitingRow[] {
  const rows = acdCalls
    .filter((c) => WAITING_PHASES.has(c.phase))
    .map((c) => ({ callId: c.callId, queueId: c.queueId, caller: callers.get(c.callId) ?? '', joinedAt: joinedAt.get(c.callId) ?? 0, position: 0, phase: c.phase as WaitingRow['phase'] }));
  rows.sort((a, b) => a.queueId.localeCompare(b.queueId) || a.joinedAt - b.joinedAt || a.callId.localeCompare(b.callId));
  let q = '';
  let n = 0;
  for (const r of rows) {
    if (r.queueId !== q) { q = r.queueId; n = 0; }
    r.position = ++n;
  }
  return rows;
}

export function callRow(s: SessionIn, acd: AcdCallIn | undefined): CallRow {
  const row: CallRow = {
    callId: s.callId, direction: s.direction ?? (s.campaignId ? 'outbound' : 'inbound'), from: s.from, to: s.to, flowId: s.flowId,
    startedAt: Date.parse(s.startedAt) || 0,
  };
  if (s.node) row.node = s.node;
  if (s.campaignId) row.campaignId = s.campaignId;
  if (acd) {
    row.queueId = acd.queueId;
    row.phase = acd.phase;
    if (acd.agentId) row.agentId = acd.agentId;
  }
  return row;
}

export interface CampaignProgressIn {
  campaignId: string;
  state: 'active' | 'paused' | 'cancelled' | 'completed';
  queued: number;
  rejected: number;
  dialling: number;
  answered: number;
  voicemail: number;
  busy: number;
  'no-answer': number;
  failed: number;
  done: number;
  final: Record<string, number>;
}

/** Attempts finished so far: what the pace is measured on. */
export const attemptsOf = (p: CampaignProgressIn) => p.answered + p.voicemail + p.busy + p['no-answer'] + p.failed;

export function campaignRow(p: CampaignProgressIn, pacePerMin: number, settings?: { maxCallsPerSecond?: number; maxConcurrentCalls?: number }): CampaignRow {
  return {
    id: p.campaignId, state: p.state, queued: p.queued, done: p.done, dialling: p.dialling, rejected: p.rejected,
    byOutcome: { ...p.final }, pacePerMin,
    ...(settings?.maxCallsPerSecond !== undefined ? { maxCallsPerSecond: settings.maxCallsPerSecond } : {}),
    ...(settings?.maxConcurrentCalls !== undefined ? { maxConcurrentCalls: settings.maxConcurrentCalls } : {}),
  };
}

/**
 * Pace over the last minute from cumulative attempt counts sampled by the server. Samples
 * older than the window are dropped except the newest of them (the baseline).
 */
export function paceTracker(windowMs = 60_000) {
  const samples = new Map<string, { at: number; n: number }[]>();
  return {
    sample(id: string, at: number, attempts: number): number {
      const s = samples.get(id) ?? [];
      s.push({ at, n: attempts });
      while (s.length > 1 && s[1]!.at <= at - windowMs) s.shift();
      samples.set(id, s);
      const base = s[0]!;
      const span = at - base.at;
      if (span <= 0) return 0;
      // Per minute; while the window is still filling, a short span is not extrapolated
      // beyond a quarter of the window (two quick attempts are not "120 a minute").
      return Math.round((((attempts - base.n) * 60_000) / Math.max(span, windowMs / 4)) * 10) / 10;
    },
    forget(id: string) { samples.delete(id); },
  };
}
