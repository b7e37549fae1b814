// Bridges: mixing and holding bridges, membership events to the bridge's subscribers,
// music on hold, and destruction (a bridge deleted with channels in it only lets them go).
import { AriError, type Bridge, type Chan, type Ctx, type Snapshot } from './model.ts';
import { allApps, bridgeJson, bridgeRecipients, chanJson, deliver, note, now, subscribe, ts, uuid } from './core.ts';
import { enqueueSync } from './control-queue.ts';
import { play } from './playback.ts';
import { record, type RecordQuery } from './recording.ts';

const BRIDGE_TYPES = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];

export function createBridge(x: Ctx, p: { bridgeId?: string; type?: string; name?: string }): Snapshot {
  const types = (p.type ?? 'mixing').split(',').map((s) => s.trim());
  if (types.some((t) => !BRIDGE_TYPES.includes(t))) throw new AriError(500, "Unable to create bridge. Possible duplicate bridge id '(null)'");
  const existing = p.bridgeId ? x.bridges.get(p.bridgeId) : undefined;
  if (existing) return bridgeJson(x, existing);
  const b: Bridge = {
    id: p.bridgeId ?? uuid(), type: types.includes('holding') ? 'holding' : 'mixing', name: p.name ?? '', channels: [], creationtime: ts(x), subs: new Map(),
    moh: undefined, alive: true,
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
  for (const o of b.channels) {
    if (o.farEnd) note(o, { at: now(x), kind: 'bridged', bridgeId: b.id, with: b.channels.filter((y) => y !== o).map((y) => y.id) });
  }
}

/** reason 'hangup' keeps the app's bridge subscription (Asterisk does not drop it), as traced. */
export function bridgeLeave(x: Ctx, c: Chan, reason: 'remove' | 'hangup' | 'destroy' | 'readd'): void {
  const b = c.bridge;
  if (!b) return;
  b.channels = b.channels.filter((y) => y !== c);
  c.bridge = undefined;
  deliver(x, bridgeRecipients(x, b), { type: 'ChannelLeftBridge', timestamp: ts(x), bridge: bridgeJson(x, b), channel: chanJson(x, c) });
  if (reason !== 'hangup' && c.stasisApp) subscribe(b.subs, c.stasisApp, -1);
  note(c, { at: now(x), kind: 'unbridged', bridgeId: b.id });
}

function destroyBridge(x: Ctx, b: Bridge): void {
  for (const r of [...x.bridgeRecordings]) if (r.bridge === b) r.finish?.('done');
  for (const c of [...b.channels]) bridgeLeave(x, c, 'destroy');
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
    listBridges: () => [...x.bridges.values()].map((b) => bridgeJson(x, b)),
    createBridge: (p: { bridgeId?: string; type?: string; name?: string }) => createBridge(x, p),
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
      for (const c of b.channels) note(c, { at: now(x), kind: 'moh', on, ...(on ? { mohClass: b.moh } : {}) });
    },
    bridgeRecord(id: string, q: RecordQuery) {
      return record(x, { bridge: getBridge(x, id) }, q);
    },
  };
}
