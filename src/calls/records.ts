// Call records: `buildCallRecord` turns what a session observed (pure facts, times passed
// in) into one CallRecord; `createCallRecordPublisher` publishes it exactly once to the
// BullMQ `call-records` queue (jobId = record id) and the in-process bus, guarded by a
// Redis SET NX on the record id so a rebuilt record (reconnect, actor crash, a second
// process) is never published twice.
import type { Redis } from 'ioredis';
import { normalizeE164 } from '../domain/phone.ts';
import { classifyUnansweredAttempt } from '../domain/hangup-causes.ts';
import { unansweredOutcome } from '../domain/attempt-outcome.ts';
import type { CallDirection, CallDisposition, CallRecord, HangupSide } from '../domain/call-record.ts';
import type { EventBus } from '../domain/event-bus.ts';
import { KEY_PREFIX, QUEUES } from '../jobs/names.ts';
import { createQueue } from '../jobs/bull.ts';
import type { Logger } from '../logger.ts';
import type { CallInput, CallOutput, CompiledFlow } from './contract.ts';

/** What the session knows when the call ends. */
export interface CallFacts {
  input: CallInput;
  flow?: Pick<CompiledFlow, 'id' | 'version'>;
  linkedId?: string;
  answeredAt?: string;
  endedAt: string;
  hangupCause?: number;
  hangupCauseText?: string;
  hangupSide: HangupSide;
  output?: Partial<CallOutput>;
  error?: { code: string; message: string };
  /** The call vanished (seen missing at a resync): no hangup event was received. */
  vanished?: boolean;
}

/** Record id derived from the channel's unique id, so a rebuilt record keeps its id. */
export function callRecordId(channelId: string): string {
  // BullMQ custom job ids may not contain ':'.
  return `cr-${channelId.replace(/:/g, '_')}`;
}

/** E.164 when the number is valid, else the number as received (records keep what the PBX said). */
export function toE164(number: string, defaultCountry: string): string {
  const r = normalizeE164(number, defaultCountry);
  return r.ok ? r.e164 : number.trim();
}

const seconds = (fromIso: string | undefined, toIso: string | undefined): number => {
  if (!fromIso || !toIso) return 0;
  const d = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
  return Number.isFinite(d) && d > 0 ? Math.round(d) : 0;
};

/** An unanswered call: inbound callers abandoned; outbound attempts by the hangup-cause table. */
function unansweredDisposition(direction: CallDirection, cause: number | undefined): CallDisposition {
  if (direction === 'inbound') return 'abandoned'; // the caller left before anyone answered
  return unansweredOutcome(classifyUnansweredAttempt(undefined, cause));
}

/**
 * Seconds bridged to a person: the queue's conversation as the ACD measured it (older ACD
 * results without it: answered span minus the queue wait), plus dial-node bridges.
 */
export function bridgedSeconds(queue: CallRecord['queue'], dialled: number | undefined, answeredSpan: number): number {
  const inQueue = queue?.outcome === 'answered' ? (queue.talkSeconds ?? Math.max(0, answeredSpan - queue.waitSeconds)) : 0;
  return Math.min(answeredSpan, inQueue + (dialled ?? 0));
}

export function buildCallRecord(f: CallFacts, opts: { defaultCountry: string }): CallRecord {
  const { input, output } = f;
  const startedAt = input.startedAt;
  const queue = output?.queue;
  let disposition: CallDisposition;
  if (output?.disposition) disposition = output.disposition;
  else if (f.error && !f.answeredAt) disposition = 'failed';
  else if (queue && queue.outcome !== 'answered') disposition = 'abandoned';
  else if (f.answeredAt) disposition = 'answered';
  else disposition = unansweredDisposition(input.direction, f.hangupCause);

  // Wait = time the caller waited for a person: the queue wait when queued, else ringing
  // before the app answered. Talk = time bridged to a person only (the ACD's conversation and
  // dial-node bridges). IVR = the rest of the answered time (prompts, menus).
  const answeredSpan = seconds(f.answeredAt, f.endedAt);
  const waitSeconds = queue ? queue.waitSeconds : seconds(startedAt, f.answeredAt ?? f.endedAt);
  const talkSeconds = bridgedSeconds(queue, output?.talkSeconds, answeredSpan);
  const ivrSeconds = Math.max(0, answeredSpan - (queue ? queue.waitSeconds : 0) - talkSeconds);

  const hangupSide: HangupSide = output?.hungUpBy === 'app' ? 'app' : f.hangupSide;
  const variables = { ...input.variables, ...(output?.variables ?? {}) };
  const record: CallRecord = {
    id: callRecordId(input.channelId),
    linkedId: f.linkedId ?? input.channelId,
    direction: input.direction,
    from: toE164(input.from, opts.defaultCountry),
    to: toE164(input.to, opts.defaultCountry),
    startedAt,
    endedAt: f.endedAt,
    talkSeconds,
    waitSeconds,
    ivrSeconds,
    disposition,
    hangupSide,
    path: output?.path ?? [],
  };
  if (input.did) record.did = toE164(input.did, opts.defaultCountry);
  if (f.answeredAt) record.answeredAt = f.answeredAt;
  if (f.hangupCause !== undefined) record.hangupCause = f.hangupCause;
  if (f.hangupCauseText) record.hangupCauseText = f.hangupCauseText;
  if (queue) record.queue = queue;
  if (output?.agent) record.agent = output.agent;
  if (output?.recording) record.recording = output.recording;
  if (output?.voicemail) record.voicemail = output.voicemail;
  if (input.campaign) record.campaign = { ...input.campaign };
  if (output?.hubspotContactId) record.hubspotContactId = output.hubspotContactId;
  if (f.flow) record.flow = { id: f.flow.id, version: f.flow.version };
  record.language = output?.language ?? input.language;
  if (Object.keys(variables).length) record.variables = variables;
  if (f.error) record.error = f.error;
  else if (f.vanished) record.error = { code: 'CALL_VANISHED', message: 'channel was gone at resync; hangup events were lost while disconnected' };
  return record;
}

export interface CallRecordSink {
  /** Publishes once per record id; resolves false when it was already published. */
  publish(record: CallRecord): Promise<boolean>;
  close(): Promise<void>;
}

/** Publish options: `delayMs` holds the queued record back (an agent's wrap-up may still come). */
export interface PublishOptions { delayMs?: number }

/** What amending a held record did: changed before anyone consumed it, or too late / unknown. */
export type AmendResult = 'amended' | 'too-late' | 'unknown';

export interface CallRecordPublisherOptions {
  /** ioredis connection (BullMQ needs maxRetriesPerRequest: null on it). */
  connection: Redis;
  bus: EventBus;
  logger: Logger;
  /** BullMQ prefix (tests use their own). */
  bullPrefix?: string;
  /** Redis key prefix of the exactly-once guard. */
  keyPrefix?: string;
  /** How long the guard is kept (default 30 days). */
  guardTtlSec?: number;
  attempts?: number;
}

/** Publishes each record once: SET NX guard → BullMQ add (jobId = id) → bus. */
export function createCallRecordPublisher(o: CallRecordPublisherOptions): CallRecordSink & {
  publish(record: CallRecord, opts?: PublishOptions): Promise<boolean>;
  /** Adds fields to a record still held back by `delayMs` and releases it now. */
  amend(recordId: string, patch: Partial<CallRecord>): Promise<AmendResult>;
  stats(): { published: number; duplicates: number; failed: number };
} {
  const queue = createQueue(QUEUES.callRecords, { connection: o.connection, ...(o.bullPrefix ? { prefix: o.bullPrefix } : {}) }, o.logger);
  const keyPrefix = `${o.keyPrefix ?? KEY_PREFIX}:call-record:`;
  const ttl = o.guardTtlSec ?? 30 * 86_400;
  const attempts = o.attempts ?? 3;
  const stats = { published: 0, duplicates: 0, failed: 0 };
  return {
    async publish(record: CallRecord, opts: PublishOptions = {}) {
      const key = keyPrefix + record.id;
      const got = await o.connection.set(key, 'pending', 'EX', ttl, 'NX');
      // 'pending' = a publish that died between the guard and the add (killed process, Redis
      // gone): the spool delivers it again and it goes on (the job id keeps the add single).
      const owner = got === 'OK';
      if (!owner && (await o.connection.get(key)) !== 'pending') {
        stats.duplicates++;
        o.logger.warn({ recordId: record.id }, 'call record already published; duplicate skipped');
        return false;
      }
      let lastErr: unknown;
      for (let i = 0; i < attempts; i++) {
        try {
          await queue.add('call-record', record, { jobId: record.id, removeOnComplete: 10_000, removeOnFail: false, ...(opts.delayMs ? { delay: opts.delayMs } : {}) });
          lastErr = undefined;
          break;
        } catch (err) {
          lastErr = err;
        }
      }
      if (lastErr !== undefined) {
        // Release the guard so a later rebuild of this record can still publish it.
        stats.failed++;
        if (owner) await o.connection.del(key).catch(() => 0);
        o.logger.error({ err: lastErr, recordId: record.id }, 'call record could not be queued');
        throw lastErr;
      }
      await o.connection.set(key, 'published', 'EX', ttl);
      // Not the first to publish it (a concurrent publisher, or a run that died after the
      // guard): queued again harmlessly (same job id) but announced and counted once.
      if (!owner) {
        stats.duplicates++;
        return false;
      }
      stats.published++;
      o.bus.emit('call.record', record);
      return true;
    },
    async amend(recordId, patch) {
      const job = await queue.getJob(recordId);
      if (!job) return 'unknown';
      if ((await job.getState()) !== 'delayed') return 'too-late';
      await job.updateData({ ...(job.data as CallRecord), ...patch });
      try {
        await job.promote();
      } catch {
        // The delay ran out between the two calls: a consumer may have taken the old data.
        return 'too-late';
      }
      return 'amended';
    },
    async close() { await queue.close(); },
    stats: () => ({ ...stats }),
  };
}
