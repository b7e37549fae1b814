// The app's HTTP server with its real security layer (Host allow-list, CSRF, sessions, tokens,
// roles, audit) on in-memory auth stores, for route tests. `as(role)` gives the headers of a
// caller with that role.
import { Registry } from 'prom-client';
import { createHttpServer, type AppHttpServer } from '../../src/http/server.ts';
import { createLogger } from '../../src/logger.ts';
import { memoryAuditLog, memorySessionStore, memoryTokenStore, memoryUserStore } from '../../src/auth/memory.ts';
import { createAuthService, type AuthService } from '../../src/auth/service.ts';
import type { Role } from '../../src/auth/roles.ts';
import type { AuthStores, SessionStore } from '../../src/auth/ports.ts';
import type { ReadinessCheck } from '../../src/http/server.ts';

export interface SecureTestServer {
  app: AppHttpServer;
  auth: AuthService;
  audit: ReturnType<typeof memoryAuditLog>;
  sessions: SessionStore;
  /** Bearer headers for a token with these roles (created once per distinct spec). */
  as(roles: Role | Role[], extra?: { agentId?: string; queues?: string[]; name?: string }): Promise<Record<string, string>>;
}

export async function secureTestServer(opts: { readiness?: ReadinessCheck[]; now?: () => Date; metrics?: Registry; stores?: Omit<AuthStores, 'audit'>; signInPerMinute?: number } = {}): Promise<SecureTestServer> {
  const users = opts.stores?.users ?? memoryUserStore();
  const tokens = opts.stores?.tokens ?? memoryTokenStore();
  const sessions = opts.stores?.sessions ?? memorySessionStore();
  const audit = memoryAuditLog();
  const auth = createAuthService({ users, tokens, ...(opts.now ? { now: opts.now } : {}) });
  const app = await createHttpServer({
    logger: createLogger({ level: 'silent' }), metrics: opts.metrics ?? new Registry(), readiness: opts.readiness ?? [], version: 'test',
    security: { auth, sessions, audit, sessionSecret: 'test-session-secret-of-at-least-32-characters', allowedHosts: ['localhost', '127.0.0.1'], https: false, ...(opts.now ? { now: opts.now } : {}), ...(opts.signInPerMinute ? { rateLimit: { signInPerMinute: opts.signInPerMinute } } : {}) },
  });
  const cache = new Map<string, string>();
  let n = 0;
  return {
    app, auth, audit, sessions,
    async as(roles, extra = {}) {
      const list = Array.isArray(roles) ? roles : [roles];
      const key = JSON.stringify([list, extra]);
      let raw = cache.get(key);
      if (!raw) {
        const { name, ...scope } = extra;
        raw = (await auth.issueToken({ name: name ?? `test-${list.join('-')}-${++n}`, roles: list, createdBy: 'test', ...scope })).raw;
        cache.set(key, raw);
      }
      return { authorization: `Bearer ${raw}`, 'content-type': 'application/json' };
    },
  };
}
