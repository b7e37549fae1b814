/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { waitFor } from '../helpers/wait.ts';
import { createTestDatabase } from '../helpers/db.ts';

// A supervisor's actions on the wallboard, in Chromium: a running campaign shows its progress
// by outcome and pace; pausing asks for confirmation and stops the dialling; resuming goes on.
// A business-hours override needs a reason and an expiry, is set by the signed-in supervisor
// (the audit log says who), shows on the wallboard and can be cleared.
describe('supervisor actions (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_sup') });
    await h.user('sofia', ['supervisor'], { queues: ['*'] });
  }, 90_000);
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
    await h.signIn(page, 'sofia', '/wallboard');
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

  it('sets a business-hours override with a reason and an expiry, and clears it', async () => {
    const ctx = await h.context({ locale: 'es-CO' });
    const page = await ctx.newPage();
    await h.signIn(page, 'sofia', '/wallboard');
    const office = page.locator('[data-schedule="office"]');
    await office.waitFor();
    await office.getByRole('button', { name: 'Poner una excepción' }).click();
    const form = office.locator('form');
    // Nothing is sent without a reason and an expiry.
    await form.getByRole('button', { name: 'Aplicar la excepción' }).click();
    expect(await form.getByRole('alert').innerText()).toBe('Indique un motivo');
    await form.getByLabel('Forzar cerrado').check();
    await form.getByLabel('Motivo').fill('Simulacro de evacuación');
    await form.getByRole('button', { name: 'Aplicar la excepción' }).click();
    expect(await form.getByRole('alert').innerText()).toBe('Elija cuándo termina la excepción');
    await form.getByLabel('Por cuánto tiempo').selectOption('60');
    await form.getByRole('button', { name: 'Aplicar la excepción' }).click();
    await until(page, `document.querySelector('[data-schedule="office"]')?.dataset.open === 'false'`);
    expect(await office.locator('[data-fig="override"]').innerText()).toMatch(/^Excepción de user:sofia: Simulacro de evacuación, hasta /);
    expect(await office.locator('[data-fig="open"]').innerText()).toBe('Cerrado');
    // The server has it, set by the signed-in identity (never a name sent by the page).
    const ov = (await h.api<{ overrides: { scheduleId: string; state: string; setBy: string; reason: string }[] }>('/api/hours/overrides')).body.overrides;
    expect(ov).toEqual([expect.objectContaining({ scheduleId: 'office', state: 'closed', setBy: 'user:sofia', reason: 'Simulacro de evacuación' })]);
    // …and the audit log says so (read with an admin token).
    const { raw } = await h.app.auth.issueToken({ name: 'test-admin', roles: ['admin'], createdBy: 'test' });
    const audit = await (await fetch(`${h.url}/api/audit?action=hours.override.set`, { headers: { authorization: `Bearer ${raw}` } })).json() as { entries: { action: string; actor: string; target?: string }[] };
    expect(audit.entries).toEqual([expect.objectContaining({ action: 'hours.override.set', actor: 'user:sofia', target: 'schedule:office' })]);
    await until(page, `document.querySelector('ol.log')?.textContent?.includes('user:sofia puso office en cerrado: Simulacro de evacuación') ?? false`);

    await office.getByRole('button', { name: 'Quitar la excepción' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Confirmar' }).click();
    await page.locator('[data-schedule="office"] [data-fig="override"]').waitFor({ state: 'detached' });
    expect((await h.api<{ overrides: unknown[] }>('/api/hours/overrides')).body.overrides).toEqual([]);
    await ctx.close();
  }, 90_000);
});
