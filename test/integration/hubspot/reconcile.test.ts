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
      const run = () => reconcileUnassociated({ redis: hh.redis, key: hh.keys.unassociated, crm, matchRule: hh.settings.matchRule });
      expect(await run()).toEqual({ checked: 6, associated: 3, remaining: 3, unusable: 0 });
      expect(await gauge('centralita_hubspot_unassociated_calls')).toEqual(['{}=3']);
      const assoc = (callId: string) => hh.fake.associations.filter((a) => a.fromCall === callId).map((a) => `${a.toContact}/${a.typeId}`);
      expect(assoc(callOf(0))).toEqual([`${c0}/194`]);
      expect(assoc(callOf(1))).toEqual([`${c1}/194`]);
      expect(assoc(callOf(2))).toEqual([`${c2recent}/194`]); // most recently active of the two
      expect(assoc(callOf(3))).toEqual([]);
      expect(await hh.redis.hlen(hh.keys.unassociated)).toBe(3);
      expect(hh.fake.requests.filter((r) => r.path === ASSOCIATE).map((r) => r.status)).toEqual([201]);

      // Again: nothing new to associate, no association request, the rest is kept.
      expect(await run()).toEqual({ checked: 3, associated: 0, remaining: 3, unusable: 0 });
      expect(hh.fake.requests.filter((r) => r.path === ASSOCIATE)).toHaveLength(1);

      // A damaged entry is counted and kept, never a crash.
      await hh.redis.hset(hh.keys.unassociated, 'broken', '{not json');
      expect(await run()).toMatchObject({ checked: 4, unusable: 1 });

      // HubSpot refuses an association to a call that does not exist (400): a permanent error.
      await expect(crm.associateCalls([{ callId: '424242', contactId: c0 }])).rejects.toMatchObject({ code: 'HUBSPOT_REJECTED' });
    } finally {
      crm.close();
    }
  });
});
