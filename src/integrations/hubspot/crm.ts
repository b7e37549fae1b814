// The Crm port over a small transport (search / batch writes). Search sizing, paging, splitting
// refused searches, match confirmation, record-id markers and 207 handling live here, once,
// for every transport.
import type { CallPair, Crm, CrmContact, CreateCallsResult } from './port.ts';
import { CrmRejectedError, bodyMessage } from './port.ts';
import { contactNumbers, contactSearchProperties, nationalDigits } from './phone-match.ts';
import {
  ASSOCIATE_MAX, BATCH_CREATE_MAX, BATCH_UPDATE_MAX, SEARCH_LIMITS, callBatchCreateBody, callBatchUpdateBody, callContactAssociationBody, callSearches, chunk,
  contactBatchCreateBody, contactSearches, fallbackSearches, type PlannedSearch, type SearchBody,
} from './requests.ts';
import { markerIndex, recordMarker } from './record-marker.ts';
import { setupError } from './problems.ts';

export interface CrmObject { id: string; properties: Record<string, string | null | undefined>; createdAt?: string | Date; updatedAt?: string | Date }
export interface SearchPage { total?: number; results: CrmObject[]; paging?: { next?: { after?: string } } }
/** A batch answer: 201/200, or 207 with `errors` for the inputs HubSpot refused. */
export interface BatchAnswer<R> { status: number; results: R[]; errors?: { message?: string; context?: Record<string, string[]>; category?: string }[] }
export interface AssociationResult { fromObjectId: string | number; toObjectId: string | number }

export interface CrmTransport {
  /** `body` may be a function, called when the request may be sent (its search slot is granted). */
  search(object: 'contacts' | 'calls', body: SearchBody | (() => SearchBody)): Promise<SearchPage>;
  batchCreate(object: 'contacts' | 'calls', body: { inputs: unknown[] }): Promise<BatchAnswer<CrmObject>>;
  batchUpdate(body: { inputs: unknown[] }): Promise<BatchAnswer<CrmObject>>;
  /** Associations v4 batch create, calls → contacts. */
  associate(body: { inputs: unknown[] }): Promise<BatchAnswer<AssociationResult>>;
}

export interface CrmOptions {
  recordIdProperty: string;
  defaultCountry: string;
  /** Second search with raw spellings for numbers the calculated properties did not find. */
  fallbackSearch?: boolean;
  /** Called with numbers HubSpot refused to search even one at a time (they count as not found). */
  onUnsearchable?: (numbers: string[], err: unknown) => void;
  /** What the match and owner rules need from contacts (fewer properties, more numbers per search). */
  matchRule?: 'most-recently-active' | 'oldest' | 'newest';
  contactOwner?: boolean;
  /** More contact properties to read (the agent's screen pop asks for `company`). */
  extraContactProperties?: string[];
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
    ...(p.hubspot_owner_id ? { ownerId: String(p.hubspot_owner_id) } : {}),
    ...(p.company ? { company: String(p.company) } : {}),
  };
}

const refusal = (e: { message?: string } | undefined, fallback: string) => e?.message ?? fallback;

export function createCrmOverTransport(t: CrmTransport, opts: CrmOptions): Crm {
  const rules = { ...(opts.matchRule ? { matchRule: opts.matchRule } : {}), ...(opts.contactOwner !== undefined ? { contactOwner: opts.contactOwner } : {}) };
  const extra = opts.extraContactProperties ?? [];
  const primaryProps = [...contactSearchProperties(rules), ...extra];
  const fallbackProps = [...contactSearchProperties({ ...rules, raw: true }), ...extra];
  async function pages(object: 'contacts' | 'calls', plan: PlannedSearch<string>, first?: () => SearchBody): Promise<CrmObject[]> {
    const out: CrmObject[] = [];
    let after: string | undefined;
    do {
      const page = await t.search(object, after === undefined && first ? first : plan.body(after));
      out.push(...page.results);
      after = page.paging?.next?.after;
      // HubSpot stops paging at 10,000 results; our queries are far below that, so stop rather than loop.
      if (after && Number(after) >= SEARCH_LIMITS.maxResults) break;
    } while (after);
    return out;
  }

  /**
   * Runs planned searches; a search HubSpot refuses with 400 is split in halves (a body it
   * measures differently, an odd value), unless the refusal is about the portal (a property it
   * does not have), which splitting cannot fix. Items refused alone go to `unsearchable`.
   */
  async function searchAll(object: 'contacts' | 'calls', plans: PlannedSearch<string>[], replan: (items: string[]) => PlannedSearch<string>[], unsearchable: string[]): Promise<CrmObject[]> {
    const out: CrmObject[] = [];
    for (const plan of plans) {
      try {
        out.push(...await pages(object, plan));
      } catch (err) {
        if (!(err instanceof CrmRejectedError) || err.status !== 400) throw err;
        const props = new Set(plan.body().filterGroups.flatMap((g) => g.filters.map((f) => f.propertyName)));
        const setup = setupError(err.status, err.body, props, opts.recordIdProperty);
        if (setup) throw setup;
        if (plan.items.length === 1) { unsearchable.push(...plan.items); continue; }
        const mid = Math.ceil(plan.items.length / 2);
        for (const half of [plan.items.slice(0, mid), plan.items.slice(mid)]) out.push(...await searchAll(object, replan(half), replan, unsearchable));
      }
    }
    return out;
  }

  // Look-ups of concurrent batches share search bodies (contact searches; record-id searches
  // when a crashed worker's batches are picked up together). Searches are the scarcest budget
  // (5 a second) and a batch's items rarely fill its last body; so the items wait in a pool and
  // each body is filled from it when its search slot is granted, taking every item asked for
  // until then, whoever asked. As many requests wait for a slot as the pool fills bodies (at
  // most a search window's worth), so slots freed together are used together.
  function searchPool(object: 'contacts' | 'calls', plan: (items: string[]) => PlannedSearch<string>[]): (items: string[]) => Promise<CrmObject[]> {
    type Waiter = { left: number; objects: CrmObject[]; failed: boolean; resolve(o: CrmObject[]): void; reject(e: unknown): void };
    const pool: { item: string; waiter: Waiter }[] = [];
    const MAX_WAITING = 5;
    let waiting = 0;
    const fail = (w: Waiter, err: unknown) => {
      if (w.failed) return;
      w.failed = true;
      for (let i = pool.length - 1; i >= 0; i--) if (pool[i]!.waiter === w) pool.splice(i, 1);
      w.reject(err);
    };
    function pump() {
      while (pool.length && waiting < Math.min(MAX_WAITING, plan(pool.map((e) => e.item)).length)) start();
    }
    function start() {
      waiting++;
      let granted = false;
      let taken: typeof pool = [];
      let planned: PlannedSearch<string> | undefined;
      const first = () => {
        granted = true;
        waiting--;
        planned = plan(pool.map((e) => e.item))[0];
        // Only after a failure emptied the pool: nothing is sent.
        if (!planned) throw new CrmRejectedError(499, { message: 'nothing left to search' });
        taken = pool.splice(0, planned.items.length);
        pump();
        return planned.body();
      };
      const lazyPlan: PlannedSearch<string> = { items: [], body: (after) => planned!.body(after) };
      pages(object, lazyPlan, first).then((objects) => {
        for (const e of taken) {
          if (e.waiter.failed) continue;
          e.waiter.objects.push(...objects);
          if (--e.waiter.left === 0) e.waiter.resolve(e.waiter.objects);
        }
      }, (err: unknown) => {
        if (!granted) {
          // No slot (the budget said wait too long): the items waiting would be told the same.
          waiting--;
          taken = pool.splice(0);
        }
        for (const e of taken) fail(e.waiter, err);
        pump();
      });
    }
    /** `items` must all be plannable (plan() drops none of them). */
    return (items) => {
      if (!items.length) return Promise.resolve([]);
      return new Promise<CrmObject[]>((resolve, reject) => {
        const waiter: Waiter = { left: items.length, objects: [], failed: false, resolve, reject };
        for (const item of items) pool.push({ item, waiter });
        pump();
      });
    };
  }
  const contactPool = searchPool('contacts', (numbers) => contactSearches(numbers, primaryProps));
  const pooledSearch = (numbers: string[]) => contactPool(numbers.filter((n) => nationalDigits(n)));
  const callPool = searchPool('calls', (markers) => callSearches(markers, opts.recordIdProperty));

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
      const unsearchable: string[] = [];
      let primary: CrmObject[];
      try {
        primary = await pooledSearch(numbers);
      } catch (err) {
        // A shared body refused: search this batch's numbers on their own, splitting refusals.
        if (!(err instanceof CrmRejectedError) || err.status !== 400) throw err;
        primary = await searchAll('contacts', contactSearches(numbers, primaryProps), (part) => contactSearches(part, primaryProps), unsearchable);
      }
      collect(found, new Set(numbers), primary);
      // Numbers HubSpot could not calculate (odd spellings) are only found by their raw text.
      if (opts.fallbackSearch !== false) {
        const missing = numbers.filter((n) => !found.has(n));
        collect(found, new Set(missing), await searchAll('contacts', fallbackSearches(missing, fallbackProps), (part) => fallbackSearches(part, fallbackProps), unsearchable));
      }
      if (unsearchable.length) opts.onUnsearchable?.([...new Set(unsearchable)], 'HubSpot refused the search');
      return found;
    },

    async createCalls(calls) {
      if (calls.length > BATCH_CREATE_MAX) throw new RangeError(`at most ${BATCH_CREATE_MAX} calls per batch`);
      const res = await t.batchCreate('calls', callBatchCreateBody(calls));
      const byMarker = markerIndex(calls.map((c) => c.recordId));
      const out: CreateCallsResult = { created: new Map(), refused: new Map() };
      // Batch results are not guaranteed to come back in input order: map them by our marker.
      for (const r of res.results) {
        const id = byMarker.get(String(r.properties[opts.recordIdProperty] ?? ''));
        if (id) out.created.set(id, r.id);
      }
      if (res.status === 207) {
        // A multi-status answer is definitive: what is not among the results was refused.
        const reason = (res.errors ?? []).map((e) => refusal(e, 'refused')).join('; ') || 'refused in a multi-status answer';
        for (const c of calls) if (!out.created.has(c.recordId)) out.refused.set(c.recordId, new CrmRejectedError(207, { message: reason, errors: res.errors }));
      }
      return out;
    },

    async findCallsByRecordId(recordIds) {
      const ids = [...new Set(recordIds)];
      const byMarker = markerIndex(ids);
      const out = new Map<string, string>();
      const plan = (part: string[]) => callSearches(part, opts.recordIdProperty);
      const refused: string[] = [];
      const markers = [...new Set(ids.map(recordMarker))];
      let objects: CrmObject[];
      try {
        objects = await callPool(markers);
      } catch (err) {
        // A shared body refused: search this batch's markers on their own, splitting refusals.
        if (!(err instanceof CrmRejectedError) || err.status !== 400) throw err;
        objects = await searchAll('calls', plan(markers), plan, refused);
      }
      for (const r of objects) {
        const id = byMarker.get(String(r.properties[opts.recordIdProperty] ?? ''));
        // Oldest wins if a duplicate ever slipped in, so every retry converges on the same engagement.
        if (id && (!out.has(id) || Number(r.id) < Number(out.get(id)))) out.set(id, r.id);
      }
      // Not knowing whether a call exists must never read as "it does not": refuse to answer.
      if (refused.length) throw new CrmRejectedError(400, { message: `HubSpot refused the record-id search for ${refused.join(', ')}` });
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
      const associated: CallPair[] = [];
      const refused: { pair: CallPair; reason: string }[] = [];
      for (const part of chunk(pairs, ASSOCIATE_MAX)) {
        const res = await t.associate(callContactAssociationBody(part));
        const ok = new Set(res.results.map((r) => `${String(r.fromObjectId)}>${String(r.toObjectId)}`));
        for (const p of part) {
          if (ok.has(`${p.callId}>${p.contactId}`)) { associated.push(p); continue; }
          const e = (res.errors ?? []).find((x) => x.context?.fromObjectId?.includes(p.callId));
          refused.push({ pair: p, reason: refusal(e, res.status === 207 ? 'refused in a multi-status answer' : `not in HubSpot's answer (HTTP ${res.status})`) });
        }
      }
      return { associated, refused };
    },

    async updateCalls(updates) {
      const updated: string[] = [];
      const refused: { callId: string; reason: string }[] = [];
      for (const part of chunk(updates, BATCH_UPDATE_MAX)) {
        try {
          const res = await t.batchUpdate(callBatchUpdateBody(part));
          const ok = new Set(res.results.map((r) => r.id));
          for (const u of part) {
            if (ok.has(u.callId)) updated.push(u.callId);
            else refused.push({ callId: u.callId, reason: refusal((res.errors ?? []).find((e) => e.context?.ids?.includes(u.callId)), 'refused in a multi-status answer') });
          }
        } catch (err) {
          if (!(err instanceof CrmRejectedError)) throw err;
          for (const u of part) refused.push({ callId: u.callId, reason: bodyMessage(err.body) });
        }
      }
      return { updated, refused };
    },
  };
}
