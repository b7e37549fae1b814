// HubSpot's error answers through the real worker, BullMQ, Redis and the SDK against the fake:
// 423 Locked and 477 Migration in Progress wait and retry (never dead-letter), a daily-limit 429
// pauses until the portal's midnight (not every 10 s), a 207 fails only the refused records, and
// a portal without our custom property gives one clear error and one request — not 378.
import { afterEach, describe, expect, it, inject } from 'vitest';
import { DateTime } from 'luxon';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';
import { createLogger } from '../../../src/logger.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const CREATE = '/crm/v3/objects/calls/batch/create';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const numbers = (n: number) => Array.from({ length: n }, (_, i) => callRecord({ from: `+5731${String(10_000_000 + i)}` }));
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ level: 'warn', destination: { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>); } } }) };
}
// Every job of the test joins the first batch, however slowly a loaded machine fetches them.
const ONE_BATCH = { batchWaitMs: 1_000 };
const creates = (hh: Harness) => hh.fake.requests.filter((r) => r.path === CREATE);

describe('HubSpot worker: error answers', () => {
  it('423 Locked: nothing is dead-lettered; the create is retried no sooner than 2 s later, once each', async () => {
    h = await harness(inject('redisUrl'), ONE_BATCH);
    h.fake.fault({ kind: 'status', status: 423, paths: [CREATE] });
    const records = numbers(5);
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 5);
    const [locked, next] = creates(h);
    expect(locked!.status).toBe(423);
    expect(next!.status).toBe(201);
    expect(next!.at - locked!.at).toBeGreaterThanOrEqual(2_000);
    expect(await w.dlq.count()).toBe(0);
    for (const r of records) expect(h.fake.callsByMarker().get(r.id)).toHaveLength(1);
  });

  it('477 Migration in Progress: waits the Retry-After, then logs; nothing dead-lettered', async () => {
    h = await harness(inject('redisUrl'), ONE_BATCH);
    h.fake.fault({ kind: 'status', status: 477, paths: [CREATE], retryAfterSec: 3 });
    const records = numbers(3);
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 3);
    const [migrating, next] = creates(h);
    expect(migrating!.status).toBe(477);
    expect(next!.at - migrating!.at).toBeGreaterThanOrEqual(3_000);
    expect(await w.dlq.count()).toBe(0);
    expect(h.fake.calls.size).toBe(3);
  });

  it("a daily-limit 429 pauses logging until the portal's midnight instead of retrying every few seconds", async () => {
    h = await harness(inject('redisUrl'), {}, { portal: { timeZone: 'America/Bogota' } });
    h.fake.fault({ kind: 'rate-limit', policy: 'DAILY', paths: [CREATE] }, 50);
    for (const r of numbers(4)) await h.add(r);
    const { lines, logger } = captureLogger();
    const w = h.startWorker({ logger });
    for (let i = 0; i < 100 && creates(h).length === 0; i++) await sleep(50);
    await sleep(500);
    // The creates already in flight (at most one per parallel batch) are refused, then silence:
    // the queue is paused, not polling HubSpot.
    const refused = creates(h).length;
    expect(refused).toBeLessThanOrEqual(h.settings.parallelBatches);
    await sleep(2_000);
    expect(creates(h).map((r) => r.status)).toEqual(Array.from({ length: refused }, () => 429));
    const ttl = await h.queue.getRateLimitTtl();
    const untilMidnight = DateTime.now().setZone('America/Bogota').plus({ days: 1 }).startOf('day').toMillis() - Date.now();
    expect(ttl).toBeGreaterThan(untilMidnight - 10_000);
    expect(ttl).toBeLessThan(untilMidnight + 10_000);
    expect((await h.queue.getJobCounts('failed')).failed).toBe(0);
    expect(await w.dlq.count()).toBe(0);
    expect(lines.some((l) => String(l.msg).includes('daily limit'))).toBe(true);
  });

  it('a 207 from the calls batch create: only the refused record is dead-lettered, the rest logged once', async () => {
    h = await harness(inject('redisUrl'), ONE_BATCH);
    const records = numbers(6);
    const refusedMarker = recordMarker(records[2]!.id);
    h.fake.fault({ kind: 'partial', paths: [CREATE], refuse: (input) => (input as { properties: Record<string, string> }).properties.centralita_record_id === refusedMarker });
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 5 && c.failed === 1);
    expect(creates(h).map((r) => r.status)).toEqual([207]);
    const dead = await w.dlq.getJobs(['wait']);
    expect(dead.map((d) => d.data.recordId)).toEqual([records[2]!.id]);
    expect(dead[0]!.data.error).toMatchObject({ code: 'HUBSPOT_REJECTED', status: 207 });
    for (const r of records.filter((_, i) => i !== 2)) expect(h.fake.callsByMarker().get(r.id)).toHaveLength(1);
    expect(h.fake.callsByMarker().get(records[2]!.id)).toBeUndefined();
  });

  it('a portal without the record-id property: one clear error, one request for 190 records (not 378), nothing lost', async () => {
    h = await harness(inject('redisUrl'), { ...ONE_BATCH, configPauseMs: 1_500 }, { customCallProperties: [] });
    const records = numbers(190);
    for (const r of records) await h.add(r);
    const { lines, logger } = captureLogger();
    const w = h.startWorker({ logger });
    for (let i = 0; i < 100 && creates(h).length === 0; i++) await sleep(50);
    await sleep(500);
    expect(creates(h).map((r) => r.status)).toEqual([400]);
    const errors = lines.filter((l) => l.code === 'HUBSPOT_CONFIG');
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.msg)).toContain('HubSpot has no calls property "centralita_record_id"');
    expect(String(errors[0]!.msg)).toContain('centralita hubspot setup');
    expect(await w.dlq.count()).toBe(0);
    expect((await h.queue.getJobCounts('failed')).failed).toBe(0);
    // An admin creates the property; after the pause every record is logged, once.
    h.fake.callProperties.set('centralita_record_id', { name: 'centralita_record_id', label: 'centralita record id', type: 'string', fieldType: 'text', groupName: 'callinformation', description: '', options: [], custom: true });
    await h.waitFor((c) => c.completed === 190, 30_000);
    for (const r of records) expect(h.fake.callsByMarker().get(r.id)).toHaveLength(1);
    expect(creates(h).filter((r) => r.status === 201)).toHaveLength(2); // 100 + 90
  });

  it('a refused owner id fails only the records carrying it, in one extra request (no halving)', async () => {
    h = await harness(inject('redisUrl'), { ...ONE_BATCH, owners: { 'agent-7': '111', 'agent-9': '999' } }, { owners: ['111'] });
    const records = numbers(40).map((r, i) => (i % 10 === 3 ? { ...r, agent: { id: 'agent-9', name: 'Nueve' } } : r));
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 36 && c.failed === 4);
    expect(creates(h).map((r) => r.status)).toEqual([400, 201]);
    const dead = await w.dlq.getJobs(['wait']);
    expect(dead).toHaveLength(4);
    expect(JSON.stringify(dead[0]!.data.error)).toContain('999 is not a valid owner id');
  });

  it('502 and 504 (the create may have been applied) are retried and reconciled, never duplicated', async () => {
    h = await harness(inject('redisUrl'), { reconcileAfterMs: 300 }, { searchIndexLagMs: 100 });
    h.fake.fault({ kind: 'status', status: 502, paths: [CREATE] });
    h.fake.fault({ kind: 'status-after', status: 504, paths: [CREATE] });
    const records = numbers(8);
    for (const r of records) await h.add(r);
    h.startWorker();
    await h.waitFor((c) => c.completed === 8);
    for (const r of records) expect(h.fake.callsByMarker().get(r.id)).toHaveLength(1);
    expect(h.fake.calls.size).toBe(8);
  });
});
