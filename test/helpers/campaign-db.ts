// Campaign tables on a database of their own (the run's PostgreSQL): the store, and rows
// admitted the way the ingest stores them (the COPY RowSink), for tests that need rows without
// a CSV file.
import { openStore, type Store } from '../../src/store/index.ts';
import type { CampaignDb } from '../../src/campaigns/ports.ts';
import type { AdmitCode } from '../../src/campaigns/store.ts';
import { createTestDatabase } from './db.ts';

export interface TestRow { phone: string; rowId: string; rowNumber?: number; priority?: number; dueAt?: number; zoneKey?: string }

export interface CampaignTestDb {
  url: string;
  store: Store;
  db: CampaignDb;
  /** Stores rows of `fileId` (default: the prefix of the row id) as the ingest does; campaign settings must be saved first. */
  admit(campaignId: string, rows: TestRow[], fileId?: string): Promise<AdmitCode[]>;
  close(): Promise<void>;
}

export async function openCampaignTestDb(label: string): Promise<CampaignTestDb> {
  const url = await createTestDatabase(label);
  const store = await openStore({ url, defaultCountry: 'CO' });
  const db = store.campaigns;
  return {
    url, store, db,
    async admit(campaignId, rows, fileId) {
      const fid = fileId ?? rows[0]?.rowId.slice(0, rows[0].rowId.lastIndexOf('-')) ?? 'f';
      const sink = db.rowSink(async (phones) => phones.map(() => false));
      try {
        return await sink.admit({ campaignId, fileId: fid, file: `${fid}.csv` }, rows.map((r) => ({
          rowId: r.rowId, rowNumber: r.rowNumber ?? Number(r.rowId.slice(r.rowId.lastIndexOf('-') + 1)), phone: r.phone, variables: {},
          dueAt: r.dueAt ?? 0, zoneKey: r.zoneKey ?? 'America/Bogota', priority: r.priority ?? 0,
        })));
      } finally {
        await sink.close();
      }
    },
    close: () => store.close(),
  };
}
