// Deleting what is past its retention, in batches (short transactions, no long locks).
// The audit log's append-only trigger lets only this delete through (transaction setting).
import { sql } from 'kysely';
import type { Db } from './db.ts';

export type RetentionKind = 'records' | 'audit';

export interface RetentionStore {
  /** Deletes up to `batch` rows of `kind` older than `cutoff`; returns how many went. */
  purgeBatch(kind: RetentionKind, cutoff: Date, batch: number): Promise<number>;
}

export function pgRetention(db: Db): RetentionStore {
  return {
    async purgeBatch(kind, cutoff, batch) {
      return db.transaction().execute(async (tx) => {
        // One job at a time across processes; another holder means "someone is on it".
        const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(160016) as ok`.execute(tx);
        if (!lock.rows[0]?.ok) return 0;
        if (kind === 'audit') {
          await sql`set local centralita.retention = 'on'`.execute(tx);
          const r = await sql`delete from audit_log where id in (select id from audit_log where at < ${cutoff} order by id limit ${batch})`.execute(tx);
          return Number(r.numAffectedRows ?? 0);
        }
        const recs = await sql`delete from call_records where id in (select id from call_records where started_at < ${cutoff} limit ${batch}) returning id`.execute(tx);
        const ids = (recs.rows as { id: string }[]).map((x) => x.id);
        if (ids.length) await sql`delete from hubspot_engagements where record_id = any(${ids}::text[])`.execute(tx);
        const ev = await sql`delete from queue_events where event_id in (select event_id from queue_events where at < ${cutoff} limit ${batch})`.execute(tx);
        const st = await sql`delete from agent_states where event_id in (select event_id from agent_states where at < ${cutoff} limit ${batch})`.execute(tx);
        // Whole rollup buckets before the cutoff (a few hundred rows a day).
        await sql`delete from queue_intervals where bucket < ${cutoff}`.execute(tx);
        await sql`delete from agent_intervals where bucket < ${cutoff}`.execute(tx);
        return ids.length + Number(ev.numAffectedRows ?? 0) + Number(st.numAffectedRows ?? 0);
      });
    },
  };
}
