// Ingest of one campaign file: stream → CSV → validate → dedupe + do-not-call (Redis, in
// chunks) → one `originate` job per accepted row via addBulk with a deterministic job id.
// Re-running it on the same file (redelivered S3 event, retried ingest) adds nothing twice:
// row ids come from the file identity and row number, and BullMQ ignores a known job id.
import type { CampaignSettings } from '../domain/campaign.ts';
import { originateJobId, windowDecision, type WindowDecision } from '../domain/campaign.ts';
import { checkRow, mapHeader, neutralizeCell, zonesForRow, CampaignFileError, type CampaignRow, type HeaderMapping } from '../domain/campaign-row.ts';
import { readCsv, type CsvEncoding } from './csv.ts';
import type { AdmitCode } from './store.ts';

export const ORIGINATE_JOB = 'originate';

export interface OriginateJobData {
  campaignId: string;
  rowId: string;
  attempt: number;
  phone: string;
  country?: string;
  name?: string;
  contactId?: string;
  timezone?: string;
  variables: Record<string, string>;
  file: string;
  /** How many times this job found its campaign paused (its re-check delay doubles each time). */
  pausedChecks?: number;
}

export interface OriginateJobSpec {
  name: string;
  data: OriginateJobData;
  opts: { jobId: string; delay?: number; attempts?: number; backoff?: { type: 'exponential'; delay: number }; removeOnComplete?: { age: number }; removeOnFail?: { age: number } };
}

/** Where accepted rows go: a BullMQ Queue satisfies it; dry-run passes none. */
export interface JobSink {
  addBulk(jobs: OriginateJobSpec[]): Promise<unknown>;
}
/** Dedupe + DNC for a batch of rows: CampaignStore in production, an in-memory gate for dry-run. */
export interface RowGate {
  admit(campaignId: string, rows: { phone: string; rowId: string }[]): Promise<AdmitCode[]>;
}

export type RejectReason = string;

export interface IngestSummary {
  campaignId: string;
  file: string;
  fileId: string;
  encoding?: CsvEncoding;
  delimiter?: string;
  headers?: string[];
  variables?: string[];
  rows: number;
  accepted: number;
  newlyQueued: number;
  reAdded: number;
  alreadyHandled: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  delayedToWindow: number;
  firstDialAt?: string;
  estimatedDialSeconds: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  rowsPerSecond: number;
}

export interface IngestInput {
  campaignId: string;
  /** The file as the operator named it (S3 key or path), for reports. */
  file: string;
  /** Stable identity of this file version (hash of key + ETag): part of every row id. */
  fileId: string;
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  settings: CampaignSettings;
  defaultCountry: string;
  nowMs: number;
  gate: RowGate;
  sink?: JobSink;
  /** Receives the rejected-rows CSV, line by line (header first). */
  rejected: (line: string) => void | Promise<void>;
  /** Called after each chunk (progress logging). */
  onProgress?: (rows: number) => void | Promise<void>;
  chunkSize?: number;
  /** Job retention: completed originate jobs are kept this long so a late re-ingest still finds their ids. */
  keepJobsSec?: number;
  clock?: () => number;
}

/** Options of every originate job. BullMQ attempts cover infrastructure errors (Redis, PBX down);
 *  dial attempts (busy, no-answer…) are separate jobs with their own ids. */
export function originateJobOptions(keepSec: number): Omit<OriginateJobSpec['opts'], 'jobId'> {
  return { attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { age: keepSec }, removeOnFail: { age: keepSec } };
}

function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',') + '\r\n';
}

export async function ingestCampaignFile(input: IngestInput): Promise<IngestSummary> {
  // Durations are wall-clock; the dialling decisions use input.nowMs.
  const clock = input.clock ?? Date.now;
  const started = clock();
  const chunkSize = input.chunkSize ?? 1000;
  const keep = input.keepJobsSec ?? 14 * 86_400;
  const country = input.settings.defaultCountry ?? input.defaultCountry;
  const s: IngestSummary = {
    campaignId: input.campaignId, file: input.file, fileId: input.fileId, rows: 0, accepted: 0, newlyQueued: 0, reAdded: 0, alreadyHandled: 0,
    rejected: 0, rejectedByReason: {}, delayedToWindow: 0, estimatedDialSeconds: 0, startedAt: new Date(started).toISOString(), finishedAt: '', durationMs: 0, rowsPerSecond: 0,
  };
  let firstDial = Number.POSITIVE_INFINITY;
  let mapping: HeaderMapping | undefined;
  const windowCache = new Map<string, WindowDecision>();
  let pending: CampaignRow[] = [];
  let inflight: Promise<unknown> = Promise.resolve();

  const reject = async (rowNumber: number, reason: string, detail: string | undefined, original: string[]) => {
    s.rejected += 1;
    s.rejectedByReason[reason] = (s.rejectedByReason[reason] ?? 0) + 1;
    await input.rejected(csvLine([String(rowNumber), reason, neutralizeCell(detail ?? ''), ...original.map(neutralizeCell)]));
  };
  const originals = new Map<string, string[]>();
  const dialAt = new Map<string, number>();

  const flush = async () => {
    if (pending.length === 0) return;
    const rows = pending;
    pending = [];
    const codes = await input.gate.admit(input.campaignId, rows);
    const jobs: OriginateJobSpec[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const code = codes[i];
      if (code === 'duplicate' || code === 'do-not-call') {
        await reject(row.rowNumber, code, code === 'duplicate' ? `${row.phone} is already in this campaign` : `${row.phone} is on the do-not-call list`, originals.get(row.rowId) ?? []);
        continue;
      }
      const at = dialAt.get(row.rowId) ?? input.nowMs;
      s.accepted += 1;
      if (at > input.nowMs) s.delayedToWindow += 1;
      if (at < firstDial) firstDial = at;
      if (code === 'handled') { s.alreadyHandled += 1; continue; }
      if (code === 'new') s.newlyQueued += 1;
      else s.reAdded += 1;
      const data: OriginateJobData = { campaignId: input.campaignId, rowId: row.rowId, attempt: 1, phone: row.phone, variables: row.variables, file: input.file };
      if (row.country) data.country = row.country;
      if (row.name) data.name = row.name;
      if (row.contactId) data.contactId = row.contactId;
      if (row.timezone) data.timezone = row.timezone;
      const opts: OriginateJobSpec['opts'] = { jobId: originateJobId(input.campaignId, row.rowId, 1), ...originateJobOptions(keep) };
      if (at > input.nowMs) opts.delay = at - input.nowMs;
      jobs.push({ name: ORIGINATE_JOB, data, opts });
    }
    originals.clear();
    dialAt.clear();
    // One addBulk in flight while the next chunk is parsed and gated: Redis work overlaps the
    // CPU work. Gates stay in order (same connection), so dedupe across chunks is unaffected.
    await inflight;
    if (jobs.length && input.sink) {
      const p = input.sink.addBulk(jobs);
      p.catch(() => {}); // surfaced by the next `await inflight`
      inflight = p;
    }
    await input.onProgress?.(s.rows);
  };

  for await (const item of readCsv(input.source)) {
    if (item.kind === 'header') {
      mapping = mapHeader(item.headers);
      s.encoding = item.encoding;
      s.delimiter = item.delimiter;
      s.headers = item.headers;
      s.variables = mapping.variables.map((v) => v.name);
      await input.rejected(csvLine(['row', 'reason', 'detail', ...item.headers.map(neutralizeCell)]));
      continue;
    }
    if (!mapping) throw new CampaignFileError('CAMPAIGN_NO_HEADER', 'the file has no header row');
    s.rows += 1;
    if (item.kind === 'malformed') {
      await reject(item.rowNumber, 'malformed-row', item.message, [item.raw]);
      continue;
    }
    const rowId = `${input.fileId}-${item.rowNumber}`;
    const r = checkRow(item.cells, item.rowNumber, rowId, mapping, country);
    if (!r.ok) {
      await reject(item.rowNumber, r.reason, r.detail, item.cells);
      continue;
    }
    // Window first: a row that can never be called before endDate is rejected, not queued.
    const zones = zonesForRow(r.row, input.settings.fallbackTimezone);
    const zkey = zones.join('|');
    let w = windowCache.get(zkey);
    if (!w) windowCache.set(zkey, (w = windowDecision(input.nowMs, zones, input.settings)));
    if (w.kind === 'expired') {
      await reject(item.rowNumber, 'no-calling-window', w.reason, item.cells);
      continue;
    }
    if (w.kind === 'later') dialAt.set(rowId, w.at);
    originals.set(rowId, item.cells);
    pending.push(r.row);
    if (pending.length >= chunkSize) await flush();
  }
  if (!mapping) throw new CampaignFileError('CAMPAIGN_EMPTY_FILE', 'the file is empty (no header row)');
  await flush();
  await inflight;
  const finished = clock();
  s.finishedAt = new Date(finished).toISOString();
  s.durationMs = finished - started;
  s.rowsPerSecond = s.durationMs > 0 ? Math.round((s.rows * 1000) / s.durationMs) : 0;
  if (Number.isFinite(firstDial)) s.firstDialAt = new Date(firstDial).toISOString();
  s.estimatedDialSeconds = Math.ceil(s.accepted / input.settings.maxCallsPerSecond);
  return s;
}

/** In-memory dedupe + DNC for dry-run (nothing is written anywhere). */
export function createMemoryGate(dnc: (phone: string) => boolean | Promise<boolean>): RowGate {
  const seen = new Map<string, string>();
  return {
    async admit(_id, rows) {
      const out: AdmitCode[] = [];
      for (const r of rows) {
        const cur = seen.get(r.phone);
        if (cur === r.rowId) out.push('again');
        else if (cur) out.push('duplicate');
        else if (await dnc(r.phone)) out.push('do-not-call');
        else { seen.set(r.phone, r.rowId); out.push('new'); }
      }
      return out;
    },
  };
}
