// Matching against the fake HubSpot through the real SDK adapter: numbers stored the way
// people type them, mobile-only contacts, shared numbers, and look-alike foreign numbers.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot-server.ts';
import { createHubspotCrm } from '../../../src/integrations/hubspot/sdk-crm.ts';
import { createCallLogger, type UnassociatedCall } from '../../../src/integrations/hubspot/call-logger.ts';
import { createMemoryLedger } from '../../../src/integrations/hubspot/ledger.ts';
import { createMemoryBudget } from '../../../src/integrations/hubspot/budget.ts';
import { budgetLimits, parseHubspotSettings } from '../../../src/integrations/hubspot/settings.ts';
import { callRecord } from './records.ts';

let fake: FakeHubspot | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

async function setup(settingsOver: Record<string, unknown> = {}, searchIndexLagMs = 0) {
  fake = await startFakeHubspot({ defaultCountry: 'CO', searchIndexLagMs });
  const settings = parseHubspotSettings({ reconcileAfterMs: 0, language: 'en', ...settingsOver });
  const crm = createHubspotCrm({ baseUrl: fake.url, token: 'test-token', budget: createMemoryBudget({ limits: budgetLimits(settings) }), recordIdProperty: settings.recordIdProperty, defaultCountry: 'CO', requestTimeoutMs: 5_000 });
  const unassociated: UnassociatedCall[] = [];
  const portal = { portalId: 424242, uiDomain: 'app.hubspot.com' };
  const logger = createCallLogger({ crm, calls: createMemoryLedger(), contacts: createMemoryLedger(), settings, portal: () => portal, onUnassociated: async (u) => { unassociated.push(...u); } });
  return { fake, logger, unassociated };
}

const contactsOf = (f: FakeHubspot, callId: string) => f.associations.filter((a) => a.fromCall === callId).map((a) => a.toContact);

describe('HubSpot contact matching', () => {
  const stored: [string, Record<string, string>, string][] = [
    ['+57 300 123 4567 in phone', { phone: '+57 300 123 4567' }, '+573001234567'],
    ['(300) 123-4567 in phone (portal country CO)', { phone: '(300) 123-4567' }, '+573001234567'],
    ['3001234567 in phone', { phone: '3001234567' }, '+573001234567'],
    ['+1 (415) 555-0100 ext. 12 in phone', { phone: '+1 (415) 555-0100 ext. 12' }, '+14155550100'],
    ['300 123 4567 in mobilephone only', { mobilephone: '300 123 4567' }, '+573001234567'],
  ];
  for (const [label, props, caller] of stored) {
    it(`finds a contact stored as ${label}`, async () => {
      const { fake, logger } = await setup();
      const other = fake.addContact({ phone: '+57 310 999 8877', firstname: 'Other' });
      const id = fake.addContact({ ...props, firstname: 'Target' });
      const r = callRecord({ from: caller });
      const out = await logger.logBatch([r], Date.now());
      const o = out.get(r.id)!;
      expect(o.kind).toBe('logged');
      if (o.kind !== 'logged') return;
      expect(contactsOf(fake, o.callId)).toEqual([id]);
      expect(contactsOf(fake, o.callId)).not.toContain(other);
      expect(fake.associations[0]).toMatchObject({ category: 'HUBSPOT_DEFINED', typeId: 194 });
    });
  }

  it('puts a call on the most recently active of two contacts sharing a number and links the other in the body', async () => {
    const { fake, logger } = await setup();
    const stale = fake.addContact({ phone: '3001234567', firstname: 'Old' }, { createdAt: Date.parse('2020-01-01'), lastActivityAt: Date.parse('2021-01-01') });
    const active = fake.addContact({ mobilephone: '+57 300 123 4567', firstname: 'New' }, { createdAt: Date.parse('2022-01-01'), lastActivityAt: Date.parse('2026-11-01') });
    const r = callRecord({ from: '+573001234567' });
    const o = (await logger.logBatch([r], Date.now())).get(r.id)!;
    expect(o).toMatchObject({ kind: 'logged', contactId: active, otherContacts: 1 });
    if (o.kind !== 'logged') return;
    expect(contactsOf(fake, o.callId)).toEqual([active]);
    // The other contact is a link to its record, not plain text.
    expect(fake.calls.get(o.callId)!.properties.hs_call_body).toContain(`Other contacts with +57 300 1234567: <a href="https://app.hubspot.com/contacts/424242/record/0-1/${stale}">Old</a>`);
  });

  it('follows the configured rule (oldest) when several contacts share a number', async () => {
    const { fake, logger } = await setup({ matchRule: 'oldest' });
    const first = fake.addContact({ phone: '3001234567' }, { createdAt: Date.parse('2020-01-01'), lastActivityAt: Date.parse('2021-01-01') });
    fake.addContact({ phone: '+573001234567' }, { createdAt: Date.parse('2022-01-01'), lastActivityAt: Date.parse('2026-11-01') });
    const r = callRecord();
    expect((await logger.logBatch([r], Date.now())).get(r.id)).toMatchObject({ kind: 'logged', contactId: first });
  });

  it('does not match a contact whose number only shares the national digits in another country', async () => {
    const { fake, logger, unassociated } = await setup();
    fake.addContact({ phone: '+1 601-123-4567' }); // Mississippi; Bogotá landlines are also 601 123 4567
    const r = callRecord({ from: '+576011234567' });
    const o = (await logger.logBatch([r], Date.now())).get(r.id)!;
    expect(o.kind).toBe('logged');
    if (o.kind !== 'logged') return;
    expect(o.contactId).toBeUndefined();
    expect(contactsOf(fake, o.callId)).toEqual([]);
    expect(unassociated).toEqual([expect.objectContaining({ recordId: r.id, callId: o.callId, number: '+576011234567' })]);
    expect(fake.calls.get(o.callId)!.properties.hs_call_body).toContain('No HubSpot contact has +57 601 1234567');
  });

  it('matches the callee for outbound calls and many numbers with one search request', async () => {
    const { fake, logger } = await setup();
    const ids: string[] = [];
    const records = [];
    for (let i = 0; i < 60; i++) {
      const national = `310${String(1000000 + i)}`;
      ids.push(fake.addContact({ [i % 2 ? 'phone' : 'mobilephone']: i % 3 ? national : `+57 ${national}` }));
      records.push(callRecord({ direction: 'outbound', from: '+5716001234', to: `+57${national}` }));
    }
    const out = await logger.logBatch(records, Date.now());
    records.forEach((r, i) => expect(out.get(r.id)).toMatchObject({ kind: 'logged', contactId: ids[i] }));
    expect(fake.count('/crm/v3/objects/contacts/search')).toBe(1);
    expect(fake.count('/crm/v3/objects/calls/batch/create')).toBe(1);
  });

  it('creates a missing contact once per number when enabled, even across batches', async () => {
    // Index lag: the contact created by the first batch is not yet searchable in the second.
    const { fake, logger } = await setup({ createContacts: true }, 60_000);
    const a = callRecord({ from: '+573157654321' });
    const b = callRecord({ from: '+573157654321' });
    const first = (await logger.logBatch([a, b], Date.now()));
    const c = callRecord({ from: '+573157654321' });
    const second = (await logger.logBatch([c], Date.now()));
    expect(fake.contacts.size).toBe(1);
    const [contactId] = [...fake.contacts.keys()];
    for (const o of [first.get(a.id), first.get(b.id), second.get(c.id)]) expect(o).toMatchObject({ kind: 'logged', contactId });
  });
});
