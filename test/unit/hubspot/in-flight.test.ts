// A record whose create this worker has sent and not heard back about is never created again by
// the same worker (a stalled job picked up again on a loaded machine), however old its pending
// entry; and a create whose outcome is unknown (timeout) restarts the wait before a search is trusted.
import { afterEach, expect, it } from 'vitest';
import { startFakeHubspot, type FakeHubspot } from '../../fakes/hubspot-server.ts';
import { createHubspotCrm } from '../../../src/integrations/hubspot/sdk-crm.ts';
import { createMemoryBudget } from '../../../src/integrations/hubspot/budget.ts';
import { budgetLimits, parseHubspotSettings } from '../../../src/integrations/hubspot/settings.ts';
import { createCallLogger } from '../../../src/integrations/hubspot/call-logger.ts';
import { createMemoryLedger } from '../../../src/integrations/hubspot/ledger.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';
import { callRecord } from './records.ts';

let fake: FakeHubspot | undefined;
afterEach(async () => { await fake?.close(); fake = undefined; });

it('a second try while the first create is still in flight waits instead of searching and creating again', async () => {
  fake = await startFakeHubspot({ defaultCountry: 'CO' });
  // Lag 0: a pending entry is "old" at once, so only the in-flight guard stands between the tries.
  const settings = parseHubspotSettings({ reconcileAfterMs: 0 });
  const real = createHubspotCrm({ baseUrl: fake.url, token: 'test-token', budget: createMemoryBudget({ limits: budgetLimits(settings) }), recordIdProperty: settings.recordIdProperty, defaultCountry: 'CO', requestTimeoutMs: 5_000 });
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  // The first create is held before it reaches HubSpot (a slow send on a loaded machine).
  let held = false;
  const crm = { ...real, async createCalls(calls: Parameters<typeof real.createCalls>[0]) { if (!held) { held = true; await gate; } return real.createCalls(calls); } };
  const logger = createCallLogger({ crm, calls: createMemoryLedger(), contacts: createMemoryLedger(), settings });
  const r = callRecord({ id: 'cr-cmp-Cobranza-Nov-7_1' });
  const first = logger.logBatch([r], Date.now());
  for (let i = 0; i < 50 && !held; i++) await new Promise((x) => setTimeout(x, 20));
  const second = await logger.logBatch([r], Date.now());
  expect(second.get(r.id)?.kind).toBe('wait');
  open();
  expect((await first).get(r.id)?.kind).toBe('logged');
  expect(fake.callsByMarker().get(recordMarker(r.id))).toHaveLength(1);
  expect(fake.count('/crm/v3/objects/calls/search')).toBe(0);
  real.close();
});

it('a create that timed out is pending from the moment the worker stopped waiting, not from its send', async () => {
  fake = await startFakeHubspot({ defaultCountry: 'CO' });
  const settings = parseHubspotSettings({ reconcileAfterMs: 60_000 });
  const crm = createHubspotCrm({ baseUrl: fake.url, token: 'test-token', budget: createMemoryBudget({ limits: budgetLimits(settings) }), recordIdProperty: settings.recordIdProperty, defaultCountry: 'CO', requestTimeoutMs: 300 });
  let t = 1_000_000;
  const calls = createMemoryLedger();
  const logger = createCallLogger({ crm, calls, contacts: createMemoryLedger(), settings, now: () => t });
  const r = callRecord();
  fake.fault({ kind: 'hang', when: 'after', paths: ['/crm/v3/objects/calls/batch/create'] });
  const sent = t;
  const out = logger.logBatch([r], t);
  for (let i = 0; i < 100 && fake.count('/crm/v3/objects/calls/batch/create') === 0; i++) await new Promise((x) => setTimeout(x, 10));
  expect((await calls.get([r.id])).get(r.id)).toMatchObject({ state: 'pending', at: sent });
  t += 40_000; // the answer never comes; the worker gives up 40 s (simulated) after the send
  expect((await out).get(r.id)?.kind).toBe('unavailable');
  expect((await calls.get([r.id])).get(r.id)).toMatchObject({ state: 'pending', at: sent + 40_000 });
  crm.close();
});
