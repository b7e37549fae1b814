// Lua scripts by SHA with a NOSCRIPT fallback, without mutating the shared ioredis client.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type Script = (redis: Redis, keys: string[], args: (string | number)[]) => Promise<unknown>;

export function luaScript(source: string): Script {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return redis.eval(source, keys.length, ...keys, ...args);
      throw err;
    }
  };
}
