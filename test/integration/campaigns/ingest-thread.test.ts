// The ingest worker thread against the inline ingest, on PostgreSQL (rows, COPY) and Redis
// (do-not-call set): same rows, same report,
// same errors (classes kept, so the SQS consumer still tells permanent from transient), and a
// shutdown that ends a running ingest instead of waiting for it.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { openCampaignTestDb, type CampaignTestDb } from '../../helpers/campaign-db.ts';
import { createInlineIngestRunner, createThreadedIngestRunner, type IngestRun } from '../../../src/campaigns/ingest-thread.ts';
import { isPermanentIngestError } from '../../../src/campaigns/service.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';

const PREFIX = 'it-thread';
let redis: Redis;
const settings = parseCampaignSettings({ window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } });
const nowMs = Date.UTC(2026, 2, 10, 15, 0);

let tdb: CampaignTestDb;
let idb: CampaignTestDb;
const CAMPAIGNS = ['same', 'mine', 'stream', 'empty', 'nophone', 'typo', 'noredis', 'nodb', 'oom', 'stall'];
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  for (const k of await redis.keys(`${PREFIX}*`)) await redis.del(k);
  [tdb, idb] = await Promise.all([openCampaignTestDb('thread'), openCampaignTestDb('inline')]);
  for (const id of CAMPAIGNS) { await tdb.db.store().saveSettings(id, settings); await idb.db.store().saveSettings(id, settings); }
});
afterAll(async () => { redis.disconnect(); await tdb.close(); await idb.close(); });
const threadedOn = (o: { maxHeapMb: number; youngGenerationMb?: number; redisUrl?: string; databaseUrl?: string }) =>
  createThreadedIngestRunner({ redisUrl: inject('redisUrl'), dncKey: `${PREFIX}:dnc`, databaseUrl: tdb.url, ...o });
const stored = async (t: CampaignTestDb, id: string) => (await t.store.database.pool.query(
  'select r.row_no, r.phone::text, r.priority, r.next_at::text, r.zone, r.state, r.data from campaign_rows r join campaigns c on c.seq = r.cid where c.id = $1 order by r.row_no', [id])).rows;

function campaignCsv(rows: number): string {
  let s = '\uFEFFTeléfono;Nombre;Ciudad\r\n';
  for (let i = 0; i < rows; i++) {
    const phone = i % 50 === 7 ? '3.0012E+9' : i % 40 === 3 ? 'not a phone' : `3${String(10_000_000 + i * 7).padStart(9, '0')}`;
    s += `${phone};"Persona ${i}";Medellín\r\n`;
  }
  return s;
}

/** Feeds the CSV in small pieces (many port messages) and collects the report. */
function run(csv: string, campaignId: string) {
  const lines: string[] = [];
  const progress: number[] = [];
  const bytes = Buffer.from(csv, 'utf8');
  const source = (async function* () { for (let i = 0; i < bytes.length; i += 997) yield bytes.subarray(i, i + 997); })();
  const input: IngestRun = { campaignId, file: `${campaignId}.csv`, fileId: 'f1', source, settings, catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs, rejected: (l) => { lines.push(l); }, onProgress: (r) => { progress.push(r); }, chunkSize: 100 };
  return { input, lines, progress };
}

describe('threaded ingest runner', () => {
  it('queues the same jobs and writes the same report as the inline ingest', async () => {
    const csv = campaignCsv(2_500);
    await redis.sadd(`${PREFIX}:dnc`, '+573010000070'); // row 10 of the file
    const threaded = threadedOn({ maxHeapMb: 48 });
    const inline = createInlineIngestRunner({ sink: () => idb.db.rowSink(async (ps) => Promise.all(ps.map(async (p) => (await redis.sismember(`${PREFIX}:dnc`, p)) === 1))) });
    const t = run(csv, 'same');
    const i = run(csv, 'same');
    const st = await threaded.run(t.input);
    const si = await inline.run(i.input);
    const strip = (s: typeof st) => ({ ...s, startedAt: 0, finishedAt: 0, durationMs: 0, rowsPerSecond: 0 });
    expect(strip(st)).toEqual(strip(si));
    expect(st).toMatchObject({ rows: 2_500, accepted: 2_500 - st.rejected });
    expect(st.rejectedByReason).toEqual({ 'spreadsheet-damage': 50, 'invalid-characters': 63, 'do-not-call': 1 });
    expect(t.lines.join('')).toBe(i.lines.join(''));
    expect(t.progress.at(-1)).toBe(2_500);
    const rows = await stored(tdb, 'same');
    expect(rows).toHaveLength(st.accepted);
    expect(rows).toEqual(await stored(idb, 'same'));
    expect(rows[0]).toMatchObject({ row_no: 2, phone: '573010000000', state: 0, zone: 'America/Bogota', next_at: String(nowMs) });
    expect(JSON.parse(rows[0].data)).toEqual({ name: 'Persona 0', country: 'CO', variables: { ciudad: 'Medellín' } });
    // A redelivered event: the thread adds nothing twice (deterministic row ids, one row per number).
    const again = await threaded.run(run(csv, 'same').input);
    expect(again).toMatchObject({ accepted: st.accepted, newlyQueued: 0, reAdded: st.accepted });
    expect(await stored(tdb, 'same')).toHaveLength(st.accepted);
    expect((await tdb.db.store().progress('same')).queued).toBe(st.accepted);
    await threaded.close();
  });

  it('moves a stream\'s chunks to the thread without copying, and never touches buffers of other sources', async () => {
    const threaded = threadedOn({ maxHeapMb: 48 });
    const csv = campaignCsv(300);
    // A plain iterable may be the caller's own data (reused after the run): it must stay intact.
    const mine = Buffer.from(csv);
    const a = await threaded.run({ ...run('', 'mine').input, source: [mine] });
    expect(mine.byteLength).toBe(Buffer.byteLength(csv));
    expect(mine.toString()).toBe(csv);
    // A stream's whole-buffer chunks are handed over (detached here), the result is the same.
    const chunks = [Buffer.from(csv.slice(0, 5000)), Buffer.from(csv.slice(5000))].map((b) => { const own = Buffer.alloc(b.length); b.copy(own); return own; });
    const sent = [...chunks];
    const b = await threaded.run({ ...run('', 'stream').input, source: Readable.from(chunks, { objectMode: true }) });
    expect(b).toMatchObject({ rows: a.rows, accepted: a.accepted, rejected: a.rejected });
    expect(sent.map((c) => c.buffer.byteLength)).toEqual([0, 0]);
    await threaded.close();
  });

  it('reports a bad file as the same permanent error class the SQS consumer checks', async () => {
    const threaded = threadedOn({ maxHeapMb: 48 });
    const empty = run('', 'empty');
    const err = await threaded.run(empty.input).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CAMPAIGN_EMPTY_FILE' });
    expect(isPermanentIngestError(err)).toBe(true);
    const noPhone = run('nombre;ciudad\r\nAna;Cali\r\n', 'nophone');
    const err2 = await threaded.run(noPhone.input).catch((e: unknown) => e);
    expect(isPermanentIngestError(err2)).toBe(true);
    expect((err2 as Error).message).toMatch(/phone/i);
    // The flow ids reach the thread: a typo'd flowId is refused there too, before any row.
    const typo = run(campaignCsv(10), 'typo');
    const err3 = await threaded.run({ ...typo.input, settings: parseCampaignSettings({ flowId: 'campaing' }) }).catch((e: unknown) => e);
    expect(err3).toMatchObject({ code: 'CAMPAIGN_SETTINGS_INVALID', problems: [expect.stringContaining('did you mean "campaign"')] });
    expect(isPermanentIngestError(err3)).toBe(true);
  });

  it('a Redis or database it cannot reach fails the run with a transient error (the S3 event is retried), not a hang or a crash', async () => {
    const noRedis = threadedOn({ redisUrl: 'redis://127.0.0.1:1', maxHeapMb: 48 });
    const err = await noRedis.run(run(campaignCsv(10), 'noredis').input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/retr|ECONNREFUSED|connect/i);
    expect(isPermanentIngestError(err)).toBe(false);
    const noDb = threadedOn({ databaseUrl: 'postgres://nobody:x@127.0.0.1:1/none', maxHeapMb: 48 });
    const err2 = await noDb.run(run(campaignCsv(10), 'nodb').input).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(Error);
    expect((err2 as Error).message).toMatch(/ECONNREFUSED|connect/i);
    expect(isPermanentIngestError(err2)).toBe(false);
    await noRedis.close();
    await noDb.close();
  }, 20_000);

  it('a thread that runs out of heap fails its file with CAMPAIGN_INGEST_OUT_OF_MEMORY (retried later); the process carries on', async () => {
    // 6 MB: the thread no longer loads BullMQ, so the 16 MB that used to overflow now fits.
    const tiny = threadedOn({ maxHeapMb: 6, youngGenerationMb: 1 });
    const err = await tiny.run(run(campaignCsv(200), 'oom').input).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CAMPAIGN_INGEST_OUT_OF_MEMORY' });
    expect(isPermanentIngestError(err)).toBe(false);
    const ok = threadedOn({ maxHeapMb: 64 });
    expect(await ok.run(run(campaignCsv(200), 'oom').input)).toMatchObject({ rows: 200 });
  });

  it('close() ends a running ingest (shutdown) and its run fails with CAMPAIGN_INGEST_STOPPED', async () => {
    const threaded = threadedOn({ maxHeapMb: 48 });
    let release!: () => void;
    const stalled = new Promise<void>((r) => { release = r; });
    const source = (async function* () { yield Buffer.from('phone\n3001234501\n'); await stalled; })();
    const pending = threaded.run({ ...run('', 'stall').input, source }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await threaded.close();
    expect(await pending).toMatchObject({ code: 'CAMPAIGN_INGEST_STOPPED' });
    expect(isPermanentIngestError(await pending)).toBe(false);
    release();
  });
});
