// The fake must be as strict as HubSpot, or the other tests prove nothing. Each behaviour here
// is HubSpot's documented or specified one (api-facts.ts; `npm run hubspot:spec-check` checks
// requests and answers against the public OpenAPI specs).
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot-server.ts';

let fake: FakeHubspot | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

async function req(method: string, path: string, body?: unknown, token = 'test-token') {
  const res = await fetch(`${fake!.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = JSON.parse(text); } catch { /* HTML error page */ }
  return { status: res.status, headers: res.headers, body: parsed as Record<string, unknown> };
}
const post = (path: string, body: unknown, token?: string) => req('POST', path, body, token);
const call = (props: Record<string, string> = {}, associations: unknown[] = []) => ({ properties: { hs_timestamp: '2026-11-20T15:00:00Z', hs_call_direction: 'INBOUND', ...props }, associations });
const SEARCH = '/crm/v3/objects/contacts/search';
const CREATE = '/crm/v3/objects/calls/batch/create';
const ASSOC = '/crm/v4/associations/calls/contacts/batch/create';
const search = (filterGroups: unknown[], extra: Record<string, unknown> = {}) => ({ filterGroups, properties: ['phone'], limit: 100, after: '0', sorts: [], ...extra });
const eq = (propertyName: string, value: string) => ({ filters: [{ propertyName, operator: 'EQ', value }] });
const roomy = { general: { max: 10_000, windowMs: 10_000 }, search: { max: 10_000, windowMs: 1_000 }, daily: 1e9 };

describe('fake HubSpot: auth and scopes', () => {
  it("401 without the right bearer token, in HubSpot's error shape", async () => {
    fake = await startFakeHubspot();
    const r = await post(CREATE, { inputs: [call()] }, 'wrong');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', correlationId: expect.any(String) });
  });

  it('403 MISSING_SCOPES for an operation the token has no scope for; token info lists the scopes', async () => {
    fake = await startFakeHubspot({ scopes: ['crm.objects.contacts.read'] });
    expect((await post(SEARCH, search([]))).status).toBe(200);
    const r = await post(CREATE, { inputs: [call()] });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['crm.objects.contacts.write'] } }] });
    expect((await post('/oauth/v2/private-apps/get/access-token-info', { tokenKey: 'test-token' })).body).toMatchObject({ hubId: expect.any(Number), scopes: ['crm.objects.contacts.read', 'oauth'] });
  });
});

describe('fake HubSpot: batch writes', () => {
  it("400 VALIDATION_ERROR in HubSpot's message shape for unknown or read-only properties, bad options and association types; nothing created", async () => {
    fake = await startFakeHubspot();
    const contact = fake.addContact({ phone: '3001234567' });
    for (const [input, error] of [
      [call({ hs_call_mood: 'happy' }), 'PROPERTY_DOESNT_EXIST'],
      [call({ hs_createdate: '2026-01-01T00:00:00Z' }), 'READ_ONLY_VALUE'],
      [call({ hs_call_direction: 'SIDEWAYS' }), 'INVALID_OPTION'],
      [call({ hs_call_disposition: '00000000-0000-0000-0000-000000000000' }), 'INVALID_OPTION'],
      [call({ hs_call_has_voicemail: 'yes' }), 'INVALID_BOOLEAN'],
      [call({ hs_call_body: 'x'.repeat(65_537) }), 'INVALID_LENGTH'],
      [call({}, [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] }]), 'INVALID_ASSOCIATION_TYPE'],
      [call({}, [{ to: { id: '999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }]), 'INVALID_OBJECT_IDS'],
    ] as const) {
      const r = await post(CREATE, { inputs: [call(), input] });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
      const problems = JSON.parse(String(r.body.message).replace(/^Property values were not valid: /, '')) as { error: string }[];
      expect(problems.map((p) => p.error)).toContain(error);
    }
    expect(fake.calls.size).toBe(0);
    expect((await post(CREATE, { inputs: Array.from({ length: 101 }, () => call()) })).status).toBe(400);
  });

  it('accepts the real calls properties, not a short whitelist (voicemail flag, source, external id…)', async () => {
    fake = await startFakeHubspot();
    const r = await post(CREATE, { inputs: [call({ hs_call_status: 'MISSED', hs_call_has_voicemail: 'true', hs_call_source: 'INTEGRATIONS_PLATFORM', hs_call_external_id: 'x-1', hs_call_recording_duration: '35000' })] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'COMPLETE', results: [{ properties: { hs_call_has_voicemail: 'true' } }] });
  });

  it('207 on demand: the refused inputs come back as errors, the others are created', async () => {
    fake = await startFakeHubspot();
    fake.fault({ kind: 'partial', paths: [CREATE], refuse: (_x, i) => i === 1 });
    const r = await post(CREATE, { inputs: [call({ hs_call_title: 'a' }), call({ hs_call_title: 'b' }), call({ hs_call_title: 'c' })] });
    expect(r.status).toBe(207);
    expect(r.body).toMatchObject({ status: 'COMPLETE', numErrors: 1, errors: [{ status: '400', category: 'VALIDATION_ERROR', context: { index: ['1'] } }] });
    expect([...fake.calls.values()].map((c) => c.properties.hs_call_title).sort()).toEqual(['a', 'c']);
  });

  it('v4 association batches take 2,000 inputs; some refused → 207, all refused → 400', async () => {
    fake = await startFakeHubspot();
    const contact = fake.addContact({ phone: '3001234567' });
    await post(CREATE, { inputs: [call()] });
    const callId = [...fake.calls.keys()][0]!;
    const pair = (from: string) => ({ from: { id: from }, to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] });
    expect((await post(ASSOC, { inputs: Array.from({ length: 2000 }, () => pair(callId)) })).status).toBe(201);
    expect((await post(ASSOC, { inputs: Array.from({ length: 2001 }, () => pair(callId)) })).status).toBe(400);
    const mixed = await post(ASSOC, { inputs: [pair(callId), pair('424242')] });
    expect(mixed.status).toBe(207);
    expect(mixed.body).toMatchObject({ results: [{ fromObjectId: callId, toObjectId: contact }], errors: [{ context: { fromObjectId: ['424242'] } }] });
    expect((await post(ASSOC, { inputs: [pair('424242')] })).status).toBe(400);
    expect(fake.associations).toHaveLength(1); // associating twice is a no-op
  });
});

describe('fake HubSpot: search', () => {
  it('enforces the documented limits: 3,000-character bodies, 5 groups, 6 filters per group, 18 in all, page size, 10,000 results', async () => {
    fake = await startFakeHubspot({ limits: roomy });
    const g = eq('phone', '1');
    expect((await post(SEARCH, search([{ filters: [{ propertyName: 'phone', operator: 'IN', values: Array.from({ length: 300 }, (_, i) => String(3_000_000_000 + i)) }] }]))).status).toBe(400);
    expect((await post(SEARCH, search([g, g, g, g, g, g]))).status).toBe(400);
    const six = { filters: Array.from({ length: 6 }, () => g.filters[0]) };
    expect((await post(SEARCH, search([six]))).status).toBe(200);
    expect((await post(SEARCH, search([{ filters: [...six.filters, g.filters[0]] }]))).status).toBe(400);
    expect((await post(SEARCH, search([six, six, six]))).status).toBe(200); // 18 filters
    expect((await post(SEARCH, search([six, six, six, g]))).status).toBe(400); // 19
    expect((await post(SEARCH, search([g], { limit: 201 }))).status).toBe(400);
    expect((await post(SEARCH, search([g], { limit: 100, after: '9950' }))).status).toBe(400);
    expect((await post(SEARCH, search([eq('nope', '1')]))).body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [{ code: 'PROPERTY_DOESNT_EXIST' }] });
    for (let i = 0; i < 5; i++) fake.addContact({ phone: `+57300123456${i}` });
    const page1 = await post(SEARCH, { ...search([{ filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'IN', values: ['3001234560', '3001234561', '3001234562'] }] }]), limit: 2 });
    expect(page1.body).toMatchObject({ total: 3, paging: { next: { after: '2' } } });
  });

  it('IN on a string property matches lower-case values only; EQ ignores case', async () => {
    fake = await startFakeHubspot({ limits: roomy });
    await post(CREATE, { inputs: [call({ centralita_record_id: 'cr-cmp-Cobranza-Nov-1' })] });
    const byIn = async (v: string) => (await post('/crm/v3/objects/calls/search', search([{ filters: [{ propertyName: 'centralita_record_id', operator: 'IN', values: [v] }] }], { properties: ['centralita_record_id'] }))).body.total;
    expect(await byIn('cr-cmp-Cobranza-Nov-1')).toBe(0);
    expect(await byIn('cr-cmp-cobranza-nov-1')).toBe(1);
    expect((await post('/crm/v3/objects/calls/search', search([eq('centralita_record_id', 'CR-CMP-COBRANZA-NOV-1')]))).body.total).toBe(1);
  });

  it('implements all 13 operators', async () => {
    fake = await startFakeHubspot({ limits: roomy });
    const ids = [
      fake.addContact({ firstname: 'Ana María', phone: '3001111111', lifecyclestage: 'lead' }, { createdAt: Date.parse('2026-01-01') }),
      fake.addContact({ firstname: 'Bruno', lifecyclestage: 'customer' }, { createdAt: Date.parse('2026-02-01') }),
      fake.addContact({ firstname: 'Carla', phone: '3003333333' }, { createdAt: Date.parse('2026-03-01') }),
    ];
    const run = async (f: Record<string, unknown>) => ((await post(SEARCH, search([{ filters: [f] }]))).body.results as { id: string }[]).map((r) => r.id);
    const d = (s: string) => String(Date.parse(s));
    expect(await run({ propertyName: 'firstname', operator: 'EQ', value: 'bruno' })).toEqual([ids[1]]);
    expect(await run({ propertyName: 'firstname', operator: 'NEQ', value: 'Bruno' })).toEqual([ids[0], ids[2]]);
    expect(await run({ propertyName: 'createdate', operator: 'LT', value: d('2026-02-01') })).toEqual([ids[0]]);
    expect(await run({ propertyName: 'createdate', operator: 'LTE', value: d('2026-02-01') })).toEqual([ids[0], ids[1]]);
    expect(await run({ propertyName: 'createdate', operator: 'GT', value: d('2026-02-01') })).toEqual([ids[2]]);
    expect(await run({ propertyName: 'createdate', operator: 'GTE', value: d('2026-02-01') })).toEqual([ids[1], ids[2]]);
    expect(await run({ propertyName: 'createdate', operator: 'BETWEEN', value: d('2026-01-15'), highValue: d('2026-03-15') })).toEqual([ids[1], ids[2]]);
    expect(await run({ propertyName: 'lifecyclestage', operator: 'IN', values: ['lead', 'customer'] })).toEqual([ids[0], ids[1]]);
    expect(await run({ propertyName: 'lifecyclestage', operator: 'NOT_IN', values: ['lead'] })).toEqual([ids[1], ids[2]]);
    expect(await run({ propertyName: 'phone', operator: 'HAS_PROPERTY' })).toEqual([ids[0], ids[2]]);
    expect(await run({ propertyName: 'phone', operator: 'NOT_HAS_PROPERTY' })).toEqual([ids[1]]);
    expect(await run({ propertyName: 'firstname', operator: 'CONTAINS_TOKEN', value: 'maría' })).toEqual([ids[0]]);
    expect(await run({ propertyName: 'firstname', operator: 'CONTAINS_TOKEN', value: 'car*' })).toEqual([ids[2]]);
    expect(await run({ propertyName: 'firstname', operator: 'NOT_CONTAINS_TOKEN', value: 'ana' })).toEqual([ids[1], ids[2]]);
  });

  it('calculates the searchable phone properties and hides new objects from search until indexed', async () => {
    let now = 1_000_000;
    fake = await startFakeHubspot({ searchIndexLagMs: 5_000, clock: { now: () => now } });
    await post('/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { phone: '(300) 123-4567' }, associations: [] }] });
    const q = search([eq('hs_searchable_calculated_phone_number', '3001234567')], { properties: ['hs_calculated_phone_number'] });
    expect((await post(SEARCH, q)).body.total).toBe(0);
    now += 5_000;
    const r = await post(SEARCH, q);
    expect(r.body.total).toBe(1);
    expect((r.body.results as { properties: Record<string, string> }[])[0]!.properties.hs_calculated_phone_number).toBe('+573001234567');
  });
});

describe('fake HubSpot: limits', () => {
  it('429 without Retry-After, with the policy in the body; searches have their own limit, no rate headers, and skip the 10-second window', async () => {
    fake = await startFakeHubspot({ limits: { general: { max: 3, windowMs: 10_000 }, search: { max: 2, windowMs: 1_000 }, daily: 1e6 } });
    for (let i = 0; i < 3; i++) expect((await post(CREATE, { inputs: [call()] })).status).toBe(201);
    const g = await post(CREATE, { inputs: [call()] });
    expect(g.status).toBe(429);
    expect(g.body).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(g.headers.get('retry-after')).toBeNull();
    expect(g.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    // The 10-second window is full, and searches still go: they are exempt from it.
    const s1 = await post(SEARCH, search([]));
    expect(s1.status).toBe(200);
    expect([...s1.headers.keys()].filter((k) => k.startsWith('x-hubspot-ratelimit'))).toEqual([]);
    expect((await post(SEARCH, search([]))).status).toBe(200);
    const s3 = await post(SEARCH, search([]));
    expect(s3.status).toBe(429);
    expect(s3.body).toMatchObject({ policyName: 'SECONDLY' });
    expect(s3.headers.get('retry-after')).toBeNull();
  });

  it("resets the daily count at midnight in the portal's time zone", async () => {
    let now = Date.parse('2026-11-21T04:30:00Z'); // 23:30 in Bogotá
    fake = await startFakeHubspot({ clock: { now: () => now }, portal: { timeZone: 'America/Bogota' }, limits: { general: { max: 100, windowMs: 10_000 }, search: { max: 5, windowMs: 1_000 }, daily: 2 } });
    await post(CREATE, { inputs: [call()] });
    await post(SEARCH, search([]));
    const r = await post(CREATE, { inputs: [call()] });
    expect(r.body).toMatchObject({ policyName: 'DAILY' });
    now = Date.parse('2026-11-21T04:59:00Z'); // still the same day in Bogotá (a UTC day began at 00:00)
    expect((await post(CREATE, { inputs: [call()] })).status).toBe(429);
    now = Date.parse('2026-11-21T05:00:01Z'); // midnight in Bogotá
    expect((await post(CREATE, { inputs: [call()] })).status).toBe(201);
  });

  it('423, 477 (with Retry-After), 502 and 504 on demand', async () => {
    fake = await startFakeHubspot();
    fake.fault({ kind: 'status', status: 423, paths: [CREATE] });
    fake.fault({ kind: 'status', status: 477, paths: [CREATE], retryAfterSec: 60 });
    fake.fault({ kind: 'status', status: 502, paths: [CREATE] });
    fake.fault({ kind: 'status', status: 504, paths: [CREATE] });
    const a = await post(CREATE, { inputs: [call()] });
    expect([a.status, a.body.category]).toEqual([423, 'LOCKED']);
    const b = await post(CREATE, { inputs: [call()] });
    expect([b.status, b.headers.get('retry-after')]).toEqual([477, '60']);
    expect((await post(CREATE, { inputs: [call()] })).status).toBe(502);
    expect((await post(CREATE, { inputs: [call()] })).status).toBe(504);
    expect(fake.calls.size).toBe(0);
    expect((await post(CREATE, { inputs: [call()] })).status).toBe(201);
  });
});

describe('fake HubSpot: properties and account', () => {
  it('serves the calls properties with their options (custom outcomes included), 404 for a missing one, and creates custom ones', async () => {
    fake = await startFakeHubspot({ customCallProperties: [], outcomes: [['f240bbac-87c9-4f6e-bf70-924b57d47db7', 'Connected'], ['0d4a8d4f-8d7e-4f6e-9a3c-2b1c0e9f7a11', 'Promesa de pago']] });
    const d = await req('GET', '/crm/v3/properties/calls/hs_call_disposition');
    expect((d.body.options as { label: string }[]).map((o) => o.label)).toEqual(['Connected', 'Promesa de pago']);
    expect((await req('GET', '/crm/v3/properties/calls/centralita_record_id')).status).toBe(404);
    const created = await post('/crm/v3/properties/calls', { name: 'centralita_record_id', label: 'x', type: 'string', fieldType: 'text', groupName: 'callinformation' });
    expect(created.status).toBe(201);
    expect((await post('/crm/v3/properties/calls', { name: 'centralita_record_id', label: 'x', type: 'string', fieldType: 'text', groupName: 'callinformation' })).status).toBe(409);
    expect((await req('GET', '/crm/v3/properties/calls/centralita_record_id')).body).toMatchObject({ type: 'string', fieldType: 'text' });
    expect((await req('GET', '/account-info/v3/details')).body).toMatchObject({ portalId: expect.any(Number), timeZone: 'America/Bogota', uiDomain: 'app.hubspot.com' });
  });
});
