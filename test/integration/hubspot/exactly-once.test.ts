// Exactly once: redeliveries, 500s then 429s, an applied-but-unanswered create, a full outage,
// and (in crash.test.ts) a worker killed between HubSpot's create and the ledger write.
import { afterEach, describe, expect, it, inject } from 'vitest';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const CREATE = '/crm/v3/objects/calls/batch/create';

function assertOneEach(hh: Harness, ids: string[]) {
  const byMarker = hh.fake.callsByMarker();
  for (const id of ids) expect(byMarker.get(id), `engagements for ${id}`).toHaveLength(1);
  expect(hh.fake.calls.size).toBe(ids.length);
}

describe('HubSpot worker: exactly once', () => {
  it('the same record delivered three times gives one engagement, and every delivery returns it', async () => {
    h = await harness(inject('redisUrl'));
    h.fake.addContact({ phone: '+57 300 123 4567' });
    const records = Array.from({ length: 5 }, () => callRecord());
    // Three deliveries of each record, as three distinct jobs (producer retry, S3 redelivery…), in the same batch.
    for (const r of records) for (const n of [1, 2, 3]) await h.add(r, `${r.id}#${n}`);
    h.startWorker();
    await h.waitFor((c) => c.completed === 15);
    assertOneEach(h, records.map((r) => r.id));
    const jobs = await h.queue.getJobs(['completed']);
    for (const r of records) {
      const results = jobs.filter((j) => j.data.id === r.id).map((j) => (j.returnvalue as { callId: string }).callId);
      expect(new Set(results).size).toBe(1);
      expect(h.fake.callsByMarker().get(r.id)).toEqual([results[0]]);
    }
    // A later fourth delivery (after completion) is recognised from the ledger without any request.
    const before = h.fake.count();
    await h.add(records[0], `${records[0]!.id}#4`);
    await h.waitFor((c) => c.completed === 16);
    expect(h.fake.count()).toBe(before);
    assertOneEach(h, records.map((r) => r.id));
  });

  it('two workers racing over duplicate deliveries in different batches still create one engagement each', async () => {
    h = await harness(inject('redisUrl'), { batchSize: 7, batchWaitMs: 5, reconcileAfterMs: 300 }, { searchIndexLagMs: 100 });
    const records = Array.from({ length: 40 }, () => callRecord());
    // Adjacent deliveries: the two workers fetch them at the same moment and race for the claim.
    for (const r of records) for (const n of [1, 2]) await h.add(r, `${r.id}#${n}`);
    const w1 = h.startWorker();
    h.startWorker();
    await h.waitFor((c) => c.completed === 80, 30_000);
    assertOneEach(h, records.map((r) => r.id));
    // The second delivery was recognised (ledger done) or held back (claim taken by the other worker).
    const stats = await w1.stats();
    expect((stats.duplicate ?? 0) + (stats.wait ?? 0)).toBeGreaterThan(0);
  });

  it('HubSpot answering 500s and then 429s: retried, rate limited (not failed), one engagement each', async () => {
    h = await harness(inject('redisUrl'));
    h.fake.fault({ kind: 'status', status: 500, paths: [CREATE] }, 3);
    // HubSpot's 429 has no Retry-After; the policy says which limit (the secondly one: a 1 s pause).
    h.fake.fault({ kind: 'rate-limit', policy: 'SECONDLY', paths: [CREATE] }, 2);
    const records = Array.from({ length: 20 }, (_, i) => callRecord({ from: `+5731000000${String(i).padStart(2, '0')}` }));
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 20);
    assertOneEach(h, records.map((r) => r.id));
    const statuses = h.fake.requests.filter((r) => r.path === CREATE).map((r) => r.status);
    expect(statuses.slice(0, 5)).toEqual([500, 500, 500, 429, 429]);
    const stats = await w.stats();
    expect(stats.unavailable).toBeGreaterThan(0);
    expect(stats['rate-limited']).toBeGreaterThan(0);
    expect((await h.queue.getJobCounts('failed')).failed).toBe(0);
    // No contact has these numbers: each call is kept for reconciliation (`centralita hubspot unassociated`).
    expect(await h.redis.hlen(h.keys.unassociated)).toBe(20);
    expect(JSON.parse((await h.redis.hget(h.keys.unassociated, records[0]!.id))!)).toMatchObject({ number: records[0]!.from, callId: h.fake.callsByMarker().get(records[0]!.id)![0] });
    // Rate limiting and backoff never spend BullMQ attempts: the only attempt counted is the successful one.
    for (const j of await h.queue.getJobs(['completed'])) expect(j.attemptsMade).toBe(1);
  });

  it('a create HubSpot applied but answered with 500 is found by record id, not created again', async () => {
    h = await harness(inject('redisUrl'), { reconcileAfterMs: 300 }, { searchIndexLagMs: 150 });
    h.fake.fault({ kind: 'status-after', status: 500, paths: [CREATE] }, 1);
    const records = Array.from({ length: 10 }, () => callRecord());
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 10);
    assertOneEach(h, records.map((r) => r.id));
    expect(h.fake.count(CREATE)).toBe(1);
    expect(h.fake.count('/crm/v3/objects/calls/search')).toBeGreaterThanOrEqual(1);
    expect((await w.stats()).duplicate).toBe(10);
  });

  it('a create applied but never answered (timeout) is reconciled too', async () => {
    h = await harness(inject('redisUrl'), { reconcileAfterMs: 300, requestTimeoutMs: 300 }, { searchIndexLagMs: 100 });
    h.fake.fault({ kind: 'hang', when: 'after', paths: [CREATE] }, 1);
    const records = Array.from({ length: 4 }, () => callRecord());
    for (const r of records) await h.add(r);
    h.startWorker();
    await h.waitFor((c) => c.completed === 4);
    assertOneEach(h, records.map((r) => r.id));
  });

  it('nothing is lost while HubSpot is down: records wait with backoff and are logged once it is back', async () => {
    h = await harness(inject('redisUrl'));
    h.fake.setOutage(true);
    const records = Array.from({ length: 30 }, () => callRecord());
    for (const r of records) await h.add(r);
    const w = h.startWorker();
    // Several failed rounds while it is down; nothing fails permanently.
    for (let i = 0; i < 100 && ((await w.stats()).unavailable ?? 0) < 90; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await w.stats()).unavailable).toBeGreaterThanOrEqual(90);
    expect((await h.queue.getJobCounts('failed', 'completed'))).toEqual({ failed: 0, completed: 0 });
    h.fake.setOutage(false);
    await h.waitFor((c) => c.completed === 30);
    assertOneEach(h, records.map((r) => r.id));
  });

  it('a permanent 4xx dead-letters only the bad record, with HubSpot\'s response body', async () => {
    h = await harness(inject('redisUrl'), { owners: { 'agent-9': '999' } }, { owners: ['111'] });
    const good = Array.from({ length: 7 }, () => callRecord());
    const bad = callRecord({ agent: { id: 'agent-9' } }); // owner 999 does not exist in the portal
    for (const r of [...good.slice(0, 3), bad, ...good.slice(3)]) await h.add(r);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 7 && c.failed === 1);
    assertOneEach(h, good.map((r) => r.id));
    const dead = await w.dlq.getJobs(['wait']);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.data.recordId).toBe(bad.id);
    expect(dead[0]!.data.error).toMatchObject({ code: 'HUBSPOT_REJECTED', status: 400 });
    expect(JSON.stringify(dead[0]!.data.error.body)).toContain('VALIDATION_ERROR');
  });

  it('a malformed job is dead-lettered with a clear reason and counted, not crashed on', async () => {
    h = await harness(inject('redisUrl'));
    await h.add({ id: 'broken-1', direction: 'sideways' }, 'broken-1');
    const ok = callRecord();
    await h.add(ok);
    const w = h.startWorker();
    await h.waitFor((c) => c.completed === 1 && c.failed === 1);
    const dead = await w.dlq.getJobs(['wait']);
    expect(dead[0]!.data.error.code).toBe('HUBSPOT_BAD_RECORD');
    expect(dead[0]!.data.error.message).toContain('direction');
    expect((await w.stats()).invalid).toBe(1);
  });

  it('a bad token pauses logging instead of dead-lettering', async () => {
    h = await harness(inject('redisUrl'), {}, { token: 'the-real-token' });
    const r = callRecord();
    await h.add(r);
    const w = h.startWorker();
    for (let i = 0; i < 100 && !(((await w.stats()).auth ?? 0) > 0); i++) await new Promise((res) => setTimeout(res, 30));
    expect((await w.stats()).auth).toBeGreaterThan(0);
    const c = await h.queue.getJobCounts('failed', 'completed');
    expect(c).toEqual({ failed: 0, completed: 0 });
    expect(await w.dlq.count()).toBe(0);
  });
});
