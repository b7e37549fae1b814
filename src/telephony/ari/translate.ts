// Raw ARI WebSocket events (JSON as Asterisk sends them) → TelephonyEvent. Pure: the
// adapter stamps nothing itself; `at` is the event's own timestamp, normalised to ISO.
import type { ChannelInfo, ChannelState, TelephonyEvent } from '../port.ts';

export interface RawAriChannel {
  id: string;
  name?: string;
  state?: string;
  caller?: { number?: string; name?: string };
  connected?: { number?: string; name?: string };
  dialplan?: { context?: string; exten?: string; priority?: number };
  creationtime?: string;
  language?: string;
  channelvars?: Record<string, string>;
}

export type RawAriEvent = { type: string; timestamp?: string; [k: string]: unknown };

export function isoTime(ts: unknown, fallback: () => string): string {
  if (typeof ts !== 'string') return fallback();
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? fallback() : new Date(ms).toISOString();
}

export function toChannelInfo(c: RawAriChannel, fallbackNow: () => string = () => new Date().toISOString()): ChannelInfo {
  const info: ChannelInfo = {
    id: c.id,
    name: c.name ?? '',
    state: (c.state ?? 'Unknown') as ChannelState,
    caller: { number: c.caller?.number ?? '', name: c.caller?.name ?? '' },
    connected: { number: c.connected?.number ?? '', name: c.connected?.name ?? '' },
    dialplan: { context: c.dialplan?.context ?? '', exten: c.dialplan?.exten ?? '', priority: c.dialplan?.priority ?? 0 },
    language: c.language ?? '',
    creationTime: isoTime(c.creationtime, fallbackNow),
  };
  if (c.channelvars && Object.keys(c.channelvars).length) info.variables = { ...c.channelvars };
  return info;
}

const chId = (e: RawAriEvent): string | undefined => (e.channel as RawAriChannel | undefined)?.id;

/** Returns undefined for events centralita does not use (ChannelDialplan, ChannelCallerId…). */
export function translateAriEvent(e: RawAriEvent, now: () => string = () => new Date().toISOString()): TelephonyEvent | undefined {
  const at = isoTime(e.timestamp, now);
  switch (e.type) {
    case 'StasisStart': {
      const ch = e.channel as RawAriChannel | undefined;
      if (!ch?.id) return undefined;
      return { type: 'call.started', channel: toChannelInfo(ch, now), args: Array.isArray(e.args) ? (e.args as unknown[]).map(String) : [], at };
    }
    case 'StasisEnd': {
      const id = chId(e);
      return id ? { type: 'call.ended', channelId: id, at } : undefined;
    }
    case 'ChannelHangupRequest': {
      const id = chId(e);
      if (!id) return undefined;
      const ev: TelephonyEvent = { type: 'channel.hangupRequested', channelId: id, at };
      if (typeof e.cause === 'number') ev.cause = e.cause;
      if (typeof e.soft === 'boolean') ev.soft = e.soft;
      return ev;
    }
    case 'ChannelDestroyed': {
      const id = chId(e);
      return id ? { type: 'channel.destroyed', channelId: id, cause: typeof e.cause === 'number' ? e.cause : 0, causeText: typeof e.cause_txt === 'string' ? e.cause_txt : '', at } : undefined;
    }
    case 'ChannelStateChange': {
      const ch = e.channel as RawAriChannel | undefined;
      return ch?.id ? { type: 'channel.state', channelId: ch.id, state: (ch.state ?? 'Unknown') as ChannelState, at } : undefined;
    }
    case 'ChannelVarset': {
      const id = chId(e);
      return id ? { type: 'channel.varset', channelId: id, variable: String(e.variable ?? ''), value: String(e.value ?? ''), at } : undefined;
    }
    case 'ChannelDtmfReceived': {
      const id = chId(e);
      return id ? { type: 'dtmf', channelId: id, digit: String(e.digit ?? ''), durationMs: typeof e.duration_ms === 'number' ? e.duration_ms : 0, at } : undefined;
    }
    case 'PlaybackStarted':
    case 'PlaybackFinished': {
      const p = e.playback as { id?: string; target_uri?: string; state?: string } | undefined;
      if (!p?.id) return undefined;
      if (e.type === 'PlaybackStarted') return { type: 'playback.started', playbackId: p.id, targetUri: p.target_uri ?? '', at };
      const state = p.state === 'failed' ? 'failed' : p.state === 'stopped' ? 'stopped' : 'done';
      return { type: 'playback.finished', playbackId: p.id, targetUri: p.target_uri ?? '', state, at };
    }
    case 'RecordingStarted':
    case 'RecordingFinished':
    case 'RecordingFailed': {
      const r = e.recording as { name?: string; target_uri?: string; duration?: number; cause?: string } | undefined;
      if (!r?.name) return undefined;
      const base = { name: r.name, targetUri: r.target_uri ?? '', at };
      if (e.type === 'RecordingStarted') return { type: 'recording.started', ...base };
      if (e.type === 'RecordingFinished') return { type: 'recording.finished', ...base, ...(typeof r.duration === 'number' ? { durationSec: r.duration } : {}) };
      return { type: 'recording.failed', ...base, ...(r.cause ? { cause: r.cause } : {}) };
    }
    case 'ChannelEnteredBridge':
    case 'ChannelLeftBridge': {
      const b = e.bridge as { id?: string } | undefined;
      const id = chId(e);
      if (!b?.id || !id) return undefined;
      return { type: e.type === 'ChannelEnteredBridge' ? 'bridge.entered' : 'bridge.left', bridgeId: b.id, channelId: id, at };
    }
    case 'BridgeDestroyed': {
      const b = e.bridge as { id?: string } | undefined;
      return b?.id ? { type: 'bridge.destroyed', bridgeId: b.id, at } : undefined;
    }
    case 'Dial': {
      const peer = e.peer as RawAriChannel | undefined;
      if (!peer?.id) return undefined;
      const caller = e.caller as RawAriChannel | undefined;
      return { type: 'dial', peerId: peer.id, ...(caller?.id ? { callerId: caller.id } : {}), status: String(e.dialstatus ?? ''), at };
    }
    case 'EndpointStateChange': {
      const ep = e.endpoint as { technology?: string; resource?: string; state?: string; channel_ids?: string[] } | undefined;
      if (!ep?.resource) return undefined;
      return { type: 'endpoint.state', technology: ep.technology ?? '', resource: ep.resource, state: ep.state ?? 'unknown', channelIds: ep.channel_ids ?? [], at };
    }
    case 'DeviceStateChanged': {
      const d = e.device_state as { name?: string; state?: string } | undefined;
      return d?.name ? { type: 'device.state', device: d.name, state: d.state ?? '', at } : undefined;
    }
    default:
      return undefined;
  }
}
