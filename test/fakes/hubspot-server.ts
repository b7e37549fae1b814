// A fake HubSpot CRM v3 API (node:http on 127.0.0.1:0) that behaves as HubSpot documents the
// parts centralita uses: bearer-token auth (401), contacts/calls search (filter-group and
// filter limits, IN lists, limit ≤ 200, paging capped at 10,000 results, eventual indexing),
// batch create of calls and contacts (≤ 100 inputs, unknown properties / bad enum values /
// bad association types → 400 in HubSpot's error shape, results in no particular order),
// calculated phone properties, the per-app rolling 10-second limit, the per-second search
// limit and the daily limit (429 with X-HubSpot-RateLimit-* headers), and switches that inject
// 5xx, 429, hangs (before or after the write is applied) and a full outage.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export interface FakeClock { now(): number }

export interface FakeHubspotOptions {
  token?: string;
  /** Portal default country used to calculate phone properties of numbers stored without +CC. */
  defaultCountry?: string;
  limits?: { general: { max: number; windowMs: number }; search: { max: number; windowMs: number }; daily: number };
  /** New/created objects become visible to search this long after creation (HubSpot indexes asynchronously). */
  searchIndexLagMs?: number;
  clock?: FakeClock;
  /** Custom call properties defined in the portal (our record-id marker). */
  customCallProperties?: string[];
  /** Valid hubspot_owner_id values; undefined = any numeric id. */
  owners?: string[];
  /** Call outcome GUIDs defined in the portal; default HubSpot's six. */
  outcomes?: string[];
  maxInValues?: number;
  maxFiltersPerGroup?: number;
  maxFilters?: number;
  maxGroups?: number;
  shuffleBatchResults?: boolean;
}

export interface FakeObject { id: string; properties: Record<string, string>; createdAt: number; updatedAt: number; indexedAt: number }
export interface FakeAssociation { fromCall: string; toContact: string; category: string; typeId: number }
export interface FakeRequestLog { at: number; path: string; status: number; kind: 'search' | 'general' }

type Fault =
  | { kind: 'status'; status: number; paths?: string[] }
  | { kind: 'hang'; when: 'before' | 'after'; paths?: string[] }
  | { kind: 'status-after'; status: number; paths?: string[] }
  | { kind: 'rate-limit'; paths?: string[] };

export const DEFAULT_OUTCOMES = [
  '9d9162e7-6cf3-4944-bf63-4dff82258764', 'f240bbac-87c9-4f6e-bf70-924b57d47db7', 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff',
  'b2cf5968-551e-4856-9783-52b3da59a7d0', '73a0d17f-1163-4015-bdd5-ec830791da20', '17b47fee-58de-441e-a44c-c6300d46f273',
];
const CALL_STATUSES = ['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'MISSED', 'NO_ANSWER', 'QUEUED', 'RINGING'];
const CALL_PROPERTIES = [
  'hs_timestamp', 'hs_call_title', 'hs_call_body', 'hs_call_direction', 'hs_call_disposition', 'hs_call_status', 'hs_call_duration',
  'hs_call_from_number', 'hs_call_to_number', 'hs_call_recording_url', 'hubspot_owner_id', 'hs_call_callee_object_id',
  'hs_call_callee_object_type', 'hs_activity_type', 'hs_attachment_ids', 'hs_object_id', 'hs_createdate', 'hs_lastmodifieddate',
];
const CONTACT_PROPERTIES = [
  'email', 'firstname', 'lastname', 'phone', 'mobilephone', 'company', 'lifecyclestage', 'hubspot_owner_id',
  'hs_calculated_phone_number', 'hs_calculated_mobile_number', 'hs_searchable_calculated_phone_number', 'hs_searchable_calculated_mobile_number',
  'createdate', 'lastmodifieddate', 'notes_last_contacted', 'hs_last_sales_activity_timestamp', 'hs_object_id',
];
const CALCULATED = new Set(['hs_calculated_phone_number', 'hs_calculated_mobile_number', 'hs_searchable_calculated_phone_number', 'hs_searchable_calculated_mobile_number', 'createdate', 'lastmodifieddate', 'hs_object_id']);

class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, category: string, message: string, errors?: unknown[]) {
    super(message);
    this.status = status;
    this.body = { status: 'error', message, correlationId: randomUUID(), category, ...(errors ? { errors } : {}) };
  }
}
const validation = (message: string, errors?: unknown[]) => new HttpError(400, 'VALIDATION_ERROR', message, errors);

export interface FakeHubspot {
  url: string;
  readonly contacts: Map<string, FakeObject>;
  readonly calls: Map<string, FakeObject>;
  readonly associations: FakeAssociation[];
  readonly requests: FakeRequestLog[];
  addContact(properties: Record<string, string>, opts?: { createdAt?: number; lastActivityAt?: number }): string;
  /** Record-id marker → call ids (more than one = a duplicate engagement). */
  callsByMarker(property?: string): Map<string, string[]>;
  fault(f: Fault, times?: number): void;
  setOutage(on: boolean): void;
  clearFaults(): void;
  count(path?: string): number;
  close(): Promise<void>;
}

export async function startFakeHubspot(opts: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const token = opts.token ?? 'test-token';
  const clock = opts.clock ?? { now: () => Date.now() };
  const country = (opts.defaultCountry ?? 'CO') as CountryCode;
  const limits = opts.limits ?? { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 250_000 };
  const lag = opts.searchIndexLagMs ?? 0;
  const callProps = new Set([...CALL_PROPERTIES, ...(opts.customCallProperties ?? ['centralita_record_id'])]);
  const contactProps = new Set(CONTACT_PROPERTIES);
  const outcomes = new Set(opts.outcomes ?? DEFAULT_OUTCOMES);
  const maxIn = opts.maxInValues ?? 100;
  const maxGroups = opts.maxGroups ?? 5;
  const maxPerGroup = opts.maxFiltersPerGroup ?? 10;
  const maxFilters = opts.maxFilters ?? 25;
  const shuffle = opts.shuffleBatchResults ?? true;

  const contacts = new Map<string, FakeObject>();
  const calls = new Map<string, FakeObject>();
  // Per-object-type index property → lower-cased value → objects, so EQ/IN searches stay fast
  // with tens of thousands of records (benchmarks) without changing what matches.
  const indexes = new Map<Map<string, FakeObject>, Map<string, Map<string, Set<FakeObject>>>>([[contacts, new Map()], [calls, new Map()]]);
  function indexObject(map: Map<string, FakeObject>, o: FakeObject) {
    const idx = indexes.get(map)!;
    for (const [k, v] of Object.entries(o.properties)) {
      // Long free text (bodies, titles) is never an EQ/IN key in practice; those still match by scan.
      if (v === undefined || v === null || String(v).length > 64) continue;
      let byValue = idx.get(k);
      if (!byValue) { byValue = new Map(); idx.set(k, byValue); }
      const key = String(v).toLowerCase();
      let set = byValue.get(key);
      if (!set) { set = new Set(); byValue.set(key, set); }
      set.add(o);
    }
  }
  const associations: FakeAssociation[] = [];
  const requests: FakeRequestLog[] = [];
  let nextId = 1000;
  let general: number[] = [];
  let search: number[] = [];
  let dayCount = 0;
  const faults: { f: Fault; left: number }[] = [];
  let outage = false;
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();

  function calculate(p: Record<string, string>) {
    for (const [raw, calc, searchable] of [['phone', 'hs_calculated_phone_number', 'hs_searchable_calculated_phone_number'], ['mobilephone', 'hs_calculated_mobile_number', 'hs_searchable_calculated_mobile_number']] as const) {
      delete p[calc];
      delete p[searchable];
      const v = p[raw];
      if (!v) continue;
      const parsed = parsePhoneNumberFromString(v, country);
      if (!parsed || !parsed.isPossible()) continue; // HubSpot leaves the calculated values empty when it cannot parse
      p[calc] = parsed.number;
      p[searchable] = parsed.nationalNumber;
    }
  }

  function makeObject(map: Map<string, FakeObject>, properties: Record<string, string>, createdAt: number): FakeObject {
    const id = String(nextId++);
    const o: FakeObject = { id, properties: { ...properties, hs_object_id: id }, createdAt, updatedAt: createdAt, indexedAt: createdAt + lag };
    map.set(id, o);
    indexObject(map, o);
    return o;
  }

  function addContact(properties: Record<string, string>, o: { createdAt?: number; lastActivityAt?: number } = {}): string {
    const now = o.createdAt ?? clock.now();
    const p: Record<string, string> = { ...properties, createdate: new Date(now).toISOString(), lastmodifieddate: new Date(o.lastActivityAt ?? now).toISOString() };
    if (o.lastActivityAt) p.notes_last_contacted = new Date(o.lastActivityAt).toISOString();
    calculate(p);
    const obj = makeObject(contacts, p, now);
    obj.indexedAt = now; // seeded contacts are already indexed
    return obj.id;
  }

  function rateHeaders(now: number, isSearch: boolean): Record<string, string> {
    general = general.filter((t) => t > now - limits.general.windowMs);
    search = search.filter((t) => t > now - limits.search.windowMs);
    const h: Record<string, string> = {
      'X-HubSpot-RateLimit-Max': String(limits.general.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, limits.general.max - general.length)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(limits.general.windowMs),
      'X-HubSpot-RateLimit-Daily': String(limits.daily),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, limits.daily - dayCount)),
    };
    if (isSearch) {
      h['X-HubSpot-RateLimit-Secondly'] = String(limits.search.max);
      h['X-HubSpot-RateLimit-Secondly-Remaining'] = String(Math.max(0, limits.search.max - search.length));
    }
    return h;
  }

  /** Returns a 429 body + headers when over a limit; otherwise counts the request. */
  function admit(now: number, isSearch: boolean): { status: 429; body: unknown; headers: Record<string, string> } | undefined {
    const h = rateHeaders(now, isSearch);
    const limited = (policy: string, message: string, retryMs: number, interval: number) => ({
      status: 429 as const,
      body: { status: 'error', message, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: policy, category: 'RATE_LIMITS' },
      headers: { ...h, 'X-HubSpot-RateLimit-Interval-Milliseconds': String(interval), ...(retryMs > 0 ? { 'Retry-After': String(Math.max(1, Math.ceil(retryMs / 1000))) } : {}) },
    });
    if (dayCount >= limits.daily) return limited('DAILY', 'You have reached your daily limit.', 0, 86_400_000);
    if (general.length >= limits.general.max) {
      const retry = general[general.length - limits.general.max]! + limits.general.windowMs - now;
      return limited('TEN_SECONDLY_ROLLING', 'You have reached your ten_secondly_rolling limit.', retry, limits.general.windowMs);
    }
    if (isSearch && search.length >= limits.search.max) return limited('SECONDLY', 'You have reached your secondly limit.', 0, limits.search.windowMs);
    general.push(now);
    if (isSearch) search.push(now);
    dayCount++;
    return undefined;
  }

  function takeFault(path: string): Fault | undefined {
    const i = faults.findIndex((x) => !x.f.paths || x.f.paths.includes(path));
    if (i < 0) return undefined;
    const x = faults[i]!;
    if (--x.left <= 0) faults.splice(i, 1);
    return x.f;
  }

  // ---- search ----
  function doSearch(map: Map<string, FakeObject>, known: Set<string>, body: Record<string, unknown>, now: number) {
    const groups = (body.filterGroups ?? []) as { filters?: { propertyName?: string; operator?: string; value?: unknown; values?: unknown[] }[] }[];
    if (!Array.isArray(groups)) throw validation('filterGroups must be an array');
    if (groups.length > maxGroups) throw validation(`Too many filter groups (${groups.length}). The maximum number of filter groups is ${maxGroups}.`);
    const total = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
    if (total > maxFilters) throw validation(`Too many filters (${total}). The maximum number of filters is ${maxFilters}.`);
    for (const g of groups) {
      if ((g.filters?.length ?? 0) > maxPerGroup) throw validation(`Too many filters in a filter group. The maximum is ${maxPerGroup}.`);
      for (const f of g.filters ?? []) {
        if (!f.propertyName || !known.has(f.propertyName)) throw validation(`There was a problem with the request. Property "${f.propertyName}" does not exist.`);
        if (!['EQ', 'NEQ', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'].includes(f.operator ?? '')) throw validation(`Invalid operator "${f.operator}" (fake supports EQ, NEQ, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY).`);
        if ((f.operator === 'IN' || f.operator === 'NOT_IN') && (!Array.isArray(f.values) || f.values.length === 0)) throw validation(`Operator ${f.operator} requires a non-empty "values" list.`);
        if ((f.operator === 'IN' || f.operator === 'NOT_IN') && f.values!.length > maxIn) throw validation(`Too many values for operator ${f.operator} (${f.values!.length}). The maximum is ${maxIn}.`);
      }
    }
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw validation(`limit must be between 1 and 200 (was ${String(body.limit)}).`);
    const after = body.after === undefined ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) throw validation('after must be a non-negative integer offset.');
    if (after + limit > 10_000) throw validation('The search API returns at most 10,000 results for a query; page beyond that is not allowed.');
    const eq = (a: string | undefined, b: unknown) => a !== undefined && a.toLowerCase() === String(b).toLowerCase();
    const matches = (o: FakeObject) =>
      groups.length === 0 ||
      groups.some((g) => (g.filters ?? []).every((f) => {
        const v = o.properties[f.propertyName!];
        switch (f.operator) {
          case 'EQ': return eq(v, f.value);
          case 'NEQ': return !eq(v, f.value);
          case 'IN': return f.values!.some((x) => eq(v, x));
          case 'NOT_IN': return !f.values!.some((x) => eq(v, x));
          case 'HAS_PROPERTY': return v !== undefined && v !== '';
          default: return v === undefined || v === '';
        }
      }));
    // Candidates: for each group, objects reachable through one of its EQ/IN filters (or all).
    const idx = indexes.get(map)!;
    let candidates: Iterable<FakeObject> = map.values();
    const indexable = (f: { operator?: string; value?: unknown; values?: unknown[] }) => (f.operator === 'EQ' && String(f.value).length <= 64) || (f.operator === 'IN' && f.values!.every((v) => String(v).length <= 64));
    if (groups.length && groups.every((g) => (g.filters ?? []).some(indexable))) {
      const set = new Set<FakeObject>();
      for (const g of groups) {
        const f = (g.filters ?? []).find(indexable)!;
        const byValue = idx.get(f.propertyName!);
        for (const v of f.operator === 'EQ' ? [f.value] : f.values!) for (const o of byValue?.get(String(v).toLowerCase()) ?? []) set.add(o);
      }
      candidates = set;
    }
    const hits = [...candidates].filter((o) => o.indexedAt <= now && matches(o)).sort((a, b) => Number(a.id) - Number(b.id));
    const props = Array.isArray(body.properties) && body.properties.length ? (body.properties as string[]) : ['hs_object_id', 'createdate', 'lastmodifieddate'];
    const page = hits.slice(after, after + limit);
    const next = after + limit;
    return {
      total: hits.length,
      results: page.map((o) => ({
        id: o.id,
        properties: Object.fromEntries(props.map((p) => [p, o.properties[p] ?? null])),
        createdAt: new Date(o.createdAt).toISOString(),
        updatedAt: new Date(o.updatedAt).toISOString(),
        archived: false,
      })),
      ...(next < hits.length && next < 10_000 ? { paging: { next: { after: String(next), link: '' } } } : {}),
    };
  }

  // ---- batch create ----
  function validateCallInput(input: { properties?: Record<string, unknown>; associations?: unknown[] }, index: number): void {
    const p = input.properties ?? {};
    const errs: { message: string; code: string; context: Record<string, unknown> }[] = [];
    for (const [k, v] of Object.entries(p)) {
      if (!callProps.has(k)) { errs.push({ message: `Property "${k}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [k] } }); continue; }
      if (typeof v !== 'string' && typeof v !== 'number') errs.push({ message: `${k} must be a string`, code: 'INVALID_TYPE', context: { propertyName: [k] } });
    }
    const enumCheck = (k: string, allowed: Iterable<string>) => {
      if (p[k] !== undefined && ![...allowed].includes(String(p[k]))) errs.push({ message: `${String(p[k])} was not one of the allowed options for ${k}`, code: 'INVALID_OPTION', context: { propertyName: [k] } });
    };
    enumCheck('hs_call_direction', ['INBOUND', 'OUTBOUND']);
    enumCheck('hs_call_status', CALL_STATUSES);
    enumCheck('hs_call_disposition', outcomes);
    if (opts.owners) enumCheck('hubspot_owner_id', opts.owners);
    else if (p.hubspot_owner_id !== undefined && !/^\d+$/.test(String(p.hubspot_owner_id))) errs.push({ message: `${String(p.hubspot_owner_id)} is not a valid owner id`, code: 'INVALID_OWNER_ID', context: { propertyName: ['hubspot_owner_id'] } });
    if (p.hs_timestamp === undefined) errs.push({ message: 'hs_timestamp is required', code: 'REQUIRED_PROPERTY', context: { propertyName: ['hs_timestamp'] } });
    else if (!/^\d+$/.test(String(p.hs_timestamp)) && Number.isNaN(Date.parse(String(p.hs_timestamp)))) errs.push({ message: `${String(p.hs_timestamp)} is not a valid datetime`, code: 'INVALID_DATE', context: { propertyName: ['hs_timestamp'] } });
    if (p.hs_call_duration !== undefined && !/^\d+$/.test(String(p.hs_call_duration))) errs.push({ message: `${String(p.hs_call_duration)} is not a valid number`, code: 'INVALID_INTEGER', context: { propertyName: ['hs_call_duration'] } });
    if (p.hs_call_recording_url !== undefined && !/^https:\/\//.test(String(p.hs_call_recording_url))) errs.push({ message: 'hs_call_recording_url must be an HTTPS URL', code: 'INVALID_URL', context: { propertyName: ['hs_call_recording_url'] } });
    for (const a of (input.associations ?? []) as { to?: { id?: string }; types?: { associationCategory?: string; associationTypeId?: number }[] }[]) {
      for (const t of a.types ?? []) {
        if (t.associationCategory !== 'HUBSPOT_DEFINED' || t.associationTypeId !== 194) {
          errs.push({ message: `invalid association type ${t.associationCategory}/${t.associationTypeId} from calls to contacts (expected HUBSPOT_DEFINED/194)`, code: 'INVALID_ASSOCIATION_TYPE', context: { index: [String(index)] } });
        }
      }
      if (!a.types?.length) errs.push({ message: 'association without types', code: 'INVALID_ASSOCIATION_TYPE', context: { index: [String(index)] } });
      if (!a.to?.id || !contacts.has(String(a.to.id))) errs.push({ message: `contact ${a.to?.id} does not exist`, code: 'INVALID_OBJECT_IDS', context: { ids: [String(a.to?.id)] } });
    }
    if (errs.length) throw validation(`Property values were not valid (input ${index}): ${errs.map((e) => e.message).join('; ')}`, errs);
  }

  function batchCreate(object: 'calls' | 'contacts', body: Record<string, unknown>, now: number) {
    const inputs = body.inputs as { properties?: Record<string, unknown>; associations?: unknown[] }[] | undefined;
    if (!Array.isArray(inputs) || inputs.length === 0) throw validation('inputs must be a non-empty array');
    if (inputs.length > 100) throw validation(`Batch input is limited to 100 inputs (got ${inputs.length}).`);
    // All-or-nothing: every input is validated before any object is created.
    inputs.forEach((input, i) => {
      if (object === 'calls') validateCallInput(input, i);
      else for (const k of Object.keys(input.properties ?? {})) if (!contactProps.has(k) || CALCULATED.has(k)) throw validation(`Property values were not valid: Property "${k}" does not exist or is read-only`, [{ message: `Property "${k}" does not exist`, code: 'PROPERTY_DOESNT_EXIST' }]);
    });
    const created = inputs.map((input) => {
      const props = Object.fromEntries(Object.entries(input.properties ?? {}).map(([k, v]) => [k, String(v)]));
      if (object === 'contacts') {
        props.createdate = new Date(now).toISOString();
        props.lastmodifieddate = props.createdate;
        calculate(props);
        return makeObject(contacts, props, now);
      }
      const o = makeObject(calls, props, now);
      for (const a of (input.associations ?? []) as { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[]) {
        for (const t of a.types) associations.push({ fromCall: o.id, toContact: String(a.to.id), category: t.associationCategory, typeId: t.associationTypeId });
      }
      return o;
    });
    const results = created.map((o) => ({ id: o.id, properties: { ...o.properties }, createdAt: new Date(o.createdAt).toISOString(), updatedAt: new Date(o.updatedAt).toISOString(), archived: false }));
    // HubSpot does not promise input order in batch results; neither do we.
    if (shuffle) results.reverse();
    return { status: 'COMPLETE', results, startedAt: new Date(now).toISOString(), completedAt: new Date(now).toISOString() };
  }

  // ---- associations v4: batch create (existing call → existing contact) ----
  function associateBatch(body: Record<string, unknown>, now: number) {
    const inputs = body.inputs as { from?: { id?: string }; to?: { id?: string }; types?: { associationCategory?: string; associationTypeId?: number }[] }[] | undefined;
    if (!Array.isArray(inputs) || inputs.length === 0) throw validation('inputs must be a non-empty array');
    if (inputs.length > 100) throw validation(`Batch input is limited to 100 inputs (got ${inputs.length}).`);
    const errs: { message: string; code: string; context: Record<string, unknown> }[] = [];
    inputs.forEach((a, i) => {
      if (!a.types?.length) errs.push({ message: `input ${i}: association without types`, code: 'INVALID_ASSOCIATION_TYPE', context: { index: [String(i)] } });
      for (const t of a.types ?? []) {
        if (t.associationCategory !== 'HUBSPOT_DEFINED' || t.associationTypeId !== 194) errs.push({ message: `input ${i}: invalid association type ${t.associationCategory}/${t.associationTypeId} from calls to contacts (expected HUBSPOT_DEFINED/194)`, code: 'INVALID_ASSOCIATION_TYPE', context: { index: [String(i)] } });
      }
      if (!a.from?.id || !calls.has(String(a.from.id))) errs.push({ message: `input ${i}: call ${a.from?.id} does not exist`, code: 'INVALID_OBJECT_IDS', context: { ids: [String(a.from?.id)] } });
      if (!a.to?.id || !contacts.has(String(a.to.id))) errs.push({ message: `input ${i}: contact ${a.to?.id} does not exist`, code: 'INVALID_OBJECT_IDS', context: { ids: [String(a.to?.id)] } });
    });
    if (errs.length) throw validation(`Association inputs were not valid: ${errs.map((e) => e.message).join('; ')}`, errs);
    const results = inputs.map((a) => {
      const from = String(a.from!.id);
      const to = String(a.to!.id);
      // Associating twice is a no-op in HubSpot: one association per (call, contact, type).
      if (!associations.some((x) => x.fromCall === from && x.toContact === to && x.typeId === 194)) associations.push({ fromCall: from, toContact: to, category: 'HUBSPOT_DEFINED', typeId: 194 });
      return { fromObjectTypeId: '0-48', fromObjectId: Number(from), toObjectTypeId: '0-1', toObjectId: Number(to), labels: [] };
    });
    return { status: 'COMPLETE', results, startedAt: new Date(now).toISOString(), completedAt: new Date(now).toISOString() };
  }

  const ROUTES: Record<string, { kind: 'search' | 'general'; run: (body: Record<string, unknown>, now: number) => unknown; status: number }> = {
    '/crm/v3/objects/contacts/search': { kind: 'search', status: 200, run: (b, now) => doSearch(contacts, contactProps, b, now) },
    '/crm/v3/objects/calls/search': { kind: 'search', status: 200, run: (b, now) => doSearch(calls, callProps, b, now) },
    '/crm/v3/objects/calls/batch/create': { kind: 'general', status: 201, run: (b, now) => batchCreate('calls', b, now) },
    '/crm/v3/objects/contacts/batch/create': { kind: 'general', status: 201, run: (b, now) => batchCreate('contacts', b, now) },
    '/crm/v4/associations/calls/contacts/batch/create': { kind: 'general', status: 201, run: (b, now) => associateBatch(b, now) },
  };

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (outage) { req.socket.destroy(); return; }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    const now = clock.now();
    const route = ROUTES[path];
    const log = (status: number) => { requests.push({ at: now, path, status, kind: route?.kind ?? 'general' }); };
    if (req.headers.authorization !== `Bearer ${token}`) {
      log(401);
      return send(res, 401, { status: 'error', message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview', correlationId: randomUUID(), category: 'INVALID_AUTHENTICATION' });
    }
    if (!route || req.method !== 'POST') { log(404); return send(res, 404, { status: 'error', message: `Unable to route ${req.method} ${path} (fake HubSpot)`, correlationId: randomUUID(), category: 'OBJECT_NOT_FOUND' }); }
    const fault = takeFault(path);
    if (fault?.kind === 'status') { log(fault.status); return send(res, fault.status, { status: 'error', message: 'internal error', correlationId: randomUUID(), category: 'INTERNAL_ERROR' }); }
    if (fault?.kind === 'hang' && fault.when === 'before') { log(0); hung.add(res); return; }
    const limited = fault?.kind === 'rate-limit' ? admitForced(now, route.kind === 'search') : admit(now, route.kind === 'search');
    if (limited) { log(429); return send(res, 429, limited.body, limited.headers); }
    let body: Record<string, unknown>;
    try { body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {}; } catch {
      log(400); return send(res, 400, new HttpError(400, 'VALIDATION_ERROR', 'Invalid input JSON').body);
    }
    try {
      const out = route.run(body, now);
      if (fault?.kind === 'hang') { log(0); hung.add(res); return; } // applied, but the client never hears back
      if (fault?.kind === 'status-after') { log(fault.status); return send(res, fault.status, { status: 'error', message: 'internal error', correlationId: randomUUID(), category: 'INTERNAL_ERROR' }); }
      log(route.status);
      send(res, route.status, out, rateHeaders(now, route.kind === 'search'));
    } catch (err) {
      if (err instanceof HttpError) { log(err.status); return send(res, err.status, err.body, rateHeaders(now, route.kind === 'search')); }
      log(500);
      send(res, 500, { status: 'error', message: String(err), correlationId: randomUUID(), category: 'INTERNAL_ERROR' });
    }
  }

  function admitForced(now: number, isSearch: boolean) {
    const h = rateHeaders(now, isSearch);
    return { status: 429 as const, body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING', category: 'RATE_LIMITS' }, headers: { ...h, 'Retry-After': '1' } };
  }

  const server = createServer((req, res) => { handle(req, res).catch((err) => { try { send(res, 500, { status: 'error', message: String(err) }); } catch { /* socket gone */ } }); });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    contacts, calls, associations, requests,
    addContact,
    callsByMarker(property = 'centralita_record_id') {
      const m = new Map<string, string[]>();
      for (const c of calls.values()) {
        const k = c.properties[property];
        if (k) m.set(k, [...(m.get(k) ?? []), c.id]);
      }
      return m;
    },
    fault(f, times = 1) { faults.push({ f, left: times }); },
    setOutage(on) { outage = on; if (on) for (const s of sockets) s.destroy(); },
    clearFaults() { faults.length = 0; },
    count(path) { return path ? requests.filter((r) => r.path === path).length : requests.length; },
    async close() {
      for (const r of hung) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
