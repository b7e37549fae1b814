// Local S3 for tests: s3rver on loopback (checked against @aws-sdk/client-s3 with path-style
// addressing), plus a bridge that turns its ObjectCreated events into S3 notifications on an
// SQS queue. s3rver puts the raw key in its events; real S3 URL-encodes it (space → '+',
// UTF-8 percent-encoded), so the bridge re-encodes it the way S3 does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/integrations/s3/s3.ts';
import { encodeS3EventKey } from '../../src/integrations/s3/s3.ts';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  client: S3Client;
  put(key: string, body: string | Uint8Array): Promise<void>;
  getText(key: string): Promise<string | undefined>;
  list(prefix: string): Promise<string[]>;
  /** Forwards ObjectCreated events of the bucket to this SQS queue, as S3 notifications do. */
  notifyTo(sqs: SQSClient, queueUrl: string): void;
  stop(): Promise<void>;
}

interface S3rverEvent { Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[] }

export async function startLocalS3(bucket = 'centralita-campaigns'): Promise<LocalS3> {
  const dir = await mkdtemp(join(tmpdir(), 'centralita-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // The same factory the app uses, with the same endpoint settings.
  const client = createS3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const pending = new Set<Promise<unknown>>();
  return {
    endpoint,
    bucket,
    client,
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async getText(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await r.Body?.transformToString('utf-8');
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async list(prefix) {
      const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (r.Contents ?? []).map((o) => o.Key!).sort();
    },
    notifyTo(sqs, queueUrl) {
      server.on('event', (ev: S3rverEvent) => {
        const records = ev.Records.map((r) => ({ ...r, s3: { ...r.s3, object: { ...r.s3.object, key: encodeS3EventKey(r.s3.object.key) } } }));
        if (!records.every((r) => r.eventName.startsWith('ObjectCreated'))) return;
        const p = sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ Records: records }) })).finally(() => pending.delete(p));
        pending.add(p);
      });
    },
    async stop() {
      await Promise.allSettled([...pending]);
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
