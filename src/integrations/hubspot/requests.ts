// The exact request bodies centralita sends to HubSpot. Shared by the SDK adapter and the outbox
// so "what would be sent" is what is sent. Pure.
//
// Searches are sized by their serialized body, not by a count: HubSpot refuses a search body
// over 3,000 characters, and every value in an IN list costs its JSON length plus a comma in
// each list it appears in. Every search carries all the fields the spec marks required.
import type { NewCallEngagement } from './port.ts';
import { BATCH_LIMITS, SEARCH_LIMITS } from './api-facts.ts';
import { SEARCHABLE_MOBILE, SEARCHABLE_PHONE, contactSearchProperties, nationalDigits, rawVariants } from './phone-match.ts';

export { SEARCH_LIMITS };
export const BATCH_CREATE_MAX = BATCH_LIMITS.objectsCreate;
export const BATCH_UPDATE_MAX = BATCH_LIMITS.objectsUpdate;
/** Association batch size (v4 batch create takes up to 2,000 inputs). */
export const ASSOCIATE_MAX = BATCH_LIMITS.associationsCreate;
/** HUBSPOT_DEFINED association type id for call → contact. */
export const CALL_TO_CONTACT = 194;
/** Room kept in every search body for the paging cursor growing from "0" to at most "10000". */
const AFTER_RESERVE = 4;

export interface SearchFilter { propertyName: string; operator: 'IN' | 'EQ'; values?: string[]; value?: string }
export interface SearchBody { filterGroups: { filters: SearchFilter[] }[]; properties: string[]; limit: number; after: string; sorts: string[] }
/** A search to send: `body(after)` gives the page's body; `items` are what it covers (numbers, record ids). */
export interface PlannedSearch<T> { items: T[]; body(after?: string): SearchBody }

const uniq = <T,>(xs: T[]) => [...new Set(xs)];

/** One OR-group per property, each filtering `property IN values` with the same values. */
function inSearch(props: readonly string[], values: string[], returned: string[], after = '0'): SearchBody {
  return {
    filterGroups: props.map((propertyName) => ({ filters: [{ propertyName, operator: 'IN' as const, values }] })),
    properties: returned,
    limit: SEARCH_LIMITS.maxPageSize,
    after,
    sorts: [],
  };
}

/**
 * Splits items into searches whose bodies stay within HubSpot's 3,000 characters. Each item
 * brings one or more values; the body's length is computed exactly (JSON of an array is its
 * values joined by commas in brackets), so the largest body is as close to the limit as it can be.
 */
export function planInSearches<T>(items: T[], valuesOf: (item: T) => string[], props: readonly string[], returned: string[], maxChars: number = SEARCH_LIMITS.maxBodyChars): PlannedSearch<T>[] {
  const base = JSON.stringify(inSearch(props, [], returned)).length + AFTER_RESERVE;
  const plans: PlannedSearch<T>[] = [];
  let cur: T[] = [];
  let seen = new Set<string>();
  let chars = 0; // Σ JSON length of the values + commas, per list
  const flush = () => {
    if (!cur.length) return;
    const part = cur;
    const values = [...seen];
    plans.push({ items: part, body: (after) => inSearch(props, values, returned, after ?? '0') });
    cur = [];
    seen = new Set();
    chars = 0;
  };
  for (const item of items) {
    const fresh = uniq(valuesOf(item)).filter((v) => !seen.has(v));
    const add = fresh.reduce((n, v) => n + JSON.stringify(v).length + 1, 0) - (seen.size === 0 && fresh.length ? 1 : 0);
    if (cur.length && base + props.length * (chars + add) > maxChars) {
      flush();
      const again = uniq(valuesOf(item));
      const size = again.reduce((n, v) => n + JSON.stringify(v).length + 1, 0) - 1;
      if (base + props.length * size > maxChars) throw new RangeError(`one item needs a ${base + props.length * size}-character search body`);
      cur.push(item);
      for (const v of again) seen.add(v);
      chars = size;
      continue;
    }
    if (!cur.length && base + props.length * add > maxChars) throw new RangeError(`one item needs a ${base + props.length * add}-character search body`);
    cur.push(item);
    for (const v of fresh) seen.add(v);
    chars += add;
  }
  flush();
  return plans;
}

/** Primary contact searches: the searchable calculated properties HubSpot maintains for phone matching. */
export function contactSearches(e164s: string[], properties: string[] = contactSearchProperties(), maxChars?: number): PlannedSearch<string>[] {
  const withDigits = e164s.filter((e) => nationalDigits(e));
  return planInSearches(withDigits, (e) => [nationalDigits(e)!], [SEARCHABLE_PHONE, SEARCHABLE_MOBILE], properties, maxChars);
}

/** Fallback searches: raw phone/mobilephone as people type them, for contacts HubSpot could not calculate. */
export function fallbackSearches(e164s: string[], properties: string[] = contactSearchProperties({ raw: true }), maxChars?: number): PlannedSearch<string>[] {
  return planInSearches(e164s, rawVariants, ['phone', 'mobilephone'], properties, maxChars);
}

/** Calls already created for these record-id markers (lower-case, see record-marker.ts). */
export function callSearches(markers: string[], recordIdProperty: string, maxChars?: number): PlannedSearch<string>[] {
  return planInSearches(uniq(markers), (m) => [m], [recordIdProperty], [recordIdProperty], maxChars);
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

/** Batch update of existing calls (body, title, owner after reconciliation). */
export function callBatchUpdateBody(updates: { callId: string; properties: Record<string, string> }[]) {
  if (updates.length > BATCH_UPDATE_MAX) throw new RangeError(`at most ${BATCH_UPDATE_MAX} inputs per batch update`);
  return { inputs: updates.map((u) => ({ id: u.callId, properties: u.properties })) };
}

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
  callBatchUpdate: '/crm/v3/objects/calls/batch/update',
  contactBatchCreate: '/crm/v3/objects/contacts/batch/create',
  callContactAssociate: '/crm/v4/associations/calls/contacts/batch/create',
  accountDetails: '/account-info/v3/details',
  tokenInfo: '/oauth/v2/private-apps/get/access-token-info',
  callProperties: '/crm/v3/properties/calls',
  callPropertyGroups: '/crm/v3/properties/calls/groups',
} as const;

export function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
