// Exactly-once ledger in Redis. Per CallRecord id:
//   pending@<ms>  — a create was (about to be) sent at <ms>; its outcome is unknown
//   done:<callId> — the engagement exists in HubSpot
// "pending" is written BEFORE the create, so a crash between the create and the "done" write
// leaves evidence; the next attempt then searches HubSpot by the record id (our marker
// property) instead of creating blindly. The same scheme guards contacts we create, keyed by
// E.164, so one number never gets two contacts.
import type { Redis } from 'ioredis';
import { redisScript } from './redis-script.ts';

export type LedgerEntry = { state: 'pending'; at: number } | { state: 'done'; id: string; at: number };

export interface Ledger {
  get(ids: string[]): Promise<Map<string, LedgerEntry>>;
  /**
   * Claims ids for a create: marks them pending@at when absent, or when pending since before
   * `staleBefore` (an earlier attempt that proved to have created nothing). Returns the ids
   * claimed; ids done or freshly pending elsewhere are left alone.
   */
  markPending(ids: string[], at: number, staleBefore: number): Promise<string[]>;
  markDone(entries: { key: string; id: string }[], at: number): Promise<void>;
  clear(ids: string[]): Promise<void>;
}

function parse(v: string | null): LedgerEntry | undefined {
  if (!v) return undefined;
  const m = /^(pending|done)\|(\d+)\|?(.*)$/.exec(v);
  if (!m) return undefined;
  return m[1] === 'done' ? { state: 'done', at: Number(m[2]), id: m[3]! } : { state: 'pending', at: Number(m[2]) };
}

// Never downgrade done → pending (a late duplicate delivery must not reopen a finished record),
// and never take over a fresh pending (another worker is creating it right now).
const MARK_PENDING = `
local out = {}
local stale = tonumber(ARGV[2])
for i, f in ipairs(ARGV) do
  if i > 2 then
    local v = redis.call('HGET', KEYS[1], f)
    local claim = not v
    if v and string.sub(v, 1, 8) == 'pending|' then
      local at = tonumber(string.match(v, '^pending|(%d+)'))
      claim = at == nil or at < stale
    end
    if claim then
      redis.call('HSET', KEYS[1], f, 'pending|' .. ARGV[1])
      table.insert(out, f)
    end
  end
end
return out
`;

const markPendingScript = redisScript(MARK_PENDING);

export function createRedisLedger(redis: Redis, key: string): Ledger {
  return {
    async get(ids) {
      const out = new Map<string, LedgerEntry>();
      if (!ids.length) return out;
      const vals = await redis.hmget(key, ...ids);
      ids.forEach((id, i) => { const e = parse(vals[i] ?? null); if (e) out.set(id, e); });
      return out;
    },
    async markPending(ids, at, staleBefore) {
      if (!ids.length) return [];
      return (await markPendingScript(redis, 1, key, String(at), String(staleBefore), ...ids)) as string[];
    },
    async markDone(entries, at) {
      if (!entries.length) return;
      await redis.hset(key, Object.fromEntries(entries.map((e) => [e.key, `done|${at}|${e.id}`])));
    },
    async clear(ids) {
      if (ids.length) await redis.hdel(key, ...ids);
    },
  };
}

/** In-memory ledger for tools and tests that do not need durability. */
export function createMemoryLedger(): Ledger & { entries: Map<string, LedgerEntry> } {
  const entries = new Map<string, LedgerEntry>();
  return {
    entries,
    async get(ids) { return new Map(ids.flatMap((id) => (entries.has(id) ? [[id, entries.get(id)!] as const] : []))); },
    async markPending(ids, at, staleBefore) {
      const out: string[] = [];
      for (const id of ids) {
        const e = entries.get(id);
        if (!e || (e.state === 'pending' && e.at < staleBefore)) { entries.set(id, { state: 'pending', at }); out.push(id); }
      }
      return out;
    },
    async markDone(es, at) { for (const e of es) entries.set(e.key, { state: 'done', id: e.id, at }); },
    async clear(ids) { for (const id of ids) entries.delete(id); },
  };
}
