// Who may do what (issue 15): people who sign in, API tokens (hashed), browser sessions.
// Users are disabled, never deleted (the audit log keeps naming them); tokens are revoked.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id uuid primary key,
      username text not null unique,
      display_name text,
      roles text[] not null check (cardinality(roles) > 0),
      agent_id text,
      queues text[],
      password_hash text not null,
      disabled boolean not null default false,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );

    create table api_tokens (
      id text primary key,
      name text not null,
      roles text[] not null check (cardinality(roles) > 0),
      agent_id text,
      queues text[],
      -- sha256 of the secret; the secret itself is shown once and never stored
      secret_hash text not null,
      created_by text not null,
      created_at timestamptz not null,
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz
    );
    create index api_tokens_live_name on api_tokens (name) where revoked_at is null;

    create table sessions (
      id text primary key,
      user_id uuid references users (id),
      data jsonb not null,
      expires_at timestamptz not null
    );
    create index sessions_user on sessions (user_id);
    create index sessions_expires on sessions (expires_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists sessions, api_tokens, users cascade;`.execute(db);
}
