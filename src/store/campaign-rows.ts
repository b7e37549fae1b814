// The ingest's RowSink in PostgreSQL: each chunk of accepted rows is COPYed (text format) into a
// session temp table and inserted from there in one statement that dedupes against the campaign
// (one row per number, `on conflict do nothing` on the row key and the number), counts the new
// rows and returns only the rows that were not new, with why. Two round trips per chunk; the
// ingest parses the next chunk meanwhile. Chunks of one sink are stored one after another, so
// a number in two chunks is decided in file order.
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AdmitCode } from '../campaigns/store.ts';
import type { IngestRow, RowSink } from '../campaigns/ingest.ts';

const STAGE = 'campaign_rows_stage';
// COPY text format: backslash, tab and line breaks are escaped; everything else is literal.
const COPY_SPECIAL = /[\\\t\n\r]/g;
const HAS_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyText = (v: string) => (HAS_SPECIAL.test(v) ? v.replace(COPY_SPECIAL, (c) => COPY_ESCAPES[c]!) : v);

/** What a row keeps besides its keys: everything the dialler puts on the call. */
export interface StoredRowData {
  name?: string;
  country?: string;
  contactId?: string;
  timezone?: string;
  variables: Record<string, string>;
}

/** `+573001234567` → 573001234567 (numbers are stored as bigint: E.164 has at most 15 digits). */
export function phoneKey(e164: string): string {
  if (!/^\+[1-9]\d{1,14}$/.test(e164)) throw Object.assign(new Error(`not an E.164 number: ${e164}`), { code: 'CAMPAIGN_BAD_PHONE' });
  return e164.slice(1);
}

export function pgCampaignRowSink(pool: pg.Pool, opts: { dnc: (phones: string[]) => Promise<boolean[]> }): RowSink & { close(): Promise<void> } {
  let client: pg.PoolClient | undefined;
  const keys = new Map<string, { cid: number; fid: number }>();
  // Chunks are stored in order, one at a time, on one connection (the temp table is per session).
  let chain: Promise<unknown> = Promise.resolve();

  async function connection(): Promise<pg.PoolClient> {
    if (client) return client;
    const c = await pool.connect();
    try {
      await c.query(`create temp table if not exists ${STAGE} (row_no integer, phone bigint, priority smallint, next_at bigint, zone text, data text, dnc boolean)`);
    } catch (err) {
      c.release(err as Error);
      throw err;
    }
    client = c;
    return c;
  }

  async function keysOf(c: pg.PoolClient, t: { campaignId: string; fileId: string; file: string }) {
    const k = `${t.campaignId}\0${t.fileId}`;
    let v = keys.get(k);
    if (!v) {
      const r = await c.query<{ cid: number; fid: number }>(`insert into campaign_files (cid, file_id, file) select seq, $2, $3 from campaigns where id = $1
        on conflict (cid, file_id) do update set file = excluded.file returning cid, fid`, [t.campaignId, t.fileId, t.file]);
      if (!r.rows[0]) throw Object.assign(new Error(`campaign ${t.campaignId} has no settings saved (saveSettings first)`), { code: 'CAMPAIGN_UNKNOWN' });
      v = r.rows[0];
      keys.set(k, v);
    }
    return v;
  }

  async function store(t: { campaignId: string; fileId: string; file: string }, rows: IngestRow[], dnc: boolean[]): Promise<AdmitCode[]> {
    const c = await connection();
    try {
      const { cid, fid } = await keysOf(c, t);
      let text = '';
      const zones = new Set<string>();
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        zones.add(r.zoneKey);
        const data: StoredRowData = { variables: r.variables };
        if (r.name) data.name = r.name;
        if (r.country) data.country = r.country;
        if (r.contactId) data.contactId = r.contactId;
        if (r.timezone) data.timezone = r.timezone;
        text += `${r.rowNumber}\t${phoneKey(r.phone)}\t${r.priority}\t${Math.round(r.dueAt)}\t${copyText(r.zoneKey)}\t${copyText(JSON.stringify(data))}\t${dnc[i] ? 't' : 'f'}\n`;
      }
      await c.query(`truncate ${STAGE}`);
      const stream = c.query(copyFrom(`copy ${STAGE} (row_no, phone, priority, next_at, zone, data, dnc) from stdin`));
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('finish', () => resolve());
        stream.end(text);
      });
      const z = `array[${[...zones].map((x) => c.escapeLiteral(x)).join(',')}]::text[]`;
      // Literals only (cid, fid are integers we read; zones escaped): one simple-protocol query.
      const r = await c.query<{ row_no: number; dnc: boolean; same: boolean | null; state: number | null }>(`
        with ins as (
          insert into campaign_rows (cid, fid, row_no, phone, priority, next_at, zone, data)
          select ${cid}, ${fid}, row_no, phone, priority, next_at, zone, data from ${STAGE} where not dnc order by row_no
          on conflict do nothing returning row_no),
        n as (select count(*)::int as n from ins),
        upd as (
          update campaigns set queued = queued + (select n from n),
            state = case when state = 'completed' and (select n from n) > 0 then 'active' else state end,
            completed_at = case when state = 'completed' and (select n from n) > 0 then null else completed_at end,
            zones = case when zones @> ${z} then zones else array(select distinct x from unnest(zones || ${z}) x order by 1) end
          where seq = ${cid})
        select s.row_no, s.dnc, p.fid = ${fid} and p.row_no = s.row_no as same, p.state
        from ${STAGE} s left join campaign_rows p on p.cid = ${cid} and p.phone = s.phone
        where not exists (select 1 from ins where ins.row_no = s.row_no)`);
      const other = new Map(r.rows.map((x) => [x.row_no, x]));
      return rows.map((row): AdmitCode => {
        const x = other.get(row.rowNumber);
        if (!x) return 'new';
        if (x.same) return x.state === 2 ? 'handled' : 'again';
        if (x.same === false) return 'duplicate';
        return x.dnc ? 'do-not-call' : 'duplicate'; // null: the number was taken meanwhile by another ingest
      });
    } catch (err) {
      // A broken session (or COPY) is not reused: the next chunk starts on a fresh connection.
      client = undefined;
      c.release(err as Error);
      throw err;
    }
  }

  return {
    admit(t, rows) {
      if (rows.length === 0) return Promise.resolve([]);
      // The DNC lookup (Redis) runs while the previous chunk is still being stored.
      const dnc = opts.dnc(rows.map((r) => r.phone));
      const p = chain.then(async () => store(t, rows, await dnc));
      chain = p.catch(() => {});
      return p;
    },
    async close() {
      await chain;
      client?.release();
      client = undefined;
    },
  };
}

/** A sink on a private one-connection pool, for the ingest thread (closing it ends the pool). */
export function openCampaignRowSink(url: string, dnc: (phones: string[]) => Promise<boolean[]>): RowSink & { close(): Promise<void> } {
  // Imported lazily: the thread loads the driver only when it ingests.
  let pool: pg.Pool | undefined;
  let sink: (RowSink & { close(): Promise<void> }) | undefined;
  const ready = (async () => {
    const { default: driver } = await import('pg');
    pool = new driver.Pool({ connectionString: url, max: 1, application_name: 'centralita-ingest', statement_timeout: 120_000 });
    pool.on('error', () => {});
    sink = pgCampaignRowSink(pool, { dnc });
    return sink;
  })();
  return {
    async admit(t, rows) { return (await ready).admit(t, rows); },
    async close() {
      await ready.catch(() => {});
      await sink?.close().catch(() => {});
      await pool?.end().catch(() => {});
    },
  };
}
