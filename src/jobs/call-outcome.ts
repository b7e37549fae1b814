// Call outcome hand-off from the Stasis core to the dialler, across processes: the record
// publisher stores each CallRecord under `centralita:call-outcome:<channelId>` (with a TTL)
// and PUBLISHes it; the dialler subscribes first, then reads the key, so an outcome that
// lands between the two is never missed. Campaign records are also stored under the
// deterministic attempt channel id (from record.campaign), so the publisher needs nothing
// but the record.
import type { Redis } from 'ioredis';
import type { CallRecord } from '../domain/call-record.ts';
import { campaignChannelId } from '../domain/campaign.ts';
import { KEY_PREFIX } from './names.ts';

export interface CallOutcomeChannel {
  /** Stores and announces a finished call. `channelId` defaults to the campaign attempt's channel id, else record.id. */
  publish(record: CallRecord, opts?: { channelId?: string }): Promise<void>;
  /** The outcome of `channelId`, waiting up to `timeoutMs`; undefined on timeout or abort. */
  waitFor(channelId: string, timeoutMs: number, signal?: AbortSignal): Promise<CallRecord | undefined>;
  get(channelId: string): Promise<CallRecord | undefined>;
  close(): Promise<void>;
}

export function callOutcomeKey(channelId: string, prefix = KEY_PREFIX): string {
  return `${prefix}:call-outcome:${channelId}`;
}

export function createCallOutcomeChannel(redis: Redis, opts: { prefix?: string; ttlSec?: number } = {}): CallOutcomeChannel {
  const prefix = opts.prefix ?? KEY_PREFIX;
  const ttl = opts.ttlSec ?? 2 * 86_400;
  let sub: Redis | undefined;
  const waiters = new Map<string, Set<(r: CallRecord) => void>>();

  function subscriber(): Redis {
    if (!sub) {
      // A connection in subscriber mode can run nothing else: a dedicated duplicate.
      sub = redis.duplicate();
      sub.on('message', (channel: string, message: string) => {
        const set = waiters.get(channel);
        if (!set) return;
        let rec: CallRecord;
        try { rec = JSON.parse(message) as CallRecord; } catch { return; }
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
    async get(channelId) {
      const v = await redis.get(callOutcomeKey(channelId, prefix));
      return v ? (JSON.parse(v) as CallRecord) : undefined;
    },
    async waitFor(channelId, timeoutMs, signal) {
      const key = callOutcomeKey(channelId, prefix);
      const s = subscriber();
      let resolveFn!: (r: CallRecord | undefined) => void;
      const result = new Promise<CallRecord | undefined>((r) => (resolveFn = r));
      let set = waiters.get(key);
      const first = !set;
      if (!set) waiters.set(key, (set = new Set()));
      const onRecord = (r: CallRecord) => resolveFn(r);
      set.add(onRecord);
      const timer = setTimeout(() => resolveFn(undefined), timeoutMs);
      const onAbort = () => resolveFn(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (first) await s.subscribe(key);
        const existing = await redis.get(key);
        if (existing) resolveFn(JSON.parse(existing) as CallRecord);
        let out = await result;
        // The subscription may have been lost during a reconnect: the key is the source of truth.
        if (!out && !signal?.aborted) {
          const late = await redis.get(key);
          if (late) out = JSON.parse(late) as CallRecord;
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
