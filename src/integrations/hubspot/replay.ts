// Re-posting records that did not make it: failed jobs in `call-records`, or dead letters.
// The ledger makes replays safe: a record already logged is recognised, not logged again.
import type { Queue } from 'bullmq';
import type { DeadLetter } from '../../workers/hubspot.ts';

export interface ReplayResult { reposted: number; skipped: number; ids: string[] }

/** Moves every failed job of the call-records queue back to waiting. */
export async function replayFailed(callRecords: Queue): Promise<ReplayResult> {
  const ids: string[] = [];
  let skipped = 0;
  for (;;) {
    // Retried jobs leave the failed set, so always read its head; stop if nothing moved.
    const jobs = await callRecords.getFailed(0, 499);
    const before = ids.length;
    for (const j of jobs) {
      try { await j.retry('failed'); ids.push(String(j.id)); } catch { skipped++; }
    }
    if (ids.length === before) break;
  }
  return { reposted: ids.length, skipped, ids };
}

/** Re-adds dead-lettered records to call-records (jobId = record id) and removes them from the DLQ. */
export async function replayDeadLetters(callRecords: Queue, dlq: Queue<DeadLetter>): Promise<ReplayResult> {
  const ids: string[] = [];
  let skipped = 0;
  for (;;) {
    const letters = await dlq.getJobs(['wait', 'prioritized'], 0, 499);
    if (!letters.length) break;
    for (const l of letters) {
      const id = l.data.recordId;
      const old = await callRecords.getJob(id);
      if (old) {
        const state = await old.getState();
        // A job still waiting or active will be processed anyway; only finished ones are replaced.
        if (state === 'failed' || state === 'completed') await old.remove();
        else { skipped++; await l.remove(); continue; }
      }
      await callRecords.add('call-record', l.data.record, { jobId: id });
      await l.remove();
      ids.push(id);
    }
  }
  return { reposted: ids.length, skipped, ids };
}
