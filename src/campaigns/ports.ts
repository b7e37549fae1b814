// What the campaign services need from storage: S3 in AWS, a folder in the embedded default.
export interface StoredObject {
  body: AsyncIterable<Uint8Array>;
  /** Version identity (S3 ETag, or size+mtime locally): part of every row id of the file. */
  etag: string;
  size?: number;
}

export interface ObjectStore {
  /** Undefined when the object does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  getText(key: string): Promise<string | undefined>;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** Uploads a local file (reports are written to a temp file while ingesting, never held in memory). */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  /** Human-readable location for logs and reports (s3://bucket/key or a path). */
  describe(key: string): string;
}

/** The campaign tables (PostgreSQL, src/store): rows, attempts, progress, the hopper's queries. */
export interface CampaignDb {
  /** Where a worker thread connects on its own (the ingest thread). */
  url: string;
  store(opts?: { dialling?: (campaignId: string) => Promise<number>; onCompleted?: (campaignId: string) => void; now?: () => number }): import('./store.ts').CampaignStore;
  results: import('./results.ts').CampaignResults;
  hopper: import('./hopper.ts').HopperStore;
  /** A sink for one ingest at a time (holds one connection until closed). */
  rowSink(dnc: (phones: string[]) => Promise<boolean[]>): import('./ingest.ts').RowSink & { close(): Promise<void>; readonly stats?: { direct: number; staged: number } };
}
