// The HTTP security layer, installed by createHttpServer before any route: Host allow-list,
// security headers (helmet), rate limits, JSON-only writes with an Origin / Sec-Fetch-Site CSRF
// check, authentication (session cookie or API token), the route's declared roles, and the
// audit log of every state-changing request. A route without `config.access` cannot be
// registered, nor a state-changing one without `config.audit`.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { AuthService } from '../auth/service.ts';
import type { AuditLog, AuditOutcome, SessionStore } from '../auth/ports.ts';
import { actorLabel, hasAnyRole, type Identity } from '../auth/roles.ts';
import type { Logger } from '../logger.ts';
import type { RouteAccess } from './access.ts';

declare module 'fastify' {
  interface Session {
    userId?: string;
    signedInAt?: number;
  }
}

export const SESSION_COOKIE = 'centralita_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface HttpSecurityOptions {
  auth: AuthService;
  sessions: SessionStore;
  audit: AuditLog;
  /** Signs the session cookie (≥ 32 characters); the first signs, the others still verify. */
  sessionSecret: string | string[];
  /** Host names the server answers to (DNS-rebinding defence). */
  allowedHosts: readonly string[];
  /** Extra origins allowed to send state-changing requests (besides the request's own host). */
  allowedOrigins?: readonly string[];
  /** The browser reaches the app over HTTPS (directly or through a trusted proxy): Secure cookies. */
  https: boolean;
  /** Idle timeout of a browser session (rolling); default 8 h. */
  sessionIdleMs?: number;
  /** A session ends this long after sign-in whatever the activity; default 12 h. */
  sessionAbsoluteMs?: number;
  rateLimit?: { perMinute?: number; signInPerMinute?: number };
  logger: Logger;
  now?: () => Date;
}

export interface RouteInfo {
  method: string;
  url: string;
  access: RouteAccess;
  audited: boolean;
  page: boolean;
}

export class SecurityError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}

const isLoopbackIp = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

export async function installSecurity(app: FastifyInstance, o: HttpSecurityOptions): Promise<{ routes: RouteInfo[] }> {
  const now = o.now ?? (() => new Date());
  const idleMs = o.sessionIdleMs ?? 8 * 3600_000;
  const absoluteMs = o.sessionAbsoluteMs ?? 12 * 3600_000;
  const hosts = new Set(o.allowedHosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  const origins = new Set((o.allowedOrigins ?? []).map((x) => x.toLowerCase().replace(/\/$/, '')));
  const routes: RouteInfo[] = [];

  // Every route says who may call it; writes are audited; no write is open to anonymous callers.
  app.addHook('onRoute', (r: RouteOptions) => {
    const access = r.config?.access;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (!access) throw new Error(`route ${methods.join(',')} ${r.url} declares no access (config.access): every route says which role it needs`);
    const writes = methods.some((m) => !SAFE_METHODS.has(m));
    if (writes && !r.config?.audit) throw new Error(`route ${methods.join(',')} ${r.url} changes state but declares no audit action (config.audit)`);
    if (writes && 'public' in access && !access.signIn) throw new Error(`route ${methods.join(',')} ${r.url} changes state but is public: state-changing routes need a role`);
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m, url: r.url, access, audited: !!r.config?.audit, page: !!r.config?.page });
  });

  // 1. Host allow-list before anything else: a rebinding page on evil.example gets nothing.
  app.addHook('onRequest', async (req) => {
    const host = (req.hostname || '').toLowerCase().replace(/^\[|\]$/g, '');
    if (!hosts.has(host)) throw new SecurityError(421, 'HOST_NOT_ALLOWED', `this server does not answer to host ${JSON.stringify(req.hostname)} (HTTP_ALLOWED_HOSTS)`);
  });

  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    // Over plain HTTP (loopback) upgrade-insecure-requests would send the page's own API calls to https.
    contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': o.https ? [] : null, 'connect-src': ["'self'"], 'form-action': ["'self'"], 'frame-ancestors': ["'none'"] } },
    hsts: o.https,
  });

  await app.register(fastifyRateLimit, {
    global: true,
    max: o.rateLimit?.perMinute ?? 1200,
    timeWindow: 60_000,
    // Local processes (the CLI, Prometheus on the box) are not throttled; the sign-in route is.
    allowList: (req) => isLoopbackIp(req.ip),
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'RATE_LIMITED', message: `too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });

  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: o.sessionSecret,
    cookieName: SESSION_COOKIE,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'strict', secure: o.https, path: '/', maxAge: idleMs },
    store: {
      set: (sid, session, cb) => {
        const s = session as unknown as { userId?: string; cookie?: { expires?: Date | string | null } };
        const expires = s.cookie?.expires ? new Date(s.cookie.expires) : new Date(now().getTime() + idleMs);
        o.sessions.set(sid, JSON.parse(JSON.stringify(session)) as Record<string, unknown>, expires, s.userId).then(() => cb(), cb);
      },
      get: (sid, cb) => { o.sessions.get(sid, now()).then((d) => cb(null, (d ?? null) as never), cb); },
      destroy: (sid, cb) => { o.sessions.destroy(sid).then(() => cb(), cb); },
    },
  });

  // An embedded session's cookie (SameSite=None, Partitioned) must be Secure or browsers drop it.
  // Over HTTPS the plugin sets Secure itself; over plain HTTP the app listens on loopback only
  // (config), whose origins browsers treat as secure, but the plugin will not save a Secure
  // cookie on an http request, so the flag is added to the header here.
  if (!o.https) {
    app.addHook('onSend', async (_req, reply, payload) => {
      const h = reply.getHeader('set-cookie');
      if (h === undefined) return payload;
      const fix = (c: string) => (c.startsWith(`${SESSION_COOKIE}=`) && /;\s*SameSite=None/i.test(c) && !/;\s*Secure/i.test(c) ? `${c}; Secure` : c);
      // Fastify appends to set-cookie: remove it, then set the fixed list.
      reply.removeHeader('set-cookie');
      reply.header('set-cookie', Array.isArray(h) ? h.map((c) => fix(String(c))) : fix(String(h)));
      return payload;
    });
  }

  // No form posts or text bodies at all: writes are JSON (a cross-site form cannot send that).
  app.removeContentTypeParser(['text/plain']);

  // 2. CSRF and JSON-only writes, then 3. who is calling and may they.
  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (!access) return; // 404s
    if (!SAFE_METHODS.has(req.method)) checkWrite(req);
    const who = await identify(req);
    if (who) req.identity = who;
    if ('public' in access) return;
    if (!who) {
      if (req.routeOptions.config?.page && req.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 302);
      throw new SecurityError(401, 'UNAUTHENTICATED', 'sign in or send an API token (Authorization: Bearer …)');
    }
    if (!hasAnyRole(who, access.roles)) {
      await auditDenied(req, who, 'ROLE_REQUIRED');
      throw new SecurityError(403, 'ROLE_REQUIRED', `needs one of the roles: ${access.roles.join(', ')}`);
    }
    if (access.allow && !(await access.allow(req, who))) {
      await auditDenied(req, who, 'NOT_YOURS');
      throw new SecurityError(403, 'NOT_YOURS', 'your role may not act on this resource');
    }
  });

  function checkWrite(req: FastifyRequest): void {
    const site = header(req, 'sec-fetch-site');
    const origin = header(req, 'origin');
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && !(origin && origins.has(origin.toLowerCase())))
      throw new SecurityError(403, 'CSRF_REFUSED', `cross-site request refused (Sec-Fetch-Site: ${site})`);
    if (origin !== undefined) {
      let host: string | undefined;
      try { host = new URL(origin).host.toLowerCase(); } catch { host = undefined; }
      const own = (req.host || '').toLowerCase();
      if (!(host && host === own) && !origins.has(origin.toLowerCase()))
        throw new SecurityError(403, 'CSRF_REFUSED', `request from origin ${origin} refused (HTTP_ALLOWED_ORIGINS)`);
    }
    const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json')
      throw new SecurityError(415, 'JSON_REQUIRED', 'state-changing requests must send Content-Type: application/json (a JSON body, {} when empty)');
  }

  async function identify(req: FastifyRequest): Promise<Identity | undefined> {
    const authz = header(req, 'authorization');
    if (authz !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(authz);
      const who = m ? await o.auth.authenticateToken(m[1]!) : undefined;
      // A wrong token is an error even on public routes: the client meant to authenticate.
      if (!who) throw new SecurityError(401, 'TOKEN_INVALID', 'the API token is unknown, revoked or expired');
      return who;
    }
    const s = req.session;
    if (!s?.userId) return undefined;
    if (!s.signedInAt || s.signedInAt + absoluteMs <= now().getTime()) { await s.destroy(); return undefined; }
    const user = await o.auth.userById(s.userId);
    if (!user) { await s.destroy(); return undefined; }
    return o.auth.identityOfUser(user);
  }

  async function auditDenied(req: FastifyRequest, who: Identity, code: string): Promise<void> {
    if (SAFE_METHODS.has(req.method)) return;
    await appendAudit(req, who, 'denied', 403, { detail: { code } });
  }

  async function appendAudit(req: FastifyRequest, who: Identity | undefined, outcome: AuditOutcome, status: number, extra: { before?: unknown; after?: unknown; detail?: Record<string, unknown> } = {}) {
    const spec = req.routeOptions.config?.audit;
    if (!spec) return;
    try {
      // A target that cannot be worked out (a malformed parameter) must not cost the entry.
      let target: string | undefined;
      try { target = spec.target?.(req); } catch (err) { target = `unresolved: ${(err as Error).message}`.slice(0, 200); }
      await o.audit.append({
        at: now().toISOString(), actor: who ? actorLabel(who) : 'anonymous', action: spec.action,
        ...(target ? { target } : {}),
        ...(extra.before !== undefined ? { before: extra.before } : {}), ...(extra.after !== undefined ? { after: extra.after } : {}),
        detail: { outcome, status, roles: who ? [...who.roles] : [], ip: req.ip, requestId: req.id, ...extra.detail },
      });
    } catch (err) {
      o.logger.error({ err, action: spec.action }, 'audit log write failed');
    }
  }

  // 4. Audit: state before the handler, after it, and who did it.
  const before = new WeakMap<FastifyRequest, unknown>();
  app.addHook('preHandler', async (req) => {
    const spec = req.routeOptions.config?.audit;
    if (spec?.snapshot && !SAFE_METHODS.has(req.method)) before.set(req, await safeSnapshot(spec.snapshot, req));
  });
  // onSend, not onResponse: the entry is written before the client hears "done".
  app.addHook('onSend', async (req, reply, payload) => {
    const spec = req.routeOptions.config?.audit;
    if (!spec || spec.manual || SAFE_METHODS.has(req.method)) return payload;
    const status = reply.statusCode;
    if (status === 401 || status === 403 || status === 415 || status === 421 || status === 429) return payload; // refused before the handler (403s were audited there)
    const outcome: AuditOutcome = status < 400 ? 'ok' : 'failed';
    // A refused write is kept with its reason (the error code and message the client got).
    const reason = outcome === 'failed' ? refusalOf(payload) : undefined;
    await appendAudit(req, req.identity, outcome, status, {
      ...(before.has(req) ? { before: before.get(req) } : {}),
      ...(spec.snapshot && outcome === 'ok' ? { after: await safeSnapshot(spec.snapshot, req) } : {}),
      ...(req.body !== undefined || reason ? { detail: { ...(req.body !== undefined ? { body: summarize(req.body) } : {}), ...(reason ? { error: reason } : {}) } } : {}),
    });
    return payload;
  });

  async function safeSnapshot(fn: (req: FastifyRequest) => unknown, req: FastifyRequest): Promise<unknown> {
    try { return await fn(req); } catch (err) { return { snapshotError: (err as Error).message }; }
  }

  return { routes };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key/i;

/** `{ error, message }` of an error reply, when the payload is one. */
function refusalOf(payload: unknown): { code: string; message?: string } | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  if (!text || text.length > 64 * 1024) return undefined;
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    return typeof j.error === 'string' ? { code: j.error, ...(typeof j.message === 'string' ? { message: j.message.slice(0, 500) } : {}) } : undefined;
  } catch { return undefined; }
}

/** The request body as kept in the audit log: secrets dropped, long lists shortened. */
export function summarize(body: unknown, depth = 0): unknown {
  if (depth > 4) return '…';
  if (Array.isArray(body)) return body.length > 20 ? { items: body.length, first: body.slice(0, 5).map((x) => summarize(x, depth + 1)) } : body.map((x) => summarize(x, depth + 1));
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : summarize(v, depth + 1)]));
  return body;
}

/** Replies with the security error's status and stable code. */
export function sendSecurityError(reply: FastifyReply, err: SecurityError) {
  return reply.code(err.statusCode).send({ error: err.code, message: err.message });
}
