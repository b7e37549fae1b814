// The contact chosen for each record, kept for a while after its contact search, so that a
// retry — or the worker that picks up the batch of a worker that crashed — logs the call on the
// same contact without searching HubSpot again (searches are the scarcest budget: 5 a second).
// Kept per record id, not per number: another call from the same number still gets a fresh
// search, so a contact created in HubSpot meanwhile is found for it.
import type { Redis } from 'ioredis';
import type { ContactChoice } from './call-properties.ts';

export interface ChoiceStore {
  get(recordIds: string[]): Promise<Map<string, ContactChoice>>;
  put(choices: Map<string, ContactChoice>): Promise<void>;
  forget(recordIds: string[]): Promise<void>;
}

function parse(v: string | null): ContactChoice | undefined {
  if (!v) return undefined;
  try {
    const c = JSON.parse(v) as ContactChoice;
    return c && Array.isArray(c.others) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** One key per record (`<prefix>:<recordId>`) expiring after `ttlMs`. */
export function createRedisChoiceStore(redis: Redis, prefix: string, ttlMs: number): ChoiceStore {
  const key = (id: string) => `${prefix}:${id}`;
  return {
    async get(ids) {
      const out = new Map<string, ContactChoice>();
      if (!ids.length) return out;
      const vals = await redis.mget(...ids.map(key));
      ids.forEach((id, i) => { const c = parse(vals[i] ?? null); if (c) out.set(id, c); });
      return out;
    },
    async put(choices) {
      if (!choices.size) return;
      const m = redis.multi();
      for (const [id, c] of choices) m.set(key(id), JSON.stringify(c), 'PX', ttlMs);
      await m.exec();
    },
    async forget(ids) {
      if (ids.length) await redis.del(...ids.map(key));
    },
  };
}

export function createMemoryChoiceStore(): ChoiceStore & { entries: Map<string, ContactChoice> } {
  const entries = new Map<string, ContactChoice>();
  return {
    entries,
    async get(ids) { return new Map(ids.flatMap((id) => (entries.has(id) ? [[id, entries.get(id)!] as const] : []))); },
    async put(choices) { for (const [id, c] of choices) entries.set(id, c); },
    async forget(ids) { for (const id of ids) entries.delete(id); },
  };
}
