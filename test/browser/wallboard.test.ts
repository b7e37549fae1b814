/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWebHarness, queueFig, until, type WebHarness } from './web-harness.ts';
import { createTestDatabase } from '../helpers/db.ts';

// The supervisor's wallboard in Chromium while simulated calls flow through the real app: a
// caller joins and waits (the longest wait ticks), is answered (answered, SL, ASA, the agent
// on the call, the active call's node and agent), a second caller abandons and SL drops; a
// reload shows every figure unchanged, and the event log speaks in words.
describe('wallboard (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_wallboard') });
    await h.user('sofia', ['supervisor'], { queues: ['*'], displayName: 'Sofía' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  const figures = async (page: Page) => page.evaluate(() => {
    const text = (sel: string) => [...document.querySelectorAll(sel)].map((e) => (e as HTMLElement).innerText.trim());
    return {
      queues: text('[data-queue] [data-fig]:not([data-fig="longest"])'),
      agents: text('[data-agent]').map((t) => t.replace(/\d+:\d\d/g, 'm:ss')),
      kpis: text('.kpi'),
      calls: document.querySelectorAll('#calls tbody tr').length,
      waiting: document.querySelectorAll('#waiting tbody tr').length,
      log: text('ol.log li span').slice(0, 8),
    };
  });

  it('follows a caller who waits and is answered, an abandon moves SL, a reload keeps every figure', async () => {
    await h.sim.phone('PJSIP/1001', { behavior: 'answer', afterMs: 500 });
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'sofia', '/wallboard');
    await page.waitForSelector('[data-testid="conn"].live');
    await page.waitForSelector('[data-queue="sales"]');
    expect(await queueFig(page, 'sales', 'waiting')).toBe('0');

    // Nobody is logged in: the caller who pressed 1 waits in Ventas.
    const c1 = await h.sim.call('3001110001', { script: { digits: '1', digitsAfterMs: 300 } });
    await until(page, `document.querySelector('[data-queue="sales"] [data-fig="waiting"] b')?.textContent === '1'`);
    await page.waitForSelector(`#waiting tr[data-call="${c1}"]`);
    expect(await page.locator(`#waiting tr[data-call="${c1}"]`).innerText()).toContain('+573001110001');
    const w1 = await queueFig(page, 'sales', 'longest');
    await until(page, `document.querySelector('[data-queue="sales"] [data-fig="longest"] b')?.textContent !== ${JSON.stringify(w1)}`);
    expect(await page.locator(`#calls tr[data-call="${c1}"] [data-fig="node"]`).innerText()).toBe('sales');

    // Ana logs in and answers: the caller waited a few seconds, well inside the 20 s SL.
    expect((await h.api('/api/agents/ana/login', { method: 'POST' })).status).toBe(200);
    await until(page, `document.querySelector('[data-queue="sales"] [data-fig="answered"]')?.textContent === '1'`);
    expect(await queueFig(page, 'sales', 'sl')).toMatch(/^100\s%/);
    expect(await queueFig(page, 'sales', 'waiting')).toBe('0');
    await until(page, `document.querySelector('[data-agent="ana"]')?.dataset.state === 'onCall'`);
    expect(await page.locator('[data-agent="ana"]').innerText()).toContain('+573001110001');
    expect(await page.locator(`#calls tr[data-call="${c1}"]`).innerText()).toContain('Ana Gómez');

    // Ana is busy: the next caller waits past the short-abandon threshold (2 s) and hangs up.
    const c2 = await h.sim.call('3001110002', { script: { digits: '1', digitsAfterMs: 300 } });
    await page.waitForSelector(`#waiting tr[data-call="${c2}"]`);
    await until(page, `/0:0[3-9]/.test(document.querySelector('#waiting tr[data-call="${c2}"] td:last-child')?.textContent ?? '')`);
    await h.sim.hangup(c2);
    await until(page, `document.querySelector('[data-queue="sales"] [data-fig="abandoned"]')?.textContent === '1'`);
    await until(page, `/^50\\s%/.test(document.querySelector('[data-queue="sales"] [data-fig="sl"] b')?.textContent ?? '')`);
    expect(await queueFig(page, 'sales', 'offered')).toBe('2');
    expect(await page.locator('ol.log').innerText()).toMatch(/hung up after waiting \d+ s in Ventas/);
    expect(await page.locator('ol.log').innerText()).toContain('Ana Gómez answered +573001110001 in Ventas');

    // A reload changes nothing: every figure is the server's.
    const before = await figures(page);
    await page.reload();
    await page.waitForSelector('[data-testid="conn"].live');
    await page.waitForSelector('[data-queue="sales"]');
    const after = await figures(page);
    expect(after).toEqual(before);
    expect(before.queues.join(' ')).toContain('50');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/centralita-wallboard-test.png`, fullPage: true });
    await ctx.close();
  }, 120_000);
});
