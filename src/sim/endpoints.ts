// Endpoint and device state: phones in use, ringing, idle (EndpointStateChange,
// DeviceStateChanged), and the Stasis:<name> device states an app controls over REST.
import { AriError, type Chan, type Ctx, type EndpointConfig, type Snapshot } from './model.ts';
import { allApps, deliver, ts } from './core.ts';

export function endpointJson(x: Ctx, e: EndpointConfig): Snapshot {
  return {
    technology: e.technology, resource: e.resource, state: e.behavior?.behavior === 'unreachable' ? 'offline' : 'online',
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
  const devRec = allApps(x);
  for (const a of x.apps.values()) if (a.devices.has(key)) devRec.add(a.name);
  if (devRec.size === 0) {
    x.deviceLast.delete(key);
    return;
  }
  // Asterisk's aggregation of channel states into a device state.
  let up = false;
  let ringing = false;
  let busy = false;
  for (const o of mine) {
    if (o.state === 'Up') up = true;
    else if (o.state === 'Ringing' || o.state === 'Ring') ringing = true;
    else if (o.state === 'Busy') busy = true;
  }
  const state = up && ringing ? 'RINGINUSE' : up ? 'INUSE' : ringing ? 'RINGING' : busy ? 'BUSY' : 'NOT_INUSE';
  if ((x.deviceLast.get(key) ?? 'NOT_INUSE') === state) return;
  x.deviceLast.set(key, state);
  deliver(x, devRec, { type: 'DeviceStateChanged', timestamp: ts(x), device_state: { name: key, state } });
}

const DEVICE_STATES = ['NOT_INUSE', 'INUSE', 'BUSY', 'INVALID', 'UNAVAILABLE', 'RINGING', 'RINGINUSE', 'ONHOLD', 'UNKNOWN'];

export function endpointOps(x: Ctx) {
  return {
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
    listDeviceStates: () => [...x.deviceStates.entries()].map(([name, state]) => ({ name, state })),
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
