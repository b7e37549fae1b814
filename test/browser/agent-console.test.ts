/// <reference lib="dom" />
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { createTestDatabase } from '../helpers/db.ts';

// The agent console in Chromium against the real app: log in to the queues, pause with a
// configured reason and come back, get a call offered with the screen pop (unknown caller,
// the menu choice and the account number typed), the simulated phone answers, the caller
// hangs up, the wrap-up's disposition and notes reach the HubSpot outbox with the call.
describe('agent console (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_agent') });
    await h.user('carla', ['agent'], { agentId: 'carla', displayName: 'Carla Ruiz' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  it('state, pause with a reason, screen pop, answer, wrap-up onto the HubSpot call', async () => {
    // Carla's phone rings 4 s before the simulated phone answers: long enough to see the offer.
    await h.sim.phone('PJSIP/1003', { behavior: 'answer', afterMs: 4000 });
    const ctx = await h.context({ locale: 'es-CO' });
    const page = await ctx.newPage();
    // An agent signs in and lands on their own console.
    await h.signIn(page, 'carla');
    await page.waitForURL((u) => u.pathname === '/agent');
    await page.waitForSelector('[data-testid="agent-console"][data-agent="carla"]');
    await page.waitForSelector('.statebar[data-state="loggedOut"]');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');

    await page.getByRole('button', { name: 'Conectarme a mis colas' }).click();
    await page.waitForSelector('.statebar[data-state="available"]');
    await page.getByLabel('Motivo de la pausa').selectOption('lunch');
    await page.getByRole('button', { name: 'Pausa', exact: true }).click();
    await page.waitForSelector('.statebar[data-state="paused"]');
    expect(await page.locator('.statebar [data-fig="reason"]').innerText()).toBe('Almuerzo');
    // The reason is the configured one, on the server too.
    expect(((await h.api<{ agents: { id: string; pauseReason?: string }[] }>('/api/agents')).body.agents.find((a) => a.id === 'carla'))?.pauseReason).toBe('lunch');
    // A reason outside the list is refused by the server.
    expect((await h.api('/api/console/carla/pause', { method: 'POST', body: { reason: 'gone fishing' } })).body).toMatchObject({ error: 'PAUSE_REASON_UNKNOWN' });
    await page.getByRole('button', { name: 'Disponible' }).click();
    await page.waitForSelector('.statebar[data-state="available"]');

    // A caller picks 2 (support) and types the account number.
    const caller = await h.sim.call('3007654321', { script: { digits: '2123456#', digitsAfterMs: 300, digitGapMs: 150 } });
    await page.waitForSelector('[data-testid="screen-pop"][data-state="ringing"]', { timeout: 20_000 });
    const pop = page.locator('[data-testid="screen-pop"]');
    expect(await pop.getAttribute('role')).toBe('alert');
    // The CRM and history lookup answers "unknown" (no token: the outbox knows no contacts).
    await until(page, `document.querySelector('[data-testid="screen-pop"] [data-fig="who"]')?.textContent === 'Llamante desconocido'`);
    expect(await pop.locator('[data-fig="caller"]').innerText()).toBe('+573007654321');
    expect(await pop.locator('[data-fig="ivr"] li').allInnerTexts()).toEqual(['mainMenu · marcó 2', 'account · marcó 123456', 'support']);

    // The simulated phone answers: the pop follows the call.
    await page.waitForSelector('[data-testid="screen-pop"][data-state="connected"]', { timeout: 15_000 });
    await page.waitForSelector('.statebar[data-state="onCall"]');
    await h.sim.hangup(caller);
    await page.waitForSelector('[data-testid="wrapup-form"]', { timeout: 15_000 });
    await page.waitForSelector('.statebar[data-state="wrapUp"]');

    // Finishing without a disposition is refused in the page; with one it is sent.
    await page.getByRole('button', { name: 'Terminar el cierre' }).click();
    await page.waitForSelector('[data-testid="wrapup-form"] [role="alert"]');
    await page.getByLabel('Tipificación').selectOption('sale');
    await page.getByLabel('Notas (van a la llamada en HubSpot)').fill('Quiere el plan anual; llamar el lunes');
    await page.getByRole('button', { name: 'Terminar el cierre' }).click();
    await page.waitForSelector('[data-testid="wrapup-form"]', { state: 'detached' });
    await page.waitForSelector('[data-testid="screen-pop"]', { state: 'detached' });
    // Submitting ends the wrap-up time (60 s in the queue): Carla can take the next call now.
    await page.waitForSelector('.statebar[data-state="available"]', { timeout: 5000 });
    expect(h.app.acd.agent('carla')?.state).toBe('available');
    await until(page, `document.querySelector('[role="status"] .toast')?.textContent?.includes('enviado con la llamada a HubSpot') ?? false`);

    // The HubSpot request (outbox: no token) carries the disposition and the notes.
    const outbox = join(h.dataDir, 'hubspot-outbox.jsonl');
    const created = await waitFor(() => {
      if (!existsSync(outbox)) return undefined;
      return readFileSync(outbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path: string; body: { inputs?: { properties: Record<string, string> }[] } })
        .flatMap((l) => l.body.inputs ?? []).find((i) => i.properties.hs_call_body?.includes('Quiere el plan anual'));
    }, 20_000, 'the call in the HubSpot outbox');
    // In the portal's language (Spanish by default), as the last paragraphs of the body.
    expect(created.properties.hs_call_body).toContain('<p><strong>Cierre del agente:</strong> Venta</p><p>Notas: Quiere el plan anual; llamar el lunes</p>');
    expect(created.properties.hs_call_body).toContain('Quiere el plan anual; llamar el lunes');
    expect(created.properties.hs_call_direction).toBe('INBOUND');
    // Exactly one engagement for the call.
    const lines = readFileSync(outbox, 'utf8').split('\n').filter((l) => l.includes(created.properties.hs_call_body!.slice(0, 30)));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/centralita-agent-test.png`, fullPage: true });
    await ctx.close();
  }, 120_000);
});

describe('screen pop and a sensitive gather (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_pci') });
    await h.user('carla', ['agent'], { agentId: 'carla' });
    await h.user('sofia', ['supervisor'], { queues: ['*'] });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  it('shows that the caller typed a PIN, never the PIN, to the agent and the wallboard', async () => {
    await h.sim.phone('PJSIP/1003', { behavior: 'noanswer' });
    await h.api('/api/agents/carla/login', { method: 'POST' });
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'carla', '/agent');
    await page.waitForSelector('.statebar[data-state="available"]');
    const wallCtx = await h.context({ locale: 'en-US' });
    const wall = await wallCtx.newPage();
    await h.signIn(wall, 'sofia', '/wallboard');
    // Everything the live channel sends the agent and the supervisor, from before the call.
    const agentLive = await h.liveAs(ctx, '?agent=carla');
    const wallLive = await h.liveAs(wallCtx);
    await h.sim.call('3004445566', { script: { digits: '37319', digitsAfterMs: 300, digitGapMs: 150 } });
    await page.waitForSelector('[data-testid="screen-pop"][data-state="ringing"]', { timeout: 20_000 });
    expect(await page.locator('[data-testid="screen-pop"] [data-fig="ivr"] li').allInnerTexts()).toEqual(['mainMenu · pressed 3', 'pin', 'support']);
    const html = [await page.content(), await wall.content(), JSON.stringify((await h.api('/api/wallboard')).body), JSON.stringify((await h.api('/api/calls')).body)].join('\n');
    expect(html).not.toContain('7319');
    // The streams did carry the call (this check can fail), never the PIN.
    expect(agentLive.text()).toContain('"node":"pin"');
    expect(wallLive.text()).toContain('+573004445566');
    expect(agentLive.text() + wallLive.text()).not.toContain('7319');
    agentLive.close();
    wallLive.close();
    await ctx.close();
    await wallCtx.close();
  }, 90_000);
});

describe('click-to-call (chromium)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ databaseUrl: await createTestDatabase('web_c2c') });
    await h.user('bruno', ['agent'], { agentId: 'bruno' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  it('rings the agent, then dials the number through the trunk, bridges them and records the call', async () => {
    await h.sim.phone('PJSIP/1002', { behavior: 'answer', afterMs: 300 });
    await h.sim.phone('PJSIP/trunk', { behavior: 'answer', afterMs: 500, hangupAfterMs: 2500, trunk: true });
    const records: { to: string; direction: string; disposition: string; agent?: { id: string }; talkSeconds: number }[] = [];
    const off = h.app.bus.on('call.record', (r) => records.push(r));
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'bruno', '/agent');
    await page.waitForSelector('[data-testid="agent-console"]');
    // Not a phone number: refused before anything is dialled.
    await page.locator('#click-to-call').getByLabel('Number').fill('1234@from-internal');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await page.waitForSelector('#click-to-call [role="alert"]');
    expect(await page.locator('#click-to-call [role="alert"]').innerText()).toMatch(/not a phone number/);
    await page.locator('#click-to-call').getByLabel('Number').fill('300 555 1234');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await until(page, `document.querySelector('[role="status"] .toast')?.textContent?.includes('your phone rings first') ?? false`);
    const rec = await waitFor(() => records.find((r) => r.to === '+573005551234'), 30_000, 'the click-to-call record');
    expect(rec).toMatchObject({ direction: 'outbound', disposition: 'answered', agent: { id: 'bruno' } });
    expect(rec.talkSeconds).toBeGreaterThanOrEqual(1);
    // Its wrap-up waits on the console like any other call's.
    await page.waitForSelector('[data-testid="wrapup-form"]', { timeout: 15_000 });
    off();
    await ctx.close();
  }, 90_000);
});

// With a HubSpot token (the fake HubSpot that follows the API): the pop shows who is calling.
describe('screen pop of a known caller (chromium, HubSpot API)', () => {
  let h: WebHarness;
  let fake: FakeHubspot;
  beforeAll(async () => {
    fake = await startFakeHubspot({ portal: { portalId: 777001, timeZone: 'America/Bogota', uiDomain: 'app.hubspot.com' } });
    fake.addContact({ phone: '+57 300 765 4321', firstname: 'Laura', lastname: 'Pérez', company: 'Acme Andina', hubspot_owner_id: '9001' });
    h = await startWebHarness({ env: { HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url }, hubspotYaml: 'owners:\n  ana: "9001"\n', databaseUrl: await createTestDatabase('web_pop') });
    await h.user('ana', ['agent'], { agentId: 'ana' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); await fake?.close(); });

  it('shows the HubSpot contact, company, owner and a link to the record', async () => {
    await h.sim.phone('PJSIP/1001', { behavior: 'noanswer' });
    expect((await h.api('/api/agents/ana/login', { method: 'POST' })).status).toBe(200);
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'ana', '/agent');
    await page.waitForSelector('.statebar[data-state="available"]');
    await h.sim.call('3007654321', { script: { digits: '1', digitsAfterMs: 300 } });
    await page.waitForSelector('[data-testid="screen-pop"][data-state="ringing"]', { timeout: 20_000 });

    await until(page, `document.querySelector('[data-testid="screen-pop"] [data-fig="who"]')?.textContent === 'Laura Pérez'`);
    const pop = page.locator('[data-testid="screen-pop"]');
    expect(await pop.locator('[data-fig="company"]').innerText()).toBe('Acme Andina');
    expect(await pop.locator('[data-fig="owner"]').innerText()).toBe('Ana Gómez');
    expect(await pop.getByRole('link', { name: 'Open the HubSpot record' }).getAttribute('href')).toMatch(/^https:\/\/app\.hubspot\.com\/contacts\/777001\/record\/0-1\/\d+$/);
    expect(await pop.locator('[data-fig="ivr"]').innerText()).toContain('mainMenu · pressed 1');
    await ctx.close();
  }, 90_000);
});

