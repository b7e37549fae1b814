// Per-row results of a campaign: for each row of each file, in file order, its phone, how many
// attempts were made, the final outcome (or `pending`) and when. Read through CampaignResults —
// Redis today (each file's rows are a sorted set by row number, written at admission; attempt and
// final times come from the settle script), a SQL table later — and written as
// results/<campaign>/<file>.results.csv when the campaign completes, or on demand (API, CLI).
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { campaignChannelId } from '../domain/campaign.ts';
import type { ObjectStore } from './ports.ts';
import type { CampaignStore } from './store.ts';
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

/** What the results report reads: kept small so a SQL store can implement it (issue 16). */
export interface CampaignResults {
  files(campaignId: string): Promise<CampaignFileRecord[]>;
  /** The file's accepted rows in file order, a page at a time. */
  rows(campaignId: string, fileId: string, pageSize?: number): AsyncIterable<RowResult[]>;
  /** The reports were written after the campaign's latest completion. */
  markWritten(campaignId: string): Promise<void>;
  /** Completed campaigns whose reports were not written since they completed. */
  reportsDue(): Promise<string[]>;
}

export function createRedisCampaignResults(redis: Redis, store: Pick<CampaignStore, 'key' | 'list'>): CampaignResults {
  const k = store.key;
  return {
    async markWritten(id) {
      const completedAt = await redis.hget(k(id, 'meta'), 'completedAt');
      if (completedAt) await redis.hset(k(id, 'meta'), 'resultsFor', completedAt);
    },
    async reportsDue() {
      const due: string[] = [];
      for (const id of await store.list()) {
        const [state, completedAt, resultsFor] = await redis.hmget(k(id, 'meta'), 'state', 'completedAt', 'resultsFor');
        if (state === 'completed' && completedAt && resultsFor !== completedAt) due.push(id);
      }
      return due;
    },
    async files(id) {
      const all = await redis.hgetall(k(id, 'files'));
      return Object.entries(all)
        .map(([fileId, json]) => ({ fileId, ...(JSON.parse(json) as Omit<CampaignFileRecord, 'fileId'>) }))
        .sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.file.localeCompare(b.file));
    },
    async *rows(id, fileId, pageSize = 1000) {
      const zkey = k(id, `rows:${fileId}`);
      for (let start = 0; ; start += pageSize) {
        const page = await redis.zrange(zkey, String(start), String(start + pageSize - 1), 'WITHSCORES');
        if (page.length === 0) return;
        const rows: { phone: string; n: number; rowId: string }[] = [];
        for (let i = 0; i < page.length; i += 2) {
          const n = Number(page[i + 1]);
          rows.push({ phone: page[i]!, n, rowId: `${fileId}-${n}` });
        }
        const ids = rows.map((r) => r.rowId);
        const res = await redis
          .multi()
          .hmget(k(id, 'final'), ...ids)
          .hmget(k(id, 'final-at'), ...ids)
          .hmget(k(id, 'row-log'), ...ids)
          .hmget(k(id, 'dialled'), ...ids.map((r) => campaignChannelId(id, r, 1)))
          .exec();
        const col = (i: number) => (res?.[i]?.[1] ?? []) as (string | null)[];
        const [finals, finalAt, logs, dialled] = [col(0), col(1), col(2), col(3)];
        yield rows.map((r, i): RowResult => {
          const [attempts, last, endedAt] = (logs[i] ?? '').split('|');
          const out: RowResult = { rowNumber: r.n, rowId: r.rowId, phone: r.phone, attempts: Number(attempts || 0) };
          if (last) out.lastOutcome = last;
          if (endedAt) out.lastAttemptAt = Number(endedAt);
          if (finals[i]) out.finalOutcome = finals[i]!;
          if (finalAt[i]) out.finalAt = Number(finalAt[i]);
          if (dialled[i]) out.firstDialAt = Number(dialled[i]);
          return out;
        });
        if (page.length < pageSize * 2) return;
      }
    },
  };
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
