/// <reference lib="dom" />
// The agent console's softphone in Chromium (fake microphone playing a 1 kHz tone) against the
// real app and its embedded simulator speaking SIP over WebSocket with WebRTC media: sign in →
// registered → a caller queued → offer with the screen pop → answer in the browser → two-way
// audio (the caller's tone measured in the browser's RTP statistics, the agent's tone in the
// simulator's recording of the leg) → DTMF → hold/resume → hang up → wrap-up; then the
// registration is lost (the PBX drops the WebSocket) and regained by JsSIP on its own; then an
// outbound call from the softphone's dial box through the PBX's dialplan.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHarness, type WebHarness } from './web-harness.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';
import { toneWav } from '../helpers/tone.ts';

interface SipStats { registrations: Record<string, string>; dialogs: { channelId: string; resource: string; state: string; held: boolean }[] }

describe('softphone in the agent console (chromium, WebRTC)', () => {
  let h: WebHarness;
  const simGet = async <T,>(path: string): Promise<T> => {
    const s = h.app.sim!;
    const r = await fetch(`${s.url}/_sim${path}`, { headers: { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}` } });
    return (await r.json()) as T;
  };
  const simPost = async (path: string) => {
    const s = h.app.sim!;
    await fetch(`${s.url}/_sim${path}`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}`, 'content-type': 'application/json' }, body: '{}' });
  };
  const device = async () => (await h.api<{ agents: { id: string; device: string }[] }>('/api/agents')).body.agents.find((a) => a.id === 'carla')?.device;

  beforeAll(async () => {
    const wav = join(process.env.TMPDIR ?? '/tmp', `centralita-fake-mic-${process.pid}.wav`);
    toneWav(wav, 1000, 2);
    h = await startWebHarness({
      databaseUrl: await createTestDatabase('web_softphone'),
      chromiumArgs: [
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}`,
        '--autoplay-policy=no-user-gesture-required',
        // ICE between the browser and the simulator on 127.0.0.1 (host candidates, no mDNS names).
        '--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns',
      ],
    });
    await h.user('carla', ['agent'], { agentId: 'carla', displayName: 'Carla Ruiz' });
  }, 90_000);
  afterAll(async () => { await h?.stop(); });

  it('says so when the agent has a desk phone, and starts no softphone', async () => {
    await h.user('bruno', ['agent'], { agentId: 'bruno' });
    const ctx = await h.context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await h.signIn(page, 'bruno');
    await page.waitForSelector('[data-testid="softphone"][data-reg="none"]', { timeout: 15_000 });
    expect(await page.locator('[data-testid="softphone"] [data-fig="registration"]').innerText()).toBe('Your calls ring on your desk phone');
    expect((await simGet<SipStats>('/sip')).registrations).toEqual({});
    await ctx.close();
  });

  it('registers, answers an ACD offer in the browser with two-way audio, DTMF, hold, hang up; loses and regains the registration', async () => {
    // Carla's endpoint is a WebRTC one (pjsip.conf `webrtc = yes`; the simulator's control API here).
    await h.sim.phone('PJSIP/1003', { webrtc: true });
    const ctx = await h.context({ locale: 'en-US' });
    await ctx.grantPermissions(['microphone'], { origin: h.url });
    const page = await ctx.newPage();
    await h.signIn(page, 'carla');
    await page.waitForURL((u) => u.pathname === '/agent');
    // The console fetched credentials and JsSIP registered PJSIP/1003 over the WebSocket.
    await page.waitForSelector('[data-testid="softphone"][data-reg="registered"]', { timeout: 20_000 });
    expect(Object.keys((await simGet<SipStats>('/sip')).registrations)).toEqual(['1003']);
    await waitFor(async () => (await device()) === 'available', 10_000, 'carla registered for the ACD');

    await page.getByRole('button', { name: 'Log in to my queues' }).click();
    await page.waitForSelector('.statebar[data-state="available"]');

    // A caller chooses support (2) and types the account number; the ACD offers carla.
    const caller = await h.sim.call('3007654321', { script: { digits: '2123456#', digitsAfterMs: 300, digitGapMs: 150 } });
    await page.waitForSelector('[data-testid="screen-pop"][data-state="ringing"]', { timeout: 20_000 });
    await page.waitForSelector('[data-testid="softphone"][data-call="ringing"]', { timeout: 15_000 });
    // The softphone shows the caller (the ACD leg's From is the caller's id, as on Asterisk), not "anonymous".
    expect(await page.locator('[data-testid="softphone"] [data-fig="remote"]').innerText()).toContain('3007654321');
    await page.getByRole('button', { name: 'Answer' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="connected"]', { timeout: 15_000 });
    await page.waitForSelector('[data-testid="screen-pop"][data-state="connected"]', { timeout: 15_000 });
    const leg = (await simGet<SipStats>('/sip')).dialogs.find((d) => d.resource === '1003')!;
    expect(leg.state).toBe('confirmed');

    // Two-way audio: the caller's tone reaches the browser, the agent's microphone the PBX.
    const rxLevel = async () => Number(await page.locator('[data-testid="rx-level"]').getAttribute('data-level'));
    await waitFor(async () => (await rxLevel()) > 0.05, 15_000, 'caller audio in the browser');
    expect(await rxLevel()).toBeGreaterThan(0.05); // audioLevel of a −16 dBFS tone ≈ 0.16; silence is 0
    const pbx = await waitFor(async () => { const m = await simGet<{ packetsIn: number; rmsDbfs: number | null }>(`/sip/media/${leg.channelId}`); return m.packetsIn > 50 ? m : undefined; }, 15_000, 'agent audio at the PBX');
    expect(pbx.rmsDbfs).not.toBeNull();
    expect(pbx.rmsDbfs!).toBeGreaterThan(-30); // the fake microphone's 1 kHz tone (about −12 dBFS)
    expect((await simGet<{ codec: string }>(`/sip/media/${leg.channelId}`)).codec).toBe('pcmu'); // the PBX offers ulaw first (allow = ulaw,opus)

    // DTMF from the keypad reaches the channel: RFC 4733 in the media (the PBX offered
    // telephone-event; Chromium's RTCDTMFSender), not INFO.
    await page.locator('.keypad button[data-key="5"]').click();
    await waitFor(async () => (await simGet<{ transcript: { kind: string; digit?: string }[] }>(`/channels/${leg.channelId}`)).transcript.some((t) => t.kind === 'dtmf-sent' && t.digit === '5'), 10_000, 'DTMF 5 on the agent leg');
    expect((await simGet<{ rtpDtmf: number }>(`/sip/media/${leg.channelId}`)).rtpDtmf).toBe(1);

    // Hold and resume (re-INVITE sendonly / sendrecv).
    await page.getByRole('button', { name: 'Hold' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="held"]');
    await waitFor(async () => (await simGet<SipStats>('/sip')).dialogs.find((d) => d.channelId === leg.channelId)?.held === true, 10_000, 'held at the PBX');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="connected"]');
    // The browser shows "connected" once its re-INVITE is answered; the PBX notes the resume as
    // it takes the call off hold, which can come a moment later (CI saw it race).
    const holdTranscript = async () => (await simGet<{ transcript: { kind: string; on?: boolean }[] }>(`/channels/${leg.channelId}`)).transcript.filter((t) => t.kind === 'hold').map((t) => t.on);
    await waitFor(async () => (await holdTranscript()).length >= 2, 10_000, 'resumed at the PBX');
    expect(await holdTranscript()).toEqual([true, false]);

    // Mute toggles the indicator.
    await page.getByRole('button', { name: 'Mute' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-muted="yes"]');
    await page.getByRole('button', { name: 'Unmute' }).click();

    // The agent hangs up in the browser: the caller's call ends and the wrap-up opens.
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="idle"]');
    await waitFor(async () => (await simGet<{ alive: boolean }>(`/channels/${caller}`)).alive === false, 15_000, 'caller gone');
    await page.waitForSelector('[data-testid="wrapup-form"]', { timeout: 15_000 });

    // Registration lost: the PBX drops every softphone WebSocket. The console shows it, the ACD
    // stops offering carla, and JsSIP reconnects and registers again by itself.
    await simPost('/sip/drop');
    await page.waitForSelector('[data-testid="softphone"]:not([data-reg="registered"])', { timeout: 10_000 });
    await waitFor(async () => (await device()) === 'unavailable', 10_000, 'carla unavailable while unregistered');
    await page.waitForSelector('[data-testid="softphone"][data-reg="registered"]', { timeout: 45_000 });
    await waitFor(async () => (await device()) === 'available', 10_000, 'carla available again');

    // A direct call (desk phone 1001 dials 1003) rings the browser; the caller gives up: a missed call.
    const s = h.app.sim!;
    const direct = await fetch(`${s.url}/_sim/calls`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: '1001', to: '1003', endpoint: 'PJSIP/1001', context: 'from-internal', callerName: 'Ana Gómez' }) });
    const { channelId: deskCall } = (await direct.json()) as { channelId: string };
    await page.waitForSelector('[data-testid="softphone"][data-call="ringing"]', { timeout: 15_000 });
    expect(await page.locator('[data-testid="phone-call"] [data-fig="remote"]').innerText()).toContain('1001');
    await h.sim.hangup(deskCall);
    await page.waitForSelector('[data-testid="softphone"][data-call="idle"]', { timeout: 10_000 });
    expect(await page.locator('[data-testid="missed-calls"] li').allInnerTexts()).toEqual([expect.stringContaining('Ana Gómez') as unknown as string]);

    // An outbound call from the softphone: the PBX's dialplan (from-internal) takes it out the trunk.
    await page.locator('input[name="softphone-number"]').fill('3001112233');
    await page.getByRole('button', { name: 'Dial', exact: true }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="connecting"]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="softphone"][data-call="connected"]', { timeout: 20_000 });
    const out = (await simGet<SipStats & { dialogs: { direction: string }[] }>('/sip')).dialogs.find((d) => d.resource === '1003')!;
    expect(out).toMatchObject({ direction: 'from-phone', state: 'confirmed' });
    await waitFor(async () => Number(await page.locator('[data-testid="rx-level"]').getAttribute('data-level')) > 0.05, 15_000, 'far end audio on the outbound call');
    // Chromium's own offer puts Opus first: the simulator answers with it, audio both ways.
    const outMedia = await waitFor(async () => { const m = await simGet<{ codec: string; packetsIn: number; rmsDbfs: number | null }>(`/sip/media/${out.channelId}`); return m.packetsIn > 50 ? m : undefined; }, 15_000, 'agent audio on the outbound call');
    expect(outMedia.codec).toBe('opus');
    expect(outMedia.rmsDbfs!).toBeGreaterThan(-30);
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.waitForSelector('[data-testid="softphone"][data-call="idle"]');
    await waitFor(async () => (await simGet<{ alive: boolean }>(`/channels/${out.channelId}`)).alive === false, 10_000, 'outbound leg gone');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/centralita-softphone-test.png`, fullPage: true });
    await ctx.close();
  }, 180_000);
});
