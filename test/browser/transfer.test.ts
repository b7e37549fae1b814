/// <reference lib="dom" />
// Transfers from the agent console's softphone (issue 19), in Chromium with two agents' consoles
// (fake microphones playing a tone) against the real app and its embedded simulator (SIP over
// WebSocket, WebRTC media): a caller answered by Carla in the browser → blind transfer to the
// sales queue → Ana answers in her browser, with two-way audio; Carla in wrap-up. Then Ana
// consults Carla (the caller on music on hold), Carla answers in her browser, Ana completes: the
// caller talks with Carla (two-way audio again), Ana in wrap-up; the record lists both transfers.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { CallRecord } from '../../src/domain/call-record.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from './web-harness.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';
import { toneWav } from '../helpers/tone.ts';

interface SipStats { registrations: Record<string, string>; dialogs: { channelId: string; resource: string; state: string }[] }

describe('transfers from the softphone (chromium, WebRTC)', () => {
  let h: WebHarness;
  const simGet = async <T,>(path: string): Promise<T> => {
    const s = h.app.sim!;
    const r = await fetch(`${s.url}/_sim${path}`, { headers: { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}` } });
    return (await r.json()) as T;
  };
  const mohOn = async (id: string) => (await simGet<{ transcript: { kind: string; on?: boolean }[] }>(`/channels/${id}`)).transcript.filter((t) => t.kind === 'moh').at(-1)?.on === true;
  const records: CallRecord[] = [];
  const live = (callId: string) => h.app.acd.liveCalls().find((c) => c.callId === callId);

  beforeAll(async () => {
    const wav = join(process.env.TMPDIR ?? '/tmp', `centralita-fake-mic-xfer-${process.pid}.wav`);
    toneWav(wav, 1000, 2);
    h = await startWebHarness({
      databaseUrl: await createTestDatabase('web_transfer'),
      chromiumArgs: [
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
        '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
      ],
    });
    await h.user('carla', ['agent'], { agentId: 'carla', displayName: 'Carla Ruiz' });
    await h.user('ana', ['agent'], { agentId: 'ana', displayName: 'Ana Gómez' });
    h.app.bus.on('call.record', (r) => records.push(r));
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  async function console(agentId: string, endpoint: string): Promise<Page> {
    await h.sim.phone(endpoint, { webrtc: true });
    const ctx = await h.context({ locale: 'en-US' });
    await ctx.grantPermissions(['microphone'], { origin: h.url });
    const page = await ctx.newPage();
    await h.signIn(page, agentId);
    await page.waitForURL((u) => u.pathname === '/agent');
    await page.waitForSelector('[data-testid="softphone"][data-reg="registered"]', { timeout: 20_000 });
    await waitFor(() => h.app.acd.agent(agentId)?.device === 'available', 10_000, `${agentId} registered for the ACD`);
    await page.getByRole('button', { name: 'Log in to my queues' }).click();
    await page.waitForSelector('.statebar[data-state="available"]');
    return page;
  }

  async function answer(page: Page): Promise<void> {
    await page.waitForSelector('[data-testid="softphone"][data-call="ringing"]', { timeout: 20_000 });
    await page.getByRole('button', { name: 'Answer' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="connected"]', { timeout: 15_000 });
  }

  /** The caller's tone in this browser, and this browser's tone at the PBX on the agent's leg. */
  async function twoWayAudio(page: Page, resource: string): Promise<{ rx: number; pbxDbfs: number }> {
    await waitFor(async () => Number(await page.locator('[data-testid="rx-level"]').getAttribute('data-level')) > 0.05, 15_000, `caller audio in ${resource}'s browser`);
    const leg = await waitFor(async () => (await simGet<SipStats>('/sip')).dialogs.find((d) => d.resource === resource && d.state === 'confirmed'), 10_000, `${resource}'s leg`);
    const m = await waitFor(async () => { const x = await simGet<{ packetsIn: number; rmsDbfs: number | null }>(`/sip/media/${leg.channelId}`); return x.packetsIn > 50 && x.rmsDbfs !== null ? x : undefined; }, 15_000, `${resource}'s audio at the PBX`);
    return { rx: Number(await page.locator('[data-testid="rx-level"]').getAttribute('data-level')), pbxDbfs: m.rmsDbfs! };
  }

  it('blind to a queue, answered by another agent in the browser; then an attended transfer back, consult and complete', async () => {
    const carla = await console('carla', 'PJSIP/1003');
    const ana = await console('ana', 'PJSIP/1001');

    // A caller for support (2 + account): Carla answers in her browser.
    const caller = await h.sim.call('3007654321', { script: { digits: '2123456#', digitsAfterMs: 300, digitGapMs: 150 } });
    await answer(carla);
    const callId = await waitFor(() => h.app.acd.liveCalls().find((c) => c.agentId === 'carla' && c.phase === 'bridged')?.callId, 15_000, 'carla bridged');

    // Blind transfer to the sales queue from the softphone panel.
    await carla.waitForSelector('[data-testid="transfer"][data-consult="none"] select[name="transfer-target"] option[value="queue:sales"]', { state: 'attached' });
    await carla.locator('select[name="transfer-target"]').selectOption('queue:sales');
    await carla.getByRole('button', { name: 'Transfer', exact: true }).click();
    await carla.waitForSelector('[data-testid="softphone"][data-call="idle"]', { timeout: 15_000 });
    await carla.waitForSelector('[data-testid="wrapup-form"]', { timeout: 15_000 });
    expect(h.app.acd.agent('carla')?.state).toBe('wrapUp');

    // Sales rings Ana (linear, Bruno is logged out): she answers in her browser, two-way audio.
    await answer(ana);
    await waitFor(() => live(callId)?.agentId === 'ana' && live(callId)?.phase === 'bridged', 15_000, 'ana has the caller');
    const a1 = await twoWayAudio(ana, '1001');
    expect(a1.rx).toBeGreaterThan(0.05);
    expect(a1.pbxDbfs).toBeGreaterThan(-30);

    // Carla finishes her wrap-up; Ana consults her (attended): the caller hears music on hold.
    await h.app.acd.endWrapUp('carla', callId);
    await waitFor(() => h.app.acd.agent('carla')?.state === 'available', 10_000, 'carla available');
    await ana.waitForSelector('select[name="transfer-target"] option[value="agent:carla"]', { state: 'attached' });
    await ana.locator('select[name="transfer-target"]').selectOption('agent:carla');
    await ana.getByRole('button', { name: 'Consult', exact: true }).click();
    await ana.waitForSelector('[data-testid="transfer"][data-consult="ringing"]', { timeout: 10_000 });
    await waitFor(async () => mohOn(caller), 10_000, 'the caller on music on hold');
    await answer(carla);
    await ana.waitForSelector('[data-testid="transfer"][data-consult="talking"]', { timeout: 15_000 });
    expect(await mohOn(caller)).toBe(true);

    // Complete: the caller with Carla, Ana's leg ends and she goes to wrap-up.
    await ana.getByRole('button', { name: 'Complete transfer' }).click();
    await ana.waitForSelector('[data-testid="softphone"][data-call="idle"]', { timeout: 15_000 });
    await ana.waitForSelector('[data-testid="wrapup-form"]', { timeout: 15_000 });
    await waitFor(() => live(callId)?.agentId === 'carla', 10_000, 'carla has the caller');
    const c2 = await twoWayAudio(carla, '1003');
    expect(c2.rx).toBeGreaterThan(0.05);
    expect(c2.pbxDbfs).toBeGreaterThan(-30);

    // Carla hangs up: one record with both transfers, ending with Carla.
    await carla.getByRole('button', { name: 'Hang up' }).click();
    await waitFor(async () => (await simGet<{ alive: boolean }>(`/channels/${caller}`)).alive === false, 15_000, 'caller gone');
    expect(await mohOn(caller)).toBe(false);
    const rec = await waitFor(() => records.find((r) => r.id === `cr-${callId}`), 15_000, 'the call record');
    expect(rec.agent).toMatchObject({ id: 'carla' });
    expect(rec.disposition).toBe('answered');
    expect(rec.transfers).toEqual([
      expect.objectContaining({ kind: 'blind', by: expect.stringContaining('carla'), from: expect.objectContaining({ agentId: 'carla' }), to: expect.objectContaining({ type: 'queue', id: 'sales' }), answeredBy: expect.objectContaining({ agentId: 'ana' }), outcome: 'completed' }),
      expect.objectContaining({ kind: 'attended', from: expect.objectContaining({ agentId: 'ana' }), to: expect.objectContaining({ type: 'agent', id: 'carla' }), answeredBy: expect.objectContaining({ agentId: 'carla' }), outcome: 'completed' }),
    ]);
    // Only the agent on the call (or a supervisor) may transfer it: Ana's session cannot move Carla's call.
    const refused = await ana.evaluate(async () => { const r = await fetch('/api/agents/carla/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'blind', to: { type: 'queue', id: 'sales' } }) }); return r.status; });
    expect(refused).toBe(403);
    // The audit log has each step, by the agent who asked.
    await h.user('boss', ['admin']);
    const adminCtx = await h.context({ locale: 'en-US' });
    const admin = await adminCtx.newPage();
    await h.signIn(admin, 'boss');
    const audit = await admin.evaluate(async () => (await (await fetch('/api/audit?limit=100')).json()) as { entries: { action: string; actor?: string; target?: string; detail?: Record<string, unknown> }[] });
    const steps = audit.entries.filter((e) => e.action.startsWith('call.transfer')).map((e) => `${e.action} ${e.target} by ${e.actor}`).reverse();
    // The refused attempt is audited too (the access layer records refusals).
    expect(steps.slice(0, 3)).toEqual([expect.stringMatching(/^call\.transfer agent:carla by .*carla/), expect.stringMatching(/^call\.transfer agent:ana by .*ana/), expect.stringMatching(/^call\.transfer\.complete agent:ana by .*ana/)]);
    expect(steps).toHaveLength(4);
    expect(steps[3]).toMatch(/^call\.transfer agent:carla by .*ana/);
    await adminCtx.close();
    await carla.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/centralita-transfer-test.png`, fullPage: true });
  }, 240_000);
});
