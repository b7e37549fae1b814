// Raw ARI WebSocket events (JSON as Asterisk sends them) → TelephonyEvent. Pure: the
// adapter stamps nothing itself; `at` is the event's own timestamp, normalised to ISO.
import type { ChannelInfo, ChannelState, TelephonyEvent } from '../port.ts';

export interface RawAriChannel {
  id: string;
  name?: string;
  state?: string;
  caller?: { number?: string; name?: string };
  connected?: { number?: string; name?: string };
  dialplan?: { context?: string; exten?: string; priority?: number; app_name?: string; app_data?: string };
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

/** Field readers that never trust the wire: a wrong type reads as absent. */
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : dflt);
const id = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function toChannelInfo(c: RawAriChannel, fallbackNow: () => string = () => new Date().toISOString()): ChannelInfo {
  const caller = obj(c.caller);
  const connected = obj(c.connected);
  const dialplan = obj(c.dialplan);
  const info: ChannelInfo = {
    id: str(c.id),
    name: str(c.name),
    state: str(c.state, 'Unknown') as ChannelState,
    caller: { number: str(caller?.number), name: str(caller?.name) },
    connected: { number: str(connected?.number), name: str(connected?.name) },
    dialplan: { context: str(dialplan?.context), exten: str(dialplan?.exten), priority: num(dialplan?.priority) ?? 0, ...(typeof dialplan?.app_name === 'string' ? { appName: dialplan.app_name, appData: str(dialplan.app_data) } : {}) },
    language: str(c.language),
    creationTime: isoTime(c.creationtime, fallbackNow),
  };
  const vars = obj(c.channelvars);
  if (vars) {
    const v = Object.fromEntries(Object.entries(vars).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
    if (Object.keys(v).length) info.variables = v;
  }
  return info;
}

const chId = (e: RawAriEvent): string | undefined => id(obj(e.channel)?.id);

/** Event types centralita acts on: one of these without the fields it needs is rejected (counted, kept), not ignored. */
export const USED_ARI_EVENTS = new Set(['StasisStart', 'StasisEnd', 'ChannelHangupRequest', 'ChannelDestroyed', 'ChannelStateChange', 'ChannelVarset', 'ChannelDtmfReceived', 'PlaybackStarted', 'PlaybackFinished', 'RecordingStarted', 'RecordingFinished', 'RecordingFailed', 'ChannelEnteredBridge', 'ChannelLeftBridge', 'BridgeDestroyed', 'Dial', 'EndpointStateChange', 'DeviceStateChanged']);

export type CheckedAriEvent = { event: TelephonyEvent } | { ignored: true } | { rejected: string };

/**
 * Any JSON from the socket → an event, "not used" (types centralita does not act on), or a
 * rejection with its reason (a used type missing what it needs, or not an ARI event at all).
 */
export function checkAriEvent(e: unknown, now: () => string = () => new Date().toISOString()): CheckedAriEvent {
  const o = obj(e);
  if (!o || typeof o.type !== 'string' || o.type === '') return { rejected: 'not an ARI event (no type)' };
  const ev = translateAriEvent(o as RawAriEvent, now);
  if (ev) return { event: ev };
  if (!USED_ARI_EVENTS.has(o.type)) return { ignored: true };
  return { rejected: `${o.type} without the ${MISSING[o.type] ?? 'fields it needs'}` };
}

const MISSING: Record<string, string> = {
  StasisStart: 'channel id', StasisEnd: 'channel id', ChannelHangupRequest: 'channel id', ChannelDestroyed: 'channel id', ChannelStateChange: 'channel id',
  ChannelVarset: 'channel id', ChannelDtmfReceived: 'channel id and digit', PlaybackStarted: 'playback id', PlaybackFinished: 'playback id',
  RecordingStarted: 'recording name', RecordingFinished: 'recording name', RecordingFailed: 'recording name', ChannelEnteredBridge: 'bridge and channel ids',
  ChannelLeftBridge: 'bridge and channel ids', BridgeDestroyed: 'bridge id', Dial: 'peer channel id', EndpointStateChange: 'endpoint resource', DeviceStateChanged: 'device name',
};

/** The last rejected events with their reasons (bounded), and how many there were. */
export interface RejectedAriEvents {
  /** `text`: the frame as received, when it was not JSON. */
  add(raw: unknown, reason: string, at: string, text?: string): void;
  count(): number;
  recent(): { reason: string; type?: string; at: string; sample: string }[];
}

export function rejectedAriEvents(limit = 100): RejectedAriEvents {
  const recent: { reason: string; type?: string; at: string; sample: string }[] = [];
  let count = 0;
  return {
    add(raw, reason, at, text) {
      count++;
      let sample: string;
      try { sample = (text ?? JSON.stringify(raw) ?? String(raw)).slice(0, 500); } catch { sample = String(raw).slice(0, 500); }
      const type = typeof obj(raw)?.type === 'string' ? (obj(raw)!.type as string) : undefined;
      recent.push({ reason, ...(type ? { type } : {}), at, sample });
      if (recent.length > limit) recent.shift();
    },
    count: () => count,
    recent: () => [...recent],
  };
}

/** Returns undefined for events centralita does not use (ChannelDialplan, ChannelCallerId…). */
export function translateAriEvent(e: RawAriEvent, now: () => string = () => new Date().toISOString()): TelephonyEvent | undefined {
  const at = isoTime(e.timestamp, now);
  switch (e.type) {
    case 'StasisStart': {
      const ch = obj(e.channel) as RawAriChannel | undefined;
      if (!ch || !id(ch.id)) return undefined;
      return { type: 'call.started', channel: toChannelInfo(ch, now), args: Array.isArray(e.args) ? (e.args as unknown[]).map((a) => (typeof a === 'string' ? a : typeof a === 'number' ? String(a) : '')) : [], at };
    }
    case 'StasisEnd': {
      const cid = chId(e);
      return cid ? { type: 'call.ended', channelId: cid, at } : undefined;
    }
    case 'ChannelHangupRequest': {
      const cid = chId(e);
      if (!cid) return undefined;
      const ev: TelephonyEvent = { type: 'channel.hangupRequested', channelId: cid, at };
      if (num(e.cause) !== undefined) ev.cause = e.cause as number;
      if (typeof e.soft === 'boolean') ev.soft = e.soft;
      return ev;
    }
    case 'ChannelDestroyed': {
      const cid = chId(e);
      return cid ? { type: 'channel.destroyed', channelId: cid, cause: num(e.cause) ?? 0, causeText: str(e.cause_txt), at } : undefined;
    }
    case 'ChannelStateChange': {
      const ch = obj(e.channel);
      const cid = id(ch?.id);
      return cid ? { type: 'channel.state', channelId: cid, state: str(ch!.state, 'Unknown') as ChannelState, at } : undefined;
    }
    case 'ChannelVarset': {
      const cid = chId(e);
      return cid ? { type: 'channel.varset', channelId: cid, variable: str(e.variable), value: typeof e.value === 'number' ? String(e.value) : str(e.value), at } : undefined;
    }
    case 'ChannelDtmfReceived': {
      const cid = chId(e);
      // A DTMF digit is one of 0-9 * # A-D; anything else is not a key press.
      const digit = str(e.digit);
      return cid && /^[0-9*#A-D]$/.test(digit) ? { type: 'dtmf', channelId: cid, digit, durationMs: num(e.duration_ms) ?? 0, at } : undefined;
    }
    case 'PlaybackStarted':
    case 'PlaybackFinished': {
      const p = obj(e.playback);
      const pid = id(p?.id);
      if (!pid) return undefined;
      if (e.type === 'PlaybackStarted') return { type: 'playback.started', playbackId: pid, targetUri: str(p!.target_uri), at };
      const state = p!.state === 'failed' ? 'failed' : p!.state === 'stopped' ? 'stopped' : 'done';
      return { type: 'playback.finished', playbackId: pid, targetUri: str(p!.target_uri), state, at };
    }
    case 'RecordingStarted':
    case 'RecordingFinished':
    case 'RecordingFailed': {
      const r = obj(e.recording);
      const name = id(r?.name);
      if (!name) return undefined;
      const base = { name, targetUri: str(r!.target_uri), at };
      if (e.type === 'RecordingStarted') return { type: 'recording.started', ...base };
      const duration = num(r!.duration);
      if (e.type === 'RecordingFinished') return { type: 'recording.finished', ...base, ...(duration !== undefined ? { durationSec: duration } : {}) };
      const cause = str(r!.cause);
      return { type: 'recording.failed', ...base, ...(cause ? { cause } : {}) };
    }
    case 'ChannelEnteredBridge':
    case 'ChannelLeftBridge': {
      const bid = id(obj(e.bridge)?.id);
      const cid = chId(e);
      if (!bid || !cid) return undefined;
      return { type: e.type === 'ChannelEnteredBridge' ? 'bridge.entered' : 'bridge.left', bridgeId: bid, channelId: cid, at };
    }
    case 'BridgeDestroyed': {
      const bid = id(obj(e.bridge)?.id);
      return bid ? { type: 'bridge.destroyed', bridgeId: bid, at } : undefined;
    }
    case 'Dial': {
      const peerId = id(obj(e.peer)?.id);
      if (!peerId) return undefined;
      const callerId = id(obj(e.caller)?.id);
      return { type: 'dial', peerId, ...(callerId ? { callerId } : {}), status: str(e.dialstatus), at };
    }
    case 'EndpointStateChange': {
      const ep = obj(e.endpoint);
      const resource = id(ep?.resource);
      if (!resource) return undefined;
      const channelIds = Array.isArray(ep!.channel_ids) ? (ep!.channel_ids as unknown[]).filter((x): x is string => typeof x === 'string') : [];
      return { type: 'endpoint.state', technology: str(ep!.technology), resource, state: str(ep!.state, 'unknown'), channelIds, at };
    }
    case 'DeviceStateChanged': {
      const d = obj(e.device_state);
      const device = id(d?.name);
      return device ? { type: 'device.state', device, state: str(d!.state), at } : undefined;
    }
    default:
      return undefined;
  }
}
