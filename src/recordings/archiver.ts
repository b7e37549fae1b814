// Moves each finished recording (queue conversations, voicemails) from the PBX into the
// recording store and the catalogue, off the call path: one BullMQ job per recording
// (jobId from the name, so a re-published record never archives twice), retried with
// backoff while the PBX has not finalised the file yet.
import { UnrecoverableError, type ConnectionOptions, type Queue } from 'bullmq';
import { createQueue, createWorker } from '../jobs/bull.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { Telephony } from '../telephony/port.ts';
import { QUEUES } from '../jobs/names.ts';
import type { BlobStore, RecordingCatalog } from './ports.ts';

export interface ArchiveJob { name: string; recordId: string; startedAt: string; durationSec?: number }

export interface ArchiverLogger { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void }

/** Duration of a PCM WAV from its header (the PBX does not always report it). */
export function wavDurationSec(b: Buffer): number | undefined {
  if (b.length < 44 || b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') byteRate = b.readUInt32LE(off + 16);
    if (id === 'data') return byteRate ? Math.round((Math.min(size, b.length - off - 8) / byteRate) * 100) / 100 : undefined;
    off += 8 + size + (size % 2);
  }
  return undefined;
}

export function recordingsOf(r: CallRecord): ArchiveJob[] {
  const out: ArchiveJob[] = [];
  if (r.recording?.name) out.push({ name: r.recording.name, recordId: r.id, startedAt: r.startedAt, ...(r.recording.durationSec !== undefined ? { durationSec: r.recording.durationSec } : {}) });
  if (r.voicemail?.name) out.push({ name: r.voicemail.name, recordId: r.id, startedAt: r.startedAt, ...(r.voicemail.durationSec !== undefined ? { durationSec: r.voicemail.durationSec } : {}) });
  return out;
}

export function startRecordingArchiver(deps: {
  connection: ConnectionOptions;
  telephony: Pick<Telephony, 'storedRecordingFile'>;
  blobs: BlobStore;
  catalog: RecordingCatalog;
  logger: ArchiverLogger;
  bullPrefix?: string;
  /** Tries while the PBX has not stored the file yet (default 8, 2 s doubling). */
  attempts?: number;
}): { enqueue(r: CallRecord): Promise<void>; queue: Queue<ArchiveJob>; close(): Promise<void> } {
  const prefix = deps.bullPrefix ? { prefix: deps.bullPrefix } : {};
  // Made in src/jobs/bull.ts: the error listeners log through pino, repeats folded.
  const queue = createQueue<ArchiveJob>(QUEUES.recordings, { connection: deps.connection, ...prefix }, deps.logger);
  const worker = createWorker<ArchiveJob>(QUEUES.recordings, async (job) => {
    const { name, recordId, startedAt } = job.data;
    if (await deps.catalog.get(name)) return { already: true };
    if (!deps.telephony.storedRecordingFile) throw new UnrecoverableError('this telephony adapter cannot fetch recordings');
    const file = await deps.telephony.storedRecordingFile(name);
    if (!file) throw new Error(`recording ${name} is not stored on the PBX (yet)`);
    const day = startedAt.slice(0, 10).replace(/-/g, '/');
    const ext = file.contentType === 'audio/wav' || file.contentType === 'audio/x-wav' ? 'wav' : 'bin';
    const key = `${/^\d{4}\/\d\d\/\d\d$/.test(day) ? day : 'undated'}/${name.replace(/[^A-Za-z0-9._-]/g, '_')}.${ext}`;
    await deps.blobs.put(key, file.data, file.contentType);
    const durationSec = job.data.durationSec ?? wavDurationSec(file.data);
    await deps.catalog.add({ name, recordId, storage: deps.blobs.kind, key, contentType: file.contentType, bytes: file.data.length, createdAt: startedAt, ...(durationSec !== undefined ? { durationSec } : {}) });
    deps.logger.info({ recording: name, recordId, bytes: file.data.length, at: deps.blobs.describe(key) }, 'recording archived');
    return { key };
  }, { connection: deps.connection, ...prefix, concurrency: 4 }, deps.logger);
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) deps.logger.error({ err: err.message, recording: job.data.name, recordId: job.data.recordId }, 'recording could not be archived; it stays on the PBX');
  });
  return {
    queue,
    async enqueue(r) {
      for (const j of recordingsOf(r)) {
        await queue.add('archive', j, { jobId: `rec-${j.name.replace(/:/g, '_')}`, attempts: deps.attempts ?? 8, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: 10_000, removeOnFail: false });
      }
    },
    async close() { await worker.close(); await queue.close(); },
  };
}
