// The record of a campaign attempt nobody else recorded (issue 14). A campaign call's record
// is normally written by the process holding the Stasis app when the call ends. Some dialled
// attempts never get one: the callee answered in the instant the app was down (Stasis() failed
// and the PBX hung up), the PBX restarted under the call, or the app was killed between the
// originate and the StasisStart. The dialler is the only one that knows such an attempt was
// dialled, so when the call is gone (or overdue) with no record it writes this one: same id as
// the app's (`cr-<channel id>`), so a late record of the app's and this one are one record.
import type { CallRecord } from '../domain/call-record.ts';

export type UnrecordedVia = 'vanished' | 'timeout';

export interface UnrecordedAttempt {
  channelId: string;
  campaignId: string;
  rowId: string;
  attempt: number;
  phone: string;
  contactId?: string;
  callerId?: string;
  /** When the attempt was marked dialled (epoch ms). */
  dialledAt: number;
  /** When the dialler gave up waiting for a record (epoch ms). */
  endedAt: number;
  via: UnrecordedVia;
}

export const UNRECORDED_ATTEMPT_CODE = 'CAMPAIGN_CALL_UNRECORDED';

export function unrecordedAttemptRecord(a: UnrecordedAttempt): CallRecord {
  const why = a.via === 'vanished'
    ? 'the call left the PBX with no record from the app (no process held the Stasis app when it was answered, or the PBX restarted)'
    : 'no record from the app within the ring timeout plus the longest call';
  return {
    id: `cr-${a.channelId}`,
    linkedId: a.channelId,
    direction: 'outbound',
    from: a.callerId ?? '',
    to: a.phone,
    startedAt: new Date(a.dialledAt).toISOString(),
    endedAt: new Date(Math.max(a.dialledAt, a.endedAt)).toISOString(),
    talkSeconds: 0,
    waitSeconds: 0,
    disposition: 'failed',
    hangupSide: 'unknown',
    path: [],
    campaign: { campaignId: a.campaignId, rowId: a.rowId, attempt: a.attempt, ...(a.contactId ? { contactId: a.contactId } : {}) },
    error: { code: UNRECORDED_ATTEMPT_CODE, message: `${why}; the attempt counts as failed and is retried` },
  };
}
