// CallHistory on PostgreSQL: call records (every field in `record`, the searchable ones
// in columns), queue events and agent states (interval statistics), HubSpot engagement
// ids and flow deployments. Every write is idempotent on its natural key, so the spool
// may deliver a batch twice.
import { sql } from 'kysely';
import type { CallRecord } from '../domain/call-record.ts';
import { normalizeE164 } from '../domain/phone.ts';
import type { CallHistory, CallPage, CallSearch, CallSummary, FlowDeployment, QueueThresholds, StoredAgentState, StoredQueueEvent } from '../history/ports.ts';
import type { Db } from './db.ts';
import { CentralitaError } from '../errors.ts';

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());
// Postgres text may not hold NUL; a record carrying one (caller-entered junk) must still be kept.
const clean = (s: string) => s.replaceAll(String.fromCharCode(0), '');

export function recordRow(r: CallRecord) {
  return {
    id: r.id,
    linked_id: r.linkedId,
    direction: r.direction,
    from_number: clean(r.from),
    to_number: clean(r.to),
    did: r.did ?? null,
    started_at: r.startedAt,
    answered_at: r.answeredAt ?? null,
    ended_at: r.endedAt,
    talk_seconds: Math.round(r.talkSeconds),
    wait_seconds: Math.round(r.waitSeconds),
    disposition: r.disposition,
    hangup_cause: r.hangupCause ?? null,
    hangup_side: r.hangupSide,
    queue_id: r.queue?.id ?? null,
    queue_outcome: r.queue?.outcome ?? null,
    queue_wait_seconds: r.queue ? Math.round(r.queue.waitSeconds) : null,
    agent_id: r.agent?.id ?? null,
    flow_id: r.flow?.id ?? null,
    flow_version: r.flow?.version ?? null,
    campaign_id: r.campaign?.campaignId ?? null,
    campaign_row_id: r.campaign?.rowId ?? null,
    campaign_attempt: r.campaign?.attempt ?? null,
    recording_name: r.recording?.name ?? null,
    hubspot_contact_id: r.hubspotContactId ?? null,
    nodes: [...new Set(r.path.map((s) => clean(s.node)))],
    record: JSON.stringify(r, (_k, v: unknown) => (typeof v === 'string' ? clean(v) : v)),
  };
}

export class SearchError extends CentralitaError {}

function encodeCursor(startedAt: string, id: string): string { return Buffer.from(JSON.stringify([startedAt, id])).toString('base64url'); }
function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) return [v[0], v[1]];
  } catch {}
  throw new SearchError('SEARCH_BAD_CURSOR', 'cursor is not one this API returned');
}

/** Candidate spellings of a searched number as records store them. */
export function numberKeys(raw: string, defaultCountry: string): string[] {
  const keys = new Set<string>();
  const n = normalizeE164(raw, defaultCountry);
  if (n.ok) keys.add(n.e164);
  const t = raw.trim();
  if (t) keys.add(t);
  const digits = t.replace(/[^\d+]/g, '');
  if (digits) keys.add(digits);
  return [...keys];
}

/** Rollup buckets are 15 minutes from this origin (UTC-aligned, so also aligned to every zone offset that is a multiple of 15 min). */
export const ROLLUP_ORIGIN = '2000-01-01T00:00:00Z';

export function pgCallHistory(db: Db, opts: { defaultCountry: string; thresholds?: () => Record<string, QueueThresholds> }): CallHistory {
  return {
    async saveRecords(records) {
      if (!records.length) return;
      // Last copy wins within a batch would be arbitrary: keep the first of each id.
      const seen = new Set<string>();
      const rows = records.filter((r) => !seen.has(r.id) && seen.add(r.id)).map(recordRow);
      for (let i = 0; i < rows.length; i += 1000) {
        await db.insertInto('call_records').values(rows.slice(i, i + 1000)).onConflict((oc) => oc.column('id').doNothing()).execute();
      }
    },
    async saveQueueEvents(events) {
      if (!events.length) return;
      const th = opts.thresholds?.() ?? {};
      const ids = Object.keys(th);
      for (let i = 0; i < events.length; i += 5000) {
        const b = events.slice(i, i + 5000);
        // One statement: store the events, and add only the ones stored for the first time
        // to the 15-minute rollups (a re-delivered batch changes nothing). Rows go in in key
        // order so concurrent writers lock rollup rows in the same order.
        await sql`
          with ins as (
            insert into queue_events (event_id, queue_id, call_id, type, at, agent_id, wait_sec, talk_sec, wrap_up_sec, outcome, data)
            select * from unnest(${b.map((e) => e.id)}::text[], ${b.map((e) => e.queueId)}::text[], ${b.map((e) => e.callId)}::text[], ${b.map((e) => e.type)}::text[],
              ${b.map((e) => new Date(e.at).toISOString())}::timestamptz[], ${b.map((e) => e.agentId ?? null)}::text[], ${b.map((e) => e.waitSec ?? null)}::float8[],
              ${b.map((e) => e.talkSec ?? null)}::float8[], ${b.map((e) => e.wrapUpSec ?? null)}::float8[], ${b.map((e) => e.outcome ?? null)}::text[],
              ${b.map((e) => (e.data && Object.keys(e.data).length ? JSON.stringify(e.data) : null))}::text[]::jsonb[])
            on conflict (event_id) do nothing
            returning queue_id, type, at, agent_id, wait_sec, talk_sec, wrap_up_sec, outcome
          ), th as (
            select * from unnest(${ids}::text[], ${ids.map((q) => th[q]!.serviceLevelSec)}::float8[], ${ids.map((q) => th[q]!.shortAbandonSec)}::float8[]) as t(queue_id, sl, short)
          ), e as (
            select ins.*, coalesce(th.sl, 20) as sl, coalesce(th.short, 5) as short, date_bin('15 minutes', ins.at, ${ROLLUP_ORIGIN}::timestamptz) as bucket
            from ins left join th on th.queue_id = ins.queue_id
          ), q as (
            insert into queue_intervals as qi
            select queue_id, bucket,
              count(*) filter (where type = 'join'), count(*) filter (where type = 'connect'),
              count(*) filter (where type = 'connect' and wait_sec <= sl),
              count(*) filter (where type = 'leave' and outcome = 'abandoned'),
              count(*) filter (where type = 'leave' and outcome = 'abandoned' and wait_sec < short),
              count(*) filter (where type = 'leave' and outcome = 'timeout'), count(*) filter (where type = 'leave' and outcome = 'exit-key'),
              count(*) filter (where type = 'leave' and outcome not in ('abandoned', 'timeout', 'exit-key')),
              count(*) filter (where type = 'reject' and outcome = 'full'), count(*) filter (where type = 'reject' and outcome <> 'full'),
              count(*) filter (where type = 'complete'),
              coalesce(sum(wait_sec) filter (where type = 'connect'), 0), coalesce(sum(talk_sec) filter (where type = 'complete'), 0) + coalesce(sum(wrap_up_sec) filter (where type = 'wrapup'), 0),
              coalesce(sum(talk_sec) filter (where type = 'complete'), 0), max(wait_sec) filter (where type in ('connect', 'leave'))
            from e group by queue_id, bucket order by queue_id, bucket
            on conflict (queue_id, bucket) do update set
              offered = qi.offered + excluded.offered, answered = qi.answered + excluded.answered, answered_within_sl = qi.answered_within_sl + excluded.answered_within_sl,
              abandoned = qi.abandoned + excluded.abandoned, abandoned_short = qi.abandoned_short + excluded.abandoned_short, timeouts = qi.timeouts + excluded.timeouts,
              exit_key = qi.exit_key + excluded.exit_key, left_empty = qi.left_empty + excluded.left_empty, rejected_full = qi.rejected_full + excluded.rejected_full,
              rejected_no_agents = qi.rejected_no_agents + excluded.rejected_no_agents, completed = qi.completed + excluded.completed,
              wait_sum = qi.wait_sum + excluded.wait_sum, handle_sum = qi.handle_sum + excluded.handle_sum, talk_sum = qi.talk_sum + excluded.talk_sum,
              longest_wait = greatest(qi.longest_wait, excluded.longest_wait)
            returning 1
          )
          insert into agent_intervals as ai
          select agent_id, bucket, count(*) filter (where type = 'connect'), count(*) filter (where type = 'ring-failed'),
            coalesce(sum(talk_sec) filter (where type = 'complete'), 0), coalesce(sum(wrap_up_sec) filter (where type = 'wrapup'), 0)
          from e where agent_id is not null group by agent_id, bucket order by agent_id, bucket
          on conflict (agent_id, bucket) do update set calls = ai.calls + excluded.calls, ring_no_answer = ai.ring_no_answer + excluded.ring_no_answer,
            talk_sum = ai.talk_sum + excluded.talk_sum, wrap_sum = ai.wrap_sum + excluded.wrap_sum`.execute(db);
      }
    },
    async saveAgentStates(states) {
      if (!states.length) return;
      await db.insertInto('agent_states').values(states.map((s) => ({ event_id: s.id, agent_id: s.agentId, state: s.state, reason: s.reason ?? null, at: new Date(s.at) })))
        .onConflict((oc) => oc.column('event_id').doNothing()).execute();
    },
    async saveHubspotEngagements(links) {
      if (!links.length) return;
      await db.insertInto('hubspot_engagements').values(links.map((l) => ({ record_id: l.recordId, hubspot_call_id: l.hubspotCallId })))
        .onConflict((oc) => oc.column('record_id').doUpdateSet((eb) => ({ hubspot_call_id: eb.ref('excluded.hubspot_call_id') }))).execute();
    },
    async saveFlowDeployments(ds) {
      if (!ds.length) return;
      await db.insertInto('flow_deployments').values(ds.map((d) => ({ flow_id: d.flowId, version: d.version, hash: d.hash, deployed_by: d.by, deployed_at: d.at })))
        .onConflict((oc) => oc.columns(['flow_id', 'version']).doNothing()).execute();
    },
    async flowDeployments(flowId) {
      let q = db.selectFrom('flow_deployments').selectAll().orderBy('deployed_at', 'desc').limit(1000);
      if (flowId) q = q.where('flow_id', '=', flowId);
      return (await q.execute()).map((r): FlowDeployment => ({ flowId: r.flow_id, version: r.version, hash: r.hash, by: r.deployed_by, at: iso(r.deployed_at) }));
    },
    async get(recordId) {
      const r = await db.selectFrom('call_records').leftJoin('hubspot_engagements', 'hubspot_engagements.record_id', 'call_records.id')
        .select(['call_records.record', 'hubspot_engagements.hubspot_call_id']).where('call_records.id', '=', recordId).executeTakeFirst();
      if (!r) return undefined;
      const rec = r.record as CallRecord;
      return r.hubspot_call_id ? { ...rec, hubspotCallId: r.hubspot_call_id } : rec;
    },
    async search(q: CallSearch): Promise<CallPage> {
      const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
      let s = db.selectFrom('call_records').leftJoin('hubspot_engagements', 'hubspot_engagements.record_id', 'call_records.id').select([
        'id', 'direction', 'from_number', 'to_number', 'started_at', 'ended_at', 'disposition', 'talk_seconds', 'wait_seconds',
        'queue_id', 'agent_id', 'flow_id', 'campaign_id', 'recording_name', 'hubspot_engagements.hubspot_call_id',
      ]);
      if (q.number !== undefined) {
        const keys = numberKeys(q.number, opts.defaultCountry);
        if (!keys.length) throw new SearchError('SEARCH_BAD_NUMBER', 'number is empty');
        s = s.where((eb) => eb.or([eb('from_number', 'in', keys), eb('to_number', 'in', keys)]));
      }
      if (q.from) s = s.where('started_at', '>=', new Date(q.from));
      if (q.to) s = s.where('started_at', '<', new Date(q.to));
      if (q.queueId) s = s.where('queue_id', '=', q.queueId);
      if (q.agentId) s = s.where('agent_id', '=', q.agentId);
      if (q.disposition) s = s.where('disposition', '=', q.disposition);
      if (q.direction) s = s.where('direction', '=', q.direction);
      if (q.flowId) s = s.where('flow_id', '=', q.flowId);
      if (q.node) s = s.where(sql<boolean>`nodes @> array[${q.node}]::text[]`);
      if (q.campaignId) s = s.where('campaign_id', '=', q.campaignId);
      if (q.cursor) {
        const [at, id] = decodeCursor(q.cursor);
        s = s.where(sql<boolean>`(started_at, id) < (${new Date(at)}, ${id})`);
      }
      const rows = await s.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit).map((r): CallSummary => {
        const c: CallSummary = {
          id: r.id, direction: r.direction, from: r.from_number, to: r.to_number, startedAt: iso(r.started_at), endedAt: iso(r.ended_at),
          disposition: r.disposition, talkSeconds: r.talk_seconds, waitSeconds: r.wait_seconds,
        };
        if (r.queue_id) c.queueId = r.queue_id;
        if (r.agent_id) c.agentId = r.agent_id;
        if (r.flow_id) c.flowId = r.flow_id;
        if (r.campaign_id) c.campaignId = r.campaign_id;
        if (r.recording_name) c.recording = r.recording_name;
        if (r.hubspot_call_id) c.hubspotCallId = r.hubspot_call_id;
        return c;
      });
      const last = page[page.length - 1];
      return rows.length > limit && last ? { calls: page, next: encodeCursor(last.startedAt, last.id) } : { calls: page };
    },
    async eventsBetween(from, to) {
      const [ev, st] = await Promise.all([
        db.selectFrom('queue_events').selectAll().where('at', '>=', new Date(from)).where('at', '<', new Date(to)).orderBy('at').orderBy('event_id').execute(),
        db.selectFrom('agent_states').selectAll().where('at', '>=', new Date(from)).where('at', '<', new Date(to)).orderBy('at').orderBy('event_id').execute(),
      ]);
      return {
        events: ev.map((e): StoredQueueEvent => {
          const out: StoredQueueEvent = { id: e.event_id, type: e.type as StoredQueueEvent['type'], queueId: e.queue_id, callId: e.call_id, at: new Date(e.at).getTime() };
          if (e.agent_id) out.agentId = e.agent_id;
          if (e.wait_sec !== null) out.waitSec = e.wait_sec;
          if (e.talk_sec !== null) out.talkSec = e.talk_sec;
          if (e.wrap_up_sec !== null) out.wrapUpSec = e.wrap_up_sec;
          if (e.outcome) out.outcome = e.outcome;
          if (e.data) out.data = e.data as Record<string, unknown>;
          return out;
        }),
        states: st.map((s): StoredAgentState => ({ id: s.event_id, agentId: s.agent_id, state: s.state, at: new Date(s.at).getTime(), ...(s.reason ? { reason: s.reason } : {}) })),
      };
    },
  };
}
