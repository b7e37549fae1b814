// The exact request bodies centralita sends to HubSpot's CRM v3 API. Shared by the SDK
// adapter and the outbox so "what would be sent" is what is sent. Pure.
import type { NewCallEngagement } from './port.ts';
import { CONTACT_SEARCH_PROPERTIES, SEARCHABLE_MOBILE, SEARCHABLE_PHONE, nationalDigits, rawVariants } from './phone-match.ts';

/** Search limits as documented (2024+): 5 filter groups, 25 filters in all; we also cap IN lists at 100 values. */
export const SEARCH_LIMITS = { maxGroups: 5, maxFiltersPerGroup: 10, maxFilters: 25, maxInValues: 100, maxPageSize: 200, maxResults: 10_000 } as const;
export const BATCH_CREATE_MAX = 100;
/** HUBSPOT_DEFINED association type id for call → contact. */
export const CALL_TO_CONTACT = 194;

export interface SearchFilter { propertyName: string; operator: 'IN' | 'EQ'; values?: string[]; value?: string }
export interface SearchBody { filterGroups: { filters: SearchFilter[] }[]; properties: string[]; limit: number; after?: string; sorts?: string[] }

export interface HubspotRequest { method: 'POST'; path: string; body: unknown }

const uniq = <T,>(xs: T[]) => [...new Set(xs)];

/**
 * Numbers per primary search: each number needs a value in a phone list and a mobile list,
 * lists hold 100 values and we have 5 OR-groups, so two lists per property: 200 numbers.
 * (A page holds 200 results too, so more numbers per request would only add pages.)
 */
export const NUMBERS_PER_SEARCH = Math.floor(SEARCH_LIMITS.maxGroups / 2) * SEARCH_LIMITS.maxInValues;

/** Primary search: the searchable calculated properties HubSpot maintains for phone matching. */
export function contactSearchBody(e164s: string[], after?: string): SearchBody {
  const nats = uniq(e164s.map((e) => nationalDigits(e)).filter((d): d is string => !!d));
  if (nats.length > NUMBERS_PER_SEARCH) throw new RangeError(`at most ${NUMBERS_PER_SEARCH} numbers per search`);
  const groups: SearchBody['filterGroups'] = [];
  for (const list of chunk(nats, SEARCH_LIMITS.maxInValues)) {
    groups.push({ filters: [{ propertyName: SEARCHABLE_PHONE, operator: 'IN', values: list }] });
    groups.push({ filters: [{ propertyName: SEARCHABLE_MOBILE, operator: 'IN', values: list }] });
  }
  return { filterGroups: groups, properties: CONTACT_SEARCH_PROPERTIES, limit: SEARCH_LIMITS.maxPageSize, ...(after ? { after } : {}) };
}

/** How many numbers fit in one fallback search (every raw spelling of a number goes in the IN list). */
export function fallbackChunks(e164s: string[]): string[][] {
  const chunks: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (const e of e164s) {
    const n = rawVariants(e).length;
    if (size + n > SEARCH_LIMITS.maxInValues && cur.length) { chunks.push(cur); cur = []; size = 0; }
    cur.push(e);
    size += n;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

/** Fallback search: raw phone/mobilephone as people type them, for contacts HubSpot could not calculate. */
export function fallbackSearchBody(e164s: string[], after?: string): SearchBody {
  const values = uniq(e164s.flatMap(rawVariants));
  return {
    filterGroups: [
      { filters: [{ propertyName: 'phone', operator: 'IN', values }] },
      { filters: [{ propertyName: 'mobilephone', operator: 'IN', values }] },
    ],
    properties: CONTACT_SEARCH_PROPERTIES,
    limit: SEARCH_LIMITS.maxPageSize,
    ...(after ? { after } : {}),
  };
}

/** Finds calls already created for these record ids (≤100). */
export function callSearchBody(recordIds: string[], recordIdProperty: string, after?: string): SearchBody {
  return {
    filterGroups: [{ filters: [{ propertyName: recordIdProperty, operator: 'IN', values: uniq(recordIds) }] }],
    properties: [recordIdProperty],
    limit: SEARCH_LIMITS.maxPageSize,
    ...(after ? { after } : {}),
  };
}

export function callBatchCreateBody(calls: NewCallEngagement[]) {
  if (calls.length > BATCH_CREATE_MAX) throw new RangeError(`at most ${BATCH_CREATE_MAX} inputs per batch create`);
  return {
    inputs: calls.map((c) => ({
      properties: c.properties,
      associations: c.contactIds.map((id) => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: CALL_TO_CONTACT }] })),
    })),
  };
}

/** Batch size of association creates (kept at the CRM's usual batch size of 100). */
export const ASSOCIATE_MAX = 100;

/** Associations v4 batch create: existing call → existing contact, HubSpot-defined type 194. */
export function callContactAssociationBody(pairs: { callId: string; contactId: string }[]) {
  if (pairs.length > ASSOCIATE_MAX) throw new RangeError(`at most ${ASSOCIATE_MAX} inputs per association batch`);
  return { inputs: pairs.map((p) => ({ from: { id: p.callId }, to: { id: p.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: CALL_TO_CONTACT }] })) };
}

export function contactBatchCreateBody(e164s: string[]) {
  return { inputs: e164s.map((e) => ({ properties: { phone: e }, associations: [] as never[] })) };
}

export const PATHS = {
  contactSearch: '/crm/v3/objects/contacts/search',
  callSearch: '/crm/v3/objects/calls/search',
  callBatchCreate: '/crm/v3/objects/calls/batch/create',
  contactBatchCreate: '/crm/v3/objects/contacts/batch/create',
  callContactAssociate: '/crm/v4/associations/calls/contacts/batch/create',
} as const;

export function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
