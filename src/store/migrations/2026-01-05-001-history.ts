// Call history, queue/agent event logs (interval statistics), HubSpot engagement ids, flow
// deployments, recordings and the audit log. Raw SQL: the schema is read by DBAs too.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table call_records (
      id text primary key,
      linked_id text not null,
      direction text not null,
      from_number text not null,
      to_number text not null,
      did text,
      started_at timestamptz not null,
      answered_at timestamptz,
      ended_at timestamptz not null,
      talk_seconds integer not null,
      wait_seconds integer not null,
      disposition text not null,
      hangup_cause integer,
      hangup_side text not null,
      queue_id text,
      queue_outcome text,
      queue_wait_seconds integer,
      agent_id text,
      flow_id text,
      flow_version text,
      campaign_id text,
      campaign_row_id text,
      campaign_attempt integer,
      recording_name text,
      hubspot_contact_id text,
      nodes text[] not null default '{}',
      record jsonb not null,
      stored_at timestamptz not null default now()
    );
    create index call_records_started on call_records (started_at desc, id desc);
    create index call_records_from on call_records (from_number, started_at desc);
    create index call_records_to on call_records (to_number, started_at desc);
    create index call_records_queue on call_records (queue_id, started_at desc) where queue_id is not null;
    create index call_records_agent on call_records (agent_id, started_at desc) where agent_id is not null;
    create index call_records_campaign on call_records (campaign_id, started_at desc) where campaign_id is not null;
    create index call_records_flow on call_records (flow_id, started_at desc) where flow_id is not null;
    create index call_records_disposition on call_records (disposition, started_at desc);
    create index call_records_nodes on call_records using gin (nodes);

    create table hubspot_engagements (
      record_id text primary key,
      hubspot_call_id text not null,
      logged_at timestamptz not null default now()
    );

    create table queue_events (
      event_id text primary key,
      queue_id text not null,
      call_id text not null,
      type text not null,
      at timestamptz not null,
      agent_id text,
      wait_sec double precision,
      talk_sec double precision,
      wrap_up_sec double precision,
      outcome text,
      data jsonb
    );
    create index queue_events_queue_at on queue_events (queue_id, at);
    create index queue_events_at on queue_events (at);
    create index queue_events_agent_at on queue_events (agent_id, at) where agent_id is not null;

    create table agent_states (
      event_id text primary key,
      agent_id text not null,
      state text not null,
      reason text,
      at timestamptz not null
    );
    create index agent_states_agent_at on agent_states (agent_id, at);
    create index agent_states_at on agent_states (at);

    create table flow_deployments (
      flow_id text not null,
      version text not null,
      hash text not null,
      deployed_by text not null,
      deployed_at timestamptz not null,
      primary key (flow_id, version)
    );

    create table recordings (
      name text primary key,
      record_id text,
      storage text not null,
      key text not null,
      content_type text not null,
      bytes bigint not null,
      duration_sec double precision,
      created_at timestamptz not null,
      link_version integer not null default 1,
      link_revoked_at timestamptz,
      deleted_at timestamptz
    );
    create index recordings_record on recordings (record_id);
    create index recordings_created on recordings (created_at) where deleted_at is null;

    -- Append-only: rows are never updated; deletes only by the retention job, which sets
    -- centralita.retention for its transaction.
    create table audit_log (
      id bigserial primary key,
      at timestamptz not null,
      actor text not null,
      action text not null,
      target text,
      before jsonb,
      after jsonb,
      detail jsonb
    );
    create index audit_log_at on audit_log (at);
    create index audit_log_actor on audit_log (actor, at);
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('centralita.retention', true) = 'on' then return old; end if;
      raise exception 'audit_log is append-only (% refused)', tg_op using errcode = '42501';
    end $$;
    create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_append_only();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists audit_log, recordings, flow_deployments, agent_states, queue_events, hubspot_engagements, call_records cascade; drop function if exists audit_log_append_only();`.execute(db);
}
