// The Crm port over a small transport (search / batch create). Chunking, paging, match
// confirmation and the raw-number fallback live here, once, for every transport.
import type { Crm, CrmContact, NewCallEngagement } from './port.ts';
import { contactNumbers, nationalDigits } from './phone-match.ts';
import {
  ASSOCIATE_MAX, BATCH_CREATE_MAX, NUMBERS_PER_SEARCH, callContactAssociationBody, SEARCH_LIMITS, callBatchCreateBody, callSearchBody, chunk, contactBatchCreateBody, contactSearchBody,
  fallbackChunks, fallbackSearchBody, type SearchBody,
} from './requests.ts';

export interface CrmObject { id: string; properties: Record<string, string | null | undefined>; createdAt?: string | Date; updatedAt?: string | Date }
export interface SearchPage { total?: number; results: CrmObject[]; paging?: { next?: { after?: string } } }

export interface CrmTransport {
  search(object: 'contacts' | 'calls', body: SearchBody): Promise<SearchPage>;
  batchCreate(object: 'contacts' | 'calls', body: { inputs: unknown[] }): Promise<{ results: CrmObject[] }>;
  /** Associations v4 batch create, calls → contacts. */
  associate(body: { inputs: unknown[] }): Promise<void>;
}

export interface CrmOptions {
  recordIdProperty: string;
  defaultCountry: string;
  /** Second search with raw spellings for numbers the calculated properties did not find. */
  fallbackSearch?: boolean;
}

const toMs = (v: string | Date | null | undefined): number | undefined => {
  if (v === null || v === undefined || v === '') return undefined;
  const n = v instanceof Date ? v.getTime() : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? n : undefined;
};

function toContact(o: CrmObject, defaultCountry: string): CrmContact {
  const p = o.properties;
  const activity = [p.notes_last_contacted, p.hs_last_sales_activity_timestamp, p.lastmodifieddate].map(toMs).filter((x): x is number => x !== undefined);
  const name = [p.firstname, p.lastname].filter(Boolean).join(' ');
  return {
    id: o.id,
    numbers: contactNumbers(p, defaultCountry),
    createdAt: toMs(p.createdate) ?? toMs(o.createdAt),
    lastActivityAt: activity.length ? Math.max(...activity) : toMs(o.updatedAt),
    ...(name ? { name } : {}),
  };
}

export function createCrmOverTransport(t: CrmTransport, opts: CrmOptions): Crm {
  async function searchAll(object: 'contacts' | 'calls', body: (after?: string) => SearchBody): Promise<CrmObject[]> {
    const out: CrmObject[] = [];
    let after: string | undefined;
    do {
      const page = await t.search(object, body(after));
      out.push(...page.results);
      after = page.paging?.next?.after;
      // HubSpot stops paging at 10,000 results; our queries are far below that, so stop rather than loop.
      if (after && Number(after) >= SEARCH_LIMITS.maxResults) break;
    } while (after);
    return out;
  }

  function collect(found: Map<string, CrmContact[]>, wanted: Set<string>, objects: CrmObject[]) {
    for (const o of objects) {
      const c = toContact(o, opts.defaultCountry);
      for (const n of c.numbers) {
        if (!wanted.has(n)) continue;
        const list = found.get(n) ?? [];
        if (!list.some((x) => x.id === c.id)) list.push(c);
        found.set(n, list);
      }
    }
  }

  return {
    async findContactsByPhone(e164s) {
      const numbers = [...new Set(e164s)];
      const found = new Map<string, CrmContact[]>();
      for (const part of chunk(numbers.filter((n) => nationalDigits(n)), NUMBERS_PER_SEARCH)) {
        collect(found, new Set(part), await searchAll('contacts', (after) => contactSearchBody(part, after)));
      }
      // Numbers HubSpot could not calculate (odd spellings) are only found by their raw text.
      if (opts.fallbackSearch !== false) {
        const missing = numbers.filter((n) => !found.has(n));
        for (const part of fallbackChunks(missing)) {
          collect(found, new Set(part), await searchAll('contacts', (after) => fallbackSearchBody(part, after)));
        }
      }
      return found;
    },

    async createCalls(calls: NewCallEngagement[]) {
      const out = new Map<string, string>();
      for (const part of chunk(calls, BATCH_CREATE_MAX)) {
        const res = await t.batchCreate('calls', callBatchCreateBody(part));
        // Batch results are not guaranteed to come back in input order: map them by our marker.
        for (const r of res.results) {
          const id = r.properties[opts.recordIdProperty];
          if (id) out.set(id, r.id);
        }
      }
      return out;
    },

    async findCallsByRecordId(recordIds) {
      const out = new Map<string, string>();
      for (const part of chunk([...new Set(recordIds)], SEARCH_LIMITS.maxInValues)) {
        for (const r of await searchAll('calls', (after) => callSearchBody(part, opts.recordIdProperty, after))) {
          const id = r.properties[opts.recordIdProperty];
          // Oldest wins if a duplicate ever slipped in, so every retry converges on the same engagement.
          if (id && (!out.has(id) || Number(r.id) < Number(out.get(id)))) out.set(id, r.id);
        }
      }
      return out;
    },

    async createContacts(e164s) {
      const out = new Map<string, string>();
      for (const part of chunk([...new Set(e164s)], BATCH_CREATE_MAX)) {
        const res = await t.batchCreate('contacts', contactBatchCreateBody(part));
        for (const r of res.results) {
          const n = contactNumbers(r.properties, opts.defaultCountry)[0];
          if (n) out.set(n, r.id);
        }
      }
      return out;
    },

    async associateCalls(pairs) {
      for (const part of chunk(pairs, ASSOCIATE_MAX)) await t.associate(callContactAssociationBody(part));
    },
  };
}
