import { describe, it, expect } from 'vitest';
import { createLambdaHandler } from '../../../src/lambda/campaign-ingest.ts';
import { createLogger } from '../../../src/logger.ts';
import { CampaignFileError } from '../../../src/domain/campaign-row.ts';
import type { CampaignIngestService } from '../../../src/campaigns/service.ts';

const event = (key: string) => ({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key, eTag: 'e1' } } }] });

function fakeIngest(fail?: Error) {
  const seen: string[] = [];
  const failures: string[] = [];
  const svc: CampaignIngestService = {
    async ingestObject(key) {
      seen.push(key);
      if (fail) throw fail;
      return { status: 'done', key, campaignId: 'c', reports: { summary: '', rejected: '' }, summary: { accepted: 3, rejected: 1 } as never };
    },
    async reportFailure(key) { failures.push(key); },
  };
  return { svc, seen, failures };
}

describe('Lambda handler', () => {
  it('decodes the S3 key and runs the same ingest', async () => {
    const f = fakeIngest();
    const r = await createLambdaHandler({ ingest: f.svc, logger: createLogger({ level: 'silent' }) })(event('campaigns/Campa%C3%B1a+1/lista+marzo.csv'));
    expect(f.seen).toEqual(['campaigns/Campaña 1/lista marzo.csv']);
    expect(r.processed).toEqual([{ key: 'campaigns/Campaña 1/lista marzo.csv', status: 'done', accepted: 3, rejected: 1 }]);
  });
  it('reports a bad file without retrying, and rethrows other errors so Lambda retries', async () => {
    const bad = fakeIngest(new CampaignFileError('CAMPAIGN_NO_PHONE_COLUMN', 'no phone column'));
    const r = await createLambdaHandler({ ingest: bad.svc, logger: createLogger({ level: 'silent' }) })(event('campaigns/x.csv'));
    expect(r.processed[0]).toMatchObject({ status: 'failed' });
    expect(bad.failures).toEqual(['campaigns/x.csv']);
    const down = fakeIngest(new Error('ECONNREFUSED'));
    await expect(createLambdaHandler({ ingest: down.svc, logger: createLogger({ level: 'silent' }) })(event('campaigns/x.csv'))).rejects.toThrow('ECONNREFUSED');
  });
});
