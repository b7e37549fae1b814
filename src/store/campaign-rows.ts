// Campaign rows into PostgreSQL for the hopper design: the ingest's RowGate (one row per
// number and campaign, DNC) and JobSink (rows streamed in with COPY, idempotent on the
// deterministic row id) — instead of one BullMQ job per row in Redis. First step of item 7
// of issue 16: the dialler does not read these rows yet (see docs/history.md).
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AdmitCode } from '../campaigns/store.ts';
import type { JobSink, OriginateJobSpec, RowGate } from '../campaigns/ingest.ts';

const csv = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`);

export function pgCampaignRows(pool: pg.Pool, opts: { dnc: (phones: string[]) => Promise<boolean[]>; now?: () => number }): { gate: RowGate; sink: JobSink } {
  const now = opts.now ?? Date.now;
  const gate: RowGate = {
    async admit(campaignId, rows) {
      if (!rows.length) return [];
      const dnc = await opts.dnc(rows.map((r) => r.phone));
      const r = await pool.query<{ ord: number; code: AdmitCode }>(`
        with input as (select * from unnest($2::text[], $3::text[], $4::int[], $5::bool[]) with ordinality as t(phone, row_id, n, dnc, ord)),
        prev as (select p.phone, p.row_id, coalesce(r.state, 'pending') as state from campaign_phones p left join campaign_rows r on r.campaign_id = p.campaign_id and r.row_id = p.row_id
                 where p.campaign_id = $1 and p.phone = any($2::text[])),
        ins as (insert into campaign_phones (campaign_id, phone, row_id) select $1, phone, row_id from input where not dnc order by ord
                on conflict (campaign_id, phone) do nothing returning phone, row_id)
        select input.ord::int as ord, case
          when input.dnc then 'do-not-call'
          when exists (select 1 from ins where ins.phone = input.phone and ins.row_id = input.row_id) then 'new'
          when prev.row_id = input.row_id then (case when prev.state in ('done', 'cancelled') then 'handled' else 'again' end)
          else 'duplicate' end as code
        from input left join prev on prev.phone = input.phone order by input.ord`,
      [campaignId, rows.map((x) => x.phone), rows.map((x) => x.rowId), rows.map((x) => x.rowNumber ?? null), dnc]);
      return r.rows.map((x) => x.code);
    },
  };
  const sink: JobSink = {
    async addBulk(jobs: OriginateJobSpec[]) {
      if (!jobs.length) return;
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('create temp table if not exists campaign_rows_stage (like campaign_rows including defaults) on commit delete rows');
        const t = now();
        const lines = jobs.map((j) => {
          const d = j.data;
          const data = JSON.stringify({ name: d.name, country: d.country, contactId: d.contactId, timezone: d.timezone, variables: d.variables, file: d.file });
          const rowNo = Number(/-(\d+)$/.exec(d.rowId)?.[1] ?? NaN);
          return [csv(d.campaignId), csv(d.rowId), csv(d.file), Number.isFinite(rowNo) ? rowNo : '', csv(d.phone), d.attempt, csv('pending'), 0, csv(new Date(t + (j.opts.delay ?? 0)).toISOString()), csv(data)].join(',');
        });
        const stream = client.query(copyFrom('copy campaign_rows_stage (campaign_id, row_id, file_id, row_no, phone, attempt, state, priority, next_at, data) from stdin with (format csv)'));
        await new Promise<void>((resolve, reject) => {
          stream.on('error', reject);
          stream.on('finish', () => resolve());
          stream.end(`${lines.join('\n')}\n`);
        });
        await client.query('insert into campaign_rows select * from campaign_rows_stage on conflict (campaign_id, row_id) do nothing');
        await client.query('commit');
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
  return { gate, sink };
}
