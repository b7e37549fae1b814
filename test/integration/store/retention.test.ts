import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { localBlobStore } from '../../../src/recordings/local-store.ts';
import { runRetention } from '../../../src/history/retention.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { sampleRecord } from '../../helpers/records.ts';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

describe('retention job', () => {
  it('deletes each kind past its own retention and keeps the rest', async () => {
    const store = await openStore({ url: await createTestDatabase('retention'), defaultCountry: 'CO' });
    const blobs = localBlobStore(mkdtempSync(join(tmpdir(), 'centralita-ret-')));
    await store.history.saveRecords([
      sampleRecord(1, { startedAt: daysAgo(40), endedAt: daysAgo(40) }),
      sampleRecord(2, { startedAt: daysAgo(20), endedAt: daysAgo(20) }),
    ]);
    await store.history.saveHubspotEngagements([{ recordId: 'cr-1', hubspotCallId: '1' }, { recordId: 'cr-2', hubspotCallId: '2' }]);
    await store.history.saveQueueEvents([
      { id: 'old', type: 'join', queueId: 'q', callId: 'c1', at: Date.parse(daysAgo(40)) },
      { id: 'new', type: 'join', queueId: 'q', callId: 'c2', at: Date.parse(daysAgo(1)) },
    ]);
    await store.history.saveAgentStates([{ id: 's-old', agentId: 'ana', state: 'available', at: Date.parse(daysAgo(45)) }, { id: 's-new', agentId: 'ana', state: 'paused', reason: 'x', at: Date.parse(daysAgo(2)) }]);
    for (const [name, age] of [['rec-old', 10], ['rec-new', 3]] as const) {
      await blobs.put(`${name}.wav`, Buffer.from('RIFF'), 'audio/wav');
      await store.recordings.add({ name, storage: 'local', key: `${name}.wav`, contentType: 'audio/wav', bytes: 4, createdAt: daysAgo(age) });
    }
    await store.audit.append({ at: daysAgo(400), actor: 'admin', action: 'user.create' });
    await store.audit.append({ at: daysAgo(100), actor: 'admin', action: 'agent.pause' });

    const policy = { recordsDays: 30, recordingsDays: 7, auditDays: 365 };
    const r = await runRetention({ retention: store.retention, catalog: store.recordings, stores: { local: blobs }, policy, now: NOW, batch: 1 });
    expect(r).toEqual({ records: 3, recordings: 1, audit: 1, recordingErrors: 0 });
    expect(await store.history.get('cr-1')).toBeUndefined();
    expect((await store.history.get('cr-2'))?.hubspotCallId).toBe('2');
    const ev = await store.history.eventsBetween(0, NOW);
    expect(ev.events.map((e) => e.id)).toEqual(['new']);
    expect(ev.states.map((s) => s.id)).toEqual(['s-new']);
    expect((await store.recordings.get('rec-old'))?.deletedAt).toBe(new Date(NOW).toISOString());
    expect(await blobs.get('rec-old.wav')).toBeUndefined();
    expect(await blobs.get('rec-new.wav')).toBeDefined();
    expect((await store.audit.query({})).entries.map((e) => e.action)).toEqual(['agent.pause']);
    // A second run finds nothing to do; outside the job the audit log still refuses deletes.
    expect(await runRetention({ retention: store.retention, catalog: store.recordings, stores: { local: blobs }, policy, now: NOW })).toEqual({ records: 0, recordings: 0, audit: 0, recordingErrors: 0 });
    await expect(store.database.pool.query('delete from audit_log')).rejects.toThrow(/append-only/);
    const q = await store.database.pool.query('select count(*)::int as n from queue_intervals');
    expect(q.rows[0].n).toBe(1);
    await store.close();
  });
});
