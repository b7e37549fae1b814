import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FILE_VARIABLES, VARIABLES, loadConfig } from '../../../src/config.ts';
import { shutdownBudget } from '../../../src/infra/lifecycle.ts';

/** The service's environment as `docker compose config` renders it unset, secret files stubbed. */
function stubbedEnv(environment: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));
  for (const k of Object.keys(env).filter((k) => k.endsWith('_FILE'))) { env[k.slice(0, -5)] = k.startsWith('REDIS') ? 'redis://:pw@127.0.0.1:6379/0' : k.startsWith('DATABASE') ? 'postgres://centralita:pw@postgres:5432/centralita' : 'stub-secret-k3J9qW7z'; delete env[k]; } // not a placeholder: centralita refuses those
  return env;
}

type Service = { environment?: Record<string, string>; command?: string[]; user?: string; secrets?: string[]; healthcheck?: { test: string[] }; stop_grace_period?: string; network_mode?: string; ports?: string[] };

describe('docker-compose.yml', () => {
  const doc = parse(readFileSync(new URL('../../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
    secrets: Record<string, { file: string }>;
  };
  const apps = ['app', 'worker'] as const;

  it('has the whole stack: Asterisk, app, worker, Redis (AOF, noeviction), PostgreSQL, the S3/SQS stand-in', () => {
    expect(Object.keys(doc.services).sort()).toEqual(['app', 'asterisk', 'aws', 'postgres', 'redis', 'worker']);
    const cmd = doc.services.redis!.command!.join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--maxmemory-policy noeviction');
  });

  it('sets only variables centralita reads (or their _FILE form)', () => {
    const fileForms = FILE_VARIABLES.map((v) => `${v}_FILE`);
    for (const name of apps) {
      const vars = Object.keys(doc.services[name]!.environment ?? {});
      expect(vars.length).toBeGreaterThan(0);
      for (const v of vars) expect([...Object.keys(VARIABLES), ...fileForms], `${name}.${v}`).toContain(v);
    }
  });

  it('passes secrets as files, never in the environment', () => {
    for (const name of apps) {
      const svc = doc.services[name]!;
      const env = svc.environment ?? {};
      for (const v of FILE_VARIABLES) expect(env[v], `${name}.${v} must be ${v}_FILE`).toBeUndefined();
      for (const [k, path] of Object.entries(env).filter(([k]) => k.endsWith('_FILE'))) {
        const secret = /^\/run\/secrets\/(.+)$/.exec(path)?.[1];
        expect(secret, `${name}.${k}`).toBeDefined();
        expect(svc.secrets, `${name} mounts ${secret}`).toContain(secret);
        expect(doc.secrets[secret!]?.file, `secret ${secret}`).toMatch(/^\.\/secrets\//);
      }
    }
    expect(doc.services.postgres!.environment!.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
  });

  it('the app environment is a valid configuration (secret files stubbed)', () => {
    // Compose interpolation with its defaults, as `docker compose config` renders it unset.
    expect(() => loadConfig(stubbedEnv(doc.services.app!.environment!))).not.toThrow();
  });

  it('non-root app user, loopback HTTP, a stop grace longer than the shutdown deadline, healthchecks everywhere', () => {
    for (const name of apps) {
      const svc = doc.services[name]!;
      expect(svc.user, name).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      // 0.0.0.0 would publish the API on every host address (host network): put TLS and auth in front instead.
      expect(svc.environment!.HTTP_HOST, name).toBe('127.0.0.1');
      // The app's own hard stop deadline (drain + margin) must end before Docker's SIGKILL,
      // with a few seconds to spare; and not so far before that a hang goes unnoticed for long.
      const grace = Number(/^(\d+)s$/.exec(svc.stop_grace_period ?? '')?.[1]);
      const cfg = loadConfig(stubbedEnv(svc.environment!));
      const hard = shutdownBudget(cfg).totalMs;
      expect(grace * 1000, `${name} stop_grace_period vs SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS`).toBeGreaterThanOrEqual(hard + 3000);
      expect(grace * 1000, `${name} stop_grace_period vs SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS`).toBeLessThanOrEqual(hard + 15000);
    }
    for (const [name, svc] of Object.entries(doc.services)) {
      expect(svc.healthcheck?.test.length, `${name} healthcheck`).toBeGreaterThan(0);
      for (const p of svc.ports ?? []) expect(p, `${name} publishes only on loopback`).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
