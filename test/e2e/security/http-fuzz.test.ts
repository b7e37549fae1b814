// Bad input everywhere gets a reason (issue 14): every route of the app as `npm start` builds
// it (walked from its route table, as the route × role matrix does), called with valid
// credentials and fuzzed bodies, path parameters and query strings. No 5xx, no hang, every
// refusal is JSON with a stable code and a message, and every refused write is kept in the
// audit log with that code.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import { createTestDatabase } from '../../helpers/db.ts';

const DB = 12;
const FIELDS = ['reason', 'state', 'until', 'minutes', 'phones', 'phone', 'numbers', 'name', 'username', 'password', 'roles', 'queues', 'agentId', 'expiresAt', 'note', 'open', 'closed', 'flowId', 'language', 'format', 'enabled', 'id', 'ttlMinutes', 'displayName'];
const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('', ' ', '../../etc/passwd', '%00', '+573001234567', '2026-12-01T10:00:00Z', 'admin', '*', '<script>', '\u0000', 'x'.repeat(3000)));
const value = fc.oneof(junk, fc.array(junk, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...FIELDS), junk, { maxKeys: 3 }));
const body = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"x"', '{"__proto__":{"admin":true}}', '{"a":'.repeat(40), JSON.stringify({ phones: Array.from({ length: 5000 }, (_, i) => `+57300${i}`) })) },
);
const param = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('nobody', '..', '%2e%2e', 'a'.repeat(500), 'main', 'sales', 'ñandú', '0', '-1'));
const query = fc.dictionary(fc.constantFrom('from', 'to', 'limit', 'cursor', 'number', 'queue', 'agent', 'format', 'day', 'interval', 'disposition', 'campaign', 'flow', 'node', 'at', 'action', 'actor', 'lang'), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('-1', '99999999', 'csv', 'xlsx', '2026-13-45', 'NaN')), { maxKeys: 3 });

describe('every HTTP body, parameter and query, fuzzed, with valid credentials', () => {
  let app: RunningApp;
  let auth: Record<string, string>;
  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/${DB}`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-httpfuzz-'));
    const config = loadConfig({ REDIS_URL: redisUrl, DATABASE_URL: await createTestDatabase('httpfuzz'), HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') });
    app = await startCentralita(config, createLogger({ level: 'silent' }), { now: () => Date.parse('2026-12-02T03:30:00Z') });
    const { raw } = await app.auth.issueToken({ name: 'fuzzer', roles: ['admin', 'service', 'supervisor'], queues: ['*'], createdBy: 'test' });
    auth = { authorization: `Bearer ${raw}` };
  }, 60_000);
  afterAll(async () => { await app?.stop(); });

  it('answers every request in time, never 5xx, every refusal with a code; refused writes are audited with it', async () => {
    const routes = app.routes.filter((r) => !(r.method === 'DELETE' && r.url === '/api/session'));
    expect(routes.length).toBeGreaterThan(30);
    const samples = 12;
    const bodies = fc.sample(body, { numRuns: routes.length * samples, seed: 1414 });
    const params = fc.sample(param, { numRuns: routes.length * samples, seed: 1415 });
    const queries = fc.sample(query, { numRuns: routes.length * samples, seed: 1416 });
    const problems: string[] = [];
    let refusedWrites = 0;
    const refusedBy = new Map<string, number>();
    let n = 0;
    for (const r of routes) {
      for (let i = 0; i < samples; i++, n++) {
        const path = r.url.replace(/:(\w+)/g, () => encodeURIComponent(params[n]!)).replace(/\*$/, 'x');
        const q = new URLSearchParams(queries[n]!).toString();
        const writes = !['GET', 'HEAD'].includes(r.method);
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 5_000);
        const label = `${r.method} ${path}${q ? `?${q}` : ''} ${writes ? bodies[n]!.slice(0, 80) : ''}`;
        try {
          const res = await fetch(`${app.httpUrl}${path}${q ? `?${q}` : ''}`, { method: r.method, headers: { ...auth, ...(writes ? { 'content-type': 'application/json' } : {}) }, ...(writes ? { body: bodies[n]! } : {}), redirect: 'manual', signal: ac.signal });
          const stream = res.headers.get('content-type')?.includes('event-stream');
          const text = stream ? '' : await res.text();
          if (res.status >= 500) problems.push(`${res.status} ${label}: ${text.slice(0, 200)}`);
          else if (res.status >= 400) {
            let j: { error?: unknown; message?: unknown } = {};
            try { j = JSON.parse(text) as typeof j; } catch {}
            if (typeof j.error !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(j.error) || typeof j.message !== 'string' || !j.message) problems.push(`no reason: ${res.status} ${label}: ${text.slice(0, 200)}`);
            // Audited: refusals by the route's handler (not the router's 404/414, not security's 401/403/415).
            // A parameter of `.` or `..` is resolved away by the URL (`/api/agents/../logout` is `/api/logout`): that request never reached the route.
            const reachedRoute = new URL(path, 'http://x').pathname === path.split('?')[0];
            if (writes && r.audited && reachedRoute && r.url !== '/api/session' && ![401, 403, 414, 415, 421, 429].includes(res.status) && j.error !== 'ROUTE_NOT_FOUND') { refusedWrites++; refusedBy.set(`${r.method} ${r.url} ${res.status} ${String(j.error)}`, (refusedBy.get(`${r.method} ${r.url} ${res.status} ${String(j.error)}`) ?? 0) + 1); }
          }
        } catch (err) {
          problems.push(`${(err as Error).name === 'AbortError' ? 'hung' : 'failed'}: ${label}`);
        } finally {
          clearTimeout(timer);
          ac.abort();
        }
      }
    }
    expect(problems).toEqual([]);
    expect(refusedWrites).toBeGreaterThan(50);
    // Kept: one failed audit entry per refused write, each with the code the client got.
    const failed: { detail?: Record<string, unknown> }[] = [];
    let cursor: string | undefined;
    do {
      const page = await app.history.store.audit.query({ actor: 'token:fuzzer', limit: 1000, ...(cursor ? { cursor } : {}) });
      failed.push(...page.entries.filter((e) => e.detail?.outcome === 'failed'));
      cursor = page.next;
    } while (cursor);
    if (failed.length !== refusedWrites) {
      const a = new Map<string, number>();
      for (const e of failed) { const k = `${(e as { action?: string }).action} ${String(e.detail?.status)} ${(e.detail?.error as { code?: string } | undefined)?.code}`; a.set(k, (a.get(k) ?? 0) + 1); }
      console.log(JSON.stringify({ refusedBy: [...refusedBy].map(([k, v]) => `${v} ${k}`), audited: [...a].map(([k, v]) => `${v} ${k}`).sort() }));
    }
    expect(failed.length).toBe(refusedWrites);
    expect(failed.every((e) => typeof (e.detail?.error as { code?: unknown } | undefined)?.code === 'string')).toBe(true);
  }, 300_000);
});
