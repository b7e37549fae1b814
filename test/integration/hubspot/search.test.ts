// Searches as HubSpot limits them: every body within 3,000 characters (sized by the serialized
// body, raw-number fallback included), a refused search split instead of dead-lettering the
// batch, and record ids with capitals found again after a lost create (IN needs lower case).
import { afterEach, describe, expect, it, inject } from 'vitest';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const CONTACT_SEARCH = '/crm/v3/objects/contacts/search';
const CALL_SEARCH = '/crm/v3/objects/calls/search';
const CREATE = '/crm/v3/objects/calls/batch/create';

describe('HubSpot worker: search requests', () => {
  it('a full batch of 190 unknown numbers (calculated + raw fallback searches) keeps every body within 3,000 characters', async () => {
    h = await harness(inject('redisUrl'), { batchSize: 190, batchWaitMs: 1_000 });
    const records = Array.from({ length: 190 }, (_, i) => callRecord({ from: `+5731${String(20_000_000 + i * 7)}` }));
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 190, 30_000);
    const searches = h.fake.requests.filter((r) => r.path === CONTACT_SEARCH);
    expect(searches.every((s) => s.status === 200)).toBe(true);
    expect(Math.max(...searches.map((s) => s.bodyChars))).toBeLessThanOrEqual(3_000);
    // ~95 numbers per calculated search, ~20 per raw-spelling search: 2 + 10, not one 5,914-character body.
    expect(searches.length).toBeGreaterThanOrEqual(10);
    expect(searches.length).toBeLessThanOrEqual(14);
    expect(await w.dlq.count()).toBe(0);
  });

  it('a search HubSpot refuses with 400 is split, not dead-lettered with its whole batch', async () => {
    h = await harness(inject('redisUrl'));
    const contact = h.fake.addContact({ phone: '+57 311 000 0001' });
    h.fake.fault({ kind: 'status', status: 400, paths: [CONTACT_SEARCH] });
    const records = Array.from({ length: 20 }, (_, i) => callRecord({ from: `+57311${String(10_000_000 + i).slice(1)}` }));
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 20);
    expect(h.fake.requests.filter((r) => r.path === CONTACT_SEARCH).map((r) => r.status).slice(0, 3)).toEqual([400, 200, 200]);
    expect(await w.dlq.count()).toBe(0);
    expect(h.fake.associations.filter((a) => a.toContact === contact)).toHaveLength(1);
  });

  it('mixed-case campaign record ids: a create applied but unanswered is found again, no duplicate', async () => {
    // One batch (a slow machine must not split the jobs), hence one create.
    h = await harness(inject('redisUrl'), { reconcileAfterMs: 300, batchWaitMs: 1_000 }, { searchIndexLagMs: 100 });
    h.fake.fault({ kind: 'status-after', status: 500, paths: [CREATE] });
    const records = Array.from({ length: 12 }, (_, i) => callRecord({ id: `cr-cmp-Cobranza-Nov-${i}_1`, campaign: { campaignId: 'Cobranza-Nov', rowId: String(i), attempt: 1 } }));
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 12);
    expect(h.fake.count(CREATE)).toBe(1);
    expect(h.fake.count(CALL_SEARCH)).toBeGreaterThanOrEqual(1);
    expect(h.fake.calls.size).toBe(12);
    for (const r of records) expect(h.fake.callsByMarker().get(recordMarker(r.id))).toHaveLength(1);
    expect((await w.stats()).duplicate).toBe(12);
  });
});
