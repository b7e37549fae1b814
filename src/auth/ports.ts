// Storage ports of the auth feature, in domain terms. PostgreSQL implements them behind
// repositories (src/auth/pg.ts); src/auth/memory.ts is the in-memory twin for unit tests.
import type { Role } from './roles.ts';
import type { AuditLog } from '../audit/port.ts';

export interface UserRecord {
  id: string;
  username: string;
  displayName?: string;
  roles: Role[];
  agentId?: string;
  queues?: string[];
  /** argon2id PHC string; never leaves the server. */
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewUser = Omit<UserRecord, 'id' | 'createdAt' | 'updatedAt' | 'disabled'> & { disabled?: boolean };
export type UserPatch = Partial<Pick<UserRecord, 'displayName' | 'roles' | 'agentId' | 'queues' | 'passwordHash' | 'disabled'>>;

export interface UserStore {
  count(): Promise<number>;
  byId(id: string): Promise<UserRecord | undefined>;
  byUsername(username: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  /** Throws an error with code `USER_EXISTS` when the username is taken. */
  create(user: NewUser, now: Date): Promise<UserRecord>;
  update(id: string, patch: UserPatch, now: Date): Promise<UserRecord | undefined>;
}

export interface TokenRecord {
  id: string;
  name: string;
  roles: Role[];
  agentId?: string;
  queues?: string[];
  /** sha256 of the secret part (hex). The secret itself is shown once and never stored. */
  secretHash: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

export interface TokenStore {
  create(token: TokenRecord): Promise<void>;
  byId(id: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenRecord[]>;
  /** Revokes one token; false when it was unknown or already revoked. */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Revokes every live token with this name (the local CLI token is re-issued on each start). */
  revokeByName(name: string, at: Date): Promise<number>;
  touch(id: string, at: Date): Promise<void>;
}

/** Server-side browser sessions (the cookie carries only a signed random id). */
export interface SessionStore {
  get(sessionId: string, now: Date): Promise<Record<string, unknown> | undefined>;
  set(sessionId: string, data: Record<string, unknown>, expiresAt: Date, userId: string | undefined): Promise<void>;
  destroy(sessionId: string): Promise<void>;
  /** Ends every session of a user (disabled, password changed). */
  destroyForUser(userId: string): Promise<number>;
}

/** The audit log is the system of record's (src/audit/port.ts, PostgreSQL); the security
 *  layer writes who (identity), what, target, before/after, and in `detail` the outcome. */
export type { AuditEntry, AuditLog, AuditQuery } from '../audit/port.ts';
export type AuditOutcome = 'ok' | 'denied' | 'failed';

export interface AuthStores {
  users: UserStore;
  tokens: TokenStore;
  sessions: SessionStore;
  audit: AuditLog;
}
