// AWS Lambda entry point for deployments that trigger Lambda from the bucket's ObjectCreated
// notifications instead of SQS. Same ingest as the SQS consumer; the campaign database
// (DATABASE_URL: rows are stored there) and Redis (REDIS_URL: do-not-call set, flow ids) must
// be reachable from the function. Permanent failures (bad file or campaign.json) are reported
// to results/<campaign>/<file>.error.json and not retried; anything else throws so Lambda
// retries the event and finally sends it to the function's on-failure destination.
import type { CampaignIngestService, IngestOutcome } from '../campaigns/service.ts';
import { isPermanentIngestError } from '../campaigns/service.ts';
import { parseS3Event } from '../integrations/s3/s3.ts';
import type { Logger } from '../logger.ts';

export interface LambdaResult {
  processed: { key: string; status: IngestOutcome['status'] | 'failed'; accepted?: number; rejected?: number; error?: string }[];
}

export function createLambdaHandler(deps: { ingest: CampaignIngestService; logger: Logger; /** The campaigns bucket: other buckets' objects are refused. */ bucket?: string }) {
  return async (event: unknown): Promise<LambdaResult> => {
    const refs = parseS3Event(event);
    const processed: LambdaResult['processed'] = [];
    for (const ref of refs) {
      if (!ref.eventName.startsWith('ObjectCreated')) continue;
      if (deps.bucket && ref.bucket !== deps.bucket) {
        deps.logger.error({ bucket: ref.bucket, key: ref.key, code: 'S3_EVENT_WRONG_BUCKET' }, `S3 event for another bucket refused (this function reads ${deps.bucket})`);
        processed.push({ key: ref.key, status: 'failed', error: `S3_EVENT_WRONG_BUCKET: event for bucket ${ref.bucket}; this function reads ${deps.bucket}` });
        continue;
      }
      try {
        const r = await deps.ingest.ingestObject(ref.key, { etag: ref.eTag });
        processed.push(r.status === 'done' ? { key: ref.key, status: 'done', accepted: r.summary.accepted, rejected: r.summary.rejected } : { key: ref.key, status: 'ignored' });
      } catch (err) {
        await deps.ingest.reportFailure(ref.key, err, { via: 'lambda' }).catch(() => {});
        if (!isPermanentIngestError(err)) throw err;
        deps.logger.error({ err, key: ref.key }, 'campaign file refused');
        processed.push({ key: ref.key, status: 'failed', error: (err as Error).message });
      }
    }
    return { processed };
  };
}

type Handler = ReturnType<typeof createLambdaHandler>;
// Lambda reuses the process between invocations: clients are built once, on first use.
let cached: Promise<Handler> | undefined;

export async function handler(event: unknown): Promise<LambdaResult> {
  cached ??= (async () => {
    const { loadConfig } = await import('../config.ts');
    const { createLogger } = await import('../logger.ts');
    const { Redis } = await import('ioredis');
    const { openStore } = await import('../store/index.ts');
    const { DNC_KEY } = await import('../campaigns/dnc.ts');
    const { logErrors } = await import('../jobs/bull.ts');
    const { createCampaignIngestService } = await import('../campaigns/service.ts');
    const { publishedCatalog } = await import('../campaigns/catalog.ts');
    const { createS3Client, createS3ObjectStore } = await import('../integrations/s3/s3.ts');
    const cfg = loadConfig(process.env);
    if (cfg.redis.mode !== 'external') throw new Error('the Lambda handler needs REDIS_URL (the dialler\'s Redis)');
    if (cfg.campaigns.mode !== 's3') throw new Error('the Lambda handler needs S3_BUCKET');
    if (cfg.database.mode !== 'external') throw new Error('the Lambda handler needs DATABASE_URL (the app\'s database: campaign rows are stored there)');
    const logger = createLogger({ level: cfg.logLevel, secrets: cfg.secrets, pretty: false });
    const redis = logErrors(new Redis(cfg.redis.url, { maxRetriesPerRequest: null }), logger, { redis: 'lambda' });
    const db = await openStore({ url: cfg.database.url, defaultCountry: cfg.defaultCountry, poolMax: 2 });
    const dnc = async (phones: string[]) => (phones.length ? (await redis.smismember(DNC_KEY, ...phones)).map((x) => x === 1) : []);
    const s3 = createS3Client({ region: cfg.aws.region, endpoint: cfg.campaigns.endpoint, forcePathStyle: cfg.campaigns.forcePathStyle, accessKeyId: cfg.aws.accessKeyId, secretAccessKey: cfg.aws.secretAccessKey });
    const ingest = createCampaignIngestService({
      // The Lambda has no flow registry: it checks campaign.json against the ids the app published.
      store: db.campaigns.store(), rows: () => db.campaigns.rowSink(dnc), objects: createS3ObjectStore(s3, cfg.campaigns.bucket), catalog: publishedCatalog(redis),
      campaignsPrefix: cfg.campaigns.prefix, defaultCountry: cfg.defaultCountry, logger, clock: Date.now,
    });
    return createLambdaHandler({ ingest, logger, bucket: cfg.campaigns.bucket });
  })();
  return (await cached)(event);
}
