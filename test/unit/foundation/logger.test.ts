import { describe, expect, it } from 'vitest';
import { createLogger, createSecretSet } from '../../../src/logger.ts';
import { loadConfig } from '../../../src/config.ts';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => { lines.push(s); } } };
}

describe('logger redaction', () => {
  const config = loadConfig({ ARI_URL: 'http://pbx:8088', ARI_PASSWORD: 'ari-S3cr3t!-long', HUBSPOT_TOKEN: 'pat-na1-11112222-3333', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG' });

  it('never prints a configured secret, whether in a field, a nested object or the message', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: config.secrets, destination });
    log.info({ password: 'ari-S3cr3t!-long', req: { headers: { authorization: 'Bearer pat-na1-11112222-3333' } } }, 'connecting');
    log.info({ detail: { url: 'http://centralita:ari-S3cr3t!-long@pbx:8088' } }, 'nested');
    log.warn(`token was pat-na1-11112222-3333 and key wJalrXUtnFEMI/K7MDENG`);
    log.error({ err: new Error('auth failed for ari-S3cr3t!-long') }, 'boom');
    const out = lines.join('');
    expect(lines).toHaveLength(4);
    for (const s of config.secrets) expect(out).not.toContain(s);
    expect(out).toContain('[redacted]');
    expect(out).toContain('connecting');
  });

  it('redacts well-known keys even when the value is not a configured secret', () => {
    const { lines, destination } = capture();
    const log = createLogger({ secrets: [], destination });
    log.info({ token: 'some-other-token', authorization: 'Basic abc', nested: { secretAccessKey: 'xyz' } }, 'x');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry.token).toBe('[redacted]');
    expect(entry.authorization).toBe('[redacted]');
    expect((entry.nested as Record<string, unknown>).secretAccessKey).toBe('[redacted]');
  });

  it('scrubs URL-encoded and Base64 secrets, nested authorization, cookie and apiKey at any depth', () => {
    const { lines, destination } = capture();
    const secret = 'ari-S3cr3t!-long';
    const log = createLogger({ level: 'info', secrets: config.secrets, destination });
    log.info({ url: `http://pbx:8088/ari/events?api_key=centralita:${encodeURIComponent(secret)}` }, 'url-encoded');
    log.info({ basic: Buffer.from(secret).toString('base64') }, 'base64');
    log.info({ header: `Basic ${Buffer.from(`centralita:${secret}`).toString('base64')}` }, 'basic header');
    log.info({ err: { config: { headers: { Authorization: 'Bearer some-unknown-token-value', Cookie: 'centralita_session=abc.def' } } } }, 'deep');
    log.info({ a: { b: { c: { apiKey: 'k-123456789', 'x-api-key': 'k-987654321', sessionSecret: 'zzz', set_cookie: 'x=1' } } } }, 'keys');
    log.info(`token ctk_0123456789abcdef_${'A'.repeat(43)} leaked into a message; redis://:hunter2-pass@10.0.0.9:6379`);
    const out = lines.join('');
    for (const bad of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(`centralita:${secret}`).toString('base64'), 'some-unknown-token-value', 'abc.def', 'k-123456789', 'k-987654321', 'zzz', 'A'.repeat(43), 'hunter2-pass'])
      expect(out, bad).not.toContain(bad);
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  });

  it('scrubs secrets added after start (embedded Redis and simulator passwords)', () => {
    const { lines, destination } = capture();
    const secrets = createSecretSet([]);
    const log = createLogger({ secrets, destination });
    secrets.add('generated-at-start-xyz');
    log.info({ url: 'redis://127.0.0.1:6379', note: 'generated-at-start-xyz' }, 'later');
    expect(lines.join('')).not.toContain('generated-at-start-xyz');
  });

  it('child loggers carry call ids', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination }).child({ callId: 'c-1', channelId: 'ch-1', flowId: 'main' });
    log.info('hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ callId: 'c-1', channelId: 'ch-1', flowId: 'main', msg: 'hello' });
  });
});
