// The CRM port in call-logging terms. The worker and the call logger depend on this, never on
// the HubSpot SDK; adapters: sdk-crm.ts (HubSpot API through @hubspot/api-client) and
// outbox-crm.ts (no token: writes the exact requests to a JSONL file).
// Error classes say what the caller may do: wait, retry with backoff, pause, or give up on a record.
import { CentralitaError } from '../../errors.ts';

/** A contact that has one of the searched numbers, with what the match rule needs. */
export interface CrmContact {
  id: string;
  /** The E.164 numbers this contact has (phone, mobilephone), as HubSpot calculated or we parsed them. */
  numbers: string[];
  createdAt?: number; // ms since epoch
  lastActivityAt?: number; // ms since epoch; last contacted / last activity / last modified
  name?: string;
  /** hubspot_owner_id of the contact (the owner rule can give calls without an agent to it). */
  ownerId?: string;
  /** Only when asked for (extraContactProperties): the screen pop shows it. */
  company?: string;
}

export interface NewCallEngagement {
  /** Our CallRecord id; its marker (record-marker.ts) is written to the record-id property. */
  recordId: string;
  properties: Record<string, string>;
  contactIds: string[];
}

/** What HubSpot did with one batch: per record id, the call created or why it was refused (207). */
export interface CreateCallsResult { created: Map<string, string>; refused: Map<string, CrmRejectedError> }
export interface CallPair { callId: string; contactId: string }
export interface CallUpdate { callId: string; properties: Record<string, string> }
/** The account's details: its time zone decides when the daily limit resets; id and UI domain make record links. */
export interface PortalDetails { portalId?: number; timeZone: string; uiDomain?: string }

export interface Crm {
  /** Contacts per E.164 number (only numbers with at least one contact are keys). */
  findContactsByPhone(e164s: string[]): Promise<Map<string, CrmContact[]>>;
  /** Creates up to 100 call engagements (one batch) with their call→contact associations. */
  createCalls(calls: NewCallEngagement[]): Promise<CreateCallsResult>;
  /** Call engagements already in the CRM for these record ids (detects creates whose ledger write was lost). */
  findCallsByRecordId(recordIds: string[]): Promise<Map<string, string>>;
  /** Creates one contact per number; returns E.164 → contact id. */
  createContacts(e164s: string[]): Promise<Map<string, string>>;
  /** Associates existing calls to contacts; HubSpot may accept some and refuse others (207). */
  associateCalls(pairs: CallPair[]): Promise<{ associated: CallPair[]; refused: { pair: CallPair; reason: string }[] }>;
  /** Updates properties of existing calls (body and title after reconciliation). */
  updateCalls(updates: CallUpdate[]): Promise<{ updated: string[]; refused: { callId: string; reason: string }[] }>;
  /** The portal's details, when the CRM can tell (the outbox cannot). */
  portalDetails?(): Promise<PortalDetails | undefined>;
}

/**
 * HubSpot said "too many requests", "locked" (423) or "migration in progress" (477), or our own
 * budget is spent: nothing was applied; try again after `retryAfterMs`, not a failure.
 */
export class CrmRateLimitedError extends CentralitaError {
  readonly retryAfterMs: number;
  readonly body: unknown;
  /** Which limit: the daily one waits for the portal's midnight. */
  readonly policy: 'ten-secondly' | 'secondly' | 'daily' | 'locked' | 'migration' | 'local';
  constructor(retryAfterMs: number, detail: string, body?: unknown, policy: CrmRateLimitedError['policy'] = 'ten-secondly') {
    super('HUBSPOT_RATE_LIMITED', `HubSpot rate limit: ${detail}; retry in ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
    this.body = body;
    this.policy = policy;
  }
}

/** 5xx, timeout or network error: the request may or may not have been applied. Retry with backoff. */
export class CrmUnavailableError extends CentralitaError {
  readonly status: number | undefined;
  readonly body: unknown;
  constructor(detail: string, status?: number, body?: unknown, options?: { cause?: unknown }) {
    super('HUBSPOT_UNAVAILABLE', `HubSpot unavailable${status ? ` (HTTP ${status})` : ''}: ${detail}`, options);
    this.status = status;
    this.body = body;
  }
}

/** 401/403: the token is wrong or lacks scopes. Pauses logging; records are kept, not dead-lettered. */
export class CrmAuthError extends CentralitaError {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super('HUBSPOT_AUTH', `HubSpot refused the token (HTTP ${status}): ${bodyMessage(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** A permanent 4xx (validation, bad association…): retrying the same request cannot succeed. */
export class CrmRejectedError extends CentralitaError {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super('HUBSPOT_REJECTED', `HubSpot rejected the request (HTTP ${status}): ${bodyMessage(body)}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * The portal is set up wrong for every record alike (our record-id property is missing, a
 * property is read-only…): retrying or splitting the batch cannot help. Logging pauses with one
 * clear error until someone fixes the portal (`centralita hubspot setup` says what is missing).
 */
export class CrmConfigError extends CentralitaError {
  readonly status: number;
  readonly body: unknown;
  readonly property: string | undefined;
  constructor(message: string, status: number, body: unknown, property?: string) {
    super('HUBSPOT_CONFIG', message);
    this.status = status;
    this.body = body;
    this.property = property;
  }
}

export function bodyMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') return (body as { message: string }).message;
  if (typeof body === 'string') return body.slice(0, 500);
  return JSON.stringify(body)?.slice(0, 500) ?? 'no body';
}
