// Campaign rows in PostgreSQL (the campaign hopper's source): one row per accepted CSV row,
// with its dial state; the phone reservation enforces one row per number and campaign.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table campaign_rows (
      campaign_id text not null,
      row_id text not null,
      file_id text not null,
      row_no integer,
      phone text not null,
      attempt integer not null default 1,
      state text not null default 'pending',
      priority integer not null default 0,
      next_at timestamptz not null,
      data jsonb not null,
      final_outcome text,
      updated_at timestamptz not null default now(),
      primary key (campaign_id, row_id)
    );
    create index campaign_rows_due on campaign_rows (campaign_id, priority desc, next_at) where state = 'pending';
    create table campaign_phones (
      campaign_id text not null,
      phone text not null,
      row_id text not null,
      primary key (campaign_id, phone)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists campaign_rows, campaign_phones`.execute(db);
}
