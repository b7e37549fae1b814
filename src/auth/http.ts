// Admin API: users, API tokens, the audit log. Passwords and token secrets are returned once,
// at creation, and stored only hashed. Disabling a user or changing their password ends their
// browser sessions. The last enabled admin cannot be disabled or demoted.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { CentralitaError } from '../errors.ts';
import { requires, ROLES_FOR, actorOf } from '../http/access.ts';
import { ROLES } from './roles.ts';
import type { AuditLog, SessionStore } from './ports.ts';
import type { AuthService } from './service.ts';

const role = z.enum(ROLES);
const queues = z.array(z.string().min(1).max(64)).max(200);
const newUser = z.object({
  username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256).optional(), roles: z.array(role).min(1),
  displayName: z.string().trim().max(100).optional(), agentId: z.string().min(1).max(64).optional(), queues: queues.optional(),
}).strict();
const userPatch = z.object({
  roles: z.array(role).min(1).optional(), displayName: z.string().trim().max(100).optional(), agentId: z.string().min(1).max(64).optional(),
  queues: queues.optional(), disabled: z.boolean().optional(), password: z.string().min(1).max(256).optional(),
}).strict();
const newToken = z.object({
  name: z.string().trim().min(1).max(64), roles: z.array(role).min(1), agentId: z.string().min(1).max(64).optional(), queues: queues.optional(),
  expiresInDays: z.number().int().positive().max(3650).optional(),
}).strict();
const auditQuery = z.object({
  actor: z.string().max(200).optional(), action: z.string().max(100).optional(), target: z.string().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().regex(/^\d+$/).optional(), limit: z.coerce.number().int().positive().max(1000).optional(),
}).strict();
const idParams = z.object({ id: z.string().min(1).max(64) });

const STATUS: Record<string, number> = { USER_EXISTS: 409, LAST_ADMIN: 409 };

export interface AdminRoutesDeps {
  auth: AuthService;
  sessions: SessionStore;
  audit: AuditLog;
  now?: () => Date;
}

export function registerAdminRoutes(app: FastifyInstance, d: AdminRoutesDeps): void {
  const now = d.now ?? (() => new Date());
  const admin = ROLES_FOR.admin;
  const bad = (reply: FastifyReply, issues: z.core.$ZodIssue[]) =>
    reply.code(400).send({ error: 'BAD_REQUEST', message: issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ') });
  const fail = (reply: FastifyReply, err: unknown) => {
    if (err instanceof CentralitaError) return reply.code(STATUS[err.code] ?? 400).send({ error: err.code, message: err.message });
    throw err;
  };
  const paramId = (req: { params: unknown }) => String((req.params as { id?: unknown }).id ?? '');
  const userSnapshot = async (req: { params: unknown }) => (await d.auth.listUsers()).find((u) => u.id === paramId(req)) ?? null;
  const tokenSnapshot = async (req: { params: unknown }) => (await d.auth.tokenById(paramId(req))) ?? null;
  const enabledAdmins = async () => (await d.auth.listUsers()).filter((u) => !u.disabled && u.roles.includes('admin'));

  app.get('/api/users', { config: requires(admin) }, async () => ({ users: await d.auth.listUsers() }));

  app.post('/api/users', { config: requires(admin, { audit: { action: 'user.create', target: (req) => `user:${String((req.body as { username?: unknown } | undefined)?.username ?? '')}` } }) }, async (req, reply) => {
    const b = newUser.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    try {
      const r = await d.auth.createUser(b.data);
      // A generated password is shown here once and never again.
      return reply.code(201).send(r);
    } catch (err) { return fail(reply, err); }
  });

  app.patch('/api/users/:id', { config: requires(admin, { audit: { action: 'user.update', target: (req) => `user-id:${paramId(req)}`, snapshot: userSnapshot } }) }, async (req, reply) => {
    const p = idParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    const b = userPatch.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    try {
      const admins = await enabledAdmins();
      const demotes = b.data.disabled === true || (b.data.roles !== undefined && !b.data.roles.includes('admin'));
      if (demotes && admins.length === 1 && admins[0]!.id === p.data.id) throw new CentralitaError('LAST_ADMIN', 'this is the only enabled admin; make another admin first');
      const u = await d.auth.updateUser(p.data.id, b.data);
      if (!u) return reply.code(404).send({ error: 'USER_NOT_FOUND', message: `no user ${p.data.id}` });
      if (b.data.disabled || b.data.password !== undefined || b.data.roles) await d.sessions.destroyForUser(u.id);
      return u;
    } catch (err) { return fail(reply, err); }
  });

  app.delete('/api/users/:id', { config: requires(admin, { audit: { action: 'user.disable', target: (req) => `user-id:${paramId(req)}`, snapshot: userSnapshot } }) }, async (req, reply) => {
    const p = idParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    try {
      const admins = await enabledAdmins();
      if (admins.length === 1 && admins[0]!.id === p.data.id) throw new CentralitaError('LAST_ADMIN', 'this is the only enabled admin; make another admin first');
      // Users are disabled, not deleted: the audit log keeps referring to them.
      const u = await d.auth.updateUser(p.data.id, { disabled: true });
      if (!u) return reply.code(404).send({ error: 'USER_NOT_FOUND', message: `no user ${p.data.id}` });
      await d.sessions.destroyForUser(u.id);
      return u;
    } catch (err) { return fail(reply, err); }
  });

  app.get('/api/tokens', { config: requires(admin) }, async () => ({ tokens: await d.auth.listTokens() }));

  app.post('/api/tokens', { config: requires(admin, { audit: { action: 'token.create', target: (req) => `token:${String((req.body as { name?: unknown } | undefined)?.name ?? '')}` } }) }, async (req, reply) => {
    const b = newToken.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, b.error.issues);
    try {
      const { expiresInDays, ...rest } = b.data;
      const r = await d.auth.issueToken({ ...rest, createdBy: actorOf(req), ...(expiresInDays ? { expiresAt: new Date(now().getTime() + expiresInDays * 86_400_000) } : {}) });
      // The secret is shown here once; only its hash is stored.
      return reply.code(201).send({ token: r.token, secret: r.raw });
    } catch (err) { return fail(reply, err); }
  });

  app.delete('/api/tokens/:id', { config: requires(admin, { audit: { action: 'token.revoke', target: (req) => `token-id:${paramId(req)}`, snapshot: tokenSnapshot } }) }, async (req, reply) => {
    const p = idParams.safeParse(req.params);
    if (!p.success) return bad(reply, p.error.issues);
    return (await d.auth.revokeToken(p.data.id)) ? { revoked: true } : reply.code(404).send({ error: 'TOKEN_NOT_FOUND', message: `no live token ${p.data.id}` });
  });

  app.get('/api/audit', { config: requires(admin) }, async (req, reply) => {
    const q = auditQuery.safeParse(req.query ?? {});
    if (!q.success) return bad(reply, q.error.issues);
    // Newest first; `next` is the cursor of the following page.
    return d.audit.query(q.data);
  });
}
