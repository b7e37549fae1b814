// Call records never depend on Redis being up: each finished call's record is first written
// to a durable local spool (fsync'd, DATA_DIR/spool/records, the same spool module as the
// history) and then delivered from there to Redis — the call-records queue (HubSpot,
// reports) and the call-outcome channel (the dialler). While Redis is down the records wait
// on disk; they are delivered on recovery, and what a killed process left is delivered at
// its next start. Delivery is at-least-once and the publisher is idempotent per record id,
// so a record is queued exactly once.
//
// An agent's record is held back in the queue for the wrap-up (`delayMs`, the wrap-up desk).
// The hold travels in the spool entry as an absolute release time, so a record delivered late
// (Redis was down, or replayed at the next start) is held only for what is left of it, and
// the hold is never applied in memory before the record is durable.
import type { CallRecord } from '../domain/call-record.ts';
import { openSpool, type Spool } from '../spool/spool.ts';
import { withDeadline } from '../infra/lifecycle.ts';
import type { AmendResult, CallRecordSink, PublishOptions } from './records.ts';

/** One line of the record spool: the record and when its hold (if any) ends, epoch ms. */
export interface SpooledRecord { record: CallRecord; holdUntil?: number }

export interface RecordSpoolLogger { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void }

export interface RecordSpoolDeps {
  dir: string;
  /** Queues the record once per id (createCallRecordPublisher). */
  publisher: { publish(record: CallRecord, opts?: PublishOptions): Promise<boolean> };
  /** Anything else that must see the record in Redis (the dialler's outcome channel). */
  alsoDeliver?: (record: CallRecord) => Promise<void>;
  logger: RecordSpoolLogger;
  retryMinMs?: number;
  retryMaxMs?: number;
  fsync?: boolean;
  now?: () => number;
}

export interface RecordSpool extends CallRecordSink {
  /** Appends the record (fsync'd); `delayMs` holds it back in the queue, counted from now. */
  publish(record: CallRecord, opts?: PublishOptions): Promise<boolean>;
  stats(): ReturnType<Spool<SpooledRecord>['stats']>;
  /** Resolves when every record appended so far is delivered. */
  flushed(): Promise<void>;
  /** Waits up to `graceMs` for pending records to reach Redis, then stops (the rest stays on disk). */
  closeWithin(graceMs: number): Promise<void>;
}

export async function openRecordSpool(d: RecordSpoolDeps): Promise<RecordSpool> {
  const now = d.now ?? Date.now;
  const spool = await openSpool<SpooledRecord>({ dir: d.dir, ...(d.fsync === false ? { fsync: false } : {}) });
  const left = spool.stats().pending;
  if (left > 0) d.logger.info({ pending: left }, 'call records left by the previous run: delivering them');
  spool.drain({
    batchSize: 100,
    lingerMs: 0,
    retryMinMs: d.retryMinMs ?? 250,
    retryMaxMs: d.retryMaxMs ?? 5_000,
    async deliver(batch) {
      for (const { record, holdUntil } of batch) {
        const delayMs = holdUntil === undefined ? 0 : Math.max(0, holdUntil - now());
        await d.publisher.publish(record, delayMs > 0 ? { delayMs } : {});
        await d.alsoDeliver?.(record);
      }
    },
    onError: (err, attempt, size) => {
      if (attempt === 1 || attempt % 20 === 0) d.logger.warn({ err: { message: (err as Error)?.message ?? String(err) }, attempt, records: size, pending: spool.stats().pending }, 'call records kept in the local spool (Redis unavailable?); retrying');
    },
    onCorrupt: (line) => d.logger.error({ line: line.slice(0, 200) }, 'corrupt call record in the spool skipped'),
  });
  let closed = false;
  const self: RecordSpool = {
    async publish(record, opts = {}) {
      await spool.append([opts.delayMs ? { record, holdUntil: now() + opts.delayMs } : { record }]);
      return true;
    },
    stats: () => spool.stats(),
    flushed: () => spool.flushed(),
    async closeWithin(graceMs) {
      if (closed) return;
      closed = true;
      await withDeadline(spool.flushed(), graceMs, () => new Error('grace over')).catch(() => {
        d.logger.warn({ pending: spool.stats().pending }, 'call records not yet in Redis at shutdown; kept in the spool for the next start');
      });
      await spool.close();
    },
    close: () => self.closeWithin(0),
  };
  return self;
}

/**
 * Amends a record held for its wrap-up. A record still on local disk (Redis down, delivery
 * behind) is not in the queue yet: wait (bounded) for the spool to deliver it, then amend.
 */
export async function amendAfterSpool(
  publisher: { amend(recordId: string, patch: Partial<CallRecord>): Promise<AmendResult> },
  spool: Pick<RecordSpool, 'stats' | 'flushed'>,
  recordId: string,
  patch: Partial<CallRecord>,
  waitMs = 5_000,
): Promise<AmendResult> {
  let first: AmendResult;
  try {
    first = await publisher.amend(recordId, patch);
  } catch (err) {
    if (spool.stats().pending === 0) throw err;
    first = 'unknown';
  }
  if (first !== 'unknown' || spool.stats().pending === 0) return first;
  await withDeadline(spool.flushed(), waitMs, () => new Error('spool not flushed')).catch(() => undefined);
  return publisher.amend(recordId, patch);
}
