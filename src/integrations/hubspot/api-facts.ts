// What HubSpot's API is, in the few facts centralita relies on. Two sources:
//  - SPEC: extracted from HubSpot's public OpenAPI spec collection (commit below) by
//    test/tools/hubspot-spec.ts; `npm run hubspot:spec-check` re-extracts them and fails on drift.
//  - DOCS: HubSpot's developer documentation (search guide, API usage guidelines, calls guide),
//    which the spec does not encode.
// Used by the request budget, the request builders, `hubspot setup` and the fake HubSpot.

export const SPEC_COMMIT = '99893791383254f52aa07662baeb98aad65cc710';

export type OperationKey = keyof typeof OPERATIONS;

/** SPEC: per operation, scopes (any one suffices; only contacts/calls ones kept), rate-limit exemptions, success statuses. */
export const OPERATIONS = {
  'POST /crm/v3/objects/contacts/search': { scopes: ['crm.objects.contacts.read'], rateLimitExemptions: ['ten-secondly'], statuses: ['200'] },
  'POST /crm/v3/objects/contacts/batch/create': { scopes: ['crm.objects.contacts.write'], rateLimitExemptions: [], statuses: ['201', '207'] },
  'POST /crm/v3/objects/calls/search': { scopes: ['crm.objects.contacts.read'], rateLimitExemptions: ['ten-secondly'], statuses: ['200'] },
  'POST /crm/v3/objects/calls/batch/create': { scopes: ['crm.objects.contacts.write'], rateLimitExemptions: [], statuses: ['201', '207'] },
  'POST /crm/v3/objects/calls/batch/update': { scopes: ['crm.objects.contacts.write'], rateLimitExemptions: [], statuses: ['200', '207'] },
  'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create': {
    scopes: ['crm.objects.calls.read', 'crm.objects.contacts.highly_sensitive.read.v2', 'crm.objects.contacts.highly_sensitive.write.v2', 'crm.objects.contacts.read', 'crm.objects.contacts.sensitive.read.v2', 'crm.objects.contacts.sensitive.write.v2', 'crm.objects.contacts.write'],
    rateLimitExemptions: ['ten-secondly'],
    statuses: ['201', '207'],
  },
  'GET /crm/v3/properties/{objectType}': {
    scopes: ['crm.objects.calls.read', 'crm.objects.contacts.highly_sensitive.read.v2', 'crm.objects.contacts.highly_sensitive.write.v2', 'crm.objects.contacts.read', 'crm.objects.contacts.sensitive.read.v2', 'crm.objects.contacts.sensitive.write.v2', 'crm.objects.contacts.write', 'crm.schemas.calls.read', 'crm.schemas.contacts.read'],
    rateLimitExemptions: [],
    statuses: ['200'],
  },
  'GET /crm/v3/properties/{objectType}/{propertyName}': {
    scopes: ['crm.objects.calls.read', 'crm.objects.contacts.highly_sensitive.read.v2', 'crm.objects.contacts.highly_sensitive.write.v2', 'crm.objects.contacts.read', 'crm.objects.contacts.sensitive.read.v2', 'crm.objects.contacts.sensitive.write.v2', 'crm.objects.contacts.write', 'crm.schemas.calls.read', 'crm.schemas.contacts.read'],
    rateLimitExemptions: [],
    statuses: ['200'],
  },
  'POST /crm/v3/properties/{objectType}': { scopes: ['crm.schemas.contacts.write'], rateLimitExemptions: [], statuses: ['201'] },
  'GET /crm/v3/properties/{objectType}/groups': {
    scopes: ['crm.objects.calls.read', 'crm.objects.contacts.highly_sensitive.read.v2', 'crm.objects.contacts.highly_sensitive.write.v2', 'crm.objects.contacts.read', 'crm.objects.contacts.sensitive.read.v2', 'crm.objects.contacts.sensitive.write.v2', 'crm.objects.contacts.write', 'crm.schemas.calls.read', 'crm.schemas.contacts.read'],
    rateLimitExemptions: [],
    statuses: ['200'],
  },
  'GET /account-info/v3/details': { scopes: ['oauth'], rateLimitExemptions: [], statuses: ['200'] },
} as const satisfies Record<string, { scopes: readonly string[]; rateLimitExemptions: readonly string[]; statuses: readonly string[] }>;

/** SPEC: the 13 filter operators of the search request. */
export const SEARCH_OPERATORS = ['BETWEEN', 'CONTAINS_TOKEN', 'EQ', 'GT', 'GTE', 'HAS_PROPERTY', 'IN', 'LT', 'LTE', 'NEQ', 'NOT_CONTAINS_TOKEN', 'NOT_HAS_PROPERTY', 'NOT_IN'] as const;
/** SPEC: fields PublicObjectSearchRequest marks required (HubSpot accepts requests without them, but we send them all). */
export const SEARCH_REQUEST_REQUIRED = ['after', 'filterGroups', 'limit', 'properties', 'sorts'] as const;
export const BATCH_STATUSES = ['CANCELED', 'COMPLETE', 'PENDING', 'PROCESSING'] as const;
export const ASSOCIATION_CATEGORIES = ['HUBSPOT_DEFINED', 'INTEGRATOR_DEFINED', 'USER_DEFINED', 'WORK'] as const;

/** DOCS (CRM search guide): request size and shape limits. */
export const SEARCH_LIMITS = {
  /** A search request body over this many characters is refused with 400. */
  maxBodyChars: 3_000,
  maxGroups: 5,
  maxFiltersPerGroup: 6,
  maxFilters: 18,
  maxPageSize: 200,
  /** No result past the 10,000th is returned for a query. */
  maxResults: 10_000,
  /** Search requests per second per token (their own limit; exempt from the 10-second window). */
  perSecond: 5,
} as const;

/** DOCS: batch sizes. */
export const BATCH_LIMITS = { objectsCreate: 100, objectsUpdate: 100, associationsCreate: 2_000 } as const;

/** DOCS (API usage guidelines): per-app limits by the account's tier; the day is the account's day (its time zone). */
export const TIER_LIMITS = {
  free: { perTenSeconds: 100, daily: 250_000 },
  starter: { perTenSeconds: 100, daily: 250_000 },
  professional: { perTenSeconds: 190, daily: 625_000 },
  enterprise: { perTenSeconds: 190, daily: 1_000_000 },
} as const;

/** DOCS: text properties (hs_call_body) hold at most this many characters. */
export const MAX_TEXT_PROPERTY_CHARS = 65_536;

/** DOCS: 423 Locked asks to wait at least this long before retrying. */
export const LOCKED_MIN_WAIT_MS = 2_000;

/** True when HubSpot exempts the operation from the 10-second window (searches, v4 association batches). */
export function exemptFromTenSecondly(key: OperationKey): boolean {
  return (OPERATIONS[key].rateLimitExemptions as readonly string[]).includes('ten-secondly');
}
