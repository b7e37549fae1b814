// Bridges: mixing and holding bridges, membership events to the bridge's subscribers,
// music on hold, and destruction (a bridge deleted with channels in it only lets them go).
import { AriError, type Bridge, type Chan, type Ctx, type Snapshot } from './model.ts';
import { allApps, bridgeJson, bridgeRecipients, chanEvent, chanJson, deliver, note, now, subscribe, ts, uuid } from './core.ts';
import { trackBridge } from './hearing.ts';
import { enqueueSync } from './control-queue.ts';
import { mediaTo } from './lifecycle.ts';
import { play } from './playback.ts';
import { record, type RecordQuery } from './recording.ts';
import { observe } from './observer.ts';

const BRIDGE_TYPES = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];

export function createBridge(x: Ctx, p: { bridgeId?: string; type?: string; name?: string }): Snapshot {
  const types = (p.type ?? 'mixing').split(',').map((s) => s.trim());
  if (types.some((t) => !BRIDGE_TYPES.includes(t))) throw new AriError(500, "Unable to create bridge. Possible duplicate bridge id '(null)'");
  const existing = p.bridgeId ? x.bridges.get(p.bridgeId) : undefined;
  if (existing) return bridgeJson(x, existing);
  const b: Bridge = {
    id: p.bridgeId ?? uuid(), type: types.includes('holding') ? 'holding' : 'mixing', name: p.name ?? '', channels: [], creationtime: ts(x), subs: new Map(),
    moh: undefined, alive: true, vars: new Map(), technology: types.includes('holding') ? 'holding_bridge' : 'simple_bridge',
  };
  x.bridges.set(b.id, b);
  deliver(x, allApps(x), { type: 'BridgeCreated', timestamp: ts(x), bridge: bridgeJson(x, b) });
  return bridgeJson(x, b);
}

function getBridge(x: Ctx, id: string): Bridge {
  const b = x.bridges.get(id);
  if (!b) throw new AriError(404, 'Bridge not found');
  return b;
}

/**
 * The technology Asterisk's bridging core picks for a mixing bridge: two legs that can exchange
 * RTP directly -> native_rtp, three or more -> softmix, otherwise simple_bridge. It is picked
 * after a join or leave, so the event about that join still shows the previous one (traced).
 */
function pickTechnology(b: Bridge): void {
  if (b.type === 'holding') return;
  const n = b.channels.length;
  b.technology = n >= 3 ? 'softmix' : n === 2 && b.channels.every((c) => c.nativeRtp) ? 'native_rtp' : 'simple_bridge';
}
/** Two parties in a bridge are each told the other's caller id as their connected line. */
function updateConnectedLines(x: Ctx, b: Bridge): void {
  if (b.channels.length !== 2) return;
  const [a, c] = b.channels as [Chan, Chan];
  const toA = { ...c.caller };
  const toC = { ...a.caller };
  setConnected(x, a, toA);
  setConnected(x, c, toC);
}
/** A connected line update; a Local half passes it to its peer as that half's caller id. */
function setConnected(x: Ctx, c: Chan, id: { name: string; number: string }): void {
  c.connected = { ...id };
  chanEvent(x, c, 'ChannelConnectedLine');
  // The peer reads the update as a frame: at once in a dialplan application, only when it is
  // out of Stasis (traced: the caller id changes right after StasisEnd).
  const p = c.tech === 'Local' ? c.peer : undefined;
  if (p?.alive) {
    if (p.stasisApp) p.pendingCaller = { ...id };
    else {
      p.caller = { ...id };
      chanEvent(x, p, 'ChannelCallerId', { caller_presentation: 0, caller_presentation_txt: 'Presentation Allowed, Not Screened' });
    }
  }
}

// Bridge membership events reach the apps subscribed to the bridge (the app whose channel
// joined subscribes), not other subscribers of the channel: traced with an originator app.
function bridgeEnter(x: Ctx, c: Chan, b: Bridge): void {
  let at = b.channels.length;
  if (c.bridge === b) at = b.channels.indexOf(c);
  if (c.bridge) bridgeLeave(x, c, c.bridge === b ? 'readd' : 'remove');
  c.bridge = b;
  b.channels.splice(Math.min(at, b.channels.length), 0, c);
  if (c.stasisApp) subscribe(b.subs, c.stasisApp, 1);
  deliver(x, bridgeRecipients(x, b), { type: 'ChannelEnteredBridge', timestamp: ts(x), bridge: bridgeJson(x, b), channel: chanJson(x, c) });
  pickTechnology(b);
  observe(x, 'bridge', c, { id: b.id, technology: b.technology, members: [...b.channels] }, true);
  updateConnectedLines(x, b);
  // Frames flow between the members (a Local half's peer waiting in Answer() gets media).
  if (b.channels.length > 1) for (const o of b.channels) mediaTo(x, o);
  for (const o of b.channels) {
    if (o.farEnd) note(x, o, { at: now(x), kind: 'bridged', bridgeId: b.id, with: b.channels.filter((y) => y !== o).map((y) => y.id) });
  }
}

/** reason 'hangup' keeps the app's bridge subscription (Asterisk does not drop it), as traced. */
export function bridgeLeave(x: Ctx, c: Chan, reason: 'remove' | 'hangup' | 'destroy' | 'readd'): void {
  const b = c.bridge;
  if (!b) return;
  b.channels = b.channels.filter((y) => y !== c);
  c.bridge = undefined;
  deliver(x, bridgeRecipients(x, b), { type: 'ChannelLeftBridge', timestamp: ts(x), bridge: bridgeJson(x, b), channel: chanJson(x, c) });
  observe(x, 'bridge', c, { id: b.id, technology: b.technology, members: [...b.channels] }, false);
  pickTechnology(b);
  if (reason !== 'hangup' && c.stasisApp) subscribe(b.subs, c.stasisApp, -1);
  note(x, c, { at: now(x), kind: 'unbridged', bridgeId: b.id });
  trackBridge(x, b.channels);
}

/**
 * DELETE /bridges/{id}: a bridge with channels in it only lets them go (ChannelLeftBridge) and
 * stays listed; an empty bridge is destroyed (BridgeDestroyed). Both traced.
 */
function destroyBridge(x: Ctx, b: Bridge): void {
  for (const r of [...x.bridgeRecordings]) if (r.bridge === b) r.finish?.('done');
  if (b.channels.length > 0) {
    for (const c of [...b.channels]) bridgeLeave(x, c, 'destroy');
    return;
  }
  b.alive = false;
  x.bridges.delete(b.id);
  deliver(x, bridgeRecipients(x, b), { type: 'BridgeDestroyed', timestamp: ts(x), bridge: bridgeJson(x, b) });
}

function liveChans(x: Ctx, ids: string[]): Chan[] {
  return ids.map((cid) => {
    const c = x.channels.get(cid);
    if (!c?.alive) throw new AriError(400, 'Channel not found');
    return c;
  });
}

export function bridgeOps(x: Ctx) {
  return {
    // Asterisk's bridges container is sorted by id (as traced).
    listBridges: () => [...x.bridges.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((b) => bridgeJson(x, b)),
    createBridge(p: { bridgeId?: string; type?: string; name?: string; variables?: Record<string, string> }) {
      const snap = createBridge(x, p);
      const b = x.bridges.get(String(snap.id))!;
      for (const [k, v] of Object.entries(p.variables ?? {})) b.vars.set(k, v);
      return snap;
    },
    getBridgeVar(id: string, name: string | undefined) {
      const b = getBridge(x, id);
      if (!name) throw new AriError(400, 'Variable name is required');
      const v = b.vars.get(name);
      if (v === undefined) throw new AriError(404, 'Provided variable was not found');
      return { value: v };
    },
    getBridgeVars(id: string, names: string[]) {
      const b = getBridge(x, id);
      if (names.length === 0) throw new AriError(400, 'At least one variable name is required');
      const out: Record<string, string> = {};
      for (const n of names) {
        const v = b.vars.get(n.trim());
        if (v === undefined) throw new AriError(404, 'Provided variable was not found');
        out[n.trim()] = v;
      }
      return { variables: out };
    },
    setBridgeVar(id: string, name: string | undefined, value: string | undefined) {
      const b = getBridge(x, id);
      if (!name) throw new AriError(400, 'Variable name is required');
      b.vars.set(name, value ?? '');
    },
    setBridgeVars(id: string, body: unknown) {
      const b = getBridge(x, id);
      const vars = (body as { variables?: unknown } | undefined)?.variables;
      if (body === undefined) throw new AriError(400, "The 'variables' field is required");
      if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw new AriError(400, "The 'variables' field must be a JSON object");
      for (const [k, v] of Object.entries(vars as Record<string, unknown>)) b.vars.set(k, String(v));
    },
    setVideoSource(bridgeId: string, channelId: string) {
      const b = getBridge(x, bridgeId);
      const c = x.channels.get(channelId);
      if (!c?.alive) throw new AriError(404, 'Channel not found');
      if (c.bridge !== b) throw new AriError(422, 'Channel not in this bridge');
      b.videoSource = c.id;
    },
    clearVideoSource(bridgeId: string) {
      getBridge(x, bridgeId).videoSource = undefined;
    },
    getBridge: (id: string) => bridgeJson(x, getBridge(x, id)),
    destroyBridge(id: string) {
      destroyBridge(x, getBridge(x, id));
    },
    async addChannel(bridgeId: string, ids: string[]) {
      const b = getBridge(x, bridgeId);
      const chans = liveChans(x, ids);
      for (const c of chans) if (!c.stasisApp) throw new AriError(422, 'Channel not in Stasis application');
      await Promise.all(chans.map((c) => enqueueSync(x, c, () => {
        if (b.alive && c.stasisApp) bridgeEnter(x, c, b);
      })));
    },
    removeChannel(bridgeId: string, ids: string[]) {
      const b = getBridge(x, bridgeId);
      const chans = liveChans(x, ids);
      for (const c of chans) if (c.bridge !== b) throw new AriError(422, 'Channel not in this bridge');
      for (const c of chans) bridgeLeave(x, c, 'remove');
    },
    bridgePlay(id: string, media: string[], playbackId: string | undefined, lang: string | undefined, offsetMs?: number, skipMs?: number) {
      return play(x, { bridge: getBridge(x, id) }, media, playbackId, lang, offsetMs, skipMs);
    },
    bridgeMoh(id: string, on: boolean, mohClass: string | undefined) {
      const b = getBridge(x, id);
      if (!on && b.moh === undefined) throw new AriError(409, "Bridge isn't playing music");
      b.moh = on ? (mohClass ?? 'default') : undefined;
      for (const c of b.channels) note(x, c, { at: now(x), kind: 'moh', on, ...(on ? { mohClass: b.moh } : {}) });
    },
    bridgeRecord(id: string, q: RecordQuery) {
      return record(x, { bridge: getBridge(x, id) }, q);
    },
  };
}
