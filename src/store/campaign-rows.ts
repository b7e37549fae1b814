// The ingest's RowSink in PostgreSQL. Each chunk of accepted rows is first COPYed (text format)
// straight into campaign_rows, in a transaction with the campaign's counters: COPY writes heap
// pages in batches, about half the server CPU of INSERT … SELECT per row (measured, issue 16).
// That succeeds whenever no row of the chunk is already in the campaign (the common case: the
// ingest already dropped duplicates within the chunk). If one is — a duplicate of an earlier
// chunk, a re-ingest, another file of the campaign — the unique indexes refuse the COPY, the
// transaction rolls back, and the chunk goes the careful way: COPY into a session temp table,
// one statement inserting with `on conflict do nothing` that dedupes by number, counts the new
// rows and returns only the rows that were not new, with why. Either way the campaign gets each
// number once and the counters move with the rows. The ingest parses the next chunk meanwhile.
// Chunks of one sink are stored one after another, so a number in two chunks is decided in file order.
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
const TAB = 0x09;
const NL = 0x0a;
const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * A chunk's COPY text written straight into bytes: no string per field or per line (the ingest
 * allocated ~1 KB of short-lived strings per row building lines, and the GC time that cost in
 * the ingest thread's small heap was a third of its CPU). Numbers are written digit by digit.
 */
class CopyWriter {
  buf = Buffer.allocUnsafe(1 << 20);
  len = 0;
  room(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number) { this.room(1); this.buf[this.len++] = b; }
  /** A non-negative integer (≤ 2^53) in decimal. */
  uint(n: number) {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return this.text(String(n));
    this.room(16);
    if (n === 0) { this.buf[this.len++] = 0x30; return; }
    let digits = 0;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
    let at = this.len + digits;
    this.len = at;
    for (let x = n; x >= 1; x = Math.floor(x / 10)) this.buf[--at] = 0x30 + (x % 10);
  }
  text(v: string) {
    this.room(v.length * 3);
    this.len += this.buf.write(v, this.len, 'utf8');
  }
  /** E.164 without its +, as the bigint key (phoneKey), validated the same way. */
  phone(e164: string) {
    if (!E164.test(e164)) throw Object.assign(new Error(`not an E.164 number: ${e164}`), { code: 'CAMPAIGN_BAD_PHONE' });
    this.room(e164.length);
    for (let i = 1; i < e164.length; i++) this.buf[this.len++] = e164.charCodeAt(i);
  }
  bytes() { return this.buf.subarray(0, this.len); }
}

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

/**
 * COPY lines of the rows `take` keeps: `prefix` (the keys), then row_no, phone, priority,
 * next_at, zone, data (what the dialler puts on the call, JSON) and, with `dnc`, the row's flag.
 */
function copyLines(rows: IngestRow[], take: (i: number) => boolean, prefix: string, dnc?: boolean[]): Buffer {
  const w = new CopyWriter();
  const head = Buffer.from(prefix, 'utf8');
  for (let i = 0; i < rows.length; i++) {
    if (!take(i)) continue;
    const r = rows[i]!;
    const data: StoredRowData = { variables: r.variables };
    if (r.name) data.name = r.name;
    if (r.country) data.country = r.country;
    if (r.contactId) data.contactId = r.contactId;
    if (r.timezone) data.timezone = r.timezone;
    w.room(head.length);
    w.len += head.copy(w.buf, w.len);
    w.uint(r.rowNumber); w.byte(TAB);
    w.phone(r.phone); w.byte(TAB);
    w.uint(r.priority); w.byte(TAB);
    w.uint(Math.round(r.dueAt)); w.byte(TAB);
    w.text(copyText(r.zoneKey)); w.byte(TAB);
    w.text(copyText(JSON.stringify(data)));
    if (dnc) { w.byte(TAB); w.byte(dnc[i] ? 0x74 : 0x66); }
    w.byte(NL);
  }
  return w.bytes();
}

/** Chunks stored by the direct COPY and by the careful (staged) way: how often the fast way held. */
export interface RowSinkStats { direct: number; staged: number }

export function pgCampaignRowSink(pool: pg.Pool, opts: { dnc: (phones: string[]) => Promise<boolean[]> }): RowSink & { close(): Promise<void>; readonly stats: RowSinkStats } {
  let client: pg.PoolClient | undefined;
  const stats: RowSinkStats = { direct: 0, staged: 0 };
  const keys = new Map<string, { cid: number; fid: number }>();
  // Chunks are stored in order, one at a time, on one connection (the temp table is per session).
  let chain: Promise<unknown> = Promise.resolve();

  // The session is held between chunks: if the server ends it meanwhile, pg emits 'error' on the
  // client (an unhandled one would end the process); the next query on it fails, and that fails the chunk.
  const lost = () => {};
  const release = (c: pg.PoolClient, err?: Error) => { c.off('error', lost); c.release(err); };

  async function connection(): Promise<pg.PoolClient> {
    if (client) return client;
    const c = await pool.connect();
    c.on('error', lost);
    try {
      await c.query(`create temp table if not exists ${STAGE} (row_no integer, phone bigint, priority smallint, next_at bigint, zone text, data text, dnc boolean)`);
      // Chunk commits need not wait for the WAL flush: close() ends with a commit at the
      // database's own setting, which flushes all WAL before it, so a finished ingest is as durable as before; a crash
      // mid-file loses at most the last chunks of an ingest that then fails and is taken again
      // (row ids are the file's and the row's number: nothing is stored twice). A row the hopper
      // has seen is durable too: its own synchronous commit comes later in the WAL.
      await c.query('set synchronous_commit = off');
    } catch (err) {
      release(c, err as Error);
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

  const copyInto = (c: pg.PoolClient, sqlText: string, text: Buffer) => new Promise<void>((resolve, reject) => {
    const stream = c.query(copyFrom(sqlText));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(text);
  });

  /** The zones of `zones` added to the campaign's list (kept sorted, each once). */
  const zonesSql = (c: pg.PoolClient, zones: Set<string>) => {
    const z = `array[${[...zones].map((x) => c.escapeLiteral(x)).join(',')}]::text[]`;
    return `zones = case when zones @> ${z} then zones else array(select distinct x from unnest(zones || ${z}) x order by 1) end`;
  };

  /** The optimistic way: every non-DNC row is new. Undefined when a row is already in the campaign (nothing written). */
  async function copyNew(c: pg.PoolClient, cid: number, fid: number, rows: IngestRow[], dnc: boolean[], zones: Set<string>): Promise<AdmitCode[] | undefined> {
    let n = 0;
    for (let i = 0; i < rows.length; i++) if (!dnc[i]) n++;
    const text = n > 0 ? copyLines(rows, (i) => !dnc[i], `${cid}\t${fid}\t`) : undefined;
    await c.query('begin');
    try {
      if (n > 0) {
        await copyInto(c, 'copy campaign_rows (cid, fid, row_no, phone, priority, next_at, zone, data) from stdin', text!);
        await c.query(`update campaigns set queued = queued + ${n},
            state = case when state = 'completed' then 'active' else state end,
            completed_at = case when state = 'completed' then null else completed_at end,
            ${zonesSql(c, zones)}
          where seq = ${cid}`);
      }
      // A do-not-call number already in the campaign is reported as the careful way does (duplicate / again / handled).
      const refused = rows.flatMap((r, i) => (dnc[i] ? [phoneKey(r.phone)] : []));
      const known = refused.length
        ? new Map((await c.query<{ phone: string; fid: number; row_no: number; state: number }>(`select phone::text, fid, row_no, state from campaign_rows where cid = ${cid} and phone = any($1::bigint[])`, [refused])).rows.map((x) => [x.phone, x]))
        : undefined;
      await c.query('commit');
      return rows.map((r, i): AdmitCode => {
        if (!dnc[i]) return 'new';
        const x = known?.get(phoneKey(r.phone));
        if (!x) return 'do-not-call';
        return x.fid === fid && x.row_no === r.rowNumber ? (x.state === 2 ? 'handled' : 'again') : 'duplicate';
      });
    } catch (err) {
      await c.query('rollback');
      // unique_violation: some row is not new; deadlock_detected: another ingest of the campaign
      // copies the same numbers in another order. Either way nothing was written: the careful way decides.
      const code = (err as { code?: string }).code;
      if (code === '23505' || code === '40P01') return undefined;
      throw err;
    }
  }

  async function store(t: { campaignId: string; fileId: string; file: string }, rows: IngestRow[], dnc: boolean[]): Promise<AdmitCode[]> {
    const c = await connection();
    try {
      const { cid, fid } = await keysOf(c, t);
      const zones = new Set<string>();
      for (let i = 0; i < rows.length; i++) zones.add(rows[i]!.zoneKey);
      const fast = await copyNew(c, cid, fid, rows, dnc, zones);
      if (fast) { stats.direct++; return fast; }
      stats.staged++;
      const text = copyLines(rows, () => true, '', dnc);
      await c.query(`truncate ${STAGE}`);
      await copyInto(c, `copy ${STAGE} (row_no, phone, priority, next_at, zone, data, dnc) from stdin`, text);
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
      release(c, err as Error);
      throw err;
    }
  }

  return {
    stats,
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
      const c = client;
      client = undefined;
      if (!c) return;
      try {
        // Back to the database's own setting (on, or remote_apply with a synchronous standby), then a
        // transaction with an id: its commit writes a WAL record and, waited for as configured,
        // flushes (or replicates) every chunk's commit before it.
        await c.query('reset synchronous_commit; begin; select pg_current_xact_id(); commit');
      } catch (err) {
        release(c, err as Error);
        throw err;
      }
      release(c);
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
      // A failed final flush fails the ingest (its rows may not be durable): the file is taken again.
      try { await sink?.close(); } finally { await pool?.end().catch(() => {}); }
    },
  };
}
