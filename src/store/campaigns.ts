// The campaign store (CampaignStore) and per-row results (CampaignResults) in PostgreSQL. The
// exactly-once rules live in SQL (campaign_settle in the migration): the attempt's outcome, the
// row's move to its next attempt or final outcome, and the counters change in one transaction.
// Campaign and file ids are resolved to their integer keys inside each statement.
import type pg from 'pg';
import type { CampaignSettings } from '../domain/campaign.ts';
import { splitRowId, type AttemptContext, type CampaignProgress, type CampaignRunState, type CampaignStore, type RowPlace } from '../campaigns/store.ts';
import type { CampaignFileRecord, CampaignResults, RowResult } from '../campaigns/results.ts';

const PLACES: RowPlace[] = ['waiting', 'hopper', 'final'];
const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

export interface PgCampaignStoreOptions {
  /** Live calls of a campaign (the dial limits' leases in Redis): `dialling` in its progress. */
  dialling?: (campaignId: string) => Promise<number>;
  /** Called (once, by the process whose call completed it) when a campaign becomes completed. */
  onCompleted?: (campaignId: string) => void;
  now?: () => number;
}

function rowKey(rowId: string): { fileId: string; rowNo: number } {
  const k = splitRowId(rowId);
  if (!k) throw Object.assign(new Error(`not a campaign row id: ${JSON.stringify(rowId)}`), { code: 'CAMPAIGN_BAD_ROW_ID' });
  return k;
}

export function pgCampaignStore(pool: pg.Pool, opts: PgCampaignStoreOptions = {}): CampaignStore {
  const now = opts.now ?? Date.now;
  const checkCompleted = async (id: string, atMs = now()) => {
    const r = await pool.query<{ done: boolean }>('select campaign_complete_if_done(seq, $2) as done from campaigns where id = $1', [id, atMs]);
    const done = r.rows[0]?.done === true;
    if (done) opts.onCompleted?.(id);
    return done;
  };
  const getState = async (id: string): Promise<CampaignRunState> =>
    ((await pool.query<{ state: CampaignRunState }>('select state from campaigns where id = $1', [id])).rows[0]?.state) ?? 'active';

  return {
    async saveSettings(id, settings) {
      await pool.query('insert into campaigns (id, settings) values ($1, $2) on conflict (id) do update set settings = excluded.settings', [id, JSON.stringify(settings)]);
    },
    async getSettings(id) {
      return (await pool.query<{ settings: CampaignSettings }>('select settings from campaigns where id = $1', [id])).rows[0]?.settings;
    },
    getState,
    async setState(id, state, atMs = now()) {
      // Cancel is final: a cancelled campaign is never resumed by mistake.
      const r = await pool.query('update campaigns set state = $2, state_at = $3, completed_at = null where id = $1 and (state <> \'cancelled\' or $2 = \'cancelled\')', [id, state, atMs]);
      if (r.rowCount === 0) {
        const known = (await pool.query('select state from campaigns where id = $1', [id])).rows[0] as { state: string } | undefined;
        if (!known) throw Object.assign(new Error(`no campaign ${id}`), { code: 'CAMPAIGN_NOT_FOUND' });
        throw Object.assign(new Error(`campaign ${id} is cancelled; it cannot be ${state === 'active' ? 'resumed' : 'paused'}`), { code: 'CAMPAIGN_CANCELLED' });
      }
      // Resuming a campaign with nothing left to dial completes it again.
      if (state === 'active') await checkCompleted(id, atMs);
    },
    async list() {
      return (await pool.query<{ id: string }>('select id from campaigns order by id')).rows.map((r) => r.id);
    },
    async addRejected(id, n) {
      if (n > 0) await pool.query('update campaigns set rejected = rejected + $2 where id = $1', [id, n]);
    },
    async noteFile(id, fileId, summary) {
      await pool.query(`insert into campaign_files (cid, file_id, file, summary, noted_at) select seq, $2, $3, $4, now() from campaigns where id = $1
        on conflict (cid, file_id) do update set file = excluded.file, summary = excluded.summary, noted_at = excluded.noted_at`, [id, fileId, summary.file, JSON.stringify(summary)]);
    },
    async attempt(id, rowId, attempt): Promise<AttemptContext> {
      const k = rowKey(rowId);
      const r = (await pool.query(`
        select c.state as campaign_state, r.state, r.attempt, r.hop, r.final_outcome, a.outcome, a.dialled_at
        from campaigns c
        left join campaign_files f on f.cid = c.seq and f.file_id = $2
        left join campaign_rows r on r.fid = f.fid and r.row_no = $3
        left join campaign_attempts a on a.fid = f.fid and a.row_no = $3 and a.attempt = $4
        where c.id = $1`, [id, k.fileId, k.rowNo, attempt])).rows[0] as Record<string, unknown> | undefined;
      if (!r) return { campaignState: 'active' };
      const out: AttemptContext = { campaignState: r.campaign_state as CampaignRunState };
      if (r.state !== null && r.state !== undefined) {
        out.row = { place: PLACES[Number(r.state)]!, attempt: Number(r.attempt), hop: Number(r.hop) };
        if (r.final_outcome) out.row.finalOutcome = String(r.final_outcome);
      }
      if (r.outcome) out.attemptOutcome = String(r.outcome);
      if (r.dialled_at !== null && r.dialled_at !== undefined) out.dialledAt = Number(r.dialled_at);
      return out;
    },
    async markDialled(id, rowId, attempt, atMs) {
      const k = rowKey(rowId);
      const r = await pool.query<{ first: boolean }>(`
        with f as (select f.fid from campaigns c join campaign_files f on f.cid = c.seq and f.file_id = $2 where c.id = $1),
        ins as (insert into campaign_attempts as a (fid, row_no, attempt, dialled_at) select fid, $3, $4, $5 from f
                on conflict (fid, row_no, attempt) do update set dialled_at = excluded.dialled_at where a.dialled_at is null returning 1),
        upd as (update campaign_rows set first_dialled_at = coalesce(first_dialled_at, $5) where fid = (select fid from f) and row_no = $3 and $4 = 1 and exists (select 1 from ins))
        select exists (select 1 from ins) as first`, [id, k.fileId, k.rowNo, attempt, atMs]);
      return r.rows[0]?.first === true;
    },
    async settle(id, rowId, attempt, outcome, next, atMs) {
      const k = rowKey(rowId);
      const r = await pool.query<{ first: boolean; completed: boolean }>('select * from campaign_settle($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [id, k.fileId, k.rowNo, attempt, outcome, next.final, next.final ? next.outcome : null, next.final ? null : Math.round(next.nextAt), atMs]);
      if (r.rows[0]?.completed) opts.onCompleted?.(id);
      return r.rows[0]?.first === true;
    },
    async release(id, rowId, attempt, hop, nextAt) {
      const k = rowKey(rowId);
      await pool.query(`update campaign_rows r set state = 0, queued_at = null, next_at = coalesce($6, r.next_at)
        from campaign_files f join campaigns c on c.seq = f.cid
        where c.id = $1 and f.file_id = $2 and r.fid = f.fid and r.row_no = $3 and r.attempt = $4 and r.hop = $5 and r.state = 1`,
      [id, k.fileId, k.rowNo, attempt, hop, nextAt === undefined ? null : Math.round(nextAt)]);
    },
    async progress(id): Promise<CampaignProgress> {
      const [r, dialling] = await Promise.all([
        pool.query(`select c.*, (select count(*) from campaign_files f where f.cid = c.seq and f.summary is not null) as files,
          (select coalesce(sum((f.summary ->> 'rejected')::int), 0) from campaign_files f where f.cid = c.seq) as file_rejected
          from campaigns c where c.id = $1`, [id]),
        opts.dialling ? opts.dialling(id) : Promise.resolve(0),
      ]);
      const c = r.rows[0] as Record<string, unknown> | undefined;
      const n = (k: string) => Number(c?.[k] ?? 0);
      return {
        campaignId: id, state: (c?.state as CampaignRunState | undefined) ?? 'active',
        // Rejected rows are counted per file version (a re-ingest overwrites its own entry).
        queued: n('queued'), rejected: n('file_rejected') + n('rejected'), dialling, answered: n('answered'), voicemail: n('voicemail'),
        busy: n('busy'), declined: n('declined'), 'no-answer': n('no_answer'), 'unknown-number': n('unknown_number'), failed: n('failed'), retried: n('retried'), done: n('done'), final: (c?.final as Record<string, number> | undefined) ?? {}, files: n('files'),
        ...(c?.state === 'completed' && c.completed_at !== null ? { completedAt: new Date(Number(c.completed_at)).toISOString() } : {}),
      };
    },
    async holdIngest(id, fileId, leaseMs) {
      await pool.query(`insert into campaign_ingests (cid, file_id, until) select seq, $2, now() + make_interval(secs => $3::float8 / 1000) from campaigns where id = $1
        on conflict (cid, file_id) do update set until = excluded.until`, [id, fileId, Math.max(1, Math.round(leaseMs))]);
    },
    async releaseIngest(id, fileId) {
      await pool.query('delete from campaign_ingests i using campaigns c where c.id = $1 and i.cid = c.seq and i.file_id = $2', [id, fileId]);
    },
    checkCompleted: (id) => checkCompleted(id),
  };
}

/** Per-row results of a campaign, read from its rows (file order = row number). */
export function pgCampaignResults(pool: pg.Pool): CampaignResults {
  return {
    async files(id) {
      const r = await pool.query<{ file_id: string; file: string; summary: Record<string, unknown> | null }>(
        'select f.file_id, f.file, f.summary from campaign_files f join campaigns c on c.seq = f.cid where c.id = $1', [id]);
      return r.rows
        .map((x): CampaignFileRecord => {
          const s = x.summary ?? {};
          const out: CampaignFileRecord = { fileId: x.file_id, file: x.file };
          for (const k of ['rows', 'accepted', 'rejected'] as const) if (typeof s[k] === 'number') out[k] = s[k];
          if (typeof s.at === 'string') out.at = s.at;
          if (typeof s.reportDelimiter === 'string') out.reportDelimiter = s.reportDelimiter;
          return out;
        })
        .sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.file.localeCompare(b.file));
    },
    async *rows(id, fileId, pageSize = 1000) {
      const f = (await pool.query<{ fid: number }>('select f.fid from campaign_files f join campaigns c on c.seq = f.cid where c.id = $1 and f.file_id = $2', [id, fileId])).rows[0];
      if (!f) return;
      for (let after = -1; ;) {
        const page = (await pool.query(`select row_no, phone, attempts_made, last_outcome, last_ended_at, first_dialled_at, final_outcome, final_at
          from campaign_rows where fid = $1 and row_no > $2 order by row_no limit $3`, [f.fid, after, pageSize])).rows as Record<string, unknown>[];
        if (page.length === 0) return;
        yield page.map((r): RowResult => {
          const out: RowResult = { rowNumber: Number(r.row_no), rowId: `${fileId}-${String(r.row_no)}`, phone: `+${String(r.phone)}`, attempts: Number(r.attempts_made) };
          if (r.last_outcome) out.lastOutcome = String(r.last_outcome);
          const t = (k: string) => num(r[k]);
          if (t('last_ended_at') !== undefined) out.lastAttemptAt = t('last_ended_at')!;
          if (r.final_outcome) out.finalOutcome = String(r.final_outcome);
          if (t('final_at') !== undefined) out.finalAt = t('final_at')!;
          if (t('first_dialled_at') !== undefined) out.firstDialAt = t('first_dialled_at')!;
          return out;
        });
        after = Number(page[page.length - 1]!.row_no);
        if (page.length < pageSize) return;
      }
    },
    async markWritten(id) {
      await pool.query('update campaigns set results_for = completed_at where id = $1 and completed_at is not null', [id]);
    },
    async reportsDue() {
      return (await pool.query<{ id: string }>('select id from campaigns where state = \'completed\' and completed_at is not null and results_for is distinct from completed_at order by id')).rows.map((r) => r.id);
    },
  };
}
