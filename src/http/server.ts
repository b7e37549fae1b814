// HTTP API: health, readiness, Prometheus metrics, and the feature routes registered by
// main.ts (queues, agents, campaigns, hours, users). Listens on loopback by default. The
// security layer (src/http/security.ts) is installed first, so every route registered later
// goes through the Host allow-list, CSRF check, authentication and its declared roles.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { publicRoute, requires, ROLES_FOR } from './access.ts';
import { installSecurity, type HttpSecurityOptions, type RouteInfo } from './security.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { isRedisUnavailable } from '../infra/redis-clients.ts';

export interface ReadinessResult { ok: boolean; detail?: unknown }
export interface ReadinessCheck {
  name: string;
  /** ok=false makes /readyz answer 503 with the detail. May ask the dependency (Redis PING). */
  check(): ReadinessResult | Promise<ReadinessResult>;
}

/** Runs every check, each within `timeoutMs` (a check that hangs is "not ready"). */
export async function runReadiness(checks: readonly ReadinessCheck[], timeoutMs = 1500): Promise<Record<string, ReadinessResult>> {
  const one = async (c: ReadinessCheck): Promise<ReadinessResult> => {
    let t: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(() => c.check()),
        new Promise<ReadinessResult>((r) => { t = setTimeout(() => r({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs); }),
      ]);
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    } finally { clearTimeout(t); }
  };
  return Object.fromEntries(await Promise.all(checks.map(async (c) => [c.name, await one(c)] as const)));
}

export interface HttpServerDeps {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  version: string;
  security: Omit<HttpSecurityOptions, 'logger'>;
  /** TLS key and certificate (PEM) when the app terminates HTTPS itself. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Fastify `trustProxy`: addresses of the reverse proxy whose X-Forwarded-* headers count. */
  trustProxy?: string[];
  /** The built web app's page and its CSP (served at /login too: it signs people in). */
  webPage?: () => { html: string; csp: string } | undefined;
}

/** Limits that keep a slow or greedy client from holding the event loop call control runs on. */
export const HTTP_LIMITS = {
  /** Largest request body (a 1,000-number do-not-call batch is ≈ 20 KB). */
  bodyLimit: 64 * 1024,
  /** The whole request must arrive within this (slowloris). */
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
} as const;

export type AppHttpServer = FastifyInstance & { routeTable(): readonly RouteInfo[] };

export async function createHttpServer(deps: HttpServerDeps): Promise<AppHttpServer> {
  // Per-request logs at info would drown call logs; the http child logs warnings and up.
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: HTTP_LIMITS.bodyLimit,
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
    return503OnClosing: true,
    // Requests refused by the router itself (a too long parameter, a malformed URL) get the same
    // JSON shape with a stable code as every other refusal.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      void reply.code(err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400).send({ error: err.code ?? 'BAD_REQUEST', message: err.message });
    },
    ...(deps.trustProxy?.length ? { trustProxy: deps.trustProxy } : {}),
    ...(deps.tls ? { https: deps.tls } : {}),
  }) as unknown as FastifyInstance;
  // Malformed requests get a clear JSON error with a stable code, never a stack trace.
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    // Redis down or too slow: fail fast with 503 (retry later), never a hang or a bare 500.
    if (isRedisUnavailable(err)) {
      req.log.warn({ err: err.message, url: req.url }, 'request failed: Redis unavailable');
      return reply.code(503).header('retry-after', '5').send({ error: 'REDIS_UNAVAILABLE', message: 'a dependency (Redis) is unavailable; retry later' });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ error: err.code ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), message: status >= 500 ? 'internal error' : err.message });
  });
  const { routes } = await installSecurity(app, { ...deps.security, logger: deps.logger });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}` }));
  app.get('/healthz', { config: publicRoute('liveness probe') }, async () => ({ status: 'ok', version: deps.version }));
  app.get('/readyz', { config: publicRoute('readiness probe') }, async (_req, reply) => {
    const checks = await runReadiness(deps.readiness);
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready', checks });
  });
  app.get('/metrics', { config: requires(ROLES_FOR.metrics) }, async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
  registerSessionRoutes(app, { auth: deps.security.auth, audit: deps.security.audit, now: deps.security.now, signInPerMinute: deps.security.rateLimit?.signInPerMinute, ...(deps.webPage ? { webPage: deps.webPage } : {}) });
  return Object.assign(app, { routeTable: () => routes });
}
