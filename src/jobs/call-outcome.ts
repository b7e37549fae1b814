// Call outcome hand-off from the Stasis core to the dialler, across processes (the dialler may
// run in a worker with no Stasis events of its own): the record
// publisher stores each CallRecord under `centralita:call-outcome:<channelId>` (with a TTL)
// and PUBLISHes it; the dialler subscribes first, then reads the key, so an outcome that
// lands between the two is never missed. Campaign records are also stored under the
// deterministic attempt channel id (from record.campaign), so the publisher needs nothing
// but the record.
import type { Redis } from 'ioredis';
import type { CallRecord } from '../domain/call-record.ts';
import { campaignChannelId } from '../domain/campaign.ts';
import { KEY_PREFIX } from './names.ts';

/**
 * A campaign channel that never entered Stasis (busy, declined, no answer…), as the process that
 * owns the Stasis application saw it: the dialler may run in a worker that receives no events.
 */
export interface UnansweredAttempt { kind: 'unanswered'; channelId: string; cause?: number; dialStatus?: string; at: string }
export type CallOutcome = CallRecord | UnansweredAttempt;
export const isUnanswered = (o: CallOutcome): o is UnansweredAttempt => (o as Partial<UnansweredAttempt>).kind === 'unanswered';

export interface CallOutcomeChannel {
  /** Stores and announces a finished call. `channelId` defaults to the campaign attempt's channel id, else record.id. */
  publish(record: CallRecord, opts?: { channelId?: string }): Promise<void>;
  /** Stores and announces an attempt that ended before anyone answered. */
  publishUnanswered(a: UnansweredAttempt): Promise<void>;
  /** The outcome of `channelId`, waiting up to `timeoutMs`; undefined on timeout or abort. */
  waitFor(channelId: string, timeoutMs: number, signal?: AbortSignal): Promise<CallOutcome | undefined>;
  get(channelId: string): Promise<CallOutcome | undefined>;
  close(): Promise<void>;
}

export function callOutcomeKey(channelId: string, prefix = KEY_PREFIX): string {
  return `${prefix}:call-outcome:${channelId}`;
}

export function createCallOutcomeChannel(redis: Redis, opts: { prefix?: string; ttlSec?: number } = {}): CallOutcomeChannel {
  const prefix = opts.prefix ?? KEY_PREFIX;
  const ttl = opts.ttlSec ?? 2 * 86_400;
  let sub: Redis | undefined;
  const waiters = new Map<string, Set<(r: CallOutcome) => void>>();

  function subscriber(): Redis {
    if (!sub) {
      // A connection in subscriber mode can run nothing else: a dedicated duplicate.
      sub = redis.duplicate();
      sub.on('message', (channel: string, message: string) => {
        const set = waiters.get(channel);
        if (!set) return;
        let rec: CallOutcome;
        try { rec = JSON.parse(message) as CallOutcome; } catch { return; }
        for (const w of [...set]) w(rec);
      });
      sub.on('error', () => {}); // ioredis reconnects by itself; waiters fall back to their timeout + key read
    }
    return sub;
  }

  const keysFor = (record: CallRecord, channelId?: string) => {
    const ids = new Set<string>();
    const c = record.campaign;
    if (channelId) ids.add(channelId);
    if (c?.rowId && c.attempt !== undefined) ids.add(campaignChannelId(c.campaignId, c.rowId, c.attempt));
    if (ids.size === 0) ids.add(record.id);
    return [...ids];
  };

  return {
    async publish(record, o = {}) {
      const json = JSON.stringify(record);
      const m = redis.multi();
      for (const id of keysFor(record, o.channelId)) {
        const k = callOutcomeKey(id, prefix);
        m.set(k, json, 'EX', ttl).publish(k, json);
      }
      await m.exec();
    },
    async publishUnanswered(a) {
      const json = JSON.stringify(a);
      const k = callOutcomeKey(a.channelId, prefix);
      // Never over a record: a channel that entered Stasis has its CallRecord as the outcome.
      const set = await redis.set(k, json, 'EX', ttl, 'NX');
      if (set === 'OK') await redis.publish(k, json);
    },
    async get(channelId) {
      const v = await redis.get(callOutcomeKey(channelId, prefix));
      return v ? (JSON.parse(v) as CallOutcome) : undefined;
    },
    async waitFor(channelId, timeoutMs, signal) {
      const key = callOutcomeKey(channelId, prefix);
      const s = subscriber();
      let resolveFn!: (r: CallOutcome | undefined) => void;
      const result = new Promise<CallOutcome | undefined>((r) => (resolveFn = r));
      let set = waiters.get(key);
      const first = !set;
      if (!set) waiters.set(key, (set = new Set()));
      const onRecord = (r: CallOutcome) => resolveFn(r);
      set.add(onRecord);
      const timer = setTimeout(() => resolveFn(undefined), timeoutMs);
      const onAbort = () => resolveFn(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (first) await s.subscribe(key);
        const existing = await redis.get(key);
        if (existing) resolveFn(JSON.parse(existing) as CallOutcome);
        let out = await result;
        // The subscription may have been lost during a reconnect: the key is the source of truth.
        if (!out && !signal?.aborted) {
          const late = await redis.get(key);
          if (late) out = JSON.parse(late) as CallOutcome;
        }
        return out;
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(onRecord);
        if (set.size === 0) {
          waiters.delete(key);
          await s.unsubscribe(key).catch(() => {});
        }
      }
    },
    async close() {
      waiters.clear();
      if (sub) {
        const s = sub;
        sub = undefined;
        s.disconnect();
      }
    },
  };
}
