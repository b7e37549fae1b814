// Reports on PostgreSQL: queue KPIs per queue and per 15/30/60-minute interval, agent
// performance, campaign results and IVR path analysis. The queue figures use the exact
// definitions of the live statistics (src/acd/stats.ts computeQueueStats) over the stored
// queue events, so the two reconcile; aggregation happens in the database (one indexed
// range scan), never by loading a day of events into the app.
import { sql } from 'kysely';
import { DateTime } from 'luxon';
import type { AgentPerformance, CampaignResults, IvrNodeStats, QueueKpis, QueueThresholds, ReportRange, Reports } from '../history/ports.ts';
import type { Db } from './db.ts';
import { ROLLUP_ORIGIN } from './call-history.ts';

const round2 = (n: number | null | undefined) => (n === null || n === undefined ? null : Math.round(Number(n) * 100) / 100);
const DEFAULT_T: QueueThresholds = { serviceLevelSec: 20, shortAbandonSec: 5 };

interface KpiRow {
  queue_id: string; bucket: Date | null; offered: number; answered: number; answered_within_sl: number; abandoned: number; abandoned_short: number;
  timeouts: number; exit_key: number; left_empty: number; rejected_full: number; rejected_no_agents: number; completed: number;
  asa: number | null; aht: number | null; avg_talk: number | null; longest_wait: number | null;
}

/** Local midnight of the range start: intervals line up with the wall clock of the zone. */
function origin(r: ReportRange): Date {
  return DateTime.fromISO(r.from, { zone: r.timeZone }).startOf('day').toJSDate();
}

const Q15 = 15 * 60_000;
/** The range, and [a, b): the whole 15-minute rollup buckets inside it (a = b = to when there are none). */
function edges(r: ReportRange): { from: Date; to: Date; a: Date; b: Date } {
  const f = Date.parse(r.from);
  const t = Date.parse(r.to);
  const o = Date.parse(ROLLUP_ORIGIN);
  let a = o + Math.ceil((f - o) / Q15) * Q15;
  let b = o + Math.floor((t - o) / Q15) * Q15;
  if (b <= a) { a = t; b = t; }
  return { from: new Date(f), to: new Date(t), a: new Date(a), b: new Date(b) };
}

export function pgReports(db: Db, opts: { thresholds: () => Record<string, QueueThresholds> }): Reports {
  return {
    async queues(r) {
      const th = opts.thresholds();
      const ids = Object.keys(th);
      const interval = `${r.intervalMin ?? 60} minutes`;
      const { from, to, a, b } = edges(r);
      const onlyQueue = (col: string) => (r.queueId ? sql`and ${sql.ref(col)} = ${r.queueId}` : sql``);
      // Whole 15-minute buckets come from the rollup; the partial ones at the edges of the
      // range from the events themselves, with the same definitions.
      const rows = await sql<KpiRow>`
        with th as (
          select * from unnest(${ids}::text[], ${ids.map((i) => th[i]!.serviceLevelSec)}::float8[], ${ids.map((i) => th[i]!.shortAbandonSec)}::float8[]) as t(queue_id, sl, short)
        ), e as (
          select qe.queue_id, qe.type, qe.wait_sec, qe.talk_sec, qe.wrap_up_sec, qe.outcome,
                 coalesce(th.sl, ${DEFAULT_T.serviceLevelSec}) as sl, coalesce(th.short, ${DEFAULT_T.shortAbandonSec}) as short,
                 date_bin('15 minutes', qe.at, ${ROLLUP_ORIGIN}::timestamptz) as b15
          from queue_events qe left join th on th.queue_id = qe.queue_id
          where ((qe.at >= ${from} and qe.at < ${a}) or (qe.at >= ${b} and qe.at < ${to})) ${onlyQueue('qe.queue_id')}
        ), u as (
          select queue_id, b15,
            count(*) filter (where type = 'join') as offered,
            count(*) filter (where type = 'connect') as answered,
            count(*) filter (where type = 'connect' and wait_sec <= sl) as answered_within_sl,
            count(*) filter (where type = 'leave' and outcome = 'abandoned') as abandoned,
            count(*) filter (where type = 'leave' and outcome = 'abandoned' and wait_sec < short) as abandoned_short,
            count(*) filter (where type = 'leave' and outcome = 'timeout') as timeouts,
            count(*) filter (where type = 'leave' and outcome = 'exit-key') as exit_key,
            count(*) filter (where type = 'leave' and outcome not in ('abandoned', 'timeout', 'exit-key')) as left_empty,
            count(*) filter (where type = 'reject' and outcome = 'full') as rejected_full,
            count(*) filter (where type = 'reject' and outcome <> 'full') as rejected_no_agents,
            count(*) filter (where type = 'complete') as completed,
            coalesce(sum(wait_sec) filter (where type = 'connect'), 0) as wait_sum,
            coalesce(sum(talk_sec) filter (where type = 'complete'), 0) + coalesce(sum(wrap_up_sec) filter (where type = 'wrapup'), 0) as handle_sum,
            coalesce(sum(talk_sec) filter (where type = 'complete'), 0) as talk_sum,
            max(wait_sec) filter (where type in ('connect', 'leave')) as longest_wait
          from e group by queue_id, b15
          union all
          select queue_id, bucket, offered, answered, answered_within_sl, abandoned, abandoned_short, timeouts, exit_key, left_empty,
                 rejected_full, rejected_no_agents, completed, wait_sum, handle_sum, talk_sum, longest_wait
          from queue_intervals where bucket >= ${a} and bucket < ${b} ${onlyQueue('queue_id')}
        ), g as (
          select *, date_bin(${interval}::interval, b15, ${origin(r)}::timestamptz) as bucket from u
        )
        select queue_id, ${r.intervalMin ? sql`bucket` : sql`null::timestamptz as bucket`},
          sum(offered)::int as offered, sum(answered)::int as answered, sum(answered_within_sl)::int as answered_within_sl,
          sum(abandoned)::int as abandoned, sum(abandoned_short)::int as abandoned_short, sum(timeouts)::int as timeouts,
          sum(exit_key)::int as exit_key, sum(left_empty)::int as left_empty, sum(rejected_full)::int as rejected_full,
          sum(rejected_no_agents)::int as rejected_no_agents, sum(completed)::int as completed,
          sum(wait_sum) / nullif(sum(answered), 0) as asa, sum(handle_sum) / nullif(sum(completed), 0) as aht,
          sum(talk_sum) / nullif(sum(completed), 0) as avg_talk, max(longest_wait) as longest_wait
        from g
        group by ${r.intervalMin ? sql`grouping sets ((queue_id), (queue_id, bucket))` : sql`queue_id`}
        order by queue_id, bucket nulls first`.execute(db);
      const kpi = (x: KpiRow): QueueKpis => {
        const t = th[x.queue_id] ?? DEFAULT_T;
        const slBase = x.answered + (x.abandoned - x.abandoned_short) + x.timeouts;
        const k: QueueKpis = {
          queueId: x.queue_id, offered: x.offered, answered: x.answered, answeredWithinSl: x.answered_within_sl, abandoned: x.abandoned,
          abandonedShort: x.abandoned_short, timeouts: x.timeouts, exitKey: x.exit_key, leftEmpty: x.left_empty, rejectedFull: x.rejected_full,
          rejectedNoAgents: x.rejected_no_agents, completed: x.completed,
          serviceLevelPct: slBase ? round2((100 * x.answered_within_sl) / slBase) : null, serviceLevelSec: t.serviceLevelSec,
          asaSec: round2(x.asa), ahtSec: round2(x.aht), avgTalkSec: round2(x.avg_talk), longestWaitSec: round2(x.longest_wait) ?? 0,
        };
        if (x.bucket) {
          const b = DateTime.fromJSDate(new Date(x.bucket), { zone: r.timeZone });
          k.start = new Date(x.bucket).toISOString();
          k.local = b.toFormat('yyyy-MM-dd HH:mm');
        }
        return k;
      };
      const all = rows.rows.map(kpi);
      return { totals: all.filter((k) => !k.start), intervals: all.filter((k) => k.start) };
    },

    async agents(r) {
      const e = edges(r);
      const { from, to } = e;
      const agentFilter = r.agentId ? sql`and agent_id = ${r.agentId}` : sql``;
      const [spans, calls] = await Promise.all([
        sql<{ agent_id: string; state: string; reason: string | null; seconds: number }>`
          with s as (
            (select distinct on (agent_id) agent_id, state, reason, at, event_id from agent_states
              where at < ${from} ${agentFilter} order by agent_id, at desc, event_id desc)
            union all
            (select agent_id, state, reason, at, event_id from agent_states where at >= ${from} and at < ${to} ${agentFilter})
            union all
            -- An agent with no state before the range was logged out until their first one (as the live view counts it).
            (select a.agent_id, 'loggedOut', null, ${from}::timestamptz, '' from agent_states a
              where a.at >= ${from} and a.at < ${to} ${r.agentId ? sql`and a.agent_id = ${r.agentId}` : sql``}
                and not exists (select 1 from agent_states p where p.agent_id = a.agent_id and p.at < ${from})
              group by a.agent_id)
          ), spans as (
            select agent_id, state, reason, greatest(at, ${from}::timestamptz) as a,
                   least(coalesce(lead(at) over (partition by agent_id order by at, event_id), ${to}::timestamptz), ${to}::timestamptz) as b
            from s
          )
          select agent_id, state, reason, sum(extract(epoch from (b - a)))::float8 as seconds
          from spans where b > a group by agent_id, state, reason`.execute(db),
        sql<{ agent_id: string; calls: number; ring_no_answer: number; talk: number | null; wrap: number | null }>`
          with u as (
            select agent_id, count(*) filter (where type = 'connect') as calls, count(*) filter (where type = 'ring-failed') as rna,
              coalesce(sum(talk_sec) filter (where type = 'complete'), 0) as talk, coalesce(sum(wrap_up_sec) filter (where type = 'wrapup'), 0) as wrap
            from queue_events where agent_id is not null and ((at >= ${from} and at < ${e.a}) or (at >= ${e.b} and at < ${to})) ${agentFilter}
            group by agent_id
            union all
            select agent_id, calls, ring_no_answer, talk_sum, wrap_sum from agent_intervals where bucket >= ${e.a} and bucket < ${e.b} ${agentFilter}
          )
          select agent_id, sum(calls)::int as calls, sum(rna)::int as ring_no_answer, sum(talk) as talk, sum(wrap) as wrap from u group by agent_id`.execute(db),
      ]);
      const by = new Map<string, AgentPerformance>();
      const get = (id: string) => {
        let a = by.get(id);
        if (!a) by.set(id, (a = { agentId: id, calls: 0, ringNoAnswer: 0, talkSec: 0, wrapUpSec: 0, secondsIn: { loggedOut: 0, available: 0, ringing: 0, onCall: 0, wrapUp: 0, paused: 0 }, pausedByReason: {}, occupancyPct: null }));
        return a;
      };
      for (const s of spans.rows) {
        const a = get(s.agent_id);
        a.secondsIn[s.state] = (a.secondsIn[s.state] ?? 0) + s.seconds;
        if (s.state === 'paused') a.pausedByReason[s.reason ?? 'paused'] = (a.pausedByReason[s.reason ?? 'paused'] ?? 0) + s.seconds;
      }
      for (const c of calls.rows) {
        const a = get(c.agent_id);
        a.calls = c.calls;
        a.ringNoAnswer = c.ring_no_answer;
        a.talkSec = round2(c.talk) ?? 0;
        a.wrapUpSec = round2(c.wrap) ?? 0;
      }
      for (const a of by.values()) {
        for (const k of Object.keys(a.secondsIn)) a.secondsIn[k] = round2(a.secondsIn[k]) ?? 0;
        for (const k of Object.keys(a.pausedByReason)) a.pausedByReason[k] = round2(a.pausedByReason[k]) ?? 0;
        const s = a.secondsIn;
        const staffed = (s.available ?? 0) + (s.ringing ?? 0) + (s.onCall ?? 0) + (s.wrapUp ?? 0);
        a.occupancyPct = staffed > 0 ? round2((100 * ((s.onCall ?? 0) + (s.wrapUp ?? 0))) / staffed) : null;
      }
      return [...by.values()].sort((x, y) => x.agentId.localeCompare(y.agentId));
    },

    async campaigns(r) {
      const where = sql`campaign_id is not null and started_at >= ${new Date(r.from)} and started_at < ${new Date(r.to)} ${r.campaignId ? sql`and campaign_id = ${r.campaignId}` : sql``}`;
      const [totals, outcomes, hours] = await Promise.all([
        sql<{ campaign_id: string; attempts: number; rows: number; contacted: number }>`
          select campaign_id, count(*) as attempts, count(distinct coalesce(campaign_row_id, id)) as rows,
                 count(distinct coalesce(campaign_row_id, id)) filter (where disposition = 'answered') as contacted
          from call_records where ${where} group by campaign_id order by campaign_id`.execute(db),
        sql<{ campaign_id: string; disposition: string; n: number }>`
          select campaign_id, disposition, count(*) as n from call_records where ${where} group by campaign_id, disposition`.execute(db),
        sql<{ campaign_id: string; hour: string; attempts: number; answered: number }>`
          select campaign_id, to_char(started_at at time zone ${r.timeZone}, 'HH24') as hour, count(*) as attempts,
                 count(*) filter (where disposition = 'answered') as answered
          from call_records where ${where} group by 1, 2 order by 1, 2`.execute(db),
      ]);
      return totals.rows.map((t): CampaignResults => ({
        campaignId: t.campaign_id, attempts: t.attempts, rows: t.rows, rowsContacted: t.contacted,
        contactRatePct: t.rows ? round2((100 * t.contacted) / t.rows) : null,
        byOutcome: Object.fromEntries(outcomes.rows.filter((o) => o.campaign_id === t.campaign_id).map((o) => [o.disposition, o.n])),
        byHour: hours.rows.filter((h) => h.campaign_id === t.campaign_id).map((h) => ({ hour: h.hour, attempts: h.attempts, answered: h.answered })),
      }));
    },

    async ivr(r) {
      const where = sql`flow_id is not null and started_at >= ${new Date(r.from)} and started_at < ${new Date(r.to)} ${r.flowId ? sql`and flow_id = ${r.flowId}` : sql``}`;
      const [nodes, options, ends] = await Promise.all([
        sql<{ flow_id: string; node: string; calls: number; visits: number }>`
          select flow_id, s.step->>'node' as node, count(distinct id) as calls, count(*) as visits
          from call_records, jsonb_array_elements(record->'path') as s(step)
          where ${where} group by 1, 2`.execute(db),
        sql<{ flow_id: string; node: string; digits: string; n: number }>`
          select flow_id, s.step->>'node' as node, s.step->>'digits' as digits, count(*) as n
          from call_records, jsonb_array_elements(record->'path') as s(step)
          where ${where} and s.step ? 'digits' group by 1, 2, 3`.execute(db),
        sql<{ flow_id: string; node: string; ended: number; dropped: number }>`
          select flow_id, record->'path'->-1->>'node' as node, count(*) as ended,
                 count(*) filter (where hangup_side = 'caller' and agent_id is null and disposition <> 'voicemail') as dropped
          from call_records where ${where} and jsonb_array_length(record->'path') > 0 group by 1, 2`.execute(db),
      ]);
      const key = (f: string, n: string) => `${f}\u0001${n}`;
      const endBy = new Map(ends.rows.map((e) => [key(e.flow_id, e.node), e]));
      return nodes.rows.map((n): IvrNodeStats => ({
        flowId: n.flow_id, node: n.node, calls: n.calls, visits: n.visits,
        options: options.rows.filter((o) => o.flow_id === n.flow_id && o.node === n.node).sort((a, b) => b.n - a.n || a.digits.localeCompare(b.digits)).map((o) => ({ digits: o.digits, count: o.n })),
        endedHere: endBy.get(key(n.flow_id, n.node))?.ended ?? 0,
        droppedHere: endBy.get(key(n.flow_id, n.node))?.dropped ?? 0,
      })).sort((a, b) => a.flowId.localeCompare(b.flowId) || b.calls - a.calls || a.node.localeCompare(b.node));
    },

    async calls(r) {
      const rows = await db.selectFrom('call_records').select(['disposition', sql<number>`count(*)`.as('n')])
        .where('started_at', '>=', new Date(r.from)).where('started_at', '<', new Date(r.to)).groupBy('disposition').execute();
      const byDisposition = Object.fromEntries(rows.map((x) => [x.disposition, x.n]));
      return { total: rows.reduce((s, x) => s + x.n, 0), byDisposition };
    },
  };
}
