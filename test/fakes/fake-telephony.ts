// A pure in-memory Telephony (src/telephony/port.ts) for unit tests of sessions, flows,
// the ACD and the dialler. It records every command, emits TelephonyEvents the way the
// ARI adapter does (including the "event before REST response" ordering seen on real
// Asterisk), and lets a test inject faults per operation. No timers unless asked.
import type {
  BridgeInfo, ChannelInfo, HangupReason, OriginateRequest, RecordRequest, Telephony, TelephonyEvent, TelephonyEventHandler,
} from '../../src/telephony/port.ts';
import { ChannelGoneError } from '../../src/errors.ts';

export interface FakeCommand {
  op: string;
  channelId?: string;
  args: unknown[];
}

type Fault = (cmd: FakeCommand) => Promise<never> | Error | 'hang' | undefined;

export interface FakeTelephonyOptions {
  /** Instant stamped on events; defaults to a fixed epoch advanced per event so order is visible. */
  now?: () => string;
  /** When true (default), play() finishes each playback right after it starts (on the next microtask). */
  autoFinishPlayback?: boolean;
}

export interface FakeTelephony extends Telephony {
  readonly commands: FakeCommand[];
  readonly channels: Map<string, ChannelInfo & { bridgeId?: string; vars: Record<string, string> }>;
  readonly bridges: Map<string, BridgeInfo>;
  /** Playbacks started and not yet finished: playbackId → channelId. */
  readonly activePlaybacks: Map<string, string>;
  /** Event sources the app subscribed to (subscribe()). */
  readonly subscriptions: Set<string>;
  /** A call arrives in the app: emits call.started with these Stasis args. */
  /** `variables` appear in the StasisStart snapshot (ari.conf channelvars); `channelVars` only via getVariable. */
  placeCall(opts: { channelId?: string; from?: string; to?: string; args?: string[]; variables?: Record<string, string>; channelVars?: Record<string, string>; state?: ChannelInfo['state'] }): string;
  dtmf(channelId: string, digits: string): void;
  /** The caller hangs up (cause 16): hangupRequested → call.ended (→ destroyed if asked). */
  callerHangup(channelId: string, opts?: { cause?: number; destroyed?: boolean }): void;
  finishPlayback(playbackId: string, state?: 'done' | 'stopped' | 'failed'): void;
  /** Removes a channel silently, as if it vanished while the event socket was down. */
  vanish(channelId: string): void;
  emit(event: TelephonyEvent): void;
  /** Makes the next commands of `op` (or all, with '*') fail/hang as the fault says. */
  fault(op: string, fault: Fault): void;
  clearFaults(): void;
  listenerCount(): number;
  ops(channelId?: string): string[];
}

let seq = 0;

export function createFakeTelephony(opts: FakeTelephonyOptions = {}): FakeTelephony {
  const handlers = new Set<TelephonyEventHandler>();
  const commands: FakeCommand[] = [];
  const channels: FakeTelephony['channels'] = new Map();
  const bridges = new Map<string, BridgeInfo>();
  const activePlaybacks = new Map<string, string>();
  const faults = new Map<string, Fault>();
  const liveRecordings = new Set<string>();
  const subscriptions = new Set<string>();
  let t = Date.parse('2026-01-05T15:00:00.000Z');
  const now = opts.now ?? (() => new Date((t += 1)).toISOString());
  const autoFinish = opts.autoFinishPlayback ?? true;

  const emit = (event: TelephonyEvent) => {
    for (const h of [...handlers]) h(event);
  };

  async function command(op: string, channelId: string | undefined, args: unknown[], needsChannel = true): Promise<void> {
    const cmd: FakeCommand = { op, channelId, args };
    commands.push(cmd);
    const f = faults.get(op) ?? faults.get('*');
    if (f) {
      const r = f(cmd);
      if (r === 'hang') return new Promise<never>(() => {});
      if (r instanceof Error) throw r;
      if (r) return r;
    }
    if (needsChannel && channelId !== undefined && !channels.has(channelId)) throw new ChannelGoneError(channelId);
  }

  function endChannel(channelId: string, cause: number, destroyed: boolean) {
    const ch = channels.get(channelId);
    if (!ch) return;
    for (const [pb, c] of activePlaybacks) if (c === channelId) { activePlaybacks.delete(pb); emit({ type: 'playback.finished', playbackId: pb, targetUri: `channel:${channelId}`, state: 'failed', at: now() }); }
    if (ch.bridgeId) {
      const b = bridges.get(ch.bridgeId);
      if (b) b.channels = b.channels.filter((c) => c !== channelId);
      emit({ type: 'bridge.left', bridgeId: ch.bridgeId, channelId, at: now() });
    }
    channels.delete(channelId);
    emit({ type: 'call.ended', channelId, at: now() });
    if (destroyed) emit({ type: 'channel.destroyed', channelId, cause, causeText: cause === 16 ? 'Normal Clearing' : 'Unknown', at: now() });
  }

  const tel: FakeTelephony = {
    commands, channels, bridges, activePlaybacks, subscriptions,
    emit,
    fault(op, f) { faults.set(op, f); },
    clearFaults() { faults.clear(); },
    listenerCount: () => handlers.size,
    ops: (channelId) => commands.filter((c) => channelId === undefined || c.channelId === channelId).map((c) => c.op),

    placeCall({ channelId, from = '+573001112233', to = '6015551234', args = ['main'], variables = {}, channelVars = {}, state = 'Ring' }) {
      const id = channelId ?? `fake-${++seq}`;
      const info: ChannelInfo = {
        id, name: `PJSIP/trunk-${id}`, state, caller: { number: from, name: '' }, connected: { number: '', name: '' },
        dialplan: { context: 'from-trunk', exten: to, priority: 1 }, language: 'es', creationTime: now(), variables,
      };
      channels.set(id, { ...info, vars: { ...channelVars, ...variables } });
      emit({ type: 'call.started', channel: info, args, at: now() });
      return id;
    },
    dtmf(channelId, digits) {
      for (const d of digits) emit({ type: 'dtmf', channelId, digit: d, durationMs: 100, at: now() });
    },
    callerHangup(channelId, { cause = 16, destroyed = false } = {}) {
      emit({ type: 'channel.hangupRequested', channelId, cause, at: now() });
      endChannel(channelId, cause, destroyed);
    },
    finishPlayback(playbackId, state = 'done') {
      const ch = activePlaybacks.get(playbackId);
      if (ch === undefined) return;
      activePlaybacks.delete(playbackId);
      emit({ type: 'playback.finished', playbackId, targetUri: `channel:${ch}`, state, at: now() });
    },
    vanish(channelId) { channels.delete(channelId); },

    async answer(channelId) {
      await command('answer', channelId, []);
      const ch = channels.get(channelId)!;
      ch.state = 'Up';
      emit({ type: 'channel.state', channelId, state: 'Up', at: now() });
    },
    async ring(channelId) { await command('ring', channelId, []); },
    async play(channelId, media, o) {
      const playbackId = o?.playbackId ?? `pb-${++seq}`;
      await command('play', channelId, [media, o]);
      activePlaybacks.set(playbackId, channelId);
      // Real Asterisk sends PlaybackStarted before the 201 of /play: mimic it.
      emit({ type: 'playback.started', playbackId, targetUri: `channel:${channelId}`, at: now() });
      if (autoFinish) queueMicrotask(() => tel.finishPlayback(playbackId, 'done'));
      return { playbackId };
    },
    async stopPlayback(playbackId) {
      await command('stopPlayback', activePlaybacks.get(playbackId), [playbackId], false);
      // Asterisk reports a stopped playback as state "done".
      tel.finishPlayback(playbackId, 'done');
    },
    async startMoh(channelId, cls) { await command('startMoh', channelId, [cls]); },
    async stopMoh(channelId) { await command('stopMoh', channelId, []); },
    async hangup(channelId, reason?: HangupReason) {
      await command('hangup', channelId, [reason]);
      // As the ARI adapter reports a hangup it asked for (Asterisk: cause 32 = explicit soft hangup).
      emit({ type: 'channel.hangupRequested', channelId, cause: 32, soft: true, byApp: { cause: reason === 'busy' ? 17 : 16 }, at: now() });
      endChannel(channelId, 16, false);
    },
    async continueInDialplan(channelId, target) {
      await command('continueInDialplan', channelId, [target]);
      endChannel(channelId, 16, false);
    },
    async setVariable(channelId, name, value) {
      await command('setVariable', channelId, [name, value]);
      channels.get(channelId)!.vars[name] = value;
    },
    async getVariable(channelId, name) {
      await command('getVariable', channelId, [name]);
      return channels.get(channelId)!.vars[name];
    },
    async sendDtmf(channelId, dtmf) { await command('sendDtmf', channelId, [dtmf]); },
    async record(channelId, req: RecordRequest) {
      await command('record', channelId, [req]);
      liveRecordings.add(req.name);
      emit({ type: 'recording.started', name: req.name, targetUri: `channel:${channelId}`, at: now() });
      return { name: req.name };
    },
    async recordBridge(bridgeId, req: RecordRequest) {
      await command('recordBridge', undefined, [bridgeId, req], false);
      emit({ type: 'recording.started', name: req.name, targetUri: `bridge:${bridgeId}`, at: now() });
      return { name: req.name };
    },
    async stopRecording(name) {
      await command('stopRecording', undefined, [name], false);
      emit({ type: 'recording.finished', name, targetUri: '', durationSec: 1, at: now() });
    },
    async originate(req: OriginateRequest) {
      const id = req.channelId ?? `fake-orig-${++seq}`;
      await command('originate', id, [req], false);
      return { channelId: id };
    },
    async createBridge(o) {
      const bridgeId = o?.bridgeId ?? `br-${++seq}`;
      await command('createBridge', undefined, [o], false);
      bridges.set(bridgeId, { id: bridgeId, type: o?.type ?? 'mixing', channels: [] });
      return { bridgeId };
    },
    async addToBridge(bridgeId, channelIds) {
      await command('addToBridge', channelIds[0], [bridgeId, channelIds]);
      const b = bridges.get(bridgeId);
      if (!b) throw new Error(`bridge ${bridgeId} not found`);
      for (const c of channelIds) {
        b.channels.push(c);
        const ch = channels.get(c);
        if (ch) ch.bridgeId = bridgeId;
        emit({ type: 'bridge.entered', bridgeId, channelId: c, at: now() });
      }
    },
    async removeFromBridge(bridgeId, channelIds) {
      await command('removeFromBridge', channelIds[0], [bridgeId, channelIds], false);
      const b = bridges.get(bridgeId);
      for (const c of channelIds) {
        if (b) b.channels = b.channels.filter((x) => x !== c);
        const ch = channels.get(c);
        if (ch) delete ch.bridgeId;
        emit({ type: 'bridge.left', bridgeId, channelId: c, at: now() });
      }
    },
    async destroyBridge(bridgeId) {
      await command('destroyBridge', undefined, [bridgeId], false);
      bridges.delete(bridgeId);
      emit({ type: 'bridge.destroyed', bridgeId, at: now() });
    },
    async startBridgeMoh(bridgeId, cls) { await command('startBridgeMoh', undefined, [bridgeId, cls], false); },
    async listChannels() {
      await command('listChannels', undefined, [], false);
      return [...channels.values()].map(({ vars: _v, bridgeId: _b, ...info }) => info);
    },
    async listBridges() {
      await command('listBridges', undefined, [], false);
      return [...bridges.values()].map((b) => ({ ...b, channels: [...b.channels] }));
    },
    async endpointState() { return 'online'; },
    async deviceState() { return undefined; },
    async playbackState(playbackId) {
      await command('playbackState', undefined, [playbackId], false);
      return activePlaybacks.has(playbackId) ? 'playing' : undefined;
    },
    async liveRecordingState(name) {
      await command('liveRecordingState', undefined, [name], false);
      return liveRecordings.has(name) ? 'recording' : undefined;
    },
    async subscribe(sources) {
      await command('subscribe', undefined, [sources], false);
      for (const src of sources) subscriptions.add(src);
    },
    onEvent(handler) {
      handlers.add(handler);
      return () => { handlers.delete(handler); };
    },
  };
  return tel;
}
