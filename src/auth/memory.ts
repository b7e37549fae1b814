// In-memory twins of the auth ports, for unit tests of routes and policies. Production and
// the integration tests use PostgreSQL (src/auth/pg.ts).
import { randomUUID } from 'node:crypto';
import { CentralitaError } from '../errors.ts';
import type { AuditEntry, AuditLog, AuthStores, SessionStore, TokenRecord, TokenStore, UserRecord, UserStore } from './ports.ts';

export function memoryUserStore(): UserStore {
  const byId = new Map<string, UserRecord>();
  return {
    async count() { return byId.size; },
    async byId(id) { return byId.get(id); },
    async byUsername(username) { return [...byId.values()].find((u) => u.username === username); },
    async list() { return [...byId.values()].sort((a, b) => a.username.localeCompare(b.username)); },
    async create(u, now) {
      if ([...byId.values()].some((x) => x.username === u.username)) throw new CentralitaError('USER_EXISTS', `user ${u.username} already exists`);
      const rec: UserRecord = { ...u, disabled: u.disabled ?? false, id: randomUUID(), createdAt: now.toISOString(), updatedAt: now.toISOString() };
      byId.set(rec.id, rec);
      return rec;
    },
    async update(id, patch, now) {
      const u = byId.get(id);
      if (!u) return undefined;
      const next = { ...u, ...patch, updatedAt: now.toISOString() };
      byId.set(id, next);
      return next;
    },
  };
}

export function memoryTokenStore(): TokenStore {
  const tokens = new Map<string, TokenRecord>();
  return {
    async create(t) { tokens.set(t.id, { ...t }); },
    async byId(id) { const t = tokens.get(id); return t && { ...t }; },
    async list() { return [...tokens.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)); },
    async revoke(id, at) {
      const t = tokens.get(id);
      if (!t || t.revokedAt) return false;
      t.revokedAt = at.toISOString();
      return true;
    },
    async revokeByName(name, at) {
      let n = 0;
      for (const t of tokens.values()) if (t.name === name && !t.revokedAt) { t.revokedAt = at.toISOString(); n++; }
      return n;
    },
    async touch(id, at) { const t = tokens.get(id); if (t) t.lastUsedAt = at.toISOString(); },
  };
}

export function memorySessionStore(): SessionStore {
  const sessions = new Map<string, { data: Record<string, unknown>; expiresAt: number; userId?: string }>();
  return {
    async get(sid, now) {
      const s = sessions.get(sid);
      if (!s) return undefined;
      if (s.expiresAt <= now.getTime()) { sessions.delete(sid); return undefined; }
      return structuredClone(s.data);
    },
    async set(sid, data, expiresAt, userId) { sessions.set(sid, { data: structuredClone(data), expiresAt: expiresAt.getTime(), ...(userId ? { userId } : {}) }); },
    async destroy(sid) { sessions.delete(sid); },
    async destroyForUser(userId) {
      let n = 0;
      for (const [sid, s] of sessions) if (s.userId === userId) { sessions.delete(sid); n++; }
      return n;
    },
  };
}

export function memoryAuditLog(): AuditLog & { entries: readonly (AuditEntry & { id: string })[] } {
  const entries: (AuditEntry & { id: string })[] = [];
  let seq = 0;
  return {
    entries,
    async append(e) {
      entries.push(Object.freeze({ ...structuredClone(e), id: String(++seq) }));
    },
    async query(q) {
      const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
      const all = entries
        .filter((e) => (!q.actor || e.actor === q.actor) && (!q.action || e.action === q.action) && (!q.target || e.target === q.target) && (!q.from || e.at >= q.from) && (!q.to || e.at < q.to) && (!q.cursor || Number(e.id) < Number(q.cursor)))
        .reverse();
      const page = all.slice(0, limit);
      return all.length > limit ? { entries: page, next: page[page.length - 1]!.id } : { entries: page };
    },
  };
}

export function memoryAuthStores(): AuthStores {
  return { users: memoryUserStore(), tokens: memoryTokenStore(), sessions: memorySessionStore(), audit: memoryAuditLog() };
}
