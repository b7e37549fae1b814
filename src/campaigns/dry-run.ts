// `centralita campaign dry-run`: the whole ingest path (parse, validate, dedupe, DNC, windows)
// with nothing written and nothing dialled, plus when dialling would start and end.
import { finishWithinWindows, type CampaignCatalog, type CampaignSettings } from '../domain/campaign.ts';
import { zonesForRow } from '../domain/campaign-row.ts';
import { ingestCampaignFile, createMemoryRowSink, type IngestSummary } from './ingest.ts';

export interface DryRunResult {
  file: string;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  lines: number;
  rows: number;
  encoding?: string;
  encodingRows?: { utf8: number; win1252: number };
  delimiter?: string;
  reportDelimiter?: string;
  variables?: string[];
  firstDialAt?: string;
  estimatedDurationSec: number;
  estimatedFinishAt?: string;
  pace: { maxCallsPerSecond: number; maxConcurrentCalls: number };
  window: CampaignSettings['window'] & { startDate?: string; endDate?: string };
  byTimezone: Record<string, number>;
  rejectedSample: string[];
  summary: IngestSummary;
}

export async function dryRunCampaign(o: {
  file: string;
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  settings: CampaignSettings;
  /** The flow ids the settings are checked against (a typo'd flowId fails the dry-run). */
  catalog: CampaignCatalog;
  defaultCountry: string;
  nowMs: number;
  isDnc: (phone: string) => boolean | Promise<boolean>;
  sampleSize?: number;
}): Promise<DryRunResult> {
  const sample: string[] = [];
  const byTz: Record<string, number> = {};
  const rows = createMemoryRowSink(o.isDnc, (row) => {
    const z = zonesForRow(row, o.settings.fallbackTimezone).join('+');
    byTz[z] = (byTz[z] ?? 0) + 1;
  });
  let lines = 0;
  const summary = await ingestCampaignFile({
    campaignId: 'dry-run', file: o.file, fileId: 'dry', source: o.source, settings: o.settings, catalog: o.catalog, defaultCountry: o.defaultCountry, nowMs: o.nowMs,
    rows, rejected: (l) => { if (lines++ > 0 && sample.length < (o.sampleSize ?? 20)) sample.push(l.trimEnd()); },
  });
  const seconds = summary.accepted / o.settings.maxCallsPerSecond;
  const dominant = Object.entries(byTz).sort((a, b) => b[1] - a[1])[0]?.[0]?.split('+') ?? [o.settings.fallbackTimezone];
  const start = summary.firstDialAt ? Date.parse(summary.firstDialAt) : undefined;
  const finish = start !== undefined ? finishWithinWindows(start, seconds, dominant, o.settings) : undefined;
  return {
    file: o.file, lines: summary.lines, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, rejectedByReason: summary.rejectedByReason,
    encoding: summary.encoding, ...(summary.encodingRows ? { encodingRows: summary.encodingRows } : {}), delimiter: summary.delimiter, reportDelimiter: summary.reportDelimiter, variables: summary.variables,
    firstDialAt: summary.firstDialAt, estimatedDurationSec: Math.ceil(seconds), estimatedFinishAt: finish !== undefined ? new Date(finish).toISOString() : undefined,
    pace: { maxCallsPerSecond: o.settings.maxCallsPerSecond, maxConcurrentCalls: o.settings.maxConcurrentCalls },
    window: { ...o.settings.window, startDate: o.settings.startDate, endDate: o.settings.endDate },
    byTimezone: byTz, rejectedSample: sample, summary,
  };
}
