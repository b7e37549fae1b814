// 15-minute rollups of the queue events, per queue and per agent, maintained in the same
// statement that stores the events (only events inserted for the first time count), so a
// day's interval report reads ~100 rows per queue instead of scanning every event.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table queue_intervals (
      queue_id text not null,
      bucket timestamptz not null,
      offered integer not null default 0,
      answered integer not null default 0,
      answered_within_sl integer not null default 0,
      abandoned integer not null default 0,
      abandoned_short integer not null default 0,
      timeouts integer not null default 0,
      exit_key integer not null default 0,
      left_empty integer not null default 0,
      rejected_full integer not null default 0,
      rejected_no_agents integer not null default 0,
      completed integer not null default 0,
      wait_sum double precision not null default 0,
      handle_sum double precision not null default 0,
      talk_sum double precision not null default 0,
      longest_wait double precision,
      primary key (queue_id, bucket)
    );
    create index queue_intervals_bucket on queue_intervals (bucket);
    create table agent_intervals (
      agent_id text not null,
      bucket timestamptz not null,
      calls integer not null default 0,
      ring_no_answer integer not null default 0,
      talk_sum double precision not null default 0,
      wrap_sum double precision not null default 0,
      primary key (agent_id, bucket)
    );
    create index agent_intervals_bucket on agent_intervals (bucket);
    -- Rollups of events stored before this migration.
    insert into queue_intervals
      select queue_id, date_bin('15 minutes', at, '2000-01-01T00:00:00Z'),
        count(*) filter (where type = 'join'), count(*) filter (where type = 'connect'),
        count(*) filter (where type = 'connect' and wait_sec <= 20),
        count(*) filter (where type = 'leave' and outcome = 'abandoned'),
        count(*) filter (where type = 'leave' and outcome = 'abandoned' and wait_sec < 5),
        count(*) filter (where type = 'leave' and outcome = 'timeout'), count(*) filter (where type = 'leave' and outcome = 'exit-key'),
        count(*) filter (where type = 'leave' and outcome not in ('abandoned', 'timeout', 'exit-key')),
        count(*) filter (where type = 'reject' and outcome = 'full'), count(*) filter (where type = 'reject' and outcome <> 'full'),
        count(*) filter (where type = 'complete'),
        coalesce(sum(wait_sec) filter (where type = 'connect'), 0), coalesce(sum(talk_sec + wrap_up_sec) filter (where type = 'complete'), 0),
        coalesce(sum(talk_sec) filter (where type = 'complete'), 0), max(wait_sec) filter (where type in ('connect', 'leave'))
      from queue_events group by 1, 2;
    insert into agent_intervals
      select agent_id, date_bin('15 minutes', at, '2000-01-01T00:00:00Z'),
        count(*) filter (where type = 'connect'), count(*) filter (where type = 'ring-failed'),
        coalesce(sum(talk_sec) filter (where type = 'complete'), 0), coalesce(sum(wrap_up_sec) filter (where type = 'complete'), 0)
      from queue_events where agent_id is not null group by 1, 2;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists queue_intervals, agent_intervals`.execute(db);
}
