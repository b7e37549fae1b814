// Where a campaign file's rows are read and stored: in this thread (tests, Lambda) or in a
// worker thread with its own heap limits (the app and `centralita worker`). The thread keeps a
// 1,000,000-row file from pushing the process past its memory budget — V8 sizes a busy main
// heap generously, the thread's limits are set here in code — and keeps CSV parsing off the
// event loop that answers calls. An ingest that runs out of memory kills its thread, not the app.
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { ingestCampaignFile, type IngestInput, type IngestSummary, type RowSink } from './ingest.ts';
import { CampaignFileError } from '../domain/campaign-row.ts';
import { CampaignSettingsError } from '../domain/campaign.ts';

/** What a runner needs besides where rows go (the sink is the runner's own). */
export type IngestRun = Omit<IngestInput, 'rows'>;

export interface IngestRunner {
  run(input: IngestRun): Promise<IngestSummary>;
  /** Stops ingests still running (shutdown): their runs fail, so the file is taken again later. */
  close(): Promise<void>;
}

/** Runs the ingest in the calling thread; `sink()` gives a sink per run (closed after it). */
export function createInlineIngestRunner(deps: { sink: () => RowSink & { close?(): Promise<void> } }): IngestRunner {
  return {
    async run(input) {
      const rows = deps.sink();
      try {
        return await ingestCampaignFile({ ...input, rows });
      } finally {
        await rows.close?.();
      }
    },
    async close() {},
  };
}

export interface ThreadedIngestOptions {
  /** The Redis the app uses, for the do-not-call set (the thread opens its own connection). */
  redisUrl: string;
  /** The DNC set's key (default: the app's). */
  dncKey?: string;
  /** The campaign database (the thread opens its own connection). */
  databaseUrl: string;
  /** Old-generation heap of the thread in MB: the bound on what one file may hold. */
  maxHeapMb: number;
  /**
   * Young generation in MB (default 32): small keeps the heap (and RSS) tight while rows stream
   * through. Measured per 1,000,000 rows: 16 and 24 MB ~400 scavenges, 32 and 48 MB ~220 (V8's
   * semi-space grows in steps), for ~10 MB more RSS; fewer scavenges also promote less.
   */
  youngGenerationMb?: number;
}

/** Serializable part of a run, sent to the thread at start. */
export interface ThreadStart {
  redisUrl: string;
  dncKey?: string;
  databaseUrl: string;
  input: Omit<IngestRun, 'source' | 'rejected' | 'onProgress' | 'clock'>;
}

/** Messages from the thread. */
export type ThreadMessage =
  | { t: 'ack' }
  | { t: 'rejected'; lines: string }
  | { t: 'progress'; rows: number }
  | { t: 'done'; summary: IngestSummary }
  | { t: 'error'; error: { name: string; code?: string; message: string; problems?: string[] } };

/** Messages to the thread. */
export type MainMessage = { t: 'data'; bytes: Uint8Array } | { t: 'end' };

// Chunks of the file handed to the thread before it has consumed them: bounds memory on both
// sides while keeping the thread busy (chunks are 64–256 KiB).
const MAX_CHUNKS_IN_FLIGHT = 4;

/** Rebuilds the error the thread reported, keeping the classes the SQS consumer classifies. */
function reviveError(e: { name: string; code?: string; message: string; problems?: string[] }): Error {
  if (e.name === 'CampaignSettingsError' && e.problems) return new CampaignSettingsError(e.problems);
  if (e.name === 'CampaignFileError' && e.code) return new CampaignFileError(e.code, e.message);
  return Object.assign(new Error(e.message), { code: e.code ?? 'CAMPAIGN_INGEST_FAILED' });
}

export function createThreadedIngestRunner(o: ThreadedIngestOptions): IngestRunner {
  const running = new Map<Worker, (err: Error) => void>();
  return {
    async close() {
      for (const fail of running.values()) fail(Object.assign(new Error('campaign ingest stopped by shutdown'), { code: 'CAMPAIGN_INGEST_STOPPED' }));
    },
    run(input) {
      const { source, rejected, onProgress, clock: _clock, ...rest } = input;
      const start: ThreadStart = { redisUrl: o.redisUrl, ...(o.dncKey ? { dncKey: o.dncKey } : {}), databaseUrl: o.databaseUrl, input: rest };
      const worker = new Worker(new URL('./ingest-worker.ts', import.meta.url), {
        workerData: start,
        resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb, maxYoungGenerationSizeMb: o.youngGenerationMb ?? 32 },
        stdout: false,
        stderr: false,
      });
      return new Promise<IngestSummary>((resolve, reject) => {
        let settled = false;
        let finished = false; // the thread sent its summary; its exit is expected
        let inFlight = 0;
        let wake: (() => void) | undefined;
        // Rejected lines and progress are applied in order; the summary waits for them.
        let chain: Promise<void> = Promise.resolve();
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          running.delete(worker);
          wake?.();
          void worker.terminate();
          reject(err);
        };
        running.set(worker, fail);
        worker.on('message', (m: ThreadMessage) => {
          if (m.t === 'ack') { inFlight -= 1; wake?.(); return; }
          if (m.t === 'rejected') { chain = chain.then(() => rejected(m.lines)); chain.catch(fail); return; }
          if (m.t === 'progress') { chain = chain.then(() => onProgress?.(m.rows)); chain.catch(fail); return; }
          if (m.t === 'error') return fail(reviveError(m.error));
          finished = true;
          chain.then(() => {
            if (!settled) { settled = true; running.delete(worker); resolve(m.summary); }
            void worker.terminate();
          }, fail);
        });
        worker.on('error', (err: Error & { code?: string }) => {
          // ERR_WORKER_OUT_OF_MEMORY: the file needed more than maxHeapMb (a streaming ingest should not).
          fail(Object.assign(new Error(`campaign ingest thread failed: ${err.message}`), { code: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'CAMPAIGN_INGEST_OUT_OF_MEMORY' : 'CAMPAIGN_INGEST_FAILED', cause: err }));
        });
        worker.on('exit', (code) => {
          if (!finished) fail(Object.assign(new Error(`campaign ingest thread exited (code ${code}) before finishing`), { code: 'CAMPAIGN_INGEST_FAILED' }));
        });
        // A stream's chunks belong to whoever reads them: when a chunk is a whole buffer (fs
        // streams), its memory moves to the thread instead of being copied, so this thread keeps
        // no garbage (an idle main thread may not collect for a long while). Anything else is copied.
        const handOver = source instanceof Readable;
        void (async () => {
          try {
            for await (const chunk of source as AsyncIterable<Uint8Array>) {
              if (settled) return;
              const whole = handOver && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
              let bytes = whole ? chunk : new Uint8Array(chunk);
              try {
                worker.postMessage({ t: 'data', bytes } satisfies MainMessage, [bytes.buffer as ArrayBuffer]);
              } catch {
                bytes = new Uint8Array(chunk); // an untransferable (pooled) buffer
                worker.postMessage({ t: 'data', bytes } satisfies MainMessage, [bytes.buffer as ArrayBuffer]);
              }
              inFlight += 1;
              while (inFlight >= MAX_CHUNKS_IN_FLIGHT && !settled) await new Promise<void>((r) => { wake = r; });
            }
            if (!settled) worker.postMessage({ t: 'end' } satisfies MainMessage);
          } catch (err) {
            fail(err as Error);
          }
        })();
      });
    },
  };
}
