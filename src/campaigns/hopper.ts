// The campaign hopper: every accepted row waits in PostgreSQL; only a few due attempts at a
// time become BullMQ jobs (the hopper), refilled just in time — by row priority, calling window
// (per zone key: a closed zone is not read at all) and retry time — up to a few times the
// concurrency limit. Redis memory therefore follows the dialling rate, not the campaign size,
// and pause, resume and cancel are state changes: the refiller only takes rows of active
// campaigns, the dialler hands back (pause) or ends (cancel) the few jobs it holds, and the rows
// of a cancelled campaign or an expired zone are settled in bulk in SQL.
//
// Crash safety: rows are marked "in the hopper" (with a new hop number) and committed before
// their jobs are added; if adding fails they are handed back; if the process dies in between,
// the rows' jobs are missing and `recoverLost` hands them back after `lostAfterMs`. Job ids
// carry the hop (`<campaign>__<row>__a<attempt>__h<hop>`), so a row handed back and taken
// again never collides with its previous job, and the dialler ignores a job of an older hop.
import type { Queue } from 'bullmq';
import type { Logger } from '../logger.ts';
import { windowDecision, type CampaignSettings, type FinalOutcome } from '../domain/campaign.ts';
import type { CampaignRunState } from './store.ts';

export const ORIGINATE_JOB = 'originate';

export interface OriginateJobData {
  campaignId: string;
  rowId: string;
  attempt: number;
  /** Which time the row was taken into the hopper: only the job of the row's current hop acts. */
  hop: number;
  phone: string;
  country?: string;
  name?: string;
  contactId?: string;
  timezone?: string;
  variables: Record<string, string>;
  file: string;
}

export function originateJobId(campaignId: string, rowId: string, attempt: number, hop: number): string {
  return `${campaignId}__${rowId}__a${attempt}__h${hop}`;
}

/** BullMQ attempts cover infrastructure errors (Redis, PBX down); dial attempts (busy, no-answer…)
 *  are rows taken again. Done jobs leave Redis at once: the row in PostgreSQL is the record. */
export const ORIGINATE_JOB_OPTIONS = { attempts: 5, backoff: { type: 'exponential' as const, delay: 5000 }, removeOnComplete: true, removeOnFail: { age: 86_400, count: 1000 } };

/** Identifies one hop of one row in the store. */
export interface HopperTicket { fid: number; rowNo: number; hop: number }

export interface HopperCampaign {
  campaignId: string;
  /** The store's key of the campaign. */
  key: number;
  settings: CampaignSettings;
  state: CampaignRunState;
  /** Zone keys of its rows (`America/Bogota`, or several zones joined with `|`). */
  zones: string[];
  inHopper: number;
}

export interface HopperRow {
  campaignId: string;
  rowId: string;
  attempt: number;
  hop: number;
  phone: string;
  priority: number;
  file: string;
  data: { name?: string; country?: string; contactId?: string; timezone?: string; variables: Record<string, string> };
  ticket: HopperTicket;
}

export interface HopperStore {
  /** Active campaigns, and cancelled ones with rows still waiting. */
  campaigns(): Promise<HopperCampaign[]>;
  /** Takes up to `n` due rows of these zones into the hopper (best priority, then earliest due). */
  take(c: HopperCampaign, zones: string[], n: number, nowMs: number): Promise<HopperRow[]>;
  /** Hands rows back whose jobs could not be added. */
  untake(tickets: HopperTicket[]): Promise<void>;
  /** Rows in the hopper since before `beforeMs`, oldest first. */
  inHopperSince(beforeMs: number, limit: number): Promise<{ campaignId: string; rowId: string; attempt: number; hop: number; ticket: HopperTicket }[]>;
  /** Settles rows still waiting in the database (all, or of these zones) with a final outcome. */
  finalizeWaiting(c: HopperCampaign, outcome: Extract<FinalOutcome, 'cancelled' | 'expired'>, zones: string[] | undefined, limit: number, nowMs: number): Promise<{ settled: number; completed: boolean }>;
}

export interface HopperOptions {
  store: HopperStore;
  queue: Pick<Queue<OriginateJobData>, 'addBulk' | 'getJobState'>;
  clock: () => number;
  logger: Logger;
  global: { maxConcurrentCalls: number; maxCallsPerSecond: number };
  /** Hopper size per campaign: this many times its concurrency limit (default 3). */
  factor?: number;
  /** Refill period (default 250 ms); the dialler also kicks a refill after each attempt. */
  intervalMs?: number;
  /** A row in the hopper this long without a job is handed back (default 60 s). */
  lostAfterMs?: number;
  /** Rows settled in bulk (cancel, expired zone) per pass. */
  finalizeBatch?: number;
  onCompleted?: (campaignId: string) => void;
}

export interface RefillResult { taken: number; finalized: number; recovered: number }

export interface Hopper {
  /** One refill pass now (tests and the timer). */
  refill(): Promise<RefillResult>;
  /** Hands back rows whose job is gone (process died between commit and addBulk, Redis lost data). */
  recoverLost(): Promise<number>;
  /** Asks for a refill soon (coalesced): called when a job finished. */
  kick(): void;
  close(): Promise<void>;
}

/** How many attempts of a campaign may wait in the hopper: a few times what it may dial at once,
 *  and at least two seconds of its pace, within the global limits. */
export function hopperTarget(s: Pick<CampaignSettings, 'maxConcurrentCalls' | 'maxCallsPerSecond'>, g: HopperOptions['global'], factor: number): number {
  const conc = Math.min(s.maxConcurrentCalls, g.maxConcurrentCalls);
  const pace = Math.ceil(2 * Math.min(s.maxCallsPerSecond, g.maxCallsPerSecond));
  return Math.max(2, Math.min(Math.max(factor * conc, pace), factor * g.maxConcurrentCalls + pace));
}

export function jobOf(r: HopperRow): { name: string; data: OriginateJobData; opts: typeof ORIGINATE_JOB_OPTIONS & { jobId: string } } {
  const data: OriginateJobData = { campaignId: r.campaignId, rowId: r.rowId, attempt: r.attempt, hop: r.hop, phone: r.phone, variables: r.data.variables, file: r.file };
  if (r.data.country) data.country = r.data.country;
  if (r.data.name) data.name = r.data.name;
  if (r.data.contactId) data.contactId = r.data.contactId;
  if (r.data.timezone) data.timezone = r.data.timezone;
  return { name: ORIGINATE_JOB, data, opts: { jobId: originateJobId(r.campaignId, r.rowId, r.attempt, r.hop), ...ORIGINATE_JOB_OPTIONS } };
}

export function startHopper(o: HopperOptions): Hopper {
  const factor = o.factor ?? 3;
  const intervalMs = o.intervalMs ?? 250;
  const lostAfterMs = o.lostAfterMs ?? 60_000;
  const batch = o.finalizeBatch ?? 5000;
  const log = o.logger.child({ component: 'hopper' });
  let running: Promise<RefillResult> | undefined;
  let again = false;
  let closed = false;
  let lastRecover = o.clock();

  async function pass(): Promise<RefillResult> {
    const now = o.clock();
    const res: RefillResult = { taken: 0, finalized: 0, recovered: 0 };
    const list = await o.store.campaigns();
    // The global room: what all campaigns together may hold in the hopper.
    let room = factor * o.global.maxConcurrentCalls + Math.ceil(2 * o.global.maxCallsPerSecond) - list.reduce((a, c) => a + (c.state === 'active' ? c.inHopper : 0), 0);
    for (const c of list) {
      if (closed) break;
      if (c.state === 'cancelled') {
        res.finalized += (await o.store.finalizeWaiting(c, 'cancelled', undefined, batch, now)).settled;
        continue;
      }
      const open: string[] = [];
      for (const zone of c.zones) {
        const w = windowDecision(now, zone.split('|'), c.settings);
        if (w.kind === 'open') open.push(zone);
        else if (w.kind === 'expired') {
          const f = await o.store.finalizeWaiting(c, 'expired', [zone], batch, now);
          res.finalized += f.settled;
          if (f.completed) o.onCompleted?.(c.campaignId);
        }
      }
      const target = hopperTarget(c.settings, o.global, factor);
      const want = Math.min(target - c.inHopper, room);
      // Refill in batches (a quarter of the target at least) unless the hopper ran dry.
      if (want <= 0 || open.length === 0 || (c.inHopper > 0 && want < Math.ceil(target / 4))) continue;
      const rows = await o.store.take(c, open, want, now);
      if (rows.length === 0) continue;
      // Best priority first within the batch too (the hopper is FIFO; the store returns no order).
      rows.sort((x, y) => y.priority - x.priority);
      try {
        await o.queue.addBulk(rows.map(jobOf));
      } catch (err) {
        await o.store.untake(rows.map((r) => r.ticket)).catch((e: unknown) => log.warn({ err: e }, 'rows not handed back; recovered once they count as lost'));
        throw err;
      }
      room -= rows.length;
      res.taken += rows.length;
    }
    if (now - lastRecover >= Math.min(lostAfterMs / 2, 10_000)) {
      lastRecover = now;
      res.recovered = await recoverLost();
    }
    return res;
  }

  async function recoverLost(): Promise<number> {
    const rows = await o.store.inHopperSince(o.clock() - lostAfterMs, 1000);
    const lost = [];
    for (const r of rows) {
      const state = await o.queue.getJobState(originateJobId(r.campaignId, r.rowId, r.attempt, r.hop));
      // 'failed': out of BullMQ attempts and its final outcome could not be written.
      if (state === 'unknown' || state === 'failed') lost.push(r.ticket);
    }
    if (lost.length) {
      await o.store.untake(lost);
      log.warn({ rows: lost.length }, 'hopper rows without a job handed back to the database');
    }
    return lost.length;
  }

  const refill = (): Promise<RefillResult> => {
    if (running) { again = true; return running; }
    running = pass().finally(() => {
      running = undefined;
      if (again && !closed) { again = false; void refill().catch((err: unknown) => log.warn({ err }, 'hopper refill failed; retried on the next tick')); }
    });
    return running;
  };
  const timer = setInterval(() => { void refill().catch((err: unknown) => log.warn({ err }, 'hopper refill failed; retried on the next tick')); }, intervalMs);
  timer.unref();
  let kicked: NodeJS.Timeout | undefined;
  return {
    refill,
    recoverLost,
    kick() {
      if (closed || kicked) return;
      kicked = setTimeout(() => { kicked = undefined; void refill().catch((err: unknown) => log.warn({ err }, 'hopper refill failed; retried on the next tick')); }, 10);
      kicked.unref();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      if (kicked) clearTimeout(kicked);
      await running?.catch(() => {});
    },
  };
}
