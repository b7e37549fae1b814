// The simulated world: phones with behaviours, numbers behind a trunk, callers with scripts,
// recordings on disk, sound lengths from WAV headers, chaos (dropped sockets), and bad input
// answered with Asterisk-shaped errors. Runs on a virtual clock: no sleeping.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createManualClock, startSimulator, type ManualClock, type Simulator } from '../../../src/sim/index.ts';
import { silentWav, wavDurationMs } from '../../../src/sim/wav.ts';

type Ev = Record<string, unknown> & { type: string };

class Harness {
  readonly sim: Simulator;
  readonly clock: ManualClock;
  readonly events: Ev[] = [];
  ws: WebSocket | undefined;
  constructor(sim: Simulator, clock: ManualClock) {
    this.sim = sim;
    this.clock = clock;
  }
  async connect(app = 'centralita'): Promise<void> {
    const ws = new WebSocket(`${this.sim.url.replace('http', 'ws')}/ari/events?app=${app}&api_key=u:p`);
    ws.on('message', (d) => this.events.push(JSON.parse(String(d)) as Ev));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.ws = ws;
  }
  /** Every event sent so far has arrived (ping/pong round trip on the same socket). */
  async settle(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    await new Promise<void>((resolve) => {
      ws.once('pong', () => resolve());
      ws.ping();
    });
  }
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }
  async rest(method: string, path: string, query: Record<string, string | number> = {}, body?: unknown): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.sim.url}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    const res = await fetch(url, {
      method,
      headers: { authorization: 'Basic ' + Buffer.from('u:p').toString('base64'), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    await this.settle();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
  of(channelId: string): string[] {
    return this.events.filter((e) => (e.channel as { id?: string } | undefined)?.id === channelId || (e.peer as { id?: string } | undefined)?.id === channelId).map((e) => {
      if (e.type === 'ChannelDestroyed') return `${e.type}(${String(e.cause)})`;
      if (e.type === 'Dial') return `Dial(${String(e.dialstatus)})`;
      if (e.type === 'ChannelDtmfReceived') return `DTMF(${String(e.digit)})`;
      return e.type;
    });
  }
}

describe('simulated world', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-ctl-'));
    mkdirSync(join(dir, 'sounds', 'es'), { recursive: true });
    writeFileSync(join(dir, 'sounds', 'es', 'bienvenida.wav'), silentWav(1234));
    const clock = createManualClock();
    const sim = await startSimulator({ user: 'u', password: 'p', clock, soundsDir: join(dir, 'sounds'), recordingsDir: join(dir, 'rec') });
    h = new Harness(sim, clock);
    await h.connect();
  });
  afterEach(async () => {
    h.ws?.close();
    await h.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('originates to phones and ends with the cause their behaviour implies', async () => {
    // As traced on Asterisk 22 (pjsip-reject-*, pjsip-ring-timeout): the cause comes from the SIP
    // response, the Dial status from the cause (603 and 404 say NOANSWER); an originate that
    // times out is only destroyed (cause 19, no final Dial event).
    const cases: [string, Record<string, unknown>, number, string | undefined][] = [
      ['busy', { behavior: 'busy', afterMs: 500 }, 17, 'BUSY'],
      ['reject', { behavior: 'reject' }, 21, 'NOANSWER'],
      ['unknown', { behavior: 'reject', sipStatus: 404 }, 1, 'NOANSWER'],
      ['congestion', { behavior: 'congestion' }, 34, 'CONGESTION'],
      ['unreachable', { behavior: 'unreachable' }, 3, 'CHANUNAVAIL'],
      ['noanswer', { behavior: 'noanswer' }, 19, undefined],
    ];
    for (const [name, behavior, cause, dialstatus] of cases) {
      expect((await h.rest('PUT', '/_sim/endpoints/PJSIP/1001', {}, behavior)).status).toBe(204);
      const id = `agent-${name}`;
      const r = await h.rest('POST', '/ari/channels', { endpoint: 'PJSIP/1001', app: 'centralita', channelId: id, timeout: 5 });
      expect(r.status).toBe(200);
      await h.advance(6000);
      const seq = h.of(id);
      expect(seq.at(-1), name).toBe(`ChannelDestroyed(${cause})`);
      if (dialstatus) expect(seq, name).toContain(`Dial(${dialstatus})`);
      else expect(seq.filter((x) => x.startsWith('Dial(') && x !== 'Dial()' && x !== 'Dial(RINGING)'), name).toEqual([]);
      expect(seq, name).not.toContain('StasisStart');
    }
  });

  it('an agent answers after N ms, presses digits, hangs up after N s; the transcript tells', async () => {
    h.sim.control.setEndpointBehavior('PJSIP', '1002', { behavior: 'answer', afterMs: 3000, digits: '12', digitsAfterMs: 1000, digitGapMs: 400, hangupAfterMs: 5000 });
    await h.rest('POST', '/ari/channels', { endpoint: 'PJSIP/1002', app: 'centralita', appArgs: 'agent,q1', channelId: 'ag1', callerId: '"Queue" <600>' });
    await h.advance(2999);
    expect(h.of('ag1')).toEqual(['Dial()', 'ChannelStateChange', 'Dial(RINGING)']);
    await h.advance(1);
    const start = h.events.find((e) => e.type === 'StasisStart');
    expect(start?.args).toEqual(['agent', 'q1']);
    await h.advance(1000);
    await h.advance(500);
    await h.advance(3500);
    expect(h.of('ag1')).toEqual([
      'Dial()', 'ChannelStateChange', 'Dial(RINGING)', 'ChannelStateChange', 'Dial(ANSWER)', 'ChannelVarset', 'StasisStart', 'DTMF(1)', 'DTMF(2)',
      'ChannelHangupRequest', 'StasisEnd', 'ChannelVarset', 'ChannelDestroyed(16)',
    ]);
    const v = h.sim.control.channel('ag1');
    expect(v?.alive).toBe(false);
    expect(v?.hangupSide).toBe('far');
    expect(v?.transcript.map((t) => t.kind)).toEqual(['ringing', 'answered', 'dtmf-sent', 'dtmf-sent', 'hangup']);
  });

  it('create + dial an agent leg and bridge it with a caller (the ARI pattern the ACD uses)', async () => {
    const caller = h.sim.control.placeCall({ from: '3001112233', to: '6015550100' });
    await h.advance(0);
    await h.rest('POST', `/ari/channels/${caller}/answer`);
    h.sim.control.setEndpointBehavior('PJSIP', '1003', { behavior: 'answer', afterMs: 500 });
    const created = await h.rest('POST', '/ari/channels/create', { endpoint: 'PJSIP/1003', app: 'centralita', appArgs: 'agent', channelId: 'leg1' });
    expect(created.body).toMatchObject({ id: 'leg1', state: 'Down' });
    expect(h.of('leg1')).toEqual(['ChannelVarset', 'StasisStart']);
    expect((await h.rest('POST', '/ari/channels/leg1/dial', { timeout: 10 })).status).toBe(204);
    await h.advance(500);
    expect(h.of('leg1')).toEqual(['ChannelVarset', 'StasisStart', 'Dial()', 'ChannelStateChange', 'Dial(RINGING)', 'ChannelStateChange', 'Dial(ANSWER)']);
    expect((await h.rest('POST', '/ari/channels/leg1/dial')).status).toBe(409);
    await h.rest('POST', '/ari/bridges', { type: 'mixing', bridgeId: 'b1' });
    expect((await h.rest('POST', '/ari/bridges/b1/addChannel', { channel: `${caller},leg1` })).status).toBe(204);
    expect(h.sim.control.transcript(caller).filter((t) => t.kind === 'bridged').at(-1)).toMatchObject({ bridgeId: 'b1', with: ['leg1'] });
    // Moving to an app nobody listens to fails with an event, the channel stays.
    await h.rest('POST', '/ari/channels/leg1/move', { app: 'nobody' });
    expect(h.events.at(-1)).toMatchObject({ type: 'ApplicationMoveFailed', destination: 'nobody' });
    await h.rest('DELETE', '/ari/channels/leg1');
    expect(h.of('leg1').slice(-5)).toEqual(['ChannelHangupRequest', 'ChannelLeftBridge', 'StasisEnd', 'ChannelVarset', 'ChannelDestroyed(16)']);
  });

  it('endpoint and device state follow the phone: ringing, in use, idle', async () => {
    expect((await h.rest('POST', '/ari/applications/centralita/subscription', { eventSource: 'endpoint:PJSIP/1004' })).status).toBe(200);
    await h.rest('POST', '/ari/applications/centralita/subscription', { eventSource: 'deviceState:PJSIP/1004' });
    h.sim.control.setEndpointBehavior('PJSIP', '1004', { behavior: 'answer', afterMs: 200, hangupAfterMs: 1000 });
    await h.rest('POST', '/ari/channels', { endpoint: 'PJSIP/1004', app: 'centralita', channelId: 'e1' });
    await h.advance(2000);
    const dev = h.events.filter((e) => e.type === 'DeviceStateChanged').map((e) => (e.device_state as { state: string }).state);
    expect(dev).toEqual(['RINGING', 'INUSE', 'NOT_INUSE']);
    const eps = h.events.filter((e) => e.type === 'EndpointStateChange').map((e) => (e.endpoint as { channel_ids: string[] }).channel_ids.length);
    expect(eps.at(0)).toBe(1);
    expect(eps.at(-1)).toBe(0);
    h.sim.control.setEndpointBehavior('PJSIP', '1004', { behavior: 'unreachable' });
    await h.settle();
    expect(h.events.at(-1)).toMatchObject({ type: 'EndpointStateChange', endpoint: { resource: '1004', state: 'offline' } });
  });

  it('records a bridge: events to the bridge subscribers, file kept when the bridge goes', async () => {
    const caller = h.sim.control.placeCall({ from: '300', to: '600' });
    await h.advance(0);
    await h.rest('POST', `/ari/channels/${caller}/answer`);
    await h.rest('POST', '/ari/bridges/br-rec', { type: 'mixing' });
    await h.rest('POST', '/ari/bridges/br-rec/addChannel', { channel: caller });
    const r = await h.rest('POST', '/ari/bridges/br-rec/record', { name: 'call-br', format: 'wav' });
    expect(r).toMatchObject({ status: 201, body: { name: 'call-br', target_uri: 'bridge:br-rec', state: 'queued' } });
    await h.advance(2500);
    await h.rest('DELETE', '/ari/bridges/br-rec');
    expect(h.events.filter((e) => e.type.startsWith('Recording')).map((e) => [e.type, (e.recording as { target_uri: string }).target_uri])).toEqual([
      ['RecordingStarted', 'bridge:br-rec'],
      ['RecordingFinished', 'bridge:br-rec'],
    ]);
    expect(wavDurationMs(readFileSync(h.sim.control.recordingPath('call-br')!))).toBe(2500);
  });

  it('FreePBX-like destinations: Dial() to a phone connects the caller; busy falls through to the next step', async () => {
    h.sim.control.setDialplan({
      'from-internal': {
        '1005': [{ app: 'Dial', endpoint: 'PJSIP/1005', timeoutSec: 20 }, { app: 'Stasis', appName: 'centralita', args: ['after-dial'] }],
      },
    });
    h.sim.control.setEndpointBehavior('PJSIP', '1005', { behavior: 'answer', afterMs: 500, hangupAfterMs: 2000 });
    const a = h.sim.control.placeCall({ from: '3001', to: '1005', context: 'from-internal' });
    await h.advance(3000);
    const va = h.sim.control.channel(a)!;
    expect(va.transcript.map((t) => t.kind)).toEqual(['ringing', 'answered', 'bridged', 'hangup']);
    expect(va).toMatchObject({ alive: false, hangupSide: 'pbx', hangupCause: 16 });
    expect(h.events.filter((e) => e.type === 'StasisStart')).toEqual([]);

    h.sim.control.setEndpointBehavior('PJSIP', '1005', { behavior: 'busy', afterMs: 300 });
    const b = h.sim.control.placeCall({ from: '3002', to: '1005', context: 'from-internal' });
    await h.advance(300);
    expect(h.events.find((e) => e.type === 'StasisStart')).toMatchObject({ args: ['after-dial'], channel: { id: b } });
    expect((await h.rest('GET', `/ari/channels/${b}/variable`, { variable: 'DIALSTATUS' })).body).toEqual({ value: 'BUSY' });
  });

  it('numbers dialled through a trunk follow pattern behaviours', async () => {
    h.sim.control.setNumberBehavior('+57300*', { behavior: 'busy' });
    h.sim.control.setNumberBehavior('/^\\+57310/', { behavior: 'answer', afterMs: 100 });
    await h.rest('POST', '/ari/channels', { endpoint: 'PJSIP/+573001234567@trunk', app: 'centralita', channelId: 'n1' });
    await h.rest('POST', '/ari/channels', { endpoint: 'PJSIP/+573101234567@trunk', app: 'centralita', channelId: 'n2' });
    await h.advance(3000);
    expect(h.of('n1').at(-1)).toBe('ChannelDestroyed(17)');
    expect(h.of('n2')).toContain('StasisStart');
    expect((await h.rest('POST', '/ari/channels', { endpoint: 'PJSIP/+57@nosuchtrunk', app: 'centralita' })).body).toEqual({ error: 'Allocation failed' });
  });

  it('an inbound caller: prompt lengths from WAV headers, MOH, DTMF, hangup; all in the transcript', async () => {
    const id = h.sim.control.placeCall({ from: '+573001112233', to: '6015550100' });
    await h.advance(0);
    expect(h.events.find((e) => e.type === 'StasisStart')?.args).toEqual(['main']);
    expect((await h.rest('POST', `/ari/channels/${id}/answer`)).status).toBe(204);
    const pb = await h.rest('POST', `/ari/channels/${id}/play`, { media: 'sound:bienvenida', lang: 'es', playbackId: 'p1' });
    expect(pb.status).toBe(201);
    await h.advance(1233);
    expect(h.events.some((e) => e.type === 'PlaybackFinished')).toBe(false);
    await h.advance(1);
    expect(h.events.find((e) => e.type === 'PlaybackFinished')?.playback).toMatchObject({ id: 'p1', state: 'done' });
    await h.rest('POST', `/ari/channels/${id}/moh`, { mohClass: 'default' });
    h.sim.control.sendDtmf(id, '9#', { gapMs: 200 });
    await h.advance(1000);
    expect(h.of(id).filter((s) => s.startsWith('DTMF'))).toEqual(['DTMF(9)', 'DTMF(#)']);
    h.sim.control.hangup(id);
    await h.advance(0);
    const v = h.sim.control.channel(id)!;
    expect(v.transcript).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'prompt', media: 'sound:bienvenida', durationMs: 1234, outcome: 'done' }),
        expect.objectContaining({ kind: 'moh', on: true }),
        expect.objectContaining({ kind: 'dtmf-sent', digit: '9' }),
        expect.objectContaining({ kind: 'hangup', side: 'far', cause: 16 }),
      ]),
    );
    // The same view through the HTTP control API.
    expect((await h.rest('GET', `/_sim/channels/${id}`)).body).toMatchObject({ id, alive: false, hangupSide: 'far' });
  });

  it('playback offsetms/skipms and control, and redirect of a SIP caller', async () => {
    const id = h.sim.control.placeCall({ from: '1', to: '600' });
    await h.advance(0);
    await h.rest('POST', `/ari/channels/${id}/answer`);
    // bienvenida lasts 1234 ms; start 234 ms in, so it ends after 1000 ms.
    await h.rest('POST', `/ari/channels/${id}/play`, { media: 'sound:bienvenida', lang: 'es', playbackId: 'o1', offsetms: 234 });
    await h.advance(999);
    expect(h.events.some((e) => e.type === 'PlaybackFinished')).toBe(false);
    await h.advance(1);
    expect(h.events.filter((e) => e.type === 'PlaybackFinished')).toHaveLength(1);
    // forward by skipms=1000 right after the start: 234 ms left.
    await h.rest('POST', `/ari/channels/${id}/play`, { media: 'sound:bienvenida', lang: 'es', playbackId: 'o2', skipms: 1000 });
    expect((await h.rest('POST', '/ari/playbacks/o2/control', { operation: 'forward' })).status).toBe(204);
    await h.advance(234);
    expect(h.events.filter((e) => e.type === 'PlaybackFinished')).toHaveLength(2);
    expect((await h.rest('POST', '/ari/channels/' + id + '/play', { media: 'sound:bienvenida', offsetms: -1 })).status).toBe(400);
    expect((await h.rest('POST', `/ari/channels/${id}/redirect`, { endpoint: 'Local/100@x' })).body).toEqual({ message: "Endpoint technology 'Local' does not match channel technology 'PJSIP'" });
    expect((await h.rest('POST', `/ari/channels/${id}/redirect`, { endpoint: 'PJSIP/1001' })).status).toBe(204);
    expect(h.sim.control.channel(id)).toMatchObject({ alive: false, hangupCause: 16 });
    expect(h.sim.control.transcript(id).some((t) => t.kind === 'redirected' && t.to === '1001')).toBe(true);
  });

  it('talk detection, a far end that holds, a phone that registers, mailboxes, core stop now', async () => {
    const id = h.sim.control.placeCall({ from: '100', to: '200' });
    await h.advance(0);
    await h.rest('POST', `/ari/channels/${id}/answer`);
    await h.rest('POST', `/ari/channels/${id}/variable`, { variable: 'TALK_DETECT(set)', value: '' });
    h.sim.control.speak(id, 1500);
    h.sim.control.farEndHold(id, true);
    await h.advance(1500);
    h.sim.control.farEndHold(id, false);
    await h.settle();
    expect(h.of(id).filter((t) => /Talking|[Hh]old/.test(t))).toEqual(['ChannelTalkingStarted', 'ChannelHold', 'ChannelTalkingFinished', 'ChannelUnhold']);
    expect(h.events.find((e) => e.type === 'ChannelTalkingFinished')).toMatchObject({ duration: 1500 });

    h.sim.control.setEndpointBehavior('PJSIP', '2000', { behavior: 'answer' });
    h.sim.pbx.endpointsMap().get('PJSIP/2000')!.dynamic = true;
    await h.rest('POST', '/ari/applications/centralita/subscription', { eventSource: 'endpoint:PJSIP/2000' });
    expect((await h.rest('GET', '/ari/endpoints/PJSIP/2000')).body).toMatchObject({ state: 'offline' });
    expect((await h.rest('POST', '/_sim/endpoints/PJSIP/2000/register', {}, { uri: 'sip:2000@127.0.0.1:5094', expiresSec: 60 })).status).toBe(204);
    expect((await h.rest('GET', '/ari/endpoints/PJSIP/2000')).body).toMatchObject({ state: 'online' });
    await h.advance(60_000);
    const reg = h.events.filter((e) => /StatusChange|EndpointState/.test(e.type) && (e.endpoint as { resource: string }).resource === '2000');
    expect(reg.map((e) => e.type)).toEqual(['EndpointStateChange', 'PeerStatusChange', 'ContactStatusChange', 'EndpointStateChange', 'PeerStatusChange', 'ContactStatusChange']);
    expect(reg.map((e) => (e.contact_info as { contact_status?: string } | undefined)?.contact_status).filter(Boolean)).toEqual(['NonQualified', 'Removed']);

    expect((await h.rest('PUT', '/ari/mailboxes/1001@default', { oldMessages: 2, newMessages: 1 })).status).toBe(204);
    expect((await h.rest('GET', '/ari/mailboxes')).body).toEqual([{ name: '1001@default', old_messages: 2, new_messages: 1 }]);
    expect((await h.rest('DELETE', '/ari/mailboxes/nope')).body).toEqual({ message: 'Mailbox does not exist' });

    // core stop now: every channel is hung up (cause 4, then 0), then ARI goes away.
    const other = h.sim.control.placeCall({ from: '101', to: '200' });
    await h.advance(0);
    h.sim.control.shutdown();
    await h.settle();
    expect(h.of(other).slice(-3)).toEqual(['ChannelHangupRequest', 'ChannelHangupRequest', 'StasisEnd']);
    expect(h.events.filter((e) => e.type === 'ChannelHangupRequest' && (e.channel as { id: string }).id === other).map((e) => e.cause)).toEqual([4, 0]);
    const closed = new Promise((r) => h.ws!.once('close', r));
    h.clock.advance(200);
    await closed;
    await expect(fetch(`${h.sim.url}/ari/asterisk/ping?api_key=u:p`)).rejects.toThrow();
  });

  it('maxSilenceSeconds: a caller who speaks 4 s then stays silent leaves a 4 s message', async () => {
    const id = h.sim.control.placeCall({ from: '1', to: '700' });
    await h.advance(0);
    await h.rest('POST', `/ari/channels/${id}/answer`);
    await h.rest('POST', `/ari/channels/${id}/record`, { name: 'vm1', format: 'wav', maxSilenceSeconds: 3, maxDurationSeconds: 60 });
    h.sim.control.speak(id, 4000);
    await h.advance(6999);
    expect(h.events.some((e) => e.type === 'RecordingFinished')).toBe(false);
    await h.advance(1);
    expect(h.events.find((e) => e.type === 'RecordingFinished')?.recording).toMatchObject({ name: 'vm1', duration: 4 });
    expect(wavDurationMs(readFileSync(h.sim.control.recordingPath('vm1')!))).toBe(4000);
  });

  it('recordings are real WAV files of the recorded length', async () => {
    const id = h.sim.control.placeCall({ from: '100', to: '200' });
    await h.advance(0);
    await h.rest('POST', `/ari/channels/${id}/answer`);
    // maxDurationSeconds counts whole wall-clock seconds (Asterisk's time()): started on a second
    // boundary, a 3 s limit stops on the 4th boundary (recording-queued trace).
    h.clock.advance(1000 - (h.clock.now() % 1000));
    expect((await h.rest('POST', `/ari/channels/${id}/record`, { name: 'msg1', format: 'wav', maxDurationSeconds: 3 })).status).toBe(201);
    await h.advance(3999);
    expect(h.events.find((e) => e.type === 'RecordingFinished')).toBeUndefined();
    await h.advance(1);
    expect(h.events.find((e) => e.type === 'RecordingFinished')?.recording).toMatchObject({ name: 'msg1', state: 'done', duration: 4 });
    const path = h.sim.control.recordingPath('msg1')!;
    expect(wavDurationMs(readFileSync(path))).toBe(4000);
    const file = await fetch(`${h.sim.url}/ari/recordings/stored/msg1/file?api_key=u:p`);
    expect(file.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await file.arrayBuffer()).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('dropWebSockets: the app stays registered, events meanwhile are lost, reconnect works', async () => {
    const id = h.sim.control.placeCall({ from: '1', to: '2' });
    await h.advance(0);
    const before = h.events.length;
    const closed = new Promise<void>((r) => h.ws!.once('close', () => r()));
    h.sim.dropWebSockets();
    await closed;
    h.sim.control.sendDtmf(id, '5');
    h.clock.advance(1000);
    expect((await h.rest('GET', '/ari/applications/centralita')).body).toMatchObject({ name: 'centralita', channel_ids: [id] });
    await h.connect();
    h.sim.control.sendDtmf(id, '6');
    await h.advance(1000);
    expect(h.events.slice(before).map((e) => e.type)).toEqual(['ChannelDtmfReceived']);
    expect(h.events.at(-1)?.digit).toBe('6');
  });

  it('bad input gets the Asterisk-shaped error and never crashes the simulator', async () => {
    const cases: [string, string, Record<string, string | number>, unknown, number, unknown][] = [
      ['GET', '/ari/channels/nope', {}, undefined, 404, { message: 'Channel not found' }],
      ['POST', '/ari/channels/nope/answer', {}, undefined, 404, { message: 'Channel not found' }],
      ['POST', '/ari/channels', {}, '{not json', 400, { message: 'Error parsing request body' }],
      ['POST', '/ari/channels', { endpoint: 'PJSIP/1001', app: 'centralita', timeout: 'soon' }, undefined, 400, { message: 'timeout: expected an integer, got "soon"' }],
      ['POST', '/ari/channels', {}, { endpoint: 'PJSIP/1001', app: 'centralita', variables: 'x' }, 400, { message: 'variables: expected an object of strings' }],
      ['POST', '/ari/bridges', { type: 'nosuch' }, undefined, 500, { message: "Unable to create bridge. Possible duplicate bridge id '(null)'" }],
      ['POST', '/ari/playbacks/x/control', { operation: 'jump' }, undefined, 404, { message: 'Playback not found' }],
      ['GET', '/ari/nosuch', {}, undefined, 404, { message: 'Resource not found' }],
      ['PUT', '/ari/channels', {}, undefined, 405, { message: 'Invalid method' }],
      ['GET', '/ari/channels/', {}, undefined, 404, { message: 'ARI URLs do not end with a slash. Try /ari/channels' }],
      ['POST', '/_sim/calls', {}, { from: 5 }, 400, { message: 'from: expected a non-empty string' }],
      ['POST', '/_sim/calls', {}, '[1,2]', 400, { message: 'expected a JSON object body' }],
      ['PUT', '/_sim/endpoints/PJSIP/1001', {}, { behavior: 'dance' }, 400, { message: 'behavior: one of answer, busy, noanswer, reject, congestion, unreachable, silent' }],
      ['POST', '/_sim/channels/nope/dtmf', {}, { digits: '1' }, 404, { message: 'Channel not found' }],
    ];
    for (const [method, path, query, body, status, want] of cases) {
      const r = await h.rest(method, path, query, body);
      expect({ path, status: r.status, body: r.body }).toEqual({ path, status, body: want });
    }
    const unauth = await fetch(`${h.sim.url}/ari/asterisk/info`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('www-authenticate')).toBe('Basic realm="Asterisk REST Interface"');
    expect(await unauth.json()).toEqual({ message: 'Authentication required' });
    // A burst of malformed requests on every route: all answered, none an internal error.
    const paths = ['/ari/channels/x', '/ari/channels/x/play', '/ari/channels/x/record', '/ari/bridges/x/addChannel', '/ari/recordings/live/x/stop', '/ari/playbacks/x', '/ari/deviceStates/x', '/ari/applications/x/subscription', '/ari/endpoints/x/y', '/ari/sounds/x'];
    for (const p of paths) {
      for (const m of ['GET', 'POST', 'DELETE', 'PUT']) {
        const r = await h.rest(m, p, { media: '', channel: '', eventSource: '%%', name: '../../etc/passwd', format: 'wav' }, m === 'GET' ? undefined : '{"a":');
        expect(r.status, `${m} ${p}`).not.toBe(500);
        if (r.status >= 400) expect(typeof (r.body as { message?: unknown }).message, `${m} ${p}`).toBe('string');
      }
    }
    const bad = await fetch(`${h.sim.url}/ari/channels/%E0%A4%A?api_key=u:p`);
    expect({ status: bad.status, body: await bad.json() }).toEqual({ status: 400, body: { message: 'Invalid URI encoding' } });
    expect(h.sim.badRequests()).toBeGreaterThan(40);
    expect(h.sim.internalErrors()).toBe(0);
    expect((await h.rest('GET', '/ari/asterisk/ping')).body).toMatchObject({ ping: 'pong' });
  });
});
