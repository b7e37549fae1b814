// The worker process is killed (SIGKILL) after HubSpot created the engagements and before the
// ledger recorded them. A second worker picks the stalled jobs up and must find the existing
// engagements by record id instead of creating them again.
import { afterEach, expect, it, inject } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { harness, type Harness } from './harness.ts';
import { callRecord } from '../../unit/hubspot/records.ts';
import { recordMarker } from '../../../src/integrations/hubspot/record-marker.ts';

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

it('worker killed between create and ledger write: no second engagement after recovery', async () => {
  h = await harness(inject('redisUrl'), { reconcileAfterMs: 400 }, { searchIndexLagMs: 200 });
  const contact = h.fake.addContact({ phone: '3001234567' });
  // Campaign record ids keep the folder's case: the record-id search must still find them (IN needs lower case).
  const records = Array.from({ length: 25 }, (_, i) => callRecord({ id: `cr-cmp-Cobranza-Nov-${process.pid}-${i}_1`, campaign: { campaignId: 'Cobranza-Nov', rowId: String(i), attempt: 1 } }));
  for (const r of records) await h.add(r);

  const child = spawn(process.execPath, [fileURLToPath(new URL('../../fakes/hubspot-worker-child.ts', import.meta.url))], {
    env: { ...process.env, REDIS_URL: inject('redisUrl'), HUBSPOT_URL: h.fake.url, BULL_PREFIX: h.bullPrefix, KEY_PREFIX: h.keyPrefix, CRASH_AFTER_CREATE: '1', LOCK_MS: '1000', SETTINGS_JSON: JSON.stringify({ batchWaitMs: 50, reconcileAfterMs: 400 }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const signal = await new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, sig) => r(sig)));
  expect(signal).toBe('SIGKILL');
  expect(out).toContain('created 25');
  // HubSpot has the calls; our ledger only knows they were pending.
  expect(h.fake.calls.size).toBe(25);
  const pending = await h.redis.hvals(h.keys.ledger);
  expect(pending.every((v) => v.startsWith('pending|'))).toBe(true);
  const createdIds = new Map(records.map((r) => [r.id, h!.fake.callsByMarker().get(recordMarker(r.id))![0]]));

  h.startWorker({ worker: { stalledInterval: 300, lockDuration: 5000, maxStalledCount: 2 } });
  await h.waitFor((c) => c.completed === 25, 30_000);
  const byMarker = h.fake.callsByMarker();
  for (const r of records) expect(byMarker.get(recordMarker(r.id))).toEqual([createdIds.get(r.id)]);
  expect(h.fake.calls.size).toBe(25);
  expect(h.fake.count('/crm/v3/objects/calls/batch/create')).toBe(1);
  for (const j of await h.queue.getJobs(['completed'])) expect(j.returnvalue).toMatchObject({ callId: createdIds.get(j.data.id), outcome: 'duplicate' });
  expect(h.fake.associations.every((a) => a.toContact === contact)).toBe(true);
}, 60_000);

it('crash in a batch of two creates: only the create sent is pending, the contact is not searched again, the batch is picked up without going to the back of the queue', async () => {
  // Pending lag longer than the stalled-job detection: the picked-up jobs must wait for it in the worker.
  const settings = { batchSize: 150, batchWaitMs: 2_000, reconcileAfterMs: 2_500 };
  h = await harness(inject('redisUrl'), settings, { searchIndexLagMs: 200 });
  const contact = h.fake.addContact({ phone: '3001234567' });
  const records = Array.from({ length: 150 }, (_, i) => callRecord({ id: `cr-cmp-Cobranza-Nov-${process.pid}-b${i}_1`, campaign: { campaignId: 'Cobranza-Nov', rowId: String(i), attempt: 1 } }));
  for (const r of records) await h.add(r);

  const child = spawn(process.execPath, [fileURLToPath(new URL('../../fakes/hubspot-worker-child.ts', import.meta.url))], {
    env: { ...process.env, REDIS_URL: inject('redisUrl'), HUBSPOT_URL: h.fake.url, BULL_PREFIX: h.bullPrefix, KEY_PREFIX: h.keyPrefix, CRASH_AFTER_CREATE: '1', LOCK_MS: '1000', SETTINGS_JSON: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const signal = await new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, sig) => r(sig)));
  expect(signal).toBe('SIGKILL');
  expect(out).toContain('created 100');
  // Claimed per create: the 50 records of the second create were never claimed.
  expect(await h.redis.hlen(h.keys.ledger)).toBe(100);
  const contactSearches = h.fake.count('/crm/v3/objects/contacts/search');

  // The crashed child's 1 s locks are noticed by the 300 ms check; the new worker's own locks are
  // longer, so that on a loaded machine a late renewal does not make its held jobs stall (a stall
  // restarts a job, which the attempts check below would count).
  h.startWorker({ worker: { stalledInterval: 300, lockDuration: 5000, maxStalledCount: 2 } });
  await h.waitFor((c) => c.completed === 150, 30_000);
  const byMarker = h.fake.callsByMarker();
  for (const r of records) expect(byMarker.get(recordMarker(r.id))).toHaveLength(1);
  expect(h.fake.calls.size).toBe(150);
  expect(h.fake.count('/crm/v3/objects/calls/batch/create')).toBe(2);
  // The contact chosen before the crash is kept: no second contact search.
  expect(h.fake.count('/crm/v3/objects/contacts/search')).toBe(contactSearches);
  expect(h.fake.associations.filter((a) => a.toContact === contact)).toHaveLength(150);
  // Started by the crashed worker, then once by the new one: the wait for the lag was held, not delayed.
  for (const j of await h.queue.getJobs(['completed'])) expect(j.attemptsStarted).toBeLessThanOrEqual(2);
}, 60_000);

it('a record whose worker is SIGKILLed twice mid-log is still logged once (a stalled HubSpot job is never given up)', async () => {
  h = await harness(inject('redisUrl'), { reconcileAfterMs: 3_000 }, { searchIndexLagMs: 200 });
  h.fake.addContact({ phone: '3001234567' });
  const records = Array.from({ length: 5 }, (_, i) => callRecord({ id: `cr-twice-${process.pid}-${i}` }));
  for (const r of records) await h.add(r);
  const child = (crash: boolean) => spawn(process.execPath, [fileURLToPath(new URL('../../fakes/hubspot-worker-child.ts', import.meta.url))], {
    env: { ...process.env, REDIS_URL: inject('redisUrl'), HUBSPOT_URL: h!.fake.url, BULL_PREFIX: h!.bullPrefix, KEY_PREFIX: h!.keyPrefix, CRASH_AFTER_CREATE: crash ? '1' : '0', LOCK_MS: '1000', SETTINGS_JSON: JSON.stringify({ batchWaitMs: 50, reconcileAfterMs: 3_000 }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // First kill: right after HubSpot created the calls.
  const a = child(true);
  await new Promise((r) => a.once('exit', r));
  // Second kill: the next worker holds the jobs, waiting for HubSpot's search to show the creates.
  const b = child(false);
  await until(async () => (await h!.queue.getJobs(['active'])).filter((j) => j.attemptsStarted >= 2).length === records.length, 15_000);
  b.kill('SIGKILL');
  await new Promise((r) => b.once('exit', r));
  h.startWorker({ worker: { stalledInterval: 300, lockDuration: 5000 } });
  await h.waitFor((c) => c.completed === records.length, 30_000);
  expect(await h.queue.getJobs(['failed'])).toHaveLength(0);
  const byMarker = h.fake.callsByMarker();
  for (const r of records) expect(byMarker.get(recordMarker(r.id))).toHaveLength(1);
}, 60_000);

async function until(fn: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
