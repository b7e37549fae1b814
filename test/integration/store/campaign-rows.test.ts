// The campaign ingest writing rows into PostgreSQL (COPY) instead of one BullMQ job per row:
// the same reader and validation, one row per number, DNC, idempotent re-ingest; and the
// hopper's queries on those rows: due rows by priority then due time, per open zone, taken
// once (two refillers never take the same row), handed back, settled in bulk on cancel.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemoryRowSink, ingestCampaignFile, type IngestSummary } from '../../../src/campaigns/ingest.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';
import { openCampaignTestDb } from '../../helpers/campaign-db.ts';

const settings = parseCampaignSettings({ window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } });
const csv = 'telefono;nombre;prioridad\r\n300 123 4567;Ana "la jefa"\t1;\r\n(601) 555-0101;Luís Ñandú ☎ 😀 \\n;7\r\n3.00123E+9;Roto;\r\n+57 300 123 4567;Ana otra vez;\r\n3109998877;No llamar;\r\n3001112222;Mal;alta\r\n';
const now = Date.parse('2026-03-03T15:00:00Z');

describe('campaign rows in PostgreSQL (hopper ingest)', () => {
  it('stores accepted rows with their data, refuses duplicates and DNC, and a re-ingest adds nothing', async () => {
    const t = await openCampaignTestDb('camprows');
    const store = t.db.store();
    await store.saveSettings('marzo', settings);
    const rejected: string[] = [];
    const run = async () => {
      const rows = t.db.rowSink(async (ps) => ps.map((p) => p === '+573109998877'));
      try {
        return await ingestCampaignFile({
          campaignId: 'marzo', file: 'campaigns/marzo/lista.csv', fileId: 'f1', source: [Buffer.from(csv)], settings, catalog: { flowIds: ['campaign'] },
          defaultCountry: 'CO', nowMs: now, rows, rejected: (l) => { rejected.push(l); }, chunkSize: 2,
        });
      } finally {
        await rows.close();
      }
    };
    const first = await run();
    expect(first).toMatchObject({ rows: 6, accepted: 2, rejected: 4, newlyQueued: 2, rejectedByReason: { duplicate: 1, 'do-not-call': 1, 'spreadsheet-damage': 1, 'invalid-priority': 1 } });
    const q = (text: string) => t.store.database.pool.query(text).then((r) => r.rows);
    const rows = await q('select row_no, phone::text, state, attempt, priority, next_at::text, zone, data from campaign_rows order by row_no');
    expect(rows.map((r) => [r.row_no, r.phone, r.state, r.attempt, r.priority, Number(r.next_at), r.zone])).toEqual([
      [2, '573001234567', 0, 1, 0, now, 'America/Bogota'],
      [3, '576015550101', 0, 1, 7, now, 'America/Bogota'],
    ]);
    // Tabs, quotes and backslashes survive the COPY text format.
    expect(JSON.parse(rows[0].data)).toMatchObject({ name: 'Ana "la jefa"\t1' });
    // Non-ASCII text (two-, three- and four-byte UTF-8) and a literal backslash are written byte for byte.
    expect(JSON.parse(rows[1].data)).toMatchObject({ name: 'Luís Ñandú ☎ 😀 \\n' });
    expect((await store.progress('marzo'))).toMatchObject({ queued: 2, state: 'active' });
    const again = await run();
    expect(again).toMatchObject({ newlyQueued: 0, reAdded: 2, accepted: 2 });
    expect((await q('select count(*)::int as n from campaign_rows'))[0].n).toBe(2);
    expect((await store.progress('marzo')).queued).toBe(2);
    await t.close();
  });

  it('the hopper takes due rows by priority then due time, only of the zones asked, each row once', async () => {
    const t = await openCampaignTestDb('hopperq');
    const store = t.db.store();
    await store.saveSettings('h', settings);
    const rows = Array.from({ length: 40 }, (_, i) => ({
      phone: `+57300${String(1_000_000 + i)}`, rowId: `f-${i + 2}`,
      priority: i % 10 === 0 ? 5 : 0, dueAt: i >= 30 ? now + 60_000 : now - i, zoneKey: i % 2 ? 'America/Bogota' : 'America/Lima',
    }));
    expect(new Set(await t.admit('h', rows))).toEqual(new Set(['new']));
    const [c] = await t.db.hopper.campaigns();
    expect(c).toMatchObject({ campaignId: 'h', state: 'active', inHopper: 0, zones: ['America/Bogota', 'America/Lima'] });
    // Two refillers at once: disjoint rows.
    const [a, b] = await Promise.all([t.db.hopper.take(c!, c!.zones, 8, now), t.db.hopper.take(c!, c!.zones, 8, now)]);
    const ids = [...a, ...b].map((r) => r.rowId);
    expect(new Set(ids).size).toBe(16);
    // Priority 5 rows (i = 0, 10, 20) come first; rows due later (i >= 30) are never taken now.
    const all = [...a, ...b];
    expect(all.filter((r) => r.priority === 5)).toHaveLength(3);
    expect(all.every((r) => Number(r.rowId.slice(2)) - 2 < 30)).toBe(true);
    expect(all.find((r) => r.priority === 5)).toMatchObject({ attempt: 1, hop: 1, phone: expect.stringMatching(/^\+57300/) });
    // Only Lima's rows (even i) when only Lima is open.
    const lima = await t.db.hopper.take(c!, ['America/Lima'], 50, now);
    expect(lima.every((r) => (Number(r.rowId.slice(2)) - 2) % 2 === 0)).toBe(true);
    expect((await t.db.hopper.campaigns())[0]!.inHopper).toBe(16 + lima.length);
    // Handed back: taken again under a new hop.
    await t.db.hopper.untake(a.map((r) => r.ticket));
    const again = await t.db.hopper.take(c!, c!.zones, 50, now);
    expect(a.every((r) => again.some((x) => x.rowId === r.rowId && x.hop === 2))).toBe(true);
    // Cancel: a state change; waiting rows settle in bulk, rows in the hopper are left to their jobs.
    await store.setState('h', 'cancelled');
    const cc = (await t.db.hopper.campaigns())[0]!;
    expect(cc.state).toBe('cancelled');
    const fin = await t.db.hopper.finalizeWaiting(cc, 'cancelled', undefined, 1000, now);
    expect(fin.settled).toBe(10); // the 10 rows due later
    expect((await store.progress('h'))).toMatchObject({ done: 10, final: { cancelled: 10 } });
    expect((await t.db.hopper.finalizeWaiting(cc, 'cancelled', undefined, 1000, now)).settled).toBe(0);
    await t.close();
  });
  it('the direct COPY and the careful way decide every row as the in-memory sink does (duplicates within and across chunks and files, DNC, re-ingest)', async () => {
    const t = await openCampaignTestDb('camprowsprop');
    const store = t.db.store();
    const pool = Array.from({ length: 24 }, (_, i) => `300${String(1_000_000 + i * 37)}`);
    const file = fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 40 }).map((ps) => `telefono;nombre\r\n${ps.map((p, i) => `${i % 2 ? `+57 ${p}` : p};N${i}`).join('\r\n')}\r\n`);
    const totals = { direct: 0, staged: 0 };
    let run = 0;
    const pick = (x: IngestSummary) => ({ rows: x.rows, accepted: x.accepted, newlyQueued: x.newlyQueued, reAdded: x.reAdded, rejected: x.rejected, rejectedByReason: x.rejectedByReason });
    await fc.assert(fc.asyncProperty(file, file, fc.subarray(pool), fc.integer({ min: 1, max: 9 }), async (a, b, dncList, chunkSize) => {
      const campaignId = `p${run++}`;
      await store.saveSettings(campaignId, settings);
      // Numbers go on the do-not-call list after the first file: some are in the campaign already.
      const dnc = new Set<string>();
      const memory = createMemoryRowSink((p) => dnc.has(p));
      const ingest = async (fileId: string, csvText: string, sink: 'pg' | 'memory') => {
        const rejected: string[] = [];
        const pg = sink === 'pg' ? t.db.rowSink(async (ps) => ps.map((p) => dnc.has(p))) : undefined;
        const rows = pg ?? memory;
        try {
          const summary = await ingestCampaignFile({ campaignId, file: `${fileId}.csv`, fileId, source: [Buffer.from(csvText)], settings, catalog: { flowIds: ['campaign'] }, defaultCountry: 'CO', nowMs: now, rows, rejected: (l) => { rejected.push(l); }, chunkSize });
          return { summary: pick(summary), rejected };
        } finally {
          if (pg) {
            totals.direct += pg.stats!.direct;
            totals.staged += pg.stats!.staged;
            await pg.close();
          }
        }
      };
      // File a, file b, then file a again (a redelivered event): the same answers from both sinks.
      for (const [fileId, text] of [['fa', a], ['fb', b], ['fa', a]] as const) {
        expect(await ingest(fileId, text, 'pg')).toEqual(await ingest(fileId, text, 'memory'));
        for (const p of dncList) dnc.add(`+57${p}`);
      }
      const stored = await t.store.database.pool.query<{ n: number; distinct: number }>('select count(*)::int as n, count(distinct phone)::int as distinct from campaign_rows r join campaigns c on c.seq = r.cid where c.id = $1', [campaignId]);
      const queued = (await store.progress(campaignId)).queued;
      expect(stored.rows[0]!.n).toBe(stored.rows[0]!.distinct);
      expect(queued).toBe(stored.rows[0]!.n);
    }), { numRuns: 25 });
    // Both ways were exercised.
    expect(totals.direct).toBeGreaterThan(10);
    expect(totals.staged).toBeGreaterThan(10);
    await t.close();
  });

  it('the close commits synchronously and leaves no setting behind; an ingest whose last commit fails fails', async () => {
    const t = await openCampaignTestDb('camprows-sync');
    await t.db.store().saveSettings('abril', settings);
    const q = (text: string) => t.store.database.pool.query(text).then((r) => r.rows);
    const input = (rows: ReturnType<typeof t.db.rowSink>, fileId: string) => ({
      campaignId: 'abril', file: 'abril.csv', fileId, source: [Buffer.from(csv)], settings, catalog: { flowIds: ['campaign'] },
      defaultCountry: 'CO', nowMs: now, rows, rejected: () => {}, chunkSize: 2,
    });
    // Chunks commit asynchronously on the sink's session; once closed, the pool's connections are as before.
    const sink = t.db.rowSink(async (ps) => ps.map(() => false));
    await ingestCampaignFile(input(sink, 'f1'));
    await sink.close();
    expect((await q('select count(*)::int as n from campaign_rows'))[0].n).toBe(3);
    // (Each connection's setting is the server's, whatever that is: the test server runs with it off.)
    const seen = await Promise.all([0, 1, 2].map(() => q(`select setting = reset_val as same from pg_settings where name = 'synchronous_commit'`)));
    expect(seen.map((r) => r[0].same)).toEqual([true, true, true]);
    // The final synchronous commit cannot run (the session was ended): close() rejects, so the ingest is not reported done.
    const again = t.db.rowSink(async (ps) => ps.map(() => false));
    await ingestCampaignFile(input(again, 'f2'));
    await q('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    await expect(again.close()).rejects.toThrow();
    await t.close();
  });
});
