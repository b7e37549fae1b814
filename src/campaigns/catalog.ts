// Where the ids a campaign.json may refer to come from. The app passes its live flow registry;
// processes without one (`centralita worker`, the Lambda handler) read what the app published in
// Redis at start-up and after every flow reload — the registry that will run the calls is the
// app's, so that is the one to check against.
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../jobs/names.ts';
import type { CampaignCatalog } from '../domain/campaign.ts';

export type CatalogSource = () => Promise<CampaignCatalog>;

export const CATALOG_KEY = `${KEY_PREFIX}:flows:catalog`;

/** The app's own registry (or a test's list). */
export function liveCatalog(flowIds: () => readonly string[]): CatalogSource {
  return async () => ({ flowIds: [...flowIds()] });
}

export async function publishCatalog(redis: Redis, catalog: CampaignCatalog, key = CATALOG_KEY): Promise<void> {
  await redis.set(key, JSON.stringify({ flowIds: [...catalog.flowIds], publishedAt: new Date().toISOString() }));
}

/** What the app published. Missing = no app has started against this Redis: the ingest fails
 *  with a transient error (retried later) rather than guessing. */
export function publishedCatalog(redis: Redis, key = CATALOG_KEY): CatalogSource {
  return async () => {
    const raw = await redis.get(key);
    if (!raw) {
      throw Object.assign(new Error(`no flow registry published in Redis (${key}): start the centralita app against this Redis so campaign files can be checked against its flows`), { code: 'CAMPAIGN_CATALOG_UNAVAILABLE' });
    }
    const j = JSON.parse(raw) as { flowIds?: unknown };
    return { flowIds: Array.isArray(j.flowIds) ? j.flowIds.filter((x): x is string => typeof x === 'string') : [] };
  };
}
