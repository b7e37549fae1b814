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
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
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
    const c = loadConfig({ ARI_URL: 'http://10.0.0.5:8088', ARI_PASSWORD: 'pw-1234' });
    expect(c.ari).toMatchObject({ mode: 'external', url: 'http://10.0.0.5:8088', password: 'pw-1234' });
    expect(c.secrets).toContain('pw-1234');
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
