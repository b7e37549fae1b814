// Where logins and pauses survive a restart. Only the durable part of an agent's state
// is stored (logged in? paused, why?); ringing/on-call belong to live channels and are
// rebuilt from the PBX, not from here.
import type { Redis } from 'ioredis';

export interface PersistedAgent {
  loggedIn: boolean;
  paused: boolean;
  reason?: string;
  updatedAt: number;
}

export interface AgentStateStore {
  loadAll(): Promise<Map<string, PersistedAgent>>;
  save(agentId: string, state: PersistedAgent): Promise<void>;
}

export function memoryAgentStore(initial: Record<string, PersistedAgent> = {}): AgentStateStore & { data: Map<string, PersistedAgent> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    async loadAll() { return new Map([...data].map(([k, v]) => [k, { ...v }])); },
    async save(agentId, state) { data.set(agentId, { ...state }); },
  };
}

/** One Redis hash `<prefix>:acd:agents`, field = agent id, value = JSON. */
export function redisAgentStore(redis: Redis, prefix: string, opts: { onCorrupt?: (agentId: string, raw: string) => void } = {}): AgentStateStore {
  const key = `${prefix}:acd:agents`;
  return {
    async loadAll() {
      const all = await redis.hgetall(key);
      const out = new Map<string, PersistedAgent>();
      for (const [id, raw] of Object.entries(all)) {
        try {
          const v = JSON.parse(raw) as Partial<PersistedAgent>;
          if (typeof v.loggedIn === 'boolean' && typeof v.paused === 'boolean')
            out.set(id, { loggedIn: v.loggedIn, paused: v.paused, reason: typeof v.reason === 'string' ? v.reason : undefined, updatedAt: Number(v.updatedAt) || 0 });
          else opts.onCorrupt?.(id, raw);
        } catch {
          // Kept in Redis for inspection and reported; the agent starts logged out.
          opts.onCorrupt?.(id, raw);
        }
      }
      return out;
    },
    async save(agentId, state) {
      await redis.hset(key, agentId, JSON.stringify(state));
    },
  };
}
