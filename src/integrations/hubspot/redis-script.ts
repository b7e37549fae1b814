// EVALSHA with a fallback to EVAL on NOSCRIPT: the scripts run on every batch, and sending
// their text each time showed up in profiles.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export function redisScript(lua: string) {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis: Redis, numKeys: number, ...args: (string | number)[]): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, numKeys, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      return redis.eval(lua, numKeys, ...args);
    }
  };
}
