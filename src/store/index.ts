// The system of record, assembled: one pool, migrations applied, repositories in domain
// terms. main.ts (and the worker process) build it once and pass the repositories down.
import { openDatabase, redactUrl, type Database } from './db.ts';
import { pgCallHistory } from './call-history.ts';
import { pgAuditLog } from './audit-log.ts';
import { pgReports } from './reports.ts';
import { pgRecordingCatalog } from './recordings.ts';
import { pgRetention, type RetentionStore } from './retention.ts';
import type { RecordingCatalog } from '../recordings/ports.ts';
import type { CallHistory, QueueThresholds, Reports } from '../history/ports.ts';
import type { AuditLog } from '../audit/port.ts';
import { pgSessionStore, pgTokenStore, pgUserStore } from './auth.ts';
import type { AuthStores } from '../auth/ports.ts';
import type { CampaignDb } from '../campaigns/ports.ts';
import { pgCampaignResults, pgCampaignStore } from './campaigns.ts';
import { pgHopperStore } from './campaign-hopper.ts';
import { pgCampaignRowSink } from './campaign-rows.ts';

export interface Store {
  database: Database;
  history: CallHistory;
  audit: AuditLog;
  /** Users, API tokens, sessions and the audit log (issue 15). */
  auth: AuthStores;
  recordings: RecordingCatalog;
  retention: RetentionStore;
  /** Campaign files, rows, attempts and outcomes; the dialler's hopper reads from here. */
  campaigns: CampaignDb;
  /** Reports; SL thresholds per queue come from the queue configuration. */
  reports(thresholds: () => Record<string, QueueThresholds>): Reports;
  /** Migrations applied by this start (empty when the schema was current). */
  migrated: string[];
  close(): Promise<void>;
}

export interface StoreOptions {
  url: string;
  defaultCountry: string;
  poolMax?: number;
  /** SL thresholds per queue at the time events are stored (for the 15-minute rollups). */
  thresholds?: () => Record<string, QueueThresholds>;
  onError?: (err: Error) => void;
}

export async function openStore(o: StoreOptions): Promise<Store> {
  const database = openDatabase({ url: o.url, ...(o.poolMax ? { max: o.poolMax } : {}), ...(o.onError ? { onError: o.onError } : {}) });
  try {
    const migrated = await database.migrate();
    const audit = pgAuditLog(database.db);
    return {
      database,
      history: pgCallHistory(database.db, { defaultCountry: o.defaultCountry, ...(o.thresholds ? { thresholds: o.thresholds } : {}) }),
      audit,
      auth: { users: pgUserStore(database.db), tokens: pgTokenStore(database.db), sessions: pgSessionStore(database.db), audit },
      recordings: pgRecordingCatalog(database.db),
      retention: pgRetention(database.db),
      campaigns: campaignDb(database.pool, o.url),
      reports: (thresholds) => pgReports(database.db, { thresholds }),
      migrated,
      close: () => database.close(),
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}

export function campaignDb(pool: Database['pool'], url: string): CampaignDb {
  return {
    url,
    store: (opts) => pgCampaignStore(pool, opts),
    results: pgCampaignResults(pool),
    hopper: pgHopperStore(pool),
    rowSink: (dnc) => pgCampaignRowSink(pool, { dnc }),
  };
}

export { redactUrl };
export type { RetentionStore, RetentionKind } from './retention.ts';
export { ensureDatabase, waitForDatabase } from './db.ts';
