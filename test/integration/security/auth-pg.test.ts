// Users, API tokens and sessions on PostgreSQL behind the app's security layer: the admin API
// (password and token secret shown once, hashes at rest, last-admin guard, revocation at once),
// sign-in with a server-side session that disabling the user ends, the sign-in rate limit, and
// the per-resource rules (an agent acts on themselves, a supervisor on their queues).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src/store/index.ts';
import { createTestDatabase } from '../../helpers/db.ts';
import { secureTestServer, type SecureTestServer } from '../../helpers/secure-http.ts';
import { registerAdminRoutes } from '../../../src/auth/http.ts';
import { registerAcdRoutes } from '../../../src/acd/http.ts';
import { harness } from '../../e2e/acd/harness.ts';
import { SESSION_COOKIE } from '../../../src/http/security.ts';

describe('auth on PostgreSQL', () => {
  let store: Store;
  let srv: SecureTestServer;
  let admin: Record<string, string>;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    store = await openStore({ url: await createTestDatabase('auth'), defaultCountry: 'CO' });
    srv = await secureTestServer({ stores: store.auth, signInPerMinute: 5 });
    registerAdminRoutes(srv.app, { auth: srv.auth, sessions: store.auth.sessions, audit: srv.audit });
    const h = await harness({ ventas: { strategy: 'linear', members: [{ id: 'a1', endpoint: 'PJSIP/1001' }, { id: 'a2', endpoint: 'PJSIP/1002' }] }, soporte: { strategy: 'linear', members: [{ id: 's1', endpoint: 'PJSIP/1003' }] } });
    registerAcdRoutes(srv.app, h.acd);
    await srv.app.ready();
    admin = await srv.as('admin', { name: 'root' });
  }, 60_000);
  afterAll(async () => { await srv?.app.close(); await store?.close(); });

  const req = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
    srv.app.inject({ method, url, headers, ...(method === 'GET' ? {} : { payload: payload ?? {} }) });

  it('creates a user with a generated password shown once; only the argon2 hash is stored', async () => {
    const r = await req('POST', '/api/users', admin, { username: 'ana', roles: ['supervisor'], queues: ['ventas'] });
    expect(r.statusCode).toBe(201);
    const { user, password } = r.json() as { user: { id: string; passwordHash?: string }; password: string };
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(user.passwordHash).toBeUndefined();
    const row = await store.database.pool.query('select password_hash from users where id = $1', [user.id]);
    expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify((await req('GET', '/api/users', admin)).json())).not.toContain(password);
    expect((await req('POST', '/api/users', admin, { username: 'ana', roles: ['agent'], agentId: 'a1' })).json()).toMatchObject({ error: 'USER_EXISTS' });
    expect((await req('POST', '/api/users', admin, { username: 'x', roles: ['agent'] })).json()).toMatchObject({ error: 'AGENT_ID_REQUIRED' });
    expect((await req('POST', '/api/users', admin, { username: 'y', roles: ['supervisor'], password: 'short' })).json()).toMatchObject({ error: 'PASSWORD_TOO_SHORT' });
    // The audit keeps the request without the password.
    const entry = srv.audit.entries.find((e) => e.action === 'user.create' && e.target === 'user:ana');
    expect(entry).toMatchObject({ actor: 'token:root', detail: { outcome: 'ok' } });
  });

  it('signs in with a server-side session that disabling the user ends at once', async () => {
    await req('POST', '/api/users', admin, { username: 'pablo', password: 'pablo password 1', roles: ['agent'], agentId: 'a1' });
    const signIn = await srv.app.inject({ method: 'POST', url: '/api/session', headers: json, payload: { username: 'pablo', password: 'pablo password 1' } });
    expect(signIn.statusCode).toBe(200);
    const cookie = signIn.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const headers = { cookie: `${SESSION_COOKIE}=${cookie.value}` };
    expect((await req('GET', '/api/session', headers)).json()).toMatchObject({ name: 'pablo', roles: ['agent'], agentId: 'a1' });
    expect((await store.database.pool.query('select count(*)::int as n from sessions')).rows[0].n).toBeGreaterThan(0);
    const users = (await req('GET', '/api/users', admin)).json() as { users: { id: string; username: string }[] };
    const pablo = users.users.find((u) => u.username === 'pablo')!;
    expect((await req('DELETE', `/api/users/${pablo.id}`, admin)).statusCode).toBe(200);
    expect((await req('GET', '/api/session', headers)).statusCode).toBe(401);
    const again = await srv.app.inject({ method: 'POST', url: '/api/session', headers: json, payload: { username: 'pablo', password: 'pablo password 1' } });
    expect(again.json()).toMatchObject({ error: 'SIGN_IN_FAILED' });
  });

  it('issues a token whose secret is shown once, hashed at rest, revocable at once', async () => {
    const r = await req('POST', '/api/tokens', admin, { name: 'zapier', roles: ['campaign-operator'], expiresInDays: 30 });
    expect(r.statusCode).toBe(201);
    const { token, secret } = r.json() as { token: { id: string }; secret: string };
    const row = await store.database.pool.query('select secret_hash from api_tokens where id = $1', [token.id]);
    expect(row.rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(secret).not.toContain(row.rows[0].secret_hash);
    expect(JSON.stringify((await req('GET', '/api/tokens', admin)).json())).not.toContain(secret.split('_')[2]);
    const bearer = { authorization: `Bearer ${secret}` };
    expect((await req('GET', '/api/queues', bearer)).statusCode).toBe(403); // campaign-operator
    expect((await req('DELETE', `/api/tokens/${token.id}`, admin)).json()).toEqual({ revoked: true });
    expect((await req('GET', '/api/queues', bearer)).json()).toMatchObject({ error: 'TOKEN_INVALID' });
  });

  it('never leaves the system without an enabled admin', async () => {
    const r = await req('POST', '/api/users', admin, { username: 'boss', password: 'the boss password', roles: ['admin'] });
    const boss = (r.json() as { user: { id: string } }).user;
    expect((await req('DELETE', `/api/users/${boss.id}`, admin)).json()).toMatchObject({ error: 'LAST_ADMIN' });
    expect((await req('PATCH', `/api/users/${boss.id}`, admin, { roles: ['supervisor'] })).json()).toMatchObject({ error: 'LAST_ADMIN' });
  });

  it('an agent acts only on themselves; a supervisor only on agents of their queues', async () => {
    const agent = await srv.as('agent', { agentId: 'a1' });
    const sup = await srv.as('supervisor', { queues: ['ventas'] });
    expect((await req('POST', '/api/agents/a1/login', agent)).statusCode).toBe(200);
    expect((await req('POST', '/api/agents/a2/login', agent)).json()).toMatchObject({ error: 'NOT_YOURS' });
    expect((await req('POST', '/api/agents/a2/login', sup)).statusCode).toBe(200);
    expect((await req('POST', '/api/agents/s1/login', sup)).json()).toMatchObject({ error: 'NOT_YOURS' });
    expect((await req('POST', '/api/agents/s1/login', admin)).statusCode).toBe(200);
    const denied = srv.audit.entries.filter((e) => e.action === 'agent.login' && e.detail?.outcome === 'denied').map((e) => e.target);
    expect(denied).toEqual(['agent:a2', 'agent:s1']);
    const ok = srv.audit.entries.find((e) => e.action === 'agent.login' && e.target === 'agent:a1' && e.detail?.outcome === 'ok');
    expect(ok).toMatchObject({ before: { state: 'loggedOut' }, after: { state: 'available' } });
  });

  it('throttles sign-in attempts from one address', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await srv.app.inject({ method: 'POST', url: '/api/session', headers: json, payload: { username: 'ana', password: `guess-${i}` } })).statusCode);
    expect(codes).toContain(429);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
  });
});
