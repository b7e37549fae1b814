// `npm run bench -- history [--calls N] [--days D] [--no-stasis]`: the system of record at
// 1,000,000 stored calls. Loads N call records (10 days, 200k customers, 6 queues, 40
// agents, 20 % campaign calls, IVR paths) and their queue events through the app's own
// repository (measuring insert throughput), then times the five most common searches and
// a day's 15-minute interval report (p95 over varied parameters). Last, the Stasis bench
// twice in this process — without and with the history pipeline (spool + PostgreSQL)
// taking records and queue events at the rate 2,000 concurrent calls produce — so the
// cost to call control is measured, not assumed.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresServer } from '../../src/infra/postgres-server.ts';
import { ensureDatabase, openStore } from '../../src/store/index.ts';
import { openSpool } from '../../src/spool/spool.ts';
import { startHistoryCapture, type HistoryEntry } from '../../src/history/capture.ts';
import { createEventBus } from '../../src/domain/event-bus.ts';
import type { CallDisposition, CallRecord } from '../../src/domain/call-record.ts';
import type { StoredQueueEvent } from '../../src/history/ports.ts';
import { seededRng } from '../e2e/acd/harness.ts';

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN; };
const r2 = (n: number) => Math.round(n * 100) / 100;
const arg = (args: string[], name: string, def: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);

const QUEUES = ['sales', 'support', 'billing', 'retention', 'vip', 'collections'];
const AGENTS = Array.from({ length: 40 }, (_, i) => `agent${String(i + 1).padStart(2, '0')}`);
const CAMPAIGNS = ['cobranza-marzo', 'renovaciones', 'encuesta-nps', 'bienvenida'];
const DAY0 = Date.parse('2026-03-01T05:00:00Z'); // local midnight in Bogotá

function makeRecord(i: number, rng: () => number, days: number, perDay: number): { r: CallRecord; events: StoredQueueEvent[] } {
  const day = Math.floor(i / perDay) % days;
  // Calls over the opening hours 07:00-19:00 local.
  const start = DAY0 + day * 86_400_000 + 7 * 3_600_000 + Math.floor(rng() * 12 * 3_600_000);
  const customer = `+5730${String(10_000_000 + Math.floor(rng() * 200_000)).padStart(8, '0')}`;
  const outbound = rng() < 0.2;
  const x = rng();
  const disposition: CallDisposition = outbound ? (x < 0.45 ? 'answered' : x < 0.7 ? 'no-answer' : x < 0.85 ? 'busy' : x < 0.95 ? 'voicemail' : 'failed') : x < 0.8 ? 'answered' : x < 0.95 ? 'abandoned' : 'voicemail';
  const queued = !outbound && rng() < 0.75;
  const queueId = queued ? QUEUES[Math.floor(rng() * QUEUES.length)]! : undefined;
  const agent = disposition === 'answered' && (queued || outbound) ? AGENTS[Math.floor(rng() * AGENTS.length)]! : undefined;
  const wait = queued ? Math.floor(rng() * 120) : 0;
  const talk = disposition === 'answered' ? 30 + Math.floor(rng() * 400) : 0;
  const iso = (t: number) => new Date(t).toISOString();
  const digit = String(1 + Math.floor(rng() * 3));
  const path = outbound ? [{ node: 'campaignGreeting', at: iso(start) }] : [
    { node: 'welcome', at: iso(start) }, { node: 'chooseLanguage', at: iso(start + 3000), digits: '1' }, { node: 'mainMenu', at: iso(start + 6000), digits: digit },
    ...(queueId ? [{ node: queueId, at: iso(start + 9000) }] : []),
  ];
  const end = start + 9000 + wait * 1000 + talk * 1000 + 2000;
  const r: CallRecord = {
    id: `cr-bench-${i}`, linkedId: `l-${i}`, direction: outbound ? 'outbound' : 'inbound',
    from: outbound ? '+576015550100' : customer, to: outbound ? customer : '+576015550100',
    startedAt: iso(start), ...(disposition === 'answered' ? { answeredAt: iso(start + 1000) } : {}), endedAt: iso(end),
    talkSeconds: talk, waitSeconds: wait, disposition, hangupSide: rng() < 0.6 ? 'caller' : 'agent', path,
    ...(queueId ? { queue: { id: queueId, waitSeconds: wait, outcome: disposition === 'answered' ? 'answered' as const : 'abandoned' as const } } : {}),
    ...(agent ? { agent: { id: agent } } : {}),
    ...(outbound ? { campaign: { campaignId: CAMPAIGNS[Math.floor(rng() * CAMPAIGNS.length)]!, rowId: `row-${i}`, attempt: 1 } } : {}),
    flow: { id: outbound ? 'campaign' : 'main', version: 'bench' }, language: 'es',
  };
  const events: StoredQueueEvent[] = [];
  if (queueId) {
    const j = start + 9000;
    events.push({ id: `${i}-j`, type: 'join', queueId, callId: r.id, at: j });
    if (disposition === 'answered' && agent) {
      events.push({ id: `${i}-c`, type: 'connect', queueId, callId: r.id, at: j + wait * 1000, agentId: agent, waitSec: wait });
      events.push({ id: `${i}-d`, type: 'complete', queueId, callId: r.id, at: j + wait * 1000 + talk * 1000, agentId: agent, talkSec: talk, data: { endedBy: 'caller' } });
      events.push({ id: `${i}-w`, type: 'wrapup', queueId, callId: r.id, at: j + wait * 1000 + talk * 1000 + 10_000, agentId: agent, wrapUpSec: 10 });
    } else {
      events.push({ id: `${i}-l`, type: 'leave', queueId, callId: r.id, at: j + wait * 1000, outcome: 'abandoned', waitSec: wait });
    }
  }
  return { r, events };
}

async function timeIt(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 3; i++) await fn(i); // warm caches and plans
  const out: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await fn(i + 3); out.push(performance.now() - t); }
  return out;
}

export async function run(args: string[]) {
  if (args.includes('--stasis-only')) return stasisOnly();
  const total = arg(args, '--calls', 1_000_000);
  const days = arg(args, '--days', 10);
  const perDay = Math.ceil(total / days);
  const dir = mkdtempSync(join(tmpdir(), 'centralita-bench-history-'));
  // Durable like production (fsync on): the insert figure is what a real deployment gets.
  const server = await startPostgresServer({ dir, settings: { shared_buffers: '256MB', max_wal_size: '4GB', checkpoint_timeout: '15min' } });
  await ensureDatabase(server.adminUrl, 'bench');
  const thresholds = Object.fromEntries(QUEUES.map((q) => [q, { serviceLevelSec: 20, shortAbandonSec: 5 }]));
  const store = await openStore({ url: server.urlFor('bench'), defaultCountry: 'CO', poolMax: 4, thresholds: () => thresholds });
  const h = store.history;
  const rng = seededRng(16);
  const load0 = loadavg()[0]!;

  // ---- load through the repository (batches of 1,000 as the spool consumer writes them) ----
  const t0 = performance.now();
  const BATCH = 1000;
  let events = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += BATCH) {
    const recs: CallRecord[] = [];
    const evs: StoredQueueEvent[] = [];
    for (let k = i; k < Math.min(total, i + BATCH); k++) { const m = makeRecord(k, rng, days, perDay); recs.push(m.r); evs.push(...m.events); }
    events += evs.length;
    inFlight.push((async () => { await h.saveRecords(recs); await h.saveQueueEvents(evs); })());
    if (inFlight.length >= 3) await inFlight.shift();
    if (process.env.BENCH_DEBUG && i % 100_000 === 0) console.error(`loaded ${i} in ${Math.round(performance.now() - t0)} ms`);
  }
  await Promise.all(inFlight);
  const loadMs = performance.now() - t0;
  await store.database.pool.query('analyze');
  const size = (await store.database.pool.query<{ s: string }>("select pg_size_pretty(pg_database_size('bench')) as s")).rows[0]!.s;

  // ---- the five most common searches + node search, a day's interval report ----
  const dayStart = (d: number) => new Date(DAY0 + d * 86_400_000).toISOString();
  const customerOf = (k: number) => `+5730${String(10_000_000 + ((k * 7919) % 200_000)).padStart(8, '0')}`;
  const N = 60;
  const searches = {
    by_number: await timeIt(N, (i) => h.search({ number: customerOf(i).replace('+57', '') })),
    by_day: await timeIt(N, (i) => h.search({ from: dayStart(i % days), to: dayStart((i % days) + 1) })),
    by_agent_day: await timeIt(N, (i) => h.search({ agentId: AGENTS[i % AGENTS.length]!, from: dayStart(i % days), to: dayStart((i % days) + 1) })),
    by_queue_abandoned_day: await timeIt(N, (i) => h.search({ queueId: QUEUES[i % QUEUES.length]!, disposition: 'abandoned', from: dayStart(i % days), to: dayStart((i % days) + 1) })),
    by_campaign: await timeIt(N, (i) => h.search({ campaignId: CAMPAIGNS[i % CAMPAIGNS.length]! })),
    by_flow_node_day: await timeIt(N, (i) => h.search({ flowId: 'main', node: QUEUES[i % QUEUES.length]!, from: dayStart(i % days), to: dayStart((i % days) + 1) })),
  };
  // The second page too (keyset cursor), as a supervisor paging through a day.
  const first = await h.search({ from: dayStart(3), to: dayStart(4) });
  const page2 = await timeIt(N, () => h.search({ from: dayStart(3), to: dayStart(4), cursor: first.next! }));
  const reports = store.reports(() => thresholds);
  const range = (d: number) => ({ from: dayStart(d), to: dayStart(d + 1), timeZone: 'America/Bogota' });
  const intervalReport = await timeIt(30, (i) => reports.queues({ ...range(i % days), intervalMin: 15 }));
  const agentReport = await timeIt(20, (i) => reports.agents(range(i % days)));
  const oneDay = await reports.queues({ ...range(2), intervalMin: 15 });

  // ---- the live pipeline (spool → PostgreSQL) at and beyond the 2,000-call rate ----
  // 2,000 concurrent calls of 3 min average end ~11 calls/s; each brings ~4 queue events.
  const bus = createEventBus();
  const spoolDir = join(dir, 'spool');
  const spool = await openSpool<HistoryEntry>({ dir: spoolDir });
  const cap = startHistoryCapture({ spool, history: h, bus, bootId: 'bench', logger: { warn() {}, error: (o) => console.error(o) } });
  const burst = 20_000;
  const tb = performance.now();
  const cpu0 = process.cpuUsage();
  const recs = Array.from({ length: burst }, (_, k) => makeRecord(total + k, rng, days, perDay));
  await Promise.all(recs.map((m) => cap.record(m.r)));
  const spooledMs = performance.now() - tb;
  for (const m of recs) for (const e of m.events) bus.emit('queue.event', { ...e.data, type: e.type, queueId: e.queueId, callId: e.callId, at: new Date(e.at).toISOString(), ...(e.agentId ? { agentId: e.agentId } : {}), ...(e.waitSec !== undefined ? { waitSec: e.waitSec } : {}), ...(e.outcome ? { outcome: e.outcome } : {}) });
  await cap.flushed();
  const pipelineMs = performance.now() - tb;
  const cpu = process.cpuUsage(cpu0);
  // App-process CPU per record (with its ~1.7 queue events): time, not wall clock, so the
  // machine's load does not change it much. Includes building the test records.
  const cpuUsPerRecord = (cpu.user + cpu.system) / burst;
  cap.stop();
  await spool.close();

  let stasis: Record<string, number> | undefined;
  if (!args.includes('--no-stasis')) stasis = await stasisWithAndWithout(store);

  await store.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  const p95 = Object.fromEntries(Object.entries(searches).map(([k, v]) => [`search_${k}_p95_ms`, r2(pct(v, 95))]));
  return {
    metrics: {
      calls_stored: total,
      ...p95,
      search_day_page2_p95_ms: r2(pct(page2, 95)),
      interval_report_day_15min_p95_ms: r2(pct(intervalReport, 95)),
      agent_report_day_p95_ms: r2(pct(agentReport, 95)),
      insert_calls_per_s: Math.round(total / (loadMs / 1000)),
      pipeline_records_per_s: Math.round(burst / (pipelineMs / 1000)),
      pipeline_app_cpu_us_per_record: Math.round(cpuUsPerRecord),
      // 2,000 concurrent calls of 3 min end ~11 calls/s: the share of one core the history costs the app.
      pipeline_app_cpu_pct_at_2000_calls: r2((11.1 * cpuUsPerRecord) / 1e4),
      ...(stasis ?? {}),
    },
    goal: { 'search_*_p95_ms': '< 200', interval_report_day_15min_p95_ms: '< 200', pipeline_records_per_s: '>> 11 (2,000 concurrent calls of 3 min)', stasis_p99_ms_2000_with_history: 'within noise of without' },
    notes: {
      queue_events_stored: events, database_size: size, load_seconds: r2(loadMs / 1000), days, calls_per_day: perDay,
      spool_fsync_ms_for_burst: r2(spooledMs), burst_records: burst,
      day_report_intervals: oneDay.intervals.length, day_report_offered: oneDay.totals.reduce((s, q) => s + q.offered, 0),
      load_average_at_start: r2(load0), load_average_at_end: loadavg().map(r2), samples_per_search: N,
    },
  };
}

/** Only the call-control comparison, on an empty store (re-runs on a busy machine are cheap). */
async function stasisOnly() {
  const dir = mkdtempSync(join(tmpdir(), 'centralita-bench-history-'));
  const server = await startPostgresServer({ dir });
  await ensureDatabase(server.adminUrl, 'bench');
  const store = await openStore({ url: server.urlFor('bench'), defaultCountry: 'CO', poolMax: 4 });
  const load0 = loadavg()[0]!;
  const m = await stasisWithAndWithout(store);
  await store.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  return { metrics: m, goal: { stasis_p99_ms_2000_with_history: 'within noise of without' }, notes: { load_average_at_start: r2(load0), load_average_at_end: loadavg().map(r2) } };
}

/**
 * The Stasis bench (2,000 calls pressing a digit per second) twice in this process: once
 * alone, once while the history pipeline takes call records and queue events at the rate
 * 2,000 concurrent calls produce (three times it, for margin).
 */
async function stasisWithAndWithout(store: Awaited<ReturnType<typeof openStore>>): Promise<Record<string, number>> {
  const { run: stasis } = await import('./stasis.bench.ts');
  // --with-first runs the loaded case first: the second run in a process is not the same as the first.
  const withFirst = process.argv.includes('--with-first');
  let without: Awaited<ReturnType<typeof stasis>> | undefined;
  if (!withFirst) without = await stasis(['--seconds', '8']);
  const bus = createEventBus();
  const dir = mkdtempSync(join(tmpdir(), 'centralita-bench-spool-'));
  const spool = await openSpool<HistoryEntry>({ dir });
  const cap = startHistoryCapture({ spool, history: store.history, bus, bootId: 'stasis', logger: { warn() {}, error() {} } });
  const rng = seededRng(3);
  let k = 5_000_000;
  let written = 0;
  const perSec = 33; // 2,000 calls / 60 s average: 3x the 3-minute rate
  const timer = setInterval(() => {
    for (let i = 0; i < perSec / 10; i++) {
      const m = makeRecord(k++, rng, 10, 100_000);
      void cap.record(m.r).then(() => { written++; });
      for (const e of m.events) bus.emit('queue.event', { type: e.type, queueId: e.queueId, callId: e.callId, at: new Date(e.at).toISOString(), ...(e.agentId ? { agentId: e.agentId } : {}), ...(e.waitSec !== undefined ? { waitSec: e.waitSec } : {}), ...(e.outcome ? { outcome: e.outcome } : {}) });
    }
  }, 100);
  const withHistory = await stasis(['--seconds', '8']);
  clearInterval(timer);
  await cap.flushed();
  cap.stop();
  await spool.close();
  rmSync(dir, { recursive: true, force: true });
  if (!without) without = await stasis(['--seconds', '8']);
  return {
    stasis_p99_ms_2000_without_history: without.metrics.p99_ms_2000!,
    stasis_p99_ms_2000_with_history: withHistory.metrics.p99_ms_2000!,
    stasis_p99_ms_1000_without_history: without.metrics.p99_ms_1000!,
    stasis_p99_ms_1000_with_history: withHistory.metrics.p99_ms_1000!,
    history_records_written_during_stasis: written,
  };
}
