// The campaign ingest writing rows into PostgreSQL (COPY) instead of one BullMQ job per row:
// the same reader and validation, one row per number, DNC, idempotent re-ingest.
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.ts';
import { pgCampaignRows } from '../../../src/store/campaign-rows.ts';
import { ingestCampaignFile } from '../../../src/campaigns/ingest.ts';
import { parseCampaignSettings } from '../../../src/domain/campaign.ts';
import { createTestDatabase } from '../../helpers/db.ts';

const settings = parseCampaignSettings({ window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } });
const csv = 'telefono;nombre\r\n300 123 4567;Ana "la jefa"\r\n(601) 555-0101;Luis\r\n3.00123E+9;Roto\r\n+57 300 123 4567;Ana otra vez\r\n3109998877;No llamar\r\n';

describe('campaign rows in PostgreSQL (hopper ingest)', () => {
  it('stores accepted rows with their data, refuses duplicates and DNC, and a re-ingest adds nothing', async () => {
    const store = await openStore({ url: await createTestDatabase('camprows'), defaultCountry: 'CO' });
    const { gate, sink } = pgCampaignRows(store.database.pool, { dnc: async (ps) => ps.map((p) => p === '+573109998877'), now: () => Date.parse('2026-03-03T15:00:00Z') });
    const run = () => ingestCampaignFile({
      campaignId: 'marzo', file: 'campaigns/marzo/lista.csv', fileId: 'f1', source: [Buffer.from(csv)], settings, catalog: { flowIds: ['campaign'] },
      defaultCountry: 'CO', nowMs: Date.parse('2026-03-03T15:00:00Z'), gate, sink, rejected: () => {}, chunkSize: 2,
    });
    const first = await run();
    expect(first).toMatchObject({ rows: 5, accepted: 2, rejected: 3 });
    const rows = (await store.database.pool.query('select phone, state, attempt, data from campaign_rows order by row_no')).rows;
    expect(rows.map((r) => r.phone)).toEqual(['+573001234567', '+576015550101']);
    expect(rows[0].data).toMatchObject({ name: 'Ana "la jefa"' });
    expect(rows.every((r) => r.state === 'pending' && r.attempt === 1)).toBe(true);
    const again = await run();
    expect(again.newlyQueued).toBe(0);
    expect((await store.database.pool.query('select count(*)::int as n from campaign_rows')).rows[0].n).toBe(2);
    await store.close();
  });
});
