// The simulated PBX's SIP over WebSocket with real WebRTC media, driven by a small softphone
// built on the `sip` package and werift (test/helpers/sip-phone.ts); the browser test does the
// same with JsSIP in Chromium. Real clock (media needs it); waits are on events, not sleeps.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { SipPhone } from '../../helpers/sip-phone.ts';
import { waitFor } from '../../helpers/wait.ts';

type Ev = Record<string, unknown> & { type: string };

describe('simulator: SIP over WebSocket (RFC 7118) with WebRTC media', () => {
  let sim: Simulator;
  let phone: SipPhone | undefined;
  let ari: WebSocket | undefined;
  const events: Ev[] = [];
  const auth = { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') };
  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, { method, headers: { ...auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeEach(async () => {
    events.length = 0;
    sim = await startSimulator({
      user: 'u', password: 'p', writableSorcery: ['auth'],
      endpoints: [
        { technology: 'PJSIP', resource: 'trunk', trunk: true, context: 'from-pstn' },
        { technology: 'PJSIP', resource: 'agent-7', context: 'from-internal', dynamic: true },
      ],
      dialplan: {
        'from-pstn': {
          '_X!': [{ app: 'Answer' }, { app: 'Dial', endpoint: 'PJSIP/agent-7', timeoutSec: 20 }, { app: 'Hangup' }],
          '6015550300': [{ app: 'Stasis', appName: 'centralita', args: ['inbound'] }],
        },
        'from-internal': { '_X!': [{ app: 'Hangup' }] },
      },
    });
    ari = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=centralita&api_key=u:p`);
    ari.on('message', (d) => events.push(JSON.parse(String(d)) as Ev));
    await new Promise<void>((r, j) => { ari!.once('open', () => r()); ari!.once('error', j); });
    await rest('POST', '/ari/applications/centralita/subscription?eventSource=endpoint:PJSIP/agent-7');
    await rest('POST', '/ari/applications/centralita/subscription?eventSource=deviceState:PJSIP/agent-7');
  });
  afterEach(async () => {
    await phone?.close();
    phone = undefined;
    ari?.close();
    await sim.close();
  });

  const contactStatuses = () => events.filter((e) => e.type === 'ContactStatusChange').map((e) => (e.contact_info as { contact_status: string }).contact_status);

  it('registers with digest auth against the auth object pushed over ARI, and refuses a wrong password', async () => {
    // The credentials the app issues, as Asterisk's dynamic configuration takes them.
    const put = await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'username', value: 'agent-7' }, { attribute: 'password', value: 's3cret-one' }] });
    expect(put.status).toBe(200);
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 's3cret-one');
    await phone.connect();

    const wrong = await phone.register(600, 'not-it');
    expect(wrong.status).toBe(401); // a fresh challenge, as res_pjsip_authenticator_digest answers
    expect((await rest('GET', '/ari/endpoints/PJSIP/agent-7')).body).toMatchObject({ state: 'offline' });

    const ok = await phone.register(600);
    expect(ok.status).toBe(200);
    expect((ok.headers.contact as unknown as { params: { expires: string } }[])[0]!.params.expires).toBe('600');
    expect((await rest('GET', '/ari/endpoints/PJSIP/agent-7')).body).toMatchObject({ state: 'online' });
    await waitFor(() => contactStatuses().length === 1);
    expect(contactStatuses()).toEqual(['NonQualified']);

    // Rotated credentials: the old password no longer registers.
    await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'password', value: 's3cret-two' }] });
    expect((await phone.register(600, 's3cret-one')).status).toBe(401);

    // The WebSocket goes away (a browser tab closed): the contact is removed.
    sim.control.sip.dropConnections();
    await waitFor(() => contactStatuses().length === 2);
    expect(contactStatuses()).toEqual(['NonQualified', 'Removed']);
    expect((await rest('GET', '/ari/endpoints/PJSIP/agent-7')).body).toMatchObject({ state: 'offline' });
    // The device state follows the registration, as Asterisk aggregates a PJSIP device.
    expect(events.filter((e) => e.type === 'DeviceStateChanged').map((e) => (e.device_state as { state: string }).state)).toEqual(['NOT_INUSE', 'UNAVAILABLE']);
    expect(sim.control.sip.stats()).toMatchObject({ registrations: {}, badMessages: 0, dialogs: [] });
  });

  it('rings the registered phone, two-way audio, INFO DTMF, re-INVITE hold, BYE from the phone', async () => {
    await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'username', value: 'agent-7' }, { attribute: 'password', value: 'pw-7' }] });
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 'pw-7');
    phone.autoAnswer = { afterMs: 50 };
    await phone.connect();
    expect((await phone.register()).status).toBe(200);

    const callerId = sim.control.placeCall({ from: '+573001112233', to: '6015550100', callerName: 'Ana' });
    const invite = await phone.next((m) => m.method === 'ACK');
    expect(invite.method).toBe('ACK');
    // The agent's channel is outside Stasis (no ARI events): the simulator names it in its INVITE.
    const legId = String(phone.call!.invite.headers['x-centralita-channel']);
    const agentLeg = () => ({ id: legId });
    // The caller's voice reaches the phone and the phone's reaches the simulator's recording.
    await waitFor(() => (phone!.call?.media.stats().packetsIn ?? 0) > 50, 20_000);
    await waitFor(() => (sim.control.sip.media(agentLeg()!.id)?.packetsIn ?? 0) > 50, 20_000);
    const atPhone = phone.call!.media.stats();
    const atPbx = sim.control.sip.media(agentLeg()!.id)!;
    expect(atPhone.rmsDbfs).toBeGreaterThan(-30); // 440 Hz at about -16 dBFS
    expect(atPbx.rmsDbfs).toBeGreaterThan(-30); // the phone's 1 kHz tone
    expect(atPbx.connectionState).toBe('connected');
    expect(atPbx.codec).toBe('pcmu'); // offered first, as the WebRTC template's allow = ulaw,opus

    expect((await phone.dtmf('5')).status).toBe(200);
    expect(sim.control.transcript(agentLeg()!.id).filter((t) => t.kind === 'dtmf-sent').map((t) => (t as { digit: string }).digit)).toEqual(['5']);
    // RFC 4733 in the media (the simulator offers telephone-event/8000): each key once, however
    // many packets carry it (the end packet goes three times).
    expect(phone.call!.invite.content).toMatch(/a=rtpmap:101 telephone-event\/8000/);
    phone.rtpDtmf('7');
    phone.rtpDtmf('#', 160);
    const keys = () => sim.control.transcript(agentLeg()!.id).filter((t) => t.kind === 'dtmf-sent').map((t) => (t as { digit: string }).digit);
    await waitFor(() => keys().length === 3, 5000, 'RFC 4733 keys on the channel');
    expect(keys()).toEqual(['5', '7', '#']);
    expect(sim.control.sip.media(agentLeg()!.id)!.rtpDtmf).toBe(2);

    const held = await phone.hold(true);
    expect(held.status).toBe(200);
    expect(held.content).toMatch(/a=recvonly|a=inactive/);
    await phone.hold(false);
    expect(sim.control.transcript(legId).filter((t) => t.kind === 'hold').map((t) => (t as { on: boolean }).on)).toEqual([true, false]);

    expect((await phone.inDialog('BYE')).status).toBe(200);
    await waitFor(() => sim.control.channel(callerId)?.alive === false);
    await waitFor(() => sim.control.sip.media(agentLeg()!.id)?.wavPath !== undefined);
  });

  it('an ACD leg (originate with the caller as originator) shows the caller in From, as chan_pjsip does', async () => {
    await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'username', value: 'agent-7' }, { attribute: 'password', value: 'pw-7' }] });
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 'pw-7');
    await phone.connect();
    expect((await phone.register()).status).toBe(200);
    const caller = sim.control.placeCall({ from: '+573001112233', to: '6015550300', callerName: 'Ana Gómez' });
    await waitFor(() => events.some((e) => e.type === 'StasisStart' && (e.channel as { id: string }).id === caller));
    // What centralita's ACD does (src/acd/legs.ts): no callerId, the caller as originator.
    expect((await rest('POST', `/ari/channels?endpoint=PJSIP/agent-7&app=centralita&appArgs=agent-leg&originator=${caller}`)).status).toBe(200);
    const inv = await phone.next((m) => m.method === 'INVITE');
    // Asterisk 22.10.1 (the lab, test/asterisk/softphone/media.test.ts): From: "Cliente Lab" <sip:ct-caller@vm>
    expect(inv.headers.from).toMatchObject({ name: '"Ana Gómez"', uri: expect.stringMatching(/^sip:\+573001112233@/) });
    // An explicit callerId wins over the originator's (resource_channels.c sets it after the prerun).
    expect((await rest('POST', `/ari/channels?endpoint=PJSIP/agent-7&app=centralita&appArgs=agent-leg&originator=${caller}&callerId=${encodeURIComponent('"Ventas" <6015550300>')}`)).status).toBe(200);
    const second = await phone.next((m) => m.method === 'INVITE' && m.headers['call-id'] !== inv.headers['call-id']);
    expect(second.headers.from).toMatchObject({ name: '"Ventas"', uri: expect.stringMatching(/^sip:6015550300@/) });
  });

  it('a phone with only Opus gets Opus: audio both ways and RFC 4733 at 48 kHz', async () => {
    await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'username', value: 'agent-7' }, { attribute: 'password', value: 'pw-7' }] });
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 'pw-7');
    phone.codecs = ['opus'];
    phone.autoAnswer = { afterMs: 50 };
    await phone.connect();
    expect((await phone.register()).status).toBe(200);
    sim.control.placeCall({ from: '+573001112233', to: '6015550100', callerName: 'Ana' });
    await phone.next((m) => m.method === 'ACK');
    const legId = String(phone.call!.invite.headers['x-centralita-channel']);
    await waitFor(() => (phone!.call?.media.stats().packetsIn ?? 0) > 50 && (sim.control.sip.media(legId)?.packetsIn ?? 0) > 50, 20_000, 'audio both ways');
    expect(sim.control.sip.media(legId)).toMatchObject({ codec: 'opus' });
    expect(phone.call!.media.stats().codec).toBe('opus');
    expect(phone.call!.media.stats().rmsDbfs).toBeGreaterThan(-30);
    expect(sim.control.sip.media(legId)!.rmsDbfs).toBeGreaterThan(-30);
    phone.rtpDtmf('9');
    await waitFor(() => sim.control.transcript(legId).some((t) => t.kind === 'dtmf-sent' && (t as { digit: string }).digit === '9'), 5000, 'RFC 4733 key at 48 kHz');
    expect((await phone.inDialog('BYE')).status).toBe(200);
  });

  it('an unregistered dynamic endpoint is not reachable (NO_ROUTE_DESTINATION), a registered one that never answers is CANCELled', async () => {
    const first = sim.control.placeCall({ from: '+573001112233', to: '6015550100' });
    // Dial fails at once and the dialplan hangs the caller up; nobody rang.
    await waitFor(() => sim.control.channel(first)?.alive === false);
    expect(sim.control.sip.stats().messagesOut).toBe(0);

    await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'username', value: 'agent-7' }, { attribute: 'password', value: 'pw' }] });
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 'pw');
    await phone.connect();
    expect((await phone.register()).status).toBe(200);
    const second = sim.control.placeCall({ from: '+573001112233', to: '6015550100' });
    await phone.next((m) => m.method === 'INVITE');
    sim.control.hangup(second);
    const cancel = await phone.next((m) => m.method === 'CANCEL');
    expect(cancel.headers['call-id']).toBe(phone.call!.callId);
  });

  it('REGISTER edge cases: Expires below the minimum (423), fetching bindings, unregistering with Expires 0', async () => {
    await rest('PUT', '/ari/asterisk/config/dynamic/res_pjsip/auth/agent-7', { fields: [{ attribute: 'username', value: 'agent-7' }, { attribute: 'password', value: 'pw' }] });
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 'pw');
    await phone.connect();
    const brief = await phone.register(30);
    expect(brief.status).toBe(423);
    expect(brief.headers['min-expires']).toBe('60');
    expect((await phone.register(120)).status).toBe(200);
    expect(sim.control.sip.stats().registrations).toHaveProperty('agent-7');
    const gone = await phone.register(0);
    expect(gone.status).toBe(200);
    expect(sim.control.sip.stats().registrations).toEqual({});
    expect((await rest('GET', '/ari/endpoints/PJSIP/agent-7')).body).toMatchObject({ state: 'offline' });
    await waitFor(() => contactStatuses().length === 2);
    expect(contactStatuses()).toEqual(['NonQualified', 'Removed']);
  });

  it('answers garbage with 400 and counts it, keeps working', async () => {
    phone = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'agent-7', 'x');
    await phone.connect();
    phone.send('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bKx\r\nCall-ID: abc\r\n\r\n');
    const bad = await phone.next((m) => m.status === 400);
    expect(bad.reason).toMatch(/Bad Request/);
    phone.send('not sip at all');
    await waitFor(() => sim.control.sip.stats().badMessages === 2);
    // Unknown endpoint: challenged like any other (res_pjsip's artificial endpoint), never registered.
    const unknown = new SipPhone(`${sim.url.replace('http', 'ws')}/ws`, 'nobody', 'x');
    await unknown.connect();
    expect((await unknown.register()).status).toBe(401);
    await unknown.close();
  });
});
