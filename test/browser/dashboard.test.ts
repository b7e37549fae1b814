import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { registerDashboard } from '../../src/http/dashboard.ts';
import { createEventBus } from '../../src/domain/event-bus.ts';
import type { CallRecord } from '../../src/domain/call-record.ts';
import { SESSION_COOKIE } from '../../src/http/security.ts';
import { secureTestServer, type SecureTestServer } from '../helpers/secure-http.ts';

// The supervisor page in a real browser (Debian chromium): signing in and out, live calls from
// the API, and call records pushed over Server-Sent Events updating the counters and the log.
describe('supervisor dashboard (chromium)', () => {
  const bus = createEventBus();
  const live = [{ callId: 'call-7', from: '+573001234567', flowId: 'main', node: 'menu' }];
  let srv: SecureTestServer;
  let url: string;
  let browser: Browser;
  const password = 'correct horse battery';

  beforeAll(async () => {
    srv = await secureTestServer();
    registerDashboard(srv.app, { bus, liveCalls: () => live });
    url = await srv.app.listen({ host: '127.0.0.1', port: 0 });
    await srv.auth.createUser({ username: 'ana', password, roles: ['supervisor'], queues: ['*'] });
    await srv.auth.createUser({ username: 'pablo', password, roles: ['agent'], agentId: 'a7' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.app.close();
  });

  it('sends a visitor without a session to sign in, signs in, shows the live page, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.fill('#username', 'ana');
    await page.fill('#password', 'wrong password!');
    await page.click('button[type=submit]');
    await page.waitForSelector('#error:text("wrong username or password")');

    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/`);
    await page.waitForSelector('#me:text("ana (supervisor)")');
    await page.waitForSelector('#conn:text("live")');
    await page.waitForSelector('#calls td:text("call-7")');
    expect(await page.textContent('#k-live')).toBe('1');
    // A supervisor sees caller numbers in full.
    await page.waitForSelector('#calls td:text("+573001234567")');

    const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    const record = { id: 'rec-1', from: '+573001234567', disposition: 'answered', path: [{ node: 'menu', digits: '2', at: '2026-11-24T10:00:00Z' }, { node: 'support', at: '2026-11-24T10:00:05Z' }] } as Partial<CallRecord>;
    bus.emit('call.record', record as CallRecord);
    bus.emit('call.record', { ...record, id: 'rec-2', disposition: 'abandoned' } as CallRecord);
    // The page's CSP forbids eval, so the test waits with selectors, not waitForFunction strings.
    await page.waitForSelector('#k-calls:text-is("2")');
    expect(await page.textContent('#k-answered')).toBe('1');
    expect(await page.textContent('#k-abandoned')).toBe('1');
    expect(await page.textContent('#log')).toContain('menu:2 > support');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/centralita-dashboard.png` });

    await page.click('#signout');
    await page.waitForURL(/\/login$/);
    // The session is gone on the server: the API refuses the browser, the page sends it back.
    expect(await page.evaluate(async () => (await fetch('/api/calls')).status)).toBe(401);
    await page.goto(`${url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(srv.audit.entries.map((e) => [e.action, e.actor, e.detail?.outcome])).toEqual([
      ['session.sign-in', 'anonymous', 'denied'], ['session.sign-in', 'user:ana', 'ok'], ['session.sign-out', 'user:ana', 'ok'],
    ]);
    await context.close();
  });

  it('shows an agent masked numbers', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/login`);
    await page.fill('#username', 'pablo');
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#calls td:text("call-7")');
    const text = await page.textContent('#calls');
    expect(text).not.toContain('+573001234567');
    expect(text).toContain('4567');
    await context.close();
  });
});
