// What the server told this page: the snapshot, then every live message applied on top. Rows
// are replaced whole (the server computes every figure), so the page never derives a count
// itself and a reload shows exactly the same numbers.
import { batch, signal } from '@preact/signals';
import type {
  AgentRow, CallRow, CampaignRow, HoursRow, LiveType, LogEntry, PendingWrapUp, QueueRow, ScreenPop, TodayTotals, WaitingRow, WallboardSnapshot,
} from '../../../src/wallboard/types.ts';
import { api } from './api.ts';
import { syncClock } from './clock.ts';
import { LiveChannel } from './live.ts';

export const queues = signal<Map<string, QueueRow>>(new Map());
export const agents = signal<Map<string, AgentRow>>(new Map());
export const waiting = signal<Map<string, WaitingRow[]>>(new Map());
export const calls = signal<Map<string, CallRow>>(new Map());
export const campaigns = signal<Map<string, CampaignRow>>(new Map());
export const hours = signal<Map<string, HoursRow>>(new Map());
export const today = signal<TodayTotals | null>(null);
export const log = signal<LogEntry[]>([]);
export const loaded = signal(false);
export const pauseReasons = signal<Map<string, { es: string; en: string }>>(new Map());
export const loadError = signal<string | null>(null);
/** Agent console: the screen pop and pending wrap-ups of the signed-in agent. */
export const pop = signal<ScreenPop | null>(null);
export const popEnded = signal<{ callId: string; outcome: string } | null>(null);
export const pending = signal<PendingWrapUp[]>([]);

const LOG_MAX = 200;
const put = <V>(m: Map<string, V>, k: string, v: V) => { const n = new Map(m); n.set(k, v); return n; };
const drop = <V>(m: Map<string, V>, k: string) => { if (!m.has(k)) return m; const n = new Map(m); n.delete(k); return n; };
const keyed = <V>(rows: V[], key: (v: V) => string) => new Map(rows.map((r) => [key(r), r]));

export function applySnapshot(s: WallboardSnapshot): void {
  syncClock(s.serverTime);
  batch(() => {
    queues.value = keyed(s.queues, (q) => q.id);
    agents.value = keyed(s.agents, (a) => a.id);
    const w = new Map<string, WaitingRow[]>();
    for (const r of s.waiting) w.set(r.queueId, [...(w.get(r.queueId) ?? []), r]);
    waiting.value = w;
    calls.value = keyed(s.calls, (c) => c.callId);
    campaigns.value = keyed(s.campaigns, (c) => c.id);
    hours.value = keyed(s.hours, (h) => h.scheduleId);
    today.value = s.today;
    log.value = mergeLog(log.value, s.log);
    pauseReasons.value = new Map(s.pauseReasons.map((r) => [r.id, r.label]));
    if (s.agentConsole) { pop.value = s.agentConsole.pop; pending.value = s.agentConsole.pending; }
    loaded.value = true;
    loadError.value = null;
  });
}

function mergeLog(cur: LogEntry[], more: LogEntry[]): LogEntry[] {
  const byId = new Map(cur.map((e) => [e.id, e]));
  for (const e of more) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, LOG_MAX);
}

export function applyMessage(type: LiveType, data: unknown): void {
  switch (type) {
    case 'queue': { const q = data as QueueRow; queues.value = put(queues.value, q.id, q); return; }
    case 'agent': { const a = data as AgentRow; agents.value = put(agents.value, a.id, a); return; }
    case 'waiting': { const w = data as { queueId: string; callers: WaitingRow[] }; waiting.value = put(waiting.value, w.queueId, w.callers); return; }
    case 'call': { const c = data as CallRow; calls.value = put(calls.value, c.callId, c); return; }
    case 'call.end': calls.value = drop(calls.value, (data as { callId: string }).callId); return;
    case 'campaign': { const c = data as CampaignRow; campaigns.value = put(campaigns.value, c.id, c); return; }
    case 'hours': { const h = data as HoursRow; hours.value = put(hours.value, h.scheduleId, h); return; }
    case 'today': today.value = data as TodayTotals; return;
    case 'log': log.value = mergeLog(log.value, [data as LogEntry]); return;
    case 'offer': pop.value = data as ScreenPop; popEnded.value = null; return;
    case 'offer.end': {
      const e = data as { callId: string; outcome: string };
      if (pop.value?.callId === e.callId) { pop.value = null; popEnded.value = e.outcome === 'wrapped-up' ? null : e; }
      return;
    }
    case 'wrapup': pending.value = (data as { pending: PendingWrapUp[] }).pending; return;
  }
}

let channel: LiveChannel | undefined;
let started: string | undefined;

/**
 * Loads the snapshot (with the agent's own console state when `agent` is given) and follows the
 * live channel from the id it reflects; reloads the snapshot on `reset`. Started once per page
 * load (again only when the agent changes).
 */
export async function startLive(opts: { agent?: string } = {}): Promise<void> {
  const key = opts.agent ?? '';
  if (channel && started === key) return;
  started = key;
  channel?.close();
  const snap = await loadSnapshot(opts.agent);
  channel = new LiveChannel({ message: applyMessage, reset: () => { void loadSnapshot(opts.agent); } }, opts.agent);
  channel.open(snap?.liveId ?? '');
}

async function loadSnapshot(agent?: string): Promise<WallboardSnapshot | undefined> {
  try {
    const s = await api<WallboardSnapshot>(`/api/wallboard${agent ? `?agent=${encodeURIComponent(agent)}` : ''}`);
    applySnapshot(s);
    return s;
  } catch (err) {
    loadError.value = (err as Error).message;
    return undefined;
  }
}

export function stopLive(): void {
  channel?.close();
  channel = undefined;
  started = undefined;
}
