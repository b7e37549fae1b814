import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { loadConfig } from '../../../src/config.ts';

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (s: string) => { lines.push(s); } } };
}

describe('logger redaction', () => {
  const config = loadConfig({ ARI_URL: 'http://pbx:8088', ARI_PASSWORD: 'ari-S3cr3t!', HUBSPOT_TOKEN: 'pat-na1-11112222-3333', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG' });

  it('never prints a configured secret, whether in a field, a nested object or the message', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: config.secrets, destination });
    log.info({ password: 'ari-S3cr3t!', req: { headers: { authorization: 'Bearer pat-na1-11112222-3333' } } }, 'connecting');
    log.info({ detail: { url: 'http://centralita:ari-S3cr3t!@pbx:8088' } }, 'nested');
    log.warn(`token was pat-na1-11112222-3333 and key wJalrXUtnFEMI/K7MDENG`);
    log.error({ err: new Error('auth failed for ari-S3cr3t!') }, 'boom');
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

  it('child loggers carry call ids', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination }).child({ callId: 'c-1', channelId: 'ch-1', flowId: 'main' });
    log.info('hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ callId: 'c-1', channelId: 'ch-1', flowId: 'main', msg: 'hello' });
  });
});
