import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import { ROLES, type Role } from '../../../src/auth/roles.ts';

// The whole route table of the app as `npm start` builds it, walked with every role: without
// credentials every non-public route answers 401 (a page sends the browser to /login), with a
// role the route does not declare 403 ROLE_REQUIRED, with a declared role neither. Nothing here
// lists the routes by hand: a route added later is walked too.
const DB = 11;

describe('route × role matrix', () => {
  let app: RunningApp;
  const headers = new Map<Role, Record<string, string>>();

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/${DB}`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-matrix-'));
    const config = loadConfig({ REDIS_URL: redisUrl, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') });
    app = await startCentralita(config, createLogger({ level: 'silent' }), { now: () => Date.parse('2026-12-02T03:30:00Z') });
    for (const role of ROLES) {
      // The agent is "nobody" and the routes are called for agent "nobody": the per-agent rule
      // passes, so only the role decides here (the rule has its own test).
      const { raw } = await app.auth.issueToken({ name: `matrix-${role}`, roles: [role], createdBy: 'test', ...(role === 'agent' ? { agentId: 'nobody' } : {}), ...(role === 'supervisor' ? { queues: ['*'] } : {}) });
      headers.set(role, { authorization: `Bearer ${raw}` });
    }
  }, 60_000);
  afterAll(async () => { await app?.stop(); });

  const call = async (method: string, url: string, h: Record<string, string> = {}) => {
    const path = url.replace(/:(\w+)/g, (_m, name: string) => (name === 'schedule' ? 'no-such-schedule' : 'nobody'));
    const ac = new AbortController();
    const writes = !['GET', 'HEAD'].includes(method);
    const res = await fetch(`${app.httpUrl}${path}`, { method, headers: { ...h, ...(writes ? { 'content-type': 'application/json' } : {}) }, ...(writes ? { body: '{}' } : {}), redirect: 'manual', signal: ac.signal });
    // The live stream never ends: the status is all this test needs.
    const body = res.headers.get('content-type')?.includes('event-stream') ? {} : ((await res.json().catch(() => ({}))) as { error?: string });
    ac.abort();
    return { status: res.status, error: body.error, location: res.headers.get('location') };
  };

  it('has every route, each with a declared access', () => {
    const table = app.routes.map((r) => `${r.method} ${r.url}`);
    for (const known of ['GET /api/queues', 'POST /api/agents/:id/pause', 'PUT /api/hours/:schedule/override', 'POST /api/campaigns/:id/cancel', 'POST /api/campaigns/dnc', 'GET /api/live', 'GET /api/wallboard', 'POST /api/console/:agentId/wrapup', 'GET /api/calls', 'GET /metrics', 'POST /api/users', 'POST /api/tokens', 'GET /api/audit', 'POST /api/flows/reload',
      'GET /api/history/calls', 'GET /api/history/calls/:id', 'GET /api/flows/deployments', 'GET /api/reports/today', 'GET /api/reports/queues', 'GET /api/reports/agents', 'GET /api/reports/campaigns', 'GET /api/reports/ivr',
      'GET /api/recordings/:name', 'GET /api/recordings/:name/audio', 'POST /api/recordings/:name/revoke-links', 'GET /recordings/:name'])
      expect(table).toContain(known);
    expect(app.routes.every((r) => 'public' in r.access || r.access.roles.includes('admin'))).toBe(true);
    // The stable recording link is authorised by its signed token, not by a role (HubSpot fetches it).
    expect(app.routes.find((r) => r.url === '/recordings/:name')?.access).toEqual({ public: expect.stringMatching(/token/) });
    expect(app.routes.find((r) => r.url === '/api/recordings/:name/revoke-links')?.audited).toBe(true);
    // No state-changing route is open to anonymous callers, except signing in itself.
    expect(app.routes.filter((r) => !['GET', 'HEAD'].includes(r.method) && 'public' in r.access).map((r) => r.url)).toEqual(['/api/session']);
  });

  it('401 without credentials on every non-public route (pages redirect to /login)', async () => {
    const results: string[] = [];
    for (const r of app.routes) {
      const res = await call(r.method, r.url);
      if ('public' in r.access) { expect(res.status, `${r.method} ${r.url}`).not.toBe(401); continue; }
      if (r.page) expect([res.status, res.location?.startsWith('/login')], `${r.method} ${r.url}`).toEqual([302, true]);
      else expect([res.status, res.error], `${r.method} ${r.url}`).toEqual([401, 'UNAUTHENTICATED']);
      results.push(`${r.method} ${r.url}`);
    }
    expect(results.length).toBeGreaterThan(20);
  }, 60_000);

  it('403 with a role the route does not declare, and never 401/403-for-role with one it does', async () => {
    let refused = 0;
    let allowed = 0;
    for (const r of app.routes) {
      if ('public' in r.access) continue;
      for (const role of ROLES) {
        const res = await call(r.method, r.url, headers.get(role));
        const label = `${role} → ${r.method} ${r.url}`;
        if (r.access.roles.includes(role)) {
          expect(res.status, label).not.toBe(401);
          expect(res.error, label).not.toBe('ROLE_REQUIRED');
          allowed++;
        } else {
          expect([res.status, res.error], label).toEqual([403, 'ROLE_REQUIRED']);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(40);
    expect(allowed).toBeGreaterThan(40);
  }, 120_000);

  it('a revoked or made-up token is 401, even on a public route', async () => {
    const { token, raw } = await app.auth.issueToken({ name: 'short-lived', roles: ['service'], createdBy: 'test' });
    expect((await call('GET', '/api/queues', { authorization: `Bearer ${raw}` })).status).toBe(200);
    await app.auth.revokeToken(token.id);
    expect(await call('GET', '/api/queues', { authorization: `Bearer ${raw}` })).toMatchObject({ status: 401, error: 'TOKEN_INVALID' });
    expect(await call('GET', '/healthz', { authorization: 'Bearer ctk_0000000000000000_' + 'x'.repeat(43) })).toMatchObject({ status: 401 });
  });
});
