// Campaign file ingest as a service: one object key in → settings resolved, rows streamed and
// stored, reports written next to the campaign. The SQS consumer, the Lambda handler and the
// local inbox watcher all call `ingestObject`, so they behave the same.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { once } from 'node:events';
import type { Logger } from '../logger.ts';
import { assertCampaignReferences, parseCampaignSettings, sanitizeId, CampaignSettingsError, type CampaignSettingsInput } from '../domain/campaign.ts';
import { checkCampaignDialling, type DialPolicy } from '../domain/dial-policy.ts';
import { CampaignFileError } from '../domain/campaign-row.ts';
import type { IngestSummary, RowSink } from './ingest.ts';
import { createInlineIngestRunner, type IngestRunner } from './ingest-thread.ts';
import type { ObjectStore } from './ports.ts';
import type { CampaignStore } from './store.ts';
import type { CampaignMetrics } from './metrics.ts';
import type { CatalogSource } from './catalog.ts';

export interface IngestServiceDeps {
  store: CampaignStore;
  /** Where rows are parsed and stored: a runner (the app's ingest thread), or this thread with `rows()`. */
  runner?: IngestRunner;
  rows?: () => RowSink & { close?(): Promise<void> };
  objects: ObjectStore;
  /** The ids campaign.json may refer to (flow registry): checked before anything is saved or queued. */
  catalog: CatalogSource;
  /** Key prefix of campaign files, e.g. `campaigns/`. */
  campaignsPrefix: string;
  /** Where reports go, e.g. `results/` → results/<campaign>/<file>.summary.json. */
  resultsPrefix?: string;
  defaultSettings?: CampaignSettingsInput;
  defaultCountry: string;
  logger: Logger;
  metrics?: CampaignMetrics;
  clock: () => number;
  chunkSize?: number;
  /** Toll-fraud allow-list: a campaign.json choosing another endpoint or caller ID is refused. */
  dialPolicy?: DialPolicy;
}

export type IngestOutcome =
  | { status: 'ignored'; key: string; reason: string }
  | { status: 'done'; key: string; campaignId: string; summary: IngestSummary; reports: { summary: string; rejected: string } };

const INGEST_LEASE_MS = 10 * 60_000;

/** Errors that will fail the same way however often they are retried (bad file, bad settings). */
export function isPermanentIngestError(err: unknown): boolean {
  return err instanceof CampaignFileError || err instanceof CampaignSettingsError || (err as { code?: string }).code === 'CAMPAIGN_SETTINGS_JSON';
}

export interface CampaignKey {
  campaignId: string;
  dir: string; // prefix of the file's folder (campaign.json lives here)
  baseName: string; // file name without .csv
}

/** `campaigns/<campaign>/<file>.csv` → campaign id, folder and base name; undefined when out of scope. */
export function campaignKey(key: string, prefix: string, resultsPrefix = 'results/'): CampaignKey | { ignored: string } {
  if (!key.startsWith(prefix)) return { ignored: `outside the campaigns prefix "${prefix}"` };
  if (key.startsWith(resultsPrefix)) return { ignored: 'a report written by centralita' };
  if (!/\.(csv|txt)$/i.test(key)) return { ignored: 'not a .csv file' };
  const rest = key.slice(prefix.length);
  const parts = rest.split('/').filter(Boolean);
  const file = parts.pop()!;
  const baseName = file.replace(/\.(csv|txt)$/i, '');
  const campaignId = sanitizeId(parts[0] ?? baseName);
  return { campaignId, dir: posix.dirname(key) === '.' ? '' : `${posix.dirname(key)}/`, baseName };
}

export interface CampaignIngestService {
  ingestObject(key: string, opts?: { etag?: string; onProgress?: (rows: number) => void | Promise<void> }): Promise<IngestOutcome>;
  /** Writes results/<campaign>/<file>.error.json for a file that could not be ingested. */
  reportFailure(key: string, err: unknown, extra?: Record<string, unknown>): Promise<void>;
}

export function createCampaignIngestService(deps: IngestServiceDeps): CampaignIngestService {
  const resultsPrefix = deps.resultsPrefix ?? 'results/';
  const log = deps.logger.child({ component: 'campaign-ingest' });
  if (!deps.runner && !deps.rows) throw new Error('createCampaignIngestService needs a runner or a row sink');
  const runner = deps.runner ?? createInlineIngestRunner({ sink: deps.rows! });

  async function loadSettings(dir: string) {
    const text = await deps.objects.getText(`${dir}campaign.json`);
    if (text === undefined) return parseCampaignSettings({}, deps.defaultSettings);
    let json: unknown;
    try { json = JSON.parse(text); } catch (err) {
      throw Object.assign(new CampaignSettingsError([`${dir}campaign.json is not valid JSON: ${(err as Error).message}`]), {});
    }
    const settings = parseCampaignSettings(json, deps.defaultSettings);
    const refused = deps.dialPolicy ? checkCampaignDialling(deps.dialPolicy, settings) : [];
    if (refused.length) throw new CampaignSettingsError(refused.map((p) => `${dir}campaign.json ${p}`));
    return settings;
  }

  return {
    async ingestObject(key, opts = {}) {
      const ck = campaignKey(key, deps.campaignsPrefix, resultsPrefix);
      if ('ignored' in ck) {
        log.debug({ key, reason: ck.ignored }, 'object ignored');
        deps.metrics?.ingestFiles.inc({ status: 'ignored' });
        return { status: 'ignored', key, reason: ck.ignored };
      }
      const settings = await loadSettings(ck.dir);
      const catalog = await deps.catalog();
      // A typo'd flowId refuses the file before its settings are saved or a row is queued.
      assertCampaignReferences(settings, catalog);
      const obj = await deps.objects.get(key);
      if (!obj) throw new CampaignFileError('CAMPAIGN_FILE_MISSING', `${deps.objects.describe(key)} does not exist (deleted after the event was sent?)`);
      await deps.store.saveSettings(ck.campaignId, settings);
      const etag = opts.etag ?? obj.etag;
      const fileId = createHash('sha1').update(`${key}\0${etag}`).digest('hex').slice(0, 10);
      const tmp = await mkdtemp(join(tmpdir(), 'centralita-ingest-'));
      // While the file is read the campaign cannot become `completed` (its rows so far may all be
      // final already); the lease is renewed as rows come and expires if this process dies.
      await deps.store.holdIngest(ck.campaignId, fileId, INGEST_LEASE_MS);
      let ingested = false;
      try {
        const rejectedPath = join(tmp, 'rejected.csv');
        const out = createWriteStream(rejectedPath);
        out.write('\uFEFF'); // Excel opens UTF-8 reports correctly only with a BOM
        const write = async (line: string) => { if (!out.write(line)) await once(out, 'drain'); };
        let renewedAt = deps.clock();
        const onProgress = async (rows: number) => {
          if (deps.clock() - renewedAt > INGEST_LEASE_MS / 4) { renewedAt = deps.clock(); await deps.store.holdIngest(ck.campaignId, fileId, INGEST_LEASE_MS); }
          await opts.onProgress?.(rows);
        };
        let summary: IngestSummary;
        try {
          summary = await runner.run({
            campaignId: ck.campaignId, file: key, fileId, source: obj.body, settings, catalog, defaultCountry: deps.defaultCountry, nowMs: deps.clock(),
            rejected: write, onProgress, chunkSize: deps.chunkSize,
          });
        } finally {
          out.end();
          await once(out, 'close');
        }
        const base = `${resultsPrefix}${ck.campaignId}/${ck.baseName}`;
        const reports = { summary: `${base}.summary.json`, rejected: `${base}.rejected.csv` };
        await deps.objects.putFile(reports.rejected, rejectedPath, 'text/csv; charset=utf-8');
        const full = { ...summary, settings, reports: { summary: deps.objects.describe(reports.summary), rejected: deps.objects.describe(reports.rejected) } };
        await deps.objects.put(reports.summary, JSON.stringify(full, null, 2) + '\n', 'application/json');
        await deps.store.noteFile(ck.campaignId, fileId, { file: key, lines: summary.lines, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, at: summary.finishedAt, reportDelimiter: summary.reportDelimiter });
        ingested = true;
        deps.metrics?.ingestRows.inc({ result: 'accepted' }, summary.accepted);
        for (const [reason, n] of Object.entries(summary.rejectedByReason)) deps.metrics?.ingestRows.inc({ result: reason }, n);
        deps.metrics?.ingestFiles.inc({ status: 'done' });
        log.info({ key, campaignId: ck.campaignId, lines: summary.lines, rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, ms: summary.durationMs }, 'campaign file ingested');
        return { status: 'done', key, campaignId: ck.campaignId, summary, reports };
      } finally {
        await deps.store.releaseIngest(ck.campaignId, fileId).catch((err: unknown) => log.warn({ err, key }, 'ingest lease not released; it expires by itself'));
        // A file whose rows were all rejected (or already final) leaves nothing to dial.
        if (ingested) await deps.store.checkCompleted(ck.campaignId).catch((err: unknown) => log.warn({ err, key }, 'completion check failed; the next settled row checks again'));
        await rm(tmp, { recursive: true, force: true });
      }
    },
    async reportFailure(key, err, extra = {}) {
      const ck = campaignKey(key, deps.campaignsPrefix, resultsPrefix);
      if ('ignored' in ck) return;
      deps.metrics?.ingestFiles.inc({ status: 'failed' });
      const body = { file: key, failedAt: new Date(deps.clock()).toISOString(), code: (err as { code?: string }).code ?? 'INTERNAL', message: (err as Error).message, problems: (err as { problems?: string[] }).problems, ...extra };
      await deps.objects.put(`${resultsPrefix}${ck.campaignId}/${ck.baseName}.error.json`, JSON.stringify(body, null, 2) + '\n', 'application/json');
    },
  };
}
