// Auth wiring for main.ts: the stores, the auth service and the HTTP security options from the
// validated config (session secret kept in DATA_DIR unless SESSION_SECRET is set, TLS files).
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.ts';
import { CentralitaError } from '../errors.ts';
import type { HttpServerDeps } from '../http/server.ts';
import { loadOrCreateSecret } from '../infra/local-state.ts';
import type { AuthStores } from './ports.ts';
import { createAuthService, type AuthService } from './service.ts';

export interface AuthRuntime {
  auth: AuthService;
  stores: AuthStores;
  /** Spread into createHttpServer's deps. */
  http: Pick<HttpServerDeps, 'security' | 'tls' | 'trustProxy'>;
}

export async function prepareAuth(config: Config, stores: AuthStores, opts: { now?: () => Date } = {}): Promise<AuthRuntime> {
  const auth = createAuthService({ users: stores.users, tokens: stores.tokens, ...(opts.now ? { now: opts.now } : {}) });
  const sessionSecret = config.sessionSecret ?? (await loadOrCreateSecret(config.dataDir, 'session-secret', 48));
  let tls: HttpServerDeps['tls'];
  if (config.http.tls) {
    try {
      tls = { cert: await readFile(config.http.tls.certFile), key: await readFile(config.http.tls.keyFile) };
    } catch (err) {
      throw new CentralitaError('HTTP_TLS_UNREADABLE', `cannot read the TLS files (HTTP_TLS_CERT=${config.http.tls.certFile}, HTTP_TLS_KEY=${config.http.tls.keyFile}): ${(err as Error).message}`);
    }
  }
  return {
    auth,
    stores,
    http: {
      security: {
        auth, sessions: stores.sessions, audit: stores.audit, sessionSecret,
        allowedHosts: config.http.allowedHosts, allowedOrigins: config.http.allowedOrigins, https: config.http.https,
        ...(opts.now ? { now: opts.now } : {}),
      },
      ...(tls ? { tls } : {}),
      ...(config.http.trustedProxy.length ? { trustProxy: config.http.trustedProxy } : {}),
    },
  };
}
