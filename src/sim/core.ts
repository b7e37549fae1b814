// Channel core: ids, snapshots shaped like Asterisk 22's JSON, event delivery to Stasis apps
// and their subscriptions, channel creation, state and variables.
import { causeText } from '../domain/hangup-causes.ts';
import { AriError, ariTime, type Bridge, type Chan, type Ctx, type LiveRecording, type Playback, type SimApp, type Snapshot } from './model.ts';
import type { CallerId, SimChannelView, TranscriptEntry } from './types.ts';
import { touchEndpoint } from './endpoints.ts';
import { observe } from './observer.ts';
import { trackHearing } from './hearing.ts';

export const now = (x: Ctx) => x.clock.now();
export const ts = (x: Ctx) => ariTime(x.clock.now());
export const uniqueId = (x: Ctx) => `${Math.floor(now(x) / 1000)}.${x.seq.unique++}`;
export const hex8 = (n: number) => n.toString(16).padStart(8, '0');
export function uuid(): string {
  const h = () => Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
  return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
}
export { causeText };

// ---------- snapshots ----------
export function chanJson(x: Ctx, c: Chan): Snapshot {
  const j: Snapshot = {
    id: c.id, name: c.name, state: c.state, protocol_id: c.protocolId, caller: { ...c.caller }, connected: { ...c.connected }, accountcode: '',
    dialplan: { ...c.dialplan }, creationtime: c.creationtime, language: c.language,
  };
  // ari.conf channelvars: every snapshot carries them, unset ones as "".
  if (x.channelvars.length || c.reportVars) {
    const names = [...x.channelvars, ...[...(c.reportVars ?? [])].filter((n) => !x.channelvars.includes(n))];
    j.channelvars = Object.fromEntries(names.map((n) => [n, c.vars.get(n) ?? '']));
  }
  return j;
}
export function bridgeJson(_x: Ctx, b: Bridge): Snapshot {
  return {
    id: b.id, technology: b.technology, bridge_type: b.type, bridge_class: 'stasis', creator: 'Stasis',
    name: b.name, channels: b.channels.map((c) => c.id), creationtime: b.creationtime, video_mode: 'talker',
  };
}
export function playbackJson(p: Playback): Snapshot {
  const j: Snapshot = { id: p.id, media_uri: p.media[p.idx] ?? p.media[0] };
  const next = p.media[p.idx + 1];
  if (next !== undefined) j.next_media_uri = next;
  j.target_uri = p.targetUri;
  j.language = p.language;
  j.state = p.state;
  return j;
}
export function recordingJson(r: LiveRecording, duration?: number): Snapshot {
  const j: Snapshot = { name: r.name, format: r.format, state: r.shownState ?? (r.state === 'canceled' ? 'done' : r.state), target_uri: r.targetUri };
  if (duration !== undefined) j.duration = duration;
  return j;
}
export function appJson(x: Ctx, a: SimApp): Snapshot {
  const channelIds: string[] = [];
  for (const c of x.channels.values()) if (c.stasisApp === a.name || (c.subs.get(a.name) ?? 0) > 0) channelIds.push(c.id);
  const bridgeIds: string[] = [];
  for (const b of x.bridges.values()) if ((b.subs.get(a.name) ?? 0) > 0) bridgeIds.push(b.id);
  // Asterisk keeps an app's subscriptions sorted (as traced).
  return {
    name: a.name, channel_ids: channelIds.sort(), bridge_ids: bridgeIds.sort(), endpoint_ids: [...a.endpoints.keys()].sort(), device_names: [...a.devices.keys()].sort(),
    events_allowed: a.allowed.map((f) => ({ ...f })), events_disallowed: a.disallowed.map((f) => ({ ...f })),
  };
}

// ---------- event delivery ----------
export function deliver(x: Ctx, recipients: Iterable<string>, ev: Snapshot): void {
  let sent = false;
  for (const name of recipients) {
    const a = x.apps.get(name);
    if (!a?.sink) continue; // events while an app is disconnected are lost, as on Asterisk
    if (!passesFilter(a, String(ev.type))) continue;
    a.sent++;
    x.eventsTotal++;
    a.sink.send(JSON.stringify({ ...ev, asterisk_id: x.asteriskId, application: name }));
    sent = true;
  }
  if (sent && x.timings.enabled) x.timings.event(eventChannel(ev));
}
/** The channel an event is about (a playback's or recording's target channel too). */
function eventChannel(ev: Snapshot): string | undefined {
  const c = (ev.channel ?? ev.peer) as { id?: string } | undefined;
  if (c?.id) return c.id;
  const target = ((ev.playback ?? ev.recording) as { target_uri?: string } | undefined)?.target_uri;
  return target?.startsWith('channel:') ? target.slice(8) : undefined;
}
/** PUT /applications/{app}/eventFilter: allowed types only (if any), minus disallowed ones. */
function passesFilter(a: SimApp, type: string): boolean {
  if (a.allowed.length && !a.allowed.some((f) => f.type === type)) return false;
  return !a.disallowed.some((f) => f.type === type);
}

/** Adds the apps subscribed to everything. */
export function allApps(x: Ctx, set: Set<string> = new Set()): Set<string> {
  for (const a of x.apps.values()) if (a.subscribeAll) set.add(a.name);
  return set;
}
export function chanRecipients(x: Ctx, c: Chan): Set<string> {
  const s = new Set<string>();
  if (c.stasisApp) s.add(c.stasisApp);
  for (const [a, n] of c.subs) if (n > 0) s.add(a);
  return allApps(x, s);
}
export function bridgeRecipients(x: Ctx, b: Bridge): Set<string> {
  const s = new Set<string>();
  for (const [a, n] of b.subs) if (n > 0) s.add(a);
  return allApps(x, s);
}
export function chanEvent(x: Ctx, c: Chan, type: string, extra: Snapshot = {}, recipients?: Set<string>): void {
  deliver(x, recipients ?? chanRecipients(x, c), { type, timestamp: ts(x), ...extra, channel: chanJson(x, c) });
}
export function subscribe(map: Map<string, number>, app: string, delta: number): void {
  const n = (map.get(app) ?? 0) + delta;
  if (n <= 0) map.delete(app);
  else map.set(app, n);
}

// ---------- channel state ----------
export function setState(x: Ctx, c: Chan, state: string): void {
  if (c.state === state) return;
  c.state = state;
  chanEvent(x, c, 'ChannelStateChange');
  touchEndpoint(x, c);
  observe(x, 'state', c);
}
/** Sets the dialplan application a channel shows (AMI/CEL report the change). */
export function setApp(x: Ctx, c: Chan, app_name: string, app_data: string, more: Partial<Chan['dialplan']> = {}): void {
  const prev = { app: c.dialplan.app_name, data: c.dialplan.app_data };
  c.dialplan = { ...c.dialplan, ...more, app_name, app_data };
  if (prev.app !== app_name) observe(x, 'app', c, prev);
}
/**
 * Sets a channel variable and announces it (ChannelVarset). `staleSnapshot`: the event
 * carries the snapshot from before the change, as Asterisk's does for variables a channel
 * inherits when it is created (the snapshot is published after the event).
 */
export function setVar(x: Ctx, c: Chan, name: string, value: string, announce = true, staleSnapshot = false): void {
  const before = staleSnapshot ? chanJson(x, c) : undefined;
  c.vars.set(name, value);
  if (announce) deliver(x, chanRecipients(x, c), { variable: name, value, type: 'ChannelVarset', timestamp: ts(x), channel: before ?? chanJson(x, c) });
}
/** A `Dial` event about `peer` (the dialled channel); `caller` is the channel running Dial(), if any. */
export function dialEvent(x: Ctx, peer: Chan, dialstatus: string, dialstring: string, caller?: Chan): void {
  const rec = chanRecipients(x, peer);
  if (caller) for (const a of chanRecipients(x, caller)) rec.add(a);
  deliver(x, rec, { type: 'Dial', timestamp: ts(x), ...(caller ? { caller: chanJson(x, caller) } : {}), dialstatus, forward: '', dialstring, peer: chanJson(x, peer) });
  observe(x, 'dial', peer, dialstatus, dialstring, caller);
}
export function note(x: Ctx, c: Chan, e: TranscriptEntry): void {
  const f = c.farEnd;
  if (!f) return;
  f.transcript.push(e);
  if (e.kind === 'ringing') f.ringing = true;
  else if (e.kind === 'answered') f.ringing = false;
  trackHearing(x, c);
}

export interface NewChan {
  id?: string; name: string; tech: string; resource: string; state: string; caller?: CallerId; context: string; exten: string;
  /** The creating channel's linkedid (Dial, a Local pair, an originate with `originator`); default: its own id. */
  linkedid?: string;
  priority?: number; appName?: string; appData?: string; language?: string; protocolId?: string;
}
export function newChan(x: Ctx, p: NewChan): Chan {
  const id = p.id ?? uniqueId(x);
  if (x.seenIds.has(id)) x.reusedIds.set(id, (x.reusedIds.get(id) ?? 1) + 1);
  else {
    x.seenIds.add(id);
    if (x.seenIds.size > x.maxEnded * 10) x.seenIds.delete(x.seenIds.values().next().value!);
  }
  const c: Chan = {
    id, linkedid: p.linkedid ?? id, name: p.name, tech: p.tech, resource: p.resource, state: p.state, caller: p.caller ?? { name: '', number: '' },
    connected: { name: '', number: '' },
    dialplan: { context: p.context, exten: p.exten, priority: p.priority ?? 1, app_name: p.appName ?? '', app_data: p.appData ?? '' },
    creationtime: ts(x), language: p.language ?? 'en', protocolId: p.protocolId ?? '', vars: new Map(), stasisApp: undefined, stasisFromDialplan: false,
    subs: new Map(), peer: undefined, half: undefined, bridge: undefined, queue: [], busy: false, abortCurrent: undefined, playback: undefined,
    recording: undefined, moh: undefined, alive: true, dying: false, answered: false, hangupCause: undefined, propagatedCause: undefined,
    hangupSide: undefined, steps: undefined, stepIdx: 0, stepTimer: undefined, pendingDtmf: [], inDialplanApp: false, originate: undefined,
    farEnd: undefined, snoops: [], snoopOf: undefined, dialPeer: undefined, timers: [], created: false, nativeRtp: false, awaitingMedia: undefined, deferDtmf: false, techCause: undefined, draining: false,
  };
  x.channels.set(c.id, c);
  deliver(x, allApps(x), { type: 'ChannelCreated', timestamp: ts(x), channel: chanJson(x, c) });
  touchEndpoint(x, c);
  observe(x, 'created', c);
  return c;
}
/** A timer owned by the channel: cleared when it dies, skipped if it died meanwhile. */
export function later(x: Ctx, c: Chan, ms: number, fn: () => void): void {
  const h = x.clock.setTimer(ms, () => {
    c.timers = c.timers.filter((t) => t !== h);
    if (c.alive) fn();
  });
  c.timers.push(h);
}
export function clearChanTimers(x: Ctx, c: Chan): void {
  for (const t of c.timers) x.clock.clearTimer(t);
  c.timers = [];
  if (c.originate?.timer) x.clock.clearTimer(c.originate.timer);
  if (c.farEnd) for (const t of c.farEnd.timers) x.clock.clearTimer(t);
  if (c.stepTimer) x.clock.clearTimer(c.stepTimer);
}

// ---------- lookup ----------
export function getChan(x: Ctx, id: string): Chan {
  const c = x.channels.get(id);
  if (!c || !c.alive) throw new AriError(404, 'Channel not found');
  return c;
}
export function inStasis(x: Ctx, id: string, status = 409): Chan {
  const c = getChan(x, id);
  if (!c.stasisApp) throw new AriError(status, 'Channel not in Stasis application');
  return c;
}
export function view(c: Chan): SimChannelView {
  return {
    id: c.id, name: c.name, state: c.state, alive: c.alive, stasisApp: c.stasisApp, bridgeId: c.bridge?.id, caller: { ...c.caller },
    hangupCause: c.alive ? undefined : c.hangupCause, hangupSide: c.alive ? undefined : c.hangupSide, transcript: [...(c.farEnd?.transcript ?? [])],
    heard: (c.farEnd?.heard ?? []).map((h) => ({ ...h })),
  };
}
/** `Tech/resource` split at the first slash; undefined when there is none. */
export function splitEndpoint(endpoint: string): { tech: string; resource: string } | undefined {
  const slash = endpoint.indexOf('/');
  if (slash <= 0) return undefined;
  return { tech: endpoint.slice(0, slash), resource: endpoint.slice(slash + 1) };
}
