// Recordings in S3: server-side encryption on every object (SSE-S3 or SSE-KMS), Range
// reads for playback, and the retention setting applied as the bucket's lifecycle rule
// for the recordings prefix (the scheduled retention job deletes too, and marks the
// catalogue; the lifecycle rule is the backstop when the app is down).
import { DeleteObjectCommand, GetBucketLifecycleConfigurationCommand, GetObjectCommand, type LifecycleRule, HeadObjectCommand, PutBucketLifecycleConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../recordings/ports.ts';

export interface S3RecordingSettings { bucket: string; prefix: string; sse: 'AES256' | 'aws:kms'; kmsKeyId?: string }

const missing = (err: unknown) => (err as { name?: string }).name === 'NoSuchKey' || (err as { name?: string }).name === 'NotFound' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

export function s3BlobStore(client: S3Client, s: S3RecordingSettings): BlobStore {
  const full = (key: string) => `${s.prefix}${key}`;
  return {
    kind: 's3',
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({
        Bucket: s.bucket, Key: full(key), Body: body, ContentType: contentType, ContentLength: body.length,
        ServerSideEncryption: s.sse, ...(s.sse === 'aws:kms' && s.kmsKeyId ? { SSEKMSKeyId: s.kmsKeyId } : {}),
      }));
    },
    async get(key, range) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: s.bucket, Key: full(key) }));
        const r = await client.send(new GetObjectCommand({ Bucket: s.bucket, Key: full(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
        if (!r.Body) return undefined;
        return { body: r.Body as Readable, size: head.ContentLength ?? 0 };
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async delete(key) { await client.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: full(key) })); },
    describe: (key) => `s3://${s.bucket}/${full(key)}`,
  };
}

/** Expire recordings after `days` (bucket lifecycle, prefix-scoped). Returns false when the bucket refuses it. */
export async function applyRecordingLifecycle(client: S3Client, s: S3RecordingSettings, days: number): Promise<{ ok: boolean; error?: string }> {
  const ID = 'centralita-recordings-retention';
  try {
    // The bucket's other rules are kept: ours is replaced by its ID.
    let rules: LifecycleRule[] = [];
    try { rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: s.bucket }))).Rules ?? []; } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchLifecycleConfiguration') throw err;
    }
    const ours: LifecycleRule = { ID, Status: 'Enabled', Filter: { Prefix: s.prefix }, Expiration: { Days: days } };
    await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: s.bucket, LifecycleConfiguration: { Rules: [...rules.filter((r) => r.ID !== ID), ours] } }));
    return { ok: true };
  } catch (err) {
    return { ok: false, error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}
