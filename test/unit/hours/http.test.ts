// Hours HTTP API over Fastify inject, with the real override store on the test redis-server,
// behind the app's security layer: `by` is the authenticated identity, never a body field.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerHoursRoutes } from '../../../src/hours/http.ts';
import { createOverrideStore } from '../../../src/hours/override-store.ts';
import { createHoursService } from '../../../src/hours/service.ts';
import { schedules } from '../../../flows/schedules.ts';
import { secureTestServer, type SecureTestServer } from '../../helpers/secure-http.ts';

let redis: Redis;
const prefix = `test:hours-http:${process.pid}:`;
let srv: SecureTestServer;
let ana: Record<string, string>;
let luis: Record<string, string>;
const NOW = new Date('2026-03-02T15:00:00Z'); // Monday 10:00 Bogotá

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  const overrides = createOverrideStore({ redis, prefix });
  srv = await secureTestServer();
  registerHoursRoutes(srv.app, { hours: createHoursService({ schedules, overrides }), overrides, now: () => NOW });
  await srv.app.ready();
  ana = await srv.as('supervisor', { name: 'ana', queues: ['*'] });
  luis = await srv.as('supervisor', { name: 'luis', queues: ['*'] });
});
const app = { inject: (o: { method: 'GET' | 'PUT' | 'DELETE'; url: string; payload?: object; headers?: Record<string, string> }) => srv.app.inject({ ...o, headers: o.headers ?? ana, ...(o.method !== 'GET' && !o.payload ? { payload: {} } : {}) }) };
afterAll(async () => {
  await srv.app.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('hours API', () => {
  it('what-if at an instant, and now', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/hours/office?at=2026-03-23T10:00:00-05:00' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ open: false, reason: 'holiday', detail: 'San José' });
    expect((await app.inject({ method: 'GET', url: '/api/hours/office' })).json()).toMatchObject({ open: true, reason: 'weekly' });
  });

  it('override: set (201), applied, listed with audit, cleared', async () => {
    // Expiry is measured from the injected clock but Redis expires by real time: use a long window.
    const set = await app.inject({ method: 'PUT', url: '/api/hours/office/override', payload: { state: 'closed', reason: 'strike', until: '2099-01-01T00:00:00Z' } });
    expect(set.statusCode).toBe(201);
    expect(set.json()).toMatchObject({ scheduleId: 'office', state: 'closed', setBy: 'token:ana', setAt: NOW.toISOString(), expiresAt: '2099-01-01T00:00:00.000Z' });
    expect((await app.inject({ method: 'GET', url: '/api/hours/office' })).json()).toMatchObject({ open: false, reason: 'override', detail: 'strike (set by token:ana)' });
    const list = (await app.inject({ method: 'GET', url: '/api/hours/overrides' })).json() as { overrides: unknown[]; audit: { action: string; by: string }[] };
    expect(list.overrides).toHaveLength(1);
    expect(list.audit[0]).toMatchObject({ action: 'set', by: 'token:ana' });
    const del = await app.inject({ method: 'DELETE', url: '/api/hours/office/override', headers: luis, payload: {} });
    expect(del.json()).toEqual({ cleared: true });
    expect((await app.inject({ method: 'DELETE', url: '/api/hours/office/override', headers: luis })).statusCode).toBe(404);
    // The central audit log has both, with the identity, and the override before/after.
    const entries = srv.audit.entries.filter((e) => e.target === 'schedule:office');
    expect(entries.map((e) => [e.action, e.actor, e.detail?.outcome])).toEqual([['hours.override.set', 'token:ana', 'ok'], ['hours.override.clear', 'token:luis', 'ok'], ['hours.override.clear', 'token:luis', 'failed']]);
    expect(entries[0]).toMatchObject({ before: null, after: { state: 'closed', setBy: 'token:ana' } });
    expect(entries[1]).toMatchObject({ before: { state: 'closed' }, after: null });
  });

  it('override until the next change ends when the schedule would change by itself', async () => {
    // Monday 10:00 Bogotá: the night desk is closed; forcing it open "until the next change"
    // lasts until Friday 20:00, when it opens by itself.
    const r = await app.inject({ method: 'PUT', url: '/api/hours/nightDesk/override', payload: { state: 'open', reason: 'storm line', untilNextChange: true } });
    expect(r.statusCode).toBe(201);
    expect(r.json().expiresAt).toBe('2026-03-07T01:00:00.000Z'); // Friday 20:00 Bogotá, when the night desk opens anyway
    await app.inject({ method: 'DELETE', url: '/api/hours/nightDesk/override' });
  });

  it('bad input gets 400/404 with a stable code', async () => {
    // A client-claimed `by` is refused: the identity is the authenticated caller.
    const forged = await app.inject({ method: 'PUT', url: '/api/hours/office/override', payload: { state: 'open', reason: 'x', by: 'boss', minutes: 30 } });
    expect(forged.statusCode).toBe(400);
    expect(forged.json()).toMatchObject({ error: 'BAD_REQUEST', message: expect.stringContaining('by') });
    const both = await app.inject({ method: 'PUT', url: '/api/hours/office/override', payload: { state: 'open', reason: 'x', minutes: 30, until: '2099-01-01T00:00:00Z' } });
    expect(both.json().message).toContain('give exactly one of minutes, until or untilNextChange');
    const past = await app.inject({ method: 'PUT', url: '/api/hours/office/override', payload: { state: 'open', reason: 'x', until: '2020-01-01T00:00:00Z' } });
    expect(past.json()).toMatchObject({ error: 'OVERRIDE_EXPIRY_INVALID' });
    const unknown = await app.inject({ method: 'GET', url: '/api/hours/ofice' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'SCHEDULE_UNKNOWN' });
    // Object's own properties are not schedules.
    for (const name of ['toString', 'constructor']) {
      const r = await app.inject({ method: 'GET', url: `/api/hours/${name}` });
      expect(r.statusCode, name).toBe(404);
      expect(r.json()).toMatchObject({ error: 'SCHEDULE_UNKNOWN' });
    }
    expect((await app.inject({ method: 'GET', url: '/api/hours/office?at=yesterday' })).statusCode).toBe(400);
  });
});
