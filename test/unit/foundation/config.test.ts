import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, renderEnvExample, VARIABLES } from '../../../src/config.ts';

describe('config', () => {
  it('uses embedded defaults when nothing is configured', () => {
    const c = loadConfig({});
    expect(c.ari.mode).toBe('embedded');
    expect(c.redis.mode).toBe('embedded');
    expect(c.campaigns.mode).toBe('local');
    expect(c.hubspot.mode).toBe('outbox');
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080, allowedHosts: ['localhost', '127.0.0.1', '::1'], https: false });
  });

  it('lists every offending variable in one error, with form and example', () => {
    let err: unknown;
    try { loadConfig({ ARI_URL: 'notaurl', HUBSPOT_TOKEN: '', HTTP_PORT: '99999' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.problems.map((p) => p.variable).sort()).toEqual(['ARI_URL', 'HTTP_PORT', 'HUBSPOT_TOKEN']);
    expect(e.message).toContain('ARI_URL: "notaurl" must be a URL');
    expect(e.message).toContain('e.g. ARI_URL=http://127.0.0.1:8088');
    expect(e.message).toContain('HUBSPOT_TOKEN: "" must not be empty');
  });

  it('requires a password for an external Asterisk', () => {
    expect(() => loadConfig({ ARI_URL: 'http://10.0.0.5:8088' })).toThrow(/ARI_PASSWORD: is required when ARI_URL is set/);
    const c = loadConfig({ ARI_URL: 'http://10.0.0.5:8088', ARI_PASSWORD: 'pw-1234-long-enough' });
    expect(c.ari).toMatchObject({ mode: 'external', url: 'http://10.0.0.5:8088', password: 'pw-1234-long-enough' });
    expect(c.secrets).toContain('pw-1234-long-enough');
  });

  it('refuses placeholder and short secrets at start-up', () => {
    const problems = (env: Record<string, string>) => { try { loadConfig(env); return []; } catch (e) { return (e as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`); } };
    expect(problems({ ARI_URL: 'http://10.0.0.5:8088', ARI_PASSWORD: 's3cret' })).toEqual(['ARI_PASSWORD: is a placeholder value, not a secret']);
    expect(problems({ ARI_URL: 'http://10.0.0.5:8088', ARI_PASSWORD: 'short-pw' })).toEqual(['ARI_PASSWORD: is too short for a secret (8 characters; at least 12)']);
    expect(problems({ HUBSPOT_TOKEN: 'pat-na1-...' })).toEqual(['HUBSPOT_TOKEN: is a placeholder value, not a secret']);
    expect(problems({ HUBSPOT_TOKEN: 'changeme' })).toEqual(['HUBSPOT_TOKEN: is a placeholder value, not a secret']);
    expect(problems({ SESSION_SECRET: 'a-long-random-string-of-at-least-32-chars' })).toEqual(['SESSION_SECRET: is a placeholder value, not a secret']);
    expect(problems({ REDIS_URL: 'redis://:changeme@10.0.0.9:6379' })).toEqual(['REDIS_URL: is a placeholder value, not a secret']);
    // A lab Asterisk on loopback may keep its short password (it is reachable from this box only).
    expect(problems({ ARI_URL: 'http://127.0.0.1:8088', ARI_PASSWORD: 'lab' })).toEqual([]);
  });

  it('refuses to listen beyond loopback without TLS (own or a trusted proxy) and a Host allow-list', () => {
    const problems = (env: Record<string, string>) => { try { loadConfig(env); return []; } catch (e) { return (e as ConfigError).problems.map((p) => p.variable); } };
    expect(problems({ HTTP_HOST: '0.0.0.0' })).toEqual(['HTTP_TRUSTED_PROXY', 'HTTP_ALLOWED_HOSTS']);
    expect(problems({ HTTP_HOST: '0.0.0.0', HTTP_TRUSTED_PROXY: '10.0.0.10' })).toEqual(['HTTP_ALLOWED_HOSTS']);
    expect(problems({ HTTP_HOST: '0.0.0.0', HTTP_TRUSTED_PROXY: '10.0.0.10', HTTP_ALLOWED_HOSTS: '*' })).toEqual(['HTTP_ALLOWED_HOSTS']);
    expect(problems({ HTTP_HOST: '127.0.0.1', HTTP_TLS_CERT: '/c.pem' })).toEqual(['HTTP_TLS_KEY']);
    const c = loadConfig({ HTTP_HOST: '0.0.0.0', HTTP_TRUSTED_PROXY: '10.0.0.10', HTTP_ALLOWED_HOSTS: 'Centralita.Example.com' });
    expect(c.http).toMatchObject({ allowedHosts: ['centralita.example.com'], trustedProxy: ['10.0.0.10'], https: true });
    expect(loadConfig({ HTTP_HOST: '127.0.0.2' }).http.https).toBe(false);
  });

  it('collects the Redis URL password as a secret', () => {
    const c = loadConfig({ REDIS_URL: 'redis://:hunter2-pass@10.0.0.9:6379/0' });
    expect(c.secrets).toContain('hunter2-pass');
  });

  it('.env.example documents every variable and matches the schema', () => {
    const file = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    expect(file).toBe(renderEnvExample());
    for (const name of Object.keys(VARIABLES)) expect(file).toContain(`# ${name}=`);
  });
});
