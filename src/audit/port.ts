// The audit trail of state-changing actions (issue 15 defines who writes what; this is
// where it lives). Append-only: entries are never changed, only aged out by retention.
export interface AuditEntry {
  at: string; // ISO instant
  /** The authenticated identity (user or token name), never a client claim. */
  actor: string;
  /** Dotted verb, e.g. `agent.pause`, `campaign.cancel`, `user.create`. */
  action: string;
  target?: string;
  before?: unknown;
  after?: unknown;
  detail?: Record<string, unknown>;
}

export interface AuditQuery { from?: string; to?: string; actor?: string; action?: string; target?: string; limit?: number; cursor?: string }

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  query(q: AuditQuery): Promise<{ entries: (AuditEntry & { id: string })[]; next?: string }>;
}
