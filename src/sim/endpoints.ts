// Endpoint and device state: phones in use, ringing, idle (EndpointStateChange,
// DeviceStateChanged), and the Stasis:<name> device states an app controls over REST.
import { AriError, type Chan, type Contact, type Ctx, type EndpointConfig, type Snapshot } from './model.ts';
import { allApps, deliver, ts } from './core.ts';

/** online with a contact: a static one (aor `contact =`) or a registered one for a dynamic AOR. */
export function endpointOnline(x: Ctx, e: EndpointConfig): boolean {
  if (e.behavior?.behavior === 'unreachable') return false;
  return e.dynamic || e.webrtc ? x.contacts.has(`${e.technology}/${e.resource}`) : true;
}

export function endpointJson(x: Ctx, e: EndpointConfig): Snapshot {
  return {
    technology: e.technology, resource: e.resource, state: endpointOnline(x, e) ? 'online' : 'offline',
    channel_ids: [...(x.endpointChans.get(`${e.technology}/${e.resource}`) ?? [])].filter((c) => c.alive).map((c) => c.id),
  };
}

export function endpointRecipients(x: Ctx, key: string, tech: string): Set<string> {
  const rec = allApps(x);
  for (const a of x.apps.values()) if (a.endpoints.has(key) || a.endpoints.has(tech)) rec.add(a.name);
  return rec;
}

/** A PJSIP channel was created, changed state or died: endpoint and device state follow. */
export function touchEndpoint(x: Ctx, c: Chan): void {
  if (c.tech !== 'PJSIP') return;
  const key = `${c.tech}/${c.resource}`;
  const e = x.endpoints.get(key);
  if (!e) return;
  let mine = x.endpointChans.get(key);
  if (!mine) x.endpointChans.set(key, (mine = new Set()));
  if (c.alive) mine.add(c);
  else mine.delete(c);
  const epRec = endpointRecipients(x, key, c.tech);
  // Snapshots are built only for someone listening: a busy trunk has thousands of channels.
  if (epRec.size > 0) deliver(x, epRec, { type: 'EndpointStateChange', timestamp: ts(x), endpoint: endpointJson(x, e) });
  refreshDevice(x, e);
}

/**
 * The endpoint's device state as Asterisk aggregates it (DeviceStateChanged when it changes):
 * UNAVAILABLE for a registering phone without a contact (a softphone not registered), else from its channels.
 */
function refreshDevice(x: Ctx, e: EndpointConfig): void {
  const key = `${e.technology}/${e.resource}`;
  const mine = x.endpointChans.get(key) ?? new Set<Chan>();
  const devRec = allApps(x);
  for (const a of x.apps.values()) if (a.devices.has(key)) devRec.add(a.name);
  if (devRec.size === 0) {
    x.deviceLast.delete(key);
    return;
  }
  // Asterisk's aggregation of channel states into a device state.
  // A registering phone starts UNAVAILABLE (no contact yet); a static one NOT_INUSE.
  const initial = e.dynamic || e.webrtc ? 'UNAVAILABLE' : 'NOT_INUSE';
  if ((e.dynamic || e.webrtc) && !x.contacts.has(key)) return setDevice(x, key, devRec, 'UNAVAILABLE', initial);
  let up = false;
  let ringing = false;
  let busy = false;
  for (const o of mine) {
    if (o.state === 'Up') up = true;
    else if (o.state === 'Ringing' || o.state === 'Ring') ringing = true;
    else if (o.state === 'Busy') busy = true;
  }
  setDevice(x, key, devRec, up && ringing ? 'RINGINUSE' : up ? 'INUSE' : ringing ? 'RINGING' : busy ? 'BUSY' : 'NOT_INUSE', initial);
}

function setDevice(x: Ctx, key: string, devRec: Set<string>, state: string, initial: string): void {
  if ((x.deviceLast.get(key) ?? initial) === state) return;
  x.deviceLast.set(key, state);
  deliver(x, devRec, { type: 'DeviceStateChanged', timestamp: ts(x), device_state: { name: key, state } });
}

/**
 * A phone registers (REGISTER with a contact for its dynamic AOR) or its registration goes:
 * EndpointStateChange, PeerStatusChange and ContactStatusChange, in that order (traced), to
 * apps subscribed to the endpoint. Without qualify the contact is NonQualified.
 */
export function registerContact(x: Ctx, key: string, uri: string, expiresSec: number, unregisterAfterMs?: number): void {
  const e = x.endpoints.get(key);
  if (!e) throw new AriError(404, 'Endpoint not found');
  const full = /;transport=/i.test(uri) ? uri : `${uri};transport=UDP`;
  const old = x.contacts.get(key);
  if (old?.timer) x.clock.clearTimer(old.timer);
  const contact: Contact = { uri: full, aor: e.resource, expiresAt: x.clock.now() + expiresSec * 1000 };
  x.contacts.set(key, contact);
  const ttl = unregisterAfterMs ?? expiresSec * 1000;
  contact.timer = x.clock.setTimer(ttl, () => unregisterContact(x, key));
  contactEvents(x, e, contact, 'online', 'Reachable', 'NonQualified');
}
export function unregisterContact(x: Ctx, key: string): void {
  const c = x.contacts.get(key);
  const e = x.endpoints.get(key);
  if (!c || !e) return;
  if (c.timer) x.clock.clearTimer(c.timer);
  x.contacts.delete(key);
  contactEvents(x, e, c, 'offline', 'Unreachable', 'Removed');
}
function contactEvents(x: Ctx, e: EndpointConfig, c: Contact, _state: string, peer: string, status: string): void {
  const key = `${e.technology}/${e.resource}`;
  refreshDevice(x, e);
  const rec = endpointRecipients(x, key, e.technology);
  if (rec.size === 0) return;
  const endpoint = endpointJson(x, e);
  deliver(x, rec, { type: 'EndpointStateChange', timestamp: ts(x), endpoint });
  deliver(x, rec, { type: 'PeerStatusChange', timestamp: ts(x), endpoint, peer: { peer_status: peer } });
  deliver(x, rec, { type: 'ContactStatusChange', timestamp: ts(x), endpoint, contact_info: { uri: c.uri, contact_status: status, aor: c.aor, roundtrip_usec: '0' } });
}

/**
 * The endpoint becomes (or stops being) a WebRTC one (`webrtc = yes`, the browser softphone
 * template): its only contacts are browsers that register, so it is offline until one does.
 */
export function setWebrtc(x: Ctx, key: string, on: boolean): void {
  const e = x.endpoints.get(key);
  if (!e || Boolean(e.webrtc) === on) return;
  const before = endpointOnline(x, e);
  e.webrtc = on;
  e.dynamic = on;
  refreshDevice(x, e);
  if (before === endpointOnline(x, e)) return;
  const rec = endpointRecipients(x, key, e.technology);
  if (rec.size > 0) deliver(x, rec, { type: 'EndpointStateChange', timestamp: ts(x), endpoint: endpointJson(x, e) });
}

const DEVICE_STATES = ['NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD', 'UNKNOWN'];

export function endpointOps(x: Ctx) {
  return {
    setWebrtc: (key: string, on: boolean) => setWebrtc(x, key, on),
    listEndpoints(tech?: string) {
      const list = [...x.endpoints.values()].filter((e) => !tech || e.technology === tech);
      if (tech && list.length === 0 && tech !== 'PJSIP') throw new AriError(404, 'No Endpoints found - invalid tech ' + tech);
      return list.map((e) => endpointJson(x, e));
    },
    getEndpoint(tech: string, resource: string) {
      const e = x.endpoints.get(`${tech}/${resource}`);
      if (!e) throw new AriError(404, 'Endpoint not found');
      return endpointJson(x, e);
    },
    // Sorted by name, as Asterisk lists them (traced).
    listDeviceStates: () => [...x.deviceStates.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, state]) => ({ name, state })),
    getDeviceState(name: string) {
      return { name, state: x.deviceStates.get(name) ?? 'UNKNOWN' };
    },
    setDeviceState(name: string, state: string | undefined) {
      if (!name.startsWith('Stasis:')) throw new AriError(409, 'Uncontrolled device specified');
      if (!state || !DEVICE_STATES.includes(state)) throw new AriError(400, 'Invalid device state');
      x.deviceStates.set(name, state);
      const rec = allApps(x);
      for (const a of x.apps.values()) if (a.devices.has(name)) rec.add(a.name);
      deliver(x, rec, { type: 'DeviceStateChanged', timestamp: ts(x), device_state: { name, state } });
    },
    deleteDeviceState(name: string) {
      if (!name.startsWith('Stasis:')) throw new AriError(409, 'Uncontrolled device specified');
      if (!x.deviceStates.delete(name)) throw new AriError(404, 'Device name is missing');
    },
  };
}
