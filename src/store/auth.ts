// The auth repositories on PostgreSQL: users, API tokens, browser sessions (ports in
// src/auth/ports.ts). Usernames are unique (USER_EXISTS); expired sessions are read as absent
// and swept on write.
import { randomUUID } from 'node:crypto';
import { CentralitaError } from '../errors.ts';
import type { Role } from '../auth/roles.ts';
import type { SessionStore, TokenRecord, TokenStore, UserRecord, UserStore } from '../auth/ports.ts';
import type { Db } from './db.ts';
import type { ApiTokensTable, UsersTable } from './schema.ts';
import { sql, type Selectable } from 'kysely';

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id, username: r.username, roles: r.roles as Role[], passwordHash: r.password_hash, disabled: r.disabled,
    createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
    ...(r.display_name !== null ? { displayName: r.display_name } : {}), ...(r.agent_id !== null ? { agentId: r.agent_id } : {}), ...(r.queues !== null ? { queues: r.queues } : {}),
  };
}

function toToken(r: Selectable<ApiTokensTable>): TokenRecord {
  return {
    id: r.id, name: r.name, roles: r.roles as Role[], secretHash: r.secret_hash, createdBy: r.created_by, createdAt: iso(r.created_at),
    ...(r.agent_id !== null ? { agentId: r.agent_id } : {}), ...(r.queues !== null ? { queues: r.queues } : {}),
    ...(r.expires_at !== null ? { expiresAt: iso(r.expires_at) } : {}), ...(r.revoked_at !== null ? { revokedAt: iso(r.revoked_at) } : {}), ...(r.last_used_at !== null ? { lastUsedAt: iso(r.last_used_at) } : {}),
  };
}

export function pgUserStore(db: Db): UserStore {
  return {
    async count() {
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async byId(id) {
      if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toUser(r);
    },
    async byUsername(username) {
      const r = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
      return r && toUser(r);
    },
    async list() {
      return (await db.selectFrom('users').selectAll().orderBy('username').execute()).map(toUser);
    },
    async create(u, now) {
      try {
        const r = await db.insertInto('users').values({
          id: randomUUID(), username: u.username, display_name: u.displayName ?? null, roles: u.roles, agent_id: u.agentId ?? null, queues: u.queues ?? null,
          password_hash: u.passwordHash, disabled: u.disabled ?? false, created_at: now, updated_at: now,
        }).returningAll().executeTakeFirstOrThrow();
        return toUser(r);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new CentralitaError('USER_EXISTS', `user ${u.username} already exists`);
        throw err;
      }
    },
    async update(id, p, now) {
      if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
      const r = await db.updateTable('users').set({
        updated_at: now,
        ...(p.displayName !== undefined ? { display_name: p.displayName } : {}), ...(p.roles !== undefined ? { roles: p.roles } : {}),
        ...(p.agentId !== undefined ? { agent_id: p.agentId } : {}), ...(p.queues !== undefined ? { queues: p.queues } : {}),
        ...(p.passwordHash !== undefined ? { password_hash: p.passwordHash } : {}), ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
      }).where('id', '=', id).returningAll().executeTakeFirst();
      return r && toUser(r);
    },
  };
}

export function pgTokenStore(db: Db): TokenStore {
  return {
    async create(t) {
      await db.insertInto('api_tokens').values({
        id: t.id, name: t.name, roles: t.roles, agent_id: t.agentId ?? null, queues: t.queues ?? null, secret_hash: t.secretHash,
        created_by: t.createdBy, created_at: t.createdAt, expires_at: t.expiresAt ?? null, revoked_at: t.revokedAt ?? null, last_used_at: t.lastUsedAt ?? null,
      }).execute();
    },
    async byId(id) {
      const r = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toToken(r);
    },
    async list() {
      return (await db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute()).map(toToken);
    },
    async revoke(id, at) {
      const r = await db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async revokeByName(name, at) {
      const r = await db.updateTable('api_tokens').set({ revoked_at: at }).where('name', '=', name).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async touch(id, at) {
      await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}

export function pgSessionStore(db: Db): SessionStore {
  let writes = 0;
  return {
    async get(sid, now) {
      const r = await db.selectFrom('sessions').select(['data', 'expires_at']).where('id', '=', sid).executeTakeFirst();
      if (!r || new Date(r.expires_at).getTime() <= now.getTime()) return undefined;
      return r.data as Record<string, unknown>;
    },
    async set(sid, data, expiresAt, userId) {
      await db.insertInto('sessions').values({ id: sid, user_id: userId ?? null, data: JSON.stringify(data), expires_at: expiresAt })
        .onConflict((oc) => oc.column('id').doUpdateSet({ data: JSON.stringify(data), expires_at: expiresAt, user_id: userId ?? null })).execute();
      // Expired sessions are swept now and then as sessions are written (no timer to manage).
      if (++writes % 50 === 1) await db.deleteFrom('sessions').where('expires_at', '<', sql<Date>`now() - interval '1 hour'`).execute();
    },
    async destroy(sid) {
      await db.deleteFrom('sessions').where('id', '=', sid).execute();
    },
    async destroyForUser(userId) {
      const r = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
