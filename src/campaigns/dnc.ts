// Do-not-call list: one Redis set of E.164 numbers shared by every campaign. The campaign
// flow's opt-out adds to it; ingest rejects listed numbers and the dialler re-checks
// before each attempt (a number may be added after its row was queued).
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from '../jobs/names.ts';

export const DNC_KEY = `${KEY_PREFIX}:dnc`;

export interface DncStore {
  add(...e164: string[]): Promise<number>;
  remove(...e164: string[]): Promise<number>;
  has(e164: string): Promise<boolean>;
  size(): Promise<number>;
}

export function createDncStore(redis: Redis, key: string = DNC_KEY): DncStore {
  return {
    async add(...n) { return n.length ? redis.sadd(key, ...n) : 0; },
    async remove(...n) { return n.length ? redis.srem(key, ...n) : 0; },
    async has(n) { return (await redis.sismember(key, n)) === 1; },
    async size() { return redis.scard(key); },
  };
}
