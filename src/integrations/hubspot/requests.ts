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

/** Primary search: the calculated properties HubSpot maintains plus raw phone/mobilephone in E.164. ≤100 numbers. */
export function contactSearchBody(e164s: string[], after?: string): SearchBody {
  if (e164s.length > SEARCH_LIMITS.maxInValues) throw new RangeError(`at most ${SEARCH_LIMITS.maxInValues} numbers per search`);
  const nats = uniq(e164s.map((e) => nationalDigits(e)).filter((d): d is string => !!d));
  const groups: SearchBody['filterGroups'] = [];
  if (nats.length) {
    groups.push({ filters: [{ propertyName: SEARCHABLE_PHONE, operator: 'IN', values: nats }] });
    groups.push({ filters: [{ propertyName: SEARCHABLE_MOBILE, operator: 'IN', values: nats }] });
  }
  groups.push({ filters: [{ propertyName: 'phone', operator: 'IN', values: uniq(e164s) }] });
  groups.push({ filters: [{ propertyName: 'mobilephone', operator: 'IN', values: uniq(e164s) }] });
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

export function contactBatchCreateBody(e164s: string[]) {
  return { inputs: e164s.map((e) => ({ properties: { phone: e }, associations: [] as never[] })) };
}

export const PATHS = {
  contactSearch: '/crm/v3/objects/contacts/search',
  callSearch: '/crm/v3/objects/calls/search',
  callBatchCreate: '/crm/v3/objects/calls/batch/create',
  contactBatchCreate: '/crm/v3/objects/contacts/batch/create',
} as const;

export function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
