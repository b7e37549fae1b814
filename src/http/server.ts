// HTTP API: health, readiness, Prometheus metrics, and the feature routes registered by
// main.ts (queues, agents, campaigns, hours). Listens on loopback by default.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';

export interface ReadinessCheck {
  name: string;
  /** ok=false makes /readyz answer 503 with the detail. */
  check(): { ok: boolean; detail?: unknown };
}

export interface HttpServerDeps {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  version: string;
}

export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  // Per-request logs at info would drown call logs; the http child logs warnings and up.
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  app.get('/healthz', async () => ({ status: 'ok', version: deps.version }));
  app.get('/readyz', async (_req, reply) => {
    const checks = Object.fromEntries(deps.readiness.map((c) => [c.name, c.check()]));
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not-ready', checks });
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()));
  // Malformed requests get a clear JSON error with a stable code, never a stack trace.
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ error: err.code ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), message: status >= 500 ? 'internal error' : err.message });
  });
  return app;
}
