import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { registerCampaignRoutes } from '../../src/campaigns/http.ts';
import { openCampaignTestDb, type CampaignTestDb } from '../helpers/campaign-db.ts';
import { createDncStore } from '../../src/campaigns/dnc.ts';
import { parseCampaignSettings } from '../../src/domain/campaign.ts';
import { secureTestServer, type SecureTestServer } from '../helpers/secure-http.ts';

// Cross-site request forgery in a real browser: a signed-in campaign operator visits a page on
// another origin (another port of the same host — the same *site*, so SameSite cookies alone
// would not stop it) that posts a form, and fires no-cors fetches, at the app's "cancel
// campaign". Every one is refused, and the campaign is still active.
describe('CSRF (chromium)', () => {
  const P = `csrf-${process.pid}`;
  let redis: Redis;
  let srv: SecureTestServer;
  let appUrl: string;
  let evil: Server;
  let evilUrl: string;
  let browser: Browser;
  let cdb: CampaignTestDb;
  const store = () => cdb.db.store();
  /** What the server answered to every cancel attempt (the browser hides cross-origin bodies). */
  const seen: { status: number; payload: string; origin?: string }[] = [];

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'));
    for (const k of await redis.keys(`${P}*`)) await redis.del(k);
    cdb = await openCampaignTestDb('csrf');
    await store().saveSettings('marzo', parseCampaignSettings({}));
    await cdb.admit('marzo', [{ phone: '+573001234567', rowId: 'f-2' }]);
    srv = await secureTestServer();
    registerCampaignRoutes(srv.app, { store: store(), dnc: createDncStore(redis, `${P}:dnc`), defaultCountry: 'CO' });
    srv.app.addHook('onSend', async (req, reply, payload) => {
      if (req.url.endsWith('/marzo/cancel')) seen.push({ status: reply.statusCode, payload: String(payload), ...(req.headers.origin ? { origin: req.headers.origin } : {}) });
      return payload;
    });
    appUrl = await srv.app.listen({ host: '127.0.0.1', port: 0 });
    await srv.auth.createUser({ username: 'olga', password: 'operator password', roles: ['campaign-operator'] });
    const target = `${appUrl}/api/campaigns/marzo/cancel`;
    const page = `<!doctype html><body>
      <form id="f1" method="POST" action="${target}" enctype="text/plain" target="sink"><input name='{"x":"' value='"}'></form>
      <form id="f2" method="POST" action="${target}" target="sink2"><input name="a" value="b"></form>
      <iframe name="sink"></iframe><iframe name="sink2"></iframe>
      <script>
        window.results = [];
        fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' }).then(() => results.push('fetch-sent'), () => results.push('fetch-error'));
        document.getElementById('f1').submit();
        document.getElementById('f2').submit();
      </script></body>`;
    evil = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic'] });
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.app.close();
    await new Promise((r) => evil?.close(r));
    redis?.disconnect();
    await cdb?.close();
  });

  it('refuses a cross-origin form post and no-cors fetch while the victim is signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${appUrl}/login`);
    await page.fill('#username', 'olga');
    await page.fill('#password', 'operator password');
    const signedIn = page.waitForResponse((r) => r.url().endsWith('/api/session') && r.request().method() === 'POST');
    await page.click('button[type=submit]');
    expect((await signedIn).status()).toBe(200);

    const attack = await context.newPage();
    await attack.goto(`${evilUrl}/`);
    // Two form posts (text/plain and urlencoded) and one no-cors fetch reach the server.
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    for (const r of seen) {
      expect(r.origin).toBe(evilUrl);
      expect(r.status).toBe(403);
      expect(JSON.parse(r.payload)).toMatchObject({ error: 'CSRF_REFUSED' });
    }
    expect((await store().progress('marzo')).state).toBe('active');

    // The same action from the app's own page (same origin, JSON) goes through.
    const ok = await page.evaluate(async () => (await fetch('/api/campaigns/marzo/pause', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(ok).toBe(200);
    expect((await store().progress('marzo')).state).toBe('paused');
    await context.close();
  });

  it('refuses text bodies and foreign origins from any client, not only browsers', async () => {
    const h = await srv.as('campaign-operator');
    const post = (headers: Record<string, string>, payload = '{}') => srv.app.inject({ method: 'POST', url: '/api/campaigns/marzo/resume', headers, payload });
    expect((await post({ ...h, 'content-type': 'text/plain' })).json()).toMatchObject({ error: 'JSON_REQUIRED' });
    expect((await post({ ...h, 'content-type': 'application/x-www-form-urlencoded' }, 'a=b')).statusCode).toBe(415);
    expect((await post({ ...h, origin: 'https://evil.example' })).json()).toMatchObject({ error: 'CSRF_REFUSED' });
    expect((await post({ ...h, 'sec-fetch-site': 'cross-site' })).json()).toMatchObject({ error: 'CSRF_REFUSED' });
    expect((await post({ ...h, origin: 'null' })).json()).toMatchObject({ error: 'CSRF_REFUSED' });
    expect((await post({ ...h, host: 'evil.example' })).json()).toMatchObject({ error: 'HOST_NOT_ALLOWED' });
    expect((await store().progress('marzo')).state).toBe('paused');
    expect((await post(h)).statusCode).toBe(200);
  });
});
