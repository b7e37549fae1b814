// The ACD knows the truth about a queued caller (who answered, how long they waited, the
// recording); the flow may learn it too late — a caller hanging up during the bridged
// conversation ends the flow before the queue's result reaches it, and the flow reports
// `abandoned`. Records are therefore completed from the ACD's own fields before publishing.
import type { CallRecord } from '../domain/call-record.ts';
import { bridgedSeconds } from './records.ts';

export function mergeQueueFields(record: CallRecord, fields: Pick<CallRecord, 'queue' | 'agent' | 'recording' | 'transfers'> | undefined): CallRecord {
  if (!fields) return record;
  const out: CallRecord = { ...record };
  if (fields.queue) {
    out.queue = fields.queue;
    out.waitSeconds = fields.queue.waitSeconds;
    const span = record.answeredAt ? Math.max(0, Math.round((Date.parse(record.endedAt) - Date.parse(record.answeredAt)) / 1000)) : 0;
    if (fields.queue.outcome === 'answered' && record.disposition !== 'voicemail') {
      out.disposition = 'answered';
      // Talk is the bridged conversation only; dial-node time the flow measured is kept.
      const dialled = Math.max(0, record.talkSeconds - (record.queue?.outcome === 'answered' ? bridgedSeconds(record.queue, 0, span) : 0));
      out.talkSeconds = bridgedSeconds(fields.queue, dialled, span);
    }
    out.ivrSeconds = Math.max(0, span - fields.queue.waitSeconds - out.talkSeconds);
  }
  if (fields.agent) out.agent = { ...record.agent, ...fields.agent };
  if (fields.recording && !record.recording) out.recording = fields.recording;
  if (fields.transfers?.length) out.transfers = fields.transfers;
  return out;
}
