// Campaigns in PostgreSQL (the campaign hopper's system of record): campaigns with their
// settings, run state and counters; their files; every accepted CSV row with its dial state;
// every attempt. Redis keeps only the hopper (a few due attempts as BullMQ jobs), the dial
// limits and the DNC set, so its memory follows the dialling rate, not the campaign size.
//
// Row keys are integers (campaign seq, file seq, row number) and the phone a bigint: text keys
// under the database's collation made each inserted row cost 4–5× more (measured, issue 16).
// Times the dialler decides with are epoch milliseconds of the app's (injectable) clock.
// Row state: 0 = pending (waits in PostgreSQL until next_at), 1 = in the hopper (a BullMQ job
// with id …__h<hop> exists), 2 = final (final_outcome set, exactly once).
// Replaces the first step's tables (migration 003: text keys, no attempts), which held no
// campaign the dialler ever read.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists campaign_rows, campaign_phones;
    create table campaigns (
      id text primary key,
      seq integer generated always as identity unique,
      settings jsonb not null,
      state text not null default 'active' check (state in ('active', 'paused', 'cancelled', 'completed')),
      state_at bigint,
      completed_at bigint,
      results_for bigint,
      zones text[] not null default '{}',
      queued integer not null default 0,
      rejected integer not null default 0,
      done integer not null default 0,
      retried integer not null default 0,
      answered integer not null default 0,
      voicemail integer not null default 0,
      busy integer not null default 0,
      no_answer integer not null default 0,
      declined integer not null default 0,
      unknown_number integer not null default 0,
      failed integer not null default 0,
      final jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    create table campaign_files (
      cid integer not null references campaigns (seq),
      fid integer generated always as identity primary key,
      file_id text not null,
      file text not null,
      summary jsonb,
      noted_at timestamptz,
      unique (cid, file_id)
    );
    create table campaign_ingests (
      cid integer not null,
      file_id text not null,
      until timestamptz not null,
      primary key (cid, file_id)
    );
    create table campaign_rows (
      cid integer not null,
      fid integer not null,
      row_no integer not null,
      phone bigint not null,
      priority smallint not null default 0,
      state smallint not null default 0,
      attempt smallint not null default 1,
      hop integer not null default 0,
      next_at bigint not null,
      queued_at bigint,
      zone text collate "C" not null,
      data text not null,
      attempts_made smallint not null default 0,
      last_outcome text,
      last_ended_at bigint,
      first_dialled_at bigint,
      final_outcome text,
      final_at bigint,
      primary key (fid, row_no)
    );
    create unique index campaign_rows_phone on campaign_rows (cid, phone);
    create index campaign_rows_due on campaign_rows (cid, zone, priority desc, next_at) where state = 0;
    create index campaign_rows_hopper on campaign_rows (cid, queued_at) where state = 1;
    create table campaign_attempts (
      fid integer not null,
      row_no integer not null,
      attempt smallint not null,
      dialled_at bigint,
      outcome text,
      ended_at bigint,
      primary key (fid, row_no, attempt)
    );

    -- Completes a campaign when every accepted row is final and no file is being ingested.
    create function campaign_complete_if_done(p_cid integer, p_now bigint) returns boolean language plpgsql as $$
    declare n integer;
    begin
      if exists (select 1 from campaign_ingests where cid = p_cid and until > now()) then return false; end if;
      update campaigns set state = 'completed', completed_at = p_now
        where seq = p_cid and state in ('active', 'paused') and done >= queued;
      get diagnostics n = row_count;
      return n > 0;
    end $$;

    -- One attempt's outcome and what follows, in one transaction: the attempt's outcome is
    -- written once, the row moves to its next attempt (pending until p_next_at) or to its final
    -- outcome once, and the counters move only with those first writes. A retry of a cancelled
    -- campaign becomes its final 'cancelled'. Returns (first write of the attempt, completed).
    create function campaign_settle(p_campaign text, p_file_id text, p_row_no integer, p_attempt integer, p_outcome text,
                                    p_final boolean, p_final_outcome text, p_next_at bigint, p_now bigint,
                                    out first boolean, out completed boolean) language plpgsql as $$
    declare c record; f integer; r record; fin text;
    begin
      first := false; completed := false;
      select seq, state into c from campaigns where id = p_campaign for update;
      if not found then return; end if;
      select fid into f from campaign_files where cid = c.seq and file_id = p_file_id;
      if not found then return; end if;
      if p_outcome <> '' then
        insert into campaign_attempts as a (fid, row_no, attempt, outcome, ended_at) values (f, p_row_no, p_attempt, p_outcome, p_now)
          on conflict (fid, row_no, attempt) do update set outcome = excluded.outcome, ended_at = excluded.ended_at where a.outcome is null
          returning true into first;
        first := coalesce(first, false);
      end if;
      select state, attempt into r from campaign_rows where fid = f and row_no = p_row_no for update;
      if not found or r.state = 2 or r.attempt <> p_attempt then
        -- Already final, or already moved on: only the attempt ledger above may still be written.
        if first then
          update campaigns set answered = answered + (p_outcome = 'answered')::int, voicemail = voicemail + (p_outcome = 'voicemail')::int,
            busy = busy + (p_outcome = 'busy')::int, no_answer = no_answer + (p_outcome = 'no-answer')::int, failed = failed + (p_outcome = 'failed')::int,
            declined = declined + (p_outcome = 'declined')::int, unknown_number = unknown_number + (p_outcome = 'unknown-number')::int
            where seq = c.seq;
        end if;
        return;
      end if;
      fin := case when p_final then p_final_outcome when c.state = 'cancelled' then 'cancelled' end;
      if fin is not null then
        update campaign_rows set state = 2, final_outcome = fin, final_at = p_now,
          attempts_made = attempts_made + first::int, last_outcome = case when first then p_outcome else last_outcome end,
          last_ended_at = case when first then p_now else last_ended_at end
          where fid = f and row_no = p_row_no;
      else
        update campaign_rows set state = 0, attempt = p_attempt + 1, next_at = p_next_at, queued_at = null,
          attempts_made = attempts_made + first::int, last_outcome = case when first then p_outcome else last_outcome end,
          last_ended_at = case when first then p_now else last_ended_at end
          where fid = f and row_no = p_row_no;
      end if;
      update campaigns set
        answered = answered + (first and p_outcome = 'answered')::int, voicemail = voicemail + (first and p_outcome = 'voicemail')::int,
        busy = busy + (first and p_outcome = 'busy')::int, no_answer = no_answer + (first and p_outcome = 'no-answer')::int,
        failed = failed + (first and p_outcome = 'failed')::int,
        declined = declined + (first and p_outcome = 'declined')::int, unknown_number = unknown_number + (first and p_outcome = 'unknown-number')::int,
        retried = retried + (fin is null)::int,
        done = done + (fin is not null)::int,
        final = case when fin is null then final else jsonb_set(final, array[fin], to_jsonb(coalesce((final ->> fin)::int, 0) + 1)) end
        where seq = c.seq;
      if fin is not null then completed := campaign_complete_if_done(c.seq, p_now); end if;
    end $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop function if exists campaign_settle, campaign_complete_if_done;
    drop table if exists campaign_attempts, campaign_rows, campaign_ingests, campaign_files, campaigns;
  `.execute(db);
}
