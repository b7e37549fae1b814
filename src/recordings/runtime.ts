// Wiring of recordings for main.ts: the blob store chosen by configuration (S3 with SSE
// and the lifecycle rule, or DATA_DIR/recordings), the link signer (RECORDING_LINK_SECRET
// or a secret generated once into DATA_DIR), the archiver and the HTTP routes.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionOptions } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { Logger } from '../logger.ts';
import type { Telephony } from '../telephony/port.ts';
import { createS3Client } from '../integrations/s3/s3.ts';
import { applyRecordingLifecycle, s3BlobStore } from '../integrations/s3/recordings.ts';
import { localBlobStore } from './local-store.ts';
import { recordingLinks, type RecordingLinks } from './links.ts';
import { startRecordingArchiver } from './archiver.ts';
import { registerRecordingRoutes } from './http.ts';
import type { BlobStore, RecordingCatalog } from './ports.ts';

export async function linkSecret(config: Config): Promise<string> {
  if (config.recordings.linkSecret) return config.recordings.linkSecret;
  const file = join(config.dataDir, 'recording-link.secret');
  try { return (await readFile(file, 'utf8')).trim(); } catch {}
  await mkdir(config.dataDir, { recursive: true });
  const s = randomBytes(32).toString('base64url');
  await writeFile(file, s, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
  return (await readFile(file, 'utf8')).trim();
}

export async function blobStores(config: Config, logger: Logger): Promise<{ current: BlobStore; all: Record<string, BlobStore> }> {
  const local = localBlobStore(join(config.dataDir, 'recordings'));
  if (config.recordings.mode === 'local') return { current: local, all: { local } };
  const r = config.recordings;
  const client = createS3Client({ region: config.aws.region, ...(config.campaigns.mode === 's3' && config.campaigns.endpoint ? { endpoint: config.campaigns.endpoint, forcePathStyle: config.campaigns.forcePathStyle } : {}), ...(config.aws.accessKeyId ? { accessKeyId: config.aws.accessKeyId } : {}), ...(config.aws.secretAccessKey ? { secretAccessKey: config.aws.secretAccessKey } : {}) });
  const settings = { bucket: r.bucket, prefix: r.prefix, sse: r.sse, ...(r.kmsKeyId ? { kmsKeyId: r.kmsKeyId } : {}) };
  const lc = await applyRecordingLifecycle(client, settings, config.retention.recordingsDays);
  if (lc.ok) logger.info({ bucket: r.bucket, prefix: r.prefix, days: config.retention.recordingsDays }, 'recordings lifecycle rule set');
  else logger.warn({ bucket: r.bucket, error: lc.error }, 'could not set the recordings lifecycle rule (s3:PutLifecycleConfiguration); the retention job still deletes expired recordings');
  const s3 = s3BlobStore(client, settings);
  return { current: s3, all: { s3, local } };
}

export async function startRecordings(deps: {
  config: Config; logger: Logger; connection: ConnectionOptions; telephony: Pick<Telephony, 'storedRecordingFile'>;
  catalog: RecordingCatalog; http: FastifyInstance; now: () => number;
}): Promise<{ links: RecordingLinks; stores: Record<string, BlobStore>; enqueue(r: CallRecord): Promise<void>; recordingUrl(r: CallRecord): Promise<string | undefined>; close(): Promise<void> }> {
  const { config, logger } = deps;
  const links = recordingLinks(await linkSecret(config), config.publicBaseUrl);
  const stores = await blobStores(config, logger);
  const archiver = startRecordingArchiver({ connection: deps.connection, telephony: deps.telephony, blobs: stores.current, catalog: deps.catalog, logger: logger.child({ component: 'recordings' }) });
  registerRecordingRoutes(deps.http, { catalog: deps.catalog, stores: stores.all, links, now: deps.now });
  return {
    links,
    stores: stores.all,
    enqueue: (r) => archiver.enqueue(r),
    async recordingUrl(r) {
      const name = r.recording?.name ?? r.voicemail?.name;
      if (!name) return undefined;
      // The link is stable from the start: version 1 until someone revokes it.
      const e = await deps.catalog.get(name).catch(() => undefined);
      return links.url(name, e?.linkVersion ?? 1);
    },
    close: () => archiver.close(),
  };
}
