/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { createTestDatabase } from '../helpers/db.ts';

// Accessibility and screen sizes, in Chromium: axe-core (WCAG 2.1 A/AA rules, colour contrast
// included) finds nothing on the wallboard (light, and the dark wall-TV theme), the agent console
// with a call on screen and the call search; everything can be done with the keyboard; the
// wallboard fits a 1366×768 laptop without sideways scrolling and scales up on a 4K TV.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axe(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses an injected script tag.
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
      .axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return res.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return r;
}

describe('accessibility and screen sizes (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_a11y') });
    await h.user('sofia', ['supervisor'], { queues: ['*'] });
    await h.user('ana', ['agent'], { agentId: 'ana' });
    await h.user('carla', ['agent'], { agentId: 'carla' });
    await h.sim.phone('PJSIP/1001', { behavior: 'noanswer' });
    await h.api('/api/agents/ana/login', { method: 'POST' });
    await h.api('/api/agents/bruno/login', { method: 'POST' });
    await h.api('/api/console/bruno/pause', { method: 'POST', body: { reason: 'break' } });
    // Carla (support: nobody calls there) is the keyboard test's agent.
    await h.api('/api/agents/carla/login', { method: 'POST' });
    await h.api('/api/console/carla/pause', { method: 'POST', body: { reason: 'break' } });
    // Enough callers that the tables and the log scroll (scrollable regions must be reachable by keyboard).
    for (let i = 0; i < 24; i++) await h.sim.call(`30011122${String(i).padStart(2, '0')}`, { script: { digits: '1', digitsAfterMs: 300 } });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  it('the wallboard passes axe in both themes and fits 1366×768; TV mode scales up', async () => {
    const ctx = await h.context({ locale: 'en-US', width: 1366, height: 768 });
    const page = await ctx.newPage();
    await h.signIn(page, 'sofia', '/wallboard');
    await page.waitForSelector('[data-testid="conn"].live');
    await until(page, `document.querySelectorAll('#waiting tbody tr').length >= 20`);
    expect(await page.evaluate(() => { const e = document.querySelector('#waiting .scroll')!; return e.scrollHeight > e.clientHeight; })).toBe(true);
    expect(await axe(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    // Every queue figure is on screen at 1366 px (nothing cut off to the right).
    expect(await page.evaluate(() => [...document.querySelectorAll('[data-queue] [data-fig]')].every((e) => e.getBoundingClientRect().right <= window.innerWidth))).toBe(true);
    await ctx.close();

    const tv = await h.context({ locale: 'es-CO', width: 3840, height: 2160 });
    const big = await tv.newPage();
    await h.signIn(big, 'sofia', '/wallboard?tv=1');
    await big.waitForSelector('[data-queue]');
    expect(await big.evaluate(() => document.documentElement.classList.contains('tv'))).toBe(true);
    const px = await big.evaluate(() => parseFloat(getComputedStyle(document.querySelector('[data-queue] [data-fig="waiting"] b')!).fontSize));
    expect(px).toBeGreaterThanOrEqual(100); // readable across a room
    expect(await big.locator('button:has-text("Poner una excepción")').isVisible()).toBe(false); // actions are hidden on the wall
    expect(await axe(big)).toEqual([]);
    await tv.close();
  }, 90_000);

  it('the agent console with a ringing call, and the call search, pass axe', async () => {
    const ctx = await h.context({ locale: 'es-CO' });
    const page = await ctx.newPage();
    await h.signIn(page, 'ana', '/agent');
    await page.waitForSelector('[data-testid="screen-pop"]');
    expect(await axe(page)).toEqual([]);
    const sup = await (await h.context({ locale: 'en-US' })).newPage();
    await h.signIn(sup, 'sofia', '/calls');
    await sup.waitForSelector('[data-testid="call-search"]');
    expect(await axe(sup)).toEqual([]);
    await ctx.close();
  }, 90_000);

  it('works with the keyboard alone: skip link, language, pausing with a reason', async () => {
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'carla', '/agent');
    await page.waitForSelector('.statebar[data-state="paused"]');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    // Tab to the Spanish button and press it.
    for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'ES'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await until(page, `document.documentElement.lang === 'es'`);
    // Available, then pause again with another reason: Tab, arrows, Enter only.
    for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'Disponible'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.statebar[data-state="available"]');
    for (let i = 0; i < 30 && (await page.evaluate(() => (document.activeElement as HTMLSelectElement | null)?.name)) !== 'reason'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown'); // Descanso
    await page.keyboard.press('ArrowDown'); // Almuerzo
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.statebar[data-state="paused"]');
    expect(await page.locator('.statebar [data-fig="reason"]').innerText()).toBe('Almuerzo');
    await ctx.close();
  }, 90_000);
});
