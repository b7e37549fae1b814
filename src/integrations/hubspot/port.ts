// The CRM port in call-logging terms. The worker and the call logger depend on this, never on
// the HubSpot SDK; adapters: sdk-crm.ts (HubSpot API through @hubspot/api-client) and
// outbox-crm.ts (no token: writes the exact requests to a JSONL file).
import { CentralitaError } from '../../errors.ts';

/** A contact that has one of the searched numbers, with what the match rule needs. */
export interface CrmContact {
  id: string;
  /** The E.164 numbers this contact has (phone, mobilephone), as HubSpot calculated or we parsed them. */
  numbers: string[];
  createdAt?: number; // ms since epoch
  lastActivityAt?: number; // ms since epoch; last contacted / last activity / last modified
  name?: string;
}

export interface NewCallEngagement {
  /** Our CallRecord id; also written to the record-id property so lost ledger writes can be detected. */
  recordId: string;
  properties: Record<string, string>;
  contactIds: string[];
}

export interface Crm {
  /** Contacts per E.164 number (only numbers with at least one contact are keys). */
  findContactsByPhone(e164s: string[]): Promise<Map<string, CrmContact[]>>;
  /** Creates call engagements with their call→contact associations; returns record id → call id. */
  createCalls(calls: NewCallEngagement[]): Promise<Map<string, string>>;
  /** Call engagements already in the CRM for these record ids (detects creates whose ledger write was lost). */
  findCallsByRecordId(recordIds: string[]): Promise<Map<string, string>>;
  /** Creates one contact per number; returns E.164 → contact id. */
  createContacts(e164s: string[]): Promise<Map<string, string>>;
  /** Associates existing call engagements to contacts (reconciling calls logged without one). */
  associateCalls(pairs: { callId: string; contactId: string }[]): Promise<void>;
}

/** HubSpot said "too many requests" (or our own budget is spent): try again after `retryAfterMs`, not a failure. */
export class CrmRateLimitedError extends CentralitaError {
  readonly retryAfterMs: number;
  readonly body: unknown;
  constructor(retryAfterMs: number, detail: string, body?: unknown) {
    super('HUBSPOT_RATE_LIMITED', `HubSpot rate limit: ${detail}; retry in ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
    this.body = body;
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

export function bodyMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') return (body as { message: string }).message;
  if (typeof body === 'string') return body.slice(0, 500);
  return JSON.stringify(body)?.slice(0, 500) ?? 'no body';
}
