// Per-row results of a campaign: for each row of each file, in file order, its phone, how many
// attempts were made, the final outcome (or `pending`) and when. Read through CampaignResults
// (PostgreSQL: the campaign's rows, src/store/campaigns.ts) and written as
// results/<campaign>/<file>.results.csv when the campaign completes, or on demand (API, CLI).
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { DateTime } from 'luxon';
import type { ObjectStore } from './ports.ts';
import { BOM, csvRow } from './reports.ts';

export interface RowResult {
  rowNumber: number;
  rowId: string;
  phone: string;
  /** Attempts that ended with an outcome (a row cancelled before its first dial has 0). */
  attempts: number;
  lastOutcome?: string;
  finalOutcome?: string;
  firstDialAt?: number;
  lastAttemptAt?: number;
  finalAt?: number;
}

export interface CampaignFileRecord {
  fileId: string;
  /** The file's key as uploaded. */
  file: string;
  rows?: number;
  accepted?: number;
  rejected?: number;
  at?: string;
  reportDelimiter?: string;
}

/** What the results report reads. */
export interface CampaignResults {
  files(campaignId: string): Promise<CampaignFileRecord[]>;
  /** The file's accepted rows in file order, a page at a time. */
  rows(campaignId: string, fileId: string, pageSize?: number): AsyncIterable<RowResult[]>;
  /** The reports were written after the campaign's latest completion. */
  markWritten(campaignId: string): Promise<void>;
  /** Completed campaigns whose reports were not written since they completed. */
  reportsDue(): Promise<string[]>;
}

export const RESULTS_HEADER = ['row', 'phone', 'attempts', 'final_outcome', 'last_attempt_outcome', 'first_dialled_at', 'last_attempt_ended_at', 'final_at', 'timezone'];

/** The results CSV of one file, line by line (BOM first). Times are local to `timezone`, as a spreadsheet parses them. */
export async function* resultsCsv(results: CampaignResults, campaignId: string, fileId: string, o: { delimiter: string; timezone: string; withFile?: string }): AsyncGenerator<string> {
  const t = (ms: number | undefined) => (ms === undefined ? '' : DateTime.fromMillis(ms, { zone: o.timezone }).toFormat('yyyy-MM-dd HH:mm:ss'));
  const lead = o.withFile === undefined ? [] : [o.withFile];
  for await (const page of results.rows(campaignId, fileId)) {
    let chunk = '';
    for (const r of page) {
      chunk += csvRow([...lead, String(r.rowNumber), r.phone, String(r.attempts), r.finalOutcome ?? 'pending', r.lastOutcome ?? '', t(r.firstDialAt), t(r.lastAttemptAt), t(r.finalAt), o.timezone], o.delimiter);
    }
    yield chunk;
  }
}

/** The whole campaign as one CSV (a `file` column first), for the API and the CLI. */
export async function* campaignResultsCsv(results: CampaignResults, campaignId: string, o: { delimiter: string; timezone: string }): AsyncGenerator<string> {
  yield BOM + csvRow(['file', ...RESULTS_HEADER], o.delimiter);
  for (const f of await results.files(campaignId)) yield* resultsCsv(results, campaignId, f.fileId, { ...o, withFile: f.file });
}

/** Key of a file's results report: results/<campaign>/<file name without .csv>.results.csv. */
export function resultsKey(resultsPrefix: string, campaignId: string, file: string): string {
  return `${resultsPrefix}${campaignId}/${posix.basename(file).replace(/\.(csv|txt)$/i, '')}.results.csv`;
}

/** Writes every file's results report (streamed to a temp file, then uploaded). Returns the keys. */
export async function writeResultsReports(o: {
  results: CampaignResults;
  objects: ObjectStore;
  campaignId: string;
  resultsPrefix: string;
  timezone: string;
  /** Delimiter for a file whose ingest recorded none. */
  defaultDelimiter: string;
  /** Shutdown: stop between pages (the reports are written again at the next start). */
  signal?: AbortSignal;
}): Promise<string[]> {
  const tmp = await mkdtemp(join(tmpdir(), 'centralita-results-'));
  const written: string[] = [];
  try {
    for (const f of await o.results.files(o.campaignId)) {
      const path = join(tmp, `${f.fileId}.csv`);
      const out = createWriteStream(path);
      const delimiter = f.reportDelimiter ?? o.defaultDelimiter;
      const write = async (s: string) => { if (!out.write(s)) await once(out, 'drain'); };
      try {
        await write(BOM + csvRow(RESULTS_HEADER, delimiter));
        for await (const chunk of resultsCsv(o.results, o.campaignId, f.fileId, { delimiter, timezone: o.timezone })) {
          o.signal?.throwIfAborted();
          await write(chunk);
        }
      } finally {
        out.end();
        await once(out, 'close');
      }
      const key = resultsKey(o.resultsPrefix, o.campaignId, f.file);
      await o.objects.putFile(key, path, 'text/csv; charset=utf-8');
      written.push(key);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return written;
}
