/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { SESSION_COOKIE } from '../../src/http/security.ts';
import { createTestDatabase } from '../helpers/db.ts';

// Signing in to the web app, per role, in Chromium: a visitor is sent to the sign-in view;
// each role lands on its page and sees only what it may (pages in the menu, queues, campaigns,
// numbers); signing out ends the session on the server. The pages run under a strict CSP
// (scripts and styles from the app only) with nothing refused.
describe('sign-in per role (chromium)', () => {
  let h: WebHarness;
  let caller: string;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_signin') });
    await h.user('root', ['admin']);
    await h.user('sofia', ['supervisor'], { queues: ['sales'] });
    await h.user('carla', ['agent'], { agentId: 'carla' });
    await h.user('oscar', ['campaign-operator']);
    // Someone waits in Ventas (nobody logged in there).
    caller = await h.sim.call('3009998877', { script: { digits: '1', digitsAfterMs: 300 } });
    await h.api('/api/agents/carla/login', { method: 'POST' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  const watchCsp = (page: Page) => {
    const refused: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) refused.push(m.text()); });
    return refused;
  };
  const menu = (page: Page) => page.locator('header nav a').allInnerTexts();

  it('sends a visitor to sign in, refuses a wrong password, signs in, and signs out for real', async () => {
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    const csp = watchCsp(page);
    await page.goto(`${h.url}/wallboard`);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/login?next=%2Fwallboard');
    await page.locator('input[name="username"]').fill('sofia');
    await page.locator('input[name="password"]').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('form [role="alert"]:text("Wrong username or password.")');
    await page.locator('input[name="password"]').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h.url}/wallboard`);
    await page.waitForSelector('[data-testid="conn"].live');
    expect(await page.locator('[data-testid="me"]').innerText()).toBe('Signed in as sofia');
    const cookie = (await ctx.cookies()).find((c) => c.name === SESSION_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForSelector('input[name="username"]');
    // The session is gone on the server: the API refuses the browser, a page load asks to sign in.
    expect(await page.evaluate(async () => (await fetch('/api/wallboard')).status)).toBe(401);
    await page.goto(`${h.url}/wallboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(csp).toEqual([]);
    await ctx.close();
  }, 60_000);

  it('each role sees its own pages and data', async () => {
    // Admin: every page, every queue, full numbers.
    const a = await (await h.context({ locale: 'en-US' })).newPage();
    const csp = watchCsp(a);
    await h.signIn(a, 'root');
    await a.waitForURL(`${h.url}/wallboard`);
    expect(await menu(a)).toEqual(['Wallboard', 'Agent console', 'Reports', 'Call search']);
    await a.waitForSelector('[data-queue="sales"]');
    await a.waitForSelector('[data-queue="support"]');
    await a.waitForSelector(`#waiting tr[data-call="${caller}"]`);
    expect(await a.locator(`#waiting tr[data-call="${caller}"]`).innerText()).toContain('+573009998877');

    // Supervisor of Ventas only: Ventas but not Soporte; campaigns and hours; full numbers.
    const s = await (await h.context({ locale: 'es-CO' })).newPage();
    await h.signIn(s, 'sofia');
    await s.waitForURL(`${h.url}/wallboard`);
    expect(await menu(s)).toEqual(['Tablero', 'Consola de agente', 'Informes', 'Buscar llamadas']);
    await s.waitForSelector('[data-queue="sales"]');
    expect(await s.locator('[data-queue="support"]').count()).toBe(0);
    expect(await s.locator('[data-agent="carla"]').count()).toBe(0); // Carla works Soporte
    await s.waitForSelector('#hours');
    expect(await s.locator(`#waiting tr[data-call="${caller}"]`).innerText()).toContain('+573009998877');

    // Agent: lands on the console; the wallboard is not theirs; their queue only; masked numbers.
    const g = await (await h.context({ locale: 'en-US' })).newPage();
    await h.signIn(g, 'carla');
    await g.waitForURL(`${h.url}/agent`);
    expect(await menu(g)).toEqual(['Agent console']);
    await g.waitForSelector('.statebar[data-state="available"]');
    expect(await g.locator('#my-queues [data-queue]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.queue))).toEqual(['support']);
    await g.goto(`${h.url}/wallboard`);
    await g.waitForSelector('[role="alert"]:text("Your role may not see this page.")');
    const snap = await g.evaluate(async () => (await fetch('/api/wallboard')).json()) as { queues: { id: string }[]; agents: { id: string }[]; waiting: unknown[]; campaigns: unknown[]; today: unknown };
    expect(snap.queues.map((q) => q.id)).toEqual(['support']);
    expect(snap.agents.map((x) => x.id)).toEqual(['carla']);
    expect(snap).toMatchObject({ waiting: [], campaigns: [], today: null });
    expect(await g.evaluate(async () => (await fetch('/api/campaigns')).status)).toBe(403);
    // Another agent's console is not hers.
    expect(await g.evaluate(async () => (await fetch('/api/console/ana')).status)).toBe(403);
    expect(await g.evaluate(async () => (await fetch('/api/calls')).json().then((r: { calls: { from: string }[] }) => r.calls.map((c) => c.from)))).toEqual([expect.stringMatching(/^•+8877$/)]);

    // Campaign operator: campaigns only (no queue, no hours, no reports' call search).
    const o = await (await h.context({ locale: 'en-US' })).newPage();
    await h.signIn(o, 'oscar');
    await o.waitForURL(`${h.url}/wallboard`);
    expect(await menu(o)).toEqual(['Wallboard']);
    await o.waitForSelector('#campaigns');
    await until(o, `document.querySelector('#queues')?.textContent?.includes('No queues to show') ?? false`);
    expect(await o.locator('#hours').count()).toBe(0);
    expect(csp).toEqual([]);
  }, 90_000);
});
