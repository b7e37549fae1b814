// Request budget shared by every worker: a rolling 10-second window and a per-second search
// window (HubSpot's two short limits) plus a daily count. As HubSpot's spec says, searches and
// v4 association batches are exempt from the 10-second window ('search' counts in the search
// window, 'exempt' only in the day); every request counts toward the daily limit, whose day is
// the portal's (its time zone), not UTC. Requests wait for a free slot, so
// the normal path never sees a 429; a wait longer than `maxWaitMs` is reported as a rate
// limit instead (the worker then pauses the queue rather than holding jobs). The Redis
// version is global across processes; the memory one is for the outbox, tools and benches.
//
// HubSpot counts a request when it RECEIVES it, and an event-loop stall between our grant
// and the actual send can bunch requests up at HubSpot's end. So a slot is first stamped a
// little in the future (in flight), and re-stamped with the time the response started to
// arrive (its status line) when the caller releases it: that is never earlier than HubSpot's receive time,
// so the window we keep is never shorter than the one HubSpot sees.
import type { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { CrmRateLimitedError } from './port.ts';
import type { RateBudgetLimits } from './settings.ts';
import { redisScript } from './redis-script.ts';

export type RequestKind = 'general' | 'search' | 'exempt';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** Call when the response (or error) arrived. */
export type Release = () => void;

export interface RequestBudget {
  /** Resolves when one request of `kind` may be sent; throws CrmRateLimitedError if that is more than maxWaitMs away. */
  acquire(kind: RequestKind, maxWaitMs?: number): Promise<Release>;
  /** Requests granted so far by this instance. */
  readonly granted: Record<RequestKind, number>;
}

export interface BudgetOptions {
  limits: RateBudgetLimits;
  clock?: Clock;
  /** Extra ms added to each window: our send time and HubSpot's receive time differ by network jitter. */
  marginMs?: { general: number; search: number };
  /** How far ahead an in-flight request is stamped until its response arrives. */
  inflightMs?: number;
  defaultMaxWaitMs?: number;
  /** The portal's time zone (IANA); its midnight starts a new daily budget. Default UTC. */
  timeZone?: () => string;
}

/** The portal's calendar day of an instant, and when that day ends. */
function portalDay(ms: number, timeZone: string): { day: string; endsAt: number } {
  let t = DateTime.fromMillis(ms, { zone: timeZone });
  if (!t.isValid) t = DateTime.fromMillis(ms, { zone: 'UTC' });
  return { day: t.toISODate()!, endsAt: t.plus({ days: 1 }).startOf('day').toMillis() };
}

/** Decision shared by both implementations: ms to wait, 0 = go. */
function waitFor(times: number[], now: number, max: number, windowMs: number): number {
  const live = times.filter((t) => t > now - windowMs);
  if (live.length < max) return 0;
  const oldest = live.sort((a, b) => a - b)[live.length - max]!;
  return Math.max(1, oldest + windowMs - now + 1);
}

export function createMemoryBudget(opts: BudgetOptions): RequestBudget {
  const clock = opts.clock ?? realClock;
  const margin = opts.marginMs ?? { general: 20, search: 10 };
  const inflight = opts.inflightMs ?? 250;
  const gw = opts.limits.general.windowMs + margin.general;
  const sw = opts.limits.search.windowMs + margin.search;
  type Slot = { t: number };
  let general: Slot[] = [];
  let search: Slot[] = [];
  let day = '';
  let dayCount = 0;
  const tz = opts.timeZone ?? (() => 'UTC');
  const granted = { general: 0, search: 0, exempt: 0 };
  // Serialises waiters so slots are granted in arrival order.
  let chain: Promise<void> = Promise.resolve();
  return {
    granted,
    acquire(kind, maxWaitMs = opts.defaultMaxWaitMs ?? 30_000) {
      const run = async () => {
        const started = clock.now();
        for (;;) {
          const now = clock.now();
          general = general.filter((x) => x.t > now - gw);
          search = search.filter((x) => x.t > now - sw);
          const pd = portalDay(now, tz());
          if (pd.day !== day) { day = pd.day; dayCount = 0; }
          if (dayCount >= opts.limits.daily) throw new CrmRateLimitedError(pd.endsAt - now + 1_000, 'daily budget spent', undefined, 'daily');
          const wait = kind === 'general' ? waitFor(general.map((x) => x.t), now, opts.limits.general.max, gw)
            : kind === 'search' ? waitFor(search.map((x) => x.t), now, opts.limits.search.max, sw) : 0;
          if (wait === 0) {
            const slot: Slot = { t: now + inflight };
            if (kind === 'general') general.push(slot);
            if (kind === 'search') search.push(slot);
            dayCount++;
            granted[kind]++;
            return () => { slot.t = clock.now(); };
          }
          if (now + wait - started > maxWaitMs) throw new CrmRateLimitedError(wait, `local ${kind} budget`, undefined, 'local');
          await clock.sleep(wait);
        }
      };
      const p = chain.then(run);
      chain = p.then(() => undefined, () => undefined);
      return p;
    },
  };
}

// Sliding-window log in sorted sets; one script so concurrent workers cannot both take the last slot.
const ACQUIRE = `
local now = tonumber(ARGV[1])
local gmax = tonumber(ARGV[2]); local gwin = tonumber(ARGV[3])
local smax = tonumber(ARGV[4]); local swin = tonumber(ARGV[5])
local dmax = tonumber(ARGV[6]); local kind = ARGV[7]; local member = ARGV[8]
local stamp = tonumber(ARGV[9])
local isSearch = kind == 'search'
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - gwin)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - swin)
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
if used >= dmax then return -1 end
local wait = 0
if kind == 'general' then
  local gcount = redis.call('ZCARD', KEYS[1])
  if gcount >= gmax then
    local oldest = redis.call('ZRANGE', KEYS[1], gcount - gmax, gcount - gmax, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + gwin - now + 1, 1)
  end
end
if isSearch then
  local scount = redis.call('ZCARD', KEYS[2])
  if scount >= smax then
    local oldest = redis.call('ZRANGE', KEYS[2], scount - smax, scount - smax, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + swin - now + 1, 1)
  end
end
if wait > 0 then return wait end
if kind == 'general' then redis.call('ZADD', KEYS[1], stamp, member); redis.call('PEXPIRE', KEYS[1], gwin * 2) end
if isSearch then redis.call('ZADD', KEYS[2], stamp, member); redis.call('PEXPIRE', KEYS[2], swin * 2) end
redis.call('INCR', KEYS[3]); redis.call('PEXPIRE', KEYS[3], 172800000)
return 0
`;

const acquireScript = redisScript(ACQUIRE);

export function createRedisBudget(opts: BudgetOptions & { redis: Redis; keyPrefix: string }): RequestBudget {
  const clock = opts.clock ?? realClock;
  const margin = opts.marginMs ?? { general: 20, search: 10 };
  const inflight = opts.inflightMs ?? 250;
  const gw = opts.limits.general.windowMs + margin.general;
  const sw = opts.limits.search.windowMs + margin.search;
  const granted = { general: 0, search: 0, exempt: 0 };
  const tz = opts.timeZone ?? (() => 'UTC');
  const gKey = `${opts.keyPrefix}:budget:general`;
  const sKey = `${opts.keyPrefix}:budget:search`;
  let seq = 0;
  const tag = Math.random().toString(36).slice(2);
  return {
    granted,
    async acquire(kind, maxWaitMs = opts.defaultMaxWaitMs ?? 30_000) {
      const started = clock.now();
      for (;;) {
        const now = clock.now();
        const member = `${tag}:${seq++}`;
        const pd = portalDay(now, tz());
        const r = (await acquireScript(
          opts.redis, 3, gKey, sKey, `${opts.keyPrefix}:budget:day:${pd.day}`,
          now, opts.limits.general.max, gw, opts.limits.search.max, sw, opts.limits.daily, kind, member, now + inflight,
        )) as number;
        if (r === 0) {
          granted[kind]++;
          return () => {
            const at = clock.now();
            // XX: only re-stamp a slot that still exists; a lost update just keeps the in-flight stamp.
            const p = kind === 'general' ? opts.redis.zadd(gKey, 'XX', at, member) : Promise.resolve(0);
            const q = kind === 'search' ? opts.redis.zadd(sKey, 'XX', at, member) : Promise.resolve(0);
            Promise.all([p, q]).catch(() => undefined);
          };
        }
        if (r < 0) throw new CrmRateLimitedError(pd.endsAt - now + 1_000, 'daily budget spent', undefined, 'daily');
        if (now + r - started > maxWaitMs) throw new CrmRateLimitedError(r, `${kind} budget`, undefined, 'local');
        await clock.sleep(r);
      }
    },
  };
}
