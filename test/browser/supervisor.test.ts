/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { waitFor } from '../helpers/wait.ts';

// A supervisor's actions on the wallboard, in Chromium: a running campaign shows its progress
// by outcome and pace; pausing asks for confirmation and stops the dialling; resuming goes on.
describe('supervisor actions (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => { h = await startWebHarness(); }, 90_000);
  afterAll(async () => { await h?.stop(); });

  it('pauses and resumes a campaign from its panel, with confirmation', async () => {
    // Every number is busy: attempts end quickly, one a second, and are final (no retries).
    await h.sim.phone('PJSIP/trunk', { behavior: 'busy', afterMs: 200, trunk: true });
    const dir = join(h.dataDir, 'inbox', 'cobranza');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'campaign.json'), JSON.stringify({
      flowId: 'line', maxCallsPerSecond: 1, maxConcurrentCalls: 2, window: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] },
      retry: { busy: { delaySec: 0, maxAttempts: 1 } },
    }));
    writeFileSync(join(dir, 'rows.csv'), `phone\n${Array.from({ length: 40 }, (_, i) => `+57300${String(2_000_000 + i)}`).join('\n')}\n`);

    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(`${h.url}/wallboard`);
    const row = page.locator('[data-campaign="cobranza"]');
    await row.waitFor({ timeout: 30_000 });
    await until(page, `/Busy [1-9]/.test(document.querySelector('[data-campaign="cobranza"] .legend')?.textContent ?? '')`, 30_000);
    expect(await row.locator('[data-fig="state"]').innerText()).toBe('Active');
    await until(page, `/Pace: [1-9]/.test(document.querySelector('[data-campaign="cobranza"]')?.textContent ?? '')`, 20_000);

    // Pause: a dialog asks first; cancelling changes nothing.
    await row.getByRole('button', { name: 'Pause' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Pause campaign cobranza?');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await h.api<{ state: string }>('/api/campaigns/cobranza')).body.state).toBe('active');
    await row.getByRole('button', { name: 'Pause' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Confirm' }).click();
    await until(page, `document.querySelector('[data-campaign="cobranza"]')?.dataset.state === 'paused'`);
    expect((await h.api<{ state: string }>('/api/campaigns/cobranza')).body.state).toBe('paused');
    // Nothing new is dialled while paused (the in-flight attempts finish).
    await waitFor(async () => (await h.api<{ dialling: number }>('/api/campaigns/cobranza')).body.dialling === 0, 15_000, 'no attempt in flight');
    const done = (await h.api<{ done: number }>('/api/campaigns/cobranza')).body.done;
    await new Promise((r) => setTimeout(r, 2500));
    expect((await h.api<{ done: number }>('/api/campaigns/cobranza')).body.done).toBe(done);
    expect(await page.locator('ol.log').innerText()).toContain('Campaign cobranza is now Paused');

    await row.getByRole('button', { name: 'Resume' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Confirm' }).click();
    await until(page, `document.querySelector('[data-campaign="cobranza"]')?.dataset.state === 'active'`);
    await waitFor(async () => (await h.api<{ done: number }>('/api/campaigns/cobranza')).body.done > done, 20_000, 'dialling again');
    await ctx.close();
  }, 150_000);
});
