// Calls logged without a contact, kept for `hubspot reconcile`: in Redis (hash, shared by every
// process) or, for the commands without Redis, a JSON file (local-state.ts).
import type { Redis } from 'ioredis';
import type { UnassociatedCall } from './call-logger.ts';

export interface UnassociatedStore {
  put(calls: UnassociatedCall[]): Promise<void>;
  /** Entries page by page, as stored (unparsed, so a damaged entry can be counted and kept). */
  pages(size: number): AsyncIterable<{ key: string; raw: string }[]>;
  remove(ids: string[]): Promise<void>;
  count(): Promise<number>;
}

export function createRedisUnassociatedStore(redis: Redis, key: string): UnassociatedStore {
  return {
    async put(calls) {
      if (calls.length) await redis.hset(key, Object.fromEntries(calls.map((c) => [c.recordId, JSON.stringify(c)])));
    },
    async *pages(size) {
      let cursor = '0';
      do {
        const [next, kv] = await redis.hscan(key, cursor, 'COUNT', size);
        cursor = next;
        const page: { key: string; raw: string }[] = [];
        for (let i = 0; i + 1 < kv.length; i += 2) page.push({ key: kv[i]!, raw: kv[i + 1]! });
        if (page.length) yield page;
      } while (cursor !== '0');
    },
    async remove(ids) { if (ids.length) await redis.hdel(key, ...ids); },
    count: () => redis.hlen(key),
  };
}
