// The fake must be as strict as HubSpot, or the other tests prove nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot-server.ts';

let fake: FakeHubspot | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

async function post(path: string, body: unknown, token = 'test-token') {
  const res = await fetch(`${fake!.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
const call = (props: Record<string, string> = {}, associations: unknown[] = []) => ({ properties: { hs_timestamp: '2026-11-20T15:00:00Z', hs_call_direction: 'INBOUND', ...props }, associations });

describe('fake HubSpot', () => {
  it('401 without the right bearer token, in HubSpot\'s error shape', async () => {
    fake = await startFakeHubspot();
    const r = await post('/crm/v3/objects/calls/batch/create', { inputs: [call()] }, 'wrong');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', correlationId: expect.any(String) });
  });

  it('400 VALIDATION_ERROR for unknown properties, bad enum values and bad association types; nothing created', async () => {
    fake = await startFakeHubspot();
    const contact = fake.addContact({ phone: '3001234567' });
    for (const input of [
      call({ hs_call_mood: 'happy' }),
      call({ hs_call_direction: 'SIDEWAYS' }),
      call({ hs_call_disposition: '00000000-0000-0000-0000-000000000000' }),
      call({}, [{ to: { id: contact }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] }]),
      call({}, [{ to: { id: '999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }]),
    ]) {
      const r = await post('/crm/v3/objects/calls/batch/create', { inputs: [call(), input] });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: expect.any(String), correlationId: expect.any(String), errors: expect.any(Array) });
    }
    expect(fake.calls.size).toBe(0);
    expect((await post('/crm/v3/objects/calls/batch/create', { inputs: Array.from({ length: 101 }, () => call()) })).status).toBe(400);
  });

  it('enforces search limits: groups, IN size, page size and the 10,000-result window', async () => {
    fake = await startFakeHubspot({ limits: { general: { max: 1000, windowMs: 10_000 }, search: { max: 1000, windowMs: 1_000 }, daily: 1e6 } });
    const g = { filters: [{ propertyName: 'phone', operator: 'EQ', value: '1' }] };
    expect((await post('/crm/v3/objects/contacts/search', { filterGroups: [g, g, g, g, g, g] })).status).toBe(400);
    expect((await post('/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'IN', values: Array.from({ length: 101 }, (_, i) => String(i)) }] }] })).status).toBe(400);
    expect((await post('/crm/v3/objects/contacts/search', { filterGroups: [g], limit: 201 })).status).toBe(400);
    expect((await post('/crm/v3/objects/contacts/search', { filterGroups: [g], limit: 100, after: '9950' })).status).toBe(400);
    expect((await post('/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: '1' }] }] })).status).toBe(400);
    for (let i = 0; i < 5; i++) fake.addContact({ phone: `+57300123456${i}` });
    const page1 = await post('/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'IN', values: ['3001234560', '3001234561', '3001234562'] }] }], limit: 2, properties: ['phone'] });
    expect(page1.body).toMatchObject({ total: 3, paging: { next: { after: '2' } } });
    expect((page1.body.results as unknown[]).length).toBe(2);
  });

  it('answers 429 with the rate-limit headers once the rolling window is full, and the search limit separately', async () => {
    fake = await startFakeHubspot({ limits: { general: { max: 3, windowMs: 10_000 }, search: { max: 2, windowMs: 1_000 }, daily: 1e6 } });
    const search = { filterGroups: [], limit: 1 };
    expect((await post('/crm/v3/objects/contacts/search', search)).status).toBe(200);
    expect((await post('/crm/v3/objects/contacts/search', search)).status).toBe(200);
    const s = await post('/crm/v3/objects/contacts/search', search);
    expect(s.status).toBe(429);
    expect(s.body).toMatchObject({ category: 'RATE_LIMITS', message: 'You have reached your secondly limit.' });
    expect((await post('/crm/v3/objects/calls/batch/create', { inputs: [call()] })).status).toBe(201);
    const g = await post('/crm/v3/objects/calls/batch/create', { inputs: [call()] });
    expect(g.status).toBe(429);
    expect(g.body).toMatchObject({ status: 'error', category: 'RATE_LIMITS', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(g.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(g.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(g.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(Number(g.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('calculates the searchable phone properties and hides new objects from search until indexed', async () => {
    let now = 1_000_000;
    fake = await startFakeHubspot({ searchIndexLagMs: 5_000, clock: { now: () => now } });
    await post('/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { phone: '(300) 123-4567' } }] });
    const q = { filterGroups: [{ filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ', value: '3001234567' }] }], properties: ['hs_calculated_phone_number'] };
    expect((await post('/crm/v3/objects/contacts/search', q)).body.total).toBe(0);
    now += 5_000;
    const r = await post('/crm/v3/objects/contacts/search', q);
    expect(r.body.total).toBe(1);
    expect((r.body.results as { properties: Record<string, string> }[])[0]!.properties.hs_calculated_phone_number).toBe('+573001234567');
  });
});
