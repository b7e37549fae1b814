// Ingest of one campaign file: stream → CSV → validate → dedupe + do-not-call (Redis, in
// chunks) → one `originate` job per accepted row via addBulk with a deterministic job id.
// Re-running it on the same file (redelivered S3 event, retried ingest) adds nothing twice:
// row ids come from the file identity and row number, and BullMQ ignores a known job id.
import type { CampaignCatalog, CampaignSettings } from '../domain/campaign.ts';
import { assertCampaignReferences, originateJobId, windowDecision, type WindowDecision } from '../domain/campaign.ts';
import { checkRow, mapHeader, zonesForRow, CampaignFileError, type CampaignRow, type HeaderMapping } from '../domain/campaign-row.ts';
import { readCsv, type CsvItem, type CsvLimits } from './csv.ts';
import { csvRow, reportDelimiter } from './reports.ts';
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
  /** `fileId`: the rows' file, so a store can keep each file's rows in order (results report). */
  admit(campaignId: string, rows: { phone: string; rowId: string; rowNumber?: number }[], fileId?: string): Promise<AdmitCode[]>;
}

export type RejectReason = string;

/** How the file's text was decoded: one encoding, or UTF-8 with some rows in Windows-1252. */
export type IngestEncoding = 'utf8' | 'win1252' | 'utf16le' | 'utf16be' | 'utf8+win1252';

export interface IngestSummary {
  campaignId: string;
  file: string;
  fileId: string;
  encoding?: IngestEncoding;
  /** Rows with non-ASCII text, by the encoding they were decoded with (decided row by row). */
  encodingRows?: { utf8: number; win1252: number };
  delimiter?: string;
  /** Delimiter of the reports written for this file (see reports.ts). */
  reportDelimiter?: string;
  headers?: string[];
  variables?: string[];
  /** Physical lines of the file, header included: every one ended as header, accepted or rejected. */
  lines: number;
  /** Data records (a quoted value may span lines): rows == accepted + rejected, always. */
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
  /** What the settings may refer to (the flow registry's ids): checked before any row is read. */
  catalog: CampaignCatalog;
  defaultCountry: string;
  nowMs: number;
  gate: RowGate;
  sink?: JobSink;
  /** Receives the rejected-rows CSV, line by line (header first, then rows in file order; no BOM). */
  rejected: (line: string) => void | Promise<void>;
  /** Called after each chunk (progress logging). */
  onProgress?: (rows: number) => void | Promise<void>;
  chunkSize?: number;
  /** Job retention: completed originate jobs are kept this long so a late re-ingest still finds their ids. */
  keepJobsSec?: number;
  /** CSV reader limits (tests use small ones). */
  csvLimits?: Partial<CsvLimits>;
  clock?: () => number;
}

/** Options of every originate job. BullMQ attempts cover infrastructure errors (Redis, PBX down);
 *  dial attempts (busy, no-answer…) are separate jobs with their own ids. */
export function originateJobOptions(keepSec: number): Omit<OriginateJobSpec['opts'], 'jobId'> {
  return { attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: { age: keepSec }, removeOnFail: { age: keepSec } };
}

/** Reason of a record the CSV reader could not parse. */
function malformedReason(item: Extract<CsvItem, { kind: 'malformed' }>): string {
  return item.code === 'record-too-large' ? 'row-too-large' : 'malformed-row';
}

export async function ingestCampaignFile(input: IngestInput): Promise<IngestSummary> {
  // Before any row: a campaign pointing at a flow the app does not have must dial nobody.
  assertCampaignReferences(input.settings, input.catalog);
  // Durations are wall-clock; the dialling decisions use input.nowMs.
  const clock = input.clock ?? Date.now;
  const started = clock();
  const chunkSize = input.chunkSize ?? 1000;
  const keep = input.keepJobsSec ?? 14 * 86_400;
  const country = input.settings.defaultCountry ?? input.defaultCountry;
  const s: IngestSummary = {
    campaignId: input.campaignId, file: input.file, fileId: input.fileId, lines: 0, rows: 0, accepted: 0, newlyQueued: 0, reAdded: 0, alreadyHandled: 0,
    rejected: 0, rejectedByReason: {}, delayedToWindow: 0, estimatedDialSeconds: 0, startedAt: new Date(started).toISOString(), finishedAt: '', durationMs: 0, rowsPerSecond: 0,
  };
  let firstDial = Number.POSITIVE_INFINITY;
  let mapping: HeaderMapping | undefined;
  let delimiter = ',';
  const windowCache = new Map<string, WindowDecision>();
  let pending: CampaignRow[] = [];
  // Rejections of the rows of the current chunk, written in row order when the chunk is flushed
  // (duplicates and do-not-call are only known then).
  let held: { rowNumber: number; line: string }[] = [];
  let inflight: Promise<unknown> = Promise.resolve();

  const reject = (rowNumber: number, line: number, reason: string, detail: string | undefined, original: string[]) => {
    s.rejected += 1;
    s.rejectedByReason[reason] = (s.rejectedByReason[reason] ?? 0) + 1;
    held.push({ rowNumber, line: csvRow([String(rowNumber), String(line), reason, detail ?? '', ...original], delimiter) });
  };
  const originals = new Map<string, { cells: string[]; line: number }>();
  const dialAt = new Map<string, number>();

  const flush = async () => {
    const rows = pending;
    pending = [];
    const codes = rows.length ? await input.gate.admit(input.campaignId, rows, input.fileId) : [];
    const jobs: OriginateJobSpec[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const code = codes[i];
      if (code === 'duplicate' || code === 'do-not-call') {
        const o = originals.get(row.rowId);
        reject(row.rowNumber, o?.line ?? row.rowNumber, code, code === 'duplicate' ? `${row.phone} is already in this campaign` : `${row.phone} is on the do-not-call list`, o?.cells ?? []);
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
    if (held.length) {
      const out = held.sort((a, b) => a.rowNumber - b.rowNumber);
      held = [];
      for (const h of out) await input.rejected(h.line);
    }
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

  let end: Extract<CsvItem, { kind: 'end' }> | undefined;
  let container: string | undefined;
  for await (const item of readCsv(input.source, input.csvLimits)) {
    if (item.kind === 'end') { end = item; break; }
    if (item.kind === 'header') {
      if (item.columns > item.headers.length) throw new CampaignFileError('CAMPAIGN_TOO_MANY_COLUMNS', `the header has ${item.columns} columns; at most ${item.headers.length}`);
      mapping = mapHeader(item.headers);
      container = item.container;
      s.delimiter = item.delimiter;
      delimiter = s.reportDelimiter = reportDelimiter(input.settings, country, item.delimiter);
      s.headers = item.headers;
      s.variables = mapping.variables.map((v) => v.name);
      await input.rejected(csvRow(['row', 'line', 'reason', 'detail', ...item.headers], delimiter));
      continue;
    }
    if (!mapping) {
      // Only a header line the reader could not parse gets here.
      const detail = item.kind === 'malformed' ? `${item.message}: ${item.raw.slice(0, 200)}` : 'unreadable first line';
      throw new CampaignFileError('CAMPAIGN_BAD_HEADER', `the header row (line 1) cannot be read: ${detail}`);
    }
    s.rows += 1;
    if (item.kind === 'malformed') {
      reject(item.rowNumber, item.line, malformedReason(item), `${item.code}: ${item.message}`, [item.raw]);
    } else {
      const rowId = `${input.fileId}-${item.rowNumber}`;
      const r = checkRow(item.cells, item.rowNumber, rowId, mapping, country, item.columns);
      if (!r.ok) reject(item.rowNumber, item.line, r.reason, r.detail, item.cells);
      else {
        // Window first: a row that can never be called before endDate is rejected, not queued.
        const zones = zonesForRow(r.row, input.settings.fallbackTimezone);
        const zkey = zones.join('|');
        let w = windowCache.get(zkey);
        if (!w) windowCache.set(zkey, (w = windowDecision(input.nowMs, zones, input.settings)));
        if (w.kind === 'expired') reject(item.rowNumber, item.line, 'no-calling-window', w.reason, item.cells);
        else {
          if (w.kind === 'later') dialAt.set(rowId, w.at);
          originals.set(rowId, { cells: item.cells, line: item.line });
          pending.push(r.row);
        }
      }
    }
    if (pending.length + held.length >= chunkSize) await flush();
  }
  if (!mapping || !end) throw new CampaignFileError('CAMPAIGN_EMPTY_FILE', 'the file is empty (no header row)');
  // Every physical line must be the header, an accepted row or a rejected one: a reader that lost
  // lines fails the file loudly instead of reporting a shorter one.
  if (end.records !== s.rows + 1 || end.recordLines !== end.lines)
    throw new CampaignFileError('CAMPAIGN_ROWS_UNACCOUNTED', `the file has ${end.lines} lines but ${end.recordLines} were read as ${end.records} records (${s.rows} rows): refusing a partial ingest`);
  await flush();
  await inflight;
  if (s.accepted + s.rejected !== s.rows)
    throw new CampaignFileError('CAMPAIGN_ROWS_UNACCOUNTED', `${s.rows} rows but ${s.accepted} accepted + ${s.rejected} rejected`);
  s.lines = end.lines;
  const d = end.decoded;
  s.encoding = container === 'utf16le' || container === 'utf16be' ? container : d.win1252 === 0 ? 'utf8' : d.utf8 === 0 ? 'win1252' : 'utf8+win1252';
  if (d.utf8 + d.win1252 > 0) s.encodingRows = { ...d };
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
