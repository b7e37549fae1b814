// Signing in inside HubSpot's page (the calling extension): the session cookie is a partitioned
// third-party cookie (SameSite=None; Partitioned; Secure — the flag browsers require, added on
// the loopback HTTP server too), rolled with the same attributes on later requests; an ordinary
// sign-in keeps SameSite=Strict. Writes from another origin are refused whatever the cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secureTestServer, type SecureTestServer } from '../../helpers/secure-http.ts';
import { SESSION_COOKIE } from '../../../src/http/security.ts';

describe('embedded (HubSpot calling extension) sessions', () => {
  let srv: SecureTestServer;
  const json = { 'content-type': 'application/json', host: '127.0.0.1' };
  beforeAll(async () => {
    srv = await secureTestServer();
    await srv.auth.createUser({ username: 'bruno', password: 'bruno password 1', roles: ['agent'], agentId: 'bruno' });
    await srv.app.ready();
  });
  afterAll(async () => { await srv?.app.close(); });
  const setCookie = (h: unknown) => {
    const all = (Array.isArray(h) ? h : [h]).map(String).filter((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(all).toHaveLength(1); // one Set-Cookie for the session, never a stale copy beside the fixed one
    return all[0]!;
  };

  it('an embedded sign-in gets SameSite=None; Partitioned; Secure, kept when the session rolls', async () => {
    const r = await srv.app.inject({ method: 'POST', url: '/api/session', headers: json, payload: { username: 'bruno', password: 'bruno password 1', embedded: true } });
    expect(r.statusCode).toBe(200);
    const c = setCookie(r.headers['set-cookie']);
    expect(c).toMatch(/; SameSite=None/);
    expect(c).toMatch(/; Partitioned/);
    expect(c).toMatch(/; Secure/);
    expect(c).toMatch(/; HttpOnly/);
    const cookie = `${SESSION_COOKIE}=${r.cookies.find((x) => x.name === SESSION_COOKIE)!.value}`;
    const again = await srv.app.inject({ method: 'GET', url: '/api/session', headers: { cookie, host: '127.0.0.1' } });
    expect(again.json()).toMatchObject({ agentId: 'bruno' });
    const rolled = setCookie(again.headers['set-cookie']);
    expect(rolled).toMatch(/; SameSite=None/);
    expect(rolled).toMatch(/; Partitioned/);
    expect(rolled).toMatch(/; Secure/);
    // A cross-site write carrying that cookie is still refused (CSRF check on Sec-Fetch-Site / Origin).
    const csrf = await srv.app.inject({ method: 'DELETE', url: '/api/session', headers: { ...json, cookie, 'sec-fetch-site': 'cross-site', origin: 'https://app.hubspot.com' }, payload: {} });
    expect(csrf.statusCode).toBe(403);
    expect(csrf.json()).toMatchObject({ error: 'CSRF_REFUSED' });
  });

  it('an ordinary sign-in keeps SameSite=Strict and is not partitioned', async () => {
    const r = await srv.app.inject({ method: 'POST', url: '/api/session', headers: json, payload: { username: 'bruno', password: 'bruno password 1' } });
    const c = setCookie(r.headers['set-cookie']);
    expect(c).toMatch(/; SameSite=Strict/);
    expect(c).not.toMatch(/Partitioned/);
    expect(c).not.toMatch(/; Secure/);
    expect((await srv.app.inject({ method: 'POST', url: '/api/session', headers: json, payload: { username: 'bruno', password: 'bruno password 1', embedded: 'yes' } })).statusCode).toBe(400);
  });
});
