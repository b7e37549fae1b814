// Calls logged without a contact are associated later, once the contact exists in HubSpot:
// same phone matching and match rule as logging, through the Associations v4 batch endpoint
// of the fake HubSpot (which validates types and ids), and safe to run again.
import { afterEach, describe, expect, it, inject } from 'vitest';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';
import { createHubspotCrm } from '../../../src/integrations/hubspot/sdk-crm.ts';
import { createRedisBudget } from '../../../src/integrations/hubspot/budget.ts';
import { budgetLimits } from '../../../src/integrations/hubspot/settings.ts';
import { reconcileUnassociated } from '../../../src/integrations/hubspot/reconcile.ts';
import { createRedisUnassociatedStore } from '../../../src/integrations/hubspot/unassociated.ts';
import { registerHubspotMetrics } from '../../../src/workers/hubspot-metrics.ts';
import { Registry } from 'prom-client';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const ASSOCIATE = '/crm/v4/associations/calls/contacts/batch/create';

describe('HubSpot: reconciling calls logged without a contact', () => {
  it('associates each call to the contact added since, by the match rule, once', async () => {
    h = await harness(inject('redisUrl'));
    const hh = h;
    const records = Array.from({ length: 6 }, (_, i) => callRecord({ from: `+5731000000${String(i).padStart(2, '0')}` }));
    for (const r of records) await hh.add(r);
    const w = hh.startWorker();
    await hh.waitFor((c) => c.completed === 6);
    expect(await hh.redis.hlen(hh.keys.unassociated)).toBe(6);
    // The same numbers as Prometheus gauges (read from Redis at scrape time).
    const registry = new Registry();
    registerHubspotMetrics(registry, { worker: w, redis: hh.redis, unassociatedKey: hh.keys.unassociated, callRecords: hh.queue });
    const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values.map((v) => `${JSON.stringify(v.labels)}=${v.value}`);
    expect(await gauge('centralita_hubspot_unassociated_calls')).toEqual(['{}=6']);
    expect(await gauge('centralita_hubspot_record_outcomes')).toEqual(['{"outcome":"logged"}=6']);
    expect(await gauge('centralita_hubspot_dead_letters')).toEqual(['{}=0']);
    expect(await gauge('centralita_hubspot_backlog')).toContain('{"state":"waiting"}=0');
    const callOf = (i: number) => hh.fake.callsByMarker().get(records[i]!.id)![0]!;

    // Sales adds contacts afterwards, typed the way people type numbers.
    const c0 = hh.fake.addContact({ phone: '+57 310 000 0000' });
    const c1 = hh.fake.addContact({ mobilephone: '3100000001' });
    hh.fake.addContact({ phone: '(310) 000-0002' }, { lastActivityAt: Date.UTC(2026, 0, 1) });
    const c2recent = hh.fake.addContact({ phone: '310 000 0002' }, { lastActivityAt: Date.UTC(2026, 10, 1) });

    const budget = createRedisBudget({ redis: hh.redis, keyPrefix: hh.keys.budget, limits: budgetLimits(hh.settings), defaultMaxWaitMs: 2_000 });
    const crm = createHubspotCrm({ baseUrl: hh.fake.url, token: 'test-token', budget, recordIdProperty: hh.settings.recordIdProperty, defaultCountry: hh.settings.defaultCountry, requestTimeoutMs: 2_000 });
    try {
      const store = createRedisUnassociatedStore(hh.redis, hh.keys.unassociated);
      const run = () => reconcileUnassociated({ store, crm, settings: hh.settings, portal: { portalId: 424242 } });
      expect(await run()).toEqual({ checked: 6, associated: 3, remaining: 3, unusable: 0, refused: 0, updated: 3 });
      expect(await gauge('centralita_hubspot_unassociated_calls')).toEqual(['{}=3']);
      const assoc = (callId: string) => hh.fake.associations.filter((a) => a.fromCall === callId).map((a) => `${a.toContact}/${a.typeId}`);
      expect(assoc(callOf(0))).toEqual([`${c0}/194`]);
      expect(assoc(callOf(1))).toEqual([`${c1}/194`]);
      expect(assoc(callOf(2))).toEqual([`${c2recent}/194`]); // most recently active of the two
      expect(assoc(callOf(3))).toEqual([]);
      expect(await hh.redis.hlen(hh.keys.unassociated)).toBe(3);
      expect(hh.fake.requests.filter((r) => r.path === ASSOCIATE).map((r) => r.status)).toEqual([201]);
      // The body no longer says no contact matched: it was rewritten for the contact found.
      const body = (i: number) => hh.fake.calls.get(callOf(i))!.properties.hs_call_body!;
      expect(body(0)).not.toContain('Ningún contacto');
      expect(body(0)).toContain('Asociada después de registrarla');
      expect(body(3)).toContain('Ningún contacto de HubSpot tiene el número +57 310 0000003');

      // Again: nothing new to associate, no association request, the rest is kept.
      expect(await run()).toEqual({ checked: 3, associated: 0, remaining: 3, unusable: 0, refused: 0, updated: 0 });
      expect(hh.fake.requests.filter((r) => r.path === ASSOCIATE)).toHaveLength(1);

      // A damaged entry is counted and kept, never a crash.
      await hh.redis.hset(hh.keys.unassociated, 'broken', '{not json');
      expect(await run()).toMatchObject({ checked: 4, unusable: 1 });

      // HubSpot refuses an association to a call that does not exist (400): a permanent error.
      await expect(crm.associateCalls([{ callId: '424242', contactId: c0 }])).rejects.toMatchObject({ code: 'HUBSPOT_REJECTED' });

      // A 207: HubSpot accepts one association and refuses the other. Only the accepted entry
      // goes; the refused one stays for the next run (it used to be removed as well).
      hh.fake.addContact({ phone: '310 000 0003' });
      hh.fake.addContact({ phone: '310 000 0004' });
      hh.fake.fault({ kind: 'partial', paths: [ASSOCIATE], refuse: (input) => (input as { from: { id: string } }).from.id === callOf(4) });
      expect(await run()).toMatchObject({ associated: 1, refused: 1, remaining: 1, updated: 1 });
      expect(await hh.redis.hexists(hh.keys.unassociated, records[4]!.id)).toBe(1);
      expect(await hh.redis.hexists(hh.keys.unassociated, records[3]!.id)).toBe(0);
      expect(await run()).toMatchObject({ associated: 1, refused: 0, remaining: 1 });
      expect(await hh.redis.hexists(hh.keys.unassociated, records[4]!.id)).toBe(0);
    } finally {
      crm.close();
    }
  });
});
