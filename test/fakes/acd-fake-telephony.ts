// A Telephony for ACD tests, driven by a virtual clock: agent phones answer after N ms,
// are busy, never answer, or are unavailable; they hang up after a talk time. Agent legs
// reach the app as call.started with the Stasis args of the originate, as Asterisk does.
// It also watches for the things the ACD must never do (an agent phone rung while it is
// already ringing or talking; a bridge with a hung-up channel) and lists them in
// `violations`. For the no-dead-air invariant (issue 14) it keeps, per caller, a timeline of
// what the caller hears (prompt, MOH, the agent, silence), as src/sim/hearing.ts does.
import type { HeardSpan } from '../../src/sim/types.ts';
import type { ChannelInfo, HangupReason, OriginateRequest, Telephony, TelephonyEvent, TelephonyEventHandler } from '../../src/telephony/port.ts';
import { ChannelGoneError } from '../../src/errors.ts';
import type { Clock } from '../../src/acd/clock.ts';

export type PhoneBehaviour =
  | { kind: 'answer'; afterMs: number; talkMs?: number }
  | { kind: 'busy' }
  | { kind: 'noanswer' }
  | { kind: 'unavailable' };

export interface FakeChannel {
  id: string;
  kind: 'caller' | 'agent';
  endpoint?: string;
  state: 'Ring' | 'Up';
  inStasis: boolean;
  moh: boolean;
  bridgeId?: string;
  appArgs?: string[];
}

export interface AcdFakeTelephony extends Telephony {
  readonly channels: Map<string, FakeChannel>;
  readonly bridges: Map<string, Set<string>>;
  readonly violations: string[];
  readonly originates: OriginateRequest[];
  readonly plays: { channelId: string; media: string[] }[];
  readonly hangups: { channelId: string; reason?: HangupReason }[];
  /** Recordings started: target URI, name, and for a bridge the channels in it at that moment. */
  readonly recordings: { target: string; name: string; channels?: string[] }[];
  /** Behaviour of an endpoint for its next rings (a function gets the ring number). */
  phone(endpoint: string, b: PhoneBehaviour | ((ringNo: number) => PhoneBehaviour)): void;
  placeCaller(channelId: string): string;
  callerHangup(channelId: string): void;
  /** The agent's phone hangs up now (ends the conversation from the agent side). */
  agentHangup(channelId: string): void;
  emit(e: TelephonyEvent): void;
  /** Agent legs currently alive per endpoint (ringing or up). */
  liveLegs(endpoint: string): FakeChannel[];
  /** Event sources subscribed with subscribe(). */
  readonly subscriptions: Set<string>;
  /** The PBX crashes and comes back 1 s later: every channel gone without an event. */
  crash(): void;
  /** What each caller heard (the shape deadAirOf() in test/helpers/dead-air.ts reads). */
  hearing(): { at: number; channels: { id: string; heard: HeardSpan[] }[] };
}

export function createAcdFakeTelephony(clock: Clock, opts: { playbackMs?: number; playFault?: (media: string[]) => 'reject' | 'failed' | 'never' | undefined } = {}): AcdFakeTelephony {
  const handlers = new Set<TelephonyEventHandler>();
  const channels = new Map<string, FakeChannel>();
  const bridges = new Map<string, Set<string>>();
  const behaviours = new Map<string, (n: number) => PhoneBehaviour>();
  const rings = new Map<string, number>();
  const violations: string[] = [];
  const originates: OriginateRequest[] = [];
  const plays: { channelId: string; media: string[] }[] = [];
  const hangups: { channelId: string; reason?: HangupReason }[] = [];
  const playbacks = new Map<string, string>();
  const recordings: { target: string; name: string; channels?: string[] }[] = [];
  const subscriptions = new Set<string>();
  const playbackMs = opts.playbackMs ?? 4000;
  let seq = 0;
  const at = () => new Date(clock.now()).toISOString();
  const heard = new Map<string, HeardSpan[]>();
  const playMedia = new Map<string, string>();
  function hears(id: string): Pick<HeardSpan, 'what' | 'media'> | undefined {
    const ch = channels.get(id);
    if (!ch) return undefined;
    for (const [pb, c] of playbacks) if (c === id) return { what: 'prompt', media: playMedia.get(pb) ?? '' };
    if (ch.moh) return { what: 'moh' };
    const b = ch.bridgeId ? bridges.get(ch.bridgeId) : undefined;
    if (b && [...b].some((o) => o !== id && channels.get(o)?.state === 'Up')) return { what: 'bridged' };
    return { what: 'silence' };
  }
  /** Re-reads what every caller hears now (called after each change of state). */
  function track(): void {
    const now = clock.now();
    for (const [id, spans] of heard) {
      const last = spans[spans.length - 1];
      if (last?.to !== undefined) continue;
      const h = hears(id);
      if (last && h && last.what === h.what && last.media === h.media) continue;
      if (last) last.to = now;
      if (h) spans.push({ what: h.what, from: now, ...(h.media !== undefined ? { media: h.media } : {}) });
    }
  }
  const emit = (e: TelephonyEvent) => { track(); for (const h of [...handlers]) h(e); };
  const need = (id: string) => {
    const ch = channels.get(id);
    if (!ch) throw new ChannelGoneError(id);
    return ch;
  };

  function destroy(id: string, cause: number, requested: boolean): void {
    const ch = channels.get(id);
    if (!ch) return;
    if (requested) emit({ type: 'channel.hangupRequested', channelId: id, cause, at: at() });
    for (const [pb, c] of playbacks) if (c === id) { playbacks.delete(pb); emit({ type: 'playback.finished', playbackId: pb, targetUri: `channel:${id}`, state: 'failed', at: at() }); }
    if (ch.bridgeId) {
      bridges.get(ch.bridgeId)?.delete(id);
      emit({ type: 'bridge.left', bridgeId: ch.bridgeId, channelId: id, at: at() });
    }
    channels.delete(id);
    if (ch.inStasis) emit({ type: 'call.ended', channelId: id, at: at() });
    emit({ type: 'channel.destroyed', channelId: id, cause, causeText: String(cause), at: at() });
  }

  const info = (ch: FakeChannel): ChannelInfo => ({
    id: ch.id, name: `${ch.endpoint ?? 'PJSIP/trunk'}-${ch.id}`, state: ch.state, caller: { number: '', name: '' }, connected: { number: '', name: '' },
    dialplan: { context: 'default', exten: 's', priority: 1 }, language: 'es', creationTime: at(),
  });

  const tel: AcdFakeTelephony = {
    channels, bridges, violations, originates, plays, hangups, recordings, emit, subscriptions,
    hearing: () => ({ at: clock.now(), channels: [...heard].map(([id, spans]) => ({ id, heard: spans })) }),
    phone(endpoint, b) { behaviours.set(endpoint, typeof b === 'function' ? b : () => b); },
    liveLegs: (endpoint) => [...channels.values()].filter((c) => c.kind === 'agent' && c.endpoint === endpoint),
    placeCaller(channelId) {
      channels.set(channelId, { id: channelId, kind: 'caller', state: 'Up', inStasis: true, moh: false });
      heard.set(channelId, []);
      track();
      return channelId;
    },
    callerHangup(channelId) { destroy(channelId, 16, true); },
    agentHangup(channelId) { destroy(channelId, 16, true); },

    async originate(req) {
      originates.push(req);
      const id = req.channelId ?? `orig-${++seq}`;
      if (channels.has(id)) throw new Error(`channel id ${id} already exists`);
      const live = tel.liveLegs(req.endpoint);
      if (live.length) violations.push(`${req.endpoint} rung for ${id} while it already has ${live.map((l) => `${l.id}(${l.state})`).join(', ')}`);
      const ringNo = (rings.get(req.endpoint) ?? 0) + 1;
      rings.set(req.endpoint, ringNo);
      const b = (behaviours.get(req.endpoint) ?? (() => ({ kind: 'noanswer' }) as PhoneBehaviour))(ringNo);
      const ch: FakeChannel = { id, kind: 'agent', endpoint: req.endpoint, state: 'Ring', inStasis: false, moh: false, appArgs: (req.appArgs ?? '').split(',') };
      channels.set(id, ch);
      const timeoutMs = (req.timeoutSec ?? 30) * 1000;
      const alive = () => channels.get(id) === ch;
      if (b.kind === 'answer' && b.afterMs < timeoutMs) {
        clock.setTimeout(() => {
          if (!alive()) return;
          ch.state = 'Up';
          ch.inStasis = true;
          emit({ type: 'call.started', channel: info(ch), args: ch.appArgs!, at: at() });
          if (b.talkMs !== undefined) clock.setTimeout(() => { if (alive()) destroy(id, 16, true); }, b.talkMs);
        }, b.afterMs);
      } else if (b.kind === 'busy') {
        clock.setTimeout(() => {
          if (!alive()) return;
          emit({ type: 'dial', peerId: id, status: 'BUSY', at: at() });
          destroy(id, 17, false);
        }, 100);
      } else if (b.kind === 'unavailable') {
        clock.setTimeout(() => { if (alive()) destroy(id, 20, false); }, 10);
      } else {
        clock.setTimeout(() => { if (alive() && ch.state === 'Ring') destroy(id, 19, false); }, timeoutMs);
      }
      return { channelId: id };
    },
    async hangup(channelId, reason) {
      hangups.push({ channelId, reason });
      need(channelId);
      destroy(channelId, 16, true);
    },
    async answer(channelId) { need(channelId).state = 'Up'; },
    async ring(channelId) { need(channelId); },
    async play(channelId, media, o) {
      need(channelId);
      plays.push({ channelId, media });
      const playbackId = o?.playbackId ?? `pb-${++seq}`;
      const fault = opts.playFault?.(media);
      if (fault === 'reject') throw new Error('play refused (HTTP 500)');
      playbacks.set(playbackId, channelId);
      playMedia.set(playbackId, media[0] ?? '');
      emit({ type: 'playback.started', playbackId, targetUri: `channel:${channelId}`, at: at() });
      // A missing sound file: Asterisk starts the playback and fails it at once (before the 201).
      if (fault === 'failed') { playbacks.delete(playbackId); emit({ type: 'playback.finished', playbackId, targetUri: `channel:${channelId}`, state: 'failed', at: at() }); return { playbackId }; }
      if (fault === 'never') return { playbackId }; // an unknown media scheme never finishes
      clock.setTimeout(() => {
        if (playbacks.delete(playbackId)) emit({ type: 'playback.finished', playbackId, targetUri: `channel:${channelId}`, state: 'done', at: at() });
      }, playbackMs);
      return { playbackId };
    },
    async stopPlayback(playbackId) {
      const ch = playbacks.get(playbackId);
      if (ch !== undefined && playbacks.delete(playbackId)) emit({ type: 'playback.finished', playbackId, targetUri: `channel:${ch}`, state: 'done', at: at() });
    },
    async startMoh(channelId) { need(channelId).moh = true; track(); },
    async stopMoh(channelId) { need(channelId).moh = false; track(); },
    async continueInDialplan(channelId) { destroy(channelId, 16, false); },
    async setVariable(channelId) { need(channelId); },
    async getVariable(channelId) { need(channelId); return undefined; },
    async sendDtmf(channelId) { need(channelId); },
    async record(channelId, req) { need(channelId); recordings.push({ target: `channel:${channelId}`, name: req.name }); return { name: req.name }; },
    async recordBridge(bridgeId, req) {
      const b = bridges.get(bridgeId);
      if (!b) throw new Error(`bridge ${bridgeId} not found`);
      recordings.push({ target: `bridge:${bridgeId}`, name: req.name, channels: [...b] });
      return { name: req.name };
    },
    async stopRecording() {},
    async createBridge(o) {
      const id = o?.bridgeId ?? `br-${++seq}`;
      if (bridges.has(id)) throw new Error(`bridge ${id} exists`);
      bridges.set(id, new Set());
      return { bridgeId: id };
    },
    async addToBridge(bridgeId, ids) {
      const b = bridges.get(bridgeId);
      if (!b) throw new Error(`bridge ${bridgeId} not found`);
      for (const id of ids) {
        const ch = need(id);
        if (ch.bridgeId && ch.bridgeId !== bridgeId) violations.push(`${id} added to ${bridgeId} while in ${ch.bridgeId}`);
        ch.bridgeId = bridgeId;
        b.add(id);
        emit({ type: 'bridge.entered', bridgeId, channelId: id, at: at() });
      }
    },
    async removeFromBridge(bridgeId, ids) {
      for (const id of ids) {
        bridges.get(bridgeId)?.delete(id);
        const ch = channels.get(id);
        if (ch?.bridgeId === bridgeId) delete ch.bridgeId;
      }
      track();
    },
    async destroyBridge(bridgeId) {
      for (const id of bridges.get(bridgeId) ?? []) { const ch = channels.get(id); if (ch) delete ch.bridgeId; }
      bridges.delete(bridgeId);
      track();
    },
    async startBridgeMoh() {},
    async listChannels() { return [...channels.values()].filter((c) => c.inStasis).map(info); },
    async listBridges() { return [...bridges].map(([id, s]) => ({ id, type: 'mixing' as const, channels: [...s] })); },
    async endpointState(tech, resource) {
      const b = behaviours.get(`${tech}/${resource}`);
      return b && b(0).kind === 'unavailable' ? 'offline' : 'online';
    },
    // This fake sends no device-state events, so it cannot answer for device states either.
    async deviceState() { return undefined; },
    async playbackState(playbackId) { return playbacks.has(playbackId) ? 'playing' : undefined; },
    async liveRecordingState() { return undefined; },
    async subscribe(sources) { for (const x of sources) subscriptions.add(x); },
    onEvent(h) { handlers.add(h); return () => { handlers.delete(h); }; },
    crash() {
      // The PBX died with everything on it; nothing is reported for those channels.
      emit({ type: 'connection', state: 'disconnected', at: at() });
      channels.clear();
      bridges.clear();
      playbacks.clear();
      track();
      clock.setTimeout(() => emit({ type: 'connection', state: 'connected', at: at() }), 1000);
    },
  };
  return tel;
}
