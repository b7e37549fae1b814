// HubSpot logging settings that are not secrets: outcome ids, owner table, matching rule,
// batching and budgets. Defaults come from HubSpot's documentation; ops override them in a
// YAML file (see docs/hubspot.md). Pure data + validation, no I/O.
import { z } from 'zod';
import type { CallDisposition } from '../../domain/call-record.ts';
import { SEARCH_LIMITS, TIER_LIMITS } from './api-facts.ts';

export { TIER_LIMITS };

/** HubSpot's default call outcome ids (hs_call_disposition), from the calls API docs. */
export const HUBSPOT_OUTCOMES = {
  busy: '9d9162e7-6cf3-4944-bf63-4dff82258764',
  connected: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
  leftLiveMessage: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff',
  leftVoicemail: 'b2cf5968-551e-4856-9783-52b3da59a7d0',
  noAnswer: '73a0d17f-1163-4015-bdd5-ec830791da20',
  wrongNumber: '17b47fee-58de-441e-a44c-c6300d46f273',
} as const;

export const CALL_STATUSES = ['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'MISSED', 'NO_ANSWER', 'QUEUED', 'RINGING'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export type HubspotTier = keyof typeof TIER_LIMITS;

export const MATCH_RULES = ['most-recently-active', 'oldest', 'newest'] as const;
export type MatchRule = (typeof MATCH_RULES)[number];

const DISPOSITIONS = ['answered', 'busy', 'declined', 'no-answer', 'unknown-number', 'failed', 'abandoned', 'voicemail'] as const satisfies readonly CallDisposition[];
/**
 * Keys of the outcome/status tables: our dispositions, plus `inbound-voicemail` — a caller who
 * left a message is, in HubSpot's terms, a missed call with a voicemail (`voicemail` is the
 * outbound case: we reached the customer's voicemail).
 */
export const OUTCOME_KEYS = [...DISPOSITIONS, 'inbound-voicemail'] as const;
export type OutcomeKey = (typeof OUTCOME_KEYS)[number];

/** Who gets a call no agent took, tried in order: the contact's owner, the queue's, the campaign's. */
export const OWNER_SOURCES = ['contact', 'queue', 'campaign'] as const;
const ownerId = z.string().regex(/^\d+$/, 'a numeric HubSpot owner id');

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a HubSpot outcome GUID');

export const HubspotSettingsSchema = z.object({
  /** our disposition → hs_call_disposition GUID; a missing key leaves the outcome empty. */
  outcomes: z.partialRecord(z.enum(OUTCOME_KEYS), guid).default({
    answered: HUBSPOT_OUTCOMES.connected,
    busy: HUBSPOT_OUTCOMES.busy,
    declined: HUBSPOT_OUTCOMES.noAnswer, // the callee rejected it: nobody talked
    'no-answer': HUBSPOT_OUTCOMES.noAnswer,
    'unknown-number': HUBSPOT_OUTCOMES.wrongNumber,
    abandoned: HUBSPOT_OUTCOMES.noAnswer,
    voicemail: HUBSPOT_OUTCOMES.leftVoicemail,
  }),
  /** our disposition → hs_call_status. */
  statuses: z.partialRecord(z.enum(OUTCOME_KEYS), z.enum(CALL_STATUSES)).default({
    answered: 'COMPLETED',
    busy: 'BUSY',
    declined: 'NO_ANSWER',
    'no-answer': 'NO_ANSWER',
    'unknown-number': 'FAILED',
    failed: 'FAILED',
    abandoned: 'MISSED',
    voicemail: 'COMPLETED',
    'inbound-voicemail': 'MISSED',
  }),
  /** agent id → HubSpot owner id (hubspot_owner_id). */
  owners: z.record(z.string(), ownerId).default({}),
  /** Calls without an (owned) agent: where their owner comes from, in order; [] = no owner. */
  ownerRule: z.array(z.enum(OWNER_SOURCES)).default(['contact', 'queue', 'campaign']),
  /** queue id → owner id (e.g. the team lead who calls back missed callers). */
  queueOwners: z.record(z.string(), ownerId).default({}),
  /** campaign id → owner id. */
  campaignOwners: z.record(z.string(), ownerId).default({}),
  /** Language of titles and bodies, the portal's: `es` or `en`. */
  language: z.enum(['es', 'en']).default('es'),
  /** The portal's time zone (IANA); unset = read from HubSpot's account details at start. */
  timeZone: z.string().refine((z) => { try { new Intl.DateTimeFormat('en', { timeZone: z }); return true; } catch { return false; } }, 'an IANA time zone').optional(),
  /** Portal id and UI domain for links to contacts; unset = read from the account details. */
  portalId: z.number().int().positive().optional(),
  uiDomain: z.string().regex(/^[a-z0-9.-]+$/).optional(),
  /** How long logging pauses when HubSpot refuses every call for a set-up reason (a missing property). */
  configPauseMs: z.number().int().positive().default(300_000),
  /** Which contact gets the call when several share the number; the others are listed in the body. */
  matchRule: z.enum(MATCH_RULES).default('most-recently-active'),
  /** Log calls between two extensions (PBX records with direction `internal`); off: they are skipped. */
  logInternalCalls: z.boolean().default(false),
  /** Create a contact when no contact has the number (never twice for one number). */
  createContacts: z.boolean().default(false),
  /** Calls object property holding our CallRecord id (must exist in the portal, see docs/hubspot.md). */
  recordIdProperty: z.string().regex(/^[a-z][a-z0-9_]*$/).default('centralita_record_id'),
  tier: z.enum(['free', 'starter', 'professional', 'enterprise']).default('free'),
  /** Overrides of the tier budgets (e.g. an API add-on). */
  perTenSeconds: z.number().int().positive().optional(),
  daily: z.number().int().positive().optional(),
  /** Search endpoints have their own per-second limit (and do not count in the 10-second window). */
  searchPerSecond: z.number().int().positive().default(SEARCH_LIMITS.perSecond),
  /**
   * Records per batch. A 3,000-character contact search holds about 98 Colombian numbers (each
   * appears in two IN lists), so 196 records make two full searches and two creates (100 + 96).
   */
  batchSize: z.number().int().min(1).max(200).default(196),
  /** Longest a record waits for its batch to fill. */
  batchWaitMs: z.number().int().min(0).default(1_000),
  /** Batches sent at the same time by one worker process. */
  parallelBatches: z.number().int().min(1).max(10).default(3),
  /** How long after an uncertain create we trust a search for the record id (search index lag). */
  reconcileAfterMs: z.number().int().min(0).default(60_000),
  /** Backoff for 5xx / network errors: base, doubled per try, capped. */
  backoffBaseMs: z.number().int().positive().default(2_000),
  backoffMaxMs: z.number().int().positive().default(300_000),
  /** Pause after a 401 (bad token) before trying again; nothing is dead-lettered for it. */
  authPauseMs: z.number().int().positive().default(60_000),
  requestTimeoutMs: z.number().int().positive().default(15_000),
  /** Country assumed for numbers written without a country code. */
  defaultCountry: z.string().regex(/^[A-Z]{2}$/).default('CO'),
});

export type HubspotSettings = z.output<typeof HubspotSettingsSchema>;

export class HubspotSettingsError extends Error {
  readonly code = 'HUBSPOT_SETTINGS_INVALID';
}

/** Validates settings (from YAML or code); unknown keys are refused so typos are not silently ignored. */
export function parseHubspotSettings(input: unknown): HubspotSettings {
  const r = HubspotSettingsSchema.strict().safeParse(input ?? {});
  if (!r.success) throw new HubspotSettingsError(`invalid HubSpot settings: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface RateBudgetLimits {
  general: { max: number; windowMs: number };
  search: { max: number; windowMs: number };
  daily: number;
}

export function budgetLimits(s: HubspotSettings): RateBudgetLimits {
  const tier = TIER_LIMITS[s.tier];
  return {
    general: { max: s.perTenSeconds ?? tier.perTenSeconds, windowMs: 10_000 },
    search: { max: s.searchPerSecond, windowMs: 1_000 },
    daily: s.daily ?? tier.daily,
  };
}
