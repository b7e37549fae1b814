// The wallboard on the server: keeps what a supervisor's screen shows (queues, agents,
// waiting callers, live calls, campaigns, business hours, today's totals, the event log) and
// publishes changed rows on the live channel. Bus events only mark sections dirty; a flush
// (every `flushMs` at most) recomputes them from the ACD, the call sessions and the stores and
// publishes the rows that changed, so a burst of events costs one computation. Figures are
// the server's, so a browser reload shows the same numbers.
import { DateTime } from 'luxon';
import type { EventBus } from '../domain/event-bus.ts';
import type { LiveHub } from '../live/hub.ts';
import type { LivePolicy, Scope, Viewer } from '../live/policy.ts';
import { createEventLog, type EventLog } from './event-log.ts';
import {
  agentRow, attemptsOf, callRow, campaignRow, paceTracker, queueRow, waitingRows,
  type AcdCallIn, type AgentIn, type AgentStatsIn, type CampaignProgressIn, type QueueStatsIn, type SessionIn,
} from './rows.ts';
import type { AgentRow, CallRow, CampaignRow, HoursRow, LiveMessage, PendingWrapUp, QueueRow, ScreenPop, Thresholds, TodayTotals, WaitingRow, WallboardSnapshot } from './types.ts';

/** What the wallboard reads from the ACD (a subset of Acd). */
export interface AcdSource {
  getQueueStats(q: { windowSec: number }): QueueStatsIn[];
  getAgentStats(q: { windowSec: number }): AgentStatsIn[];
  agents(): AgentIn[];
  liveCalls(): AcdCallIn[];
  log(): { events: readonly { type: string; callId: string; at: number; agentId?: string }[] };
}

export interface CampaignSource {
  list(): Promise<string[]>;
  progress(id: string): Promise<CampaignProgressIn>;
  settings?(id: string): Promise<{ maxCallsPerSecond?: number; maxConcurrentCalls?: number } | undefined>;
}

export interface HoursSource {
  ids(): string[];
  state(id: string, at: Date): Promise<HoursRow>;
}

/** Calls that ended in [from, to) by disposition, from the system of record. */
export type TodayHistory = (range: { from: string; to: string; timeZone: string }) => Promise<{ total: number; byDisposition: Record<string, number> }>;

export interface WallboardDeps {
  bus: EventBus;
  hub: LiveHub;
  policy: LivePolicy;
  /** Masks caller numbers in a payload (for viewers who may not see them). */
  mask: (data: unknown) => unknown;
  acd: AcdSource;
  calls: { liveCalls(): SessionIn[] };
  /** Numbers as the records keep them (E.164 when valid), not as the PBX sent them. */
  number?: (raw: string) => string;
  campaigns?: CampaignSource;
  hours?: HoursSource;
  today?: TodayHistory;
  queues: Record<string, { serviceLevelSec: number; name?: string }>;
  thresholds: (queueId: string) => Thresholds;
  pauseReasons?: () => WallboardSnapshot['pauseReasons'];
  /** The agent console's state (screen pop, pending wrap-ups) for an agent's own snapshot. */
  consoleOf?: (agentId: string) => { pop: ScreenPop | null; pending: PendingWrapUp[] };
  now: () => number;
  timeZone: string;
  /** Longest a change waits before it is published (default 100 ms). */
  flushMs?: number;
  /** How often campaigns and hours are re-read (default 2 s and 15 s). */
  campaignPollMs?: number;
  hoursPollMs?: number;
  onError?: (err: unknown, what: string) => void;
}

export interface Wallboard {
  snapshot(viewer: Viewer, opts?: { agent?: string }): Promise<WallboardSnapshot>;
  /** One agent's row as of now (the agent console). */
  agentRow(agentId: string): AgentRow | undefined;
  /** Marks sections dirty from outside the bus (override set, campaign action). */
  touch(what: 'hours' | 'campaigns'): void;
  readonly log: EventLog;
  /** Publishes pending changes now (tests, shutdown). */
  flush(): Promise<void>;
  stop(): void;
  stats(): { flushes: number; published: number };
}

type Section = 'queues' | 'agents' | 'waiting' | 'calls' | 'campaigns' | 'hours' | 'today';

export function createWallboard(d: WallboardDeps): Wallboard {
  const flushMs = d.flushMs ?? 100;
  const dirty = new Set<Section>();
  const last = { queues: new Map<string, string>(), agents: new Map<string, string>(), waiting: new Map<string, string>(), calls: new Map<string, string>(), campaigns: new Map<string, string>(), hours: new Map<string, string>(), today: '' };
  const joinedAt = new Map<string, number>();
  const pace = paceTracker();
  const num = d.number ?? ((x: string) => x);
  const counters = { flushes: 0, published: 0 };
  const log = createEventLog({ hub: d.hub, now: d.now, agentQueues: (id) => agentQueues(id) });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;
  let stopped = false;
  let campaignCache: CampaignRow[] = [];
  let hoursCache: HoursRow[] = [];
  let campaignStates = new Map<string, string>();

  // Callers already waiting when the wallboard starts (a restart): their join times from the log.
  const waitingIds = new Set(d.acd.liveCalls().map((c) => c.callId));
  for (const e of d.acd.log().events) if (e.type === 'join' && waitingIds.has(e.callId)) joinedAt.set(e.callId, e.at);

  // ---- today's totals: the system of record at start (and each new day) + this process's records
  let day = dayOf(d.now());
  let base = { total: 0, answered: 0, abandoned: 0, source: 'live' as TodayTotals['source'] };
  const liveToday = { total: 0, answered: 0, abandoned: 0 };
  async function loadBaseline(): Promise<void> {
    if (!d.today) return;
    try {
      const r = await d.today({ from: day.from, to: day.to, timeZone: d.timeZone });
      base = { total: r.total, answered: r.byDisposition.answered ?? 0, abandoned: r.byDisposition.abandoned ?? 0, source: 'history' };
    } catch (err) {
      d.onError?.(err, 'today from the call history');
    }
    mark('today');
  }
  const baseline = loadBaseline();

  function dayOf(now: number) {
    const start = DateTime.fromMillis(now, { zone: d.timeZone }).startOf('day');
    return { key: start.toISODate()!, startMs: start.toMillis(), from: start.toUTC().toISO()!, to: start.plus({ days: 1 }).toUTC().toISO()! };
  }
  function rollDay(now: number) {
    const cur = dayOf(now);
    if (cur.key === day.key) return;
    day = cur;
    base = { total: 0, answered: 0, abandoned: 0, source: d.today ? 'history' : 'live' };
    liveToday.total = liveToday.answered = liveToday.abandoned = 0;
    void loadBaseline();
    mark('queues', 'agents');
  }
  const windowSec = (now: number) => Math.max(1, Math.ceil((now - day.startMs) / 1000));
  const agentQueues = (id: string): readonly string[] => agentsById.get(id)?.queues ?? [];
  let agentsById = new Map<string, AgentIn>();

  // ---- bus → dirty sections (and the event log)
  const offs = [
    d.bus.on('queue.event', (e) => {
      if (e.type === 'join' && e.callId) joinedAt.set(e.callId, Date.parse(e.at));
      if ((e.type === 'connect' || e.type === 'leave' || e.type === 'reject') && e.callId) joinedAt.delete(e.callId);
      log.queueEvent(e, callerOf);
      mark('queues', 'waiting', 'calls', 'agents');
    }),
    d.bus.on('agent.state', (e) => {
      log.agentState(e, agentsById.get(e.agentId)?.name);
      mark('agents', 'queues');
    }),
    d.bus.on('call.started', (e) => {
      callers.set(e.callId, num(e.direction === 'outbound' ? e.to : e.from));
      log.callStarted({ ...e, from: num(e.from), to: num(e.to) });
      mark('calls');
    }),
    d.bus.on('call.step', () => mark('calls')),
    d.bus.on('call.record', (r) => {
      rollDay(d.now());
      liveToday.total++;
      if (r.disposition === 'answered') liveToday.answered++;
      if (r.disposition === 'abandoned') liveToday.abandoned++;
      log.callEnded(r);
      mark('calls', 'today');
    }),
    d.bus.on('telephony.connection', (e) => log.connection(e)),
  ];
  const callers = new Map<string, string>();
  const callerOf = (callId: string) => callers.get(callId);

  function mark(...s: Section[]) {
    for (const x of s) dirty.add(x);
    if (!timer && !stopped) timer = setTimeout(() => { timer = undefined; void flush(); }, flushMs);
  }

  // ---- computing the sections
  function computeQueues(now: number): QueueRow[] {
    const oldest = new Map<string, number>();
    for (const c of d.acd.liveCalls()) {
      const t = joinedAt.get(c.callId);
      if (t !== undefined && (c.phase === 'waiting' || c.phase === 'ringing' || c.phase === 'retry')) oldest.set(c.queueId, Math.min(oldest.get(c.queueId) ?? t, t));
    }
    return d.acd.getQueueStats({ windowSec: windowSec(now) }).map((s) => queueRow(s, {
      serviceLevelSec: d.queues[s.queueId]?.serviceLevelSec ?? 20, thresholds: d.thresholds(s.queueId), oldestWaitSince: oldest.get(s.queueId) ?? null,
    }));
  }
  function computeAgents(now: number): AgentRow[] {
    const stats = new Map(d.acd.getAgentStats({ windowSec: windowSec(now) }).map((s) => [s.agentId, s]));
    const completed = new Map<string, number>();
    for (const e of d.acd.log().events) if (e.type === 'complete' && e.at >= day.startMs && e.agentId) completed.set(e.agentId, (completed.get(e.agentId) ?? 0) + 1);
    const views = d.acd.agents();
    agentsById = new Map(views.map((a) => [a.id, a]));
    return views.map((a) => agentRow(a, stats.get(a.id), a.callId ? { caller: callers.get(a.callId) } : undefined, completed.get(a.id) ?? 0));
  }
  function computeWaiting(): WaitingRow[] {
    return waitingRows(d.acd.liveCalls(), joinedAt, callers);
  }
  function computeCalls(): CallRow[] {
    const acd = new Map(d.acd.liveCalls().map((c) => [c.callId, c]));
    const sessions = d.calls.liveCalls();
    const live = new Set(sessions.map((s) => s.callId));
    for (const id of callers.keys()) if (!live.has(id) && !acd.has(id)) callers.delete(id);
    for (const s of sessions) callers.set(s.callId, num(s.from));
    return sessions.map((s) => callRow({ ...s, from: num(s.from), to: num(s.to) }, acd.get(s.callId) ?? acd.get(s.channelId)));
  }
  async function computeCampaigns(now: number): Promise<CampaignRow[]> {
    if (!d.campaigns) return [];
    const ids = await d.campaigns.list();
    const rows = await Promise.all(ids.map(async (id) => {
      const [p, s] = await Promise.all([d.campaigns!.progress(id), d.campaigns!.settings?.(id).catch(() => undefined)]);
      return campaignRow(p, pace.sample(id, now, attemptsOf(p)), s);
    }));
    const states = new Map(rows.map((r) => [r.id, r.state]));
    for (const r of rows) {
      const before = campaignStates.get(r.id);
      if (before !== undefined && before !== r.state) log.campaignState(r.id, r.state);
    }
    campaignStates = states;
    return rows;
  }
  async function computeHours(now: number): Promise<HoursRow[]> {
    if (!d.hours) return [];
    const at = new Date(now);
    return Promise.all(d.hours.ids().map((id) => d.hours!.state(id, at)));
  }
  const todayTotals = (): TodayTotals => ({ calls: base.total + liveToday.total, answered: base.answered + liveToday.answered, abandoned: base.abandoned + liveToday.abandoned, source: base.source });

  // ---- publishing what changed
  function publishRows<R>(section: keyof Omit<typeof last, 'today'>, rows: R[], key: (r: R) => string, msg: (r: R) => LiveMessage, scope: (r: R) => Scope, pii: boolean, gone?: (k: string) => void): void {
    const seen = new Set<string>();
    const cache = last[section];
    for (const r of rows) {
      const k = key(r);
      seen.add(k);
      const json = JSON.stringify(r);
      if (cache.get(k) === json) continue;
      cache.set(k, json);
      d.hub.publish(msg(r), scope(r), { pii });
      counters.published++;
    }
    for (const k of [...cache.keys()]) if (!seen.has(k)) { cache.delete(k); gone?.(k); }
  }

  async function flushNow(): Promise<void> {
    const now = d.now();
    rollDay(now);
    const todo = new Set(dirty);
    dirty.clear();
    counters.flushes++;
    if (todo.has('agents')) {
      const rows = computeAgents(now);
      publishRows('agents', rows, (r) => r.id, (r) => ({ type: 'agent', data: r }), (r) => ({ agent: r.id, queues: r.queues }), true);
    }
    if (todo.has('queues')) {
      publishRows('queues', computeQueues(now), (r) => r.id, (r) => ({ type: 'queue', data: r }), (r) => ({ queue: r.id }), false);
    }
    if (todo.has('waiting')) {
      const rows = computeWaiting();
      const byQueue = new Map<string, WaitingRow[]>(Object.keys(d.queues).map((q) => [q, []]));
      for (const r of rows) (byQueue.get(r.queueId) ?? byQueue.set(r.queueId, []).get(r.queueId)!).push(r);
      publishRows('waiting', [...byQueue], ([q]) => q, ([queueId, callers]) => ({ type: 'waiting', data: { queueId, callers } }), ([q]) => ({ queue: q }), true);
    }
    if (todo.has('calls')) {
      const rows = computeCalls();
      const scopes = new Map(rows.map((r) => [r.callId, callScope(r)]));
      publishRows('calls', rows, (r) => r.callId, (r) => ({ type: 'call', data: r }), (r) => scopes.get(r.callId)!, true,
        (k) => { d.hub.publish({ type: 'call.end', data: { callId: k } }, lastScopes.get(k) ?? { call: {} }); lastScopes.delete(k); });
      for (const [k, s] of scopes) lastScopes.set(k, s);
    }
    if (todo.has('today')) {
      const t = todayTotals();
      const json = JSON.stringify(t);
      if (json !== last.today) { last.today = json; d.hub.publish({ type: 'today', data: t }, { totals: true }); }
    }
    if (todo.has('campaigns')) {
      try {
        campaignCache = await computeCampaigns(now);
        publishRows('campaigns', campaignCache, (r) => r.id, (r) => ({ type: 'campaign', data: r }), () => ({ campaigns: true }), false);
      } catch (err) { d.onError?.(err, 'campaign progress'); }
    }
    if (todo.has('hours')) {
      try {
        hoursCache = await computeHours(now);
        publishRows('hours', hoursCache, (r) => r.scheduleId, (r) => ({ type: 'hours', data: r }), () => ({ hours: true }), false);
      } catch (err) { d.onError?.(err, 'business hours'); }
    }
  }
  const lastScopes = new Map<string, Scope>();

  async function flush(): Promise<void> {
    // One flush at a time; changes that arrive meanwhile are picked up by the next one.
    while (flushing) await flushing;
    flushing = flushNow().catch((err: unknown) => d.onError?.(err, 'wallboard flush')).finally(() => { flushing = undefined; });
    await flushing;
  }

  const campaignTimer = setInterval(() => mark('campaigns'), d.campaignPollMs ?? 2000);
  const hoursTimer = setInterval(() => mark('hours'), d.hoursPollMs ?? 15_000);
  campaignTimer.unref?.();
  hoursTimer.unref?.();
  mark('queues', 'agents', 'waiting', 'calls', 'campaigns', 'hours', 'today');

  return {
    log,
    agentRow: (agentId) => computeAgents(d.now()).find((a) => a.id === agentId),
    touch: (what) => mark(what),
    flush,
    async snapshot(viewer, opts = {}) {
      await baseline;
      const now = d.now();
      rollDay(now);
      const liveId = d.hub.lastId();
      // Campaigns and hours come from stores: re-read so the snapshot is as fresh as the stream.
      const [campaigns, hours] = await Promise.all([
        computeCampaigns(now).catch(() => campaignCache),
        computeHours(now).catch(() => hoursCache),
      ]);
      const agents = computeAgents(now);
      const see = (s: Scope) => d.policy.visible(viewer, s);
      const show = <T>(s: Scope, x: T): T => (d.policy.masks(viewer, s) ? (d.mask(x) as T) : x);
      const calls = computeCalls();
      return {
        serverTime: now, liveId, timeZone: d.timeZone,
        queues: computeQueues(now).filter((q) => see({ queue: q.id })),
        agents: agents.filter((a) => see({ agent: a.id, queues: a.queues })).map((a) => show({ agent: a.id, queues: a.queues }, a)),
        waiting: computeWaiting().filter((w) => see({ queue: w.queueId })).map((w) => show({ queue: w.queueId }, w)),
        calls: calls.filter((c) => see(callScope(c))).map((c) => show(callScope(c), c)),
        campaigns: see({ campaigns: true }) ? campaigns : [],
        hours: see({ hours: true }) ? hours : [],
        today: see({ totals: true }) ? todayTotals() : null,
        log: log.entries().filter((e) => see(e.scope)).map((e) => (e.pii && d.policy.masks(viewer, e.scope) ? (d.mask(e.entry) as typeof e.entry) : e.entry)),
        pauseReasons: d.pauseReasons?.() ?? [],
        ...(opts.agent && d.consoleOf && d.policy.visible({ ...viewer, focusAgent: opts.agent }, { agentOnly: opts.agent }) ? { agentConsole: { agentId: opts.agent, ...d.consoleOf(opts.agent) } } : {}),
      };
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(campaignTimer);
      clearInterval(hoursTimer);
      for (const off of offs) off();
    },
    stats: () => ({ ...counters }),
  };
}

function callScope(c: CallRow): Scope {
  return { call: { ...(c.queueId ? { queue: c.queueId } : {}), ...(c.agentId ? { agent: c.agentId } : {}), ...(c.campaignId ? { campaign: c.campaignId } : {}) } };
}
