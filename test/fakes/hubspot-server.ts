// A fake HubSpot API (node:http on 127.0.0.1:0) that behaves as HubSpot documents and specifies
// the parts centralita uses (src/integrations/hubspot/api-facts.ts holds the facts taken from the
// public OpenAPI specs; `npm run hubspot:spec-check` validates what this fake receives and answers
// against those specs):
//  - bearer auth (401), the token's scopes per operation (403 MISSING_SCOPES), token info;
//  - contacts/calls search (hubspot-search.ts): 3,000-character bodies, 5/6/18 filter limits, all
//    13 operators, lower-case-only IN, paging to 10,000, objects invisible until indexed;
//  - batch create/update of calls and contacts (≤ 100; whole-batch 400 in HubSpot's message shape:
//    unknown or read-only properties, bad options, owners, over-long text), results in no order;
//  - v4 association batch create (≤ 2,000; 207 when some inputs are refused);
//  - properties API (the objects' real default properties, custom properties, outcomes, statuses)
//    and account details (portal id, time zone, UI domain);
//  - limits: rolling 10 s per app (searches and v4 association batches exempt, as the spec says),
//    search per second, daily count reset at midnight in the portal's time zone; 429 bodies with
//    `policyName` and no Retry-After; no rate-limit headers on search responses;
//  - faults on demand: any status before or after applying (207, 423, 477 + Retry-After, 502, 504…),
//    hangs, forced 429s, a full outage.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { BATCH_LIMITS, OPERATIONS, exemptFromTenSecondly, type OperationKey } from '../../src/integrations/hubspot/api-facts.ts';
import { DEFAULT_CALL_STATUSES, DEFAULT_OUTCOMES, defaultCallProperties, defaultContactProperties, type FakeProperty } from './hubspot-properties.ts';
import { SearchError, runSearch, validateSearch } from './hubspot-search.ts';
import { HttpError, ObjectStore, calculatePhones, checkValues, standardError, validationError, type FakeObject, type PropertyProblem } from './hubspot-objects.ts';

export type { FakeObject };
export { DEFAULT_OUTCOMES };
export interface FakeClock { now(): number }

export interface FakeHubspotOptions {
  token?: string;
  /** Scopes granted to the token; default every scope centralita's operations accept. */
  scopes?: string[];
  /** Portal default country used to calculate phone properties of numbers stored without +CC. */
  defaultCountry?: string;
  portal?: { portalId?: number; timeZone?: string; uiDomain?: string };
  limits?: { general: { max: number; windowMs: number }; search: { max: number; windowMs: number }; daily: number };
  /** New/created objects become visible to search this long after creation (HubSpot indexes asynchronously). */
  searchIndexLagMs?: number;
  clock?: FakeClock;
  /** Custom call properties defined in the portal; default our record-id marker. [] = none. */
  customCallProperties?: string[];
  /** Valid hubspot_owner_id values; undefined = any numeric id. */
  owners?: string[];
  /** Call outcomes (hs_call_disposition options, custom ones included); default HubSpot's six. */
  outcomes?: [value: string, label: string][];
  /** hs_call_status options; default HubSpot's, MISSED included. */
  callStatuses?: [value: string, label: string][];
  shuffleBatchResults?: boolean;
}

export interface FakeAssociation { fromCall: string; toContact: string; category: string; typeId: number }
export interface FakeRequestLog { at: number; method: string; path: string; status: number; kind: 'search' | 'general' | 'exempt'; bodyChars: number }

export type Fault =
  | { kind: 'status'; status: number; paths?: string[]; retryAfterSec?: number }
  | { kind: 'status-after'; status: number; paths?: string[] }
  | { kind: 'hang'; when: 'before' | 'after'; paths?: string[] }
  | { kind: 'rate-limit'; policy?: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY'; paths?: string[] }
  /** 207: inputs for which `refuse` is true are refused (with a StandardError), the others applied. */
  | { kind: 'partial'; paths?: string[]; refuse: (input: Record<string, unknown>, index: number) => boolean };

export interface FakeHubspot {
  url: string;
  readonly contacts: Map<string, FakeObject>;
  readonly calls: Map<string, FakeObject>;
  readonly associations: FakeAssociation[];
  readonly requests: FakeRequestLog[];
  readonly callProperties: Map<string, FakeProperty>;
  addContact(properties: Record<string, string>, opts?: { createdAt?: number; lastActivityAt?: number }): string;
  /** Record-id marker → call ids (more than one = a duplicate engagement). */
  callsByMarker(property?: string): Map<string, string[]>;
  fault(f: Fault, times?: number): void;
  setOutage(on: boolean): void;
  clearFaults(): void;
  count(path?: string): number;
  close(): Promise<void>;
}

const ALL_SCOPES = [...new Set(Object.values(OPERATIONS).flatMap((o) => o.scopes as readonly string[]))];
const STATUS_TEXT: Record<number, { category: string; message: string }> = {
  423: { category: 'LOCKED', message: 'The account is locked while a large volume of data is being synced; try again in a few seconds.' },
  477: { category: 'MIGRATION_IN_PROGRESS', message: 'This account is being migrated between data centers; try again after the Retry-After delay.' },
};

export async function startFakeHubspot(opts: FakeHubspotOptions = {}): Promise<FakeHubspot> {
  const token = opts.token ?? 'test-token';
  // `oauth` (account details) comes with every app token; the others are the ones an admin ticks.
  const scopes = new Set([...(opts.scopes ?? ALL_SCOPES), 'oauth']);
  const clock = opts.clock ?? { now: () => Date.now() };
  const country = opts.defaultCountry ?? 'CO';
  const portal = { portalId: opts.portal?.portalId ?? 4_242_42, timeZone: opts.portal?.timeZone ?? 'America/Bogota', uiDomain: opts.portal?.uiDomain ?? 'app.hubspot.com' };
  const limits = opts.limits ?? { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 250_000 };
  const lag = opts.searchIndexLagMs ?? 0;
  // Read live: a test may add an owner to the portal while the fake runs.
  const owners = opts.owners ? { has: (v: string) => opts.owners!.includes(v) } : undefined;
  const shuffle = opts.shuffleBatchResults ?? true;
  // The spec check (test/tools/hubspot-spec-check.ts) points this at a folder: one file per process.
  const record = process.env.HUBSPOT_SPEC_RECORD ? join(process.env.HUBSPOT_SPEC_RECORD, `fake-${process.pid}.jsonl`) : undefined;

  const callStore = new ObjectStore(defaultCallProperties(opts.outcomes ?? DEFAULT_OUTCOMES, opts.callStatuses ?? DEFAULT_CALL_STATUSES));
  const contactStore = new ObjectStore(defaultContactProperties());
  const custom = (name: string, type: FakeProperty['type'] = 'string', fieldType = 'text'): FakeProperty => ({ name, label: name, type, fieldType, groupName: 'callinformation', description: '', options: [], custom: true, createdAt: new Date(clock.now()).toISOString() });
  for (const name of opts.customCallProperties ?? ['centralita_record_id']) callStore.props.set(name, custom(name));
  const stores = { calls: callStore, contacts: contactStore } as const;

  const associations: FakeAssociation[] = [];
  const requests: FakeRequestLog[] = [];
  let nextId = 1000;
  let general: number[] = [];
  let search: number[] = [];
  let day = '';
  let dayCount = 0;
  const faults: { f: Fault; left: number }[] = [];
  let outage = false;
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();

  function makeObject(store: ObjectStore, properties: Record<string, string>, createdAt: number): FakeObject {
    const id = String(nextId++);
    const o: FakeObject = { id, properties: { ...properties, hs_object_id: id }, createdAt, updatedAt: createdAt, indexedAt: createdAt + lag };
    if (store === callStore) { o.properties.hs_createdate = new Date(createdAt).toISOString(); o.properties.hs_lastmodifieddate = o.properties.hs_createdate; }
    store.put(o);
    return o;
  }

  function addContact(properties: Record<string, string>, o: { createdAt?: number; lastActivityAt?: number } = {}): string {
    const now = o.createdAt ?? clock.now();
    const p: Record<string, string> = { ...properties, createdate: new Date(now).toISOString(), lastmodifieddate: new Date(o.lastActivityAt ?? now).toISOString() };
    if (o.lastActivityAt) p.notes_last_contacted = new Date(o.lastActivityAt).toISOString();
    calculatePhones(p, country);
    const obj = makeObject(contactStore, p, now);
    obj.indexedAt = now; // seeded contacts are already indexed
    return obj.id;
  }

  // ---- limits ----
  function rollDay(now: number) {
    const d = DateTime.fromMillis(now, { zone: portal.timeZone }).toISODate()!;
    if (d !== day) { day = d; dayCount = 0; }
  }
  function rateHeaders(now: number): Record<string, string> {
    general = general.filter((t) => t > now - limits.general.windowMs);
    return {
      'X-HubSpot-RateLimit-Max': String(limits.general.max),
      'X-HubSpot-RateLimit-Remaining': String(Math.max(0, limits.general.max - general.length)),
      'X-HubSpot-RateLimit-Interval-Milliseconds': String(limits.general.windowMs),
      'X-HubSpot-RateLimit-Daily': String(limits.daily),
      'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(0, limits.daily - dayCount)),
    };
  }
  const limitedBody = (policyName: string, message: string) => ({ status: 'error', message, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName, groupName: `publicapi:app-api-${portal.portalId}`, category: 'RATE_LIMITS' });
  const POLICY_MESSAGES = { DAILY: 'You have reached your daily limit.', TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.', SECONDLY: 'You have reached your secondly limit.' } as const;

  /** A 429 (no Retry-After, as HubSpot) when over a limit; otherwise the request is counted. */
  function admit(now: number, kind: FakeRequestLog['kind']): { body: unknown; headers: Record<string, string> } | undefined {
    rollDay(now);
    general = general.filter((t) => t > now - limits.general.windowMs);
    search = search.filter((t) => t > now - limits.search.windowMs);
    const headers = kind === 'search' ? {} : rateHeaders(now);
    if (dayCount >= limits.daily) return { body: limitedBody('DAILY', POLICY_MESSAGES.DAILY), headers };
    if (kind === 'general' && general.length >= limits.general.max) return { body: limitedBody('TEN_SECONDLY_ROLLING', POLICY_MESSAGES.TEN_SECONDLY_ROLLING), headers };
    if (kind === 'search' && search.length >= limits.search.max) return { body: limitedBody('SECONDLY', POLICY_MESSAGES.SECONDLY), headers };
    if (kind === 'general') general.push(now);
    if (kind === 'search') search.push(now);
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

  // ---- batch writes ----
  type Input = { id?: string; properties?: Record<string, unknown>; associations?: { to?: { id?: string }; types?: { associationCategory?: string; associationTypeId?: number }[] }[] };
  const asInputs = (body: Record<string, unknown>, max: number): Input[] => {
    const inputs = body.inputs as Input[] | undefined;
    if (!Array.isArray(inputs) || inputs.length === 0) throw new HttpError(400, 'VALIDATION_ERROR', 'inputs must be a non-empty array');
    if (inputs.length > max) throw new HttpError(400, 'VALIDATION_ERROR', `Batch input is limited to ${max} inputs (got ${inputs.length}).`);
    return inputs;
  };
  const toPublic = (o: FakeObject) => ({ id: o.id, properties: { ...o.properties }, createdAt: new Date(o.createdAt).toISOString(), updatedAt: new Date(o.updatedAt).toISOString(), archived: false });
  const batchResponse = (now: number, results: unknown[], errors: unknown[]) => ({
    status: 'COMPLETE', results, startedAt: new Date(now).toISOString(), completedAt: new Date(now).toISOString(),
    ...(errors.length ? { numErrors: errors.length, errors } : {}),
  });

  function associationProblems(input: Input): PropertyProblem[] {
    const out: PropertyProblem[] = [];
    for (const a of input.associations ?? []) {
      if (!a.types?.length) out.push({ isValid: false, name: 'associations', error: 'INVALID_ASSOCIATION_TYPE', message: 'association without types' });
      for (const t of a.types ?? []) {
        if (t.associationCategory !== 'HUBSPOT_DEFINED' || t.associationTypeId !== 194) out.push({ isValid: false, name: 'associations', error: 'INVALID_ASSOCIATION_TYPE', message: `invalid association type ${t.associationCategory}/${t.associationTypeId} from calls to contacts (expected HUBSPOT_DEFINED/194)` });
      }
      if (!a.to?.id || !contactStore.all.has(String(a.to.id))) out.push({ isValid: false, name: 'associations', error: 'INVALID_OBJECT_IDS', message: `contact ${a.to?.id} does not exist` });
    }
    return out;
  }

  function batchCreate(object: 'calls' | 'contacts', body: Record<string, unknown>, now: number, partial?: Extract<Fault, { kind: 'partial' }>) {
    const store = stores[object];
    const inputs = asInputs(body, BATCH_LIMITS.objectsCreate);
    const refused = new Set(partial ? inputs.flatMap((x, i) => (partial.refuse(x as Record<string, unknown>, i) ? [i] : [])) : []);
    // All or nothing: every input is checked before any object is created.
    const problems = inputs.flatMap((input, i) => (refused.has(i) ? [] : [...checkValues(store, input.properties ?? {}, { owners }), ...(object === 'calls' ? associationProblems(input) : [])]));
    if (object === 'calls') for (const [i, input] of inputs.entries()) if (!refused.has(i) && !input.properties?.hs_timestamp) problems.push({ isValid: false, name: 'hs_timestamp', error: 'REQUIRED_PROPERTY', message: 'hs_timestamp is required' });
    if (problems.length) throw validationError(problems);
    const created = inputs.flatMap((input, i) => {
      if (refused.has(i)) return [];
      const props = Object.fromEntries(Object.entries(input.properties ?? {}).map(([k, v]) => [k, String(v)]));
      if (object === 'contacts') {
        props.createdate = new Date(now).toISOString();
        props.lastmodifieddate = props.createdate;
        calculatePhones(props, country);
        return [makeObject(contactStore, props, now)];
      }
      const o = makeObject(callStore, props, now);
      for (const a of input.associations ?? []) for (const t of a.types ?? []) associations.push({ fromCall: o.id, toContact: String(a.to!.id), category: t.associationCategory!, typeId: t.associationTypeId! });
      return [o];
    });
    const results = created.map(toPublic);
    if (shuffle) results.reverse(); // HubSpot does not promise input order in batch results
    const errors = [...refused].map((i) => standardError(`input ${i} was refused`, 'VALIDATION_ERROR', { index: [String(i)] }));
    return { status: refused.size ? 207 : 201, body: batchResponse(now, results, errors) };
  }

  function batchUpdate(body: Record<string, unknown>, now: number, partial?: Extract<Fault, { kind: 'partial' }>) {
    const inputs = asInputs(body, BATCH_LIMITS.objectsUpdate);
    const problems = inputs.flatMap((input) => checkValues(callStore, input.properties ?? {}, { owners }));
    if (problems.length) throw validationError(problems);
    const errors: unknown[] = [];
    const results: unknown[] = [];
    inputs.forEach((input, i) => {
      const o = callStore.all.get(String(input.id));
      if (!o || partial?.refuse(input as Record<string, unknown>, i)) { errors.push(standardError(`Object ${String(input.id)} could not be updated`, o ? 'VALIDATION_ERROR' : 'OBJECT_NOT_FOUND', { ids: [String(input.id)] }, o ? '400' : '404')); return; }
      callStore.update(o, Object.fromEntries(Object.entries(input.properties ?? {}).map(([k, v]) => [k, String(v)])), now);
      results.push(toPublic(o));
    });
    if (!results.length) throw new HttpError(400, 'VALIDATION_ERROR', 'No input could be updated', { errors });
    return { status: errors.length ? 207 : 200, body: batchResponse(now, results, errors) };
  }

  function associateBatch(body: Record<string, unknown>, now: number, partial?: Extract<Fault, { kind: 'partial' }>) {
    const inputs = asInputs(body, BATCH_LIMITS.associationsCreate) as { from?: { id?: string }; to?: { id?: string }; types?: { associationCategory?: string; associationTypeId?: number }[] }[];
    const results: unknown[] = [];
    const errors: unknown[] = [];
    inputs.forEach((a, i) => {
      const from = String(a.from?.id);
      const to = String(a.to?.id);
      const typeOk = !!a.types?.length && a.types.every((t) => t.associationCategory === 'HUBSPOT_DEFINED' && t.associationTypeId === 194);
      if (!typeOk) { errors.push(standardError(`input ${i}: invalid association type (calls to contacts is HUBSPOT_DEFINED/194)`, 'VALIDATION_ERROR', { fromObjectId: [from], toObjectId: [to] })); return; }
      if (!callStore.all.has(from) || !contactStore.all.has(to) || partial?.refuse(a as Record<string, unknown>, i)) { errors.push(standardError(`input ${i}: object does not exist or cannot be associated`, 'VALIDATION_ERROR', { fromObjectId: [from], toObjectId: [to] })); return; }
      // Associating twice is a no-op: one association per (call, contact, type).
      if (!associations.some((x) => x.fromCall === from && x.toContact === to && x.typeId === 194)) associations.push({ fromCall: from, toContact: to, category: 'HUBSPOT_DEFINED', typeId: 194 });
      results.push({ fromObjectTypeId: '0-48', fromObjectId: from, toObjectTypeId: '0-1', toObjectId: to, labels: [] });
    });
    if (!results.length) throw new HttpError(400, 'VALIDATION_ERROR', `Association inputs were not valid (${errors.length} refused)`, { errors: errors.map((e) => (e as { errors: unknown[] }).errors[0]) });
    return { status: errors.length ? 207 : 201, body: batchResponse(now, results, errors) };
  }

  // ---- properties, account ----
  const propertyOut = (p: FakeProperty) => ({
    name: p.name, label: p.label, type: p.type, fieldType: p.fieldType, groupName: p.groupName, description: p.description, options: p.options,
    displayOrder: -1, calculated: !!p.calculated, externalOptions: !!p.externalOptions, hasUniqueValue: !!p.hasUniqueValue, hidden: !!p.hidden, formField: false, archived: false,
    hubspotDefined: !p.custom, ...(p.createdAt ? { createdAt: p.createdAt } : {}),
    modificationMetadata: { archivable: !!p.custom, readOnlyDefinition: !p.custom, readOnlyValue: !!(p.readOnly || p.calculated) },
  });
  const objectStore = (t: string) => (t === 'calls' || t === '0-48' ? callStore : t === 'contacts' || t === '0-1' ? contactStore : undefined);
  function createProperty(t: string, body: Record<string, unknown>) {
    const store = objectStore(t);
    if (!store) throw new HttpError(400, 'VALIDATION_ERROR', `Unknown object type ${t}`);
    const name = String(body.name ?? '');
    for (const k of ['name', 'label', 'type', 'fieldType', 'groupName']) if (!body[k]) throw new HttpError(400, 'VALIDATION_ERROR', `${k} is required`);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new HttpError(400, 'VALIDATION_ERROR', `Invalid property name ${name}`);
    if (store.props.has(name)) throw new HttpError(409, 'OBJECT_ALREADY_EXISTS', `A property named '${name}' already exists.`);
    if (!['string', 'number', 'datetime', 'date', 'enumeration', 'bool'].includes(String(body.type))) throw new HttpError(400, 'VALIDATION_ERROR', `Invalid type ${String(body.type)}`);
    if (body.groupName !== 'callinformation' && store === callStore) throw new HttpError(400, 'VALIDATION_ERROR', `Property group ${String(body.groupName)} does not exist`);
    const p: FakeProperty = { name, label: String(body.label), type: body.type as FakeProperty['type'], fieldType: String(body.fieldType), groupName: String(body.groupName), description: String(body.description ?? ''), options: (body.options as FakeProperty['options'] | undefined) ?? [], hasUniqueValue: !!body.hasUniqueValue, custom: true, createdAt: new Date(clock.now()).toISOString() };
    store.props.set(name, p);
    return propertyOut(p);
  }

  type Route = { op: OperationKey | 'POST /oauth/v2/private-apps/get/access-token-info'; kind: FakeRequestLog['kind']; run: (m: RegExpMatchArray, body: Record<string, unknown>, raw: string, now: number, f?: Fault) => { status: number; body: unknown } };
  const ROUTES: [string, RegExp, Route][] = [
    ['POST', /^\/crm\/v3\/objects\/(contacts|calls)\/search$/, { op: 'POST /crm/v3/objects/contacts/search', kind: 'search', run: (m, b, raw, now) => {
      const store = stores[m[1] as 'calls' | 'contacts'];
      try { validateSearch(raw, b, store.props); } catch (e) { if (e instanceof SearchError) throw new HttpError(400, 'VALIDATION_ERROR', e.message, e.errors.length ? { errors: e.errors } : {}); throw e; }
      return { status: 200, body: runSearch(store.all, store.index, b, store.props, now) };
    } }],
    ['POST', /^\/crm\/v3\/objects\/(contacts|calls)\/batch\/create$/, { op: 'POST /crm/v3/objects/calls/batch/create', kind: 'general', run: (m, b, _r, now, f) => batchCreate(m[1] as 'calls' | 'contacts', b, now, f?.kind === 'partial' ? f : undefined) }],
    ['POST', /^\/crm\/v3\/objects\/calls\/batch\/update$/, { op: 'POST /crm/v3/objects/calls/batch/update', kind: 'general', run: (_m, b, _r, now, f) => batchUpdate(b, now, f?.kind === 'partial' ? f : undefined) }],
    ['POST', /^\/crm\/v4\/associations\/calls\/contacts\/batch\/create$/, { op: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create', kind: 'exempt', run: (_m, b, _r, now, f) => associateBatch(b, now, f?.kind === 'partial' ? f : undefined) }],
    ['GET', /^\/crm\/v3\/properties\/([^/]+)\/groups$/, { op: 'GET /crm/v3/properties/{objectType}/groups', kind: 'general', run: (m) => {
      if (!objectStore(m[1]!)) throw new HttpError(400, 'VALIDATION_ERROR', `Unknown object type ${m[1]}`);
      return { status: 200, body: { results: [{ name: m[1] === 'calls' ? 'callinformation' : 'contactinformation', label: 'Information', displayOrder: 0, archived: false }] } };
    } }],
    ['GET', /^\/crm\/v3\/properties\/([^/]+)$/, { op: 'GET /crm/v3/properties/{objectType}', kind: 'general', run: (m) => {
      const store = objectStore(m[1]!);
      if (!store) throw new HttpError(400, 'VALIDATION_ERROR', `Unknown object type ${m[1]}`);
      return { status: 200, body: { results: [...store.props.values()].map(propertyOut) } };
    } }],
    ['GET', /^\/crm\/v3\/properties\/([^/]+)\/([^/]+)$/, { op: 'GET /crm/v3/properties/{objectType}/{propertyName}', kind: 'general', run: (m) => {
      const p = objectStore(m[1]!)?.props.get(m[2]!);
      if (!p) throw new HttpError(404, 'OBJECT_NOT_FOUND', `Unable to find property ${m[2]} for object type ${m[1]}`);
      return { status: 200, body: propertyOut(p) };
    } }],
    ['POST', /^\/crm\/v3\/properties\/([^/]+)$/, { op: 'POST /crm/v3/properties/{objectType}', kind: 'general', run: (m, b) => ({ status: 201, body: createProperty(m[1]!, b) }) }],
    ['GET', /^\/account-info\/v3\/details$/, { op: 'GET /account-info/v3/details', kind: 'general', run: (_m, _b, _r, now) => {
      const offset = DateTime.fromMillis(now, { zone: portal.timeZone }).offset;
      return { status: 200, body: { portalId: portal.portalId, accountType: 'STANDARD', timeZone: portal.timeZone, companyCurrency: 'COP', additionalCurrencies: [], utcOffset: DateTime.fromMillis(now, { zone: portal.timeZone }).toFormat('ZZ'), utcOffsetMilliseconds: offset * 60_000, uiDomain: portal.uiDomain, dataHostingLocation: 'na1' } };
    } }],
    // Not in the spec collection; documented on HubSpot's private apps page.
    ['POST', /^\/oauth\/v2\/private-apps\/get\/access-token-info$/, { op: 'POST /oauth/v2/private-apps/get/access-token-info', kind: 'general', run: (_m, b) => {
      if (b.tokenKey !== token) throw new HttpError(400, 'BAD_REQUEST', 'Invalid token key');
      return { status: 200, body: { userId: 1, hubId: portal.portalId, appId: 2, scopes: [...scopes].sort() } };
    } }],
  ];

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, reqBody?: unknown) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (record) appendFileSync(record, JSON.stringify({ method: req.method, path: (req.url ?? '').split('?')[0], body: reqBody, status, response: typeof body === 'string' ? undefined : body }) + '\n');
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
  const error = (status: number, category: string, message: string) => ({ status: 'error', message, correlationId: randomUUID(), category });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (outage) { req.socket.destroy(); return; }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0]!;
    const now = clock.now();
    const hit = ROUTES.find(([method, re]) => method === req.method && re.test(path));
    const route = hit?.[2];
    const match = hit ? path.match(hit[1])! : undefined;
    const log = (status: number) => { requests.push({ at: now, method: req.method ?? 'GET', path, status, kind: route?.kind ?? 'general', bodyChars: raw.length }); };
    let body: Record<string, unknown> = {};
    let parsed = true;
    try { body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {}; } catch { parsed = false; }
    const reply = (status: number, b: unknown, headers: Record<string, string> = {}) => { log(status); send(req, res, status, b, headers, parsed ? (raw ? body : undefined) : raw); };
    const tokenInfo = route?.op === 'POST /oauth/v2/private-apps/get/access-token-info';
    if (!tokenInfo && req.headers.authorization !== `Bearer ${token}`) {
      return reply(401, error(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'));
    }
    if (!route || !match) return reply(404, error(404, 'OBJECT_NOT_FOUND', `Unable to route ${req.method} ${path} (fake HubSpot)`));
    if (!tokenInfo) {
      const need = OPERATIONS[route.op as OperationKey].scopes as readonly string[];
      if (!need.some((s) => scopes.has(s))) {
        return reply(403, { ...error(403, 'MISSING_SCOPES', "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes."), errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [...need] } }], links: { scopes: 'https://developers.hubspot.com/scopes' } });
      }
    }
    const fault = takeFault(path);
    if (fault?.kind === 'status') {
      const known = STATUS_TEXT[fault.status];
      const retry = fault.retryAfterSec ?? (fault.status === 477 ? 30 : undefined);
      if (fault.status === 502 || fault.status === 504) return reply(fault.status, `<html><body><h1>${fault.status} ${fault.status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}</h1></body></html>`);
      return reply(fault.status, error(fault.status, known?.category ?? 'INTERNAL_ERROR', known?.message ?? 'internal error'), retry !== undefined ? { 'Retry-After': String(retry) } : {});
    }
    if (fault?.kind === 'hang' && fault.when === 'before') { log(0); hung.add(res); return; }
    const kind = route.kind === 'general' && !tokenInfo && exemptFromTenSecondly(route.op as OperationKey) ? 'exempt' : route.kind;
    if (fault?.kind === 'rate-limit') {
      const policy = fault.policy ?? 'TEN_SECONDLY_ROLLING';
      return reply(429, limitedBody(policy, POLICY_MESSAGES[policy]), kind === 'search' ? {} : rateHeaders(now));
    }
    const limited = admit(now, kind);
    if (limited) return reply(429, limited.body, limited.headers);
    if (!parsed) return reply(400, error(400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1'));
    try {
      const out = route.run(match, body, raw, now, fault);
      if (fault?.kind === 'hang') { log(0); hung.add(res); return; } // applied, but the client never hears back
      if (fault?.kind === 'status-after') return reply(fault.status, error(fault.status, 'INTERNAL_ERROR', 'internal error'));
      reply(out.status, out.body, kind === 'search' ? {} : rateHeaders(now));
    } catch (err) {
      if (err instanceof HttpError) return reply(err.status, err.body, kind === 'search' ? {} : rateHeaders(now));
      reply(500, error(500, 'INTERNAL_ERROR', String(err)));
    }
  }

  const server = createServer((req, res) => { handle(req, res).catch((err) => { try { res.writeHead(500); res.end(String(err)); } catch { /* socket gone */ } }); });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    contacts: contactStore.all, calls: callStore.all, associations, requests, callProperties: callStore.props,
    addContact,
    callsByMarker(property = 'centralita_record_id') {
      const m = new Map<string, string[]>();
      for (const c of callStore.all.values()) {
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
