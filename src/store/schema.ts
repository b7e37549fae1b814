// Row types of every table, for Kysely's typed queries. Only src/store/* sees them: the
// rest of the app speaks the domain types of the repository interfaces.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface CallRecordsTable {
  id: string;
  linked_id: string;
  direction: string;
  from_number: string;
  to_number: string;
  did: string | null;
  started_at: Timestamp;
  answered_at: Timestamp | null;
  ended_at: Timestamp;
  talk_seconds: number;
  wait_seconds: number;
  disposition: string;
  hangup_cause: number | null;
  hangup_side: string;
  queue_id: string | null;
  queue_outcome: string | null;
  queue_wait_seconds: number | null;
  agent_id: string | null;
  flow_id: string | null;
  flow_version: string | null;
  campaign_id: string | null;
  campaign_row_id: string | null;
  campaign_attempt: number | null;
  recording_name: string | null;
  hubspot_contact_id: string | null;
  nodes: ColumnType<string[], string[], string[]>;
  record: Json;
  stored_at: Generated<Date>;
}

export interface HubspotEngagementsTable { record_id: string; hubspot_call_id: string; logged_at: Generated<Date> }

export interface QueueEventsTable {
  event_id: string;
  queue_id: string;
  call_id: string;
  type: string;
  at: Timestamp;
  agent_id: string | null;
  wait_sec: number | null;
  talk_sec: number | null;
  wrap_up_sec: number | null;
  outcome: string | null;
  data: Json | null;
}

export interface AgentStatesTable { event_id: string; agent_id: string; state: string; reason: string | null; at: Timestamp }

export interface FlowDeploymentsTable { flow_id: string; version: string; hash: string; deployed_by: string; deployed_at: Timestamp }

export interface RecordingsTable {
  name: string;
  record_id: string | null;
  storage: string;
  key: string;
  content_type: string;
  bytes: ColumnType<string, number | string, number | string>;
  duration_sec: number | null;
  created_at: Timestamp;
  link_version: Generated<number>;
  link_revoked_at: Timestamp | null;
  deleted_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  target: string | null;
  before: Json | null;
  after: Json | null;
  detail: Json | null;
}

type TextArray = ColumnType<string[], string[], string[]>;

export interface UsersTable {
  id: string;
  username: string;
  display_name: string | null;
  roles: TextArray;
  agent_id: string | null;
  queues: TextArray | null;
  password_hash: string;
  disabled: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  roles: TextArray;
  agent_id: string | null;
  queues: TextArray | null;
  secret_hash: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface SessionsTable { id: string; user_id: string | null; data: Json; expires_at: Timestamp }

export interface Schema {
  call_records: CallRecordsTable;
  hubspot_engagements: HubspotEngagementsTable;
  queue_events: QueueEventsTable;
  agent_states: AgentStatesTable;
  flow_deployments: FlowDeploymentsTable;
  recordings: RecordingsTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
}
