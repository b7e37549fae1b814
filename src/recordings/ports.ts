// Recordings: the audio lives in a blob store (S3 in production, DATA_DIR/recordings in the
// embedded default); the catalogue (which call, size, link version, deleted) in the system
// of record.
import type { Readable } from 'node:stream';

export interface ByteRange { start: number; end: number } // inclusive, as HTTP Range

export interface BlobStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The bytes of `range` (all when absent); undefined when the key does not exist. */
  get(key: string, range?: ByteRange): Promise<{ body: Readable; size: number } | undefined>;
  delete(key: string): Promise<void>;
  /** `s3` or `local` (kept in the catalogue: a recording is read from where it was written). */
  readonly kind: string;
  describe(key: string): string;
}

export interface RecordingEntry {
  name: string;
  recordId?: string;
  storage: string;
  key: string;
  contentType: string;
  bytes: number;
  durationSec?: number;
  createdAt: string;
  linkVersion: number;
  linkRevokedAt?: string;
  deletedAt?: string;
}

export interface RecordingCatalog {
  /** Idempotent by recording name. */
  add(e: Omit<RecordingEntry, 'linkVersion'>): Promise<void>;
  get(name: string): Promise<RecordingEntry | undefined>;
  /** A new link version: every link handed out before stops working. */
  revokeLinks(name: string, at: string): Promise<RecordingEntry | undefined>;
  /** Recordings older than `cutoff` not yet deleted (retention), oldest first. */
  olderThan(cutoff: string, limit: number): Promise<RecordingEntry[]>;
  markDeleted(names: string[], at: string): Promise<void>;
}
