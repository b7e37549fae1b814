/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { startWebHarness, until, type WebHarness } from './web-harness.ts';
import { startFakeHubspot, type FakeHubspot } from '../fakes/hubspot-server.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

// centralita's HubSpot calling extension page in Chromium, inside a fake of HubSpot's host
// window (test/fixtures/hubspot-host: written from the SDK's source, it speaks the SDK's message
// protocol). The host page is served as https://app.hubspot.com itself (Playwright answers that
// origin), so the page's real CSP frame-ancestors is what lets it in. HubSpot's own engagement
// creation in the host goes to the same fake HubSpot API that centralita logs to; the test
// asserts that exactly one call engagement exists, centralita's, with the agent's outcome and
// notes, and that the SDK path created or updated none.
const HOST_DIR = resolve(import.meta.dirname, '../fixtures/hubspot-host');
const FLOWS = resolve(import.meta.dirname, '../fixtures/flows/hubspot-calling');
const SDK_UMD = resolve(import.meta.dirname, '../../node_modules/@hubspot/calling-extensions-sdk/dist/main.js');
const PORTAL = 777001;
const CONNECTED = 'f240bbac-87c9-4f6e-bf70-924b57d47db7';

interface HostCall { externalCallId: string; toNumber: string; createEngagement?: boolean; status: string; history: string[]; engagementId?: string; completed?: { engagementId?: unknown; engagementProperties?: unknown } }
interface HostState {
  ready: boolean; syncAck: { version: string; iFrameUrl: string } | null; initialized: { isLoggedIn?: boolean; sizeInfo?: { width: number; height: number } } | null; loggedIn: boolean;
  calls: Record<string, HostCall>; engagements: string[]; updates: string[]; errors: unknown[]; unknown: string[]; received: { type: string; data: unknown }[];
}

describe('HubSpot calling extension (chromium, fake HubSpot host)', () => {
  let h: WebHarness;
  let fake: FakeHubspot;
  let contactId: string;
  /** Engagement writes the host made for the SDK path (HubSpot's own engagement). */
  const sdkWrites: { method: string; path: string; body: unknown }[] = [];

  beforeAll(async () => {
    fake = await startFakeHubspot({ portal: { portalId: PORTAL, timeZone: 'America/Bogota', uiDomain: 'app.hubspot.com' } });
    contactId = fake.addContact({ phone: '+57 300 555 1234', firstname: 'Laura', lastname: 'Pérez', company: 'Acme Andina' });
    h = await startWebHarness({
      env: { HUBSPOT_TOKEN: 'test-token', HUBSPOT_BASE_URL: fake.url }, flowsDir: FLOWS, databaseUrl: await createTestDatabase('web_hscalling'),
      // The host page is a public origin (app.hubspot.com) framing a loopback one: Chromium's
      // local-network-access checks would block that; a real deployment has a public HTTPS URL.
      chromiumArgs: ['--disable-features=LocalNetworkAccessChecks'],
    });
    await h.user('bruno', ['agent'], { agentId: 'bruno', displayName: 'Bruno Díaz' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); await fake?.close(); });

  /** HubSpot's origin in this browser context: the fake host page and its engagement backend. */
  async function hubspotOrigin(ctx: BrowserContext, src: string): Promise<void> {
    const hubspotApi = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`${fake.url}${path}`, { method, headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as { results?: { id: string }[] } };
    };
    await ctx.route('https://app.hubspot.com/**', async (route: Route) => {
      const req = route.request();
      const url = new URL(req.url());
      if (url.pathname === '/host.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(HOST_DIR, 'host.js'), 'utf8') });
      if (url.pathname.startsWith('/_hubspot/engagements')) {
        const body = JSON.parse(req.postData() ?? '{}') as Record<string, unknown>;
        sdkWrites.push({ method: req.method(), path: url.pathname, body });
        if (req.method() === 'POST') {
          // What HubSpot's own engagement for the call is: an outbound call on the record.
          const r = await hubspotApi('POST', '/crm/v3/objects/calls/batch/create', { inputs: [{
            properties: { hs_timestamp: new Date(Number(body.callStartTime) || Date.now()).toISOString(), hs_call_direction: 'OUTBOUND', hs_call_status: 'CONNECTING', hs_call_to_number: String(body.toNumber ?? ''), hs_call_title: 'Call from HubSpot' },
            associations: [{ to: { id: String(body.contactId) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }],
          }] });
          const id = r.body.results?.[0]?.id;
          return route.fulfill({ status: id ? 200 : 500, contentType: 'application/json', body: JSON.stringify({ engagementId: id }) });
        }
        const id = url.pathname.split('/').pop()!;
        const r = await hubspotApi('POST', '/crm/v3/objects/calls/batch/update', { inputs: [{ id, properties: body.properties }] });
        return route.fulfill({ status: r.status < 300 ? 200 : 500, contentType: 'application/json', body: '{}' });
      }
      if (url.pathname.startsWith('/contacts/')) {
        const config = { src, width: 400, height: 600, portalId: PORTAL, userId: 5001, ownerId: 9001, contact: { id: contactId, phone: '+57 300 555 1234', countryCode: 'CO' } };
        return route.fulfill({ contentType: 'text/html', body: readFileSync(join(HOST_DIR, 'host.html'), 'utf8').replace('__CONFIG__', JSON.stringify(config)) });
      }
      return route.fulfill({ status: 404, body: 'not found' });
    });
  }

  const hostState = (page: Page) => page.evaluate(() => (window as unknown as { hubspotHost: { state: unknown } }).hubspotHost.state) as Promise<HostState>;

  it('initialized → logged in → click-to-call → ringing, answered, ended → outcome and notes → one engagement, centralita\'s', async () => {
    await h.sim.phone('PJSIP/1002', { behavior: 'answer', afterMs: 300 });
    await h.sim.phone('PJSIP/trunk', { behavior: 'answer', afterMs: 1500, trunk: true });
    const ctx = await h.context({ locale: 'en-US' });
    await hubspotOrigin(ctx, `${h.url}/hubspot/calling`);
    const page = await ctx.newPage();
    await page.goto(`https://app.hubspot.com/contacts/${PORTAL}/record/0-1/${contactId}`);

    // The handshake: SYNC → SYNC_ACK (the SDK's version), then INITIALIZED, not logged in yet.
    await until(page, 'window.hubspotHost.state.ready && window.hubspotHost.state.initialized !== null');
    let s = await hostState(page);
    // The SDK bundle reports its version as built (0.9.7's dist says 0.9.7-beta.0).
    expect(s.syncAck).toMatchObject({ version: expect.stringMatching(/^0\.9\.7/), iFrameUrl: new URL(h.url).origin });
    expect(s.initialized).toMatchObject({ isLoggedIn: false, sizeInfo: { width: 400, height: 600 } });
    const frame = page.frameLocator('#hubspot-calling-extension-iframe');

    // The agent signs in inside HubSpot's page (a partitioned cookie of its own) → LOGGED_IN.
    await frame.locator('input[name="username"]').fill('bruno');
    await frame.locator('input[name="password"]').fill('correct horse battery staple');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await frame.locator('[data-testid="agent"]').waitFor();
    await until(page, 'window.hubspotHost.state.loggedIn === true');
    const cookie = (await ctx.cookies(h.url)).find((c) => c.name === 'centralita_session');
    expect(cookie).toMatchObject({ sameSite: 'None', secure: true, httpOnly: true });

    // Click-to-call on the contact record: HubSpot sends DIAL_NUMBER; the agent places it.
    await page.locator('#call-contact').click();
    await frame.locator('[data-testid="dial-request"]').waitFor();
    expect(await frame.locator('input[name="number"]').inputValue()).toBe('+57 300 555 1234');
    await frame.getByRole('button', { name: 'Call', exact: true }).click();

    // centralita rings the agent's phone, dials the number through the trunk, bridges them.
    await until(page, 'Object.values(window.hubspotHost.state.calls).some((c) => c.status === "IN_PROGRESS")', 20_000);
    await frame.locator('[data-testid="call"][data-state="connected"]').waitFor();
    s = await hostState(page);
    const call = Object.values(s.calls)[0]!;
    expect(Object.keys(s.calls)).toHaveLength(1);
    expect(call).toMatchObject({ toNumber: '+573005551234', createEngagement: false, history: ['RINGING', 'IN_PROGRESS'] });

    // The agent hangs up in the extension → CALL_ENDED (COMPLETED) and the wrap-up form.
    await frame.getByRole('button', { name: 'Hang up' }).click();
    await until(page, `window.hubspotHost.state.calls[${JSON.stringify(call.externalCallId)}].status === 'COMPLETED'`, 15_000);
    await frame.locator('[data-testid="wrapup"]').waitFor();
    expect(await frame.locator('[data-testid="ended"]').innerText()).toBe('Answered');
    await frame.locator('select[name="disposition"]').selectOption({ label: 'Connected' });
    await frame.locator('textarea[name="notes"]').fill('Wants the demo on Tuesday');
    await frame.getByRole('button', { name: 'Save to HubSpot' }).click();
    await until(page, `!!window.hubspotHost.state.calls[${JSON.stringify(call.externalCallId)}].completed`);
    await frame.locator('input[name="number"]').waitFor(); // ready for the next call

    // centralita's HubSpot logger writes the call once, with the outcome and the notes.
    const logged = await waitFor(() => [...fake.calls.values()].find((c) => c.properties.hs_call_body?.includes('Wants the demo on Tuesday')), 30_000, 'the call engagement');
    expect(logged.properties).toMatchObject({ hs_call_disposition: CONNECTED, hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED' });
    expect(logged.properties.centralita_record_id).toBeTruthy();
    expect(fake.associations.filter((a) => a.fromCall === logged.id).map((a) => a.toContact)).toEqual([contactId]);
    // Nothing more arrives: no second engagement for the call, none from the SDK path.
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.calls.size).toBe(1);
    s = await hostState(page);
    expect(sdkWrites).toEqual([]);
    expect(s.engagements).toEqual([]);
    expect(s.updates).toEqual([]);
    expect(s.calls[call.externalCallId]!.completed).toMatchObject({ engagementProperties: undefined });
    expect(s.received.map((m) => m.type)).toEqual(['INITIALIZED', 'LOGGED_IN', 'OUTGOING_CALL_STARTED', 'CALL_ANSWERED', 'CALL_ENDED', 'CALL_COMPLETED']);
    expect(s.errors).toEqual([]);
    expect(s.unknown).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('the fake host does create HubSpot\'s own engagement when an extension asks for one (createEngagement: true)', async () => {
    // A minimal extension on the SDK as HubSpot's demo app uses it: proves this host counts SDK engagements.
    const ctx = await h.context({ locale: 'en-US' });
    await ctx.route('https://naive.example/**', (route) => {
      const p = new URL(route.request().url()).pathname;
      if (p === '/sdk.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(SDK_UMD, 'utf8') });
      return route.fulfill({ contentType: 'text/html', body: `<!doctype html><script src="/sdk.js"></script><script>
        const id = 'naive-1';
        const cti = new window.default({ debugMode: false, eventHandlers: {
          onReady: () => { cti.initialized({ isLoggedIn: true }); cti.userLoggedIn(); },
          onDialNumber: (d) => cti.outgoingCall({ externalCallId: id, toNumber: d.phoneNumber, fromNumber: '+576015550100', callStartTime: Date.now(), createEngagement: true }),
          onCreateEngagementSucceeded: (d) => {
            cti.callAnswered({ externalCallId: id });
            cti.callEnded({ externalCallId: id, engagementId: d.engagementId, callEndStatus: 'COMPLETED' });
            cti.callCompleted({ externalCallId: id, engagementId: d.engagementId, engagementProperties: { hs_call_body: 'naive notes' } });
          },
        } });
      </script>` });
    });
    await hubspotOrigin(ctx, 'https://naive.example/ext.html');
    const page = await ctx.newPage();
    const before = fake.calls.size;
    const writes = sdkWrites.length;
    await page.goto(`https://app.hubspot.com/contacts/${PORTAL}/record/0-1/${contactId}`);
    await until(page, 'window.hubspotHost.state.loggedIn === true');
    await page.locator('#call-contact').click();
    await until(page, 'window.hubspotHost.state.updates.length === 1', 15_000);
    const s = await hostState(page);
    expect(s.engagements).toHaveLength(1);
    expect(sdkWrites.length - writes).toBe(2);
    expect(fake.calls.size).toBe(before + 1);
    expect(fake.calls.get(s.engagements[0]!)?.properties.hs_call_body).toBe('naive notes');
    await ctx.close();
  }, 60_000);

  it('only HubSpot may frame the extension page, and no other page of the app', async () => {
    const ext = await fetch(`${h.url}/hubspot/calling`);
    expect(ext.status).toBe(200);
    expect(ext.headers.get('content-security-policy')).toMatch(/(^|; )frame-ancestors https:\/\/app\.hubspot\.com https:\/\/app-eu1\.hubspot\.com(;|$)/);
    expect(ext.headers.get('x-frame-options')).toBeNull();
    const agent = await fetch(`${h.url}/login`);
    expect(agent.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // Another site framing the extension gets nothing.
    const ctx = await h.context();
    await ctx.route('https://elsewhere.example/**', (route) => route.fulfill({ contentType: 'text/html', body: `<iframe id="x" src="${h.url}/hubspot/calling"></iframe>` }));
    const page = await ctx.newPage();
    const blocked = page.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 10_000 });
    await page.goto('https://elsewhere.example/');
    expect((await blocked).text()).toContain('violates the following Content Security Policy directive');
    // HubSpot framing the app's console page (not the extension) is refused too.
    await hubspotOrigin(ctx, `${h.url}/agent`);
    const refused = page.waitForEvent('console', { predicate: (m) => /frame-ancestors 'none'/.test(m.text()), timeout: 10_000 });
    await page.goto(`https://app.hubspot.com/contacts/${PORTAL}/record/0-1/${contactId}`);
    await refused;
    await ctx.close();
  }, 60_000);
});
