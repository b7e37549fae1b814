// The hopper's queries (HopperStore): which campaigns need rows, taking due rows into the
// hopper in priority order (`for update skip locked`, so refillers in several processes never
// take the same row), handing them back, finding hopper rows whose job is gone, and settling
// the rows of a cancelled campaign or an expired zone in bulk, as state changes in SQL.
import type pg from 'pg';
import type { CampaignSettings } from '../domain/campaign.ts';
import type { HopperCampaign, HopperRow, HopperStore, HopperTicket } from '../campaigns/hopper.ts';
import type { CampaignRunState } from '../campaigns/store.ts';
import type { StoredRowData } from './campaign-rows.ts';

export function pgHopperStore(pool: pg.Pool): HopperStore {
  return {
    async campaigns(): Promise<HopperCampaign[]> {
      const r = await pool.query(`
        select c.id, c.seq, c.settings, c.state, c.zones,
          (select count(*) from campaign_rows h where h.cid = c.seq and h.state = 1)::int as in_hopper
        from campaigns c where c.state = 'active' or (c.state = 'cancelled' and c.done < c.queued) order by c.id`);
      return r.rows.map((x: Record<string, unknown>) => ({
        campaignId: String(x.id), key: Number(x.seq), settings: x.settings as CampaignSettings, state: x.state as CampaignRunState,
        zones: (x.zones as string[] | null) ?? [], inHopper: Number(x.in_hopper),
      }));
    },
    async take(c, zones, n, nowMs): Promise<HopperRow[]> {
      if (n <= 0 || zones.length === 0) return [];
      // Per zone in index order (priority, then due time), then the best n of those: priority
      // holds across zones too. Rows another refiller holds are skipped, not waited for.
      const r = await pool.query(`
        with picked as (
          select x.fid, x.row_no from unnest($2::text[]) z(zone)
          cross join lateral (
            select fid, row_no, priority, next_at from campaign_rows
            where cid = $1 and state = 0 and zone = z.zone and next_at <= $3
            order by priority desc, next_at limit $4 for update skip locked) x
          order by x.priority desc, x.next_at limit $4)
        update campaign_rows r set state = 1, hop = r.hop + 1, queued_at = $3
        from picked where r.fid = picked.fid and r.row_no = picked.row_no
        returning r.fid, r.row_no, r.attempt, r.hop, r.phone, r.priority, r.data,
          (select f.file_id from campaign_files f where f.fid = r.fid) as file_id, (select f.file from campaign_files f where f.fid = r.fid) as file`,
      [c.key, zones, Math.round(nowMs), n]);
      return r.rows.map((x: Record<string, unknown>) => ({
        campaignId: c.campaignId, rowId: `${String(x.file_id)}-${String(x.row_no)}`, attempt: Number(x.attempt), hop: Number(x.hop),
        phone: `+${String(x.phone)}`, priority: Number(x.priority), file: String(x.file), data: JSON.parse(String(x.data)) as StoredRowData,
        ticket: { fid: Number(x.fid), rowNo: Number(x.row_no), hop: Number(x.hop) },
      }));
    },
    async untake(tickets) {
      if (tickets.length === 0) return;
      await pool.query(`update campaign_rows r set state = 0, queued_at = null
        from unnest($1::int[], $2::int[], $3::int[]) t(fid, row_no, hop)
        where r.fid = t.fid and r.row_no = t.row_no and r.hop = t.hop and r.state = 1`,
      [tickets.map((t) => t.fid), tickets.map((t) => t.rowNo), tickets.map((t) => t.hop)]);
    },
    async inHopperSince(beforeMs, limit) {
      const r = await pool.query(`
        select c.id, f.file_id, r.fid, r.row_no, r.attempt, r.hop from campaign_rows r
        join campaigns c on c.seq = r.cid join campaign_files f on f.fid = r.fid
        where r.state = 1 and r.queued_at < $1 order by r.queued_at limit $2`, [Math.round(beforeMs), limit]);
      return r.rows.map((x: Record<string, unknown>) => ({
        campaignId: String(x.id), rowId: `${String(x.file_id)}-${String(x.row_no)}`, attempt: Number(x.attempt), hop: Number(x.hop),
        ticket: { fid: Number(x.fid), rowNo: Number(x.row_no), hop: Number(x.hop) } satisfies HopperTicket,
      }));
    },
    async finalizeWaiting(c, outcome, zones, limit, nowMs) {
      // The campaign row first (as campaign_settle locks it), then its waiting rows.
      const r = await pool.query<{ n: number; completed: boolean }>(`
        with c as (select seq from campaigns where seq = $1 for update),
        picked as (select fid, row_no from campaign_rows where cid = (select seq from c) and state = 0 and ($3::text[] is null or zone = any($3::text[])) limit $4 for update skip locked),
        u as (update campaign_rows r set state = 2, final_outcome = $2, final_at = $5 from picked where r.fid = picked.fid and r.row_no = picked.row_no returning 1),
        n as (select count(*)::int as n from u),
        upd as (update campaigns set done = done + (select n from n),
                  final = case when (select n from n) = 0 then final else jsonb_set(final, array[$2::text], to_jsonb(coalesce((final ->> $2::text)::int, 0) + (select n from n))) end
                where seq = (select seq from c))
        select (select n from n) as n`, [c.key, outcome, zones ?? null, limit, Math.round(nowMs)]);
      const n = r.rows[0]?.n ?? 0;
      let completed = false;
      if (n > 0 && outcome === 'expired') completed = (await pool.query<{ done: boolean }>('select campaign_complete_if_done($1, $2) as done', [c.key, Math.round(nowMs)])).rows[0]?.done === true;
      return { settled: n, completed };
    },
  };
}
