// Global dialling limits that hold across any number of worker processes, in Redis:
//  - concurrency: a semaphore per campaign and one for all campaigns, as sorted sets of
//    leases (member = attempt channel id, score = lease expiry). A SIGKILLed worker's slot
//    frees itself when its lease runs out; live calls renew theirs.
//  - pacing: a "next free slot" time per campaign and a global one; each dial reserves
//    max(now, both) and pushes both by 1/cps, so calls are evenly spaced, not bursty.
// Both scripts use Redis TIME, so workers on hosts with skewed clocks still agree.
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../jobs/names.ts';
import { luaScript } from './redis-script.ts';

const NOW_MS = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000`;

// KEYS global, campaign; ARGV token, globalMax, campaignMax, leaseMs, force(0|1)
const ACQUIRE = luaScript(`${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local exp = now + tonumber(ARGV[4])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[1], exp, ARGV[1]); redis.call('ZADD', KEYS[2], exp, ARGV[1]); return 1
end
if ARGV[5] == '0' and (redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) or redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3])) then return 0 end
redis.call('ZADD', KEYS[1], exp, ARGV[1]); redis.call('ZADD', KEYS[2], exp, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 4); redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) * 4)
return 1`);

// KEYS global, campaign; ARGV token, leaseMs → 1 when still held
const RENEW = luaScript(`${NOW_MS}
local exp = now + tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], exp, ARGV[1]); redis.call('ZADD', KEYS[2], exp, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 4); redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 4)
return 1`);

// KEYS globalPace, campaignPace; ARGV globalIntervalMs, campaignIntervalMs → ms to wait
const PACE = luaScript(`${NOW_MS}
local g = tonumber(redis.call('GET', KEYS[1]) or '0')
local c = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, g, c)
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[1])), 'PX', 3600000)
redis.call('SET', KEYS[2], tostring(slot + tonumber(ARGV[2])), 'PX', 3600000)
return tostring(slot - now)`);

export interface DialLimits {
  /** Takes a slot if both the campaign and the global limit allow; `force` takes it anyway (recovering a live call). */
  tryAcquire(campaignId: string, token: string, max: { campaign: number; global: number }, force?: boolean): Promise<boolean>;
  renew(campaignId: string, token: string): Promise<boolean>;
  release(campaignId: string, token: string): Promise<void>;
  /** Reserves the next dial slot; returns how many ms to wait before dialling. */
  reservePace(campaignId: string, cps: { campaign: number; global: number }): Promise<number>;
  active(campaignId?: string): Promise<number>;
  readonly leaseMs: number;
}

export function createDialLimits(redis: Redis, opts: { prefix?: string; leaseMs?: number } = {}): DialLimits {
  const prefix = opts.prefix ?? KEY_PREFIX;
  const leaseMs = opts.leaseMs ?? 60_000;
  const gSem = `${prefix}:dialer:sem`;
  const cSem = (id: string) => `${prefix}:campaign:${id}:sem`; // same key CampaignStore.progress reads as "dialling"
  const gPace = `${prefix}:dialer:pace`;
  const cPace = (id: string) => `${prefix}:campaign:${id}:pace`;
  return {
    leaseMs,
    async tryAcquire(id, token, max, force = false) {
      return (await ACQUIRE(redis, [gSem, cSem(id)], [token, max.global, max.campaign, leaseMs, force ? 1 : 0])) === 1;
    },
    async renew(id, token) {
      return (await RENEW(redis, [gSem, cSem(id)], [token, leaseMs])) === 1;
    },
    async release(id, token) {
      await redis.multi().zrem(gSem, token).zrem(cSem(id), token).exec();
    },
    async reservePace(id, cps) {
      return Number(await PACE(redis, [gPace, cPace(id)], [1000 / cps.global, 1000 / cps.campaign]));
    },
    async active(id) {
      const key = id ? cSem(id) : gSem;
      await redis.zremrangebyscore(key, '-inf', Date.now());
      return redis.zcard(key);
    },
  };
}
