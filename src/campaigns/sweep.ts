// Bulk operations on a campaign's queued jobs, run in the background by the API.
//
// Cancelling a campaign with a large backlog: its queued jobs are settled as `cancelled` and
// removed in pages, instead of each one waking a dialler (and passing the BullMQ rate limiter,
// which would hold up every other campaign) only to find the campaign cancelled.
// Best effort by design: a job a dialler holds right now (active, locked) is left to it, and
// the dialler's own state check cancels it; a sweep that dies half way leaves the rest to the
// same slow path. Settling before removing keeps every row counted exactly once.
import type { Job, Queue } from 'bullmq';
import type { CampaignStore } from './store.ts';
import type { OriginateJobData } from './ingest.ts';

export interface CancelSweepResult {
  campaignId: string;
  /** Queued attempts settled as cancelled by this sweep (0 for rows already final). */
  cancelled: number;
  removed: number;
  /** Jobs a dialler took while the sweep ran: they end as cancelled through the dialler. */
  busy: number;
  scanned: number;
  ms: number;
}

const STATES = ['delayed', 'waiting', 'prioritized'] as const;

export async function sweepCancelledCampaign(o: {
  queue: Pick<Queue, 'getJobs'>;
  store: CampaignStore;
  campaignId: string;
  pageSize?: number;
  clock?: () => number;
  /** Shutdown: stop after the current page (the rest takes the slow path). */
  signal?: AbortSignal;
}): Promise<CancelSweepResult> {
  const clock = o.clock ?? Date.now;
  const started = clock();
  const pageSize = o.pageSize ?? 500;
  const r: CancelSweepResult = { campaignId: o.campaignId, cancelled: 0, removed: 0, busy: 0, scanned: 0, ms: 0 };
  if ((await o.store.getState(o.campaignId)) !== 'cancelled') throw Object.assign(new Error(`campaign ${o.campaignId} is not cancelled`), { code: 'CAMPAIGN_NOT_CANCELLED' });
  await walkQueued(o.queue, STATES, pageSize, o.signal, async (job) => {
    r.scanned += 1;
    const d = job.data;
    if (d.campaignId !== o.campaignId) return false;
    if (await o.store.settle(d.campaignId, d.rowId, d.attempt, '', { final: true, outcome: 'cancelled' })) r.cancelled += 1;
    try {
      await job.remove();
      r.removed += 1;
      return true;
    } catch {
      r.busy += 1; // locked by a dialler: it sees the ledger entry and stops
      return false;
    }
  });
  r.ms = clock() - started;
  return r;
}

/** Resume: jobs that were waiting out the pause (backing off, up to minutes) are made due now,
 *  instead of each waiting for its next look. Jobs delayed for a calling window or a retry are
 *  left alone (they never saw the pause). */
export async function promotePausedJobs(o: { queue: Pick<Queue, 'getJobs'>; campaignId: string; pageSize?: number; signal?: AbortSignal }): Promise<{ promoted: number; scanned: number }> {
  const r = { promoted: 0, scanned: 0 };
  await walkQueued(o.queue, ['delayed'], o.pageSize ?? 500, o.signal, async (job) => {
    r.scanned += 1;
    if (job.data.campaignId !== o.campaignId || !job.data.pausedChecks) return false;
    try {
      await job.promote();
      r.promoted += 1;
      return true;
    } catch {
      return false; // taken or moved meanwhile: it looks again by itself
    }
  });
  return r;
}

/** Visits the jobs in `states`, page by page; `visit` returns true when the job left the list.
 *  Jobs that left shift the rest down; jobs other processes move meanwhile may be skipped,
 *  which only means they take the slow path. */
async function walkQueued(queue: Pick<Queue, 'getJobs'>, states: readonly ('delayed' | 'waiting' | 'prioritized')[], pageSize: number, signal: AbortSignal | undefined, visit: (job: Job<OriginateJobData>) => Promise<boolean>): Promise<void> {
  for (const state of states) {
    let start = 0;
    while (!signal?.aborted) {
      const page = (await queue.getJobs([state], start, start + pageSize - 1, true)) as (Job<OriginateJobData> | undefined)[];
      if (page.length === 0) break;
      let gone = 0;
      for (const job of page) {
        // A job removed between the id listing and the read comes back empty.
        if (job?.data && (await visit(job))) gone += 1;
      }
      start += page.length - gone;
    }
  }
}

