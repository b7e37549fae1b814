/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

// Reports and call search from the system of record, in Chromium: two calls flow through the
// app (one answered and recorded, one abandoned); the queue report shows them as a table and a
// chart and exports CSV (English and Spanish conventions) and Excel; the agent and phone-menu
// reports; call search finds the answered call by number in another spelling, its page shows
// the timeline and plays the recording through the authorised endpoint.
/** Sales' counts summed over the CSV's interval rows (the calls may straddle an interval boundary). */
function offeredIn(csv: string, sep: string) {
  const [head, ...rows] = csv.replace(/^\ufeff/, '').trim().split(/\r?\n/).map((l) => l.split(sep));
  const col = (name: RegExp) => head!.findIndex((h) => name.test(h));
  const [q, o, a, ab] = [col(/^(queue|cola)$/), col(/^(offered|ofrecidas)$/), col(/^(answered|atendidas)$/), col(/^(abandoned|abandonadas)$/)];
  const sales = rows.filter((r) => r[q] === 'sales');
  const sum = (i: number) => sales.reduce((t, r) => t + Number(r[i]), 0);
  return { offered: sum(o), answered: sum(a), abandoned: sum(ab) };
}

describe('reports and call search (chromium)', () => {
  let h: WebHarness;
  let answered: string;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_reports') });
    await h.user('sofia', ['supervisor'], { queues: ['*'] });
    await h.sim.phone('PJSIP/1001', { behavior: 'answer', afterMs: 300, hangupAfterMs: 4000 });
    await h.api('/api/agents/ana/login', { method: 'POST' });
    answered = await h.sim.call('3001110001', { script: { digits: '1', digitsAfterMs: 300 } });
    await waitFor(() => h.app.acd.liveCalls().some((c) => c.agentId === 'ana'), 15_000, 'Ana on the call');
    // Ana is busy: the second caller waits past the short-abandon threshold and hangs up.
    const gone = await h.sim.call('3001110002', { script: { digits: '1', digitsAfterMs: 300 } });
    await waitFor(() => h.app.acd.liveCalls().some((c) => c.callId === gone), 10_000, 'the second caller queued');
    await new Promise((r) => setTimeout(r, 3000));
    await h.sim.hangup(gone);
    // Both calls are in the system of record (the spool drains in the background).
    await waitFor(async () => {
      const r = (await h.api<{ totals: { queueId: string; offered: number; answered: number; abandoned: number }[] }>('/api/reports/queues')).body;
      const s = r.totals.find((q) => q.queueId === 'sales');
      return s && s.offered === 2 && s.answered === 1 && s.abandoned === 1;
    }, 30_000, 'both calls in the queue report');
  }, 120_000);
  afterAll(async () => { await h?.stop(); });

  it('shows the queue report as a table and a chart, and exports CSV and Excel', async () => {
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'sofia', '/reports');
    await page.waitForSelector('[data-testid="report-table"] tr[data-queue="sales"]');
    // SL: one answered within 20 s, one abandoned after the 2 s short-abandon threshold → 50 %.
    expect(await page.locator('tr[data-queue="sales"]').innerText()).toMatch(/^sales\s+2\s+1\s+1\s+50\s%/);
    await page.waitForSelector('[data-testid="chart"] canvas');
    expect(await page.locator('[data-testid="chart"] [role="img"]').getAttribute('aria-label')).toContain('Offered: 2');
    await page.waitForSelector('#report-intervals tbody tr');
    // A report has no live stream: the header shows no connection state (not a stuck "Connecting…").
    expect(await page.locator('[data-testid="conn"]').count()).toBe(0);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^queues-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff); // BOM: Excel reads UTF-8
    expect(text).toMatch(/^\ufeff[^\n]*,[^\n]*\n/); // English: comma-separated
    expect(offeredIn(text, ',')).toEqual({ offered: 2, answered: 1, abandoned: 1 });
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export Excel' }).click()]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(readFileSync((await xlsx.path())!).subarray(0, 2).toString()).toBe('PK'); // a zip: an .xlsx workbook

    // In Spanish the same export is semicolon-separated (what Excel expects there).
    await page.getByRole('button', { name: 'ES', exact: true }).click();
    await page.getByRole('link', { name: 'Exportar CSV' }).waitFor();
    const [es] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exportar CSV' }).click()]);
    expect(offeredIn(readFileSync((await es.path())!, 'utf8'), ';')).toEqual({ offered: 2, answered: 1, abandoned: 1 });

    // The other reports: agents and the phone menu.
    await page.getByRole('tab', { name: 'Agentes' }).click();
    await until(page, `[...document.querySelectorAll('[data-testid="report-table"] th[scope="row"]')].some((e) => e.textContent === 'ana')`);
    await page.getByRole('tab', { name: 'Menú telefónico (IVR)' }).click();
    await until(page, `(document.querySelector('[data-testid="report-table"]')?.textContent ?? '').includes('mainMenu')`);
    expect(await page.locator('[data-testid="report-table"]').innerText()).toMatch(/mainMenu[^\n]*1 \(2\)/);
    expect(new URL(page.url()).searchParams.get('tab')).toBe('ivr'); // the report is in the URL
    await ctx.close();
  }, 90_000);

  it('finds a call by number, shows its timeline and plays its recording', async () => {
    // The recording is archived from the PBX in the background.
    const rec = await waitFor(async () => {
      const r = await h.api<{ recording?: { name: string } }>(`/api/history/calls/cr-${answered}`);
      return r.status === 200 && r.body.recording ? r.body : undefined;
    }, 30_000, 'the answered call with its recording');
    await waitFor(async () => (await h.api(`/api/recordings/${encodeURIComponent(rec.recording!.name)}`)).status === 200, 30_000, 'the recording archived');

    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'sofia', '/calls');
    // Without filters: today's calls, newest first (both).
    await until(page, `document.querySelectorAll('[data-testid="search-results"] tbody tr').length === 2`);
    await page.getByLabel('Number').fill('300 111 0001');
    await page.getByRole('button', { name: 'Search' }).click();
    await until(page, `document.querySelectorAll('[data-testid="search-results"] tbody tr').length === 1`);
    await page.waitForSelector(`[data-testid="search-results"] tr[data-call="cr-${answered}"]`);
    expect(new URL(page.url()).searchParams.get('number')).toBe('300 111 0001');
    await page.locator(`tr[data-call="cr-${answered}"] a`).click();
    await page.waitForSelector('[data-testid="timeline"]');
    const steps = await page.locator('[data-testid="timeline"] li span').allInnerTexts();
    expect(steps).toEqual([
      'Call from +573001110001 started', 'Phone menu: mainMenu — pressed 1', expect.stringMatching(/^Waited in sales for [\d.]+ s$/), 'Answered by Ana Gómez', expect.stringMatching(/^Ended: answered \(talk [\d.]+ s\)$/),
    ]);
    // The player loads the audio through the authorised endpoint (the session's cookie).
    const audio = page.locator('[data-testid="recording"]');
    expect(await audio.getAttribute('src')).toBe(`/api/recordings/${encodeURIComponent(rec.recording!.name)}/audio`);
    await until(page, `(document.querySelector('[data-testid="recording"]')?.duration ?? 0) > 1`, 20_000);
    await ctx.close();
  }, 90_000);
});
