// S3 adapter for campaigns: streamed reads, report uploads, and S3 event parsing.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { S3Client, GetObjectCommand, PutObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '../../campaigns/ports.ts';

export interface S3Settings {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export function createS3Client(s: S3Settings): S3Client {
  return new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.forcePathStyle ?? false,
    // S3-compatible servers (s3rver, older MinIO) do not understand the aws-chunked uploads
    // with checksum trailers the SDK now sends for streamed bodies; checksums only when required there.
    ...(s.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    ...(s.accessKeyId && s.secretAccessKey ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } } : {}),
  });
}

function isMissing(err: unknown): boolean {
  return err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
}

export function createS3ObjectStore(client: S3Client, bucket: string): ObjectStore {
  return {
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!r.Body) return undefined;
        return { body: r.Body as Readable, etag: (r.ETag ?? '').replaceAll('"', ''), size: r.ContentLength };
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async getText(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return r.Body ? await r.Body.transformToString('utf-8') : undefined;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async putFile(key, path, contentType) {
      const { size } = await stat(path);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size, ContentType: contentType }));
    },
    describe: (key) => `s3://${bucket}/${key}`,
  };
}

export interface S3ObjectRef {
  bucket: string;
  key: string; // decoded
  eTag?: string;
  size?: number;
  eventName: string;
}

export class S3EventError extends Error {
  readonly code: string;
  constructor(message: string, code = 'S3_EVENT_INVALID') {
    super(message);
    this.code = code;
  }
}

/**
 * S3 event notification (direct, or wrapped by SNS) → object references with DECODED keys:
 * S3 URL-encodes keys in events the form way (space as `+`, UTF-8 percent-encoded).
 * `s3:TestEvent` (sent when notifications are configured) gives no records.
 */
export function parseS3Event(body: string | unknown, depth = 0): S3ObjectRef[] {
  let doc: unknown = body;
  if (typeof body === 'string') {
    try { doc = JSON.parse(body); } catch { throw new S3EventError('message body is not JSON'); }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new S3EventError('message is not an S3 event notification (not a JSON object)');
  const o = doc as { Type?: unknown; Message?: unknown; Event?: unknown; Records?: unknown };
  if (o.Type === 'Notification' && typeof o.Message === 'string') {
    if (depth >= 3) throw new S3EventError('SNS notification nested too deep');
    return parseS3Event(o.Message, depth + 1);
  }
  if (o.Event === 's3:TestEvent') return [];
  if (!Array.isArray(o.Records)) throw new S3EventError('message is not an S3 event notification (no Records)');
  const out: S3ObjectRef[] = [];
  for (const [i, r] of o.Records.entries()) {
    if (!r || typeof r !== 'object') throw new S3EventError(`S3 record ${i} is not an object`);
    const rec = r as { eventName?: unknown; s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; eTag?: unknown; size?: unknown } } };
    const s3 = rec.s3 && typeof rec.s3 === 'object' ? rec.s3 : undefined;
    const key = s3?.object && typeof s3.object === 'object' ? s3.object.key : undefined;
    const bucket = s3?.bucket && typeof s3.bucket === 'object' ? s3.bucket.name : undefined;
    if (typeof key !== 'string' || key === '' || typeof bucket !== 'string' || bucket === '') throw new S3EventError(`S3 record ${i} without bucket name or object key`);
    if (rec.eventName !== undefined && typeof rec.eventName !== 'string') throw new S3EventError(`S3 record ${i}: eventName is not a string`);
    let decoded: string;
    try { decoded = decodeURIComponent(key.replace(/\+/g, ' ')); } catch { throw new S3EventError(`object key is not valid URL encoding: ${key.slice(0, 200)}`); }
    const eTag = s3!.object!.eTag;
    const size = s3!.object!.size;
    out.push({ bucket, key: decoded, ...(typeof eTag === 'string' ? { eTag } : {}), ...(typeof size === 'number' && Number.isFinite(size) ? { size } : {}), eventName: rec.eventName ?? '' });
  }
  return out;
}

/** How S3 encodes a key in an event (used by the local S3 bridge in tests and by docs). */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}
