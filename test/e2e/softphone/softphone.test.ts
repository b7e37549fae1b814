// The app as `npm start` builds it (embedded simulator) with an agent on a SIP-over-WebSocket
// softphone (test/helpers/sip-phone.ts; the browser test does the same with JsSIP): the
// credentials come from the app and rotate, the endpoint is offline until the phone registers,
// the ACD offers a queued caller only to a registered agent, the call has two-way audio, and a
// lost registration takes the agent out of the offers until it comes back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';
import type { SoftphoneCredentials } from '../../../src/softphone/service.ts';
import { SipPhone } from '../../helpers/sip-phone.ts';
import { waitFor } from '../../helpers/wait.ts';
import { createTestDatabase } from '../../helpers/db.ts';

const FLOWS = resolve(import.meta.dirname, '../../fixtures/flows/softphone');
const PASSWORD = 'correct horse battery staple';

describe('softphone agent (SIP over WebSocket) with the ACD', () => {
  let app: RunningApp;
  let dataDir: string;
  let cookie = '';
  const phones: SipPhone[] = [];
  const simAuth = () => ({ authorization: `Basic ${Buffer.from(`${app.sim!.user}:${app.sim!.password}`).toString('base64')}`, 'content-type': 'application/json' });
  const asCarla = async (method: string, path: string) => {
    const r = await fetch(`${app.httpUrl}${path}`, { method, headers: { cookie, origin: app.httpUrl, 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body: '{}' }) });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as unknown, headers: r.headers };
  };
  const device = async () => ((await (await fetch(`${app.httpUrl}/api/agents`, { headers: { authorization: `Bearer ${app.token}` } })).json()) as { agents: { id: string; device: string; state: string }[] }).agents.find((a) => a.id === 'carla');
  const phoneFor = (c: SoftphoneCredentials) => { const p = new SipPhone(c.wsUrl, c.authorizationUser, c.password); phones.push(p); return p; };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'centralita-softphone-'));
    const config = loadConfig({
      HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', FLOWS_DIR: FLOWS, DATABASE_URL: await createTestDatabase('softphone'),
      CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results'),
    });
    app = await startCentralita(config, createLogger({ level: 'silent' }));
    await app.auth.createUser({ username: 'carla', password: PASSWORD, roles: ['agent'], agentId: 'carla' });
    await app.auth.createUser({ username: 'sofia', password: PASSWORD, roles: ['supervisor'], queues: ['*'] });
    const r = await fetch(`${app.httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: app.httpUrl }, body: JSON.stringify({ username: 'carla', password: PASSWORD }) });
    expect(r.status).toBe(200);
    cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  }, 90_000);
  afterAll(async () => {
    for (const p of phones) await p.close();
    await app?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('issues rotating credentials only to the agent themselves, and only for a WebRTC endpoint', async () => {
    // PJSIP/1003 is a desk phone (no webrtc=yes): the browser gets no credentials for it.
    const desk = await asCarla('POST', '/api/agents/carla/softphone');
    expect(desk.status).toBe(409);
    expect(desk.body).toMatchObject({ error: 'SOFTPHONE_NOT_WEBRTC' });
    // The admin makes it a WebRTC endpoint (pjsip.conf `webrtc = yes`; here the simulator's control API).
    expect((await fetch(`${app.sim!.url}/_sim/endpoints/PJSIP/1003`, { method: 'PUT', headers: simAuth(), body: JSON.stringify({ webrtc: true }) })).status).toBe(204);
    const first = await asCarla('POST', '/api/agents/carla/softphone');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const c1 = first.body as SoftphoneCredentials;
    expect(c1).toMatchObject({ uri: 'sip:1003@127.0.0.1', authorizationUser: '1003', endpoint: 'PJSIP/1003' });
    expect(c1.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const c2 = (await asCarla('POST', '/api/agents/carla/softphone')).body as SoftphoneCredentials;
    expect(c2.password).not.toBe(c1.password);
    // Someone else's credentials: refused (an agent acts on themselves only).
    expect((await asCarla('POST', '/api/agents/ana/softphone')).status).toBe(403);
    // The first password was rotated away: it no longer registers, the new one does.
    const stale = phoneFor(c1);
    await stale.connect();
    expect((await stale.register()).status).toBe(401);
    await stale.close();
  });

  it('offers a queued caller only while the softphone is registered; two-way audio; lost and regained registration', async () => {
    const creds = (await asCarla('POST', '/api/agents/carla/softphone')).body as SoftphoneCredentials;
    expect((await fetch(`${app.httpUrl}/api/agents/carla/login`, { method: 'POST', headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
    // A WebRTC endpoint: offline until the browser registers, and the ACD knows.
    await waitFor(async () => (await device())?.device === 'unavailable', 10_000, 'carla unavailable');

    const phone = phoneFor(creds);
    phone.autoAnswer = { afterMs: 300 };
    await phone.connect();
    expect((await phone.register(creds.registerExpires)).status).toBe(200);
    await waitFor(async () => (await device())?.device === 'available', 10_000, 'carla available');

    const placed = await fetch(`${app.sim!.url}/_sim/calls`, { method: 'POST', headers: simAuth(), body: JSON.stringify({ from: '3001234567', to: '6015550100' }) });
    const { channelId: callerId } = (await placed.json()) as { channelId: string };
    await phone.next((m) => m.method === 'ACK', 20_000);
    const legId = String(phone.call!.invite.headers['x-centralita-channel']);
    await waitFor(async () => (await device())?.state === 'onCall', 10_000, 'carla on the call');
    // The caller's voice in the phone, the phone's voice in the simulator's recording of the leg.
    await waitFor(() => (phone.call!.media.stats().packetsIn) > 50, 20_000, 'caller audio at the phone');
    const pbxMedia = async () => (await (await fetch(`${app.sim!.url}/_sim/sip/media/${legId}`, { headers: simAuth() })).json()) as { packetsIn: number; rmsDbfs: number | null };
    await waitFor(async () => (await pbxMedia()).packetsIn > 50, 20_000, 'agent audio at the PBX');
    expect(phone.call!.media.stats().rmsDbfs).toBeGreaterThan(-30);
    expect((await pbxMedia()).rmsDbfs).toBeGreaterThan(-30);
    expect((await phone.inDialog('BYE')).status).toBe(200);
    await waitFor(async () => ((await (await fetch(`${app.sim!.url}/_sim/channels/${callerId}`, { headers: simAuth() })).json()) as { alive: boolean }).alive === false, 15_000, 'caller hung up');

    // The registration is lost (the browser's socket drops): the ACD stops offering carla.
    await phone.close();
    await waitFor(async () => (await device())?.device === 'unavailable', 10_000, 'carla unavailable again');
    const second = await fetch(`${app.sim!.url}/_sim/calls`, { method: 'POST', headers: simAuth(), body: JSON.stringify({ from: '3009998877', to: '6015550100' }) });
    const { channelId: waiting } = (await second.json()) as { channelId: string };
    await waitFor(async () => ((await (await fetch(`${app.httpUrl}/api/queues/support`, { headers: { authorization: `Bearer ${app.token}` } })).json()) as { waitingNow: number }).waitingNow === 1, 15_000, 'caller waiting');

    // Regained: a new socket registers again and the waiting caller is offered at once.
    const again = phoneFor(creds);
    again.autoAnswer = { afterMs: 100 };
    await again.connect();
    expect((await again.register(creds.registerExpires)).status).toBe(200);
    await again.next((m) => m.method === 'ACK', 20_000);
    await waitFor(async () => (await device())?.state === 'onCall', 10_000, 'carla on the second call');
    await fetch(`${app.sim!.url}/_sim/channels/${waiting}/hangup`, { method: 'POST', headers: simAuth() });
    await again.next((m) => m.method === 'BYE', 15_000);
  }, 120_000);
});
