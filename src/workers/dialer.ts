// The campaign dialler: a BullMQ worker on the `originate` queue, which holds only the
// campaign hopper (src/campaigns/hopper.ts: a few due attempts taken from PostgreSQL). Each job
// is one dial attempt of one row and stays active until the call's final outcome, so the
// number of active jobs is the number of live campaign channels; Redis leases cap it across
// processes (see campaigns/limits.ts), a Redis pacer spaces calls by 1/cps, and the BullMQ
// limiter caps job starts globally. Every step is idempotent so a worker killed at any moment
// is replaced without dialling the same attempt twice:
//   - the attempt's channel id is deterministic and marked "dialled" (PostgreSQL) before
//     originate; a re-run that finds the mark waits for the outcome instead of dialling;
//   - the attempt's outcome, the row's next attempt or final outcome and the counters are
//     written in one transaction, once (campaign_settle);
//   - only the job of the row's current hop acts; a paused campaign's job hands its row back
//     to the database, a closed window's job hands it back until the window opens.
import { DelayedError, type Queue, type Worker, type Job } from 'bullmq';
import { createQueue, createWorker } from '../jobs/bull.ts';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Telephony, TelephonyEvent } from '../telephony/port.ts';
import type { CallRecord } from '../domain/call-record.ts';
import { QUEUES } from '../jobs/names.ts';
import { isUnanswered, type CallOutcomeChannel } from '../jobs/call-outcome.ts';
import { campaignChannelId, decideAfterAttempt, dialString, windowDecision, type AttemptOutcome, type CampaignSettings, type FinalOutcome } from '../domain/campaign.ts';
import { zonesForRow } from '../domain/campaign-row.ts';
import type { OriginateJobData } from '../campaigns/hopper.ts';
import type { CampaignStore } from '../campaigns/store.ts';
import type { DialLimits } from '../campaigns/limits.ts';
import type { DncStore } from '../campaigns/dnc.ts';
import type { CampaignMetrics } from '../campaigns/metrics.ts';
import { errorCode } from '../errors.ts';
import { classifyUnansweredAttempt } from '../domain/hangup-causes.ts';
import { unansweredOutcome } from '../domain/attempt-outcome.ts';
import { unrecordedAttemptRecord } from '../campaigns/attempt-record.ts';

/** BullMQ lock of an attempt in progress, and how often workers look for attempts whose lock expired (their worker died). */
export const DIALER_LOCK_MS = 15_000;
export const DIALER_STALLED_CHECK_MS = 5_000;
/** How often an attempt waiting on its call checks that the PBX still has the channel. */
export const VANISH_POLL_MS = 5_000;

export interface DialerDeps {
  /** BullMQ connection (maxRetriesPerRequest: null). */
  connection: Redis;
  bullPrefix?: string;
  queueName?: string;
  store: CampaignStore;
  limits: DialLimits;
  outcomes: CallOutcomeChannel;
  telephony: Telephony;
  dnc?: DncStore;
  logger: Logger;
  metrics?: CampaignMetrics;
  clock?: () => number;
  /** Global caps over every campaign and worker process. */
  globalMaxCallsPerSecond: number;
  globalMaxConcurrentCalls: number;
  /** Jobs this process works on at once (live calls + jobs waiting for a slot); default globalMaxConcurrentCalls + 10. */
  concurrency?: number;
  /** Called when a job is done with its row (settled or handed back): the hopper refills sooner. */
  onSettled?: (campaignId: string) => void;
  /** After the channel is gone, how long to wait for the CallRecord before judging from events alone. */
  recordGraceMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Whether a process holds the Stasis app (src/campaigns/stasis-owner.ts): no new dial without one, the callee would be hung up on. */
  ownerAlive?: () => Promise<boolean>;
  /** Where a dialled attempt's record goes when the call ended (vanished, overdue) with none from the Stasis owner (src/campaigns/attempt-record.ts). */
  attemptRecords?: { publish(record: CallRecord): Promise<unknown> };
  /** Called for every originate (tests and benchmarks measure pacing with it). */
  onDial?: (info: { channelId: string; campaignId: string; rowId: string; attempt: number; at: number }) => void;
}

export interface AttemptResult {
  outcome: AttemptOutcome | FinalOutcome | 'handed-back' | 'stale';
  attempt: number;
  final: boolean;
  via: 'record' | 'events' | 'timeout' | 'originate-error' | 'ledger' | 'state' | 'window' | 'vanished';
}

export interface Dialer {
  worker: Worker<OriginateJobData, AttemptResult>;
  queue: Queue<OriginateJobData>;
  close(): Promise<void>;
}

type Observed = { started: boolean; dialStatus?: string; cause?: number; destroyed: boolean; wake: () => void };

/**
 * Channel gone before it entered Stasis: the hangup cause decides (Asterisk's Dial status says
 * NOANSWER for a 603 Decline and for a 404), the Dial status only when the cause says nothing.
 */
export function classifyUnanswered(dialStatus: string | undefined, cause: number | undefined): AttemptOutcome {
  return unansweredOutcome(classifyUnansweredAttempt(dialStatus, cause));
}

export function outcomeFromRecord(r: CallRecord): AttemptOutcome {
  // The app stopped mid-flow: the callee never heard the whole message — try again.
  if (r.error?.code === 'CALL_INTERRUPTED_BY_SHUTDOWN' || r.error?.code === 'CALL_INTERRUPTED_BY_RESTART') return 'failed';
  switch (r.disposition) {
    case 'voicemail': return 'voicemail';
    case 'busy': return 'busy';
    case 'declined': return 'declined';
    case 'no-answer': return 'no-answer';
    case 'unknown-number': return 'unknown-number';
    case 'failed': return 'failed';
    default: return 'answered'; // answered, or abandoned = the callee hung up during the flow
  }
}

/** The worker is shutting down: the job goes back to the queue for another worker (no attempt used). */
class ClosingError extends Error {}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((r) => {
  if (ms <= 0 || signal?.aborted) return r();
  const t = setTimeout(r, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
});

export function createDialer(deps: DialerDeps): Dialer {
  const log = deps.logger.child({ component: 'dialer' });
  const clock = deps.clock ?? Date.now;
  const queueName = deps.queueName ?? QUEUES.originate;
  const prefix = deps.bullPrefix ?? 'bull';
  const graceMs = deps.recordGraceMs ?? 5000;
  let ownerWarned = false;
  // Channels the PBX lists, shared by every attempt waiting in this process (one GET /channels per tick).
  let listing: { at: number; ids: Promise<Set<string> | undefined> } | undefined;
  const liveIds = () => {
    if (!listing || clock() - listing.at >= VANISH_POLL_MS / 2) listing = { at: clock(), ids: deps.telephony.listChannels().then((l) => new Set(l.map((c) => c.id)), () => undefined) };
    return listing.ids;
  };
  /** Resolves when the PBX no longer lists the channel on two polls running (a PBX restart sends no ChannelDestroyed). */
  const vanished = (channelId: string, signal: AbortSignal) => new Promise<'vanished'>((resolve) => {
    let misses = 0;
    const tick = () => {
      if (signal.aborted) return;
      void liveIds().then((ids) => {
        if (signal.aborted) return;
        misses = ids && !ids.has(channelId) ? misses + 1 : 0;
        if (misses >= 2) resolve('vanished');
        else t = setTimeout(tick, VANISH_POLL_MS);
      });
    };
    let t = setTimeout(tick, VANISH_POLL_MS);
    signal.addEventListener('abort', () => clearTimeout(t), { once: true });
  });
  const queue = createQueue<OriginateJobData>(queueName, { connection: deps.connection, prefix }, log);
  const closing = new AbortController();
  const observed = new Map<string, Observed>();
  const settingsCache = new Map<string, { at: number; s: CampaignSettings | undefined }>();

  const unsubscribe = deps.telephony.onEvent((ev: TelephonyEvent) => {
    let id: string | undefined;
    if (ev.type === 'call.started') id = ev.channel.id;
    else if (ev.type === 'channel.destroyed' || ev.type === 'call.ended') id = ev.channelId;
    else if (ev.type === 'dial') id = ev.peerId;
    if (!id) return;
    const o = observed.get(id);
    if (!o) return;
    if (ev.type === 'call.started') o.started = true;
    else if (ev.type === 'dial') { if (ev.status) o.dialStatus = ev.status; }
    else if (ev.type === 'channel.destroyed') { o.cause = ev.cause; o.destroyed = true; o.wake(); }
    else if (ev.type === 'call.ended' && o.started) { o.destroyed = true; o.wake(); }
  });

  async function settings(id: string): Promise<CampaignSettings | undefined> {
    const c = settingsCache.get(id);
    if (c && clock() - c.at < 2000) return c.s;
    const s = await deps.store.getSettings(id);
    settingsCache.set(id, { at: clock(), s });
    return s;
  }

  /** Records the attempt's outcome and what follows (next attempt's due time, or final), at once. */
  async function finish(d: OriginateJobData, s: CampaignSettings, outcome: AttemptOutcome, via: AttemptResult['via']): Promise<AttemptResult> {
    const next = decideAfterAttempt(s, outcome, d.attempt);
    const now = clock();
    const first = await deps.store.settle(d.campaignId, d.rowId, d.attempt, outcome, next.final ? { final: true, outcome: next.outcome } : { final: false, nextAt: now + next.retryInMs }, now);
    if (first) deps.metrics?.originations.inc({ outcome });
    deps.onSettled?.(d.campaignId);
    return { outcome, attempt: d.attempt, final: next.final, via };
  }

  async function stop(d: OriginateJobData, outcome: FinalOutcome, via: AttemptResult['via']): Promise<AttemptResult> {
    await deps.store.settle(d.campaignId, d.rowId, d.attempt, '', { final: true, outcome }, clock());
    deps.onSettled?.(d.campaignId);
    return { outcome, attempt: d.attempt, final: true, via };
  }

  /** The row goes back to the database, not an attempt (paused campaign, closed window); `at`: due again then. */
  async function handBack(d: OriginateJobData, via: AttemptResult['via'], at?: number): Promise<AttemptResult> {
    await deps.store.release(d.campaignId, d.rowId, d.attempt, d.hop, at);
    deps.onSettled?.(d.campaignId);
    return { outcome: 'handed-back', attempt: d.attempt, final: false, via };
  }

  async function waitOutcome(channelId: string, s: CampaignSettings, o: Observed | undefined): Promise<{ outcome: AttemptOutcome; via: AttemptResult['via'] }> {
    // Already closing (the dial raced the shutdown): hand over at once rather than wait out the call.
    if (closing.signal.aborted) throw new ClosingError('dialer closing');
    const ctl = new AbortController();
    const onClose = () => ctl.abort();
    closing.signal.addEventListener('abort', onClose, { once: true });
    try {
      const recordP = deps.outcomes.waitFor(channelId, (s.ringTimeoutSec + s.maxCallSec) * 1000 + graceMs, ctl.signal).then((r) => ({ r }));
      const goneP = o ? new Promise<'gone'>((resolve) => { o.wake = () => resolve('gone'); if (o.destroyed) resolve('gone'); }) : new Promise<never>(() => {});
      const first = await Promise.race([recordP, goneP, vanished(channelId, ctl.signal)]);
      if (first === 'vanished') {
        // Gone without a word (the PBX restarted, or its events were lost): the Stasis owner's record if it comes, else retried.
        const late = await Promise.race([recordP, sleep(graceMs, ctl.signal).then(() => ({ r: undefined }))]);
        ctl.abort();
        if (late.r && isUnanswered(late.r)) return { outcome: classifyUnanswered(late.r.dialStatus, late.r.cause), via: 'events' };
        if (late.r) return { outcome: outcomeFromRecord(late.r), via: 'record' };
        log.warn({ channelId }, 'campaign call vanished from the PBX with no record; the attempt counts as failed (retried)');
        return { outcome: 'failed', via: 'vanished' };
      }
      if (first !== 'gone') {
        // In a worker (no events of its own) the Stasis owner's view of an unanswered attempt.
        if (first.r && isUnanswered(first.r)) return { outcome: classifyUnanswered(first.r.dialStatus, first.r.cause), via: 'events' };
        if (first.r) return { outcome: outcomeFromRecord(first.r), via: 'record' };
        if (closing.signal.aborted) throw new ClosingError('dialer closing');
        return { outcome: 'failed', via: 'timeout' };
      }
      if (o && !o.started) {
        ctl.abort();
        return { outcome: classifyUnanswered(o.dialStatus, o.cause), via: 'events' };
      }
      // Answered and gone: the Stasis core's record says how it went; give it a moment.
      const late = await Promise.race([recordP, sleep(graceMs, ctl.signal).then(() => ({ r: undefined }))]);
      ctl.abort();
      if (late.r && isUnanswered(late.r)) return { outcome: classifyUnanswered(late.r.dialStatus, late.r.cause), via: 'events' };
      return late.r ? { outcome: outcomeFromRecord(late.r), via: 'record' } : { outcome: 'answered', via: 'events' };
    } finally {
      closing.signal.removeEventListener('abort', onClose);
      ctl.abort();
    }
  }

  async function process(job: Job<OriginateJobData, AttemptResult>, token?: string): Promise<AttemptResult> {
    const d = job.data;
    const s = await settings(d.campaignId);
    if (!s) throw Object.assign(new Error(`campaign ${d.campaignId} has no settings`), { code: 'CAMPAIGN_UNKNOWN' });
    const ctx = await deps.store.attempt(d.campaignId, d.rowId, d.attempt);
    const row = ctx.row;
    if (row?.place === 'final') return { outcome: row.finalOutcome as FinalOutcome, attempt: d.attempt, final: true, via: 'ledger' };
    // Crash after the outcome was written: the row has moved on already; nothing to dial.
    if (ctx.attemptOutcome) return finish(d, s, ctx.attemptOutcome as AttemptOutcome, 'ledger');
    // A job of an older hop or attempt (handed back and taken again, or recovered): the row's
    // current job acts, this one must not.
    if (!row || row.attempt !== d.attempt || row.hop !== d.hop || row.place !== 'hopper') return { outcome: 'stale', attempt: d.attempt, final: false, via: 'ledger' };

    const state = ctx.campaignState;
    if (state === 'cancelled' && ctx.dialledAt === undefined) return stop(d, 'cancelled', 'state');
    const channelId = campaignChannelId(d.campaignId, d.rowId, d.attempt);
    const alreadyDialled = ctx.dialledAt !== undefined;
    if (!alreadyDialled) {
      if (state === 'paused') return handBack(d, 'state');
      if (deps.dnc && (await deps.dnc.has(d.phone))) return stop(d, 'do-not-call', 'state');
      const w = windowDecision(clock(), zonesForRow(d, s.fallbackTimezone), s);
      if (w.kind === 'expired') return stop(d, 'expired', 'state');
      // Outside the recipient's window: back to the database until the opening, not dialled.
      if (w.kind === 'later') return handBack(d, 'window', w.at);
    }

    const max = { campaign: s.maxConcurrentCalls, global: deps.globalMaxConcurrentCalls };
    const waitStart = clock();
    // A recovered live call takes its slot back regardless of the cap: it is already on the line.
    if (alreadyDialled) await deps.limits.tryAcquire(d.campaignId, channelId, max, true);
    else {
      let backoff = 10;
      while (!(await deps.limits.tryAcquire(d.campaignId, channelId, max))) {
        if (closing.signal.aborted) {
          await job.moveToDelayed(Date.now() + 100, token);
          throw new DelayedError();
        }
        await sleep(backoff, closing.signal);
        backoff = Math.min(backoff * 2, 250);
      }
    }
    const renew = setInterval(() => { deps.limits.renew(d.campaignId, channelId).catch((err: unknown) => log.warn({ err }, 'lease renewal failed')); }, Math.max(200, deps.limits.leaseMs / 3));
    let dialledAt = ctx.dialledAt ?? clock();
    try {
      let o: Observed | undefined;
      if (!alreadyDialled) {
        const wait = await deps.limits.reservePace(d.campaignId, { campaign: s.maxCallsPerSecond, global: deps.globalMaxCallsPerSecond });
        await sleep(wait, closing.signal);
        // Shutting down: nothing new is dialled; the job goes back unused for the next worker.
        if (closing.signal.aborted) {
          await job.moveToDelayed(Date.now() + 100, token);
          throw new DelayedError();
        }
        deps.metrics?.dialWaitMs.observe(clock() - waitStart);
        // The wait for a slot can be long: a pause or cancel issued meanwhile wins over dialling.
        const now = await deps.store.getState(d.campaignId);
        if (now === 'cancelled') return await stop(d, 'cancelled', 'state');
        if (now === 'paused') return await handBack(d, 'state');
        // Nobody to take the call once answered (the app is restarting): held, not dialled.
        if (deps.ownerAlive && !(await deps.ownerAlive().catch(() => false))) {
          if (!ownerWarned) { ownerWarned = true; log.warn({ campaignId: d.campaignId }, 'no process holds the Stasis app: dialling held until one does'); }
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError();
        }
        ownerWarned = false;
        dialledAt = clock();
        if (!(await deps.store.markDialled(d.campaignId, d.rowId, d.attempt, dialledAt))) {
          log.warn({ channelId, campaignId: d.campaignId, rowId: d.rowId }, 'attempt already dialled by another worker; waiting for its outcome');
        } else {
          o = { started: false, destroyed: false, wake: () => {} };
          observed.set(channelId, o);
          const variables: Record<string, string> = {
            CENTRALITA_FLOW: s.flowId, CENTRALITA_CAMPAIGN: d.campaignId, CENTRALITA_ROW: d.rowId, CENTRALITA_ATTEMPT: String(d.attempt), CENTRALITA_PHONE: d.phone,
          };
          if (d.name) variables.CENTRALITA_NAME = d.name;
          if (d.contactId) variables.CENTRALITA_CONTACT_ID = d.contactId;
          // Row variables under their own (normalised) names for the dialplan, and all of them as
          // one JSON value the app reads from the StasisStart snapshot (ari.conf channelvars).
          for (const [k, v] of Object.entries(d.variables)) if (!(k in variables)) variables[k] = v;
          const row = { ...(d.name ? { name: d.name } : {}), ...d.variables };
          if (Object.keys(row).length) variables.CENTRALITA_VARS = JSON.stringify(row);
          deps.onDial?.({ channelId, campaignId: d.campaignId, rowId: d.rowId, attempt: d.attempt, at: clock() });
          try {
            await deps.telephony.originate({
              endpoint: dialString(s.endpoint, d.phone), channelId, callerId: s.callerId, timeoutSec: s.ringTimeoutSec, variables,
              appArgs: `campaign,${d.campaignId},${d.rowId},${d.attempt},${s.flowId}`,
            });
          } catch (err) {
            deps.metrics?.originateErrors.inc({ code: errorCode(err) });
            log.warn({ err, channelId, campaignId: d.campaignId, rowId: d.rowId }, 'originate refused');
            clearInterval(renew);
            await deps.limits.release(d.campaignId, channelId);
            return await finish(d, s, 'failed', 'originate-error');
          }
        }
      }
      let r: Awaited<ReturnType<typeof waitOutcome>>;
      try {
        r = await waitOutcome(channelId, s, o);
      } catch (err) {
        if (!(err instanceof ClosingError)) throw err;
        // Another worker takes over: it finds the attempt marked dialled and waits for its outcome.
        await job.moveToDelayed(Date.now() + 100, token);
        throw new DelayedError();
      }
      // The call is over: free its slot before the bookkeeping, so "dialling" never lags "done".
      clearInterval(renew);
      await deps.limits.release(d.campaignId, channelId);
      // Dialled, gone, and nobody recorded it: the record is written before the outcome, so a
      // crash in between re-runs the attempt and writes the same id again (published once).
      if ((r.via === 'vanished' || r.via === 'timeout') && deps.attemptRecords) {
        await deps.attemptRecords.publish(unrecordedAttemptRecord({
          channelId, campaignId: d.campaignId, rowId: d.rowId, attempt: d.attempt, phone: d.phone, dialledAt, endedAt: clock(), via: r.via,
          ...(d.contactId ? { contactId: d.contactId } : {}), ...(s.callerId ? { callerId: s.callerId } : {}),
        }));
      }
      return await finish(d, s, r.outcome, r.via);
    } finally {
      clearInterval(renew);
      observed.delete(channelId);
      await deps.limits.release(d.campaignId, channelId);
    }
  }

  const worker = createWorker<OriginateJobData, AttemptResult>(queueName, process, {
    connection: deps.connection,
    prefix,
    concurrency: deps.concurrency ?? deps.globalMaxConcurrentCalls + 10,
    limiter: { max: Math.max(1, Math.ceil(deps.globalMaxCallsPerSecond)), duration: 1000 },
    // A killed worker's attempts are taken up again within lock + interval (≤ 20 s, was 60 s with
    // BullMQ's 30 s + 30 s): a row should not wait a minute after a crash. The lock is renewed
    // every 7.5 s, so only an event loop blocked for 15 s would lose it — and a re-run attempt
    // is safe (deterministic channel id, outcome checked first).
    lockDuration: deps.lockDurationMs ?? DIALER_LOCK_MS,
    stalledInterval: deps.stalledIntervalMs ?? DIALER_STALLED_CHECK_MS,
    // A stalled job means a worker died mid-attempt; re-running it is safe, so never give up on it.
    maxStalledCount: 1000,
  }, log);
  worker.on('failed', (job, err) => {
    if (!job) return;
    log.error({ err, jobId: job.id, campaignId: job.data.campaignId, rowId: job.data.rowId, attemptsMade: job.attemptsMade }, 'originate job failed');
    // Out of BullMQ attempts (Redis or PBX trouble): the row still gets exactly one final outcome.
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      deps.store.settle(job.data.campaignId, job.data.rowId, job.data.attempt, 'failed', { final: true, outcome: 'failed' }, clock())
        .then(() => deps.onSettled?.(job.data.campaignId))
        .catch((e: unknown) => log.error({ err: e }, 'could not record the final outcome; the hopper hands the row back once its job counts as lost'));
    }
  });
  return {
    worker,
    queue,
    async close() {
      closing.abort();
      unsubscribe();
      await worker.close();
      await queue.close();
    },
  };
}
