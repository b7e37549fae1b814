// Contact look-ups of concurrent batches share search bodies (searches are the scarcest budget).
import { afterEach, expect, it } from 'vitest';
import { startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot-server.ts';
import { createHubspotCrm } from '../../../src/integrations/hubspot/sdk-crm.ts';
import { createMemoryBudget } from '../../../src/integrations/hubspot/budget.ts';
import { budgetLimits, parseHubspotSettings } from '../../../src/integrations/hubspot/settings.ts';

let fake: FakeHubspot | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

const SEARCH = '/crm/v3/objects/contacts/search';

async function setup() {
  fake = await startFakeHubspot({ defaultCountry: 'CO' });
  const settings = parseHubspotSettings({});
  const crm = createHubspotCrm({ baseUrl: fake.url, token: 'test-token', budget: createMemoryBudget({ limits: budgetLimits(settings) }), recordIdProperty: settings.recordIdProperty, defaultCountry: 'CO', requestTimeoutMs: 5_000, fallbackSearch: false });
  return { fake, crm };
}

const numbers = (from: number, n: number) => Array.from({ length: n }, (_, i) => `+57310${String(1_000_000 + from + i)}`);

it('two batches of 40 numbers asked at once share one search body, and each gets its own contacts', async () => {
  const { fake, crm } = await setup();
  const a = numbers(0, 40);
  const b = numbers(100, 40);
  const ids = new Map([...a, ...b].map((n) => [n, fake.addContact({ phone: n })]));
  const [fa, fb] = await Promise.all([crm.findContactsByPhone(a), crm.findContactsByPhone(b)]);
  expect(fake.count(SEARCH)).toBe(1);
  expect([...fa.keys()].sort()).toEqual([...a].sort());
  expect([...fb.keys()].sort()).toEqual([...b].sort());
  for (const [n, list] of [...fa, ...fb]) expect(list.map((c) => c.id)).toEqual([ids.get(n)]);
  expect(Math.max(...fake.requests.map((r) => r.bodyChars))).toBeLessThanOrEqual(3_000);
});

it('a shared body HubSpot refuses: each batch searches its own numbers again (split on 400), nothing lost', async () => {
  const { fake, crm } = await setup();
  const a = numbers(0, 40);
  const b = numbers(100, 40);
  for (const n of [...a, ...b]) fake.addContact({ phone: n });
  fake.fault({ kind: 'status', status: 400, paths: [SEARCH] });
  const [fa, fb] = await Promise.all([crm.findContactsByPhone(a), crm.findContactsByPhone(b)]);
  expect(fa.size).toBe(40);
  expect(fb.size).toBe(40);
  expect(fake.requests.filter((r) => r.path === SEARCH).map((r) => r.status)[0]).toBe(400);
});

it('record-id look-ups of concurrent batches (a crashed worker\'s batches picked up together) share one body too', async () => {
  const { fake, crm } = await setup();
  const settings = parseHubspotSettings({});
  const { buildCallProperties } = await import('../../../src/integrations/hubspot/call-properties.ts');
  const { callRecord } = await import('./records.ts');
  const records = Array.from({ length: 60 }, (_, i) => callRecord({ id: `cr-cmp-Cobranza-Nov-${i}_1` }));
  const made = await crm.createCalls(records.slice(0, 50).map((record) => ({ recordId: record.id, properties: buildCallProperties({ record, settings, choice: { others: [] } }), contactIds: [] })));
  expect(made.created.size).toBe(50);
  const before = fake.count('/crm/v3/objects/calls/search');
  // 30 + 30 markers fit one 3,000-character body; 10 of them were never created.
  const [a, b] = await Promise.all([crm.findCallsByRecordId(records.slice(0, 30).map((r) => r.id)), crm.findCallsByRecordId(records.slice(30).map((r) => r.id))]);
  expect(fake.count('/crm/v3/objects/calls/search') - before).toBe(1);
  expect(a.size).toBe(30);
  expect(b.size).toBe(20);
  for (const r of records.slice(0, 50)) expect((a.get(r.id) ?? b.get(r.id))).toBe(made.created.get(r.id));
  for (const r of records.slice(50)) expect(b.has(r.id)).toBe(false);
});
